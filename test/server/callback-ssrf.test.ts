/**
 * @file Callbacks cannot be aimed at the server's own network: loopback, private and metadata URLs are refused when
 * submitted or replayed, a name resolving to loopback is refused when connecting, and the partner's delivery log
 * shows a category of failure, never the raw connection error.
 */
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { isPublicAddress } from '../../src/net/destination-policy.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { jobZip, postJson, prepUpload, putZip, signed, waitForJob } from '../helpers/smile-client.js';

let engine: FaceEngine;
let ts: TestServer;
let receiver: CallbackReceiver;
let n = 0;

beforeAll(async () => {
  engine = await createEngine({ workers: 1 });
  // The default policy: no allow-list, as a server started without --allow-callback-hosts.
  ts = await startTestServer({ engine, config: { allowCallbackHosts: [] } });
  receiver = await startCallbackReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await ts?.close();
  await engine?.close();
});

const admin = (path: string, body: Record<string, unknown>) =>
  postJson(`${ts.baseUrl}/admin${path}`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey), ...body });

async function finishedJob(callbackUrl: string): Promise<string> {
  const p = { user_id: `ssrf-u-${++n}`, job_id: `ssrf-j-${n}`, job_type: 4 };
  const prep = await prepUpload(ts, { userId: p.user_id, jobId: p.job_id, jobType: 4, callbackUrl });
  expect(prep.status, JSON.stringify(prep.body)).toBe(200);
  const selfie = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#777' } }).jpeg().toBuffer();
  expect((await putZip(prep.body.upload_url, await jobZip(p, { selfie }))).status).toBe(200);
  await waitForJob(ts, p.user_id, p.job_id);
  return p.job_id;
}

describe('callback destinations', () => {
  it.each([
    'http://127.0.0.1:9/cb',
    'http://[::1]/cb',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/cb',
    'http://100.64.1.1/cb',
    'https://192.168.1.10/cb',
    'http://[::ffff:127.0.0.1]/cb',
    'http://2130706433/cb',
    'http://localhost:8080/cb',
  ])('prep_upload refuses callback_url %s with 2297', async (callbackUrl) => {
    const r = await prepUpload(ts, { userId: `ssrf-u-${++n}`, jobId: `ssrf-j-${n}`, jobType: 4, callbackUrl });
    expect([r.status, r.body.code]).toEqual([400, '2297']);
  });

  it('a name that resolves to this machine is refused when connecting; the log shows only the category', async () => {
    // The machine's own name passes the submission check (it is not an address or localhost) but resolves locally.
    const name = hostname();
    expect(isPublicAddress((await lookup(name)).address), `${name} should resolve to a local address`).toBe(false);
    const jobId = await finishedJob(receiver.url.replace('127.0.0.1', name));
    let deliveries: Array<{ state: string; log: Array<{ status: number | null; error: string | null }> }> = [];
    await expect
      .poll(async () => ((deliveries = (await admin('/callbacks/list', { job_id: jobId })).body.deliveries), deliveries[0]?.state), { timeout: 20_000 })
      .toBe('failed');
    expect(deliveries[0]!.log.map((a) => a.error)).toEqual(['blocked_destination', 'blocked_destination', 'blocked_destination', 'blocked_destination']);
    expect(JSON.stringify(deliveries)).not.toMatch(/127\.0\.0\.1|ECONN|not a public address/);
    expect(receiver.bodies).toHaveLength(0);
  });

  it('replay URLs are checked like submitted ones', async () => {
    const jobId = await finishedJob('https://partner.example/cb');
    const gopher = await admin('/callbacks/replay', { job_id: jobId, callback_url: 'gopher://127.0.0.1:6379/_FLUSHALL' });
    expect([gopher.status, gopher.body.code]).toEqual([400, '2204']);
    for (const callbackUrl of [receiver.url, 'http://[::1]:6379/', 'http://169.254.169.254/']) {
      const r = await admin('/callbacks/replay', { job_id: jobId, callback_url: callbackUrl });
      expect([r.status, r.body.code], callbackUrl).toEqual([400, '2297']);
    }
    expect((await admin('/callbacks/replay', { job_id: jobId, callback_url: 'https://partner.example/other' })).status).toBe(200);
  });
});
