/**
 * @file One partner's callback receiver that never answers must not delay another partner's callbacks: deliveries
 * are limited per destination, so a hung receiver holds only its own slots. Both storage backends.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { createPartnerWithKeys } from '../../src/jobs/api-keys.js';
import { BACKENDS } from '../helpers/backends.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { jobZip, prepUpload, putZip } from '../helpers/smile-client.js';

/** A receiver that reads each request and never answers (a hung partner endpoint). */
async function startHungReceiver(): Promise<{ url: string; pending: IncomingMessage[]; close(): Promise<void> }> {
  const pending: IncomingMessage[] = [];
  const server: Server = createServer((req) => {
    pending.push(req);
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hung`,
    pending,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let engine: FaceEngine;
let grey: Buffer;

beforeAll(async () => {
  engine = await createEngine({ workers: 1 });
  // A face-less image: the job ends quickly (unusable selfie) and still sends its callback.
  grey = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#777' } }).jpeg().toBuffer();
});
afterAll(async () => {
  await engine?.close();
});

describe.each(BACKENDS)('callback isolation (%s)', (backend) => {
  let ts: TestServer;
  let healthy: CallbackReceiver;
  let hung: Awaited<ReturnType<typeof startHungReceiver>>;
  let n = 0;

  beforeAll(async () => {
    // The default delivery settings; only the retry schedule is short, as in every test server.
    ts = await startTestServer({ engine, backend });
    healthy = await startCallbackReceiver();
    hung = await startHungReceiver();
  });
  afterAll(async () => {
    await hung?.close();
    await healthy?.close();
    await ts?.close();
  });

  async function submit(as: TestServer, callbackUrl: string): Promise<string> {
    const p = { user_id: `iso-u-${++n}`, job_id: `iso-j-${n}`, job_type: 4 };
    const prep = await prepUpload(as, { userId: p.user_id, jobId: p.job_id, jobType: 4, callbackUrl });
    expect(prep.status, JSON.stringify(prep.body)).toBe(200);
    expect((await putZip(prep.body.upload_url, await jobZip(p, { selfie: grey }))).status).toBe(200);
    return p.job_id;
  }

  it("a healthy partner's callback arrives within 2 s while 8 callbacks hang on another receiver", async () => {
    for (let i = 0; i < 8; i++) await submit(ts, hung.url);
    // The hung receiver holds its deliveries open now.
    await expect.poll(() => hung.pending.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    const other = await createPartnerWithKeys(ts.server.ctx.store, 'Healthy partner');
    const as = { ...ts, partnerId: other.partner.partnerId, productionKey: other.keys.production };
    const started = performance.now();
    const jobId = await submit(as, healthy.url);
    await healthy.waitFor((b) => (b.PartnerParams as Record<string, unknown> | undefined)?.job_id === jobId, 30_000);
    const latencyMs = performance.now() - started;
    console.log(`[${backend}] healthy partner's callback ${latencyMs.toFixed(0)} ms after upload, ${hung.pending.length} deliveries hung`);
    expect(latencyMs).toBeLessThan(2000);
    // The hung receiver holds only its own slots (the default per-destination limit).
    expect(hung.pending.length).toBeLessThanOrEqual(ts.server.config.callbackPerDestination);
  });
});
