/**
 * @file The storage contract the job layer depends on: records, the durable task queue and image blobs, as three
 * interfaces. Each method that changes several records is one atomic operation, so a failure half-way leaves nothing
 * half-written; a record change that creates work (an accepted upload, a callback) enqueues its task in the same
 * transaction. Backends: SQLite + a local directory (embedded) and PostgreSQL + S3 (cluster), chosen by
 * `openStorage` (open-storage.ts).
 */

export type Environment = 'sandbox' | 'production';
export const ENVIRONMENTS: readonly Environment[] = ['sandbox', 'production'];

export type UserStatus = 'active' | 'disabled' | 'deleted';

/** What an enrolment does about a face already enrolled under another user_id (docs/search.md). */
export type DedupPolicy = 'off' | 'flag' | 'review' | 'reject';
export const DEDUP_POLICIES: readonly DedupPolicy[] = ['off', 'flag', 'review', 'reject'];
export const DEFAULT_DEDUP_POLICY: DedupPolicy = 'flag';

/**
 * One user's searchable state after a change, in change order: `seq` grows with every enrolment, re-enrolment,
 * deactivation, reactivation and deletion in a partner environment, and a change with a higher seq is never
 * committed before one with a lower seq, so "every change after seq N" misses nothing.
 */
/** `T` as in EnrolledUser: a backend returns the template sealed. */
export interface TemplateChange<T = Float32Array> {
  userId: string;
  seq: number;
  /** The template of an active user; null when the user is disabled or deleted (not searchable). */
  template: T | null;
}

export interface TemplateScope {
  partnerId: string;
  environment: Environment;
}
export type JobState = 'awaiting_upload' | 'queued' | 'processing' | 'review' | 'complete';
export type ImageRole = 'selfie' | 'liveness';

export interface Partner {
  partnerId: string;
  name: string;
  createdAt: string;
}

