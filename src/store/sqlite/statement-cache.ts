/**
 * @file Prepared statements kept by their SQL text. better-sqlite3 compiles the SQL on every `prepare()`; under
 * load that compilation was the largest cost on the server's event loop (the task queue alone prepares its claim
 * and wake-up queries many times a second), delaying every other request behind it.
 */
import type { Database, Statement } from 'better-sqlite3';

export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  /** `max` bounds the cache for queries built at run time (filters, paging); the least recently used go first. */
  constructor(private readonly db: Database, private readonly max = 256) {}

  get(sql: string): Statement {
    let s = this.statements.get(sql);
    if (s) {
      this.statements.delete(sql);
    } else {
      s = this.db.prepare(sql);
      if (this.statements.size >= this.max) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, s);
    return s;
  }
}
