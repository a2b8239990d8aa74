/**
 * @file API rate limits per partner and environment: 429 with 2292 and Retry-After once the burst is spent, counted
 * only for authenticated requests (a forger cannot spend a partner's budget), and the SDK waits as told and retries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LikenessClient } from '../../src/client/index.js';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { postJson, prepUpload, signed } from '../helpers/smile-client.js';

let engine: FaceEngine;
let ts: TestServer;

beforeAll(async () => {
  engine = await createEngine({ workers: 1 });
  ts = await startTestServer({ engine, config: { rateLimitPerSecond: 1, rateLimitBurst: 3 } });
});
afterAll(async () => {
  await ts?.close();
  await engine?.close();
});

const usersList = (env: 'production' | 'sandbox', key: string) =>
  fetch(`${env === 'production' ? ts.baseUrl : ts.sandboxUrl}/admin/users/list`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ partner_id: ts.partnerId, ...signed(ts.partnerId, key) }),
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('API rate limit', () => {
  it('answers 429 with 2292 and Retry-After once a partner environment’s burst is spent; the other environment is unaffected', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await usersList('production', ts.productionKey);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(limited!.headers.get('retry-after')).toBe('1');
    expect(await limited!.json()).toMatchObject({ code: '2292', error: expect.stringMatching(/Retry after 1 s/) });
    expect((await usersList('sandbox', ts.sandboxKey)).status).toBe(200);
    await sleep(1100);
    expect((await usersList('production', ts.productionKey)).status).toBe(200);
  });

  it('does not count requests whose signature is wrong', async () => {
    await sleep(3100);
    for (let i = 0; i < 6; i++) {
      const res = await postJson(`${ts.sandboxUrl}/admin/users/list`, { partner_id: ts.partnerId, ...signed(ts.partnerId, 'a forged key') });
      expect([res.status, res.body.code]).toEqual([401, '2205']);
    }
    for (let i = 0; i < 3; i++) expect((await usersList('sandbox', ts.sandboxKey)).status).toBe(200);
  });

  it('the SDK waits for Retry-After and retries 429, so every call succeeds', async () => {
    await sleep(3100);
    const job = { userId: 'rate-user', jobId: 'rate-job' };
    expect((await prepUpload(ts, { userId: job.userId, jobId: job.jobId, jobType: 4 })).status).toBe(200);
    const retries: Array<{ code: unknown; delayMs: number }> = [];
    const client = new LikenessClient({
      url: ts.baseUrl,
      partnerId: ts.partnerId,
      apiKey: ts.productionKey,
      ca: ts.caCert,
      onRetry: ({ error, delayMs }) => retries.push({ code: (error as { code?: unknown }).code, delayMs }),
    });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await client.jobStatus(job));
    expect(results.map((r) => r.complete)).toEqual([false, false, false, false]);
    expect(retries.length).toBeGreaterThan(0);
    for (const r of retries) expect(r).toEqual({ code: '2292', delayMs: 1000 });
  });
});
