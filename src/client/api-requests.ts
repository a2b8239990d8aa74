/**
 * @file The four protocol exchanges — prep_upload, the zip PUT, job_status and token — over one transport, with
 * signing, response parsing and (except for prep_upload, whose retries need the `retry` flag) bounded retries.
 */
import { LikenessApiError, LikenessProtocolError, LikenessSignatureError, LikenessValidationError } from './errors.js';
import { HttpTransport, type HttpResponse } from './http-transport.js';
import { DEFAULT_RETRY, parseRetryAfter, withRetries, type RetryHooks, type RetryOptions } from './retry-policy.js';
import type { JobStatusRequest, PrepUploadRequest, TokenRequest } from '../protocol/schemas.js';
import type { JobStatusResponse, PrepUploadResponse } from './result-types.js';
import { resolveBaseUrl } from './server-url.js';
import { computeSignature, verifySignature } from './signature.js';
import { SOURCE_SDK, SOURCE_SDK_VERSION } from './client-version.js';

/** Connection settings shared by the typed client and the compatible surface. */
export interface ConnectionOptions {
  /** Trusted CA certificate(s) (PEM) for the server, e.g. a self-signed Likeness server's. `NODE_EXTRA_CA_CERTS` also works. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Time limit of each JSON request, connection included. Default 30 000 ms. */
  timeoutMs?: number;
  /** Time limit of the zip upload. Default 120 000 ms. */
  uploadTimeoutMs?: number;
  /** Retry policy for network errors and 5xx answers (4xx are never retried). */
  retry?: Partial<RetryOptions>;
  /** Observes each retry (for logging). */
  onRetry?: RetryHooks['onRetry'];
}

export interface Credentials {
  partnerId: string;
  apiKey: string;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_UPLOAD_TIMEOUT_MS = 120_000;

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new LikenessValidationError(`${name} must be a positive number of milliseconds`);
  return value;
}

/** Signs, sends and parses protocol requests for one partner against one server. */
export class ApiRequests {
  readonly baseUrl: string;
  readonly partnerId: string;
  readonly retry: RetryOptions;
  private readonly apiKey: string;
  private readonly transport: HttpTransport;
  /** Time limit of each JSON request. */
  readonly timeoutMs: number;
  private readonly uploadTimeoutMs: number;
  private readonly onRetry: RetryHooks['onRetry'];

