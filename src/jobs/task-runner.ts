/**
 * @file A pool of loops that claim tasks from the durable queue and hand them to a handler. Loops sleep until
 * the queue signals new work or until the next scheduled task, and stop cleanly (finishing in-flight tasks) on `stop()`.
 * With a per-destination limit (callbacks), a destination already running that many tasks in this process is passed
 * over when claiming, so one hung receiver holds at most its own slots and other destinations' tasks go ahead.
 */
import type { Logger } from 'pino';
import { LeaseLostError } from '../store/task-token.js';
import type { JobQueue, Task, TaskKind } from '../store/types.js';
import { keepLease } from './lease-heartbeat.js';

/** 250 ms doubling: about 15 s in all, longer than a database restart takes. */
const RECORD_FAILURE_RETRIES = 6;

export type RunnerState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface TaskRunnerOptions {
  name: string;
  kinds: TaskKind[];
  concurrency: number;
  /** A claimed task not finished within this time is considered abandoned and made ready again. */
  leaseMs: number;
  /** Longest sleep between polls, so scheduled retries and recovered leases are picked up. */
  maxIdleMs: number;
  /** Tasks of one payload destination run at most this many at once in this process (unlimited when absent). */
  perDestination?: number;
  handle(task: Task): Promise<void>;
  onError(task: Task, err: unknown): Promise<void>;
}

export class TaskRunner {
  state: RunnerState = 'idle';
  private readonly waiters = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private woken = false;
  private unsubscribe: (() => void) | null = null;
  /** Tasks in flight per destination (only with perDestination). */
  private readonly inFlight = new Map<string, number>();
  /** Claims one at a time, so two loops cannot both take a destination's last slot. */
  private claiming: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly opts: TaskRunnerOptions,
  ) {}

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    // Any process enqueueing (this one or another node) wakes the loops, instead of them waiting for their next poll.
    this.unsubscribe = this.queue.onWork(() => this.notify());
    for (let i = 0; i < this.opts.concurrency; i++) this.loops.push(this.loop(i));
  }

  notify(): void {
    this.woken = true;
    for (const wake of this.waiters) wake();
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.unsubscribe?.();
    this.notify();
    await Promise.all(this.loops);
    this.state = 'stopped';
  }

  private async loop(worker: number): Promise<void> {
    while (this.state === 'running') {
      let claimed: { task: Task | null; skipped: boolean } = { task: null, skipped: false };
      try {
        claimed = await this.claim();
      } catch (err) {
        this.log.error({ err, runner: this.opts.name, worker }, 'claiming a task failed');
      }
      const task = claimed.task;
      if (!task) {
        await this.sleep(claimed.skipped);
        continue;
      }
      // A slow but alive worker keeps its task (see lease-heartbeat.ts).
      const stopBeats = keepLease(this.queue, task.id, this.opts.leaseMs, this.log.child({ runner: this.opts.name }));
      try {
        await this.opts.handle(task);
      } catch (err) {
        this.log.warn({ err, runner: this.opts.name, worker, taskId: task.id, kind: task.kind, attempts: task.attempts }, 'task failed');
        await this.recordFailure(task, err);
      } finally {
        stopBeats();
        this.release(task);
      }
    }
  }

  /** The next task, passing over destinations at their limit; `skipped` says whether any was passed over. */
  private claim(): Promise<{ task: Task | null; skipped: boolean }> {
    const limit = this.opts.perDestination;
    if (limit === undefined) return this.queue.claim(this.opts.kinds, this.opts.leaseMs).then((task) => ({ task, skipped: false }));
    const next = this.claiming.then(async () => {
      const busy = [...this.inFlight].filter(([, n]) => n >= limit).map(([d]) => d);
      const task = await this.queue.claim(this.opts.kinds, this.opts.leaseMs, busy);
      const destination = task?.payload.destination;
      if (destination !== undefined) this.inFlight.set(destination, (this.inFlight.get(destination) ?? 0) + 1);
      return { task, skipped: busy.length > 0 };
    });
    this.claiming = next.catch(() => undefined);
    return next;
  }

  private release(task: Task): void {
    const destination = task.payload.destination;
    const n = destination === undefined ? undefined : this.inFlight.get(destination);
    if (n === undefined) return;
    if (n > 1) this.inFlight.set(destination!, n - 1);
    else this.inFlight.delete(destination!);
    // A slot of a destination at its limit came free: its waiting tasks may be claimable now.
    if (n === this.opts.perDestination) this.notify();
  }

  /**
   * Retries recording a failure while storage is unreachable (a database restart fails both the task and the record
   * of its failure), so the task is retried on schedule instead of waiting for its lease to run out.
   */
  private async recordFailure(task: Task, err: unknown): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.opts.onError(task, err);
        return;
      } catch (e) {
        if (e instanceof LeaseLostError || attempt >= RECORD_FAILURE_RETRIES || this.state !== 'running') {
          this.log.error({ err: e, runner: this.opts.name, taskId: task.id }, 'recording a task failure failed; the task is retried when its lease runs out');
          return;
        }
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }

  /** `skipped`: due tasks were passed over, so a due time in the past means "when a slot frees" (notify), not now. */
  private async sleep(skipped = false): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const next = await this.queue.nextDueAt(this.opts.kinds).catch(() => null);
    const untilNext = next ? next.getTime() - Date.now() : this.opts.maxIdleMs;
    const delay = Math.max(5, Math.min(this.opts.maxIdleMs, skipped && untilNext <= 0 ? this.opts.maxIdleMs : untilNext));
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, delay);
      this.waiters.add(done);
    });
  }
}
