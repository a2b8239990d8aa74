/**
 * @file API rate limits per partner and environment: a token bucket per key, refilled at a steady rate up to a
 * burst. Checked right after a request is authenticated (request-auth.ts), before it does anything, so a refused
 * request had no effect (clients may retry it) and a request with a forged signature spends no partner's budget.
 * The buckets live in the storage backend (one UPSERT per request), so every API node of a cluster spends from the
 * same one.
 */
import { ApiError } from '../errors/api-errors.js';
import type { Environment } from '../store/types.js';
import type { JobContext } from './context.js';

/** A 429 that says when to come back; the HTTP layer sends `retryAfterSeconds` as Retry-After. */
export class RateLimitedError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many requests for this partner and environment. Retry after ${retryAfterSeconds} s`);
  }
}

/** Throws RateLimitedError when the partner's environment has spent its requests (no limit when configured 0). */
export async function checkRateLimit(ctx: Pick<JobContext, 'config' | 'rateLimits'>, partnerId: string, environment: Environment): Promise<void> {
  const { rateLimitPerSecond, rateLimitBurst } = ctx.config;
  if (rateLimitPerSecond <= 0) return;
  const waitMs = await ctx.rateLimits.takeToken(`${environment}:${partnerId}`, rateLimitPerSecond, rateLimitBurst);
  if (waitMs > 0) throw new RateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
}
