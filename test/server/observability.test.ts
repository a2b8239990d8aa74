/**
 * @file What an operator sees: one log line per step of a job (with its ids and the request id, never images,
 * templates, keys or capability URLs), an optional access log, and /metrics that is not public and whose values move
 * as jobs, callbacks and reviews happen. Real server, real engine, real photo.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { burstFrames, HAS_SHARED } from '../helpers/shared-data.js';
import { jobZip, prepUpload, putZip, waitForJob } from '../helpers/smile-client.js';

const TOKEN = 'metrics-token-for-tests-0123456789';

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines, text: () => text };
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text() };
}

/** The value of one sample of the exposition text (0 when absent). */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe.skipIf(!HAS_SHARED)('logs and metrics', () => {
  let engine: FaceEngine;
  let ts: TestServer;
  let receiver: CallbackReceiver;
  const log = logCapture();
  let selfie: Buffer;
  let frames: Buffer[];

  beforeAll(async () => {
    engine = await createEngine({ workers: 1 });
    ts = await startTestServer({ engine, logger: log.logger, config: { metricsToken: TOKEN, accessLog: true } });
    receiver = await startCallbackReceiver();
    [selfie, ...frames] = burstFrames('live-1').map((f) => readFileSync(f));
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
    await engine?.close();
  });

  async function runJob(jobId: string, env: 'production' | 'sandbox', callbackUrl: string, extra: Record<string, unknown> = {}) {
    const p = { user_id: `obs-${jobId}`, job_id: jobId, job_type: 4 };
    const prep = await prepUpload(ts, { userId: p.user_id, jobId, jobType: 4, callbackUrl, extra }, env);
    expect(prep.status, JSON.stringify(prep.body)).toBe(200);
    expect((await putZip(prep.body.upload_url, await jobZip(p, { selfie, liveness: frames.slice(4) }))).status).toBe(200);
    await waitForJob(ts, p.user_id, jobId, env);
    return prep.body.upload_url as string;
  }

  it('logs each lifecycle step of a job with its ids, and nothing secret', async () => {
    const uploadUrl = await runJob('obs-1', 'production', receiver.url);
    await receiver.waitFor((b) => (b.PartnerParams as Record<string, unknown>).job_id === 'obs-1');
    await expect.poll(() => log.lines.some((l) => l.step === 'callback' && l.job_id === 'obs-1')).toBe(true);
    const steps = log.lines.filter((l) => l.job_id === 'obs-1');
    expect(steps.map((l) => l.step)).toEqual(['accepted', 'stored', 'engine', 'decision', 'callback']);
    for (const line of steps) {
      expect(line).toMatchObject({ partner_id: ts.partnerId, environment: 'production', job_id: 'obs-1', user_id: 'obs-obs-1' });
      expect(line.smile_job_id).toEqual(steps[0].smile_job_id);
    }
    // Steps inside a request carry its id; the access log line of that request has the same id.
    const accepted = steps[0];
    expect(typeof accepted.reqId).toBe('string');
    expect(log.lines.some((l) => l.msg === 'request' && l.reqId === accepted.reqId && l.route?.toString().endsWith('/upload'))).toBe(true);
    expect(steps[2]).toMatchObject({ engine_ms: expect.any(Number) });
    expect(steps[3]).toMatchObject({ result_code: expect.any(String), category: expect.any(String) });
    expect(steps[4]).toMatchObject({ outcome: 'delivered', status: 200, attempt: 1, destination: new URL(receiver.url).host });

    const text = log.text();
    const token = new URL(uploadUrl).pathname.split('/').pop()!;
    expect(text).not.toContain(token);
    expect(text).not.toContain(ts.productionKey);
    expect(text).not.toContain(ts.sandboxKey);
    expect(text).not.toContain(selfie.subarray(0, 300).toString('base64'));
    expect(text).not.toContain(frames[4].subarray(0, 300).toString('base64'));
    // No long base64 run of any kind (an image, a template, a key).
    expect(text).not.toMatch(/[A-Za-z0-9+/]{120,}/);
  });

  it('/metrics needs the bearer token; its values move as jobs finish, callbacks fail and reviews wait', async () => {
    const url = `${ts.origin}/metrics`;
    expect((await scrape(url)).status).toBe(401);
    expect((await scrape(url, { authorization: 'Bearer wrong-token-wrong-token-123' })).status).toBe(401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const before = await scrape(url, auth);
    expect(before.status).toBe(200);

    // A job whose callback receiver refuses connections, and a sandbox job sent to review.
    const refused = `http://127.0.0.1:${new URL(receiver.url).port === '9' ? 10 : 9}/cb`;
    await runJob('obs-2', 'production', refused);
    await runJob('obs-3', 'sandbox', receiver.url, { sandbox_result: 'provisional' });
    await expect.poll(async () => sample((await scrape(url, auth)).text, 'likeness_callback_failures_total', 'category="refused"')).toBeGreaterThan(0);
    const after = (await scrape(url, auth)).text;
    const completed = (t: string) => sample(t, 'likeness_jobs_completed_total', 'environment="production",category="rejected"') + sample(t, 'likeness_jobs_completed_total', 'environment="production",category="approved"');
    expect(completed(after)).toBeGreaterThan(completed(before.text));
    expect(sample(after, 'likeness_jobs_completed_total', 'environment="sandbox",category="provisional"')).toBe(1);
    expect(sample(after, 'likeness_engine_duration_seconds_count', 'class="queued"')).toBeGreaterThan(sample(before.text, 'likeness_engine_duration_seconds_count', 'class="queued"'));
    expect(sample(after, 'likeness_callbacks_delivered_total')).toBeGreaterThan(0);
    // Gauges read from the store: the review queue holds the sandbox job; the failed callback waits for its retry.
    expect(sample(after, 'likeness_review_queue_size')).toBe(1);
    expect(sample(after, 'likeness_review_oldest_age_seconds')).toBeGreaterThan(0);
    expect(after).toMatch(/^likeness_queue_depth\{queue="jobs"\} \d+/m);
    expect(after).toMatch(/^likeness_callback_backlog \d+/m);
    expect(after).toMatch(/^likeness_storage_errors_total/m);
  });
});

describe('where /metrics is served', () => {
  let engine: FaceEngine;
  beforeAll(async () => {
    engine = await createEngine({ workers: 1 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('without a token or metrics port: local clients only, not through a proxy', async () => {
    const ts = await startTestServer({ engine });
    try {
      expect((await scrape(`${ts.origin}/metrics`)).status).toBe(200);
      expect((await scrape(`${ts.origin}/metrics`, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(403);
    } finally {
      await ts.close();
    }
  });

  it('with a metrics port: there, and not on the API port', async () => {
    const ts = await startTestServer({ engine, config: { metricsPort: 0 } });
    try {
      expect(ts.server.metricsOrigin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await scrape(`${ts.origin}/metrics`)).status).toBe(404);
      const served = await scrape(`${ts.server.metricsOrigin}/metrics`);
      expect(served.status).toBe(200);
      expect(served.text).toContain('likeness_queue_depth');
    } finally {
      await ts.close();
    }
  });
});
