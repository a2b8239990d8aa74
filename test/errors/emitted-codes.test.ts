/**
 * @file Every error code in the registry (and so in docs/errors.md) is emitted by the running server: one real
 * request per code, against real servers, the portal and the review flow included. A code added to the registry
 * without a trigger here fails the type check (the table is keyed by every registry name).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERRORS, type ApiErrorName } from '../../src/errors/api-errors.js';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { generateSignature } from '../../src/protocol/signature.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { HAS_SHARED, sharedFile } from '../helpers/shared-data.js';
import { holdExclusiveLock } from '../helpers/sqlite-lock.js';
import { jobZip, postJson, prepUpload, putZip, signed, waitForJob, type RawResponse } from '../helpers/smile-client.js';
import { addAccount, PortalClient, provisionalJob, syntheticSelfie, unique } from '../portal/portal-helpers.js';

let engine: FaceEngine;
let ts: TestServer;
/** Tight limits: a short upload URL lifetime and a small body limit. */
let tight: TestServer;
/** A server whose engine has been shut down: every job fails inside. */
let broken: TestServer;
let brokenEngine: FaceEngine;
/** A server that allows one API request per second per partner environment. */
let limited: TestServer;
let selfie: Buffer;
let enrolled: string;

/** What a trigger observed: the HTTP status and the code (from the JSON body or the portal page). */
interface Emitted {
  status: number;
  code: string | undefined;
}

const fromJson = (r: RawResponse): Emitted => ({ status: r.status, code: r.body?.code });
const fromPage = (r: { status: number; body: string }): Emitted => ({ status: r.status, code: /\(error (\d{4})\)/.exec(r.body)?.[1] });

const admin = (path: string, body: Record<string, unknown>) =>
  postJson(`${ts.baseUrl}/admin${path}`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey), ...body });

async function prepared(server = ts, jobType = 4) {
  const p = { user_id: unique('emit-u'), job_id: unique('emit-j'), job_type: jobType };
  const res = await prepUpload(server, { userId: p.user_id, jobId: p.job_id, jobType });
  expect(res.status).toBe(200);
  return { p, uploadUrl: res.body.upload_url as string };
}

async function enrol(userId: string): Promise<void> {
  const jobId = unique('emit-enrol');
  const prep = await prepUpload(ts, { userId, jobId, jobType: 4 });
  expect((await putZip(prep.body.upload_url, await jobZip({ user_id: userId, job_id: jobId, job_type: 4 }, { selfie }))).status).toBe(200);
  expect((await waitForJob(ts, userId, jobId)).job_success).toBe(true);
}

