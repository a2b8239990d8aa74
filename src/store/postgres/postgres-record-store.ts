/**
 * @file The cluster record store on PostgreSQL: the same guarantees as the embedded one, each multi-record change
 * in one transaction; a change that creates work enqueues the task and notifies the workers in that transaction
 * (NOTIFY is delivered on commit, and not at all on rollback).
 */
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
import { LeaseLostError, parseTaskToken, taskToken } from '../task-token.js';
import { templateContext } from '../sealing-record-store.js';
import type { PgListener } from './pg-listener.js';
import { PLANS, TEMPLATE_CHANNEL } from './plans.js';
import { violates, type PostgresDb, type Queryable } from './postgres-db.js';

const now = (): string => new Date().toISOString();

const partnerFromRow = (r: Row): Partner => ({ partnerId: r.partner_id as string, name: r.name as string, createdAt: r.created_at as string });

export const jobFromRow = (r: Row): JobRecord => mapJobRow(r, (v) => v);

/** The scope of a template change from its NOTIFY payload, `<partner_id>/<environment>`. */
function scopeOf(payload: string): TemplateScope | null {
  const slash = payload.lastIndexOf('/');
  const environment = payload.slice(slash + 1);
  return slash > 0 && (environment === 'sandbox' || environment === 'production') ? { partnerId: payload.slice(0, slash), environment } : null;
}

/** A job's image references as the three parallel arrays the statements unnest. */
const imageColumns = (images: JobImage[]) => [images.map((i) => i.role), images.map((i) => i.index), images.map((i) => i.blobKey)];

export class PostgresRecordStore implements RecordBackend {
  constructor(
    private readonly db: PostgresDb,
    private readonly listener: PgListener,
  ) {}

  async createPartner(name: string, keys: SealedKeys): Promise<Partner> {
    return this.db.transaction(async (c) => {
      // Partner IDs are short decimal strings like Smile ID's ("001"); a sequence hands out each number once.
      const { rows } = await this.db.run(PLANS.nextPartnerNumber, [], c);
      const partnerId = String(rows[0].n).padStart(3, '0');
      const createdAt = now();
      await this.db.run(PLANS.insertPartner, [partnerId, name, createdAt], c);
      for (const env of Object.keys(keys) as Environment[]) await this.db.run(PLANS.insertApiKey, [partnerId, env, keys[env], createdAt], c);
      return { partnerId, name, createdAt };
    });
  }

  async getPartner(partnerId: string): Promise<Partner | null> {
    const { rows } = await this.db.run(PLANS.getPartner, [partnerId]);
    return rows[0] ? partnerFromRow(rows[0]) : null;
  }

  async listPartners(): Promise<Partner[]> {
    return (await this.db.run(PLANS.listPartners)).rows.map(partnerFromRow);
  }

  async getSealedApiKey(partnerId: string, environment: Environment): Promise<Buffer | null> {
    const { rows } = await this.db.run<{ sealed_key: Buffer }>(PLANS.getSealedApiKey, [partnerId, environment]);
    return rows[0]?.sealed_key ?? null;
  }

  async rotateSealedApiKey(partnerId: string, environment: Environment, sealed: Buffer): Promise<void> {
    const res = await this.db.run(PLANS.rotateApiKey, [sealed, now(), partnerId, environment]);
    if (res.rowCount !== 1) throw new Error(`no ${environment} key for partner ${partnerId}`);
  }

  async getUser(partnerId: string, environment: Environment, userId: string): Promise<StoredUser | null> {
    const { rows } = await this.db.run(PLANS.getUser, [partnerId, environment, userId]);
    return rows[0] ? userFromRow(rows[0]) : null;
  }

  async listUsers(partnerId: string, environment: Environment, page: { limit: number; offset: number }): Promise<StoredUser[]> {
    return (await this.db.run(PLANS.listUsers, [partnerId, environment, page.limit, page.offset])).rows.map(userFromRow);
  }

  async setUserStatus(partnerId: string, environment: Environment, userId: string, status: 'active' | 'disabled'): Promise<boolean> {
    return this.db.transaction(async (c) => {
      if ((await this.db.run(PLANS.setUserStatus, [status, now(), partnerId, environment, userId], c)).rowCount !== 1) return false;
      await this.recordTemplateChange(c, { partnerId, environment }, userId);
      return true;
    });
  }

