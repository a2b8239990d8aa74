/**
 * @file The embedded task queue: a table in the same SQLite database as the records, so a record change and the
 * task it creates commit together. One process owns the file, so waking workers is an in-process signal.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { LeaseLostError, parseTaskToken, taskToken } from '../task-token.js';
import type { JobQueue, Task, TaskKind } from '../types.js';
import { WorkSignal } from '../work-signal.js';
import { StatementCache } from './statement-cache.js';

type Row = Record<string, unknown>;

export class SqliteTaskQueue implements JobQueue {
  private readonly statements: StatementCache;
  private readonly signal = new WorkSignal<TaskKind>();
  /** Kinds inserted since the last commit signal, announced by `committed()`. */
  private readonly inserted = new Set<TaskKind>();

  constructor(private readonly db: Db) {
    this.statements = new StatementCache(db);
  }

  private sql(text: string): Statement {
    return this.statements.get(text);
  }

  /** For record-store transactions: call inside the transaction, then `committed()` after it. */
  insert(kind: TaskKind, payload: Task['payload'], runAt = Date.now()): void {
    this.sql("INSERT INTO tasks (kind, payload, state, run_at, created_at) VALUES (?, ?, 'ready', ?, ?)")
      .run(kind, JSON.stringify(payload), runAt, new Date().toISOString());
    this.inserted.add(kind);
  }

  /** A task created already leased to its creator (a synchronous job's processing); returns its task id. */
  insertLeased(kind: TaskKind, payload: Task['payload'], leaseMs: number): string {
    const t = Date.now();
    const res = this.sql("INSERT INTO tasks (kind, payload, state, run_at, lease_until, attempts, created_at) VALUES (?, ?, 'leased', ?, ?, 1, ?)")
      .run(kind, JSON.stringify(payload), t, t + leaseMs, new Date(t).toISOString());
    return taskToken(Number(res.lastInsertRowid), 1);
  }

  committed(): void {
    const kinds = [...this.inserted];
    this.inserted.clear();
    for (const kind of kinds) this.signal.fire(kind);
  }

  /** A lease that ran out (its worker died or hung) is claimable again, like a ready task. */
  async claim(kinds: TaskKind[], leaseMs: number, skipDestinations: readonly string[] = []): Promise<Task | null> {
    return this.db.transaction(() => {
      const t = Date.now();
      const r = this.sql(
          `SELECT id, kind, payload, attempts FROM tasks
           WHERE ((state = 'ready' AND run_at <= ?) OR (state = 'leased' AND lease_until <= ?))
           AND kind IN (${kinds.map(() => '?').join(',')})
           AND COALESCE(json_extract(payload, '$.destination'), '') NOT IN (SELECT value FROM json_each(?))
           ORDER BY run_at, id LIMIT 1`,
        )
        .get(t, t, ...kinds, JSON.stringify(skipDestinations)) as Row | undefined;
      if (!r) return null;
      this.sql("UPDATE tasks SET state = 'leased', lease_until = ?, attempts = attempts + 1 WHERE id = ?").run(t + leaseMs, r.id);
      return { id: taskToken(r.id as number, (r.attempts as number) + 1), kind: r.kind as TaskKind, payload: JSON.parse(r.payload as string), attempts: (r.attempts as number) + 1 };
    })();
  }

  /** Also used inside a record transaction (completeJob), which the LeaseLostError then rolls back. */
  finishSync(taskId: string): void {
    const { rowId, attempts } = parseTaskToken(taskId);
    const res = this.sql("UPDATE tasks SET state = 'done', lease_until = NULL WHERE id = ? AND attempts = ? AND state = 'leased'").run(rowId, attempts);
    if (res.changes !== 1) throw new LeaseLostError(taskId);
  }

  async finish(taskId: string): Promise<void> {
    this.finishSync(taskId);
  }

  async extend(taskId: string, leaseMs: number): Promise<boolean> {
    const { rowId, attempts } = parseTaskToken(taskId);
    return this.sql("UPDATE tasks SET lease_until = ? WHERE id = ? AND attempts = ? AND state = 'leased'").run(Date.now() + leaseMs, rowId, attempts).changes === 1;
  }

  async fail(taskId: string, error: string, retryAt: Date | null): Promise<void> {
    const { rowId, attempts } = parseTaskToken(taskId);
    const res = this.sql("UPDATE tasks SET state = ?, run_at = COALESCE(?, run_at), lease_until = NULL, last_error = ? WHERE id = ? AND attempts = ? AND state = 'leased'")
      .run(retryAt ? 'ready' : 'dead', retryAt ? retryAt.getTime() : null, error.slice(0, 1000), rowId, attempts);
    if (res.changes !== 1) throw new LeaseLostError(taskId);
  }

  async recover(all = false): Promise<number> {
    const until = all ? Number.MAX_SAFE_INTEGER : Date.now();
    return this.sql("UPDATE tasks SET state = 'ready', lease_until = NULL WHERE state = 'leased' AND lease_until <= ?").run(until).changes;
  }

  async nextDueAt(kinds: TaskKind[]): Promise<Date | null> {
    const inKinds = `kind IN (${kinds.map(() => '?').join(',')})`;
    const r = this.sql(`SELECT MIN(run_at) AS t FROM tasks WHERE state = 'ready' AND ${inKinds}`).get(...kinds) as { t: number | null };
    const leased = this.sql(`SELECT MIN(lease_until) AS t FROM tasks WHERE state = 'leased' AND ${inKinds}`).get(...kinds) as { t: number | null };
    const times = [r.t, leased.t].filter((x): x is number => x !== null);
    return times.length ? new Date(Math.min(...times)) : null;
  }

  onWork(listener: (kind: TaskKind | null) => void): () => void {
    return this.signal.subscribe(listener);
  }
}
