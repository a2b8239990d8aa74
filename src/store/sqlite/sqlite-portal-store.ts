/**
 * @file The portal's storage in the same SQLite database as the records (schema in migration 2).
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import {
  DuplicateAccountError,
  type AuditEntry,
  type ClaimOutcome,
  type EnvironmentCounts,
  type JobCursor,
  type JobListFilter,
  type JobPage,
  type NewAuditEntry,
  type NewPortalAccount,
  type PortalAccount,
  type PortalSession,
  type PortalStore,
  type ReviewClaim,
  type ReviewQueueEntry,
} from '../portal-types.js';
import { JOB_SUMMARY_COLUMNS, jobListQuery } from '../job-list-query.js';
import { accountFromRow, summaryFromRow, type JsonColumnReader, type Row } from '../row-mapping.js';
import type { Environment } from '../types.js';
import { StatementCache } from './statement-cache.js';

/** JSON columns as this backend returns them. */
const readJson: JsonColumnReader = (v) => JSON.parse(v as string);

export class SqlitePortalStore implements PortalStore {
  /** Takes the record store's handle: one database, one connection, migrations already applied. */
  private readonly statements: StatementCache;

  constructor(private readonly db: Db) {
    this.statements = new StatementCache(db);
  }

  private sql(text: string): Statement {
    return this.statements.get(text);
  }