  /**
   * Stamps the user's row (already written, so locked, by this transaction) with the next change number of its
   * environment, and notifies every node on commit (payload: see scopeOf).
   */
  private async recordTemplateChange(c: Queryable, scope: TemplateScope, userId: string): Promise<void> {
    await this.db.run(PLANS.recordTemplateChange, [scope.partnerId, scope.environment, userId], c);
  }

  async listTemplateChanges(partnerId: string, environment: Environment, afterSeq: number, limit: number): Promise<TemplateChange<Buffer>[]> {
    return (await this.db.run(PLANS.listTemplateChanges, [partnerId, environment, afterSeq, limit])).rows.map(templateChangeFromRow);
  }

  onTemplatesChanged(listener: (scope: TemplateScope | null) => void): () => void {
    return this.listener.subscribe(TEMPLATE_CHANNEL, (payload) => listener(payload === null ? null : scopeOf(payload)));
  }

  async getDedupPolicy(partnerId: string, environment: Environment): Promise<DedupPolicy> {
    const { rows } = await this.db.run<{ policy: DedupPolicy }>(PLANS.getDedupPolicy, [partnerId, environment]);
    return rows[0]?.policy ?? DEFAULT_DEDUP_POLICY;
  }

  async setDedupPolicy(partnerId: string, environment: Environment, policy: DedupPolicy): Promise<void> {
    await this.db.run(PLANS.setDedupPolicy, [partnerId, environment, policy]);
  }

  async deleteUser(partnerId: string, environment: Environment, userId: string): Promise<string[] | null> {
    return this.db.transaction(async (c) => {
      const { rows } = await this.db.run(PLANS.getUserForUpdate, [partnerId, environment, userId], c);
      const user = rows[0];
      if (!user) return null;
      // Every image of every job of this user goes too: deletion must not leave biometric data behind.
      const keys = (await this.db.run<{ blob_key: string }>(PLANS.userJobImageKeys, [partnerId, environment, userId], c)).rows.map((r) => r.blob_key);
      if (user.image_key) keys.push(user.image_key as string);
      await this.db.run(PLANS.deleteUserJobImages, [partnerId, environment, userId], c);
      await this.db.run(PLANS.markUserDeleted, [now(), partnerId, environment, userId], c);
      await this.recordTemplateChange(c, { partnerId, environment }, userId);
      return [...new Set(keys)];
    });
  }

  async createJob(job: NewJob): Promise<CreatedJob> {
    const row = newJobValues(job, now());
    const insert = async (c: Queryable) => jobFromRow((await this.db.run(PLANS.insertJob, row, c)).rows[0]);
    try {
      // A job awaiting its upload is one row: one statement, no transaction around it.
      if (!job.images && !job.processLeaseMs) return { ...(await insert(this.db.pool)), processTaskId: null };
      return await this.db.transaction(async (c) => {
        const created = await insert(c);
        if (job.images) await this.insertImages(c, created.smileJobId, job.images);
        let processTaskId: string | null = null;
        if (job.processLeaseMs) {
          const task = await this.db.run<{ id: number }>(PLANS.insertLeasedTask, ['process_job', JSON.stringify({ smileJobId: created.smileJobId }), job.processLeaseMs], c);
          processTaskId = taskToken(task.rows[0].id, 1);
        }
        return { ...created, processTaskId };
      });
    } catch (err) {
      if (violates(err, 'jobs_job_id_unique')) throw new DuplicateJobError(job.jobId);
      throw err;
    }
  }

  async getJob(partnerId: string, environment: Environment, jobId: string): Promise<JobRecord | null> {
    const { rows } = await this.db.run(PLANS.getJob, [partnerId, environment, jobId]);
    return rows[0] ? jobFromRow(rows[0]) : null;
  }

  async getSealedApiKeyAndJob(partnerId: string, environment: Environment, jobId: string): Promise<{ sealedKey: Buffer | null; job: JobRecord | null }> {
    const { rows } = await this.db.run(PLANS.getSealedApiKeyAndJob, [partnerId, environment, jobId]);
    const r = rows[0];
    return { sealedKey: (r?.sealed_key as Buffer | undefined) ?? null, job: r?.smile_job_id == null ? null : jobFromRow(r) };
  }

  async getJobBySmileId(smileJobId: number): Promise<JobRecord | null> {
    const { rows } = await this.db.run(PLANS.getJobBySmileId, [smileJobId]);
    return rows[0] ? jobFromRow(rows[0]) : null;
  }

