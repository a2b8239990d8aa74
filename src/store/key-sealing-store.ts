/**
 * @file API keys encrypted at rest whichever backend holds them: this wraps a RecordBackend, sealing keys on the
 * way in and opening them on the way out, so no backend ever sees a key in the clear (and a copy between backends
 * moves sealed bytes only).
 */
import type { SecretBox } from './secret-box.js';
import type { CallbackAttempt, CompletedJob, DedupPolicy, Environment, JobImage, NewJob, RecordBackend, RecordStore, TemplateScope } from './types.js';

export class KeySealingStore implements RecordStore {
  constructor(
    private readonly inner: RecordBackend,
    private readonly secrets: SecretBox,
  ) {}

  createPartner(name: string, keys: Record<Environment, string>) {
    const sealed = Object.fromEntries(Object.entries(keys).map(([env, key]) => [env, this.secrets.seal(key)])) as Record<Environment, Buffer>;
    return this.inner.createPartner(name, sealed);
  }

  async getApiKey(partnerId: string, environment: Environment) {
    const sealed = await this.inner.getSealedApiKey(partnerId, environment);
    return sealed ? this.secrets.open(sealed) : null;
  }

  rotateApiKey(partnerId: string, environment: Environment, newKey: string) {
    return this.inner.rotateSealedApiKey(partnerId, environment, this.secrets.seal(newKey));
  }

  getPartner(partnerId: string) {
    return this.inner.getPartner(partnerId);
  }

  listPartners() {
    return this.inner.listPartners();
  }

  getUser(partnerId: string, environment: Environment, userId: string) {
    return this.inner.getUser(partnerId, environment, userId);
  }

  listUsers(partnerId: string, environment: Environment, page: { limit: number; offset: number }) {
    return this.inner.listUsers(partnerId, environment, page);
  }

  setUserStatus(partnerId: string, environment: Environment, userId: string, status: 'active' | 'disabled') {
    return this.inner.setUserStatus(partnerId, environment, userId, status);
  }

  deleteUser(partnerId: string, environment: Environment, userId: string) {
    return this.inner.deleteUser(partnerId, environment, userId);
  }

  listTemplateChanges(partnerId: string, environment: Environment, afterSeq: number, limit: number) {
    return this.inner.listTemplateChanges(partnerId, environment, afterSeq, limit);
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

  completeJob(smileJobId: number, outcome: CompletedJob, taskId: string | null) {
    return this.inner.completeJob(smileJobId, outcome, taskId);
  }

  completeReview(smileJobId: number, accountId: number, now: Date, outcome: CompletedJob) {
    return this.inner.completeReview(smileJobId, accountId, now, outcome);
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
}