  async createAccount(a: NewPortalAccount): Promise<PortalAccount> {
    try {
      const res = this.sql('INSERT INTO portal_accounts (partner_id, email, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(a.partnerId, a.email, a.role, a.passwordHash, new Date().toISOString());
      return accountFromRow(this.sql('SELECT * FROM portal_accounts WHERE id = ?').get(res.lastInsertRowid) as Row);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new DuplicateAccountError(a.email);
      throw err;
    }
  }

  async getAccountByEmail(email: string): Promise<PortalAccount | null> {
    const r = this.sql('SELECT * FROM portal_accounts WHERE email = ?').get(email) as Row | undefined;
    return r ? accountFromRow(r) : null;
  }

  async listAccounts(partnerId?: string): Promise<PortalAccount[]> {
    const rows = partnerId
      ? this.sql('SELECT * FROM portal_accounts WHERE partner_id = ? ORDER BY email').all(partnerId)
      : this.sql('SELECT * FROM portal_accounts ORDER BY partner_id, email').all();
    return (rows as Row[]).map(accountFromRow);
  }

  async deleteAccount(email: string): Promise<boolean> {
    return this.sql('DELETE FROM portal_accounts WHERE email = ?').run(email).changes === 1;
  }

  async createSession(tokenHash: string, accountId: number, csrfToken: string, expiresAt: Date): Promise<void> {
    this.sql('INSERT INTO portal_sessions (token_hash, account_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(tokenHash, accountId, csrfToken, new Date().toISOString(), expiresAt.getTime());
  }

  async getSession(tokenHash: string): Promise<PortalSession | null> {
    const r = this.sql(
        `SELECT s.token_hash, s.csrf_token, s.expires_at, a.* FROM portal_sessions s JOIN portal_accounts a ON a.id = s.account_id
         WHERE s.token_hash = ? AND s.expires_at > ?`,
      )
      .get(tokenHash, Date.now()) as Row | undefined;
    if (!r) return null;
    return { tokenHash: r.token_hash as string, csrfToken: r.csrf_token as string, expiresAt: new Date(r.expires_at as number), account: accountFromRow(r) };
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.sql('DELETE FROM portal_sessions WHERE token_hash = ?').run(tokenHash);
  }

  async prune(now: Date, failuresBefore: Date): Promise<void> {
    this.db.transaction(() => {
      this.sql('DELETE FROM portal_sessions WHERE expires_at <= ?').run(now.getTime());
      this.sql('DELETE FROM portal_login_failures WHERE at < ?').run(failuresBefore.getTime());
    })();
  }

  async recordLoginFailure(email: string, ip: string, at: Date): Promise<void> {
    this.sql('INSERT INTO portal_login_failures (email, ip, at) VALUES (?, ?, ?)').run(email, ip, at.getTime());
  }

  async countLoginFailures(email: string, ip: string, since: Date): Promise<{ account: number; ip: number }> {
    const t = since.getTime();
    const account = this.sql('SELECT COUNT(*) AS n FROM portal_login_failures WHERE email = ? AND ip = ? AND at >= ?').get(email, ip, t) as { n: number };
    const byIp = this.sql('SELECT COUNT(*) AS n FROM portal_login_failures WHERE ip = ? AND at >= ?').get(ip, t) as { n: number };
    return { account: account.n, ip: byIp.n };
  }

  async clearLoginFailures(email: string, ip: string): Promise<void> {
    this.sql('DELETE FROM portal_login_failures WHERE email = ? AND ip = ?').run(email, ip);
  }

  async appendAudit(e: NewAuditEntry): Promise<void> {
    this.sql('INSERT INTO portal_audit (at, partner_id, account_id, actor_email, action, environment, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), e.partnerId, e.accountId, e.actorEmail, e.action, e.environment, e.target, e.detail);
  }

  async listAudit(partnerId: string, page: { limit: number; beforeId?: number }): Promise<AuditEntry[]> {
    const rows = this.sql('SELECT * FROM portal_audit WHERE partner_id = ? AND id < ? ORDER BY id DESC LIMIT ?')
      .all(partnerId, page.beforeId ?? Number.MAX_SAFE_INTEGER, page.limit) as Row[];
    return rows.map((r) => ({
      id: r.id as number,
      at: r.at as string,
      partnerId: r.partner_id as string,
      accountId: (r.account_id as number | null) ?? null,
      actorEmail: r.actor_email as string,
      action: r.action as string,
      environment: (r.environment as Environment | null) ?? null,
      target: (r.target as string | null) ?? null,
      detail: (r.detail as string | null) ?? null,
    }));
  }

  async listJobs(f: JobListFilter, page: { limit: number; after?: JobCursor }): Promise<JobPage> {
    const q = jobListQuery(f, page, () => '?');
    const rows = this.sql(q.sql).all(...q.args) as Row[];
    const jobs = rows.slice(0, page.limit).map((r) => summaryFromRow(r, readJson));
    const last = jobs[jobs.length - 1];
    return { jobs, next: rows.length > page.limit && last ? { createdAt: last.createdAt, smileJobId: last.smileJobId } : null };
  }

  async listReviewQueue(partnerId: string, environment: Environment, limit: number): Promise<ReviewQueueEntry[]> {
    const rows = this.sql(
        `SELECT ${JOB_SUMMARY_COLUMNS} FROM jobs WHERE partner_id = ? AND environment = ? AND state = 'review'
         ORDER BY created_at, smile_job_id LIMIT ?`,
      )
      .all(partnerId, environment, limit) as Row[];
    const now = new Date();
    return rows.map((r) => {
      const claim = this.claimRow(r.smile_job_id as number);
      return { ...summaryFromRow(r, readJson), claim: claim && claim.expiresAt > now ? claim : null };
    });
  }

  async environmentCounts(partnerId: string): Promise<Record<Environment, EnvironmentCounts>> {
    const counts: Record<Environment, EnvironmentCounts> = {
      production: { jobs: 0, underReview: 0, users: 0 },
      sandbox: { jobs: 0, underReview: 0, users: 0 },
    };
    const jobs = this.sql("SELECT environment, COUNT(*) AS n, SUM(state = 'review') AS review FROM jobs WHERE partner_id = ? GROUP BY environment").all(partnerId) as {
      environment: Environment;
      n: number;
      review: number;
    }[];
    for (const r of jobs) Object.assign(counts[r.environment], { jobs: r.n, underReview: r.review });
    const users = this.sql("SELECT environment, COUNT(*) AS n FROM users WHERE partner_id = ? AND status != 'deleted' GROUP BY environment").all(partnerId) as {
      environment: Environment;
      n: number;
    }[];
    for (const r of users) counts[r.environment].users = r.n;
    return counts;
  }

  async countReviewQueue(partnerId: string, environment: Environment): Promise<number> {
    const r = this.sql("SELECT COUNT(*) AS n FROM jobs WHERE partner_id = ? AND environment = ? AND state = 'review'").get(partnerId, environment) as {
      n: number;
    };
    return r.n;
  }

  private claimRow(smileJobId: number): ReviewClaim | null {
    const r = this.sql('SELECT c.smile_job_id, c.account_id, c.expires_at, a.email FROM review_claims c JOIN portal_accounts a ON a.id = c.account_id WHERE c.smile_job_id = ?')
      .get(smileJobId) as Row | undefined;
    return r
      ? { smileJobId: r.smile_job_id as number, accountId: r.account_id as number, email: r.email as string, expiresAt: new Date(r.expires_at as number) }
      : null;
  }

  async claimReview(smileJobId: number, accountId: number, now: Date, ttlMs: number): Promise<ClaimOutcome> {
    return this.db.transaction((): ClaimOutcome => {
      const job = this.sql('SELECT state FROM jobs WHERE smile_job_id = ?').get(smileJobId) as { state: string } | undefined;
      if (job?.state !== 'review') return { ok: false, reason: 'not_in_review' };
      const held = this.claimRow(smileJobId);
      if (held && held.accountId !== accountId && held.expiresAt > now) return { ok: false, reason: 'held', claim: held };
      this.sql(
          `INSERT INTO review_claims (smile_job_id, account_id, claimed_at, expires_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (smile_job_id) DO UPDATE SET account_id = excluded.account_id, claimed_at = excluded.claimed_at, expires_at = excluded.expires_at`,
        )
        .run(smileJobId, accountId, now.toISOString(), now.getTime() + ttlMs);
      return { ok: true, claim: this.claimRow(smileJobId)! };
    })();
  }

  async getClaim(smileJobId: number, now: Date): Promise<ReviewClaim | null> {
    const c = this.claimRow(smileJobId);
    return c && c.expiresAt > now ? c : null;
  }

  async releaseReview(smileJobId: number, accountId: number): Promise<boolean> {
    return this.sql('DELETE FROM review_claims WHERE smile_job_id = ? AND account_id = ?').run(smileJobId, accountId).changes === 1;
  }
}
