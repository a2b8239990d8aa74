/**
 * @file Retries, timeouts and aborts against the real server, with faults injected by a proxy in front of it:
 * 5xx answers, hung requests and connections dropped after the server acted. A job is never created twice.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { LikenessAbortError, LikenessClient, type LikenessClientOptions } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { HAS_SHARED, SHARED_MISSING, sharedPath } from '../helpers/shared-data.js';
import { startFaultProxy, type FaultProxy, type ProxyAction } from './fault-proxy.js';

let seq = 0;
const uid = (prefix: string): string => `${prefix}-${Date.now()}-${++seq}`;
const selfie = (): string => sharedPath('faces', 'img1.jpg');
const fastRetry = { retries: 3, minDelayMs: 50, maxDelayMs: 200, factor: 2 };

if (!HAS_SHARED) console.warn(`client robustness e2e skipped: ${SHARED_MISSING}`);

describe.skipIf(!HAS_SHARED)('client robustness against the real server behind a faulty network', () => {
  let engine: FaceEngine;
  let ts: TestServer;
  let proxy: FaultProxy | undefined;
  let client: LikenessClient | undefined;

  beforeAll(async () => {
    engine = await createEngine({ workers: 2 });
    ts = await startTestServer({ engine });
  });
  afterEach(async () => {
    client?.close();
    await proxy?.close();
    proxy = undefined;
    client = undefined;
  });
  afterAll(async () => {
    await ts?.close();
    await engine?.close();
  });

  async function through(decide: (req: { method: string; path: string; index: number; json: Record<string, unknown> | undefined }) => ProxyAction, extra: Partial<LikenessClientOptions> = {}) {
    proxy = await startFaultProxy({ target: ts.origin, targetBaseUrl: ts.baseUrl, ca: ts.caCert, decide });
    client = new LikenessClient({ url: proxy.url, partnerId: ts.partnerId, apiKey: ts.productionKey, retry: fastRetry, ...extra });
    return { proxy, client };
  }

  it('rides out a server that answers 503 and then recovers', async () => {
    const { proxy, client } = await through(({ index }) => (index < 2 ? 'fail-503' : 'forward'));
    const job = await client.enroll({ userId: uid('flaky'), selfie: selfie() });
    const result = await client.waitForResult(job, { timeoutMs: 60_000, intervalMs: 250 });
    expect(result.outcome).toBe('approved');
    expect(proxy.log.slice(0, 3).map((r) => [r.path.endsWith('/upload') ? 'upload' : r.path, r.action])).toEqual([
      ['upload', 'fail-503'], ['upload', 'fail-503'], ['upload', 'forward'],
    ]);
    // A 503 from the proxy could have followed a created job, so the retry carried the retry flag and was accepted.
    expect(proxy.log[2]!.json?.retry).toBe('true');
    expect(proxy.log.filter((r) => r.path.endsWith('/upload') && r.upstreamStatus === 200)).toHaveLength(1);
  });

  it('retries a prep_upload whose answer was lost with retry:"true", reusing the job the server created', async () => {
    let dropped = false;
    const { proxy, client } = await through(({ path }) => {
      if (path.endsWith('/upload') && !dropped) {
        dropped = true;
        return 'drop-after-forward';
      }
      return 'forward';
    });
    const job = await client.enroll({ userId: uid('lost-prep'), selfie: selfie() });
    expect(job.retried).toBe(true);
    const uploads = proxy.log.filter((r) => r.path.endsWith('/upload'));
    expect(uploads.map((r) => [r.json?.retry, r.upstreamStatus])).toEqual([['false', 200], ['true', 200]]);
    expect((await client.waitForResult(job, { timeoutMs: 60_000, intervalMs: 250 })).outcome).toBe('approved');
  });

  it('treats a zip PUT whose answer was lost as uploaded once job_status confirms it', async () => {
    let dropped = false;
    const { proxy, client } = await through(({ method }) => {
      if (method === 'PUT' && !dropped) {
        dropped = true;
        return 'drop-after-forward';
      }
      return 'forward';
    });
    const job = await client.enroll({ userId: uid('lost-put'), selfie: selfie() });
    const puts = proxy.log.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect(puts[0]!.upstreamStatus).toBe(200);
    expect(puts[1]!.upstreamStatus).toBeGreaterThanOrEqual(400);
    expect((await client.waitForResult(job, { timeoutMs: 60_000, intervalMs: 250 })).outcome).toBe('approved');
  });

  it('times out a hung job_status request and retries it', async () => {
    let hung = 0;
    const { proxy, client } = await through(({ path }) => (path.endsWith('/job_status') && hung++ === 0 ? 'hang' : 'forward'), { timeoutMs: 1500 });
    const job = await client.enroll({ userId: uid('hang'), selfie: selfie() });
    const started = Date.now();
    const status = await client.jobStatus(job);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(status.raw.signature).toBeTruthy();
    expect(proxy.log.filter((r) => r.path.endsWith('/job_status')).map((r) => r.action)).toEqual(['hang', 'forward']);
  });

  it('never retries a 4xx: an unknown user is refused once', async () => {
    const { proxy, client } = await through(() => 'forward');
    await expect(client.authenticate({ userId: uid('nobody'), selfie: selfie() })).rejects.toMatchObject({ code: '2210' });
    expect(proxy.log.filter((r) => r.path.endsWith('/upload'))).toHaveLength(1);
  });

  it('stops at an abort between prep_upload and the upload: nothing is uploaded', async () => {
    const { proxy, client } = await through(() => 'forward');
    const controller = new AbortController();
    const userId = uid('abort');
    const jobId = uid('abort-job');
    await expect(client.enroll({
      userId, jobId, selfie: selfie(), signal: controller.signal,
      onProgress: (stage) => { if (stage === 'upload') controller.abort(); },
    })).rejects.toBeInstanceOf(LikenessAbortError);
    expect(proxy.log.filter((r) => r.method === 'PUT')).toHaveLength(0);
    const status = await client.jobStatus({ userId, jobId });
    expect(status).toMatchObject({ complete: false, outcome: 'pending', resultText: 'No zip uploaded' });
  });
});
