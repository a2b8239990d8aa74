/**
 * @file smile_config.json for Smile ID's mobile SDKs, used the way each SDK uses it against the real server:
 * `likeness partner config` prints it; Android resolves absolute `/v1/…` and `/v2/…` paths against the host of the
 * chosen URL (Retrofit), iOS appends relative paths to it and strips its `/v1/` for `/v2` calls; both trade the
 * auth_token for a signature at `/v1/auth_smile` first. The portal's keys page offers the same file to admins.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { rotateApiKey } from '../../src/jobs/api-keys.js';
import type { SmileConfigFile } from '../../src/jobs/sdk-config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { postJson } from '../helpers/smile-client.js';
import { addAccount, PortalClient, syntheticSelfie, unique } from '../portal/portal-helpers.js';

const MAIN = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');

function likeness(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO_ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let engine: FaceEngine;
/** Sandbox on its own host name: `localhost` (in the test certificate), production on 127.0.0.1. */
let ts: TestServer;
/** No sandbox host: the sandbox only under /sandbox. */
let plain: TestServer;
let sandboxOrigin: string;

async function configFile(server: TestServer, env: 'sandbox' | 'production', extra: string[] = []): Promise<SmileConfigFile> {
  const run = await likeness(['partner', 'config', '--env', env, '--json', '--data', server.dataDir, '--url', server.origin, ...extra]);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as SmileConfigFile;
}

/** What `SmileID.api.authenticate(AuthenticationRequest(...))` posts (Android Authentication.kt, iOS Authentication.swift). */
function authRequest(config: SmileConfigFile, production: boolean, extra: Record<string, unknown> = {}) {
  return { job_type: 4, enrollment: true, signature: true, production, partner_id: config.partner_id, auth_token: config.auth_token, ...extra };
}

/** A v2 enrolment as the SDKs send it, with the headers their auth interceptors add from the auth_smile answer. */
async function enrollV2(url: string, config: SmileConfigFile, auth: { signature: string; timestamp: string }, sandboxResult?: string) {
  const selfie = await syntheticSelfie();
  const form = new FormData();
  form.append('selfie_image', new Blob([new Uint8Array(selfie)], { type: 'image/jpeg' }), 'selfie.jpg');
  form.append('liveness_images', new Blob([new Uint8Array(selfie)], { type: 'image/jpeg' }), 'l0.jpg');
  form.append('user_id', unique('mobile-u'));
  if (sandboxResult !== undefined) form.append('sandbox_result', sandboxResult);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'SmileID-Partner-ID': config.partner_id, 'SmileID-Request-Signature': auth.signature, 'SmileID-Timestamp': auth.timestamp, 'SmileID-Source-SDK': 'android' },
    body: form,
  });
  return { status: res.status, body: await res.json() };
}