  constructor(sidServer: string | number, credentials: Credentials, options: ConnectionOptions = {}) {
    if (typeof credentials.partnerId !== 'string' || credentials.partnerId.length === 0) {
      throw new LikenessValidationError('partnerId is required');
    }
    if (typeof credentials.apiKey !== 'string' || credentials.apiKey.length === 0) {
      throw new LikenessValidationError('apiKey is required');
    }
    this.baseUrl = resolveBaseUrl(sidServer);
    this.partnerId = credentials.partnerId;
    this.apiKey = credentials.apiKey;
    this.transport = new HttpTransport({ ca: options.ca });
    this.timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
    this.uploadTimeoutMs = positive(options.uploadTimeoutMs, DEFAULT_UPLOAD_TIMEOUT_MS, 'uploadTimeoutMs');
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!Number.isInteger(retry.retries) || retry.retries < 0) throw new LikenessValidationError('retry.retries must be an integer ≥ 0');
    this.retry = retry;
    this.onRetry = options.onRetry;
  }

  /** A fresh `{ signature, timestamp }` pair over the current time. */
  sign(): { signature: string; timestamp: string } {
    const timestamp = new Date().toISOString();
    return { signature: computeSignature(this.partnerId, this.apiKey, timestamp), timestamp };
  }

  /** Verifies a server-signed message (job_status responses, callbacks). */
  verify(timestamp: unknown, signature: unknown): boolean {
    return verifySignature(this.partnerId, this.apiKey, timestamp, signature);
  }

  close(): void {
    this.transport.close();
  }

  /** One signed-JSON POST, no retries; throws `LikenessApiError` on a non-2xx answer. */
  async postOnce(path: string, body: PrepUploadRequest | JobStatusRequest | TokenRequest, options: RequestOptions & { timeoutMs?: number } = {}): Promise<Record<string, unknown>> {
    const label = `POST ${path}`;
    const res = await this.transport.send({
      method: 'POST',
      url: `${this.baseUrl}${path}`,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': `${SOURCE_SDK}/${SOURCE_SDK_VERSION}`,
      },
      body: Buffer.from(JSON.stringify(body)),
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      signal: options.signal,
      label,
    });
    const parsed = parseBody(res);
    if (res.status < 200 || res.status >= 300) throw new LikenessApiError(res.status, parsed, label, parseRetryAfter(res.headers['retry-after']));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new LikenessProtocolError(`${label}: expected a JSON object, got ${describe(res)}`);
    }
    return parsed as Record<string, unknown>;
  }

  /** Runs `fn` under this client's retry policy. */
  withRetries<T>(fn: (attempt: number, previousError: unknown) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetries(fn, this.retry, { signal, onRetry: this.onRetry });
  }

  /** `POST /upload` once, with the body the caller built (it owns the `retry` flag). */
  async prepUploadOnce(body: PrepUploadRequest, options: RequestOptions = {}): Promise<PrepUploadResponse> {
    const data = await this.postOnce('/upload', body, options);
    if (typeof data.upload_url !== 'string' || data.upload_url.length === 0 || data.smile_job_id === undefined) {
      throw new LikenessProtocolError('POST /upload: the response has no upload_url or smile_job_id');
    }
    return { ...data, upload_url: data.upload_url, smile_job_id: String(data.smile_job_id) } as PrepUploadResponse;
  }

  /** `PUT {upload_url}` once; the protocol allows exactly 200. */
  async putZipOnce(uploadUrl: string, zip: Buffer, options: RequestOptions = {}): Promise<void> {
    const label = 'PUT upload_url';
    const res = await this.transport.send({
      method: 'PUT',
      url: uploadUrl,
      headers: { 'content-type': 'application/zip', 'user-agent': `${SOURCE_SDK}/${SOURCE_SDK_VERSION}` },
      body: zip,
      timeoutMs: this.uploadTimeoutMs,
      signal: options.signal,
      label,
    });
    if (res.status === 200) return;
    if (res.status >= 200 && res.status < 300) throw new LikenessProtocolError(`Zip upload status code: ${res.status}`);
    throw new LikenessApiError(res.status, parseBody(res), label, parseRetryAfter(res.headers['retry-after']));
  }

  /** `POST /job_status` with retries; the response's signature is verified. */
  jobStatus(
    userId: string | number,
    jobId: string | number,
    options: RequestOptions & { history?: boolean; imageLinks?: boolean; timeoutMs?: number } = {},
  ): Promise<JobStatusResponse> {
    return this.withRetries(async () => {
      const body: JobStatusRequest = {
        user_id: userId,
        job_id: jobId,
        partner_id: this.partnerId,
        history: options.history ?? false,
        image_links: options.imageLinks ?? false,
        ...this.sign(),
      };
      const data = await this.postOnce('/job_status', body, options);
      if (!this.verify(data.timestamp, data.signature)) {
        throw new LikenessSignatureError('Unable to confirm validity of the job_status response');
      }
      return data as unknown as JobStatusResponse;
    }, options.signal);
  }

  /** `POST /token` with retries (asking twice only mints a second token). */
  token(
    params: { user_id: string; job_id: string; product: string; callback_url: string },
    options: RequestOptions = {},
  ): Promise<{ token: string; [key: string]: unknown }> {
    return this.withRetries(async () => {
      const body: TokenRequest = { ...params, product: params.product as TokenRequest['product'], partner_id: this.partnerId, ...this.sign() };
      const data = await this.postOnce('/token', body, options);
      if (typeof data.token !== 'string') throw new LikenessProtocolError('POST /token: the response has no token');
      return data as { token: string };
    }, options.signal);
  }
}

function parseBody(res: HttpResponse): unknown {
  const text = res.body.toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function describe(res: HttpResponse): string {
  const type = res.headers['content-type'] ?? 'no content type';
  return `${res.body.length} bytes of ${type}`;
}
