/**
 * @file The embedded store's guarantees: keys encrypted at rest, unique job ids, atomic state changes, a durable
 * queue whose leases survive crashes, and deletion that forgets the biometric data.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/store/secret-box.js';
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.js';
import { DuplicateJobError, type NewJob } from '../../src/store/types.js';

let dir: string;
let store: SqliteRecordStore;
const box = () => new SecretBox(Buffer.alloc(32, 7));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-store-'));
  store = new SqliteRecordStore(join(dir, 'db.sqlite'), box());
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const newJob = (partnerId: string, jobId: string, extra: Partial<NewJob> = {}): NewJob => ({
  partnerId,
  environment: 'production',
  jobId,
  userId: 'u1',
  jobType: 4,
  callbackUrl: null,
  partnerParams: { user_id: 'u1', job_id: jobId, job_type: 4 },
  options: { useEnrolledImage: false, allowReenroll: false, source: 'v1' },
  uploadTokenHash: `hash-${jobId}`,
  uploadExpiresAt: new Date(Date.now() + 60_000).toISOString(),
  ...extra,
});

describe('partners and keys', () => {
  it('issues zero-padded partner ids and keeps keys encrypted at rest', async () => {
    const a = await store.createPartner('A', { sandbox: 'sandbox-secret-key-aaaa', production: 'production-secret-key-aaaa' });
    const b = await store.createPartner('B', { sandbox: 's', production: 'p' });
    expect([a.partnerId, b.partnerId]).toEqual(['001', '002']);
    expect(await store.getApiKey('001', 'production')).toBe('production-secret-key-aaaa');
    await store.close();
    const raw = readFileSync(join(dir, 'db.sqlite'));
    expect(raw.includes(Buffer.from('production-secret-key-aaaa'))).toBe(false);
    store = new SqliteRecordStore(join(dir, 'db.sqlite'), box());
    expect(await store.getApiKey('001', 'sandbox')).toBe('sandbox-secret-key-aaaa');
  });

  it('rotation replaces the key at once; a wrong master key cannot read it', async () => {
    await store.createPartner('A', { sandbox: 's', production: 'old' });
    await store.rotateApiKey('001', 'production', 'new');
    expect(await store.getApiKey('001', 'production')).toBe('new');
    await store.close();
    store = new SqliteRecordStore(join(dir, 'db.sqlite'), new SecretBox(Buffer.alloc(32, 8)));
    await expect(store.getApiKey('001', 'production')).rejects.toThrow();
  });
});

describe('jobs', () => {
  it('refuses a duplicate job_id per partner and environment, not across them', async () => {
    await store.createJob(newJob('001', 'j1'));
    await expect(store.createJob(newJob('001', 'j1', { uploadTokenHash: 'other' }))).rejects.toBeInstanceOf(DuplicateJobError);
    await expect(store.createJob(newJob('001', 'j1', { environment: 'sandbox', uploadTokenHash: 'h2' }))).resolves.toBeTruthy();
    await expect(store.createJob(newJob('002', 'j1', { uploadTokenHash: 'h3' }))).resolves.toBeTruthy();
  });

  it('accepts one upload only, recording images and a task together', async () => {
    const job = await store.createJob(newJob('001', 'j1'));
    expect(await store.getJobByUploadToken('hash-j1')).toMatchObject({ jobId: 'j1', state: 'awaiting_upload' });
    const images = [{ role: 'selfie' as const, index: 0, blobKey: 'k0' }];
    expect(await store.acceptUpload(job.smileJobId, images)).toBe(true);
    expect(await store.acceptUpload(job.smileJobId, images)).toBe(false);
    // The token still finds the job, now queued, so a second PUT is told the zip already arrived (2393).
    expect(await store.getJobByUploadToken('hash-j1')).toMatchObject({ jobId: 'j1', state: 'queued' });
    expect(await store.getJobImages(job.smileJobId)).toEqual(images);
    const task = await store.claimTask(['process_job'], 60_000);
    expect(task).toMatchObject({ kind: 'process_job', payload: { smileJobId: job.smileJobId }, attempts: 1 });
  });

  it('completes a job, its enrolment and its callback in one transaction', async () => {
    const job = await store.createJob(newJob('001', 'j1', { callbackUrl: 'https://cb.example/x' }));
    await store.acceptUpload(job.smileJobId, [{ role: 'selfie', index: 0, blobKey: 'k0' }]);
    const task = (await store.claimTask(['process_job'], 60_000))!;
    const template = new Float32Array([0.6, 0.8]);
    await store.completeJob(
      job.smileJobId,
      {
        state: 'complete',
        result: { resultCode: '0810', resultText: 'ok', category: 'approved', actions: {}, confidence: 99, jobSuccess: true, isFinalResult: true, isMachineResult: true, reasons: [], scores: {}, completedAt: new Date().toISOString() },
        enrollment: { userId: 'u1', template, imageKey: 'k0', replace: false },
        callback: { url: 'https://cb.example/x', body: { ResultCode: '0810' } },
      },
      task.id,
    );
    const user = await store.getUser('001', 'production', 'u1');
    expect(Array.from(user!.template!)).toEqual([Float32Array.of(0.6)[0], Float32Array.of(0.8)[0]]);
    expect((await store.getJobBySmileId(job.smileJobId))!.result!.resultCode).toBe('0810');
    const deliveries = await store.listDeliveries(job.smileJobId);
    expect(deliveries).toHaveLength(1);
    expect(await store.claimTask(['deliver_callback'], 1000)).toMatchObject({ payload: { deliveryId: deliveries[0].id } });
    expect(await store.claimTask(['process_job'], 1000)).toBeNull();
  });

  it('deleting a user removes its template and returns every image key to remove', async () => {
    const job = await store.createJob(newJob('001', 'j1'));
    await store.acceptUpload(job.smileJobId, [{ role: 'selfie', index: 0, blobKey: 'k0' }, { role: 'liveness', index: 0, blobKey: 'k1' }]);
    await store.completeJob(
      job.smileJobId,
      {
        state: 'complete',
        result: { resultCode: '0810', resultText: 'ok', category: 'approved', actions: {}, confidence: 99, jobSuccess: true, isFinalResult: true, isMachineResult: true, reasons: [], scores: {}, completedAt: new Date().toISOString() },
        enrollment: { userId: 'u1', template: new Float32Array([1]), imageKey: 'k0', replace: false },
      },
      null,
    );
    expect((await store.deleteUser('001', 'production', 'u1'))!.sort()).toEqual(['k0', 'k1']);
    const user = await store.getUser('001', 'production', 'u1');
    expect(user).toMatchObject({ status: 'deleted', template: null, imageKey: null });
    expect(await store.getJobImages(job.smileJobId)).toEqual([]);
    expect(await store.deleteUser('001', 'production', 'nobody')).toBeNull();
  });
});

describe('durable queue', () => {
  it('a leased task is invisible until its lease runs out or a restart takes it back', async () => {
    const job = await store.createJob(newJob('001', 'j1'));
    await store.acceptUpload(job.smileJobId, []);
    const first = await store.claimTask(['process_job'], 60_000);
    expect(first).not.toBeNull();
    expect(await store.claimTask(['process_job'], 60_000)).toBeNull();
    expect(await store.recoverTasks()).toBe(0);
    expect(await store.recoverTasks(true)).toBe(1);
    expect(await store.claimTask(['process_job'], 60_000)).toMatchObject({ id: first!.id, attempts: 2 });
  });

  it('a failed task is retried at its time, or given up', async () => {
    const job = await store.createJob(newJob('001', 'j1'));
    await store.acceptUpload(job.smileJobId, []);
    const t = (await store.claimTask(['process_job'], 60_000))!;
    await store.failTask(t.id, 'boom', new Date(Date.now() + 60_000));
    expect(await store.claimTask(['process_job'], 60_000)).toBeNull();
    expect((await store.nextTaskAt())!.getTime()).toBeGreaterThan(Date.now());
    await store.failTask(t.id, 'boom', new Date(Date.now() - 1));
    const again = (await store.claimTask(['process_job'], 60_000))!;
    await store.failTask(again.id, 'gave up', null);
    expect(await store.claimTask(['process_job'], 60_000)).toBeNull();
  });
});

describe('background WAL checkpoints (server mode)', () => {
  it('moves the log into the database off the main connection and leaves an empty log on close', async () => {
    await store.close();
    const file = join(dir, 'server.sqlite');
    store = new SqliteRecordStore(file, box(), { backgroundCheckpoints: true });
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await store.createPartner('A', { sandbox: 's', production: 'p' });
    for (let i = 0; i < 50; i++) await store.createJob(newJob('001', `j${i}`, { uploadTokenHash: `h${i}` }));
    // The checkpoint thread copies committed pages into the main file within about a second.
    await expect.poll(() => statSync(file).size, { timeout: 5000 }).toBeGreaterThan(8192);
    await store.close();
    expect(statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
    store = new SqliteRecordStore(file, box());
    expect(await store.getJob('001', 'production', 'j49')).not.toBeNull();
  });
});
