/**
 * @file Behind a TLS-terminating reverse proxy: the server serves plain HTTP only when asked (`--http`, with a logged
 * warning), believes X-Forwarded-* only from trusted proxies, and hands out upload URLs and image links under the
 * public origin. The proxy is a real HTTPS server forwarding to the real Likeness server, as nginx would.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { jobZip, postJson, prepUpload, putZip, signed } from '../helpers/smile-client.js';
import { syntheticSelfie } from '../portal/portal-helpers.js';

/** An HTTPS front that forwards every request to `target` over HTTP, saying what the client reached. */
async function tlsProxy(target: string): Promise<{ origin: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createHttpsServer({ cert: readFileSync(process.env.LIKENESS_TEST_TLS_CERT!), key: readFileSync(process.env.LIKENESS_TEST_TLS_KEY!) }, (req, res) => {
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress, 'x-forwarded-proto': 'https', 'x-forwarded-host': req.headers.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The test server's URLs, reached through another origin. */
function via(ts: TestServer, origin: string): TestServer {
  return { ...ts, origin, baseUrl: ts.baseUrl.replace(ts.origin, origin), sandboxUrl: ts.sandboxUrl.replace(ts.origin, origin) };
}

async function uploadSelfie(ts: TestServer, jobId: string): Promise<{ uploadUrl: string; imageLink: string }> {
  const params = { user_id: `user-${jobId}`, job_id: jobId, job_type: 4 };
  const prep = await prepUpload(ts, { userId: params.user_id, jobId, jobType: 4 });
  expect(prep.status).toBe(200);
  const uploadUrl = prep.body.upload_url as string;
  expect((await putZip(uploadUrl, await jobZip(params, { selfie: await syntheticSelfie() }))).status).toBe(200);
  const status = await postJson(`${ts.baseUrl}/job_status`, { user_id: params.user_id, job_id: jobId, partner_id: ts.partnerId, image_links: true, history: false, ...signed(ts.partnerId, ts.productionKey) });
  expect(status.status).toBe(200);
  return { uploadUrl, imageLink: (status.body.image_links as Record<string, string>).selfie_image };
}

describe('behind a TLS-terminating proxy', () => {
  let engine: FaceEngine;
  let ts: TestServer;
  let proxy: Awaited<ReturnType<typeof tlsProxy>>;
  const logLines: string[] = [];

  beforeAll(async () => {
    engine = await createEngine({ workers: 1 });
    const logStream = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
    ts = await startTestServer({ engine, config: { http: true, trustProxy: ['loopback'] }, logger: pino({ level: 'warn' }, logStream) });
    proxy = await tlsProxy(ts.origin);
  });
  afterAll(async () => {
    await proxy?.close();
    await ts?.close();
    await engine?.close();
  });

  it('serves plain HTTP only because --http asked for it, and warns about it', () => {
    expect(ts.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ts.server.tls).toBeNull();
    expect(logLines.some((l) => JSON.parse(l).level === 40 && /plain HTTP \(--http\)/.test(JSON.parse(l).msg))).toBe(true);
  });

  it('hands out upload URLs and image links under the origin the proxy forwarded', async () => {
    const { uploadUrl, imageLink } = await uploadSelfie(via(ts, proxy.origin), 'proxied-1');
    expect(uploadUrl.startsWith(`${proxy.origin}/uploads/`)).toBe(true);
    expect(imageLink.startsWith(`${proxy.origin}/images/`)).toBe(true);
    // The link works through the proxy: it is the URL a client can really use.
    const image = await fetch(imageLink);
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).equals(await syntheticSelfie())).toBe(true);
  });

  it('gives a client that reaches the server directly its listening origin', async () => {
    const { uploadUrl } = await uploadSelfie(ts, 'direct-1');
    expect(uploadUrl.startsWith(`${ts.origin}/uploads/`)).toBe(true);
  });
});

describe('forwarded headers from an untrusted peer, and a configured public URL', () => {
  let engine: FaceEngine;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    engine = await createEngine({ workers: 1 });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await engine?.close();
  });

  const forged = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'attacker.example' };

  it('ignores X-Forwarded-Host/-Proto from a peer that is not a trusted proxy', async () => {
    const ts = await startTestServer({ engine, config: { http: true, trustProxy: ['10.9.8.7'] } });
    servers.push(ts);
    const prep = await postJson(
      `${ts.baseUrl}/upload`,
      { file_name: 'selfie.zip', partner_params: { user_id: 'u', job_id: 'forged-1', job_type: 4 }, smile_client_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey) },
      { headers: forged },
    );
    expect(prep.status).toBe(200);
    expect(prep.body.upload_url.startsWith(`${ts.origin}/uploads/`)).toBe(true);
  });

  it('uses --public-url over anything forwarded', async () => {
    const ts = await startTestServer({ engine, config: { trustProxy: ['loopback'], publicUrl: 'https://id.example.com/' } });
    servers.push(ts);
    expect(ts.origin).toBe('https://id.example.com');
    const direct = { ...ts, baseUrl: ts.baseUrl.replace(ts.origin, `https://127.0.0.1:${(ts.server.http.server.address() as AddressInfo).port}`) };
    const prep = await postJson(
      `${direct.baseUrl}/upload`,
      { file_name: 'selfie.zip', partner_params: { user_id: 'u', job_id: 'public-1', job_type: 4 }, smile_client_id: ts.partnerId, ...signed(ts.partnerId, ts.productionKey) },
      { headers: forged },
    );
    expect(prep.status).toBe(200);
    expect(prep.body.upload_url.startsWith('https://id.example.com/uploads/')).toBe(true);
  });
});
