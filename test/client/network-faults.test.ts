import { afterEach, describe, expect, it } from 'vitest';
import {
  LikenessAbortError, LikenessApiError, LikenessClient, LikenessJobTimeoutError, LikenessNetworkError, LikenessTimeoutError,
} from '../../src/client/index.js';
import { closedPortUrl, errorServer, selfSignedServer, silentServer, type FaultServer } from './fault-servers.js';

const creds = { partnerId: '001', apiKey: 'key' };
const fast = { minDelayMs: 20, maxDelayMs: 50, factor: 2 };
let server: FaultServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('request timeouts, aborts and retries (against network faults)', () => {
  it('times out a request the server never answers, retrying a bounded number of times', async () => {
    server = await silentServer();
    const client = new LikenessClient({ url: server.url, ...creds, timeoutMs: 200, retry: { retries: 2, ...fast } });
    const started = Date.now();
    const err = await client.jobStatus({ userId: 'u', jobId: 'j' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LikenessTimeoutError);
    expect((err as LikenessTimeoutError).delivery).toBe('unknown');
    expect(server.requests).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(3000);
    client.close();
  });

  it('aborts an in-flight request at once and does not retry it', async () => {
    server = await silentServer();
    const client = new LikenessClient({ url: server.url, ...creds, timeoutMs: 10_000, retry: { retries: 3, ...fast } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(client.jobStatus({ userId: 'u', jobId: 'j' }, { signal: controller.signal })).rejects.toBeInstanceOf(LikenessAbortError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
    client.close();
  });

  it('never retries a 4xx answer and exposes the server code', async () => {
    server = await errorServer(401, '2205');
    const client = new LikenessClient({ url: server.url, ...creds, retry: { retries: 3, ...fast } });
    const err = await client.jobStatus({ userId: 'u', jobId: 'j' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LikenessApiError);
    expect((err as LikenessApiError).code).toBe('2205');
    expect((err as LikenessApiError).status).toBe(401);
    expect((err as LikenessApiError).response.data).toEqual({ code: '2205', error: 'injected 401' });
    expect(server.requests).toHaveLength(1);
    client.close();
  });

  it('retries 5xx answers, bounded, then reports the last one', async () => {
    server = await errorServer(503, '2201', { 'retry-after': '0' });
    const retries: number[] = [];
    const client = new LikenessClient({ url: server.url, ...creds, retry: { retries: 2, ...fast }, onRetry: ({ attempt }) => retries.push(attempt) });
    const err = await client.jobStatus({ userId: 'u', jobId: 'j' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LikenessApiError);
    expect((err as LikenessApiError).status).toBe(503);
    expect(server.requests).toHaveLength(3);
    expect(retries).toEqual([1, 2]);
    client.close();
  });

  it('reports a refused connection as a network error known not to have been delivered', async () => {
    const url = await closedPortUrl();
    const client = new LikenessClient({ url, ...creds, retry: { retries: 1, ...fast } });
    const err = await client.jobStatus({ userId: 'u', jobId: 'j' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LikenessNetworkError);
    expect((err as LikenessNetworkError).syscallCode).toBe('ECONNREFUSED');
    expect((err as LikenessNetworkError).delivery).toBe('not-sent');
    client.close();
  });

  it('fails fast on an untrusted certificate and trusts it with the ca option', async () => {
    const tls = await selfSignedServer();
    server = tls;
    const untrusted = new LikenessClient({ url: tls.url, ...creds, retry: { retries: 3, ...fast } });
    const err = await untrusted.jobStatus({ userId: 'u', jobId: 'j' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LikenessNetworkError);
    expect((err as LikenessNetworkError).retryable).toBe(false);
    expect(tls.requests).toHaveLength(0);
    const trusted = new LikenessClient({ url: tls.url, ...creds, ca: tls.caCert });
    await expect(trusted.jobStatus({ userId: 'u', jobId: 'j' })).rejects.toMatchObject({ name: 'LikenessApiError', code: '2291', status: 404 });
    untrusted.close();
    trusted.close();
  });

  it('waitForResult gives up at its deadline even while a poll hangs', async () => {
    server = await silentServer();
    const client = new LikenessClient({ url: server.url, ...creds, timeoutMs: 10_000 });
    const started = Date.now();
    const err = await client.waitForResult({ userId: 'u', jobId: 'j' }, { timeoutMs: 400, intervalMs: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LikenessJobTimeoutError);
    expect((err as Error).message).toBe('Timeout waiting for job status response.');
    expect(Date.now() - started).toBeLessThan(1500);
    client.close();
  });

  it('waitForResult stops when its signal fires', async () => {
    server = await silentServer();
    const client = new LikenessClient({ url: server.url, ...creds });
    const started = Date.now();
    await expect(client.waitForResult({ userId: 'u', jobId: 'j' }, { timeoutMs: 10_000, signal: AbortSignal.timeout(150) })).rejects.toBeInstanceOf(LikenessAbortError);
    expect(Date.now() - started).toBeLessThan(1000);
    client.close();
  });
});