/** `T`: the template as the job layer uses it; a backend holds it sealed (StoredUser). */
export interface EnrolledUser<T = Float32Array> {
  partnerId: string;
  environment: Environment;
  userId: string;
  status: UserStatus;
  /** The registered face template; null once deleted. */
  template: T | null;
  /** Blob key of the registered selfie; null once deleted. */
  imageKey: string | null;
  /** SmileJobID of the job that registered the current selfie. */
  enrolledSmileJobId: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface JobOptions {
  useEnrolledImage: boolean;
  /** Sandbox only: force the outcome for integration testing. */
  sandboxResult?: 'approved' | 'provisional' | 'rejected';
  /** Enrolment of an already-enrolled user_id replaces the registered selfie instead of failing with 2209. */
  allowReenroll: boolean;
  source: 'v1' | 'v2';
  sourceSdk?: string;
  sourceSdkVersion?: string;
}

/** What the job layer records as the outcome; stored as JSON. */
export interface JobResult {
  resultCode: string;
  resultText: string;
  category: 'approved' | 'provisional' | 'rejected';
  actions: Record<string, string>;
  confidence: number;
  jobSuccess: boolean;
  isFinalResult: boolean;
  isMachineResult: boolean;
  reasons: string[];
  /** Engine figures behind the decision (no images, no templates). */
  scores: Record<string, number | boolean | string | null>;
  completedAt: string;
  /** Enrolment: other users whose face matched at the duplicate threshold (docs/search.md); absent when none. */
  duplicates?: DuplicateCandidate[];
}

export interface DuplicateCandidate {
  userId: string;
  similarity: number;
}

export interface JobRecord {
  smileJobId: number;
  partnerId: string;
  environment: Environment;
  jobId: string;
  userId: string;
  jobType: number;
  state: JobState;
  callbackUrl: string | null;
  partnerParams: Record<string, unknown>;
  options: JobOptions;
  uploadExpiresAt: string | null;
  result: JobResult | null;
  createdAt: string;
  updatedAt: string;
}

export interface JobImage {
  role: ImageRole;
  index: number;
  blobKey: string;
}

export interface NewJob {
  partnerId: string;
  environment: Environment;
  jobId: string;
  userId: string;
  jobType: number;
  callbackUrl: string | null;
  partnerParams: Record<string, unknown>;
  options: JobOptions;
  /** SHA-256 (hex) of the upload capability token; null for synchronous (v2) jobs. */
  uploadTokenHash: string | null;
  uploadExpiresAt: string | null;
  /** Images of a synchronous (v2) job, recorded in the same transaction as the job. */
  images?: JobImage[];
  /**
   * A synchronous job is processed by the request that created it: its process_job task is created with it, already
   * leased to that request for this long, so that a job whose process dies mid-request is processed again by a
   * worker once the lease runs out (at once on an embedded restart), and reaches its final result and callback.
   */
  processLeaseMs?: number;
}

export interface CreatedJob extends JobRecord {
  /** The leased process_job task of a job created with processLeaseMs (finish it through completeJob); else null. */
  processTaskId: string | null;
}

export type TaskKind = 'process_job' | 'deliver_callback';

export interface Task {
  /** Opaque: each backend generates its own. */
  id: string;
  kind: TaskKind;
  /** `destination` (host:port of a callback) lets workers limit deliveries per receiver (see TaskRunner). */
  payload: { smileJobId?: number; deliveryId?: number; destination?: string };
  attempts: number;
}

export interface Enrollment<T = Float32Array> {
  userId: string;
  template: T;
  imageKey: string;
  /** True when this enrolment replaces an existing registration. */
  replace: boolean;
}

export interface CompletedJob<T = Float32Array> {
  result: JobResult;
  /** Register (or replace) the user's selfie in the same transaction. */
  enrollment?: Enrollment<T>;
  /** Queue the signed callback in the same transaction. */
  callback?: { url: string; body: Record<string, unknown> };
  /** Final state; 'review' keeps the job open for a human decision. */
  state: 'complete' | 'review';
}

export interface CallbackDelivery {
  id: number;
  smileJobId: number;
  url: string;
  body: Record<string, unknown>;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  createdAt: string;
  deliveredAt: string | null;
  log: CallbackAttempt[];
}

export interface CallbackAttempt {
  attempt: number;
  at: string;
  status: number | null;
  error: string | null;
  durationMs: number;
}

/** An image of a finished job past its partner environment's retention, leased to one purger (see RecordStore). */
export interface ExpiredImage extends JobImage {
  smileJobId: number;
}

/** Shared state worth alerting on, read cheaply (indexed) so that every node can report it when scraped. */
export interface WorkStats {
  /** Unfinished tasks (ready, scheduled or running) by kind, and when the oldest of them was created. */
  tasks: Record<TaskKind, { count: number; oldestCreatedAt: string | null }>;
  /** Jobs awaiting a human decision, and when the oldest of them was created. */
  review: { count: number; oldestCreatedAt: string | null };
}

export class DuplicateJobError extends Error {
  constructor(readonly jobId: string) {
    super(`job_id ${jobId} already exists`);
    this.name = 'DuplicateJobError';
  }
}

/**
 * The database cannot be reached now (restarting, failing over, network); a retry may succeed. Nothing was committed,
 * unless the connection broke during the COMMIT itself (then it is unknown, and the retry meets what was done).
 */
export class StorageUnavailableError extends Error {
  constructor(cause: Error) {
    super(`the database cannot be reached: ${cause.message}`, { cause });
    this.name = 'StorageUnavailableError';
  }
}

export interface RecordStore {
  // Partners and keys. Keys are encrypted at rest and returned decrypted (they are HMAC keys).
  createPartner(name: string, keys: Record<Environment, string>): Promise<Partner>;
  getPartner(partnerId: string): Promise<Partner | null>;
  listPartners(): Promise<Partner[]>;
  getApiKey(partnerId: string, environment: Environment): Promise<string | null>;
  /** Replace the key; the old one stops working at once. */
  rotateApiKey(partnerId: string, environment: Environment, newKey: string): Promise<void>;

  // Enrolled users.
  getUser(partnerId: string, environment: Environment, userId: string): Promise<EnrolledUser | null>;
  listUsers(partnerId: string, environment: Environment, page: { limit: number; offset: number }): Promise<EnrolledUser[]>;
  setUserStatus(partnerId: string, environment: Environment, userId: string, status: 'active' | 'disabled'): Promise<boolean>;
  /** Marks the user deleted, drops the template and returns the blob keys the caller must remove. */
  deleteUser(partnerId: string, environment: Environment, userId: string): Promise<string[] | null>;