  async getJobByUploadToken(tokenHash: string): Promise<JobRecord | null> {
    const { rows } = await this.db.run(PLANS.getJobByUploadToken, [tokenHash]);
    return rows[0] ? jobFromRow(rows[0]) : null;
  }

  async getJobImages(smileJobId: number): Promise<JobImage[]> {
    const { rows } = await this.db.run(PLANS.getJobImages, [smileJobId]);
    return rows.map((r) => ({ role: r.role as JobImage['role'], index: r.idx as number, blobKey: r.blob_key as string }));
  }

  async renewUploadToken(smileJobId: number, tokenHash: string, expiresAt: string): Promise<boolean> {
    return (await this.db.run(PLANS.renewUploadToken, [tokenHash, expiresAt, now(), smileJobId])).rowCount === 1;
  }

  private async insertImages(c: Queryable, smileJobId: number, images: JobImage[]): Promise<void> {
    await this.db.run(PLANS.insertJobImages, [smileJobId, ...imageColumns(images)], c);
  }

  async acceptUpload(smileJobId: number, images: JobImage[]): Promise<boolean> {
    return (await this.db.run(PLANS.acceptUpload, [now(), smileJobId, ...imageColumns(images)])).rowCount === 1;
  }

  async completeJob(smileJobId: number, outcome: CompletedJob<Buffer>, taskId: string | null): Promise<void> {
    await this.db.transaction(async (c) => {
      // The task first: a worker whose lease was taken over writes nothing (one final result per job).
      if (taskId !== null) {
        const { rowId, attempts } = parseTaskToken(taskId);
        if ((await this.db.run(PLANS.finishTask, [rowId, attempts], c)).rowCount !== 1) throw new LeaseLostError(taskId);
      }
      await this.writeOutcome(c, smileJobId, outcome);
    });
  }

  async completeReview(smileJobId: number, accountId: number, now: Date, outcome: CompletedJob<Buffer>): Promise<boolean> {
    return this.db.transaction(async (c) => {
      // The job row lock serialises this with claims of the same job (claimReview takes it too).
      await this.db.run(PLANS.getJobStateForUpdate, [smileJobId], c);
      if ((await this.db.run(PLANS.consumeClaim, [smileJobId, accountId, now], c)).rowCount !== 1) return false;
      await this.writeOutcome(c, smileJobId, outcome);
      return true;
    });
  }

  /** The outcome, enrolment and callback of completeJob/completeReview, inside their transaction. */
  private async writeOutcome(c: Queryable, smileJobId: number, outcome: CompletedJob<Buffer>): Promise<void> {
    const ts = now();
    const { rows } = await this.db.run(PLANS.completeJob, [outcome.state, JSON.stringify(outcome.result), outcome.result.category, ts, smileJobId], c);
    const job = rows[0];
    if (!job) throw new Error(`job ${smileJobId} does not exist`);
    const e = outcome.enrollment;
    if (e) {
      await this.db.run(PLANS.upsertEnrollment, [job.partner_id, job.environment, e.userId, e.template, e.imageKey, smileJobId, ts], c);
      await this.recordTemplateChange(c, { partnerId: job.partner_id as string, environment: job.environment as Environment }, e.userId);
    }
    if (outcome.callback) await this.insertDelivery(c, smileJobId, outcome.callback.url, outcome.callback.body);
  }

  async listUserJobs(partnerId: string, environment: Environment, userId: string): Promise<JobRecord[]> {
    return (await this.db.run(PLANS.listUserJobs, [partnerId, environment, userId])).rows.map(jobFromRow);
  }

  private async insertDelivery(c: Queryable, smileJobId: number, url: string, body: Record<string, unknown>): Promise<number> {
    const { rows } = await this.db.run<{ id: number }>(PLANS.insertDelivery, [smileJobId, url, JSON.stringify(body), now(), destinationKey(url)], c);
    return rows[0].id;
  }

  private deliveryFromRow(r: Row): CallbackDelivery {
    const log = r.log as Row[];
    return {
      id: r.id as number,
      smileJobId: r.smile_job_id as number,
      url: r.url as string,
      body: r.body as Record<string, unknown>,
      state: r.state as CallbackDelivery['state'],
      attempts: r.attempts as number,
      createdAt: r.created_at as string,
      deliveredAt: (r.delivered_at as string | null) ?? null,
      log: log.map((a) => ({
        attempt: a.attempt as number,
        // Inside JSON, a timestamptz is in PostgreSQL's own format; the record carries ISO strings.
        at: new Date(a.at as string).toISOString(),
        status: (a.status as number | null) ?? null,
        error: (a.error as string | null) ?? null,
        durationMs: a.duration_ms as number,
      })),
    };
  }

