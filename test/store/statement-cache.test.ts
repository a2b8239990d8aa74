/** @file Prepared statements are compiled once per SQL text and the cache stays bounded. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StatementCache } from '../../src/store/sqlite/statement-cache.js';

describe('StatementCache', () => {
  it('returns the same compiled statement for the same SQL, and evicts the least recently used beyond its bound', () => {
    const db = new Database(':memory:');
    const cache = new StatementCache(db, 2);
    const a = cache.get('SELECT 1 AS v');
    expect(cache.get('SELECT 1 AS v')).toBe(a);
    expect(a.get()).toEqual({ v: 1 });
    const b = cache.get('SELECT 2 AS v');
    cache.get('SELECT 1 AS v'); // a is now the most recently used
    cache.get('SELECT 3 AS v'); // evicts b
    expect(cache.get('SELECT 1 AS v')).toBe(a);
    expect(cache.get('SELECT 2 AS v')).not.toBe(b);
    db.close();
  });
});
