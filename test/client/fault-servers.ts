/**
 * @file Network faults for client tests: servers that never answer, or answer every request with a fixed error.
 * They stand in for broken networks, never for the Likeness server itself.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

export interface FaultServer {
  url: string;
  /** Requests received so far (method and path). */
  requests: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function listen(server: http.Server | https.Server, scheme: 'http' | 'https', handlerLog: FaultServer['requests']): Promise<FaultServer> {
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}/v1`,
    requests: handlerLog,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

function logging(log: FaultServer['requests'], handler: Handler): Handler {
  return (req, res) => {
    log.push({ method: req.method ?? '', path: req.url ?? '' });
    req.resume();
    handler(req, res);
  };
}

/** Accepts connections and requests, and never answers. */
export function silentServer(): Promise<FaultServer> {
  const log: FaultServer['requests'] = [];
  return listen(http.createServer(logging(log, () => undefined)), 'http', log);
}

/** Answers every request with `status` and a Smile ID-style error body. */
export function errorServer(status: number, code: string, headers: Record<string, string> = {}): Promise<FaultServer> {
  const log: FaultServer['requests'] = [];
  return listen(http.createServer(logging(log, (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ code, error: `injected ${status}` }));
  })), 'http', log);
}

/** An HTTPS server with a fresh self-signed certificate for 127.0.0.1, answering 404 to everything. */
export async function selfSignedServer(): Promise<FaultServer & { caCert: string }> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  const log: FaultServer['requests'] = [];
  const server = https.createServer({ key: pems.private, cert: pems.cert }, logging(log, (_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: '2291', error: 'Not found' }));
  }));
  return { ...(await listen(server, 'https', log)), caCert: pems.cert };
}

/** A port on which nothing listens. */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}
