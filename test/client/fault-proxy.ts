/**
 * @file A plain-HTTP proxy in front of the real Likeness server that injects network faults into chosen requests:
 * 503 answers, requests that hang, and connections dropped after the server has processed the request. It rewrites
 * the server's origin in responses (upload_url) so that uploads go through it too.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/** What to do with one request: pass it on, or a fault. */
export type ProxyAction = 'forward' | 'fail-503' | 'hang' | 'drop-after-forward';

export interface ProxiedRequest {
  method: string;
  path: string;
  /** The parsed JSON body, when it is JSON. */
  json: Record<string, unknown> | undefined;
  action: ProxyAction;
  /** Status the server answered with (forwarded requests only). */
  upstreamStatus?: number;
}

export interface FaultProxy {
  /** Proxy origin + the server's path prefix: the `sid_server` to give the client. */
  url: string;
  log: ProxiedRequest[];
  close(): Promise<void>;
}

export async function startFaultProxy(options: {
  target: string;
  targetBaseUrl: string;
  ca: string;
  decide: (req: { method: string; path: string; json: Record<string, unknown> | undefined; index: number }) => ProxyAction;
}): Promise<FaultProxy> {
  const target = new URL(options.target);
  const log: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const agent = new https.Agent({ ca: options.ca });
  let origin = '';

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: Record<string, unknown> | undefined;
      try {
        json = req.headers['content-type']?.includes('json') ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      const entry: ProxiedRequest = { method: req.method ?? '', path: req.url ?? '', json, action: 'forward' };
      entry.action = options.decide({ method: entry.method, path: entry.path, json, index: log.length });
      log.push(entry);
      if (entry.action === 'hang') return;
      if (entry.action === 'fail-503') {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end(JSON.stringify({ code: '2201', error: 'injected by the test proxy' }));
        return;
      }
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const upstream = https.request({ hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers, agent }, (up) => {
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => {
          entry.upstreamStatus = up.statusCode;
          if (entry.action === 'drop-after-forward') {
            req.socket.destroy();
            return;
          }
          const text = Buffer.concat(parts).toString('utf8').split(target.origin).join(origin);
          const out: http.OutgoingHttpHeaders = { ...up.headers, 'content-length': String(Buffer.byteLength(text)) };
          delete out['transfer-encoding'];
          res.writeHead(up.statusCode ?? 502, out);
          res.end(text);
        });
      });
      upstream.on('error', (err) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
      upstream.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin + new URL(options.targetBaseUrl).pathname,
    log,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      agent.destroy();
      server.close(() => resolve());
    }),
  };
}
