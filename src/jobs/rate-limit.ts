/**
 * @file API rate limits per partner and environment: a token bucket per key, refilled at a steady rate up to a
 * burst. Checked right after a request is authenticated (request-auth.ts), before it does anything, so a refused
 * request had no effect (clients may retry it) and a request with a forged signature spends no partner's budget.
 * State is per process behind the RateLimiter interface; a multi-node deployment needs a shared implementation.
 */
import type { ServerConfig } from '../config/server-config.js';
import { ApiError } from '../errors/api-errors.js';
import type { Environment } from '../store/types.js';

export interface RateLimiter {
  /** Takes one request's token for `key`: 0 when allowed, else the ms until a token is available. */
  take(key: string, now?: number): number;
}

/** A 429 that says when to come back; the HTTP layer sends `retryAfterSeconds` as Retry-After. */
export class RateLimitedError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many requests for this partner and environment. Retry after ${retryAfterSeconds} s`);
  }
}

/** Buckets idle this long are full again and are dropped, so memory follows the active partners only. */
const IDLE_DROP_MS = 10 * 60_000;

export class TokenBucketLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  take(key: string, now = Date.now()): number {
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return ((1 - bucket.tokens) / this.perSecond) * 1000;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < IDLE_DROP_MS) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.at > IDLE_DROP_MS) this.buckets.delete(key);
  }
}

const limiters = new WeakMap<Readonly<ServerConfig>, RateLimiter | null>();

function limiterFor(config: Readonly<ServerConfig>): RateLimiter | null {
  if (!limiters.has(config)) {
    limiters.set(config, config.rateLimitPerSecond > 0 ? new TokenBucketLimiter(config.rateLimitPerSecond, config.rateLimitBurst) : null);
  }
  return limiters.get(config)!;
}

/** Throws RateLimitedError when the partner's environment has spent its requests (no limit when configured 0). */
export function checkRateLimit(config: Readonly<ServerConfig>, partnerId: string, environment: Environment): void {
  const waitMs = limiterFor(config)?.take(`${environment}:${partnerId}`) ?? 0;
  if (waitMs > 0) throw new RateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
}
