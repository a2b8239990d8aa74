/**
 * @file The cluster task queue: the `tasks` table claimed with SELECT … FOR UPDATE SKIP LOCKED under a lease, and
 * LISTEN/NOTIFY to wake idle workers on every node as soon as a task is committed (PgListener; after it reconnects,
 * the wake-up it sends covers tasks committed while nobody listened, and the workers' polling covers the rest).
 */
import { LeaseLostError, parseTaskToken, taskToken } from '../task-token.js';
import type { JobQueue, Task, TaskKind } from '../types.js';
import type { PgListener } from './pg-listener.js';
import { PLANS, WORK_CHANNEL } from './plans.js';
import type { PostgresDb } from './postgres-db.js';

export class PostgresTaskQueue implements JobQueue {
  constructor(
    private readonly db: PostgresDb,
    private readonly listener: PgListener,
  ) {}

  async claim(kinds: TaskKind[], leaseMs: number, skipDestinations: readonly string[] = []): Promise<Task | null> {
    const { rows } = await this.db.run(PLANS.claimTask, [kinds, leaseMs, skipDestinations]);
    const r = rows[0];
    if (!r) return null;
    return { id: taskToken(r.id as number, r.attempts as number), kind: r.kind as TaskKind, payload: r.payload as Task['payload'], attempts: r.attempts as number };
  }

  async finish(taskId: string): Promise<void> {
    const { rowId, attempts } = parseTaskToken(taskId);
    if ((await this.db.run(PLANS.finishTask, [rowId, attempts])).rowCount !== 1) throw new LeaseLostError(taskId);
  }

  async extend(taskId: string, leaseMs: number): Promise<boolean> {
    const { rowId, attempts } = parseTaskToken(taskId);
    return (await this.db.run(PLANS.extendLease, [rowId, attempts, leaseMs])).rowCount === 1;
  }

  async fail(taskId: string, error: string, retryAt: Date | null): Promise<void> {
    const { rowId, attempts } = parseTaskToken(taskId);
    const res = await this.db.run(PLANS.failTask, [retryAt ? 'ready' : 'dead', retryAt, error.slice(0, 1000), rowId, attempts]);
    if (res.rowCount !== 1) throw new LeaseLostError(taskId);
  }

  async recover(all = false): Promise<number> {
    return (await this.db.run(all ? PLANS.recoverAll : PLANS.recoverExpired)).rowCount ?? 0;
  }

  async nextDueAt(kinds: TaskKind[]): Promise<Date | null> {
    const { rows } = await this.db.run<{ t: string | null }>(PLANS.nextDueAt, [kinds]);
    return rows[0]?.t ? new Date(rows[0].t) : null;
  }

  onWork(listener: (kind: TaskKind | null) => void): () => void {
    return this.listener.subscribe(WORK_CHANNEL, (payload) => listener(payload ? (payload as TaskKind) : null));
  }
}
