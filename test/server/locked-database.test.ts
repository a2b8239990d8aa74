/**
 * @file A locked SQLite database does not freeze the server: while another process holds an exclusive lock, writes
 * fail fast with a retryable 503 (nothing written), reads and /health keep answering at once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceEngine } from '../../src/engine/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { holdExclusiveLock } from '../helpers/sqlite-lock.js';
import { jobStatus, prepUpload } from '../helpers/smile-client.js';

/** No job runs here: an engine that is never called spares loading the models. */
const idleEngine = { close: async () => {} } as unknown as FaceEngine;

describe('a database locked by another process', () => {
  let ts: TestServer;

  beforeAll(async () => {
    ts = await startTestServer({ engine: idleEngine });
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('answers writes with a retryable 503 at once, and keeps serving reads and /health', async () => {
    expect((await prepUpload(ts, { userId: 'u-before', jobId: 'before-lock', jobType: 4 })).status).toBe(200);
    const lock = await holdExclusiveLock(join(ts.dataDir, 'likeness.db'), 4000);
    const started = Date.now();
    const timed = async <T>(p: Promise<T>) => {
      const t = Date.now();
      const value = await p;
      return { value, ms: Date.now() - t };
    };
    const [writes, health, read] = await Promise.all([
      Promise.all(Array.from({ length: 5 }, (_, i) => timed(prepUpload(ts, { userId: `u-${i}`, jobId: `locked-${i}`, jobType: 4 })))),
      // Started while the writes wait: the event loop must be free to answer it.
      new Promise((r) => setTimeout(r, 20)).then(() => timed(fetch(`${ts.origin}/health/live`).then((r) => r.status))),
      new Promise((r) => setTimeout(r, 20)).then(() => timed(jobStatus(ts, 'u-before', 'before-lock'))),
    ]);
    expect(Date.now() - started).toBeLessThan(3000);
    for (const w of writes) {
      expect(w.value.status).toBe(503);
      expect(w.value.body).toMatchObject({ code: '2299' });
    }
    expect(health.value).toBe(200);
    expect(health.ms).toBeLessThan(1000);
    expect(read.value.status).toBe(200);
    expect(read.ms).toBeLessThan(1000);
    await lock.released;
    // Nothing was written by the refused requests; once the lock is gone, the same request succeeds.
    expect((await prepUpload(ts, { userId: 'u-0', jobId: 'locked-0', jobType: 4 })).status).toBe(200);
  });
});