  // 1:N search: the changes the in-memory face index follows (src/search).
  /** Users changed after `afterSeq` (-1: every user), oldest change first, at most `limit`. */
  listTemplateChanges(partnerId: string, environment: Environment, afterSeq: number, limit: number): Promise<TemplateChange[]>;
  /**
   * Calls `listener` after any process sharing this store commits a template change, with its scope; with null once
   * the subscription is live and whenever notifications may have been missed (a lost database connection), so the
   * listener catches up everywhere.
   */
  onTemplatesChanged(listener: (scope: TemplateScope | null) => void): () => void;
  getDedupPolicy(partnerId: string, environment: Environment): Promise<DedupPolicy>;
  setDedupPolicy(partnerId: string, environment: Environment, policy: DedupPolicy): Promise<void>;

  // Jobs.
  /** @throws DuplicateJobError when (partner, environment, job_id) exists. */
  createJob(job: NewJob): Promise<CreatedJob>;
  getJob(partnerId: string, environment: Environment, jobId: string): Promise<JobRecord | null>;
  /** The environment's API key (null: no such partner) and the job (null: none), read together (job_status). */
  getApiKeyAndJob(partnerId: string, environment: Environment, jobId: string): Promise<{ apiKey: string | null; job: JobRecord | null }>;
  getJobBySmileId(smileJobId: number): Promise<JobRecord | null>;
  getJobByUploadToken(tokenHash: string): Promise<JobRecord | null>;
  getJobImages(smileJobId: number): Promise<JobImage[]>;
  /** A new upload capability for a job still awaiting its zip (prep_upload retried with the retry flag). */
  renewUploadToken(smileJobId: number, tokenHash: string, expiresAt: string): Promise<boolean>;
  /** awaiting_upload → queued with its images and a process_job task; false if the job was not awaiting upload. */
  acceptUpload(smileJobId: number, images: JobImage[]): Promise<boolean>;
  /** Writes the outcome, the enrolment, the callback and completes the task, atomically. */
  completeJob(smileJobId: number, outcome: CompletedJob, taskId: string | null): Promise<void>;
  /**
   * A reviewer's decision, in one transaction: consumes this account's unexpired claim of a job still in review and
   * writes the outcome as completeJob does. False, writing nothing, when the claim is not held (expired, another
   * account's, or the job was decided meanwhile): exactly one decision, and one callback, per review.
   */
  completeReview(smileJobId: number, accountId: number, now: Date, outcome: CompletedJob): Promise<boolean>;
  /** Jobs of this user, oldest first (job_status `history`). */
  listUserJobs(partnerId: string, environment: Environment, userId: string): Promise<JobRecord[]>;

  // Callbacks.
  getDelivery(deliveryId: number): Promise<CallbackDelivery | null>;
  listDeliveries(smileJobId: number): Promise<CallbackDelivery[]>;
  recordDeliveryAttempt(deliveryId: number, attempt: Omit<CallbackAttempt, 'attempt'>, outcome: 'delivered' | 'retry' | 'failed'): Promise<void>;
  /** A new delivery of a job's callback (replay) with its task. */
  enqueueCallback(smileJobId: number, url: string, body: Record<string, unknown>): Promise<number>;

  // Retention of job images (README, "Retention").
  /** Days this partner environment keeps job images; null = the server default. */
  getImageRetention(partnerId: string, environment: Environment): Promise<number | null>;
  setImageRetention(partnerId: string, environment: Environment, days: number | null): Promise<void>;
  /**
   * Leases up to `limit` images of complete jobs of this partner environment created before `before` (ISO), for
   * leaseMs; a user's registered selfie is kept (it goes with the template, when the user is deleted). Images
   * leased to another purger (another node) are skipped, and a purger that dies leaves its lease to run out.
   */
  leaseExpiredImages(partnerId: string, environment: Environment, before: string, limit: number, leaseMs: number): Promise<ExpiredImage[]>;
  /** Drops the records of purged images, once their blobs are deleted. */
  dropJobImages(images: ExpiredImage[]): Promise<void>;

