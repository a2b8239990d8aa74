/**
 * @file `likeness migrate`: an embedded installation copied into PostgreSQL + S3 keeps its ids, keys (re-sealed
 * under the cluster's master key), jobs, results, enrolments, callbacks, portal accounts, audit trail and images;
 * a second run changes nothing; a cluster node then serves the copied data and carries on numbering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartnerWithKeys } from '../../src/jobs/api-keys.js';
import { migrateIntoCluster } from '../../src/store/migrate-embedded.js';
import { openStorage } from '../../src/store/open-storage.js';
import type { JobResult } from '../../src/store/types.js';
import { freshBlobsUrl, freshDatabase, useTestS3Credentials } from '../helpers/backends.js';

describe.skipIf(!process.env.LIKENESS_TEST_PG_URL)('likeness migrate (embedded → cluster)', () => {
  let dir: string;
  let databaseUrl: string;
  let blobsUrl: string;
  let keys: { sandbox: string; production: string };
  let smileJobId: number;
  const image = Buffer.from('selfie bytes '.repeat(500));

  beforeAll(async () => {
    useTestS3Credentials();
    dir = mkdtempSync(join(tmpdir(), 'likeness-migrate-'));
    databaseUrl = await freshDatabase();
    blobsUrl = freshBlobsUrl();
    const saved = process.env.LIKENESS_MASTER_KEY;
    delete process.env.LIKENESS_MASTER_KEY; // the embedded installation has its own key file
    const s = await openStorage({ dataDir: dir });
    process.env.LIKENESS_MASTER_KEY = saved;
    const created = await createPartnerWithKeys(s.records, 'Embedded partner');
    keys = created.keys;
    const job = await s.records.createJob({
      partnerId: '001', environment: 'production', jobId: 'm1', userId: 'mu', jobType: 4, callbackUrl: 'https://cb.example/x',
      partnerParams: { user_id: 'mu', job_id: 'm1', job_type: 4 }, options: { useEnrolledImage: false, allowReenroll: false, source: 'v1' },
      uploadTokenHash: 'tok', uploadExpiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    smileJobId = job.smileJobId;
    await s.blobs.put('production/001/1/selfie-0-aa.img', image);
    await s.records.acceptUpload(job.smileJobId, [{ role: 'selfie', index: 0, blobKey: 'production/001/1/selfie-0-aa.img' }]);
    const task = (await s.queue.claim(['process_job'], 60_000))!;
    const result: JobResult = {
      resultCode: '0810', resultText: 'Enroll User', category: 'approved', actions: {}, confidence: 99, jobSuccess: true, isFinalResult: true,
      isMachineResult: true, reasons: [], scores: {}, completedAt: new Date().toISOString(),
    };
    await s.records.completeJob(job.smileJobId, { state: 'complete', result, enrollment: { userId: 'mu', template: new Float32Array([0.25, 0.5]), imageKey: 'production/001/1/selfie-0-aa.img', replace: false }, callback: { url: 'https://cb.example/x', body: { ResultCode: '0810' } } }, task.id);
    const account = await s.portal.createAccount({ partnerId: '001', email: 'admin@example.test', role: 'admin', passwordHash: 'scrypt$x' });
    await s.portal.appendAudit({ partnerId: '001', accountId: account.id, actorEmail: account.email, action: 'key.rotate', environment: 'production', target: null, detail: null });
    await s.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('copies everything, verifies counts and image hashes, and is idempotent', async () => {
    const first = await migrateIntoCluster(dir, databaseUrl, blobsUrl);
    expect(first.ok).toBe(true);
    expect(Object.fromEntries(first.tables.map((t) => [t.table, t.source]))).toMatchObject({ partners: 1, api_keys: 2, users: 1, jobs: 1, job_images: 1, tasks: 1, callback_deliveries: 1, portal_accounts: 1, portal_audit: 1 });
    expect(first.images).toMatchObject({ total: 1, copied: 1, missing: [], mismatched: [] });
    const again = await migrateIntoCluster(dir, databaseUrl, blobsUrl);
    expect(again.ok).toBe(true);
    expect(again.tables).toEqual(first.tables);
    expect(again.images.copied).toBe(0);
  });

  it('a cluster node serves the copied data and continues the numbering', async () => {
    const c = await openStorage({ dataDir: mkdtempSync(join(tmpdir(), 'likeness-migrated-')), databaseUrl, blobsUrl });
    try {
      expect(await c.records.getApiKey('001', 'production')).toBe(keys.production);
      const job = await c.records.getJob('001', 'production', 'm1');
      expect(job).toMatchObject({ smileJobId, state: 'complete', result: { resultCode: '0810' } });
      expect(Array.from((await c.records.getUser('001', 'production', 'mu'))!.template!)).toEqual([0.25, 0.5]);
      expect((await c.blobs.get('production/001/1/selfie-0-aa.img'))!.equals(image)).toBe(true);
      expect(await c.records.listDeliveries(smileJobId)).toHaveLength(1);
      expect(await c.queue.claim(['deliver_callback'], 60_000)).toMatchObject({ payload: { deliveryId: (await c.records.listDeliveries(smileJobId))[0].id } });
      expect((await c.portal.getAccountByEmail('ADMIN@example.test'))!.passwordHash).toBe('scrypt$x');
      expect((await c.portal.listAudit('001', { limit: 5 }))[0].action).toBe('key.rotate');
      expect((await c.records.createPartner('Next', { sandbox: 's', production: 'p' })).partnerId).toBe('002');
      const next = await c.records.createJob({
        partnerId: '001', environment: 'production', jobId: 'm2', userId: 'mu', jobType: 2, callbackUrl: null, partnerParams: {},
        options: { useEnrolledImage: false, allowReenroll: false, source: 'v1' }, uploadTokenHash: null, uploadExpiresAt: null,
      });
      expect(next.smileJobId).toBeGreaterThan(smileJobId);
    } finally {
      await c.close();
    }
  });
});
