/**
 * @file Users, keys, callbacks, sandbox outcomes, the synchronous v2 endpoints and durable jobs, through the real
 * server over HTTPS.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/app.js';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { newUploadToken } from '../../src/jobs/capabilities.js';
import { generateSignature } from '../../src/protocol/signature.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { burstFrames, HAS_SHARED, sharedFile } from '../helpers/shared-data.js';
import { jobZip, postJson, prepUpload, putZip, signed, waitForJob } from '../helpers/smile-client.js';
import { join } from 'node:path';

let engine: FaceEngine;
let ts: TestServer;
let receiver: CallbackReceiver;
let n = 0;

beforeAll(async () => {
  engine = await createEngine({ workers: 2 });
  ts = await startTestServer({ engine });
  receiver = await startCallbackReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await ts?.close();
  await engine?.close();
});

async function runJob(userId: string, jobType: number, selfie: Buffer, opts: { env?: 'production' | 'sandbox'; extra?: Record<string, unknown>; callbackUrl?: string; liveness?: Buffer[] } = {}) {
  const jobId = `life-job-${++n}`;
  const prep = await prepUpload(ts, { userId, jobId, jobType, callbackUrl: opts.callbackUrl, extra: opts.extra }, opts.env);
  if (prep.status !== 200) return { jobId, error: prep.body };
  const put = await putZip(prep.body.upload_url, await jobZip({ user_id: userId, job_id: jobId, job_type: jobType }, { selfie, liveness: opts.liveness }));
  expect(put.status).toBe(200);
  return { jobId, status: await waitForJob(ts, userId, jobId, opts.env) };
}

const admin = (path: string, body: Record<string, unknown>, key = ts.productionKey) =>
  postJson(`${ts.baseUrl}/admin${path}`, { partner_id: ts.partnerId, ...signed(ts.partnerId, key), ...body });

describe.skipIf(!HAS_SHARED)('users', () => {
  it('deactivate → 2207, reactivate → works, delete → images gone and 2208, re-enrol with allow_new_enroll', async () => {
    const user = `life-user-${Date.now()}`;
    const enrol = await runJob(user, 4, sharedFile('faces', 'img1.jpg'));
    expect(enrol.status.job_success).toBe(true);
    expect(await runJob(user, 4, sharedFile('faces', 'img1.jpg')).then((r) => r.error?.code)).toBe('2209');

    expect((await admin('/users/deactivate', { user_id: user })).body.user.status).toBe('disabled');
    expect((await runJob(user, 2, sharedFile('faces', 'img2.jpg'))).error?.code).toBe('2207');
    expect((await admin('/users/reactivate', { user_id: user })).body.user.status).toBe('active');
    expect((await runJob(user, 2, sharedFile('faces', 'img2.jpg'))).status.job_complete).toBe(true);

    const listed = await admin('/users/list', {});
    expect(listed.body.users.map((u: { user_id: string }) => u.user_id)).toContain(user);

    const storage = await openStorage({ dataDir: ts.dataDir });
    const enrolled = await storage.records.getUser(ts.partnerId, 'production', user);
    const imageFile = join(ts.dataDir, 'images', enrolled!.imageKey!);
    expect(existsSync(imageFile)).toBe(true);
    const del = await admin('/users/delete', { user_id: user });
    expect(del.body.user.status).toBe('deleted');
    expect(existsSync(imageFile)).toBe(false);
    expect((await storage.records.getUser(ts.partnerId, 'production', user))!.template).toBeNull();
    await storage.close();
    expect((await runJob(user, 2, sharedFile('faces', 'img2.jpg'))).error?.code).toBe('2208');

    const again = await runJob(user, 4, sharedFile('faces', 'img2.jpg'), { extra: { allow_new_enroll: true } });
    expect(again.status.job_success).toBe(true);
  });
});

describe('keys', () => {
  it('rotation through the admin API: the old key stops working at once, the new one works', async () => {
    const rotated = await postJson(`${ts.sandboxUrl}/admin/keys/rotate`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.sandboxKey) });
    expect(rotated.status).toBe(200);
    const old = await postJson(`${ts.sandboxUrl}/admin/users/list`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.sandboxKey) });
    expect(old.body.code).toBe('2205');
    ts.sandboxKey = rotated.body.api_key;
    expect((await postJson(`${ts.sandboxUrl}/admin/users/list`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.sandboxKey) })).status).toBe(200);
  });

  it('rotating the production key returns a usable key', async () => {
    const r = await postJson(`${ts.baseUrl}/admin/keys/rotate`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey) });
    expect(r.status).toBe(200);
    const oldKey = ts.productionKey;
    ts.productionKey = r.body.api_key;
    expect((await postJson(`${ts.baseUrl}/admin/users/list`, { partner_id: ts.partnerId, ...signed(ts.partnerId, oldKey) })).body.code).toBe('2205');
    expect((await postJson(`${ts.baseUrl}/admin/users/list`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey) })).status).toBe(200);
  });
});

describe('sandbox', () => {
  it('sandbox_result forces the outcome, and production refuses it', async () => {
    const selfie = await sharedOrSynthetic();
    const review = await runJob(`sb-${Date.now()}`, 4, selfie, { env: 'sandbox', extra: { sandbox_result: 'provisional' } });
    expect(review.status.result.IsFinalResult).toBe('false');
    expect(review.status.result.ResultText).toMatch(/Review/i);
    const rejected = await runJob(`sb2-${Date.now()}`, 4, selfie, { env: 'sandbox', extra: { sandbox_result: 'rejected' } });
    expect(rejected.status.job_success).toBe(false);
    const prod = await runJob(`sb3-${Date.now()}`, 4, selfie, { extra: { sandbox_result: 'approved' } });
    expect(prod.error?.code).toBe('2204');
  });
});

async function sharedOrSynthetic(): Promise<Buffer> {
  if (HAS_SHARED) return sharedFile('faces', 'img3.jpg');
  const sharp = (await import('sharp')).default;
  return sharp({ create: { width: 64, height: 64, channels: 3, background: '#777' } }).jpeg().toBuffer();
}

describe('callbacks', () => {
  it('retries failed deliveries with backoff, logs every attempt, and replays on request', async () => {
    receiver.failNext(2);
    const user = `cb-${Date.now()}`;
    const { jobId } = await runJob(user, 4, await sharedOrSynthetic(), { callbackUrl: receiver.url });
    const first = await receiver.waitFor((b) => (b.PartnerParams as Record<string, unknown>)?.job_id === jobId);
    expect(first.signature).toBeTypeOf('string');
    const list = await admin('/callbacks/list', { job_id: jobId });
    const [delivery] = list.body.deliveries;
    expect(delivery.state).toBe('delivered');
    expect(delivery.log.map((a: { status: number }) => a.status)).toEqual([500, 500, 200]);

    const replay = await admin('/callbacks/replay', { job_id: jobId });
    expect(replay.status).toBe(200);
    await expect
      .poll(() => receiver.bodies.filter((b) => (b.PartnerParams as Record<string, unknown>)?.job_id === jobId).length, { timeout: 20_000 })
      .toBe(2);
  });
});

describe.skipIf(!HAS_SHARED)('v2 synchronous endpoints', () => {
  const v2 = async (path: string, form: FormData, key = ts.productionKey, partnerId = ts.partnerId) => {
    const { signature, timestamp } = generateSignature(key, partnerId);
    const res = await fetch(`${ts.origin}/v2/${path}`, {
      method: 'POST',
      headers: { 'SmileID-Partner-ID': partnerId, 'SmileID-Request-Signature': signature, 'SmileID-Timestamp': timestamp, 'SmileID-Source-SDK': 'android' },
      body: form,
    });
    return { status: res.status, body: await res.json() };
  };
  const form = (selfie: Buffer, liveness: Buffer[], fields: Record<string, string>) => {
    const f = new FormData();
    f.append('selfie_image', new Blob([new Uint8Array(selfie)], { type: 'image/jpeg' }), 'selfie.jpg');
    for (const frame of liveness) f.append('liveness_images', new Blob([new Uint8Array(frame)], { type: 'image/jpeg' }), 'liveness.jpg');
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    return f;
  };

  it('enrols and authenticates with a live burst, and rejects a held still photo', async () => {
    const live = burstFrames('live-1').map((f) => readFileSync(f));
    const user = `v2-${Date.now()}`;
    const enrol = await v2('smart-selfie-enroll', form(live[0], live.slice(1), { user_id: user, partner_params: JSON.stringify({ ref: 'abc' }) }));
    expect(enrol.status).toBe(200);
    expect(enrol.body).toMatchObject({ status: 'approved', user_id: user, job_type: 'smart_selfie_enrollment', partner_params: { ref: 'abc' } });
    const auth = await v2('smart-selfie-authentication', form(live[7], live.slice(0, 7), { user_id: user }));
    expect(auth.body).toMatchObject({ status: 'approved', job_type: 'smart_selfie_authentication' });
    const still = burstFrames('still-1').map((f) => readFileSync(f));
    const spoofed = await v2('smart-selfie-authentication', form(still[0], still.slice(1), { user_id: user }));
    expect(spoofed.body.status).toBe('rejected');
  });

  it('answers bad requests with codes: missing selfie 2213, bad signature 2205, unknown user 2210', async () => {
    const f = new FormData();
    f.append('user_id', 'x');
    expect((await v2('smart-selfie-enroll', f)).body.code).toBe('2213');
    const live = readFileSync(burstFrames('live-1')[0]);
    expect((await v2('smart-selfie-enroll', form(live, [], {}), 'wrong-key')).body.code).toBe('2205');
    expect((await v2('smart-selfie-authentication', form(live, [], { user_id: 'nobody-here' }))).body.code).toBe('2210');
  });
});

describe.each(BACKENDS)('durability (%s backend)', (backend) => {
  // Embedded: the only process takes back every lease at start. Cluster: other workers may hold live leases, so an
  // interrupted task waits for its lease to run out (kept short here) and is then claimed again.
  const leaseMs = backend === 'embedded' ? 10 * 60_000 : 1500;
  it('a restart resumes queued and interrupted jobs', async () => {
    const selfie = await sharedOrSynthetic();
    const dataDir = mkdtempSync(join(tmpdir(), 'likeness-durable-'));
    const first = await startTestServer({ engine, dataDir, backend });
    const { partnerId } = first;
    await first.close();
    // Queue two jobs while the server is down: one queued, one whose task was mid-run (leased) when it stopped.
    const storage = await openStorage(first.storage);
    const ids: string[] = [];
    for (const leased of [false, true]) {
      const jobId = `durable-${leased}`;
      ids.push(jobId);
      const job = await storage.records.createJob({
        partnerId,
        environment: 'production',
        jobId,
        userId: `durable-user-${leased}`,
        jobType: 4,
        callbackUrl: null,
        partnerParams: { user_id: `durable-user-${leased}`, job_id: jobId, job_type: 4 },
        options: { useEnrolledImage: false, allowReenroll: false, source: 'v1' },
        uploadTokenHash: newUploadToken().hash,
        uploadExpiresAt: new Date(Date.now() + 60_000).toISOString(),
      });
      const key = `production/${partnerId}/${job.smileJobId}/selfie-0-test.img`;
      await storage.blobs.put(key, selfie);
      await storage.records.acceptUpload(job.smileJobId, [{ role: 'selfie', index: 0, blobKey: key }]);
      if (leased) await storage.queue.claim(['process_job'], leaseMs);
    }
    await storage.close();
    const restarted = await startTestServer({ engine, dataDir, backend, storage: first.storage });
    try {
      for (const [i, jobId] of ids.entries()) {
        const status = await waitForJob(restarted, `durable-user-${i === 1}`, jobId);
        expect(status.job_complete).toBe(true);
      }
    } finally {
      await restarted.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
