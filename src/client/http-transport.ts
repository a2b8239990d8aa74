/**
 * @file One HTTP(S) exchange over `node:http`/`node:https` with a whole-exchange timeout, AbortSignal support and a
 * custom CA, reporting failures as typed errors that say whether the request may have reached the server.
 */
import http from 'node:http';
import https from 'node:https';
import { LikenessAbortError, LikenessNetworkError, LikenessTimeoutError, type DeliveryState } from './errors.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
  /** A short name for error messages, e.g. "POST /upload". */
  label: string;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Response bodies above this size are refused (job_status with a long history stays far below it). */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** Connection failures that happen before any byte of the request can have been processed. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);
/** Failures a retry cannot fix: TLS trust and protocol mismatches (e.g. https:// against a plain-HTTP port). */
const PERMANENT_CODES = new Set([
  'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_INVALID_URL', 'HPE_INVALID_CONSTANT', 'HPE_INVALID_VERSION',
]);

/** Holds the per-client agents (so a custom CA applies to every request, including the upload PUT). */
export class HttpTransport {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;

  constructor(options: { ca?: string | Buffer | Array<string | Buffer> } = {}) {
    this.httpsAgent = new https.Agent({ keepAlive: true, ...(options.ca !== undefined ? { ca: options.ca } : {}) });
    this.httpAgent = new http.Agent({ keepAlive: true });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  send(req: HttpRequest): Promise<HttpResponse> {
    if (req.signal?.aborted) return Promise.reject(new LikenessAbortError(req.signal.reason));
    const url = new URL(req.url);
    const isHttps = url.protocol === 'https:';
    const lib = isHttps ? https : http;
    return new Promise<HttpResponse>((resolve, reject) => {
      let delivery: DeliveryState = 'not-sent';
      let settled = false;
      const finish = (err: Error | null, res?: HttpResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (err) {
          request.destroy();
          reject(err);
        } else resolve(res!);
      };
      const onAbort = (): void => finish(new LikenessAbortError(req.signal?.reason));
      const timer = setTimeout(() => finish(new LikenessTimeoutError(req.label, req.timeoutMs, delivery)), req.timeoutMs);

      const headers: Record<string, string> = { ...req.headers };
      if (req.body) headers['content-length'] = String(req.body.length);
      const request = lib.request(url, { method: req.method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent });
      request.on('socket', (socket) => {
        // A reused keep-alive socket is already connected; a new one counts as delivered once the handshake is done.
        if (!socket.connecting) delivery = 'unknown';
        else socket.once(isHttps ? 'secureConnect' : 'connect', () => { delivery = 'unknown'; });
      });
      request.on('error', (cause: NodeJS.ErrnoException) => {
        const code = cause.code ?? '';
        const state: DeliveryState = NOT_SENT_CODES.has(code) ? 'not-sent' : delivery;
        finish(new LikenessNetworkError(req.label, cause, state, !PERMANENT_CODES.has(code) && !code.startsWith('ERR_TLS_')));
      });
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            finish(new LikenessNetworkError(req.label, new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`), 'unknown', false));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (cause) => finish(new LikenessNetworkError(req.label, cause, 'unknown', true)));
        res.on('aborted', () => finish(new LikenessNetworkError(req.label, new Error('response aborted'), 'unknown', true)));
      });
      req.signal?.addEventListener('abort', onAbort, { once: true });
      request.end(req.body);
    });
  }
}
