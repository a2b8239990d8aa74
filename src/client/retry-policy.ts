/**
 * @file Bounded retries with exponential backoff for network failures, 5xx responses and 429 (never other 4xx), with
 * `Retry-After` honoured and an abortable wait.
 */
import { LikenessAbortError, LikenessApiError, LikenessNetworkError, LikenessTimeoutError } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt (0 disables retrying). Default 3. */
  retries: number;
  /** Delay before the first retry. Default 500 ms. */
  minDelayMs: number;
  /** Upper bound of any one delay. A `Retry-After` longer than this is not waited for: the error is thrown. Default 8000 ms. */
  maxDelayMs: number;
  /** Growth factor between retries. Default 2. */
  factor: number;
}

export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({ retries: 3, minDelayMs: 500, maxDelayMs: 8000, factor: 2 });

/**
 * Network failures, request timeouts, 5xx answers and 429 (rate limited: refused before doing anything) may succeed
 * on another try; other 4xx and validation errors never do.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof LikenessTimeoutError) return true;
  if (err instanceof LikenessNetworkError) return err.retryable;
  if (err instanceof LikenessApiError) return err.status >= 500 || err.status === 429;
  return false;
}

/** Delay before retry number `retry` (1-based): exponential with ±25 % jitter, or the server's `Retry-After`. */
export function backoffDelayMs(retry: number, options: RetryOptions, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, options.maxDelayMs);
  const base = Math.min(options.minDelayMs * options.factor ** (retry - 1), options.maxDelayMs);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/** Parses a `Retry-After` header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Resolves after `ms`, or rejects with `LikenessAbortError` as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new LikenessAbortError(signal.reason));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new LikenessAbortError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryHooks {
  signal?: AbortSignal;
  /** Called before each retry with the error that caused it and the delay about to be waited. */
  onRetry?: (info: { attempt: number; error: unknown; delayMs: number }) => void;
}

/**
 * Runs `attempt(n)` (n = 0, 1, …) until it succeeds, fails with a non-retryable error, or the retries are spent.
 * `attempt` receives the previous error so that it can adapt the next request (e.g. set a `retry` flag).
 */
export async function withRetries<T>(
  attempt: (n: number, previousError: unknown) => Promise<T>,
  options: RetryOptions,
  hooks: RetryHooks = {},
): Promise<T> {
  let previousError: unknown;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n, previousError);
    } catch (err) {
      if (n >= options.retries || !isRetryable(err) || hooks.signal?.aborted) throw err;
      const retryAfter = err instanceof LikenessApiError ? err.retryAfterMs : undefined;
      // Retrying before the server's Retry-After would only be refused again.
      if (retryAfter !== undefined && retryAfter > options.maxDelayMs) throw err;
      const delayMs = backoffDelayMs(n + 1, options, retryAfter);
      hooks.onRetry?.({ attempt: n + 1, error: err, delayMs });
      await sleep(delayMs, hooks.signal);
      previousError = err;
    }
  }
}
