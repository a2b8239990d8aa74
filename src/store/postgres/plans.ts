/**
 * @file Every SQL statement of the PostgreSQL store, by name, in the style of pg-boss's plans: text only, no
 * logic. Each runs as a prepared statement named after its key (see PostgresDb.run).
 */
export interface Plan {
  name: string;
  text: string;
}

const WORK_CHANNEL = 'likeness_work';
/** Payload `<partner_id>/<environment>` of a committed template change. */
const TEMPLATE_CHANNEL = 'likeness_templates';

/**
 * The tail of a statement that enqueues one task of `kind` per row of CTE `from` (payload built from its columns)
 * and notifies the workers of that kind on commit; it returns one row per task.
 */
function enqueue(kind: string, payload: string, from: string): string {
  return `, task AS (INSERT INTO tasks (kind, payload, state, run_at, created_at) SELECT '${kind}', ${payload}, 'ready', now(), now() FROM ${from} RETURNING id)
    SELECT t.id AS task_id, f.*, pg_notify('${WORK_CHANNEL}', '${kind}') FROM task t, ${from} f`;
}

/** A callback delivery row (alias d) with its attempt log as a JSON array, oldest first. */
const DELIVERY_WITH_LOG = `d.*, (SELECT coalesce(json_agg(json_build_object('attempt', a.attempt, 'at', a.at, 'status', a.status,
      'error', a.error, 'duration_ms', a.duration_ms) ORDER BY a.attempt), '[]') FROM callback_attempts a WHERE a.delivery_id = d.id) AS log
    FROM callback_deliveries d`;

