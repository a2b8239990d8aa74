/**
 * @file The cluster task queue: the `tasks` table claimed with SELECT … FOR UPDATE SKIP LOCKED under a lease, and
 * LISTEN/NOTIFY to wake idle workers on every node as soon as a task is committed. A dedicated connection listens
 * and reconnects by itself after a database restart; the workers' polling covers any notification missed meanwhile.
 */
import pg from 'pg';
import { LeaseLostError, parseTaskToken, taskToken } from '../task-token.js';
import type { JobQueue, Task, TaskKind } from '../types.js';
import { WorkSignal } from '../work-signal.js';
import { PLANS, WORK_CHANNEL } from './plans.js';
import type { PostgresDb } from './postgres-db.js';

const RECONNECT_MS = 1000;

export class PostgresTaskQueue implements JobQueue {
  private readonly signal = new WorkSignal();
  private listener: pg.Client | null = null;
  private reconnect: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly db: PostgresDb) {}

  async claim(kinds: TaskKind[], leaseMs: number): Promise<Task | null> {
    const { rows } = await this.db.run(PLANS.claimTask, [kinds, leaseMs]);
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

  onWork(listener: () => void): () => void {
    const unsubscribe = this.signal.subscribe(listener);
    if (!this.listener && !this.reconnect) void this.listen();
    return unsubscribe;
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.db.connectionString });
    this.listener = client;
    const retry = () => {
      if (this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => {});
      if (!this.closed) this.reconnect = setTimeout(() => ((this.reconnect = null), void this.listen()), RECONNECT_MS);
      // Tasks may have been committed while nobody listened.
      this.signal.fire();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => this.signal.fire());
    try {
      await client.connect();
      await client.query(`LISTEN ${WORK_CHANNEL}`);
    } catch {
      retry();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    const client = this.listener;
    this.listener = null;
    await client?.end().catch(() => {});
  }
}