/** A hosted-web token from /token, as a partner backend gets it, for a fresh user and job. */
async function webToken(server = ts): Promise<string> {
  const res = await postJson(`${server.baseUrl}/token`, {
    partner_id: server.partnerId,
    ...signed(server.partnerId, server.productionKey),
    user_id: unique('emit-web-u'),
    job_id: unique('emit-web-j'),
    product: 'authentication',
    callback_url: 'https://partner.example/callback',
  });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

/** prep_upload as the capture page sends it: the token in place of a signature. */
function webUpload(token: string, server = ts): Promise<RawResponse> {
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { partner_params?: unknown };
  return postJson(`${server.baseUrl}/upload`, {
    source_sdk: 'hosted_web',
    source_sdk_version: 'test',
    file_name: 'authentication.zip',
    smile_client_id: server.partnerId,
    token,
    partner_params: claims.partner_params,
  });
}

async function reviewer(): Promise<PortalClient> {
  return new PortalClient(ts.origin).session(await addAccount(ts, 'reviewer'));
}

const TRIGGERS: Record<ApiErrorName, () => Promise<Emitted>> = {
  SYSTEM_ERROR: async () => {
    const { signature, timestamp } = generateSignature(broken.productionKey, broken.partnerId);
    const form = new FormData();
    form.append('selfie_image', new Blob([new Uint8Array(selfie)], { type: 'image/jpeg' }), 'selfie.jpg');
    form.append('user_id', unique('emit-broken'));
    const res = await fetch(`${broken.origin}/v2/smart-selfie-enroll`, {
      method: 'POST',
      headers: { 'SmileID-Partner-ID': broken.partnerId, 'SmileID-Request-Signature': signature, 'SmileID-Timestamp': timestamp },
      body: form,
    });
    return { status: res.status, code: ((await res.json()) as { code?: string }).code };
  },
  INVALID_JSON: async () => fromJson(await postJson(`${ts.baseUrl}/upload`, null, { raw: '{"partner_params": ' })),
  INVALID_PARAMETER_TYPE: async () => fromJson(await prepUpload(ts, { userId: 'u', jobId: unique('j'), jobType: 'four' as unknown as number })),
  UNAUTHORIZED: async () => fromJson(await postJson(`${ts.baseUrl}/upload`, { partner_params: { user_id: 'u', job_id: 'j', job_type: 4 }, smile_client_id: ts.partnerId, ...signed(ts.partnerId, 'not-the-key') })),
  USER_DISABLED: async () => {
    const user = unique('emit-disabled');
    await enrol(user);
    expect((await admin('/users/deactivate', { user_id: user })).status).toBe(200);
    return fromJson(await prepUpload(ts, { userId: user, jobId: unique('j'), jobType: 2 }));
  },
  USER_DELETED: async () => {
    const user = unique('emit-deleted');
    await enrol(user);
    expect((await admin('/users/delete', { user_id: user })).status).toBe(200);
    return fromJson(await prepUpload(ts, { userId: user, jobId: unique('j'), jobType: 2 }));
  },
  USER_ALREADY_ENROLLED: async () => fromJson(await prepUpload(ts, { userId: enrolled, jobId: unique('j'), jobType: 4 })),
  USER_NOT_ENROLLED: async () => fromJson(await prepUpload(ts, { userId: unique('nobody'), jobId: unique('j'), jobType: 2 })),
  INVALID_JOB_TYPE: async () => fromJson(await prepUpload(ts, { userId: 'u', jobId: unique('j'), jobType: 7 })),
  MISSING_PARAMETER: async () => fromJson(await postJson(`${ts.baseUrl}/upload`, { smile_client_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey) })),
  JOB_ALREADY_EXISTS: async () => {
    const { p } = await prepared();
    return fromJson(await prepUpload(ts, { userId: p.user_id, jobId: p.job_id, jobType: 4 }));
  },
  NO_ZIP_RECEIVED: async () => fromJson(await putZip((await prepared()).uploadUrl, Buffer.alloc(0))),
  // A valid image without a face: nothing to search for.
  SEARCH_SELFIE_UNUSABLE: async () => fromJson(await admin('/search', { selfie: (await syntheticSelfie()).toString('base64') })),
  PAYLOAD_TOO_LARGE: async () => fromJson(await putZip((await prepared(tight)).uploadUrl, Buffer.alloc(80 * 1024, 1))),
  NOT_FOUND: async () => fromJson(await postJson(`${ts.baseUrl}/no-such-endpoint`, {})),
  RATE_LIMITED: async () => {
    const list = () => postJson(`${limited.baseUrl}/admin/users/list`, { partner_id: limited.partnerId, ...signed(limited.partnerId, limited.productionKey) });
    expect((await list()).status).toBe(200);
    return fromJson(await list());
  },
  MULTIPART_INVALID: async () => {
    const { signature, timestamp } = generateSignature(ts.productionKey, ts.partnerId);
    // A part that never reaches the closing boundary.
    const body = '--b0undary\r\ncontent-disposition: form-data; name="user_id"\r\n\r\nunfinished';
    const res = await fetch(`${ts.origin}/v2/smart-selfie-enroll`, {
      method: 'POST',
      headers: {
        'content-type': 'multipart/form-data; boundary=b0undary',
        'SmileID-Partner-ID': ts.partnerId,
        'SmileID-Request-Signature': signature,
        'SmileID-Timestamp': timestamp,
      },
      body,
    });
    return { status: res.status, code: ((await res.json()) as { code?: string }).code };
  },
  CALLBACK_URL_NOT_ALLOWED: async () => fromJson(await prepUpload(ts, { userId: 'u', jobId: unique('j'), jobType: 4, callbackUrl: 'https://10.1.2.3/callback' })),
  PARTNER_PARAMS_MISMATCH: async () => {
    const { p, uploadUrl } = await prepared();
    return fromJson(await putZip(uploadUrl, await jobZip({ ...p, user_id: 'someone-else' }, { selfie })));
  },
  UNSUPPORTED_MEDIA_TYPE: async () => {
    const res = await fetch(`${ts.baseUrl}/upload`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<upload/>' });
    return { status: res.status, code: ((await res.json()) as { code?: string }).code };
  },
  UPLOAD_ZIP_INVALID: async () => fromJson(await putZip((await prepared()).uploadUrl, Buffer.from('this is not a zip file'))),
  UPLOAD_URL_UNKNOWN: async () => fromJson(await putZip((await prepared()).uploadUrl.replace(/\/uploads\/.*/, '/uploads/forged-token'), Buffer.from('x'))),
  UPLOAD_URL_EXPIRED: async () => {
    const { p, uploadUrl } = await prepared(tight);
    await new Promise((r) => setTimeout(r, 1200));
    return fromJson(await putZip(uploadUrl, await jobZip(p, { selfie: await syntheticSelfie() })));
  },
  UPLOAD_ALREADY_RECEIVED: async () => {
    const { p, uploadUrl } = await prepared();
    expect((await putZip(uploadUrl, await jobZip(p, { selfie }))).status).toBe(200);
    return fromJson(await putZip(uploadUrl, await jobZip(p, { selfie })));
  },
  WEB_TOKEN_INVALID: async () => {
    const [header, payload] = (await webToken()).split('.');
    return fromJson(await webUpload(`${header}.${payload}.forged-signature`));
  },
  WEB_TOKEN_EXPIRED: async () => {
    const token = await webToken(tight);
    await new Promise((r) => setTimeout(r, 2100));
    return fromJson(await webUpload(token, tight));
  },
  WEB_TOKEN_USED: async () => {
    const token = await webToken();
    const first = await webUpload(token);
    expect(first.status).toBe(200);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { partner_params: { user_id: string; job_id: string; job_type: number } };
    expect((await putZip(first.body.upload_url, await jobZip(claims.partner_params, { selfie }))).status).toBe(200);
    return fromJson(await webUpload(token));
  },
  FORBIDDEN: async () => fromPage(await (await reviewer()).get('/portal/keys')),
  REVIEW_NOT_PENDING: async () => {
    const { p, uploadUrl } = await prepared();
    await putZip(uploadUrl, await jobZip(p, { selfie }));
    const done = await waitForJob(ts, p.user_id, p.job_id);
    const portal = await reviewer();
    return fromPage(await portal.post(`/portal/review/${Number(done.result.SmileJobID)}/claim`, { _csrf: portal.csrf() }));
  },
  REVIEW_CLAIMED_BY_OTHER: async () => {
    const job = await provisionalJob(ts, await syntheticSelfie());
    const [alice, bob] = [await reviewer(), await reviewer()];
    expect((await alice.post(`/portal/review/${job.smileJobId}/claim`, { _csrf: alice.csrf() })).status).toBe(303);
    return fromPage(await bob.post(`/portal/review/${job.smileJobId}/claim`, { _csrf: bob.csrf() }));
  },
  REVIEW_NOT_CLAIMED: async () => {
    const job = await provisionalJob(ts, await syntheticSelfie());
    const portal = await reviewer();
    return fromPage(await portal.post(`/portal/review/${job.smileJobId}/decide`, { _csrf: portal.csrf(), decision: 'approve', reason: 'fine' }));
  },
  REVIEW_CANNOT_REGISTER: async () => {
    // A provisional enrolment of a picture with no face: approving it cannot register anyone.
    const job = await provisionalJob(ts, await syntheticSelfie());
    const portal = await reviewer();
    expect((await portal.post(`/portal/review/${job.smileJobId}/claim`, { _csrf: portal.csrf() })).status).toBe(303);
    await portal.get(`/portal/review/${job.smileJobId}`);
    return fromPage(await portal.post(`/portal/review/${job.smileJobId}/decide`, { _csrf: portal.csrf(), decision: 'approve', reason: 'fine' }));
  },
  STORAGE_BUSY: async () => {
    const lock = await holdExclusiveLock(join(ts.dataDir, 'likeness.db'), 1000);
    const res = await prepUpload(ts, { userId: 'u', jobId: unique('emit-busy'), jobType: 4 });
    await lock.released;
    return fromJson(res);
  },
  NOTHING_TO_REPLAY: async () => {
    const { p, uploadUrl } = await prepared();
    await putZip(uploadUrl, await jobZip(p, { selfie }));
    const done = await waitForJob(ts, p.user_id, p.job_id);
    const portal = await new PortalClient(ts.origin).session(await addAccount(ts, 'admin'));
    return fromPage(await portal.post(`/portal/jobs/${Number(done.result.SmileJobID)}/replay`, { _csrf: portal.csrf() }));
  },
};

describe.skipIf(!HAS_SHARED)('every registered error code is emitted by the server', () => {
  beforeAll(async () => {
    engine = await createEngine({ workers: 1 });
    brokenEngine = await createEngine({ workers: 1 });
    ts = await startTestServer({ engine });
    tight = await startTestServer({ engine, config: { uploadUrlTtlMs: 1000, bodyLimitBytes: 64 * 1024, webTokenTtlMs: 1000 } });
    broken = await startTestServer({ engine: brokenEngine });
    limited = await startTestServer({ engine, config: { rateLimitPerSecond: 1, rateLimitBurst: 1 } });
    await brokenEngine.close();
    selfie = sharedFile('faces', 'img1.jpg');
    enrolled = unique('emit-enrolled');
    await enrol(enrolled);
  }, 180_000);
  afterAll(async () => {
    await broken?.close();
    await limited?.close();
    await tight?.close();
    await ts?.close();
    await engine?.close();
  });

  it.each(Object.keys(TRIGGERS) as ApiErrorName[])('%s', async (name) => {
    const spec = API_ERRORS[name];
    expect(await TRIGGERS[name]()).toEqual({ status: spec.httpStatus, code: spec.code });
  });
});
