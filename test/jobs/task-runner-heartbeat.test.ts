/**
 * @file A worker running a job longer than its lease keeps the job (its runner extends the lease), so a slow but
 * alive worker's job is not handed to a second worker; the lease still runs out soon after a worker stops beating.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskRunner } from '../../src/jobs/task-runner.js';
import { openStorage } from '../../src/store/open-storage.js';
import type { Storage } from '../../src/store/storage.js';
import type { Task } from '../../src/store/types.js';
import { backendConfig, BACKENDS } from '../helpers/backends.js';

describe.each(BACKENDS)('%s backend', (backend) => {
  let dir: string;
  let s: Storage;
  let other: Storage;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'likeness-heartbeat-'));
    const config = await backendConfig(backend, dir);
    s = await openStorage(config);
    // A second worker process on the same store (for embedded, a second handle on the same file).
    other = await openStorage(config);
  });
  afterEach(async () => {
    await other.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a job running for three leases stays with its worker; the second worker never gets it', async () => {
    const job = await s.records.createJob({
      partnerId: '001',
      environment: 'production',
      jobId: 'slow',
      userId: 'u1',
      jobType: 4,
      callbackUrl: null,
      partnerParams: { user_id: 'u1', job_id: 'slow', job_type: 4 },
      options: { useEnrolledImage: false, allowReenroll: false, source: 'v1' },
      uploadTokenHash: 'hash-slow',
      uploadExpiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await s.records.acceptUpload(job.smileJobId, []);
    const leaseMs = 600;
    const handled: Task[] = [];
    let finished!: () => void;
    const done = new Promise<void>((r) => (finished = r));
    const runner = new TaskRunner(s.queue, pino({ level: 'silent' }), {
      name: 'slow',
      kinds: ['process_job'],
      concurrency: 1,
      leaseMs,
      maxIdleMs: 50,
      handle: async (task) => {
        handled.push(task);
        try {
          await new Promise((r) => setTimeout(r, leaseMs * 3));
          await s.queue.finish(task.id);
        } finally {
          finished();
        }
      },
      onError: async () => {},
    });
    runner.start();
    try {
      await expect.poll(() => handled.length, { timeout: 5000 }).toBe(1);
      // The second worker keeps asking while the first one works past its lease several times over.
      const stolen: Task[] = [];
      const until = Date.now() + leaseMs * 2.5;
      while (Date.now() < until) {
        const t = await other.queue.claim(['process_job'], 60_000);
        if (t) stolen.push(t);
        await new Promise((r) => setTimeout(r, 50));
      }
      await done;
      expect(stolen).toEqual([]);
      // Finished by its worker, once: nothing is left for anybody.
      expect(await other.queue.claim(['process_job'], 60_000)).toBeNull();
      expect(handled).toHaveLength(1);
    } finally {
      await runner.stop();
    }
  });
});
