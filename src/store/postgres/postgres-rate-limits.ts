/**
 * @file The cluster's rate-limit buckets: one row per partner environment, refilled and taken from by a single
 * UPSERT, so every API node spends from the same bucket and the row lock orders concurrent takes.
 */
import { waitForToken } from '../token-bucket.js';
import type { RateLimitStore } from '../types.js';
import { PLANS } from './plans.js';
import type { PostgresDb } from './postgres-db.js';

export class PostgresRateLimits implements RateLimitStore {
  constructor(private readonly db: PostgresDb) {}

  async takeToken(key: string, perSecond: number, burst: number, nowMs = Date.now()): Promise<number> {
    const { rows } = await this.db.run<{ tokens: number; granted: boolean }>(PLANS.takeToken, [key, perSecond, burst, nowMs]);
    return waitForToken(rows[0].granted, rows[0].tokens, perSecond);
  }
}
