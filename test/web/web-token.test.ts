/**
 * @file Web tokens of the hosted web integration against the real server: the official SDK's get_web_token gets a
 * JWT bound to partner, environment, job and callback; a browser-style prep_upload spends it on exactly that job,
 * with CORS; altered, expired, foreign, mismatched and reused tokens get their documented codes.
 */
import JSZip from 'jszip';
import smileIdentityCore from 'smile-identity-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { createPartnerWithKeys } from '../../src/jobs/api-keys.js';
import { issueWebToken, type WebTokenClaims } from '../../src/jobs/web-token-jwt.js';
import { jobZip, postJson, prepUpload, putZip, signed, waitForJob } from '../helpers/smile-client.js';
import { HAS_SHARED, SHARED_MISSING, sharedFile } from '../helpers/shared-data.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { syntheticSelfie } from '../portal/portal-helpers.js';

const { WebApi } = smileIdentityCore as unknown as {
  WebApi: new (partnerId: string, callback: string | null, apiKey: string, sidServer: string) => {
    get_web_token(p: Record<string, unknown>): Promise<{ token: string }>;
  };
};

let engine: FaceEngine;
let ts: TestServer;
let n = 0;
const ids = () => ({ user_id: `web-u-${++n}`, job_id: `web-j-${n}` });
const CALLBACK = 'https://partner.example/callback';

function payload(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

async function tokenFor(user_id: string, job_id: string, product = 'authentication', env: 'production' | 'sandbox' = 'production') {
  const api = new WebApi(ts.partnerId, null, env === 'production' ? ts.productionKey : ts.sandboxKey, env === 'production' ? ts.baseUrl : ts.sandboxUrl);
  return (await api.get_web_token({ user_id, job_id, product, callback_url: CALLBACK })).token;
}

/** The body Smile ID's embed posts (smartselfie-auth.js getUploadURL). */
function webUpload(token: string, overrides: Record<string, unknown> = {}) {
  return {
    source_sdk: 'hosted_web',
    source_sdk_version: 'test',
    file_name: 'authentication.zip',
    smile_client_id: ts.partnerId,
    callback_url: CALLBACK,
    token,
    partner_params: payload(token).partner_params,
    ...overrides,
  };
}

async function hostedZip(): Promise<Buffer> {
  const zip = new JSZip();
  const image = (await syntheticSelfie()).toString('base64');
  zip.file('info.json', JSON.stringify({
    package_information: { language: 'Hosted Web Integration', apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 } },
    id_info: {},
    images: [{ image_type_id: 2, image }],
  }));
  return zip.generateAsync({ type: 'nodebuffer' });
}

beforeAll(async () => {
  engine = await createEngine({ workers: 1 });
  ts = await startTestServer({ engine });
});
afterAll(async () => {
  await ts?.close();
  await engine?.close();
});

describe('POST /token', () => {
  it('returns a JWT binding partner, environment, job, job type, product and callback', async () => {
    const { user_id, job_id } = ids();
    const before = Math.floor(Date.now() / 1000);
    const token = await tokenFor(user_id, job_id);
    const [header] = token.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = payload(token);
    expect(claims).toMatchObject({
      partner_id: ts.partnerId,
      environment: 'production',
      product: 'authentication',
      callback_url: CALLBACK,
      partner_params: { user_id, job_id, job_type: 4 },
    });
    // Default lifetime: one hour.
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
  });

  it('refuses products the hosted capture does not serve, with a clear message', async () => {
    const res = await postJson(`${ts.baseUrl}/token`, { ...ids(), product: 'biometric_kyc', partner_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey) });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('2204');
    expect(res.body.error).toMatch(/biometric_kyc is not served.*authentication or smartselfie/);
  });
});

