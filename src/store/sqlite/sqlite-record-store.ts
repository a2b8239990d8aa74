/**
 * @file The embedded record store: all state in one SQLite file (WAL), every multi-record change in one transaction.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import {
  DEFAULT_DEDUP_POLICY,
  DuplicateJobError,
  type CallbackAttempt,
  type CallbackDelivery,
  type CompletedJob,
  type CreatedJob,
  type DedupPolicy,
  type Environment,
  type ExpiredImage,
  type JobImage,
  type JobRecord,
  type NewJob,
  type Partner,
  type RecordBackend,
  type SealedKeys,
  type SealedKind,
  type StoredUser,
  type TemplateChange,
  type TemplateScope,
  type WorkStats,
} from '../types.js';
import { destinationKey } from '../../net/destination-key.js';
import { jobFromRow as mapJobRow, newJobValues, templateChangeFromRow, userFromRow, workStatsFrom, type Row } from '../row-mapping.js';
import { templateContext } from '../sealing-record-store.js';
import { WorkSignal } from '../work-signal.js';
import { StatementCache } from './statement-cache.js';
import type { SqliteTaskQueue } from './sqlite-task-queue.js';

const now = (): string => new Date().toISOString();

const jobFromRow = (r: Row): JobRecord => mapJobRow(r, (v) => JSON.parse(v as string));

export class SqliteRecordStore implements RecordBackend {
  private readonly statements: StatementCache;
  /** Template changes committed by this process (another process's are found by the index's periodic catch-up). */
  private readonly templateSignal = new WorkSignal<TemplateScope | null>();

  /** `db` is open and migrated (sqlite-storage.ts); tasks go to `queue`, in the same database. */
  constructor(
    private readonly db: Db,
    private readonly queue: SqliteTaskQueue,
  ) {
    this.statements = new StatementCache(db);
  }

  private sql(text: string): Statement {
    return this.statements.get(text);
  }

  async createPartner(name: string, keys: SealedKeys): Promise<Partner> {
    return this.db.transaction(() => {
      // Partner IDs are short decimal strings like Smile ID's ("001"); leading zeros are significant in signatures.
      const max = this.sql('SELECT MAX(CAST(partner_id AS INTEGER)) AS n FROM partners').get() as { n: number | null };
      const partnerId = String((max.n ?? 0) + 1).padStart(3, '0');
      const createdAt = now();
      this.sql('INSERT INTO partners (partner_id, name, created_at) VALUES (?, ?, ?)').run(partnerId, name, createdAt);
      const insertKey = this.sql('INSERT INTO api_keys (partner_id, environment, sealed_key, created_at) VALUES (?, ?, ?, ?)');
      for (const env of Object.keys(keys) as Environment[]) insertKey.run(partnerId, env, keys[env], createdAt);
      return { partnerId, name, createdAt };
    })();
  }

  async getPartner(partnerId: string): Promise<Partner | null> {
    const r = this.sql('SELECT * FROM partners WHERE partner_id = ?').get(partnerId) as Row | undefined;
    return r ? { partnerId: r.partner_id as string, name: r.name as string, createdAt: r.created_at as string } : null;
  }

  async listPartners(): Promise<Partner[]> {
    const rows = this.sql('SELECT * FROM partners ORDER BY partner_id').all() as Row[];
    return rows.map((r) => ({ partnerId: r.partner_id as string, name: r.name as string, createdAt: r.created_at as string }));
  }

  async getSealedApiKey(partnerId: string, environment: Environment): Promise<Buffer | null> {
    const r = this.sql('SELECT sealed_key FROM api_keys WHERE partner_id = ? AND environment = ?').get(partnerId, environment) as
      | { sealed_key: Buffer }
      | undefined;
    return r ? r.sealed_key : null;
  }

  async rotateSealedApiKey(partnerId: string, environment: Environment, sealed: Buffer): Promise<void> {
    const res = this.sql('UPDATE api_keys SET sealed_key = ?, created_at = ? WHERE partner_id = ? AND environment = ?')
      .run(sealed, now(), partnerId, environment);
    if (res.changes !== 1) throw new Error(`no ${environment} key for partner ${partnerId}`);
  }

  async getUser(partnerId: string, environment: Environment, userId: string): Promise<StoredUser | null> {
    const r = this.sql('SELECT * FROM users WHERE partner_id = ? AND environment = ? AND user_id = ?').get(partnerId, environment, userId) as
      | Row
      | undefined;
    return r ? userFromRow(r) : null;
  }

  async listUsers(partnerId: string, environment: Environment, page: { limit: number; offset: number }): Promise<StoredUser[]> {
    const rows = this.sql('SELECT * FROM users WHERE partner_id = ? AND environment = ? ORDER BY created_at, user_id LIMIT ? OFFSET ?')
      .all(partnerId, environment, page.limit, page.offset) as Row[];
    return rows.map(userFromRow);
  }

  async setUserStatus(partnerId: string, environment: Environment, userId: string, status: 'active' | 'disabled'): Promise<boolean> {
    const changed = this.db.transaction(() => {
      const res = this.sql("UPDATE users SET status = ?, updated_at = ? WHERE partner_id = ? AND environment = ? AND user_id = ? AND status != 'deleted'")
        .run(status, now(), partnerId, environment, userId);
      if (res.changes === 1) this.recordTemplateChange(partnerId, environment, userId);
      return res.changes === 1;
    })();
    if (changed) this.templateSignal.fire({ partnerId, environment });
    return changed;
  }

  /** Stamps the user's row with the next change number of its environment; inside the caller's transaction. */
  private recordTemplateChange(partnerId: string, environment: string, userId: string): void {
    const { seq } = this.sql(
        `INSERT INTO template_change_counters (partner_id, environment, seq) VALUES (?, ?, 1)
         ON CONFLICT (partner_id, environment) DO UPDATE SET seq = seq + 1 RETURNING seq`,
      )
      .get(partnerId, environment) as { seq: number };
    this.sql('UPDATE users SET change_seq = ? WHERE partner_id = ? AND environment = ? AND user_id = ?').run(seq, partnerId, environment, userId);
  }

  async listTemplateChanges(partnerId: string, environment: Environment, afterSeq: number, limit: number): Promise<TemplateChange<Buffer>[]> {
    const rows = this.sql(
        `SELECT user_id, change_seq, status, template FROM users
         WHERE partner_id = ? AND environment = ? AND change_seq > ? ORDER BY change_seq, user_id LIMIT ?`,
      )
      .all(partnerId, environment, afterSeq, limit) as Row[];
    return rows.map(templateChangeFromRow);
  }

  onTemplatesChanged(listener: (scope: TemplateScope | null) => void): () => void {
    // In process, the subscription is live at once; the null says so, as PostgreSQL's does once it listens.
    queueMicrotask(() => listener(null));
    return this.templateSignal.subscribe(listener);
  }

  async getDedupPolicy(partnerId: string, environment: Environment): Promise<DedupPolicy> {
    const r = this.sql('SELECT policy FROM dedup_policies WHERE partner_id = ? AND environment = ?').get(partnerId, environment) as
      | { policy: DedupPolicy }
      | undefined;
    return r?.policy ?? DEFAULT_DEDUP_POLICY;
  }

  async setDedupPolicy(partnerId: string, environment: Environment, policy: DedupPolicy): Promise<void> {
    this.sql(
        `INSERT INTO dedup_policies (partner_id, environment, policy, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (partner_id, environment) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
      )
      .run(partnerId, environment, policy, now());
  }

  async deleteUser(partnerId: string, environment: Environment, userId: string): Promise<string[] | null> {
    const keys = this.db.transaction(() => {
      const user = this.sql('SELECT * FROM users WHERE partner_id = ? AND environment = ? AND user_id = ?').get(partnerId, environment, userId) as
        | Row
        | undefined;
      if (!user) return null;
      // Every image of every job of this user goes too: deletion must not leave biometric data behind.
      const keys = this.sql(
          `SELECT ji.blob_key FROM job_images ji JOIN jobs j ON j.smile_job_id = ji.smile_job_id
           WHERE j.partner_id = ? AND j.environment = ? AND j.user_id = ?`,
        )
        .all(partnerId, environment, userId)
        .map((r) => (r as { blob_key: string }).blob_key);
      if (user.image_key) keys.push(user.image_key as string);
      this.sql(
          `DELETE FROM job_images WHERE smile_job_id IN
           (SELECT smile_job_id FROM jobs WHERE partner_id = ? AND environment = ? AND user_id = ?)`,
        )
        .run(partnerId, environment, userId);
      this.sql("UPDATE users SET status = 'deleted', template = NULL, image_key = NULL, updated_at = ? WHERE partner_id = ? AND environment = ? AND user_id = ?")
        .run(now(), partnerId, environment, userId);
      this.recordTemplateChange(partnerId, environment, userId);
      return [...new Set(keys)];
    })();
    if (keys) this.templateSignal.fire({ partnerId, environment });
    return keys;
  }

  async createJob(job: NewJob): Promise<CreatedJob> {
    const ts = now();
    let created: { id: number; processTaskId: string | null };
    try {
      created = this.db.transaction(() => {
        const res = this.sql(
            `INSERT INTO jobs (partner_id, environment, job_id, user_id, job_type, state, callback_url, partner_params, options,
               upload_token_hash, upload_expires_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(...newJobValues(job, ts), ts);
        const id = Number(res.lastInsertRowid);
        if (job.images) this.insertImages(id, job.images);
        const processTaskId = job.processLeaseMs ? this.queue.insertLeased('process_job', { smileJobId: id }, job.processLeaseMs) : null;
        return { id, processTaskId };
      })();
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && String(err).includes('jobs.job_id')) {
        throw new DuplicateJobError(job.jobId);
      }
      throw err;
    }
    return { ...(await this.getJobBySmileId(created.id))!, processTaskId: created.processTaskId };
  }

  async getJob(partnerId: string, environment: Environment, jobId: string): Promise<JobRecord | null> {
    const r = this.sql('SELECT * FROM jobs WHERE partner_id = ? AND environment = ? AND job_id = ?').get(partnerId, environment, jobId) as
      | Row
      | undefined;
    return r ? jobFromRow(r) : null;
  }

  /** In-process reads cost no round trip: the two lookups as they are. */
  async getSealedApiKeyAndJob(partnerId: string, environment: Environment, jobId: string): Promise<{ sealedKey: Buffer | null; job: JobRecord | null }> {
    const sealedKey = await this.getSealedApiKey(partnerId, environment);
    return { sealedKey, job: sealedKey ? await this.getJob(partnerId, environment, jobId) : null };
  }

  async getJobBySmileId(smileJobId: number): Promise<JobRecord | null> {
    const r = this.sql('SELECT * FROM jobs WHERE smile_job_id = ?').get(smileJobId) as Row | undefined;
    return r ? jobFromRow(r) : null;
  }

  async getJobByUploadToken(tokenHash: string): Promise<JobRecord | null> {
    const r = this.sql('SELECT * FROM jobs WHERE upload_token_hash = ?').get(tokenHash) as Row | undefined;
    return r ? jobFromRow(r) : null;
  }

  async getJobImages(smileJobId: number): Promise<JobImage[]> {
    const rows = this.sql('SELECT role, idx, blob_key FROM job_images WHERE smile_job_id = ? ORDER BY role, idx').all(smileJobId) as Row[];
    return rows.map((r) => ({ role: r.role as JobImage['role'], index: r.idx as number, blobKey: r.blob_key as string }));
  }

  async renewUploadToken(smileJobId: number, tokenHash: string, expiresAt: string): Promise<boolean> {
    const res = this.sql("UPDATE jobs SET upload_token_hash = ?, upload_expires_at = ?, updated_at = ? WHERE smile_job_id = ? AND state = 'awaiting_upload'")
      .run(tokenHash, expiresAt, now(), smileJobId);
    return res.changes === 1;
  }

  private insertImages(smileJobId: number, images: JobImage[]): void {
    const ins = this.sql('INSERT INTO job_images (smile_job_id, role, idx, blob_key) VALUES (?, ?, ?, ?)');
    for (const img of images) ins.run(smileJobId, img.role, img.index, img.blobKey);
  }

  async acceptUpload(smileJobId: number, images: JobImage[]): Promise<boolean> {
    const accepted = this.db.transaction(() => {
      const res = this.sql("UPDATE jobs SET state = 'queued', updated_at = ? WHERE smile_job_id = ? AND state = 'awaiting_upload'")
        .run(now(), smileJobId);
      if (res.changes !== 1) return false;
      this.insertImages(smileJobId, images);
      this.queue.insert('process_job', { smileJobId });
      return true;
    })();
    if (accepted) this.queue.committed();
    return accepted;
  }

  async completeJob(smileJobId: number, outcome: CompletedJob<Buffer>, taskId: string | null): Promise<void> {
    const scope = this.db.transaction(() => {
      const written = this.writeOutcome(smileJobId, outcome);
      if (taskId !== null) this.queue.finishSync(taskId);
      return written;
    })();
    if (outcome.callback) this.queue.committed();
    if (outcome.enrollment) this.templateSignal.fire(scope);
  }

  async completeReview(smileJobId: number, accountId: number, now: Date, outcome: CompletedJob<Buffer>): Promise<boolean> {
    let scope: TemplateScope | null = null;
    const decided = this.db.transaction(() => {
      const consumed = this.sql(
          `DELETE FROM review_claims WHERE smile_job_id = ? AND account_id = ? AND expires_at > ?
           AND EXISTS (SELECT 1 FROM jobs WHERE smile_job_id = ? AND state = 'review')`,
        )
        .run(smileJobId, accountId, now.getTime(), smileJobId);
      if (consumed.changes !== 1) return false;
      scope = this.writeOutcome(smileJobId, outcome);
      return true;
    })();
    if (decided && outcome.callback) this.queue.committed();
    if (decided && outcome.enrollment) this.templateSignal.fire(scope);
    return decided;
  }

  /** The outcome, enrolment and callback of completeJob/completeReview; runs inside their transaction. */
  private writeOutcome(smileJobId: number, outcome: CompletedJob<Buffer>): TemplateScope {
    const job = this.sql('SELECT partner_id, environment FROM jobs WHERE smile_job_id = ?').get(smileJobId) as Row | undefined;
    if (!job) throw new Error(`job ${smileJobId} does not exist`);
    const ts = now();
    this.sql('UPDATE jobs SET state = ?, result = ?, result_category = ?, updated_at = ? WHERE smile_job_id = ?')
      .run(outcome.state, JSON.stringify(outcome.result), outcome.result.category, ts, smileJobId);
    const e = outcome.enrollment;
    if (e) {
      this.sql(
          `INSERT INTO users (partner_id, environment, user_id, status, template, image_key, enrolled_smile_job_id, created_at, updated_at)
           VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?)
           ON CONFLICT (partner_id, environment, user_id) DO UPDATE SET
             status = 'active', template = excluded.template, image_key = excluded.image_key,
             enrolled_smile_job_id = excluded.enrolled_smile_job_id, updated_at = excluded.updated_at`,
        )
        .run(job.partner_id, job.environment, e.userId, e.template, e.imageKey, smileJobId, ts, ts);
      this.recordTemplateChange(job.partner_id as string, job.environment as string, e.userId);
    }
    if (outcome.callback) this.insertDelivery(smileJobId, outcome.callback.url, outcome.callback.body);
    return { partnerId: job.partner_id as string, environment: job.environment as Environment };
  }

  async listUserJobs(partnerId: string, environment: Environment, userId: string): Promise<JobRecord[]> {
    const rows = this.sql('SELECT * FROM jobs WHERE partner_id = ? AND environment = ? AND user_id = ? ORDER BY smile_job_id')
      .all(partnerId, environment, userId) as Row[];
    return rows.map(jobFromRow);
  }

  private insertDelivery(smileJobId: number, url: string, body: Record<string, unknown>): number {
    const res = this.sql("INSERT INTO callback_deliveries (smile_job_id, url, body, state, created_at) VALUES (?, ?, ?, 'pending', ?)")
      .run(smileJobId, url, JSON.stringify(body), now());
    const id = Number(res.lastInsertRowid);
    this.queue.insert('deliver_callback', { deliveryId: id, destination: destinationKey(url) });
    return id;
  }

  private deliveryFromRow(r: Row): CallbackDelivery {
    const log = this.sql('SELECT attempt, at, status, error, duration_ms FROM callback_attempts WHERE delivery_id = ? ORDER BY attempt')
      .all(r.id) as Row[];
    return {
      id: r.id as number,
      smileJobId: r.smile_job_id as number,
      url: r.url as string,
      body: JSON.parse(r.body as string),
      state: r.state as CallbackDelivery['state'],
      attempts: r.attempts as number,
      createdAt: r.created_at as string,
      deliveredAt: (r.delivered_at as string | null) ?? null,
      log: log.map((a) => ({
        attempt: a.attempt as number,
        at: a.at as string,
        status: (a.status as number | null) ?? null,
        error: (a.error as string | null) ?? null,
        durationMs: a.duration_ms as number,
      })),
    };
  }

  async getDelivery(deliveryId: number): Promise<CallbackDelivery | null> {
    const r = this.sql('SELECT * FROM callback_deliveries WHERE id = ?').get(deliveryId) as Row | undefined;
    return r ? this.deliveryFromRow(r) : null;
  }

  async listDeliveries(smileJobId: number): Promise<CallbackDelivery[]> {
    const rows = this.sql('SELECT * FROM callback_deliveries WHERE smile_job_id = ? ORDER BY id').all(smileJobId) as Row[];
    return rows.map((r) => this.deliveryFromRow(r));
  }

  async recordDeliveryAttempt(
    deliveryId: number,
    attempt: Omit<CallbackAttempt, 'attempt'>,
    outcome: 'delivered' | 'retry' | 'failed',
  ): Promise<void> {
    this.db.transaction(() => {
      const d = this.sql('SELECT attempts FROM callback_deliveries WHERE id = ?').get(deliveryId) as { attempts: number } | undefined;
      if (!d) throw new Error(`callback delivery ${deliveryId} does not exist`);
      const n = d.attempts + 1;
      this.sql('INSERT INTO callback_attempts (delivery_id, attempt, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)')
        .run(deliveryId, n, attempt.at, attempt.status, attempt.error, Math.round(attempt.durationMs));
      const state = outcome === 'retry' ? 'pending' : outcome;
      this.sql('UPDATE callback_deliveries SET attempts = ?, state = ?, delivered_at = ? WHERE id = ?')
        .run(n, state, outcome === 'delivered' ? attempt.at : null, deliveryId);
    })();
  }

  async enqueueCallback(smileJobId: number, url: string, body: Record<string, unknown>): Promise<number> {
    const id = this.db.transaction(() => this.insertDelivery(smileJobId, url, body))();
    this.queue.committed();
    return id;
  }

  async getImageRetention(partnerId: string, environment: Environment): Promise<number | null> {
    const r = this.sql('SELECT days FROM image_retention WHERE partner_id = ? AND environment = ?').get(partnerId, environment) as { days: number } | undefined;
    return r?.days ?? null;
  }

  async setImageRetention(partnerId: string, environment: Environment, days: number | null): Promise<void> {
    if (days === null) this.sql('DELETE FROM image_retention WHERE partner_id = ? AND environment = ?').run(partnerId, environment);
    else {
      this.sql('INSERT INTO image_retention (partner_id, environment, days) VALUES (?, ?, ?) ON CONFLICT (partner_id, environment) DO UPDATE SET days = excluded.days')
        .run(partnerId, environment, days);
    }
  }

  async leaseExpiredImages(partnerId: string, environment: Environment, before: string, limit: number, leaseMs: number): Promise<ExpiredImage[]> {
    const at = Date.now();
    const rows = this.sql(
        `UPDATE job_images SET purge_lease_until = ? WHERE rowid IN (
           SELECT ji.rowid FROM job_images ji JOIN jobs j ON j.smile_job_id = ji.smile_job_id
           WHERE j.partner_id = ? AND j.environment = ? AND j.state = 'complete' AND j.created_at < ?
             AND (ji.purge_lease_until IS NULL OR ji.purge_lease_until <= ?)
             AND NOT EXISTS (SELECT 1 FROM users u WHERE u.partner_id = j.partner_id AND u.environment = j.environment
               AND u.user_id = j.user_id AND u.image_key = ji.blob_key)
           ORDER BY j.created_at LIMIT ?)
         RETURNING smile_job_id, role, idx, blob_key`,
      )
      .all(at + leaseMs, partnerId, environment, before, at, limit) as Row[];
    return rows.map((r) => ({ smileJobId: r.smile_job_id as number, role: r.role as ExpiredImage['role'], index: r.idx as number, blobKey: r.blob_key as string }));
  }

  async dropJobImages(images: ExpiredImage[]): Promise<void> {
    const drop = this.sql('DELETE FROM job_images WHERE smile_job_id = ? AND role = ? AND idx = ?');
    this.db.transaction(() => images.forEach((img) => drop.run(img.smileJobId, img.role, img.index)))();
  }

  async resealSecrets(reseal: (sealed: Buffer, kind: SealedKind, context: string) => Buffer | null): Promise<Record<SealedKind, number>> {
    const count: Record<SealedKind, number> = { apiKey: 0, template: 0 };
    // Compare-and-set: a row rewritten meanwhile (a key rotation, a re-enrolment) is left as it now is.
    const setKey = this.sql('UPDATE api_keys SET sealed_key = ? WHERE partner_id = ? AND environment = ? AND sealed_key = ?');
    for (const r of this.sql('SELECT partner_id, environment, sealed_key FROM api_keys').all() as Row[]) {
      const next = reseal(r.sealed_key as Buffer, 'apiKey', '');
      if (next) count.apiKey += setKey.run(next, r.partner_id, r.environment, r.sealed_key).changes;
    }
    const setTemplate = this.sql('UPDATE users SET template = ? WHERE partner_id = ? AND environment = ? AND user_id = ? AND template = ?');
    const page = this.sql(
      `SELECT partner_id, environment, user_id, template FROM users WHERE template IS NOT NULL AND (partner_id, environment, user_id) > (?, ?, ?)
       ORDER BY partner_id, environment, user_id LIMIT 200`,
    );
    let after = ['', '', ''];
    for (;;) {
      const rows = page.all(...after) as Row[];
      for (const r of rows) {
        const next = reseal(r.template as Buffer, 'template', templateContext(r.partner_id as string, r.environment as string, r.user_id as string));
        if (next) count.template += setTemplate.run(next, r.partner_id, r.environment, r.user_id, r.template).changes;
      }
      if (rows.length < 200) return count;
      const last = rows[rows.length - 1];
      after = [last.partner_id as string, last.environment as string, last.user_id as string];
    }
  }

  async workStats(): Promise<WorkStats> {
    const tasks = this.sql("SELECT kind, count(*) AS n, min(created_at) AS oldest FROM tasks WHERE state IN ('ready', 'leased') GROUP BY kind").all() as Row[];
    // Partner and environment listed, so the review-queue index (partner, environment, state, created_at) is used.
    const review = this.sql(
      `SELECT count(*) AS n, min(created_at) AS oldest FROM jobs
       WHERE partner_id IN (SELECT partner_id FROM partners) AND environment IN ('sandbox', 'production') AND state = 'review'`,
    ).get() as Row;
    return workStatsFrom(tasks, review);
  }
}
