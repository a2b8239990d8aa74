/**
 * @file The portal's storage in PostgreSQL: sessions, login failures and review claims live in the database, so
 * any API node answers any portal request.
 */
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
import { jobListQuery } from '../job-list-query.js';
import { accountFromRow, summaryFromRow, type JsonColumnReader, type Row } from '../row-mapping.js';
import type { Environment } from '../types.js';
import { PLANS } from './plans.js';
import { violates, type PostgresDb } from './postgres-db.js';

/** JSON columns as this backend returns them. */
const readJson: JsonColumnReader = (v) => v;

const claimFromRow = (r: Row): ReviewClaim => ({
  smileJobId: r.smile_job_id as number,
  accountId: r.account_id as number,
  email: r.email as string,
  expiresAt: new Date(r.expires_at as string),
});

export class PostgresPortalStore implements PortalStore {
  constructor(private readonly db: PostgresDb) {}

  async createAccount(a: NewPortalAccount): Promise<PortalAccount> {
    try {
      const { rows } = await this.db.run(PLANS.insertAccount, [a.partnerId, a.email, a.role, a.passwordHash, new Date().toISOString()]);
      return accountFromRow(rows[0]);
    } catch (err) {
      if (violates(err, 'portal_accounts_email')) throw new DuplicateAccountError(a.email);
      throw err;
    }
  }

  async getAccountByEmail(email: string): Promise<PortalAccount | null> {
    const { rows } = await this.db.run(PLANS.getAccountByEmail, [email]);
    return rows[0] ? accountFromRow(rows[0]) : null;
  }

  async listAccounts(partnerId?: string): Promise<PortalAccount[]> {
    const { rows } = partnerId ? await this.db.run(PLANS.listPartnerAccounts, [partnerId]) : await this.db.run(PLANS.listAccounts);
    return rows.map(accountFromRow);
  }

  async deleteAccount(email: string): Promise<boolean> {
    return (await this.db.run(PLANS.deleteAccount, [email])).rowCount === 1;
  }

  async createSession(tokenHash: string, accountId: number, csrfToken: string, expiresAt: Date): Promise<void> {
    await this.db.run(PLANS.insertSession, [tokenHash, accountId, csrfToken, expiresAt]);
  }

  async getSession(tokenHash: string): Promise<PortalSession | null> {
    const { rows } = await this.db.run(PLANS.getSession, [tokenHash, new Date()]);
    const r = rows[0];
    if (!r) return null;
    return { tokenHash: r.token_hash as string, csrfToken: r.csrf_token as string, expiresAt: new Date(r.session_expires_at as string), account: accountFromRow(r) };
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.run(PLANS.deleteSession, [tokenHash]);
  }

  async prune(now: Date, failuresBefore: Date): Promise<void> {
    await this.db.transaction(async (c) => {
      await this.db.run(PLANS.pruneSessions, [now], c);
      await this.db.run(PLANS.pruneLoginFailures, [failuresBefore], c);
    });
  }

  async recordLoginFailure(email: string, ip: string, at: Date): Promise<void> {
    await this.db.run(PLANS.insertLoginFailure, [email, ip, at]);
  }

  async countLoginFailures(email: string, ip: string, since: Date): Promise<{ account: number; ip: number }> {
    const { rows } = await this.db.run<{ account: number; ip: number }>(PLANS.countLoginFailures, [email, ip, since]);
    return { account: rows[0].account, ip: rows[0].ip };
  }

  async clearLoginFailures(email: string, ip: string): Promise<void> {
    await this.db.run(PLANS.clearLoginFailures, [email, ip]);
  }

  async appendAudit(e: NewAuditEntry): Promise<void> {
    await this.db.run(PLANS.insertAudit, [e.partnerId, e.accountId, e.actorEmail, e.action, e.environment, e.target, e.detail]);
  }

  async listAudit(partnerId: string, page: { limit: number; beforeId?: number }): Promise<AuditEntry[]> {
    const { rows } = await this.db.run(PLANS.listAudit, [partnerId, page.beforeId ?? Number.MAX_SAFE_INTEGER, page.limit]);
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
    const q = jobListQuery(f, page, (n) => `$${n}`);
    const { rows } = await this.db.query(q.sql, q.args);
    const jobs = rows.slice(0, page.limit).map((r) => summaryFromRow(r, readJson));
    const last = jobs[jobs.length - 1];
    return { jobs, next: rows.length > page.limit && last ? { createdAt: last.createdAt, smileJobId: last.smileJobId } : null };
  }

  async listReviewQueue(partnerId: string, environment: Environment, limit: number): Promise<ReviewQueueEntry[]> {
    const { rows } = await this.db.run(PLANS.listReviewQueue, [partnerId, environment, limit, new Date()]);
    return rows.map((r) => ({
      ...summaryFromRow(r, readJson),
      claim:
        r.claim_account_id === null
          ? null
          : { smileJobId: r.smile_job_id as number, accountId: r.claim_account_id as number, email: r.claim_email as string, expiresAt: new Date(r.claim_expires_at as string) },
    }));
  }

  async environmentCounts(partnerId: string): Promise<Record<Environment, EnvironmentCounts>> {
    const counts: Record<Environment, EnvironmentCounts> = {
      production: { jobs: 0, underReview: 0, users: 0 },
      sandbox: { jobs: 0, underReview: 0, users: 0 },
    };
    const jobs = await this.db.run<{ environment: Environment; n: number; review: number }>(PLANS.countJobsByEnvironment, [partnerId]);
    for (const r of jobs.rows) Object.assign(counts[r.environment], { jobs: r.n, underReview: r.review });
    const users = await this.db.run<{ environment: Environment; n: number }>(PLANS.countUsersByEnvironment, [partnerId]);
    for (const r of users.rows) counts[r.environment].users = r.n;
    return counts;
  }

  async countReviewQueue(partnerId: string, environment: Environment): Promise<number> {
    return (await this.db.run<{ n: number }>(PLANS.countReviewQueue, [partnerId, environment])).rows[0].n;
  }

  async claimReview(smileJobId: number, accountId: number, now: Date, ttlMs: number): Promise<ClaimOutcome> {
    return this.db.transaction(async (c): Promise<ClaimOutcome> => {
      // Locking the job row serialises concurrent claims of one job across nodes.
      const job = (await this.db.run<{ state: string }>(PLANS.getJobStateForUpdate, [smileJobId], c)).rows[0];
      if (job?.state !== 'review') return { ok: false, reason: 'not_in_review' };
      const heldRow = (await this.db.run(PLANS.getClaim, [smileJobId], c)).rows[0];
      const held = heldRow ? claimFromRow(heldRow) : null;
      if (held && held.accountId !== accountId && held.expiresAt > now) return { ok: false, reason: 'held', claim: held };
      await this.db.run(PLANS.upsertClaim, [smileJobId, accountId, now, new Date(now.getTime() + ttlMs)], c);
      return { ok: true, claim: claimFromRow((await this.db.run(PLANS.getClaim, [smileJobId], c)).rows[0]) };
    });
  }

  async getClaim(smileJobId: number, now: Date): Promise<ReviewClaim | null> {
    const r = (await this.db.run(PLANS.getClaim, [smileJobId])).rows[0];
    const c = r ? claimFromRow(r) : null;
    return c && c.expiresAt > now ? c : null;
  }

  async releaseReview(smileJobId: number, accountId: number): Promise<boolean> {
    return (await this.db.run(PLANS.releaseClaim, [smileJobId, accountId])).rowCount === 1;
  }
}
