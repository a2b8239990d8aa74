/**
 * @file The token bucket behind the API rate limit: a burst, then one request per 1/rate seconds, with the wait
 * until the next token reported exactly.
 */
import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from '../../src/jobs/rate-limit.js';

describe('TokenBucketLimiter', () => {
  it('allows the burst at once, then refills at the sustained rate, per key', () => {
    const limiter = new TokenBucketLimiter(4, 2);
    const t0 = 1_000_000;
    expect([limiter.take('a', t0), limiter.take('a', t0)]).toEqual([0, 0]);
    expect(limiter.take('a', t0)).toBe(250);
    expect(limiter.take('b', t0)).toBe(0);
    expect(limiter.take('a', t0 + 100)).toBeCloseTo(150);
    expect(limiter.take('a', t0 + 250)).toBe(0);
    // Idle time refills up to the burst, never beyond.
    expect([limiter.take('a', t0 + 60_000), limiter.take('a', t0 + 60_000), limiter.take('a', t0 + 60_000)]).toEqual([0, 0, 250]);
  });
});
