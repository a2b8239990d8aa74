/**
 * @file Typed errors thrown by the Likeness client. Each carries a stable `code`; `LikenessApiError.code` is the
 * server's own (Smile ID) code such as "2215".
 */

const BRAND = Symbol.for('likeness.client.error');

import { CLIENT_ERRORS } from '../errors/api-errors.js';

/** Stable codes of the errors raised by the client itself (API errors carry the server's code instead). */
export const CLIENT_ERROR_CODES = Object.freeze(
  Object.fromEntries(Object.entries(CLIENT_ERRORS).map(([name, spec]) => [name, spec.code])) as { readonly [K in keyof typeof CLIENT_ERRORS]: string },
);

/** Base class of every error the client throws. */
export class LikenessError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LikenessError';
    this.code = code;
  }

  /** Recognises client errors even when two copies of the client are loaded (a branded check, like undici's). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== LikenessError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
Object.defineProperty(LikenessError.prototype, BRAND, { value: true });

/** Arguments the caller passed are unusable; nothing was sent. Messages match the official SDK where it has one. */
export class LikenessValidationError extends LikenessError {
  constructor(message: string) {
    super(CLIENT_ERROR_CODES.validation, message);
    this.name = 'LikenessValidationError';
  }
}

/** The server answered with a non-success HTTP status; `code` is its machine-readable code (e.g. "2215"). */
export class LikenessApiError extends LikenessError {
  /** HTTP status of the response. */
  readonly status: number;
  /** The server's `error` text, when it sent one. */
  readonly serverMessage: string | undefined;
  /** The parsed response body (or raw text when it was not JSON). */
  readonly body: unknown;
  /** The same shape an AxiosError exposes, so code written for the official SDK (`err.response.data`) keeps working. */
  readonly response: { status: number; data: unknown };
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, body: unknown, endpoint: string, retryAfterMs?: number) {
    const parsed = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const code = parsed.code !== undefined && parsed.code !== null ? String(parsed.code) : `HTTP_${status}`;
    const serverMessage = typeof parsed.error === 'string' ? parsed.error : undefined;
    super(code, `${endpoint} failed with status code ${status}${serverMessage ? `: ${code} ${serverMessage}` : ''}`);
    this.name = 'LikenessApiError';
    this.status = status;
    this.serverMessage = serverMessage;
    this.body = body;
    this.response = { status, data: body };
    this.retryAfterMs = retryAfterMs;
  }
}

/** Whether the request may have reached the server before it failed (so repeating it could repeat its effect). */
export type DeliveryState = 'not-sent' | 'unknown';

/** A request did not complete within its time limit. */
export class LikenessTimeoutError extends LikenessError {
  readonly timeoutMs: number;
  readonly delivery: DeliveryState;

  constructor(endpoint: string, timeoutMs: number, delivery: DeliveryState) {
    super(CLIENT_ERROR_CODES.timeout, `${endpoint} timed out after ${timeoutMs} ms`);
    this.name = 'LikenessTimeoutError';
    this.timeoutMs = timeoutMs;
    this.delivery = delivery;
  }
}

/** The connection failed (refused, reset, DNS, TLS…). `syscallCode` is Node's code, e.g. "ECONNREFUSED". */
export class LikenessNetworkError extends LikenessError {
  readonly syscallCode: string | undefined;
  readonly delivery: DeliveryState;
  /** False for failures a retry cannot fix, such as an untrusted TLS certificate. */
  readonly retryable: boolean;

  constructor(endpoint: string, cause: unknown, delivery: DeliveryState, retryable: boolean) {
    const syscallCode = (cause as { code?: unknown } | undefined)?.code;
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(CLIENT_ERROR_CODES.network, `${endpoint} failed: ${detail}`, { cause });
    this.name = 'LikenessNetworkError';
    this.syscallCode = typeof syscallCode === 'string' ? syscallCode : undefined;
    this.delivery = delivery;
    this.retryable = retryable;
  }
}

/** The caller's `AbortSignal` fired. */
export class LikenessAbortError extends LikenessError {
  constructor(reason?: unknown) {
    super(CLIENT_ERROR_CODES.aborted, 'The operation was aborted', { cause: reason });
    this.name = 'AbortError';
  }
}

/** A signature (on a job_status response or a callback) is missing or does not verify. */
export class LikenessSignatureError extends LikenessError {
  constructor(message: string) {
    super(CLIENT_ERROR_CODES.signature, message);
    this.name = 'LikenessSignatureError';
  }
}

/** The server answered in a shape the protocol does not allow (not JSON, no `upload_url`, a 2xx other than 200…). */
export class LikenessProtocolError extends LikenessError {
  constructor(message: string) {
    super(CLIENT_ERROR_CODES.protocol, message);
    this.name = 'LikenessProtocolError';
  }
}

/** `waitForResult` gave up before the job completed; `lastStatus` is the last (incomplete) job_status body. */
export class LikenessJobTimeoutError extends LikenessError {
  readonly lastStatus: unknown;
  readonly timeoutMs: number;

  constructor(timeoutMs: number, lastStatus: unknown) {
    // The official SDK's exact message, so code that matches on it keeps working.
    super(CLIENT_ERROR_CODES.jobTimeout, 'Timeout waiting for job status response.');
    this.name = 'LikenessJobTimeoutError';
    this.lastStatus = lastStatus;
    this.timeoutMs = timeoutMs;
  }
}
