/**
 * @file Every malformed request gets the documented code and a clear message, and leaves nothing half-written.
 */
import JSZip from 'jszip';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { jobStatus, jobZip, postJson, prepUpload, putZip, signed, waitForJob } from '../helpers/smile-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BACKENDS, storedImageKeys } from '../helpers/backends.js';

let engine: FaceEngine;
let ts: TestServer;
let n = 0;
const fresh = (jobType = 4) => ({ user_id: `bad-u-${++n}`, job_id: `bad-j-${n}`, job_type: jobType });

/** Every image the server's storage holds (to prove nothing was kept). */
const storedImages = () => storedImageKeys(ts.storage);

async function preparedJob(jobType = 4) {
  const p = fresh(jobType);
  const res = await prepUpload(ts, { userId: p.user_id, jobId: p.job_id, jobType: p.job_type });
  expect(res.status).toBe(200);
  return { p, uploadUrl: res.body.upload_url as string };
}

describe.each(BACKENDS)('%s backend', (backend) => {
  beforeAll(async () => {
    engine = await createEngine({ workers: 1 });
    ts = await startTestServer({ engine, backend, config: { bodyLimitBytes: 2 * 1024 * 1024, uploadUrlTtlMs: 1500 } });
  });
  afterAll(async () => {
    await ts?.close();
    await engine?.close();
  });

  describe('prep_upload rejects bad requests with Smile ID codes', () => {
    it('invalid JSON → 2203', async () => {
      const r = await postJson(`${ts.baseUrl}/upload`, null, { raw: '{"partner_params": ' });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('2203');
      expect(r.body.error).toMatch(/JSON/);
    });

    it('missing partner_params → 2213, mistyped job_type → 2204, unsupported job_type → 2212', async () => {
      const base = { smile_client_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey) };
      const missing = await postJson(`${ts.baseUrl}/upload`, base);
      expect(missing.body.code).toBe('2213');
      expect(missing.body.error).toMatch(/partner_params/);
      const typed = await postJson(`${ts.baseUrl}/upload`, { ...base, partner_params: { user_id: 'u', job_id: 'j', job_type: 'four' } });
      expect(typed.body.code).toBe('2204');
      const jt = await postJson(`${ts.baseUrl}/upload`, { ...base, partner_params: { user_id: 'u', job_id: 'j', job_type: 7 } });
      expect(jt.body.code).toBe('2212');
    });

    it('bad signature, missing signature, unknown partner and the other environment’s key → 2205', async () => {
      const params = { partner_params: fresh(), smile_client_id: ts.partnerId };
      const bad = await postJson(`${ts.baseUrl}/upload`, { ...params, timestamp: new Date().toISOString(), signature: 'AAAA' + signed(ts.partnerId, ts.productionKey).signature.slice(4) });
      expect([bad.status, bad.body.code]).toEqual([401, '2205']);
      const none = await postJson(`${ts.baseUrl}/upload`, { ...params, timestamp: new Date().toISOString() });
      expect(none.body.code).toBe('2205');
      const unknown = await postJson(`${ts.baseUrl}/upload`, { ...params, smile_client_id: '999', ...signed('999', ts.productionKey) });
      expect(unknown.body.code).toBe('2205');
      const wrongEnv = await postJson(`${ts.sandboxUrl}/upload`, { ...params, ...signed(ts.partnerId, ts.productionKey) });
      expect(wrongEnv.body.code).toBe('2205');
    });

    it('an oversized body → 413 with 2290', async () => {
      const r = await postJson(`${ts.baseUrl}/upload`, { padding: 'x'.repeat(3 * 1024 * 1024) });
      expect(r.status).toBe(413);
      expect(r.body.code).toBe('2290');
    });

    it('a duplicate job_id → 2215; a malformed callback_url → 2204', async () => {
      const p = fresh();
      expect((await prepUpload(ts, { userId: p.user_id, jobId: p.job_id, jobType: 4 })).status).toBe(200);
      const dup = await prepUpload(ts, { userId: p.user_id, jobId: p.job_id, jobType: 4 });
      expect([dup.status, dup.body.code]).toEqual([409, '2215']);
      const cb = await prepUpload(ts, { userId: 'cb-u', jobId: 'cb-j', jobType: 4, callbackUrl: 'not a url' });
      expect(cb.body.code).toBe('2204');
    });

    it('job_status for an unknown job → 404 with a clear message', async () => {
      const r = await jobStatus(ts, 'nobody', 'nothing');
      expect(r.status).toBe(404);
      expect(r.body.error).toMatch(/No job nothing/);
    });
  });

  describe('uploads reject bad zips and keep nothing', () => {
    it('a corrupt zip → PUT 400, job result 0903, no image kept', async () => {
      const { p, uploadUrl } = await preparedJob();
      const before = (await storedImages()).length;
      const r = await putZip(uploadUrl, Buffer.from('PK\u0003\u0004 this is not really a zip'));
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/zip/i);
      const status = await waitForJob(ts, p.user_id, p.job_id);
      expect(status.result.ResultCode).toBe('0903');
      expect(status.job_success).toBe(false);
      expect((await storedImages()).length).toBe(before);
    });

    it('a nested archive, a ../ path and a zip bomb are refused', async () => {
      const inner = await jobZip(fresh(), { selfie: await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer() });
      const nested = new JSZip();
      nested.file('info.json', '{}');
      nested.file('inner.zip', inner);
      const a = await preparedJob();
      expect((await putZip(a.uploadUrl, await nested.generateAsync({ type: 'nodebuffer' }))).status).toBe(400);

      const traversal = new JSZip();
      traversal.file('info.json', '{}');
      traversal.file('../../etc/evil.jpg', 'x');
      const b = await preparedJob();
      const rb = await putZip(b.uploadUrl, await traversal.generateAsync({ type: 'nodebuffer' }));
      expect(rb.status).toBe(400);
      expect(rb.body.error).toMatch(/path/i);

      const bomb = new JSZip();
      bomb.file('info.json', '{}');
      bomb.file('selfie.jpg', Buffer.alloc(30 * 1024 * 1024));
      const bombZip = await bomb.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
      const c = await preparedJob();
      const rc = await putZip(c.uploadUrl, bombZip);
      expect(rc.status).toBe(400);
      expect(rc.body.code).toBe('2390');
    });

    it('info.json that is not JSON → 2203 and the job still awaits a good zip', async () => {
      const { p, uploadUrl } = await preparedJob();
      const zip = new JSZip();
      zip.file('info.json', '{not json');
      const r = await putZip(uploadUrl, await zip.generateAsync({ type: 'nodebuffer' }));
      expect(r.body.code).toBe('2203');
      const status = await jobStatus(ts, p.user_id, p.job_id);
      expect(status.body.job_complete).toBe(false);
      expect(status.body.result).toBe('No zip uploaded');
    });

    it('a selfie that is not an image, or an enormous one, ends the job as 0001 (selfie unusable)', async () => {
      const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');
      const { p, uploadUrl } = await preparedJob();
      expect((await putZip(uploadUrl, await jobZip(p, { selfie: pdf }))).status).toBe(200);
      expect((await waitForJob(ts, p.user_id, p.job_id)).result.ResultCode).toBe('0001');

      // A PNG header claiming 30000×30000: refused before any pixel is allocated.
      const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer();
      png.writeUInt32BE(30000, 16);
      png.writeUInt32BE(30000, 20);
      const big = await preparedJob();
      expect((await putZip(big.uploadUrl, await jobZip(big.p, { selfie: png }))).status).toBe(200);
      expect((await waitForJob(ts, big.p.user_id, big.p.job_id)).result.ResultCode).toBe('0001');
    });

    it('a zip without a selfie ends the job as 0001', async () => {
      const { p, uploadUrl } = await preparedJob();
      expect((await putZip(uploadUrl, await jobZip(p, {}))).status).toBe(200);
      const status = await waitForJob(ts, p.user_id, p.job_id);
      expect(status.result.ResultCode).toBe('0001');
    });

    it('an empty body → 2314; an unknown upload URL → 2391; a used one → 409 2393; an expired one → 2392', async () => {
      const { uploadUrl } = await preparedJob();
      expect((await putZip(uploadUrl, Buffer.alloc(0))).body.code).toBe('2314');
      const foreign = uploadUrl.replace(/\/uploads\/.*/, '/uploads/forged-token');
      expect((await putZip(foreign, Buffer.from('x'))).body.code).toBe('2391');

      const used = await preparedJob();
      const selfie = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#777' } }).jpeg().toBuffer();
      expect((await putZip(used.uploadUrl, await jobZip(used.p, { selfie }))).status).toBe(200);
      const again = await putZip(used.uploadUrl, await jobZip(used.p, { selfie }));
      expect([again.status, again.body.code]).toEqual([409, '2393']);

      const late = await preparedJob();
      await new Promise((r) => setTimeout(r, 1700));
      const expired = await putZip(late.uploadUrl, await jobZip(late.p, { selfie }));
      expect([expired.status, expired.body.code]).toEqual([410, '2392']);
    });

    it('info.json whose partner_params contradict prep_upload → 2293', async () => {
      const { p, uploadUrl } = await preparedJob();
      const selfie = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#777' } }).jpeg().toBuffer();
      const r = await putZip(uploadUrl, await jobZip({ ...p, user_id: 'someone-else' }, { selfie }));
      expect(r.body.code).toBe('2293');
    });
  });
});
