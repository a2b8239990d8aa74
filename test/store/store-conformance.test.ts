/**
 * @file One conformance suite, run unchanged on every backend (embedded SQLite + local directory; PostgreSQL + S3):
 * keys sealed, unique job ids, atomic state changes, a durable queue with leases, fencing and backoff, deletion that
 * forgets the biometric data, portal state any node can read, and blobs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/store/open-storage.js';
import type { Storage, StorageConfig } from '../../src/store/storage.js';
import { LeaseLostError } from '../../src/store/task-token.js';
import { DuplicateJobError, type JobResult, type NewJob } from '../../src/store/types.js';
import { DuplicateAccountError } from '../../src/store/portal-types.js';
import { backendConfig, BACKENDS } from '../helpers/backends.js';

const newJob = (partnerId: string, jobId: string, extra: Partial<NewJob> = {}): NewJob => ({
  partnerId,
  environment: 'production',
  jobId,
  userId: 'u1',
  jobType: 4,
  callbackUrl: null,
  partnerParams: { user_id: 'u1', job_id: jobId, job_type: 4 },
  options: { useEnrolledImage: false, allowReenroll: false, source: 'v1' },
  uploadTokenHash: `hash-${partnerId}-${jobId}-${extra.environment ?? 'production'}`,
  uploadExpiresAt: new Date(Date.now() + 60_000).toISOString(),
  ...extra,
});

const approved = (): JobResult => ({
  resultCode: '0810',
  resultText: 'ok',
  category: 'approved',
  actions: { Liveness_Check: 'Passed' },
  confidence: 99,
  jobSuccess: true,
  isFinalResult: true,
  isMachineResult: true,
  reasons: [],
  scores: { similarity: 0.8 },
  completedAt: new Date().toISOString(),
});

describe.each(BACKENDS)('%s backend', (backend) => {
  let dir: string;
  let config: StorageConfig;
  let s: Storage;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'likeness-store-'));
    config = await backendConfig(backend, dir);
    s = await openStorage(config);
  });
  afterEach(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('partners and keys', () => {
    it('issues zero-padded partner ids; keys round-trip through the seal; rotation replaces at once', async () => {
      const a = await s.records.createPartner('A', { sandbox: 'sandbox-key-a', production: 'production-key-a' });
      const b = await s.records.createPartner('B', { sandbox: 's', production: 'p' });
      expect([a.partnerId, b.partnerId]).toEqual(['001', '002']);
      expect((await s.records.listPartners()).map((p) => p.name)).toEqual(['A', 'B']);
      expect(await s.records.getApiKey('001', 'production')).toBe('production-key-a');
      await s.records.rotateApiKey('001', 'production', 'new');
      expect(await s.records.getApiKey('001', 'production')).toBe('new');
      await expect(s.records.rotateApiKey('009', 'production', 'x')).rejects.toThrow(/no production key/);
      await s.close();
      s = await openStorage(config);
      expect(await s.records.getApiKey('001', 'sandbox')).toBe('sandbox-key-a');
      expect(await s.records.getPartner('003')).toBeNull();
    });
  });

  describe('jobs', () => {
    it('refuses a duplicate job_id per partner and environment, not across them', async () => {
      await s.records.createJob(newJob('001', 'j1'));
      await expect(s.records.createJob(newJob('001', 'j1', { uploadTokenHash: 'other' }))).rejects.toBeInstanceOf(DuplicateJobError);
      await expect(s.records.createJob(newJob('001', 'j1', { environment: 'sandbox' }))).resolves.toBeTruthy();
      await expect(s.records.createJob(newJob('002', 'j1'))).resolves.toBeTruthy();
    });

    it('round-trips a job record exactly', async () => {
      const created = await s.records.createJob(newJob('001', 'j1', { callbackUrl: 'https://cb.example/x', partnerParams: { b: 1, a: [1, 'x'] } }));
      expect(created).toMatchObject({ jobId: 'j1', state: 'awaiting_upload', callbackUrl: 'https://cb.example/x', partnerParams: { b: 1, a: [1, 'x'] }, result: null });
      expect(Object.keys(created.partnerParams)).toEqual(['b', 'a']);
      const { processTaskId, ...record } = created;
      expect(processTaskId).toBeNull();
      expect(await s.records.getJob('001', 'production', 'j1')).toEqual(record);
      expect(await s.records.getJobBySmileId(created.smileJobId)).toEqual(record);
      expect(Number.isSafeInteger(created.smileJobId)).toBe(true);
      expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);
    });

    it('accepts one upload only, recording images and a task together', async () => {
      const job = await s.records.createJob(newJob('001', 'j1'));
      expect(await s.records.getJobByUploadToken('hash-001-j1-production')).toMatchObject({ jobId: 'j1', state: 'awaiting_upload' });
      const images = [{ role: 'selfie' as const, index: 0, blobKey: 'k0' }];
      expect(await s.records.acceptUpload(job.smileJobId, images)).toBe(true);
      expect(await s.records.acceptUpload(job.smileJobId, images)).toBe(false);
      // The used token still names its job, so a second PUT is told the zip was already received (409 2393).
      expect(await s.records.getJobByUploadToken('hash-001-j1-production')).toMatchObject({ jobId: 'j1', state: 'queued' });
      expect(await s.records.getJobImages(job.smileJobId)).toEqual(images);
      const task = await s.queue.claim(['process_job'], 60_000);
      expect(task).toMatchObject({ kind: 'process_job', payload: { smileJobId: job.smileJobId }, attempts: 1 });
    });

    it('renews an upload token only while the job awaits its upload', async () => {
      const job = await s.records.createJob(newJob('001', 'j1'));
      expect(await s.records.renewUploadToken(job.smileJobId, 'renewed', new Date(Date.now() + 1000).toISOString())).toBe(true);
      expect(await s.records.getJobByUploadToken('renewed')).toMatchObject({ jobId: 'j1' });
      await s.records.acceptUpload(job.smileJobId, []);
      expect(await s.records.renewUploadToken(job.smileJobId, 'again', new Date().toISOString())).toBe(false);
    });

    it('completes a job, its enrolment and its callback in one transaction, and completes its task', async () => {
      const job = await s.records.createJob(newJob('001', 'j1', { callbackUrl: 'https://cb.example/x' }));
      await s.records.acceptUpload(job.smileJobId, [{ role: 'selfie', index: 0, blobKey: 'k0' }]);
      const task = (await s.queue.claim(['process_job'], 60_000))!;
      const result = approved();
      await s.records.completeJob(
        job.smileJobId,
        { state: 'complete', result, enrollment: { userId: 'u1', template: new Float32Array([0.6, 0.8]), imageKey: 'k0', replace: false }, callback: { url: 'https://cb.example/x', body: { ResultCode: '0810', z: 1, a: 2 } } },
        task.id,
      );
      const user = await s.records.getUser('001', 'production', 'u1');
      expect(Array.from(user!.template!)).toEqual([Float32Array.of(0.6)[0], Float32Array.of(0.8)[0]]);
      expect(user).toMatchObject({ status: 'active', imageKey: 'k0', enrolledSmileJobId: job.smileJobId });
      expect((await s.records.getJobBySmileId(job.smileJobId))!.result).toEqual(result);
      expect((await s.records.listUserJobs('001', 'production', 'u1')).map((j) => j.jobId)).toEqual(['j1']);
      const deliveries = await s.records.listDeliveries(job.smileJobId);
      expect(deliveries).toHaveLength(1);
      expect(Object.keys(deliveries[0].body)).toEqual(['ResultCode', 'z', 'a']);
      expect(await s.queue.claim(['deliver_callback'], 1000)).toMatchObject({ payload: { deliveryId: deliveries[0].id } });
      expect(await s.queue.claim(['process_job'], 1000)).toBeNull();
    });

    it('a worker whose lease was taken over writes nothing: one final result', async () => {
      const job = await s.records.createJob(newJob('001', 'j1', { callbackUrl: 'https://cb.example/x' }));
      await s.records.acceptUpload(job.smileJobId, []);
      const stale = (await s.queue.claim(['process_job'], 1))!;
      await new Promise((r) => setTimeout(r, 20));
      const current = (await s.queue.claim(['process_job'], 60_000))!;
      expect(current.attempts).toBe(2);
      const outcome = { state: 'complete' as const, result: approved(), callback: { url: 'https://cb.example/x', body: {} } };
      await expect(s.records.completeJob(job.smileJobId, outcome, stale.id)).rejects.toBeInstanceOf(LeaseLostError);
      expect((await s.records.getJobBySmileId(job.smileJobId))!.result).toBeNull();
      expect(await s.records.listDeliveries(job.smileJobId)).toEqual([]);
      await expect(s.queue.finish(stale.id)).rejects.toBeInstanceOf(LeaseLostError);
      await s.records.completeJob(job.smileJobId, outcome, current.id);
      expect(await s.records.listDeliveries(job.smileJobId)).toHaveLength(1);
    });

    it('deleting a user removes its template and returns every image key to remove', async () => {
      const job = await s.records.createJob(newJob('001', 'j1'));
      await s.records.acceptUpload(job.smileJobId, [{ role: 'selfie', index: 0, blobKey: 'k0' }, { role: 'liveness', index: 0, blobKey: 'k1' }]);
      await s.records.completeJob(job.smileJobId, { state: 'complete', result: approved(), enrollment: { userId: 'u1', template: new Float32Array([1]), imageKey: 'k0', replace: false } }, null);
      expect(await s.records.setUserStatus('001', 'production', 'u1', 'disabled')).toBe(true);
      expect((await s.records.listUsers('001', 'production', { limit: 10, offset: 0 })).map((u) => u.status)).toEqual(['disabled']);
      expect((await s.records.deleteUser('001', 'production', 'u1'))!.sort()).toEqual(['k0', 'k1']);
      expect(await s.records.getUser('001', 'production', 'u1')).toMatchObject({ status: 'deleted', template: null, imageKey: null });
      expect(await s.records.setUserStatus('001', 'production', 'u1', 'active')).toBe(false);
      expect(await s.records.getJobImages(job.smileJobId)).toEqual([]);
      expect(await s.records.deleteUser('001', 'production', 'nobody')).toBeNull();
    });

    it('logs callback attempts and replays a delivery with its own task', async () => {
      const job = await s.records.createJob(newJob('001', 'j1'));
      const id = await s.records.enqueueCallback(job.smileJobId, 'https://cb.example/y', { ResultCode: '0810' });
      await s.records.recordDeliveryAttempt(id, { at: new Date().toISOString(), status: 500, error: 'HTTP 500', durationMs: 12.4 }, 'retry');
      await s.records.recordDeliveryAttempt(id, { at: new Date().toISOString(), status: 200, error: null, durationMs: 3 }, 'delivered');
      const d = (await s.records.getDelivery(id))!;
      expect(d).toMatchObject({ state: 'delivered', attempts: 2, url: 'https://cb.example/y', body: { ResultCode: '0810' } });
      expect(d.log.map((a) => [a.attempt, a.status, a.durationMs])).toEqual([[1, 500, 12], [2, 200, 3]]);
      expect(d.deliveredAt).not.toBeNull();
      expect(await s.queue.claim(['deliver_callback'], 1000)).toMatchObject({ payload: { deliveryId: id } });
    });
  });

  describe('template changes (the face index follows them) and the duplicate policy', () => {
    const enrol = async (userId: string, template: number[], environment: 'production' | 'sandbox' = 'production') => {
      const job = await s.records.createJob(newJob('001', `j-${userId}-${environment}`, { userId, environment }));
      await s.records.completeJob(job.smileJobId, { state: 'complete', result: approved(), enrollment: { userId, template: new Float32Array(template), imageKey: `k-${userId}`, replace: false } }, null);
    };
    const changes = async (afterSeq: number, limit = 100) =>
      (await s.records.listTemplateChanges('001', 'production', afterSeq, limit)).map((c) => [c.userId, c.seq, c.template && Array.from(c.template)]);

    it('numbers every enrolment, status change and deletion of an environment in order; only active users carry a template', async () => {
      await s.records.createPartner('A', { sandbox: 's', production: 'p' });
      const heard: unknown[] = [];
      const stop = s.records.onTemplatesChanged((scope) => heard.push(scope));
      // null: the subscription is live (PostgreSQL: once LISTEN has run), so every later commit is heard.
      for (let i = 0; i < 250 && !heard.includes(null); i++) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toEqual([null]);
      await enrol('u1', [0.6, 0.8]);
      await enrol('u2', [1, 0]);
      await enrol('u3', [0, 1], 'sandbox');
      expect(await changes(0)).toEqual([['u1', 1, [0.6000000238418579, 0.800000011920929]], ['u2', 2, [1, 0]]]);
      expect(await changes(0, 1)).toEqual([['u1', 1, [0.6000000238418579, 0.800000011920929]]]);
      expect(await s.records.setUserStatus('001', 'production', 'u1', 'disabled')).toBe(true);
      expect(await changes(2)).toEqual([['u1', 3, null]]);
      await s.records.setUserStatus('001', 'production', 'u1', 'active');
      await s.records.deleteUser('001', 'production', 'u2');
      expect(await changes(3)).toEqual([['u1', 4, [0.6000000238418579, 0.800000011920929]], ['u2', 5, null]]);
      expect((await s.records.listTemplateChanges('001', 'sandbox', 0, 100)).map((c) => [c.userId, c.seq])).toEqual([['u3', 1]]);
      // Re-enrolment is a change too.
      await enrol('u1-again', [1, 0]);
      expect((await changes(5)).map((c) => c[0])).toEqual(['u1-again']);
      // Every node hears of each committed change, with its scope (PostgreSQL: NOTIFY, delivered on commit).
      const heardOf = (environment: string) => heard.filter((h) => JSON.stringify(h) === JSON.stringify({ partnerId: '001', environment })).length;
      // Up to 5 s: on a loaded machine notifications arrive late.
      for (let i = 0; i < 250 && (heardOf('production') < 6 || heardOf('sandbox') < 1); i++) await new Promise((r) => setTimeout(r, 20));
      stop();
      expect(heardOf('sandbox')).toBeGreaterThanOrEqual(1);
      expect(heardOf('production')).toBeGreaterThanOrEqual(6);
    });

    it('keeps the duplicate policy per partner environment, flag by default', async () => {
      await s.records.createPartner('A', { sandbox: 's', production: 'p' });
      expect(await s.records.getDedupPolicy('001', 'production')).toBe('flag');
      await s.records.setDedupPolicy('001', 'production', 'reject');
      await s.records.setDedupPolicy('001', 'production', 'review');
      expect(await s.records.getDedupPolicy('001', 'production')).toBe('review');
      expect(await s.records.getDedupPolicy('001', 'sandbox')).toBe('flag');
    });
  });

  describe('durable queue', () => {
    it('a callback task carries its destination, and a claim passes over the destinations it is told to skip', async () => {
      const job = await s.records.createJob(newJob('001', 'j1'));
      const hung = await s.records.enqueueCallback(job.smileJobId, 'https://Hung.example/cb', {});
      const other = await s.records.enqueueCallback(job.smileJobId, 'http://ok.example:8080/cb', {});
      expect(await s.queue.claim(['deliver_callback'], 60_000, ['hung.example:443'])).toMatchObject({ payload: { deliveryId: other, destination: 'ok.example:8080' } });
      expect(await s.queue.claim(['deliver_callback'], 60_000, ['hung.example:443'])).toBeNull();
      expect(await s.queue.claim(['deliver_callback'], 60_000)).toMatchObject({ payload: { deliveryId: hung, destination: 'hung.example:443' } });
    });

    it('a leased task is invisible until its lease runs out or a restart takes it back', async () => {
      const job = await s.records.createJob(newJob('001', 'j1'));
      await s.records.acceptUpload(job.smileJobId, []);
      const first = await s.queue.claim(['process_job'], 60_000);
      expect(first).not.toBeNull();
      expect(await s.queue.claim(['process_job'], 60_000)).toBeNull();
      expect(await s.queue.recover()).toBe(0);
      expect(await s.queue.recover(true)).toBe(1);
      expect(await s.queue.claim(['process_job'], 60_000)).toMatchObject({ kind: 'process_job', attempts: 2 });
    });

    it('a synchronous job is created with its processing task leased to the request: a crash leaves it to a worker', async () => {
      const sync = (jobId: string, processLeaseMs: number) =>
        s.records.createJob(newJob('001', jobId, { uploadTokenHash: null, uploadExpiresAt: null, images: [{ role: 'selfie', index: 0, blobKey: `k-${jobId}` }], processLeaseMs }));
      // The request finishes it: its completion finishes the task, nothing is left for a worker.
      const done = await sync('j1', 60_000);
      expect(done.processTaskId).not.toBeNull();
      expect(await s.queue.claim(['process_job'], 60_000)).toBeNull();
      await s.records.completeJob(done.smileJobId, { state: 'complete', result: approved() }, done.processTaskId);
      // Its process died: a restart (embedded) or the lease running out (cluster) hands the job to a worker.
      const crashed = await sync('j2', 60_000);
      expect(await s.queue.claim(['process_job'], 60_000)).toBeNull();
      expect(await s.queue.recover(true)).toBe(1);
      expect(await s.queue.claim(['process_job'], 60_000)).toMatchObject({ payload: { smileJobId: crashed.smileJobId }, attempts: 2 });
      const expired = await sync('j3', 50);
      await new Promise((r) => setTimeout(r, 80));
      const task = (await s.queue.claim(['process_job'], 60_000))!;
      expect(task).toMatchObject({ payload: { smileJobId: expired.smileJobId }, attempts: 2 });
      // The request that lost its lease writes nothing; the worker's result stands.
      await expect(s.records.completeJob(expired.smileJobId, { state: 'complete', result: approved() }, expired.processTaskId)).rejects.toBeInstanceOf(LeaseLostError);
      await s.records.completeJob(expired.smileJobId, { state: 'complete', result: approved() }, task.id);
      expect((await s.records.getJobBySmileId(expired.smileJobId))!.state).toBe('complete');
    });

    it('an expired lease is claimed again without a recovery pass (another worker takes over)', async () => {
      const job = await s.records.createJob(newJob('001', 'j1'));
      await s.records.acceptUpload(job.smileJobId, []);
      await s.queue.claim(['process_job'], 50);
      expect(await s.queue.claim(['process_job'], 60_000)).toBeNull();
      expect((await s.queue.nextDueAt(['process_job']))!.getTime()).toBeLessThan(Date.now() + 1000);
      await new Promise((r) => setTimeout(r, 80));
      expect(await s.queue.claim(['process_job'], 60_000)).toMatchObject({ attempts: 2 });
    });

    it('a heartbeat keeps a slow but alive worker\'s lease; once lost, it cannot be extended again', async () => {
      const job = await s.records.createJob(newJob('001', 'j1'));
      await s.records.acceptUpload(job.smileJobId, []);
      const t = (await s.queue.claim(['process_job'], 150))!;
      // Three heartbeats carry the lease well past its first 150 ms: nobody else may take the task meanwhile.
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        expect(await s.queue.extend(t.id, 150)).toBe(true);
        expect(await s.queue.claim(['process_job'], 60_000)).toBeNull();
      }
      // The worker stops beating (it died): the lease runs out and another worker claims the task.
      await new Promise((r) => setTimeout(r, 200));
      const takeover = (await s.queue.claim(['process_job'], 60_000))!;
      expect(takeover.attempts).toBe(2);
      // The first worker comes back: its heartbeat says the lease is lost, and the new holder keeps it.
      expect(await s.queue.extend(t.id, 60_000)).toBe(false);
      expect(await s.queue.extend(takeover.id, 60_000)).toBe(true);
      await s.queue.finish(takeover.id);
      expect(await s.queue.extend(takeover.id, 60_000)).toBe(false);
    });

    it('tells a worker when its own kinds of task are due, not another kind\'s (it would poll without pause)', async () => {
      const job = await s.records.createJob(newJob('001', 'j1'));
      await s.records.acceptUpload(job.smileJobId, []);
      // A job is ready now; the callback loops have nothing due and must sleep their full idle time.
      expect((await s.queue.nextDueAt(['process_job']))!.getTime()).toBeLessThanOrEqual(Date.now());
      expect(await s.queue.nextDueAt(['deliver_callback'])).toBeNull();
      await s.queue.claim(['process_job'], 60_000);
      expect(await s.queue.nextDueAt(['deliver_callback'])).toBeNull();
      expect((await s.queue.nextDueAt(['process_job', 'deliver_callback']))!.getTime()).toBeGreaterThan(Date.now() + 30_000);
    });

    it('a failed task is retried at its time, or given up', async () => {
      const job = await s.records.createJob(newJob('001', 'j1'));
      await s.records.acceptUpload(job.smileJobId, []);
      const t = (await s.queue.claim(['process_job'], 60_000))!;
      await s.queue.fail(t.id, 'boom', new Date(Date.now() + 60_000));
      expect(await s.queue.claim(['process_job'], 60_000)).toBeNull();
      expect((await s.queue.nextDueAt(['process_job']))!.getTime()).toBeGreaterThan(Date.now() + 30_000);
      await s.close();
      s = await openStorage(config);
      expect(await s.queue.claim(['process_job'], 60_000)).toBeNull();
    });

    it('retries a task scheduled in the past at once, and a dead task never comes back', async () => {
      const job = await s.records.createJob(newJob('001', 'j1'));
      await s.records.acceptUpload(job.smileJobId, []);
      const t = (await s.queue.claim(['process_job'], 60_000))!;
      await s.queue.fail(t.id, 'boom', new Date(Date.now() - 1));
      const again = (await s.queue.claim(['process_job'], 60_000))!;
      expect(again.attempts).toBe(2);
      await s.queue.fail(again.id, 'gave up', null);
      expect(await s.queue.claim(['process_job'], 60_000)).toBeNull();
      expect(await s.queue.nextDueAt(['process_job'])).toBeNull();
    });

    it('hands each task to exactly one of many concurrent claimers', async () => {
      for (let i = 0; i < 10; i++) {
        const job = await s.records.createJob(newJob('001', `j${i}`));
        await s.records.acceptUpload(job.smileJobId, []);
      }
      const other = await openStorage(config);
      try {
        const claims = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? other : s).queue.claim(['process_job'], 60_000)));
        const ids = claims.filter((t) => t !== null).map((t) => t!.payload.smileJobId);
        expect(ids).toHaveLength(10);
        expect(new Set(ids).size).toBe(10);
      } finally {
        await other.close();
      }
    });

    it('signals waiting workers when work is committed', async () => {
      let woken = 0;
      const stop = s.queue.onWork(() => woken++);
      // The cluster's listener connects asynchronously; give it a moment before enqueueing.
      await new Promise((r) => setTimeout(r, 200));
      const job = await s.records.createJob(newJob('001', 'j1'));
      await s.records.acceptUpload(job.smileJobId, []);
      await expect.poll(() => woken, { timeout: 3000 }).toBeGreaterThan(0);
      stop();
    });
  });

  describe('rate limits', () => {
    it('a token bucket per key: the burst at once, then the sustained rate, with the exact wait; shared by every handle', async () => {
      const take = (st: Storage, key: string, now: number) => st.rateLimits.takeToken(key, 4, 2, now);
      const t0 = 1_000_000;
      expect([await take(s, 'a', t0), await take(s, 'a', t0)]).toEqual([0, 0]);
      expect(await take(s, 'a', t0)).toBe(250);
      expect(await take(s, 'b', t0)).toBe(0);
      // Another node (another handle on the same store) spends from the same bucket.
      const other = await openStorage(config);
      try {
        expect(await take(other, 'a', t0 + 100)).toBeCloseTo(150);
        expect(await take(other, 'a', t0 + 250)).toBe(0);
        expect(await take(s, 'a', t0 + 250)).toBe(250);
      } finally {
        await other.close();
      }
      // Idle time refills up to the burst, never beyond; a clock behind the last use refills nothing.
      expect([await take(s, 'a', t0 + 60_000), await take(s, 'a', t0 + 60_000), await take(s, 'a', t0 + 60_000)]).toEqual([0, 0, 250]);
      expect(await take(s, 'a', t0 + 30_000)).toBe(250);
    });

    it('concurrent takes never hand out more than the burst', async () => {
      const now = Date.now();
      const waits = await Promise.all(Array.from({ length: 20 }, () => s.rateLimits.takeToken('c', 0.001, 5, now)));
      expect(waits.filter((w) => w === 0)).toHaveLength(5);
    });
  });

  describe('portal', () => {
    it('accounts are unique by email whatever the case; sessions, login failures and claims are shared state', async () => {
      const p = await s.records.createPartner('A', { sandbox: 's', production: 'p' });
      const account = await s.portal.createAccount({ partnerId: p.partnerId, email: 'Admin@Example.test', role: 'admin', passwordHash: 'h' });
      await expect(s.portal.createAccount({ partnerId: p.partnerId, email: 'admin@example.test', role: 'reviewer', passwordHash: 'h' })).rejects.toBeInstanceOf(DuplicateAccountError);
      expect((await s.portal.getAccountByEmail('ADMIN@example.test'))!.id).toBe(account.id);
      await s.portal.createSession('tok', account.id, 'csrf', new Date(Date.now() + 60_000));
      const other = await openStorage(config);
      try {
        expect(await other.portal.getSession('tok')).toMatchObject({ csrfToken: 'csrf', account: { email: 'Admin@Example.test' } });
        await s.portal.recordLoginFailure('admin@example.test', '10.0.0.1', new Date());
        await s.portal.recordLoginFailure('x@example.test', '10.0.0.1', new Date());
        expect(await other.portal.countLoginFailures('Admin@Example.test', '10.0.0.1', new Date(Date.now() - 60_000))).toEqual({ account: 1, ip: 2 });
        const job = await s.records.createJob(newJob(p.partnerId, 'j1', { uploadTokenHash: null, uploadExpiresAt: null }));
        await s.records.completeJob(job.smileJobId, { state: 'review', result: { ...approved(), category: 'provisional' } }, null);
        const reviewer = await s.portal.createAccount({ partnerId: p.partnerId, email: 'r@example.test', role: 'reviewer', passwordHash: 'h' });
        const now = new Date();
        expect(await s.portal.claimReview(job.smileJobId, account.id, now, 60_000)).toMatchObject({ ok: true });
        expect(await other.portal.claimReview(job.smileJobId, reviewer.id, now, 60_000)).toMatchObject({ ok: false, reason: 'held' });
        expect((await other.portal.listReviewQueue(p.partnerId, 'production', 10))[0].claim).toMatchObject({ accountId: account.id });
        expect(await other.portal.countReviewQueue(p.partnerId, 'production')).toBe(1);
        // A decision consumes the claim and completes the job together: only the holder, only once.
        const decided = { state: 'complete' as const, result: { ...approved(), isMachineResult: false }, callback: { url: 'https://cb.example.test/', body: { x: 1 } } };
        expect(await other.records.completeReview(job.smileJobId, reviewer.id, now, decided)).toBe(false);
        expect(await other.records.completeReview(job.smileJobId, account.id, new Date(now.getTime() + 61_000), decided)).toBe(false);
        expect((await s.records.getJobBySmileId(job.smileJobId))!.state).toBe('review');
        expect(await other.records.completeReview(job.smileJobId, account.id, now, decided)).toBe(true);
        expect(await s.records.completeReview(job.smileJobId, account.id, now, decided)).toBe(false);
        expect((await s.records.getJobBySmileId(job.smileJobId))!.state).toBe('complete');
        expect(await s.records.listDeliveries(job.smileJobId)).toHaveLength(1);
        expect(await s.portal.getClaim(job.smileJobId, now)).toBeNull();
        const page = await other.portal.listJobs({ partnerId: p.partnerId, environment: 'production', category: 'approved' }, { limit: 10 });
        expect(page.jobs.map((j) => [j.jobId, j.resultCode])).toEqual([['j1', '0810']]);
        await s.portal.appendAudit({ partnerId: p.partnerId, accountId: account.id, actorEmail: account.email, action: 'job.view', environment: 'production', target: 'j1', detail: null });
        expect((await other.portal.listAudit(p.partnerId, { limit: 5 }))[0]).toMatchObject({ action: 'job.view', target: 'j1' });
        expect(await other.portal.deleteAccount('ADMIN@example.test')).toBe(true);
        expect(await s.portal.getSession('tok')).toBeNull();
      } finally {
        await other.close();
      }
    });
  });

  describe('blobs', () => {
    it('stores, reads and deletes; a missing key reads as null; unsafe keys are refused', async () => {
      const data = Buffer.from('jpeg bytes '.repeat(1000));
      await s.blobs.put('production/001/1/selfie-0-ab.img', data);
      const other = await openStorage(config);
      try {
        // Another node (no shared memory cache) reads the same bytes.
        expect((await other.blobs.get('production/001/1/selfie-0-ab.img'))!.equals(data)).toBe(true);
        await other.blobs.delete(['production/001/1/selfie-0-ab.img']);
        expect(await other.blobs.get('production/001/1/selfie-0-ab.img')).toBeNull();
      } finally {
        await other.close();
      }
      await expect(s.blobs.put('../escape', data)).rejects.toThrow(/invalid blob key/);
    });

    it('keeps images that go together as one pack: each member read by its key on any node, all deleted with one', async () => {
      const frames = [Buffer.from('frame one'), Buffer.alloc(0), Buffer.from('frame three '.repeat(500))];
      const keys = await s.blobs.putPack('production/001/2/liveness-ab.pack', frames);
      const other = await openStorage(config);
      try {
        expect(await Promise.all(keys.map((k) => other.blobs.get(k)))).toEqual(frames);
        expect(await other.blobs.get('production/001/2/liveness-ab.pack#3')).toBeNull();
        await other.blobs.delete([keys[1]]);
        expect(await Promise.all(keys.map((k) => other.blobs.get(k)))).toEqual([null, null, null]);
        expect(await other.blobs.holdsAny()).toBe(false);
      } finally {
        await other.close();
      }
    });
  });
});