const sql = {
  // Partners and keys.
  nextPartnerNumber: `SELECT nextval('partner_number') AS n`,
  insertPartner: `INSERT INTO partners (partner_id, name, created_at) VALUES ($1, $2, $3)`,
  insertApiKey: `INSERT INTO api_keys (partner_id, environment, sealed_key, created_at) VALUES ($1, $2, $3, $4)`,
  getPartner: `SELECT * FROM partners WHERE partner_id = $1`,
  listPartners: `SELECT * FROM partners ORDER BY partner_id`,
  getSealedApiKey: `SELECT sealed_key FROM api_keys WHERE partner_id = $1 AND environment = $2`,
  rotateApiKey: `UPDATE api_keys SET sealed_key = $1, created_at = $2 WHERE partner_id = $3 AND environment = $4`,

  // Users.
  getUser: `SELECT * FROM users WHERE partner_id = $1 AND environment = $2 AND user_id = $3`,
  getUserForUpdate: `SELECT * FROM users WHERE partner_id = $1 AND environment = $2 AND user_id = $3 FOR UPDATE`,
  listUsers: `SELECT * FROM users WHERE partner_id = $1 AND environment = $2 ORDER BY created_at, user_id LIMIT $3 OFFSET $4`,
  setUserStatus: `UPDATE users SET status = $1, updated_at = $2 WHERE partner_id = $3 AND environment = $4 AND user_id = $5 AND status != 'deleted'`,
  userJobImageKeys: `SELECT ji.blob_key FROM job_images ji JOIN jobs j ON j.smile_job_id = ji.smile_job_id
    WHERE j.partner_id = $1 AND j.environment = $2 AND j.user_id = $3`,
  deleteUserJobImages: `DELETE FROM job_images WHERE smile_job_id IN
    (SELECT smile_job_id FROM jobs WHERE partner_id = $1 AND environment = $2 AND user_id = $3)`,
  markUserDeleted: `UPDATE users SET status = 'deleted', template = NULL, image_key = NULL, updated_at = $1
    WHERE partner_id = $2 AND environment = $3 AND user_id = $4`,
  // Template changes: the counter row stays locked until the change commits, so changes commit in seq order; every
  // node is notified (payload `<partner_id>/<environment>`) on commit.
  recordTemplateChange: `WITH bump AS (
      INSERT INTO template_change_counters (partner_id, environment, seq) VALUES ($1, $2, 1)
      ON CONFLICT (partner_id, environment) DO UPDATE SET seq = template_change_counters.seq + 1 RETURNING seq),
    stamped AS (UPDATE users SET change_seq = (SELECT seq FROM bump) WHERE partner_id = $1 AND environment = $2 AND user_id = $3)
    SELECT pg_notify('${TEMPLATE_CHANNEL}', $1 || '/' || $2)`,
  listTemplateChanges: `SELECT user_id, change_seq, status, template FROM users
    WHERE partner_id = $1 AND environment = $2 AND change_seq > $3 ORDER BY change_seq, user_id LIMIT $4`,
  getDedupPolicy: `SELECT policy FROM dedup_policies WHERE partner_id = $1 AND environment = $2`,
  setDedupPolicy: `INSERT INTO dedup_policies (partner_id, environment, policy, updated_at) VALUES ($1, $2, $3, now())
    ON CONFLICT (partner_id, environment) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
  upsertEnrollment: `INSERT INTO users (partner_id, environment, user_id, status, template, image_key, enrolled_smile_job_id, created_at, updated_at)
    VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, $7)
    ON CONFLICT (partner_id, environment, user_id) DO UPDATE SET
      status = 'active', template = excluded.template, image_key = excluded.image_key,
      enrolled_smile_job_id = excluded.enrolled_smile_job_id, updated_at = excluded.updated_at`,

  // Jobs.
  insertJob: `INSERT INTO jobs (partner_id, environment, job_id, user_id, job_type, state, callback_url, partner_params, options,
      upload_token_hash, upload_expires_at, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING *`,
  insertJobImages: `INSERT INTO job_images (smile_job_id, role, idx, blob_key)
    SELECT $1, * FROM unnest($2::text[], $3::integer[], $4::text[])`,
  getJob: `SELECT * FROM jobs WHERE partner_id = $1 AND environment = $2 AND job_id = $3`,
  // job_status: the key its signature is checked against and the job, in one round trip (both by primary/unique key).
  getSealedApiKeyAndJob: `SELECT k.sealed_key, j.* FROM api_keys k
    LEFT JOIN jobs j ON j.partner_id = k.partner_id AND j.environment = k.environment AND j.job_id = $3
    WHERE k.partner_id = $1 AND k.environment = $2`,
  getJobBySmileId: `SELECT * FROM jobs WHERE smile_job_id = $1`,
  getJobByUploadToken: `SELECT * FROM jobs WHERE upload_token_hash = $1`,
  getJobImages: `SELECT role, idx, blob_key FROM job_images WHERE smile_job_id = $1 ORDER BY role, idx`,
  renewUploadToken: `UPDATE jobs SET upload_token_hash = $1, upload_expires_at = $2, updated_at = $3
    WHERE smile_job_id = $4 AND state = 'awaiting_upload'`,
  // One statement (atomic by itself): the state change, the images and the process_job task, announced on commit;
  // nothing when the job was not awaiting its upload.
  acceptUpload: `WITH accepted AS (
      UPDATE jobs SET state = 'queued', updated_at = $1 WHERE smile_job_id = $2 AND state = 'awaiting_upload' RETURNING smile_job_id),
    images AS (INSERT INTO job_images (smile_job_id, role, idx, blob_key)
      SELECT a.smile_job_id, i.* FROM accepted a, unnest($3::text[], $4::integer[], $5::text[]) AS i)
    ${enqueue('process_job', `json_build_object('smileJobId', smile_job_id)`, 'accepted')}`,
  completeJob: `UPDATE jobs SET state = $1, result = $2, result_category = $3, updated_at = $4 WHERE smile_job_id = $5
    RETURNING partner_id, environment`,
  listUserJobs: `SELECT * FROM jobs WHERE partner_id = $1 AND environment = $2 AND user_id = $3 ORDER BY smile_job_id`,

  // Retention. Images are leased with SKIP LOCKED, so nodes purging at once take different images.
  getImageRetention: `SELECT days FROM image_retention WHERE partner_id = $1 AND environment = $2`,
  setImageRetention: `INSERT INTO image_retention (partner_id, environment, days) VALUES ($1, $2, $3)
    ON CONFLICT (partner_id, environment) DO UPDATE SET days = excluded.days`,
  clearImageRetention: `DELETE FROM image_retention WHERE partner_id = $1 AND environment = $2`,
  leaseExpiredImages: `WITH expired AS (
      SELECT ji.smile_job_id, ji.role, ji.idx FROM job_images ji JOIN jobs j ON j.smile_job_id = ji.smile_job_id
      WHERE j.partner_id = $1 AND j.environment = $2 AND j.state = 'complete' AND j.created_at < $3
        AND (ji.purge_lease_until IS NULL OR ji.purge_lease_until <= now())
        AND NOT EXISTS (SELECT 1 FROM users u WHERE u.partner_id = j.partner_id AND u.environment = j.environment
          AND u.user_id = j.user_id AND u.image_key = ji.blob_key)
      ORDER BY j.created_at LIMIT $4 FOR UPDATE OF ji SKIP LOCKED)
    UPDATE job_images ji SET purge_lease_until = now() + $5 * interval '1 millisecond' FROM expired
    WHERE ji.smile_job_id = expired.smile_job_id AND ji.role = expired.role AND ji.idx = expired.idx
    RETURNING ji.smile_job_id, ji.role, ji.idx, ji.blob_key`,
  dropJobImage: `DELETE FROM job_images WHERE smile_job_id = $1 AND role = $2 AND idx = $3`,

  // Master key rotation: compare-and-set, so a row rewritten meanwhile (a re-enrolment, a key rotation) is kept.
  listSealedApiKeys: `SELECT partner_id, environment, sealed_key FROM api_keys ORDER BY partner_id, environment`,
  resealApiKey: `UPDATE api_keys SET sealed_key = $1 WHERE partner_id = $2 AND environment = $3 AND sealed_key = $4`,
  listSealedTemplates: `SELECT partner_id, environment, user_id, template FROM users
    WHERE template IS NOT NULL AND (partner_id, environment, user_id) > ($1, $2, $3)
    ORDER BY partner_id, environment, user_id LIMIT $4`,
  resealTemplate: `UPDATE users SET template = $1 WHERE partner_id = $2 AND environment = $3 AND user_id = $4 AND template = $5`,

  // Callbacks.
  // A delivery and its task, announced on commit; $5 is the destination (host:port) the per-destination limit uses.
  insertDelivery: `WITH delivery AS (
      INSERT INTO callback_deliveries (smile_job_id, url, body, state, created_at) VALUES ($1, $2, $3, 'pending', $4) RETURNING id)
    ${enqueue('deliver_callback', `json_build_object('deliveryId', id, 'destination', $5::text)`, 'delivery')}`,
  getDelivery: `SELECT ${DELIVERY_WITH_LOG} WHERE d.id = $1`,
  listDeliveries: `SELECT ${DELIVERY_WITH_LOG} WHERE d.smile_job_id = $1 ORDER BY d.id`,
  // The attempt number is the row's own count, incremented under the row lock the UPDATE takes.
  recordDeliveryAttempt: `WITH delivery AS (
      UPDATE callback_deliveries SET attempts = attempts + 1, state = $2, delivered_at = $3 WHERE id = $1 RETURNING id, attempts)
    INSERT INTO callback_attempts (delivery_id, attempt, at, status, error, duration_ms) SELECT id, attempts, $4, $5, $6, $7 FROM delivery`,

  // The task queue: claimed with FOR UPDATE SKIP LOCKED, so concurrent workers never wait on each other's rows;
  // times are the database's clock, the one clock every node shares.
  // A synchronous job's processing, leased to the request that runs it; no NOTIFY: no worker is to take it now.
  insertLeasedTask: `INSERT INTO tasks (kind, payload, state, run_at, lease_until, attempts, created_at)
    VALUES ($1, $2, 'leased', now(), now() + $3 * interval '1 millisecond', 1, now()) RETURNING id`,
  claimTask: `WITH next AS (
      SELECT id FROM tasks
      WHERE kind = ANY($1::text[]) AND ((state = 'ready' AND run_at <= now()) OR (state = 'leased' AND lease_until <= now()))
      AND COALESCE(payload->>'destination', '') <> ALL($3::text[])
      ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
    UPDATE tasks t SET state = 'leased', lease_until = now() + $2 * interval '1 millisecond', attempts = t.attempts + 1
    FROM next WHERE t.id = next.id
    RETURNING t.id, t.kind, t.payload, t.attempts`,
  // The API rate limit (postgres-rate-limits.ts): in SET, b.* is the row before the update.
  takeToken: `INSERT INTO rate_buckets AS b (key, tokens, at_ms, granted) VALUES ($1, $3::float8 - 1, $4, true)
    ON CONFLICT (key) DO UPDATE SET
      granted = LEAST($3::float8, b.tokens + GREATEST(0, $4 - b.at_ms) * $2::float8 / 1000) >= 1,
      tokens = LEAST($3::float8, b.tokens + GREATEST(0, $4 - b.at_ms) * $2::float8 / 1000)
        - CASE WHEN LEAST($3::float8, b.tokens + GREATEST(0, $4 - b.at_ms) * $2::float8 / 1000) >= 1 THEN 1 ELSE 0 END,
      at_ms = GREATEST(b.at_ms, $4)
    RETURNING tokens, granted`,
  extendLease: `UPDATE tasks SET lease_until = now() + $3 * interval '1 millisecond' WHERE id = $1 AND attempts = $2 AND state = 'leased'`,
  finishTask: `UPDATE tasks SET state = 'done', lease_until = NULL WHERE id = $1 AND attempts = $2 AND state = 'leased'`,
  failTask: `UPDATE tasks SET state = $1, run_at = COALESCE($2, run_at), lease_until = NULL, last_error = $3
    WHERE id = $4 AND attempts = $5 AND state = 'leased'`,
  recoverExpired: `UPDATE tasks SET state = 'ready', lease_until = NULL WHERE state = 'leased' AND lease_until <= now()`,
  recoverAll: `UPDATE tasks SET state = 'ready', lease_until = NULL WHERE state = 'leased'`,
  nextDueAt: `SELECT LEAST((SELECT min(run_at) FROM tasks WHERE state = 'ready' AND kind = ANY($1::text[])),
    (SELECT min(lease_until) FROM tasks WHERE state = 'leased' AND kind = ANY($1::text[]))) AS t`,

  // Metrics: the unfinished tasks (both partial indexes) and the review queue (its index, partners listed).
  taskBacklog: `SELECT kind, count(*)::int AS n, min(created_at) AS oldest FROM tasks WHERE state IN ('ready', 'leased') GROUP BY kind`,
  reviewBacklog: `SELECT count(*)::int AS n, min(created_at) AS oldest FROM jobs
    WHERE partner_id IN (SELECT partner_id FROM partners) AND environment IN ('sandbox', 'production') AND state = 'review'`,

  // Readiness: the database answers, through this pool, with a table of ours, and takes writes.
  checkWritable: `SELECT pg_is_in_recovery() AS standby, (SELECT count(*) FROM partners) AS partners`,

  // Migrations (run under an advisory lock).
  lockMigrations: `SELECT pg_advisory_lock(7340553)`,
  unlockMigrations: `SELECT pg_advisory_unlock(7340553)`,
  // Server presence: every server holds this lock shared on its listening connection; `keys rotate-master` takes it
  // exclusively, so neither runs beside the other. PostgreSQL drops a dead node's lock with its connection.
  shareServerLock: `SELECT pg_try_advisory_lock_shared(7340554) AS held`,
  takeServerLockExclusively: `SELECT pg_try_advisory_lock(7340554) AS held`,
  releaseServerLockExclusively: `SELECT pg_advisory_unlock(7340554)`,
  countServers: `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = 7340554 AND objsubid = 1
    AND mode = 'ShareLock' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  createMigrationTable: `CREATE TABLE IF NOT EXISTS likeness_migrations (version integer PRIMARY KEY, why text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  currentVersion: `SELECT COALESCE(max(version), 0) AS v FROM likeness_migrations`,
  recordMigration: `INSERT INTO likeness_migrations (version, why) VALUES ($1, $2)`,

  // Portal accounts and sessions.
  insertAccount: `INSERT INTO portal_accounts (partner_id, email, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
  getAccountByEmail: `SELECT * FROM portal_accounts WHERE lower(email) = lower($1)`,
  listAccounts: `SELECT * FROM portal_accounts ORDER BY partner_id, email`,
  listPartnerAccounts: `SELECT * FROM portal_accounts WHERE partner_id = $1 ORDER BY email`,
  deleteAccount: `DELETE FROM portal_accounts WHERE lower(email) = lower($1)`,
  insertSession: `INSERT INTO portal_sessions (token_hash, account_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, now(), $4)`,
  getSession: `SELECT s.token_hash, s.csrf_token, s.expires_at AS session_expires_at, a.* FROM portal_sessions s
    JOIN portal_accounts a ON a.id = s.account_id WHERE s.token_hash = $1 AND s.expires_at > $2`,
  deleteSession: `DELETE FROM portal_sessions WHERE token_hash = $1`,
  pruneSessions: `DELETE FROM portal_sessions WHERE expires_at <= $1`,
  pruneLoginFailures: `DELETE FROM portal_login_failures WHERE at < $1`,
  insertLoginFailure: `INSERT INTO portal_login_failures (email, ip, at) VALUES ($1, $2, $3)`,
  countLoginFailures: `SELECT
      (SELECT count(*) FROM portal_login_failures WHERE lower(email) = lower($1) AND ip = $2 AND at >= $3) AS account,
      (SELECT count(*) FROM portal_login_failures WHERE ip = $2 AND at >= $3) AS ip`,
  clearLoginFailures: `DELETE FROM portal_login_failures WHERE lower(email) = lower($1) AND ip = $2`,
  insertAudit: `INSERT INTO portal_audit (at, partner_id, account_id, actor_email, action, environment, target, detail) VALUES (now(), $1, $2, $3, $4, $5, $6, $7)`,
  listAudit: `SELECT * FROM portal_audit WHERE partner_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,

  // Review queue and claims.
  listReviewQueue: `SELECT j.smile_job_id, j.environment, j.job_id, j.user_id, j.job_type, j.state, j.result_category, j.result, j.created_at,
      c.account_id AS claim_account_id, c.expires_at AS claim_expires_at, a.email AS claim_email
    FROM jobs j LEFT JOIN review_claims c ON c.smile_job_id = j.smile_job_id AND c.expires_at > $4
    LEFT JOIN portal_accounts a ON a.id = c.account_id
    WHERE j.partner_id = $1 AND j.environment = $2 AND j.state = 'review' ORDER BY j.created_at, j.smile_job_id LIMIT $3`,
  countReviewQueue: `SELECT count(*) AS n FROM jobs WHERE partner_id = $1 AND environment = $2 AND state = 'review'`,
  countJobsByEnvironment: `SELECT environment, count(*)::int AS n, count(*) FILTER (WHERE state = 'review')::int AS review
    FROM jobs WHERE partner_id = $1 GROUP BY environment`,
  countUsersByEnvironment: `SELECT environment, count(*)::int AS n FROM users WHERE partner_id = $1 AND status <> 'deleted' GROUP BY environment`,
  getJobStateForUpdate: `SELECT state FROM jobs WHERE smile_job_id = $1 FOR UPDATE`,
  getClaim: `SELECT c.smile_job_id, c.account_id, c.expires_at, a.email FROM review_claims c
    JOIN portal_accounts a ON a.id = c.account_id WHERE c.smile_job_id = $1`,
  upsertClaim: `INSERT INTO review_claims (smile_job_id, account_id, claimed_at, expires_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (smile_job_id) DO UPDATE SET account_id = excluded.account_id, claimed_at = excluded.claimed_at, expires_at = excluded.expires_at`,
  releaseClaim: `DELETE FROM review_claims WHERE smile_job_id = $1 AND account_id = $2`,
  consumeClaim: `DELETE FROM review_claims WHERE smile_job_id = $1 AND account_id = $2 AND expires_at > $3
    AND EXISTS (SELECT 1 FROM jobs WHERE smile_job_id = $1 AND state = 'review')`,
} as const;

export type PlanName = keyof typeof sql;

export const PLANS: Readonly<Record<PlanName, Plan>> = Object.freeze(
  Object.fromEntries(Object.entries(sql).map(([name, text]) => [name, { name, text }])) as Record<PlanName, Plan>,
);

export { TEMPLATE_CHANNEL, WORK_CHANNEL };
