/**
 * @file Continuous synchronous /v2 traffic must not starve queued v1 jobs: the engine is shared between the two
 * classes, so queued jobs keep finishing at about the rate of the v2 requests however many v2 clients there are.
 * Real engine (one worker, so the two classes compete for it), real photos.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { generateSignature } from '../../src/protocol/signature.js';
import { burstFrames, HAS_SHARED } from '../helpers/shared-data.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { jobZip, prepUpload, putZip, waitForJob } from '../helpers/smile-client.js';

const V2_CLIENTS = 4;
const V1_JOBS = 4;

describe.skipIf(!HAS_SHARED)('engine scheduling between /v2 requests and queued v1 jobs', () => {
  let engine: FaceEngine;
  let ts: TestServer;
  let frames: Buffer[];

  beforeAll(async () => {
    engine = await createEngine({ workers: 1 });
    ts = await startTestServer({ engine, config: { engineWorkers: 1, jobConcurrency: 1 } });
    frames = burstFrames('live-1').map((f) => readFileSync(f));
  });
  afterAll(async () => {
    await ts?.close();
    await engine?.close();
  });

  async function v2Request(n: number): Promise<number> {
    const form = new FormData();
    form.append('selfie_image', new Blob([new Uint8Array(frames[0])], { type: 'image/jpeg' }), 'selfie.jpg');
    for (const frame of frames.slice(4)) form.append('liveness_images', new Blob([new Uint8Array(frame)], { type: 'image/jpeg' }), 'liveness.jpg');
    form.append('user_id', `fair-v2-${n}`);
    const { signature, timestamp } = generateSignature(ts.productionKey, ts.partnerId);
    const res = await fetch(`${ts.origin}/v2/smart-selfie-enroll`, {
      method: 'POST',
      headers: { 'SmileID-Partner-ID': ts.partnerId, 'SmileID-Request-Signature': signature, 'SmileID-Timestamp': timestamp },
      body: form,
    });
    await res.arrayBuffer();
    return res.status;
  }

  it(`queued v1 jobs progress while ${V2_CLIENTS} /v2 clients send continuously`, async () => {
    let running = true;
    let v2Done = 0;
    let n = 0;
    const clients = Array.from({ length: V2_CLIENTS }, async () => {
      while (running) {
        expect(await v2Request(++n)).toBe(200);
        v2Done++;
      }
    });
    // v2 traffic is under way before the v1 jobs are queued.
    await expect.poll(() => v2Done, { timeout: 60_000 }).toBeGreaterThan(0);
    const v2Before = v2Done;
    const jobs = Array.from({ length: V1_JOBS }, (_, i) => ({ user_id: `fair-v1-${i}`, job_id: `fair-j-${i}`, job_type: 4 }));
    for (const p of jobs) {
      const prep = await prepUpload(ts, { userId: p.user_id, jobId: p.job_id, jobType: 4 });
      expect(prep.status, JSON.stringify(prep.body)).toBe(200);
      expect((await putZip(prep.body.upload_url, await jobZip(p, { selfie: frames[0], liveness: frames.slice(4) }))).status).toBe(200);
    }
    await Promise.all(jobs.map((p) => waitForJob(ts, p.user_id, p.job_id, 'production', 120_000)));
    const v2During = v2Done - v2Before;
    running = false;
    await Promise.all(clients);
    console.log(`${V1_JOBS} queued v1 jobs finished while ${V2_CLIENTS} /v2 clients finished ${v2During} requests`);
    // Fair shares: about one v2 request per v1 job (alternating slots). First come, first served gave the v2
    // clients V2_CLIENTS jobs in the engine for each queued one: about four v2 requests per v1 job here (5:1 with six clients).
    expect(v2During).toBeLessThan(2 * V1_JOBS);
  }, 240_000);
});