describe('prep_upload with a web token', () => {
  it('opens the token\'s job with CORS for the browser, retries onto the same job, and is spent once the zip arrives', async () => {
    const { user_id, job_id } = ids();
    const token = await tokenFor(user_id, job_id, 'smartselfie');
    const preflight = await fetch(`${ts.baseUrl}/upload`, {
      method: 'OPTIONS',
      headers: { origin: 'https://partner.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');

    const res = await fetch(`${ts.baseUrl}/upload`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://partner.example' }, body: JSON.stringify(webUpload(token)) });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const first = (await res.json()) as { upload_url: string; smile_job_id: string };
    // A browser that lost the answer asks again: a fresh upload URL for the same job, not a second job.
    const again = await postJson(`${ts.baseUrl}/upload`, webUpload(token));
    expect(again.status).toBe(200);
    expect(again.body.smile_job_id).toBe(first.smile_job_id);
    expect(again.body.upload_url).not.toBe(first.upload_url);

    const put = await fetch(again.body.upload_url, { method: 'PUT', headers: { 'content-type': 'application/zip', origin: 'https://partner.example' }, body: new Uint8Array(await hostedZip()) });
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).toBe('*');
    const job = await ts.server.ctx.store.getJob(ts.partnerId, 'production', job_id);
    expect(job).toMatchObject({ userId: user_id, jobType: 4, callbackUrl: CALLBACK, options: { sourceSdk: 'hosted_web' } });

    const reused = await postJson(`${ts.baseUrl}/upload`, webUpload(token));
    expect(reused).toMatchObject({ status: 409, body: { code: '2283' } });
  });

  it.skipIf(!HAS_SHARED)(`gives job type 2 to a token for an enrolled user${HAS_SHARED ? '' : ` — SKIPPED: ${SHARED_MISSING}`}`, async () => {
    const { user_id, job_id } = ids();
    const prep = await prepUpload(ts, { userId: user_id, jobId: job_id, jobType: 4 });
    expect((await putZip(prep.body.upload_url, await jobZip({ user_id, job_id, job_type: 4 }, { selfie: sharedFile('faces', 'img3.jpg') }))).status).toBe(200);
    expect((await waitForJob(ts, user_id, job_id)).job_success).toBe(true);
    expect(payload(await tokenFor(user_id, ids().job_id)).partner_params.job_type).toBe(2);
  });

  it('refuses altered, foreign, mismatched and wrong-environment tokens, with CORS so the page can read why', async () => {
    const { user_id, job_id } = ids();
    const token = await tokenFor(user_id, job_id);
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = payload(token);
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, partner_params: { ...claims.partner_params, job_type: 2 } })).toString('base64url')}.${s}`;
    const altered = await fetch(`${ts.baseUrl}/upload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(webUpload(forged)) });
    expect(altered.status).toBe(401);
    expect(altered.headers.get('access-control-allow-origin')).toBe('*');
    expect(await altered.json()).toMatchObject({ code: '2281' });
    expect(await postJson(`${ts.baseUrl}/upload`, webUpload(`${h}.${p}`))).toMatchObject({ status: 401, body: { code: '2281' } });

    const other = await createPartnerWithKeys(ts.server.ctx.store, 'Other partner');
    expect(await postJson(`${ts.baseUrl}/upload`, webUpload(token, { smile_client_id: other.partner.partnerId }))).toMatchObject({ status: 401, body: { code: '2281' } });
    expect(await postJson(`${ts.sandboxUrl}/upload`, webUpload(token))).toMatchObject({ status: 401, body: { code: '2281' } });
    const foreignJob = webUpload(token, { partner_params: { user_id, job_id: 'another-job', job_type: 4 } });
    expect(await postJson(`${ts.baseUrl}/upload`, foreignJob)).toMatchObject({ status: 400, body: { code: '2293' } });
    // Nothing was created by any of these.
    expect(await ts.server.ctx.store.getJob(ts.partnerId, 'production', job_id)).toBeNull();
    expect(await ts.server.ctx.store.getJob(ts.partnerId, 'production', 'another-job')).toBeNull();
  });

  it('refuses an expired token with 2282', async () => {
    const short = await startTestServer({ engine, config: { webTokenTtlMs: 1000 } });
    try {
      const api = new WebApi(short.partnerId, null, short.productionKey, short.baseUrl);
      const { token } = await api.get_web_token({ ...ids(), product: 'authentication', callback_url: CALLBACK });
      await new Promise((r) => setTimeout(r, 2100));
      const res = await postJson(`${short.baseUrl}/upload`, { ...webUpload(token), smile_client_id: short.partnerId });
      expect(res).toMatchObject({ status: 401, body: { code: '2282' } });
    } finally {
      await short.close();
    }
  });

  it('keeps signed prep_upload free of CORS headers', async () => {
    const { user_id, job_id } = ids();
    const res = await fetch(`${ts.baseUrl}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ smile_client_id: ts.partnerId, partner_params: { user_id, job_id, job_type: 4 }, ...signed(ts.partnerId, ts.productionKey) }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('POST /web/face-check (the capture page\'s guidance)', () => {
  const check = (body: Record<string, unknown>) => postJson(`${ts.origin}/web/face-check`, body);

  it('answers where the detector finds the face, as fractions of the frame, for a valid token', async () => {
    const { user_id, job_id } = ids();
    const token = await tokenFor(user_id, job_id);
    const sharp = (await import('sharp')).default;
    const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#777' } }).jpeg().toBuffer();
    const none = await check({ token, image: blank.toString('base64') });
    expect(none).toEqual({ status: 200, body: { faces: 0, box: null } });
    if (!HAS_SHARED) return;
    const selfie = await sharp(sharedFile('bursts', 'live-1', 'f01.jpg')).resize({ width: 320 }).jpeg().toBuffer();
    const found = await check({ token, image: selfie.toString('base64') });
    expect(found.status).toBe(200);
    expect(found.body.faces).toBe(1);
    const [left, top, width, height] = found.body.box as number[];
    for (const v of [left, top, width, height]) expect(v).toBeGreaterThan(0);
    expect(left! + width!).toBeLessThanOrEqual(1);
    expect(top! + height!).toBeLessThanOrEqual(1);
  });

  it('refuses an altered or expired token, a missing image and an image that is not a preview frame', async () => {
    const { user_id, job_id } = ids();
    const token = await tokenFor(user_id, job_id);
    const claims = payload(token);
    const altered = `${token.split('.')[0]}.${Buffer.from(JSON.stringify({ ...claims, partner_id: 'other' })).toString('base64url')}.${token.split('.')[2]}`;
    const bad = await check({ token: altered, image: 'AAAA' });
    expect([bad.status, bad.body.code]).toEqual([401, '2281']);
    const now = Math.floor(Date.now() / 1000);
    const expired = issueWebToken(ts.server.ctx.serverSecret, { ...claims, iat: now - 7200, exp: now - 3600 } as WebTokenClaims);
    expect((await check({ token: expired, image: 'AAAA' })).body.code).toBe('2282');
    expect((await check({ token, image: '' })).body.code).toBe('2213');
    const big = await check({ token, image: Buffer.alloc(100 * 1024).toString('base64') });
    expect([big.status, big.body.code]).toEqual([413, '2290']);
  });
});
