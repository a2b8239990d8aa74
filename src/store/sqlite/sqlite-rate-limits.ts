/**
 * @file The embedded rate-limit buckets: rows of the same database, updated by one UPSERT per request on a
 * connection of their own that never waits for a lock, so a database locked by another process (a backup) does not
 * hold up reads: the request that cannot be counted then goes ahead (the limit protects capacity, not data).
 */
import Database, { type Statement } from 'better-sqlite3';
import { waitForToken } from '../token-bucket.js';
import type { RateLimitStore } from '../types.js';

export class SqliteRateLimits implements RateLimitStore {
  private readonly db: Database.Database;
  private readonly take: Statement;

  /** `backgroundCheckpoints`: the server's WalCheckpointer checkpoints, not this connection's commits. */
  constructor(file: string, backgroundCheckpoints: boolean) {
    this.db = new Database(file);
    this.db.pragma('busy_timeout = 0');
    this.db.pragma('synchronous = NORMAL');
    if (backgroundCheckpoints) this.db.pragma('wal_autocheckpoint = 0');
    // In the update, rate_buckets.* is the row before it; both columns are computed from the same refill.
    this.take = this.db.prepare(`
      INSERT INTO rate_buckets (key, tokens, at_ms, granted) VALUES (@key, @burst - 1, @now, 1)
      ON CONFLICT (key) DO UPDATE SET
        granted = min(@burst, tokens + max(0, @now - at_ms) * @rate / 1000.0) >= 1,
        tokens = min(@burst, tokens + max(0, @now - at_ms) * @rate / 1000.0) - (min(@burst, tokens + max(0, @now - at_ms) * @rate / 1000.0) >= 1),
        at_ms = max(at_ms, @now)
      RETURNING tokens, granted`);
  }

  async takeToken(key: string, perSecond: number, burst: number, nowMs = Date.now()): Promise<number> {
    try {
      const r = this.take.get({ key, burst, rate: perSecond, now: nowMs }) as { tokens: number; granted: number };
      return waitForToken(r.granted === 1, r.tokens, perSecond);
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) return 0;
      throw err;
    }
  }

  close(): void {
    this.db.close();
  }
}
