/**
 * @file The storage contract of the partner portal: accounts, sessions, login failures, the audit log, review
 * claims and filtered job lists. Kept apart from RecordStore so the API path does not depend on it.
 */
import type { Environment, JobState, JobResult } from './types.js';

export type PortalRole = 'admin' | 'reviewer';
export const PORTAL_ROLES: readonly PortalRole[] = ['admin', 'reviewer'];

export interface PortalAccount {
  id: number;
  partnerId: string;
  email: string;
  role: PortalRole;
  /** Self-describing scrypt hash (see portal/password.ts). */
  passwordHash: string;
  createdAt: string;
}

export interface NewPortalAccount {
  partnerId: string;
  email: string;
  role: PortalRole;
  passwordHash: string;
}

export interface PortalSession {
  /** SHA-256 (hex) of the cookie value; the value itself is never stored. */
  tokenHash: string;
  csrfToken: string;
  expiresAt: Date;
  account: PortalAccount;
}

export interface AuditEntry {
  id: number;
  at: string;
  partnerId: string;
  accountId: number | null;
  actorEmail: string;
  /** e.g. `job.view`, `review.decide`, `key.rotate`. */
  action: string;
  environment: Environment | null;
  /** What was acted on, e.g. a SmileJobID or a user_id. */
  target: string | null;
  detail: string | null;
}

export interface EnvironmentCounts {
  jobs: number;
  underReview: number;
  users: number;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

/** `pending` = no result yet (awaiting upload, queued or processing). */
export type ResultFilter = 'approved' | 'provisional' | 'rejected' | 'pending';

export interface JobListFilter {
  partnerId: string;
  environment: Environment;
  jobType?: number;
  category?: ResultFilter;
  userId?: string;
  /** ISO timestamps: created_at >= from, created_at < to. */
  from?: string;
  to?: string;
}

/** Keyset position: the last row of the previous page (lists are newest first). */
export interface JobCursor {
  createdAt: string;
  smileJobId: number;
}

export interface JobSummary {
  smileJobId: number;
  environment: Environment;
  jobId: string;
  userId: string;
  jobType: number;
  state: JobState;
  category: JobResult['category'] | null;
  resultCode: string | null;
  resultText: string | null;
  createdAt: string;
}

export interface JobPage {
  jobs: JobSummary[];
  /** Cursor for the next (older) page; null on the last page. */
  next: JobCursor | null;
}

export interface ReviewClaim {
  smileJobId: number;
  accountId: number;
  email: string;
  expiresAt: Date;
}

export type ClaimOutcome = { ok: true; claim: ReviewClaim } | { ok: false; reason: 'not_in_review' } | { ok: false; reason: 'held'; claim: ReviewClaim };

export interface ReviewQueueEntry extends JobSummary {
  /** Current unexpired claim, if any. */
  claim: ReviewClaim | null;
}

export class DuplicateAccountError extends Error {
  constructor(readonly email: string) {
    super(`a portal account with email ${email} already exists`);
    this.name = 'DuplicateAccountError';
  }
}

export interface PortalStore {
  // Accounts.
  /** @throws DuplicateAccountError when the email is taken (emails are unique, case-insensitively). */
  createAccount(account: NewPortalAccount): Promise<PortalAccount>;
  getAccountByEmail(email: string): Promise<PortalAccount | null>;
  listAccounts(partnerId?: string): Promise<PortalAccount[]>;
  /** Deletes the account with its sessions and claims; false when there was none. */
  deleteAccount(email: string): Promise<boolean>;

  // Sessions.
  createSession(tokenHash: string, accountId: number, csrfToken: string, expiresAt: Date): Promise<void>;
  /** The unexpired session with its account, or null. */
  getSession(tokenHash: string): Promise<PortalSession | null>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Drops expired sessions and login failures older than `failuresBefore`. */
  prune(now: Date, failuresBefore: Date): Promise<void>;

  // Login rate limiting.
  recordLoginFailure(email: string, ip: string, at: Date): Promise<void>;
  /** Failures since `since` for this email from this IP, and from this IP for any email. */
  countLoginFailures(email: string, ip: string, since: Date): Promise<{ account: number; ip: number }>;
  clearLoginFailures(email: string, ip: string): Promise<void>;

  // Audit log.
  appendAudit(entry: NewAuditEntry): Promise<void>;
  /** Newest first; `beforeId` pages back. */
  listAudit(partnerId: string, page: { limit: number; beforeId?: number }): Promise<AuditEntry[]>;

  // Job lists and the review queue.
  listJobs(filter: JobListFilter, page: { limit: number; after?: JobCursor }): Promise<JobPage>;
  /** Jobs awaiting human review, oldest first, with their claims. */
  listReviewQueue(partnerId: string, environment: Environment, limit: number): Promise<ReviewQueueEntry[]>;
  countReviewQueue(partnerId: string, environment: Environment): Promise<number>;
  /** Jobs, jobs under review and enrolled (not deleted) users per environment, for the environment switch. */
  environmentCounts(partnerId: string): Promise<Record<Environment, EnvironmentCounts>>;

  // Review claims: an exclusive, expiring lock of one job in review by one account.
  /** Takes (or renews) the claim unless another account holds an unexpired one or the job is not in review. */
  claimReview(smileJobId: number, accountId: number, now: Date, ttlMs: number): Promise<ClaimOutcome>;
  getClaim(smileJobId: number, now: Date): Promise<ReviewClaim | null>;
  releaseReview(smileJobId: number, accountId: number): Promise<boolean>;
  // A decision consumes the claim in the transaction that completes the job: RecordStore.completeReview.
}
