/**
 * @file Retention and deletion, checked in the storage itself on every backend: the purge removes expired job
 * images (rows and objects) per partner environment, keeps templates, registered selfies and jobs under review,
 * writes what it removed to the audit log, and two purgers at once remove each image once. Deleting a user leaves
 * no image, template or image record of that user anywhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { purgeExpiredImages, RetentionPurger, RETENTION_ACTOR } from '../../src/jobs/image-retention.js';
import { deleteUser } from '../../src/jobs/user-admin.js';
import { openBackend, openStorage } from '../../src/store/open-storage.js';
import type { Storage, StorageConfig } from '../../src/store/storage.js';
import type { Environment, JobResult } from '../../src/store/types.js';
import { backendConfig, BACKENDS, storedImageKeys } from '../helpers/backends.js';

const DAY = 24 * 3_600_000;
const result: JobResult = {
  resultCode: '0810', resultText: 'ok', category: 'approved', actions: {}, confidence: 99, jobSuccess: true,
  isFinalResult: true, isMachineResult: true, reasons: [], scores: {}, completedAt: new Date().toISOString(),
};

interface Made {
  smileJobId: number;
  keys: string[];
}

/** A job with a selfie and two liveness frames stored; `enrol` registers the selfie; `review` leaves it in review. */
async function job(s: Storage, partnerId: string, env: Environment, name: string, userId: string, opts: { enrol?: boolean; review?: boolean } = {}): Promise<Made> {
  const keys = ['selfie', 'liveness-0', 'liveness-1'].map((k) => `jobs/${partnerId}/${env}/${name}/${name}-${k}.jpg`);
  await Promise.all(keys.map((k) => s.blobs.put(k, Buffer.from(`image ${k}`))));
  const created = await s.records.createJob({
    partnerId, environment: env, jobId: name, userId, jobType: opts.enrol ? 4 : 2, callbackUrl: null, partnerParams: {},
    options: { useEnrolledImage: false, allowReenroll: true, source: 'v2' }, uploadTokenHash: null, uploadExpiresAt: null,
    images: keys.map((blobKey, i) => ({ role: i === 0 ? 'selfie' : 'liveness', index: i === 0 ? 0 : i - 1, blobKey })),
  });
  const enrollment = opts.enrol ? { userId, template: new Float32Array(512).fill(0.5), imageKey: keys[0], replace: true } : undefined;
  await s.records.completeJob(created.smileJobId, { result, state: opts.review ? 'review' : 'complete', enrollment }, null);
  return { smileJobId: created.smileJobId, keys };
}

const names = (keys: string[]) => keys.map((k) => k.split('/').pop()!).sort();

describe.each(BACKENDS)('%s backend', (backend) => {
  let dir: string;
  let config: StorageConfig;
  let s: Storage;
  let partnerId: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'likeness-retention-'));
    config = await backendConfig(backend, dir);
    s = await openStorage(config);
    partnerId = (await s.records.createPartner('P', { sandbox: 's', production: 'p' })).partnerId;
  });
  afterEach(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('purges expired job images per partner environment, once, and records it in the audit log', async () => {
    const enrolled = await job(s, partnerId, 'production', 'enrol', 'alice', { enrol: true });
    const auth = await job(s, partnerId, 'production', 'auth', 'alice');
    const inReview = await job(s, partnerId, 'production', 'review', 'bob', { review: true });
    const sandbox = await job(s, partnerId, 'sandbox', 'sbx', 'carol');
    await s.records.setImageRetention(partnerId, 'sandbox', 60);
    const deps = (st: Storage) => ({ store: st.records, blobs: st.blobs, portal: st.portal, defaultDays: 30 });

    // Within 30 days nothing goes.
    expect(await purgeExpiredImages(deps(s), new Date(Date.now() + 29 * DAY))).toEqual([]);

    // 40 days on: production images go (the default), except the registered selfie and the job under review;
    // two purgers at once (another node) remove each image once.
    const other = await openStorage(config);
    const at = new Date(Date.now() + 40 * DAY);
    const runs = await Promise.all([purgeExpiredImages(deps(s), at), purgeExpiredImages(deps(other), at)]);
    await other.close();
    expect(runs.flat().reduce((n, r) => n + r.images, 0)).toBe(5);
    const kept = [enrolled.keys[0], ...inReview.keys, ...sandbox.keys];
    expect(names(await storedImageKeys(config))).toEqual(names(kept));
    expect((await s.records.getJobImages(enrolled.smileJobId)).map((i) => i.blobKey)).toEqual([enrolled.keys[0]]);
    expect(await s.records.getJobImages(auth.smileJobId)).toEqual([]);
    expect(await s.records.getJobImages(inReview.smileJobId)).toHaveLength(3);
    expect((await s.records.getUser(partnerId, 'production', 'alice'))!.template).not.toBeNull();
    const audit = (await s.portal.listAudit(partnerId, { limit: 10 })).filter((e) => e.action === 'retention.purge');
    expect(audit.map((e) => [e.actorEmail, e.environment])).toEqual(audit.map(() => [RETENTION_ACTOR, 'production']));
    expect(audit.reduce((n, e) => n + Number(e.target!.split(' ')[0]), 0)).toBe(5);
    expect(audit.map((e) => e.detail).join(' ')).toContain(String(auth.smileJobId));

    // The sandbox keeps its images 60 days.
    expect(await purgeExpiredImages(deps(s), new Date(Date.now() + 61 * DAY))).toEqual([{ partnerId, environment: 'sandbox', days: 60, images: 3 }]);
    expect(names(await storedImageKeys(config))).toEqual(names([enrolled.keys[0], ...inReview.keys]));
  });

  it('a worker purges in the background, periodically, and stops cleanly', async () => {
    const made = await job(s, partnerId, 'production', 'auth', 'alice');
    await s.records.setImageRetention(partnerId, 'production', 0);
    const purger = new RetentionPurger({ store: s.records, blobs: s.blobs, portal: s.portal, defaultDays: 30 }, pino({ level: 'silent' }), 1000);
    purger.start();
    try {
      await expect.poll(() => s.records.getJobImages(made.smileJobId), { timeout: 10_000, interval: 200 }).toEqual([]);
    } finally {
      await purger.stop();
    }
    expect(await storedImageKeys(config)).toEqual([]);
  });

  it('deleting a user leaves no image, template or image record of that user', async () => {
    const enrolled = await job(s, partnerId, 'production', 'enrol', 'alice', { enrol: true });
    const auth = await job(s, partnerId, 'production', 'auth', 'alice');
    const otherUser = await job(s, partnerId, 'production', 'bob-enrol', 'bob', { enrol: true });
    await deleteUser(s.records, s.blobs, partnerId, 'production', 'alice');

    expect(names(await storedImageKeys(config))).toEqual(names(otherUser.keys));
    for (const key of [...enrolled.keys, ...auth.keys]) expect(await s.blobs.get(key)).toBeNull();
    const raw = await openBackend(config);
    try {
      const row = (await raw.records.getUser(partnerId, 'production', 'alice'))!;
      expect([row.status, row.template, row.imageKey]).toEqual(['deleted', null, null]);
      expect(await raw.records.getJobImages(enrolled.smileJobId)).toEqual([]);
      expect(await raw.records.getJobImages(auth.smileJobId)).toEqual([]);
      expect((await raw.records.getUser(partnerId, 'production', 'bob'))!.template).not.toBeNull();
      expect(await raw.records.getJobImages(otherUser.smileJobId)).toHaveLength(3);
    } finally {
      await raw.close();
    }
  });
});