/** Android: Retrofit resolves the service's absolute paths against the base URL, keeping only its origin. */
const android = (base: string, absolutePath: string) => new URL(absolutePath, base).href;
/** iOS: `baseURL.appendingPathComponent(path)`; multipart calls first remove the base URL's last `/v1/`. */
const ios = (base: string, relativePath: string) => `${base.replace(/\/$/, '')}/${relativePath}`;
const iosMultipart = (base: string, path2: string) => {
  const at = base.lastIndexOf('/v1/');
  return `${at >= 0 ? base.slice(0, at) + base.slice(at + 4) : base}${path2}`.replace(/([^:])\/\//, '$1/');
};

beforeAll(async () => {
  engine = await createEngine({ workers: 1 });
  ts = await startTestServer({ engine, config: { sandboxUrl: 'https://localhost' } });
  plain = await startTestServer({ engine });
  sandboxOrigin = ts.origin.replace('127.0.0.1', 'localhost');
});

afterAll(async () => {
  await ts?.close();
  await plain?.close();
  await engine?.close();
});

describe('likeness partner config', () => {
  it('prints the fields every SDK reads, with URLs ending in /v1/', async () => {
    const file = await configFile(ts, 'sandbox', ['--sandbox-url', sandboxOrigin]);
    expect(Object.keys(file).sort()).toEqual(['auth_token', 'partner_id', 'prod_lambda_url', 'prod_url', 'test_lambda_url', 'test_url']);
    expect(file).toMatchObject({
      partner_id: ts.partnerId,
      prod_lambda_url: `${ts.origin}/v1/`,
      prod_url: `${ts.origin}/v1/`,
      test_lambda_url: `${sandboxOrigin}/v1/`,
      test_url: `${sandboxOrigin}/v1/`,
    });
    expect(file.auth_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(file)).not.toContain(ts.sandboxKey);
    const production = await configFile(ts, 'production', ['--sandbox-url', sandboxOrigin]);
    expect(production.auth_token).not.toBe(file.auth_token);
  });

  it('without a sandbox host, points the sandbox at /sandbox/v1/ and warns that Android cannot reach it', async () => {
    const run = await likeness(['partner', 'config', '--env', 'sandbox', '--data', plain.dataDir, '--url', plain.origin]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).test_lambda_url).toBe(`${plain.origin}/sandbox/v1/`);
    expect(run.stderr).toMatch(/Android SDK cannot reach.*--sandbox-url/);
  });

  it('refuses an unknown environment and an unknown partner', async () => {
    expect((await likeness(['partner', 'config', '--env', 'staging', '--data', ts.dataDir])).code).not.toBe(0);
    const unknown = await likeness(['partner', 'config', '--env', 'sandbox', '--partner', 'nobody', '--data', ts.dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No partner nobody/);
  });
});

describe('the SDKs with the file', () => {
  it('Android sandbox: /v1/auth_smile and /v2 on the sandbox host reach the sandbox (sandbox_result is accepted)', async () => {
    const file = await configFile(ts, 'sandbox', ['--sandbox-url', sandboxOrigin]);
    const auth = await postJson(android(file.test_lambda_url, '/v1/auth_smile'), authRequest(file, false, { user_id: 'u-1' }));
    expect(auth.status).toBe(200);
    expect(auth.body).toMatchObject({ success: true, partner_params: { user_id: 'u-1', job_type: 4 } });
    expect(auth.body.partner_params.job_id).toMatch(/^job-/);
    const enrolled = await enrollV2(android(file.test_lambda_url, '/v2/smart-selfie-enroll'), file, auth.body, '0');
    expect(enrolled.status).toBe(200);
    expect(enrolled.body.status).toBe('approved');
  });

  it('Android production: the signature works for /v2 and for the v1 prep_upload of the zip flow', async () => {
    const file = await configFile(ts, 'production', ['--sandbox-url', sandboxOrigin]);
    const auth = await postJson(android(file.prod_lambda_url, '/v1/auth_smile'), authRequest(file, true, { job_type: 2, enrollment: false }));
    expect(auth.status).toBe(200);
    expect(auth.body.partner_params.job_type).toBe(2);
    const refused = await enrollV2(android(file.prod_lambda_url, '/v2/smart-selfie-enroll'), file, auth.body, '0');
    expect([refused.status, refused.body.code]).toEqual([400, '2204']); // production: sandbox_result is refused, so auth passed
    const prep = await postJson(android(file.prod_lambda_url, '/v1/upload'), {
      source_sdk: 'android', source_sdk_version: '10.0.0', file_name: 'upload.zip', smile_client_id: file.partner_id,
      callback_url: '', model_parameters: {}, partner_params: { user_id: unique('u'), job_id: unique('j'), job_type: 4 },
      signature: auth.body.signature, timestamp: auth.body.timestamp,
    });
    expect(prep.status).toBe(200);
    expect(prep.body.upload_url).toContain(ts.origin);
  });

  it('iOS: the /sandbox/v1/ prefix works (relative paths, /v1/ stripped for /v2)', async () => {
    const file = await configFile(plain, 'sandbox');
    expect(ios(file.test_lambda_url, 'auth_smile')).toBe(`${plain.origin}/sandbox/v1/auth_smile`);
    const auth = await postJson(ios(file.test_lambda_url, 'auth_smile'), authRequest(file, false));
    expect(auth.status).toBe(200);
    const url = iosMultipart(file.test_lambda_url, '/v2/smart-selfie-enroll');
    expect(url).toBe(`${plain.origin}/sandbox/v2/smart-selfie-enroll`);
    expect((await enrollV2(url, file, auth.body, '0')).status).toBe(200);
  });

  it('Android with a /sandbox/v1/ URL lands on production and is told how to fix it (2204)', async () => {
    const file = await configFile(plain, 'sandbox');
    const r = await postJson(android(file.test_lambda_url, '/v1/auth_smile'), authRequest(file, false));
    expect([r.status, r.body.code]).toEqual([400, '2204']);
    expect(r.body.error).toMatch(/production API but the SDK asked for the sandbox.*--sandbox-url/);
  });

  it('refuses a token of the other environment, a bad token, another job type, and a token of a rotated key (2205)', async () => {
    const sandbox = await configFile(plain, 'sandbox');
    const production = await configFile(plain, 'production');
    const other = await postJson(`${plain.origin}/v1/auth_smile`, authRequest({ ...production, auth_token: sandbox.auth_token }, true));
    expect([other.status, other.body.code]).toEqual([401, '2205']);
    const bad = await postJson(`${plain.origin}/v1/auth_smile`, authRequest({ ...production, auth_token: 'x' }, true));
    expect([bad.status, bad.body.code]).toEqual([401, '2205']);
    const docv = await postJson(`${plain.origin}/v1/auth_smile`, authRequest(production, true, { job_type: 6 }));
    expect([docv.status, docv.body.code]).toEqual([400, '2212']);
    await rotateApiKey(plain.server.ctx.store, plain.partnerId, 'production');
    const rotated = await postJson(`${plain.origin}/v1/auth_smile`, authRequest(production, true));
    expect([rotated.status, rotated.body.code]).toEqual([401, '2205']);
    expect(rotated.body.error).toMatch(/rotated/);
  });
});

describe('portal keys page', () => {
  async function download(client: PortalClient, env: string) {
    const res = await fetch(`${ts.origin}/portal/keys/smile_config.json?env=${env}`, {
      redirect: 'manual',
      headers: client.cookies.size ? { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {},
    });
    return { status: res.status, disposition: res.headers.get('content-disposition'), text: await res.text() };
  }

  it('offers each environment\'s smile_config.json to admins, the same file the CLI prints', async () => {
    const admin = await new PortalClient(ts.origin).session(await addAccount(ts, 'admin'));
    const page = await admin.get('/portal/keys');
    expect(page.body).toContain('/portal/keys/smile_config.json?env=sandbox');
    expect(page.body).toContain('/portal/keys/smile_config.json?env=production');
    for (const env of ['sandbox', 'production'] as const) {
      const res = await download(admin, env);
      expect(res.status).toBe(200);
      expect(res.disposition).toBe('attachment; filename="smile_config.json"');
      const file = JSON.parse(res.text) as SmileConfigFile;
      expect(file).toEqual({ ...(await configFile(ts, env, ['--sandbox-url', 'https://localhost'])) });
    }
    expect((await download(admin, 'staging')).status).toBe(400);
  });

  it('is not for reviewers or anonymous visitors', async () => {
    const reviewer = await new PortalClient(ts.origin).session(await addAccount(ts, 'reviewer'));
    expect((await download(reviewer, 'production')).status).toBe(403);
    const anonymous = await download(new PortalClient(ts.origin), 'production');
    expect(anonymous.status).not.toBe(200);
    expect(anonymous.text).not.toContain('auth_token');
  });
});