  /** Queue and review backlog (metrics). */
  workStats(): Promise<WorkStats>;
}

/** Partner keys as the backend keeps them: sealed by SecretBox, which wraps the backend (key-sealing-store.ts). */
export type SealedKeys = Record<Environment, Buffer>;

/** A user as the backend keeps it: the template sealed in its envelope (key-sealing-store.ts). */
export type StoredUser = EnrolledUser<Buffer>;

/** What a backend implements: RecordStore with the API keys and templates sealed. */
export interface RecordBackend
  extends Omit<RecordStore, 'createPartner' | 'getApiKey' | 'getApiKeyAndJob' | 'rotateApiKey' | 'getUser' | 'listUsers' | 'completeJob' | 'completeReview' | 'listTemplateChanges'> {
  createPartner(name: string, keys: SealedKeys): Promise<Partner>;
  getSealedApiKey(partnerId: string, environment: Environment): Promise<Buffer | null>;
  getSealedApiKeyAndJob(partnerId: string, environment: Environment, jobId: string): Promise<{ sealedKey: Buffer | null; job: JobRecord | null }>;
  rotateSealedApiKey(partnerId: string, environment: Environment, sealed: Buffer): Promise<void>;
  getUser(partnerId: string, environment: Environment, userId: string): Promise<StoredUser | null>;
  listUsers(partnerId: string, environment: Environment, page: { limit: number; offset: number }): Promise<StoredUser[]>;
  listTemplateChanges(partnerId: string, environment: Environment, afterSeq: number, limit: number): Promise<TemplateChange<Buffer>[]>;
  completeJob(smileJobId: number, outcome: CompletedJob<Buffer>, taskId: string | null): Promise<void>;
  completeReview(smileJobId: number, accountId: number, now: Date, outcome: CompletedJob<Buffer>): Promise<boolean>;
  /**
   * Master key rotation: offers every sealed API key and template to `reseal` and writes back what it returns
   * (null: leave it), unless the row changed meanwhile. Returns how many of each were rewritten.
   */
  resealSecrets(reseal: (sealed: Buffer, kind: SealedKind, context: string) => Buffer | null): Promise<Record<SealedKind, number>>;
}

export type SealedKind = 'apiKey' | 'template';

/**
 * The durable task queue. Tasks are enqueued by RecordStore methods inside their own transaction; the queue hands
 * them out with a lease, so a task whose worker died is handed out again once the lease runs out.
 */
export interface JobQueue {
  /**
   * The oldest due task of these kinds, leased to the caller for leaseMs; attempts counts this claim. Tasks whose
   * payload destination is in `skipDestinations` (receivers the caller is already busy with) are passed over.
   */
  claim(kinds: TaskKind[], leaseMs: number, skipDestinations?: readonly string[]): Promise<Task | null>;
  finish(taskId: string): Promise<void>;
  /**
   * The worker's heartbeat: its lease now runs out leaseMs from now, so a slow but alive worker keeps its task.
   * False when the lease was lost (it ran out and another worker claimed the task, or the task is no longer leased).
   */
  extend(taskId: string, leaseMs: number): Promise<boolean>;
  /** Records a failure; reschedules at retryAt (backoff, a later callback attempt), or gives up (dead) when null. */
  fail(taskId: string, error: string, retryAt: Date | null): Promise<void>;
  /**
   * Makes tasks whose lease ran out (a crash or restart) ready again; returns how many. `all` also takes back
   * unexpired leases: right for a single embedded process at start-up, wrong when other workers share the store.
   */
  recover(all?: boolean): Promise<number>;
  /**
   * Earliest time a task of these kinds becomes ready or its lease runs out, for the worker's sleep. Only the
   * caller's kinds: another kind's due task would wake it again at once, and it would poll without pause.
   */
  nextDueAt(kinds: TaskKind[]): Promise<Date | null>;
  /**
   * Calls `listener` with the task's kind when any process sharing this queue enqueues work, or with null when work
   * may have been missed (PostgreSQL: once LISTEN is live, and after the listening connection was re-established);
   * returns the unsubscribe function.
   */
  onWork(listener: (kind: TaskKind | null) => void): () => void;
}

/**
 * Token buckets shared by every API node (the API rate limit per partner and environment): one row per bucket,
 * refilled and taken from in one statement, so two nodes never both spend the last token.
 */
export interface RateLimitStore {
  /**
   * Takes one token from `key`'s bucket, refilled at perSecond up to burst since its last use at nowMs: 0 when the
   * request may go ahead, else the ms until a token is available.
   */
  takeToken(key: string, perSecond: number, burst: number, nowMs?: number): Promise<number>;
}

/** Image bytes, addressed by opaque keys the store chooses. */
export interface BlobStore {
  put(key: string, data: Buffer): Promise<void>;
  /** Overwrites an existing object atomically: a reader sees the old or the new bytes, never a mix. */
  replace(key: string, data: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  delete(keys: string[]): Promise<void>;
  /** Every key held, in no particular order (master key rotation, backups). */
  list(): AsyncIterable<string>;
  /** True when the store holds at least one object (start-up refuses an empty database beside stored images). */
  holdsAny(): Promise<boolean>;
}
