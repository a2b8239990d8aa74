/**
 * @file /openapi.json: served by the running server, generated from the routes' own schemas. Fails when an endpoint
 * has no request or response schema, when an example in the document does not validate against its schema, and
 * when a real answer of the server does not match the schema the document gives for it.
 */
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { generateSignature } from '../../src/protocol/signature.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { jobStatus, jobZip, postJson, prepUpload, putZip, signed, waitForJob } from '../helpers/smile-client.js';
import { syntheticSelfie, unique } from '../portal/portal-helpers.js';

type Json = Record<string, any>;

let engine: FaceEngine;
let ts: TestServer;
let doc: Json;

/** Validates as OpenAPI 3.1 readers do (JSON Schema); `format` values are checked where they have a meaning here. */
const ajv = new Ajv({ strict: false, allErrors: true, formats: { binary: true, 'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/ } });
const withoutMeta = (schema: Json): Json => {
  const { $schema: _meta, ...rest } = schema;
  return rest;
};
function problems(schema: Json, value: unknown): string[] {
  const validate = ajv.compile(withoutMeta(schema));
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

/** Every documented operation: [method, path, operation]. */
const operations = (): [string, string, Json][] =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.entries(item as Json).map(([method, op]) => [method, path, op as Json] as [string, string, Json]));

/** The schema the document gives for a path's 200 answer. */
const okSchema = (method: string, path: string): Json => doc.paths[path][method].responses['200'].content['application/json'].schema;

beforeAll(async () => {
  engine = await createEngine({ workers: 1 });
  ts = await startTestServer({ engine });
  const res = await fetch(`${ts.origin}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = (await res.json()) as Json;
}, 120_000);
afterAll(async () => {
  await ts?.close();
  await engine?.close();
});

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document of every API endpoint, both environments, without the portal', () => {
    expect(doc.openapi).toBe('3.1.0');
    const listed = operations().map(([method, path]) => `${method.toUpperCase()} ${path}`);
    const expected = ['GET /health', 'GET /health/live', 'GET /health/ready', 'GET /metrics', 'PUT /uploads/{token}', 'GET /images/{smileJobId}/{role}/{index}'];
    for (const base of ['', '/sandbox']) {
      for (const p of ['upload', 'job_status', 'token', 'auth_smile']) expected.push(`POST ${base}/v1/${p}`);
      for (const p of ['users/list', 'users/deactivate', 'users/reactivate', 'users/delete', 'keys/rotate', 'callbacks/replay', 'callbacks/list', 'search']) expected.push(`POST ${base}/v1/admin/${p}`);
      for (const p of ['smart-selfie-enroll', 'smart-selfie-authentication']) expected.push(`POST ${base}/v2/${p}`);
    }
    expect(listed.sort()).toEqual(expected.sort());
  });

  it('gives every endpoint a summary, a request schema where it takes a body, a 200 schema and the error body', () => {
    const missing: string[] = [];
    for (const [method, path, op] of operations()) {
      const at = `${method.toUpperCase()} ${path}`;
      if (!op.summary) missing.push(`${at}: summary`);
      if (method !== 'get' && !op.requestBody?.content) missing.push(`${at}: request body schema`);
      const ok = op.responses?.['200']?.content;
      if (!ok || Object.values(ok).some((c: any) => !c.schema)) missing.push(`${at}: 200 response schema`);
      if (!path.startsWith('/health') && path !== '/metrics' && !op.responses?.['4XX']?.content?.['application/json']?.schema) missing.push(`${at}: error response schema`);
    }
    expect(missing).toEqual([]);
  });

  it('has examples for the JSON bodies, and every example validates against its schema', () => {
    const invalid: string[] = [];
    let examples = 0;
    for (const [method, path, op] of operations()) {
      const contents: [string, Json][] = [
        ...Object.entries((op.requestBody?.content ?? {}) as Json).map(([type, c]) => [`request ${type}`, c] as [string, Json]),
        ...Object.entries((op.responses ?? {}) as Json).flatMap(([status, r]) => Object.entries((r.content ?? {}) as Json).map(([type, c]) => [`${status} ${type}`, c] as [string, Json])),
      ];
      for (const [where, content] of contents) {
        const values = [...Object.values((content.examples ?? {}) as Json).map((e: any) => e.value), ...(content.example !== undefined ? [content.example] : [])];
        if (where.endsWith('application/json') && where.startsWith('200') && values.length === 0 && !path.startsWith('/health')) invalid.push(`${method} ${path} ${where}: no example`);
        for (const value of values) {
          examples++;
          for (const p of problems(content.schema, value)) invalid.push(`${method} ${path} ${where}: ${p}`);
        }
      }
    }
    expect(invalid).toEqual([]);
    expect(examples).toBeGreaterThan(40);
  });

  it('describes the v2 multipart fields and SmileID headers, and the upload as a raw zip', () => {
    const v2 = doc.paths['/v2/smart-selfie-authentication'].post;
    expect(Object.keys(v2.requestBody.content)).toEqual(['multipart/form-data']);
    expect(v2.requestBody.content['multipart/form-data'].schema.required).toEqual(['selfie_image']);
    expect(v2.parameters.filter((p: Json) => p.in === 'header' && p.required).map((p: Json) => p.name).sort()).toEqual(
      ['SmileID-Partner-ID', 'SmileID-Request-Signature', 'SmileID-Timestamp'].sort(),
    );
    expect(Object.keys(doc.paths['/uploads/{token}'].put.requestBody.content)).toContain('application/zip');
  });
});

describe('real answers match the schemas the document gives', () => {
  it('prep_upload, upload, job_status (pending and complete, with history and image links), token, errors, admin, v2', async () => {
    const userId = unique('openapi-user');
    const jobId = unique('openapi-job');
    const prep = await prepUpload(ts, { userId, jobId, jobType: 4 });
    expect(problems(okSchema('post', '/v1/upload'), prep.body)).toEqual([]);
    const pending = await jobStatus(ts, userId, jobId);
    expect(problems(okSchema('post', '/v1/job_status'), pending.body)).toEqual([]);
    const put = await putZip(prep.body.upload_url, await jobZip({ user_id: userId, job_id: jobId, job_type: 4 }, { selfie: await syntheticSelfie() }));
    expect(problems(okSchema('put', '/uploads/{token}'), put.body)).toEqual([]);
    await waitForJob(ts, userId, jobId);
    const complete = await postJson(`${ts.baseUrl}/job_status`, { user_id: userId, job_id: jobId, partner_id: ts.partnerId, history: true, image_links: true, ...signed(ts.partnerId, ts.productionKey) });
    expect(complete.body.history.length).toBe(1);
    expect(problems(okSchema('post', '/v1/job_status'), complete.body)).toEqual([]);

    const token = await postJson(`${ts.baseUrl}/token`, { user_id: userId, job_id: unique('web'), product: 'authentication', partner_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey) });
    expect(problems(okSchema('post', '/v1/token'), token.body)).toEqual([]);
    const error = await postJson(`${ts.baseUrl}/job_status`, { user_id: userId, job_id: jobId, partner_id: ts.partnerId, ...signed(ts.partnerId, 'wrong') });
    expect(error.status).toBe(401);
    expect(problems(doc.paths['/v1/job_status'].post.responses['4XX'].content['application/json'].schema, error.body)).toEqual([]);
    const users = await postJson(`${ts.baseUrl}/admin/users/list`, { partner_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey) });
    expect(problems(okSchema('post', '/v1/admin/users/list'), users.body)).toEqual([]);

    const { signature, timestamp } = generateSignature(ts.productionKey, ts.partnerId);
    const form = new FormData();
    form.append('selfie_image', new Blob([new Uint8Array(await syntheticSelfie())], { type: 'image/jpeg' }), 'selfie.jpg');
    form.append('partner_params', JSON.stringify({ ref: 'abc' }));
    const v2 = await fetch(`${ts.origin}/v2/smart-selfie-enroll`, {
      method: 'POST',
      headers: { 'SmileID-Partner-ID': ts.partnerId, 'SmileID-Request-Signature': signature, 'SmileID-Timestamp': timestamp },
      body: form,
    });
    expect(problems(okSchema('post', '/v2/smart-selfie-enroll'), await v2.json())).toEqual([]);
  });
});
