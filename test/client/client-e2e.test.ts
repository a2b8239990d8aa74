/**
 * @file The typed client and the drop-in WebApi against the real Likeness server over HTTPS (nothing mocked):
 * enroll, authenticate, status, image links, history, callbacks, web tokens and the server's refusals.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import {
  LikenessApiError, LikenessClient, Signature, Utilities, verifyCallback, WebApi, type JobStatusResponse,
} from '../../src/client/index.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { burstFrames, HAS_SHARED, REPO_ROOT, SHARED_MISSING, sharedPath } from '../helpers/shared-data.js';

let seq = 0;
const uid = (prefix: string): string => `${prefix}-${Date.now()}-${++seq}`;

/** GETs a URL with the test server's CA and returns status and body. */
function fetchWithCa(url: string, ca: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

/** Runs an example as a user would, with `likeness/client` mapped to the source (no build needed). */
const exampleEnv = (env: Record<string, string>): NodeJS.ProcessEnv => ({
  ...process.env, TSX_TSCONFIG_PATH: path.join(REPO_ROOT, 'test', 'client', 'examples.tsconfig.json'), ...env,
});

if (!HAS_SHARED) console.warn(`client e2e skipped: ${SHARED_MISSING}`);

describe.skipIf(!HAS_SHARED)('likeness/client against the real server', () => {
  let engine: FaceEngine;
  let ts: TestServer;
  let receiver: CallbackReceiver;
  let client: LikenessClient;

  beforeAll(async () => {
    engine = await createEngine({ workers: 2 });
    ts = await startTestServer({ engine });
    receiver = await startCallbackReceiver();
    client = new LikenessClient({ url: ts.baseUrl, partnerId: ts.partnerId, apiKey: ts.productionKey, ca: ts.caCert });
  });
  afterAll(async () => {
    client?.close();
    await receiver?.close();
    await ts?.close();
    await engine?.close();
  });

  describe('LikenessClient', () => {
    const live = burstFrames('live-1');
    let userId: string;

    it('enrolls with a selfie and liveness frames given as paths, and waits for approval', async () => {
      userId = uid('live');
      const stages: string[] = [];
      const job = await client.enroll({
        userId, selfie: live[0]!, liveness: live.slice(1), partnerParams: { tier: 'gold' }, onProgress: (s) => stages.push(s),
      });
      expect(job).toMatchObject({ userId, jobType: 4, retried: false });
      expect(job.smileJobId).toMatch(/^\d{10}$/);
      expect(stages).toEqual(['prep_upload', 'upload', 'uploaded']);
      const result = await client.waitForResult(job, { timeoutMs: 60_000, intervalMs: 250 });
      expect(result).toMatchObject({ complete: true, success: true, outcome: 'approved', smileJobId: job.smileJobId });
      // Liveness was checked, so the frames sent as zip files (type 4) reached the server.
      expect(result.actions?.Liveness_Check).toBe('Passed');
      expect(result.partnerParams).toMatchObject({ user_id: userId, tier: 'gold' });
    });

    it('authenticates the same person with Buffers and base64, returning image links for every frame and history', async () => {
      const job = await client.authenticate({
        userId,
        selfie: readFileSync(live[7]!),
        liveness: live.slice(0, 7).map((f) => ({ base64: readFileSync(f).toString('base64') })),
      });
      const result = await client.waitForResult(job, { timeoutMs: 60_000, intervalMs: 250, history: true, imageLinks: true });
      expect(result.outcome).toBe('approved');
      expect(result.actions?.Selfie_To_Registered_Selfie_Compare).toBe('Completed');
      expect(result.confidence).toBeGreaterThan(0);
      expect(result.history?.length).toBeGreaterThanOrEqual(2);
      const links = result.imageLinks!;
      expect(Object.keys(links).filter((k) => k.startsWith('liveness_image_'))).toHaveLength(7);
      const selfie = await fetchWithCa(links.selfie_image!, ts.caCert);
      expect(selfie.status).toBe(200);
      expect(selfie.body.equals(readFileSync(live[7]!))).toBe(true);
    });

    it('reports a different person as rejected', async () => {
      const job = await client.authenticate({ userId, selfie: sharedPath('faces', 'img13.jpg') });
      const result = await client.waitForResult(job, { timeoutMs: 60_000, intervalMs: 250 });
      expect(result).toMatchObject({ complete: true, success: false, outcome: 'rejected' });
    });

    it('jobStatus reads a job without waiting and verifies the signature', async () => {
      const job = await client.enroll({ userId: uid('status'), selfie: sharedPath('faces', 'img3.jpg') });
      const first = await client.jobStatus(job);
      expect(['pending', 'approved']).toContain(first.outcome);
      expect(new Signature(ts.partnerId, ts.productionKey).confirm_signature(first.raw.timestamp, first.raw.signature)).toBe(true);
      const done = await client.waitForResult(job, { timeoutMs: 60_000, intervalMs: 250 });
      expect((await client.jobStatus(job)).raw.result).toEqual(done.raw.result);
    });

    it('delivers a callback that verifyCallback accepts', async () => {
      // A selfie without frames is judged by passive anti-spoof alone: a phone capture, which scores P(real) 1.000
      // (the press photo used before, faces/img5.jpg, scores 0.55 with the Silent-Face models: human review).
      const job = await client.enroll({ userId: uid('cb'), selfie: sharedPath('spoof', 'real-1.jpg'), callbackUrl: receiver.url, partnerParams: { order: 'A-9' } });
      const body = await receiver.waitFor((b) => (b.PartnerParams as Record<string, unknown> | undefined)?.job_id === job.jobId);
      const verified = verifyCallback(JSON.stringify(body), { partnerId: ts.partnerId, apiKey: ts.productionKey, maxAgeMs: 120_000 });
      expect(verified).toMatchObject({ outcome: 'approved', userId: job.userId, jobId: job.jobId, jobType: 4, smileJobId: job.smileJobId });
      expect(verified.body.PartnerParams.order).toBe('A-9');
      expect(() => verifyCallback(body, { partnerId: ts.partnerId, apiKey: ts.sandboxKey })).toThrow(/does not verify/);
    });

    it('surfaces the server\'s refusals as LikenessApiError with its code', async () => {
      const unknownUser = await client.authenticate({ userId: uid('nobody'), selfie: sharedPath('faces', 'img3.jpg') }).catch((e: unknown) => e);
      expect(unknownUser).toBeInstanceOf(LikenessApiError);
      expect(unknownUser).toMatchObject({ code: '2210', status: 404 });

      const jobId = uid('dup-job');
      await client.enroll({ userId: uid('dup'), jobId, selfie: sharedPath('faces', 'img3.jpg') });
      await expect(client.enroll({ userId: uid('dup'), jobId, selfie: sharedPath('faces', 'img3.jpg') })).rejects.toMatchObject({ code: '2215', status: 409 });

      const wrongKey = new LikenessClient({ url: ts.baseUrl, partnerId: ts.partnerId, apiKey: ts.sandboxKey });
      await expect(wrongKey.enroll({ userId: uid('k'), selfie: sharedPath('faces', 'img3.jpg') })).rejects.toMatchObject({ code: '2205' });
      await expect(client.jobStatus({ userId: 'nobody', jobId: 'nothing' })).rejects.toMatchObject({ name: 'LikenessApiError', status: 404 });
      wrongKey.close();
    });

    it('forces outcomes in the sandbox and refuses a re-enrollment unless asked for', async () => {
      const sandbox = new LikenessClient({ url: ts.sandboxUrl, partnerId: ts.partnerId, apiKey: ts.sandboxKey });
      const user = uid('sbx');
      const review = await sandbox.enroll({ userId: user, selfie: sharedPath('faces', 'img6.jpg'), sandboxResult: 'provisional' });
      expect((await sandbox.waitForResult(review, { timeoutMs: 60_000, intervalMs: 250 })).outcome).toBe('under_review');
      const again = await sandbox.enroll({ userId: uid('sbx'), selfie: sharedPath('faces', 'img6.jpg'), sandboxResult: 'rejected' });
      expect((await sandbox.waitForResult(again, { timeoutMs: 60_000, intervalMs: 250 })).outcome).toBe('rejected');
      const enrolled = uid('sbx');
      await sandbox.waitForResult(await sandbox.enroll({ userId: enrolled, selfie: sharedPath('faces', 'img7.jpg') }), { timeoutMs: 60_000 });
      await expect(sandbox.enroll({ userId: enrolled, selfie: sharedPath('faces', 'img7.jpg') })).rejects.toMatchObject({ code: '2209' });
      const reenrolled = await sandbox.enroll({ userId: enrolled, selfie: sharedPath('faces', 'img10.jpg'), allowReenroll: true });
      expect((await sandbox.waitForResult(reenrolled, { timeoutMs: 60_000 })).complete).toBe(true);
      sandbox.close();
    });

    it('gets a web token', async () => {
      const { token } = await client.webToken({ userId: uid('t'), jobId: uid('t'), product: 'authentication', callbackUrl: receiver.url });
      expect(token.length).toBeGreaterThan(20);
    });
  });

  describe('examples', () => {
    it('the seed snippet (examples/smart-selfie-authentication.mjs) authenticates with liveness files and image links', async () => {
      const live = burstFrames('live-1');
      const user = uid('example');
      await client.waitForResult(await client.enroll({ userId: user, selfie: live[0]!, liveness: live.slice(1) }), { timeoutMs: 60_000 });
      const env = exampleEnv({ LIKENESS_URL: ts.baseUrl, LIKENESS_PARTNER_ID: ts.partnerId, LIKENESS_API_KEY: ts.productionKey, LIKENESS_USER_ID: user });
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', 'examples/smart-selfie-authentication.mjs', live[7]!, ...live.slice(0, 7)], { cwd: REPO_ROOT, env, timeout: 120_000 },
          (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
      });
      const result = JSON.parse(stdout) as JobStatusResponse;
      expect(result).toMatchObject({ job_complete: true, job_success: true });
      expect(Object.keys(result.image_links ?? {}).filter((k) => k.startsWith('liveness_image_'))).toHaveLength(7);
    });

    it('the callback endpoint (examples/callback-server.mjs) verifies a real callback and refuses a forged one', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'examples/callback-server.mjs'], {
        cwd: REPO_ROOT, env: exampleEnv({ LIKENESS_PARTNER_ID: ts.partnerId, LIKENESS_API_KEY: ts.productionKey, PORT: '0' }),
      });
      try {
        let out = '';
        const port = await new Promise<number>((resolve, reject) => {
          child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            const m = /localhost:(\d+)/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.on('exit', (code) => reject(new Error(`example exited with ${code}`)));
        });
        const job = await client.enroll({ userId: uid('example-cb'), selfie: sharedPath('faces', 'img12.jpg'), callbackUrl: `http://127.0.0.1:${port}/` });
        await expect.poll(() => out, { timeout: 60_000, interval: 200 }).toContain(`${job.jobId} (user ${job.userId}): approved`);
        const forged = await fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ResultCode: '0810', PartnerParams: { user_id: 'x', job_id: 'y', job_type: 2 }, timestamp: new Date().toISOString(), signature: 'AAAA' }),
        });
        expect(forged.status).toBe(401);
      } finally {
        child.kill();
      }
    });
  });

  describe('WebApi (drop-in for smile-identity-core)', () => {
    it('runs the seed SmartSelfie authentication snippet with liveness files (type 4) and return_image_links', async () => {
      const live = burstFrames('live-1');
      const api = new WebApi(ts.partnerId, receiver.url, ts.productionKey, ts.baseUrl);
      const user_id = uid('seed');
      const enrolled = (await api.submit_job(
        { user_id, job_id: uid('seed-enrol'), job_type: 4 },
        [{ image_type_id: 0, image: live[0]! }, ...live.slice(1).map((image) => ({ image_type_id: 4, image }))],
        { entered: 'false' },
        { return_job_status: true },
      )) as JobStatusResponse;
      expect(enrolled.job_success).toBe(true);

      const partner_params = { job_id: uid('seed-auth'), user_id, job_type: 2 };
      const image_details = [
        { image_type_id: 0, image: live[7]! },
        ...live.slice(0, 7).map((image) => ({ image_type_id: 4, image })),
      ];
      const options = { return_job_status: true, return_history: true, return_image_links: true };
      const result = (await api.submit_job(partner_params, image_details, { entered: 'false' }, options)) as JobStatusResponse;
      expect(result.job_complete).toBe(true);
      expect(result.job_success).toBe(true);
      expect(new Signature(ts.partnerId, ts.productionKey).confirm_signature(result.timestamp, result.signature)).toBe(true);
      expect(result.image_links?.selfie_image).toMatch(/^https:\/\//);
      expect(Object.keys(result.image_links ?? {}).filter((k) => k.startsWith('liveness_image_'))).toHaveLength(7);
      expect(result.history?.length).toBeGreaterThanOrEqual(2);
    });

    it('resolves { success, smile_job_id } without return_job_status; get_job_status and Utilities read it', async () => {
      const api = new WebApi(ts.partnerId, receiver.url, ts.productionKey, ts.baseUrl);
      const partner_params = { user_id: uid('cw'), job_id: uid('cw-job'), job_type: 4 };
      const accepted = await api.submit_job(partner_params, [{ image_type_id: 2, image: readFileSync(sharedPath('faces', 'img8.jpg')).toString('base64') }], {}, {});
      expect(accepted).toEqual({ success: true, smile_job_id: expect.stringMatching(/^\d{10}$/) });
      await receiver.waitFor((b) => (b.PartnerParams as Record<string, unknown> | undefined)?.job_id === partner_params.job_id);
      const status = await api.get_job_status(partner_params, { return_history: true, return_images: true });
      expect(status).toMatchObject({ job_complete: true, job_success: true });
      expect((status.result as { SmileJobID: string }).SmileJobID).toBe(accepted.smile_job_id);
      expect(status.image_links?.selfie_image).toBeDefined();
      const viaUtilities = await new Utilities(ts.partnerId, ts.productionKey, ts.baseUrl).get_job_status(partner_params.user_id, partner_params.job_id);
      expect(viaUtilities.job_complete).toBe(true);
      expect(viaUtilities.image_links).toBeUndefined();
      const token = await api.get_web_token({ user_id: partner_params.user_id, job_id: uid('tok'), product: 'smartselfie' });
      expect(typeof token.token).toBe('string');
    });

    it('rejects like the official SDK on a server error, with err.response.data', async () => {
      const api = new WebApi(ts.partnerId, null, ts.productionKey, ts.baseUrl);
      const err = (await api
        .submit_job({ user_id: uid('none'), job_id: uid('none'), job_type: 2 }, [{ image_type_id: 0, image: sharedPath('faces', 'img3.jpg') }], {}, { return_job_status: true })
        .catch((e: unknown) => e)) as { response: { status: number; data: { code: string } } };
      expect(err.response.status).toBe(404);
      expect(err.response.data.code).toBe('2210');
    });
  });
});
