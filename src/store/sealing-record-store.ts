/**
 * @file API keys and face templates encrypted at rest whichever backend holds them: this wraps a RecordBackend,
 * sealing them on the way in and opening them on the way out, so no backend ever sees either in the clear (and a
 * copy between backends moves sealed bytes only). API keys are sealed by the master key; each template gets its
 * own envelope (envelope.ts), bound to its user.
 */
import type { Envelope } from './envelope.js';
import type {
  CallbackAttempt,
  CompletedJob,
  DedupPolicy,
  EnrolledUser,
  Environment,
  ExpiredImage,
  JobImage,
  NewJob,
  RecordBackend,
  RecordStore,
  StoredUser,
  TemplateScope,
} from './types.js';

/** The envelope context of a template: a sealed template copied to another user's row does not open. */
export const templateContext = (partnerId: string, environment: string, userId: string) => `template:${partnerId}/${environment}/${userId}`;

function toTemplate(plain: Buffer): Float32Array {
  const copy = new Uint8Array(plain.byteLength);
  copy.set(plain);
  return new Float32Array(copy.buffer);
}

export class SealingRecordStore implements RecordStore {
  constructor(
    private readonly inner: RecordBackend,
    private readonly envelope: Envelope,
  ) {}

  createPartner(name: string, keys: Record<Environment, string>) {
    const sealed = Object.fromEntries(Object.entries(keys).map(([env, key]) => [env, this.envelope.current.seal(key)])) as Record<Environment, Buffer>;
    return this.inner.createPartner(name, sealed);
  }

  async getApiKey(partnerId: string, environment: Environment) {
    const sealed = await this.inner.getSealedApiKey(partnerId, environment);
    return sealed ? this.envelope.openSecret(sealed) : null;
  }

  async getApiKeyAndJob(partnerId: string, environment: Environment, jobId: string) {
    const { sealedKey, job } = await this.inner.getSealedApiKeyAndJob(partnerId, environment, jobId);
    return { apiKey: sealedKey ? this.envelope.openSecret(sealedKey) : null, job };
  }

  rotateApiKey(partnerId: string, environment: Environment, newKey: string) {
    return this.inner.rotateSealedApiKey(partnerId, environment, this.envelope.current.seal(newKey));
  }

  private openUser(u: StoredUser): EnrolledUser {
    const template = u.template && toTemplate(this.envelope.decrypt(u.template, templateContext(u.partnerId, u.environment, u.userId)));
    return { ...u, template };
  }

  /** The outcome with its enrolment's template sealed for the job's partner environment. */
  private async sealOutcome(smileJobId: number, outcome: CompletedJob): Promise<CompletedJob<Buffer>> {
    const e = outcome.enrollment;
    if (!e) return { ...outcome, enrollment: undefined };
    const job = await this.inner.getJobBySmileId(smileJobId);
    if (!job) throw new Error(`job ${smileJobId} does not exist`);
    const plain = Buffer.from(e.template.buffer, e.template.byteOffset, e.template.byteLength);
    return { ...outcome, enrollment: { ...e, template: this.envelope.encrypt(plain, templateContext(job.partnerId, job.environment, e.userId)) } };
  }

  getPartner(partnerId: string) {
    return this.inner.getPartner(partnerId);
  }

  listPartners() {
    return this.inner.listPartners();
  }

  async getUser(partnerId: string, environment: Environment, userId: string) {
    const user = await this.inner.getUser(partnerId, environment, userId);
    return user && this.openUser(user);
  }

  async listTemplateChanges(partnerId: string, environment: Environment, afterSeq: number, limit: number) {
    const changes = await this.inner.listTemplateChanges(partnerId, environment, afterSeq, limit);
    return changes.map((c) => ({ ...c, template: c.template && toTemplate(this.envelope.decrypt(c.template, templateContext(partnerId, environment, c.userId))) }));
  }

  onTemplatesChanged(listener: (scope: TemplateScope | null) => void) {
    return this.inner.onTemplatesChanged(listener);
  }

  getDedupPolicy(partnerId: string, environment: Environment) {
    return this.inner.getDedupPolicy(partnerId, environment);
  }

  setDedupPolicy(partnerId: string, environment: Environment, policy: DedupPolicy) {
    return this.inner.setDedupPolicy(partnerId, environment, policy);
  }

  async listUsers(partnerId: string, environment: Environment, page: { limit: number; offset: number }) {
    return (await this.inner.listUsers(partnerId, environment, page)).map((u) => this.openUser(u));
  }

  setUserStatus(partnerId: string, environment: Environment, userId: string, status: 'active' | 'disabled') {
    return this.inner.setUserStatus(partnerId, environment, userId, status);
  }

  deleteUser(partnerId: string, environment: Environment, userId: string) {
    return this.inner.deleteUser(partnerId, environment, userId);
  }

  createJob(job: NewJob) {
    return this.inner.createJob(job);
  }

  getJob(partnerId: string, environment: Environment, jobId: string) {
    return this.inner.getJob(partnerId, environment, jobId);
  }

  getJobBySmileId(smileJobId: number) {
    return this.inner.getJobBySmileId(smileJobId);
  }

  getJobByUploadToken(tokenHash: string) {
    return this.inner.getJobByUploadToken(tokenHash);
  }

  getJobImages(smileJobId: number) {
    return this.inner.getJobImages(smileJobId);
  }

  renewUploadToken(smileJobId: number, tokenHash: string, expiresAt: string) {
    return this.inner.renewUploadToken(smileJobId, tokenHash, expiresAt);
  }

  acceptUpload(smileJobId: number, images: JobImage[]) {
    return this.inner.acceptUpload(smileJobId, images);
  }

  async completeJob(smileJobId: number, outcome: CompletedJob, taskId: string | null) {
    return this.inner.completeJob(smileJobId, await this.sealOutcome(smileJobId, outcome), taskId);
  }

  async completeReview(smileJobId: number, accountId: number, now: Date, outcome: CompletedJob) {
    return this.inner.completeReview(smileJobId, accountId, now, await this.sealOutcome(smileJobId, outcome));
  }

  listUserJobs(partnerId: string, environment: Environment, userId: string) {
    return this.inner.listUserJobs(partnerId, environment, userId);
  }

  getDelivery(deliveryId: number) {
    return this.inner.getDelivery(deliveryId);
  }

  listDeliveries(smileJobId: number) {
    return this.inner.listDeliveries(smileJobId);
  }

  recordDeliveryAttempt(deliveryId: number, attempt: Omit<CallbackAttempt, 'attempt'>, outcome: 'delivered' | 'retry' | 'failed') {
    return this.inner.recordDeliveryAttempt(deliveryId, attempt, outcome);
  }

  enqueueCallback(smileJobId: number, url: string, body: Record<string, unknown>) {
    return this.inner.enqueueCallback(smileJobId, url, body);
  }

  getImageRetention(partnerId: string, environment: Environment) {
    return this.inner.getImageRetention(partnerId, environment);
  }

  setImageRetention(partnerId: string, environment: Environment, days: number | null) {
    return this.inner.setImageRetention(partnerId, environment, days);
  }

  leaseExpiredImages(partnerId: string, environment: Environment, before: string, limit: number, leaseMs: number) {
    return this.inner.leaseExpiredImages(partnerId, environment, before, limit, leaseMs);
  }

  dropJobImages(images: ExpiredImage[]) {
    return this.inner.dropJobImages(images);
  }

  workStats() {
    return this.inner.workStats();
  }
}
