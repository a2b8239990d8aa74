/**
 * @file Review decisions are one atomic operation: two reviewers racing on one job produce one decision and one
 * callback, on every backend. The store is slowed down (each write waits) so that the race window, if there is one,
 * is wide open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobContext } from '../../src/jobs/context.js';
import { createJobMetrics } from '../../src/jobs/job-metrics.js';
import { Registry } from 'prom-client';
import { claimReview, decideReview } from '../../src/jobs/human-review.js';
import { openStorage } from '../../src/store/open-storage.js';
import type { Storage } from '../../src/store/storage.js';
import type { RecordStore } from '../../src/store/types.js';
import { backendConfig, BACKENDS } from '../helpers/backends.js';

/** A record store whose job-completing writes start only after a pause (a slow database, a busy node). */
function slowWrites(store: RecordStore, ms: number): RecordStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const slow = typeof prop === 'string' && /^complete/.test(prop);
      return async (...args: unknown[]) => {
        if (slow) await new Promise((r) => setTimeout(r, ms));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe.each(BACKENDS)('%s backend', (backend) => {
  let dir: string;
  let s: Storage;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'likeness-review-'));
    s = await openStorage(await backendConfig(backend, dir));
  });
  afterEach(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two reviewers deciding one job concurrently: one decision, one callback', async () => {
    const p = await s.records.createPartner('A', { sandbox: 's', production: 'p' });
    const first = await s.portal.createAccount({ partnerId: p.partnerId, email: 'a@example.test', role: 'reviewer', passwordHash: 'h' });
    const second = await s.portal.createAccount({ partnerId: p.partnerId, email: 'b@example.test', role: 'reviewer', passwordHash: 'h' });
    const job = await s.records.createJob({
      partnerId: p.partnerId,
      environment: 'production',
      jobId: 'j1',
      userId: 'u1',
      jobType: 2,
      callbackUrl: 'https://partner.example.test/cb',
      partnerParams: { user_id: 'u1', job_id: 'j1', job_type: 2 },
      options: { useEnrolledImage: false, allowReenroll: false, source: 'v1' },
      uploadTokenHash: null,
      uploadExpiresAt: null,
    });
    const provisional = {
      resultCode: '0812',
      resultText: 'Under review',
      category: 'provisional' as const,
      actions: {},
      confidence: 50,
      jobSuccess: false,
      isFinalResult: false,
      isMachineResult: true,
      reasons: [],
      scores: {},
      completedAt: new Date().toISOString(),
    };
    await s.records.completeJob(job.smileJobId, { state: 'review', result: provisional }, null);

    const ctx = { store: slowWrites(s.records, 300), blobs: s.blobs, queue: s.queue, log: pino({ level: 'silent' }), metrics: createJobMetrics(new Registry()) } as unknown as JobContext;
    const a = { accountId: first.id, partnerId: p.partnerId };
    const b = { accountId: second.id, partnerId: p.partnerId };
    await claimReview(ctx, s.portal, a, job.smileJobId);
    const decisions = await Promise.allSettled([
      decideReview(ctx, s.portal, a, job.smileJobId, false, 'not the same person'),
      // The second reviewer tries while the first decision is being written: claim, then decide.
      (async () => {
        await new Promise((r) => setTimeout(r, 100));
        await claimReview(ctx, s.portal, b, job.smileJobId);
        return decideReview(ctx, s.portal, b, job.smileJobId, true, 'looks fine');
      })(),
    ]);
    expect(decisions.map((d) => d.status)).toEqual(['fulfilled', 'rejected']);
    expect((await s.records.listDeliveries(job.smileJobId)).length).toBe(1);
    const final = await s.records.getJobBySmileId(job.smileJobId);
    expect(final).toMatchObject({ state: 'complete', result: { category: 'rejected', isMachineResult: false } });
    expect(await s.portal.getClaim(job.smileJobId, new Date())).toBeNull();
  });
});