  async getDelivery(deliveryId: number): Promise<CallbackDelivery | null> {
    const { rows } = await this.db.run(PLANS.getDelivery, [deliveryId]);
    return rows[0] ? this.deliveryFromRow(rows[0]) : null;
  }

  async listDeliveries(smileJobId: number): Promise<CallbackDelivery[]> {
    return (await this.db.run(PLANS.listDeliveries, [smileJobId])).rows.map((r) => this.deliveryFromRow(r));
  }

  async recordDeliveryAttempt(deliveryId: number, attempt: Omit<CallbackAttempt, 'attempt'>, outcome: 'delivered' | 'retry' | 'failed'): Promise<void> {
    const state = outcome === 'retry' ? 'pending' : outcome;
    const values = [deliveryId, state, outcome === 'delivered' ? attempt.at : null, attempt.at, attempt.status, attempt.error, Math.round(attempt.durationMs)];
    if ((await this.db.run(PLANS.recordDeliveryAttempt, values)).rowCount !== 1) throw new Error(`callback delivery ${deliveryId} does not exist`);
  }

  async enqueueCallback(smileJobId: number, url: string, body: Record<string, unknown>): Promise<number> {
    return this.insertDelivery(this.db.pool, smileJobId, url, body);
  }

  async getImageRetention(partnerId: string, environment: Environment): Promise<number | null> {
    const { rows } = await this.db.run<{ days: number }>(PLANS.getImageRetention, [partnerId, environment]);
    return rows[0]?.days ?? null;
  }

  async setImageRetention(partnerId: string, environment: Environment, days: number | null): Promise<void> {
    if (days === null) await this.db.run(PLANS.clearImageRetention, [partnerId, environment]);
    else await this.db.run(PLANS.setImageRetention, [partnerId, environment, days]);
  }

  async leaseExpiredImages(partnerId: string, environment: Environment, before: string, limit: number, leaseMs: number): Promise<ExpiredImage[]> {
    const { rows } = await this.db.run(PLANS.leaseExpiredImages, [partnerId, environment, before, limit, leaseMs]);
    return rows.map((r) => ({ smileJobId: r.smile_job_id as number, role: r.role as ExpiredImage['role'], index: r.idx as number, blobKey: r.blob_key as string }));
  }

  async dropJobImages(images: ExpiredImage[]): Promise<void> {
    await this.db.transaction(async (c) => {
      for (const img of images) await this.db.run(PLANS.dropJobImage, [img.smileJobId, img.role, img.index], c);
    });
  }

  async resealSecrets(reseal: (sealed: Buffer, kind: SealedKind, context: string) => Buffer | null): Promise<Record<SealedKind, number>> {
    const count: Record<SealedKind, number> = { apiKey: 0, template: 0 };
    for (const r of (await this.db.run<Row>(PLANS.listSealedApiKeys)).rows) {
      const next = reseal(r.sealed_key as Buffer, 'apiKey', '');
      if (next) count.apiKey += (await this.db.run(PLANS.resealApiKey, [next, r.partner_id, r.environment, r.sealed_key])).rowCount ?? 0;
    }
    let after = ['', '', ''];
    for (;;) {
      const { rows } = await this.db.run<Row>(PLANS.listSealedTemplates, [...after, 200]);
      for (const r of rows) {
        const next = reseal(r.template as Buffer, 'template', templateContext(r.partner_id as string, r.environment as string, r.user_id as string));
        if (next) count.template += (await this.db.run(PLANS.resealTemplate, [next, r.partner_id, r.environment, r.user_id, r.template])).rowCount ?? 0;
      }
      if (rows.length < 200) return count;
      const last = rows[rows.length - 1];
      after = [last.partner_id as string, last.environment as string, last.user_id as string];
    }
  }

  async workStats(): Promise<WorkStats> {
    const [tasks, review] = await Promise.all([this.db.run(PLANS.taskBacklog), this.db.run(PLANS.reviewBacklog)]);
    return workStatsFrom(tasks.rows, review.rows[0]);
  }
}
