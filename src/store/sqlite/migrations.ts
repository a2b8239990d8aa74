/**
 * @file Numbered schema migrations for the embedded SQLite store. Never edit a released migration: add one.
 */
export interface Migration {
  version: number;
  why: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    why: 'Initial schema: partners and keys, enrolled users, jobs and their images, the task queue, callback deliveries.',
    sql: `
      CREATE TABLE partners (
        partner_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE api_keys (
        partner_id TEXT NOT NULL REFERENCES partners(partner_id),
        environment TEXT NOT NULL CHECK (environment IN ('sandbox','production')),
        sealed_key BLOB NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (partner_id, environment)
      );
      CREATE TABLE users (
        partner_id TEXT NOT NULL,
        environment TEXT NOT NULL,
        user_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active','disabled','deleted')),
        template BLOB,
        image_key TEXT,
        enrolled_smile_job_id INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (partner_id, environment, user_id)
      );
      CREATE TABLE jobs (
        smile_job_id INTEGER PRIMARY KEY AUTOINCREMENT,
        partner_id TEXT NOT NULL,
        environment TEXT NOT NULL,
        job_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        job_type INTEGER NOT NULL,
        state TEXT NOT NULL,
        callback_url TEXT,
        partner_params TEXT NOT NULL,
        options TEXT NOT NULL,
        upload_token_hash TEXT UNIQUE,
        upload_expires_at TEXT,
        result TEXT,
        result_category TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (partner_id, environment, job_id)
      );
      CREATE INDEX jobs_user ON jobs (partner_id, environment, user_id, smile_job_id);
      CREATE INDEX jobs_list ON jobs (partner_id, environment, created_at);
      CREATE TABLE job_images (
        smile_job_id INTEGER NOT NULL REFERENCES jobs(smile_job_id),
        role TEXT NOT NULL,
        idx INTEGER NOT NULL,
        blob_key TEXT NOT NULL,
        PRIMARY KEY (smile_job_id, role, idx)
      );
      CREATE TABLE tasks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('ready','leased','done','dead')),
        run_at INTEGER NOT NULL,
        lease_until INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX tasks_ready ON tasks (state, run_at);
      CREATE TABLE callback_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        smile_job_id INTEGER NOT NULL REFERENCES jobs(smile_job_id),
        url TEXT NOT NULL,
        body TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending','delivered','failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        delivered_at TEXT
      );
      CREATE INDEX callback_deliveries_job ON callback_deliveries (smile_job_id);
      CREATE TABLE callback_attempts (
        delivery_id INTEGER NOT NULL REFERENCES callback_deliveries(id),
        attempt INTEGER NOT NULL,
        at TEXT NOT NULL,
        status INTEGER,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
      );
    `,
  },
  {
    version: 2,
    why: 'Partner portal: accounts, sessions, login failures, audit log, review claims; indexes for filtered job lists.',
    sql: `
      CREATE TABLE portal_accounts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        partner_id TEXT NOT NULL REFERENCES partners(partner_id),
        email TEXT NOT NULL COLLATE NOCASE UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin','reviewer')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE portal_sessions (
        token_hash TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES portal_accounts(id) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX portal_sessions_account ON portal_sessions (account_id);
      CREATE TABLE portal_login_failures (
        email TEXT NOT NULL COLLATE NOCASE,
        ip TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX portal_login_failures_account ON portal_login_failures (email, ip, at);
      CREATE INDEX portal_login_failures_ip ON portal_login_failures (ip, at);
      -- No foreign key to accounts: the trail outlives a deleted account.
      CREATE TABLE portal_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        partner_id TEXT NOT NULL,
        account_id INTEGER,
        actor_email TEXT NOT NULL,
        action TEXT NOT NULL,
        environment TEXT,
        target TEXT,
        detail TEXT
      );
      CREATE INDEX portal_audit_partner ON portal_audit (partner_id, id);
      CREATE TABLE review_claims (
        smile_job_id INTEGER PRIMARY KEY REFERENCES jobs(smile_job_id),
        account_id INTEGER NOT NULL REFERENCES portal_accounts(id) ON DELETE CASCADE,
        claimed_at TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      -- Portal job lists are newest first by (created_at, smile_job_id); each filter has an index in that order
      -- (the rowid ends every index), so a page is an index range scan, never a sort of the whole table.
      CREATE INDEX jobs_list_category ON jobs (partner_id, environment, result_category, created_at);
      CREATE INDEX jobs_list_type ON jobs (partner_id, environment, job_type, created_at);
      CREATE INDEX jobs_list_user ON jobs (partner_id, environment, user_id, created_at);
      CREATE INDEX jobs_review_queue ON jobs (partner_id, environment, state, created_at);
    `,
  },
  {
    version: 3,
    why: 'Retention: days each partner environment keeps job images (no row = the server default), and a purge lease per image so that one purger removes it.',
    sql: `
      CREATE TABLE image_retention (
        partner_id TEXT NOT NULL REFERENCES partners(partner_id),
        environment TEXT NOT NULL CHECK (environment IN ('sandbox','production')),
        days INTEGER NOT NULL CHECK (days >= 0),
        PRIMARY KEY (partner_id, environment)
      );
      -- Epoch ms until which a purger holds this image; expired images are found through jobs_review_queue.
      ALTER TABLE job_images ADD COLUMN purge_lease_until INTEGER;
    `,
  },
  {
    version: 4,
    why: '1:N face search: a per-environment change sequence on users (the in-memory face index catches up by it) and the duplicate-enrolment policy.',
    sql: `
      ALTER TABLE users ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX users_changes ON users (partner_id, environment, change_seq);
      CREATE TABLE template_change_counters (
        partner_id TEXT NOT NULL,
        environment TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (partner_id, environment)
      );
      -- Users enrolled before this migration are numbered in enrolment order, each scope's counter continuing after them.
      UPDATE users SET change_seq = r.n FROM (
        SELECT partner_id, environment, user_id, row_number() OVER (PARTITION BY partner_id, environment ORDER BY created_at, user_id) AS n FROM users
      ) AS r WHERE users.partner_id = r.partner_id AND users.environment = r.environment AND users.user_id = r.user_id;
      INSERT INTO template_change_counters (partner_id, environment, seq) SELECT partner_id, environment, max(change_seq) FROM users GROUP BY partner_id, environment;
      CREATE TABLE dedup_policies (
        partner_id TEXT NOT NULL REFERENCES partners(partner_id),
        environment TEXT NOT NULL CHECK (environment IN ('sandbox','production')),
        policy TEXT NOT NULL CHECK (policy IN ('off','flag','review','reject')),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (partner_id, environment)
      );
    `,
  },
  {
    version: 5,
    why: 'API rate-limit token buckets in the database, as in a cluster (one row per partner environment).',
    sql: `
      CREATE TABLE rate_buckets (
        key TEXT PRIMARY KEY,
        tokens REAL NOT NULL,
        at_ms INTEGER NOT NULL,
        granted INTEGER NOT NULL
      );
    `,
  },
];
