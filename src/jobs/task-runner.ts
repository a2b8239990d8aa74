/**
 * @file A pool of loops that claim tasks from the durable queue and hand them to a handler, and stop cleanly
 * (finishing in-flight tasks) on `stop()`. Idle loops cost the database nothing: a notification that a task of this
 * runner's kinds was committed wakes one idle loop (not all of them, which would each claim and all but one find
 * nothing), and one timer per runner wakes a loop when the next task falls due (a scheduled retry, a lease that runs
 * out), checked again at least every maxIdleMs in case a due time was set by another node.
 * With a per-destination limit (callbacks), a destination already running that many tasks in this process is passed
 * over when claiming, so one hung receiver holds at most its own slots and other destinations' tasks go ahead.
 */
import type { Logger } from 'pino';
import { LeaseLostError } from '../store/task-token.js';
import type { JobQueue, Task, TaskKind } from '../store/types.js';
import { keepLease } from './lease-heartbeat.js';

/** 250 ms doubling: about 15 s in all, longer than a database restart takes. */
const RECORD_FAILURE_RETRIES = 6;

/** Why an idle loop was woken: by a notification (one task), or by the due-time timer (maybe several due). */
type Wake = 'work' | 'due';

export type RunnerState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface TaskRunnerOptions {
  name: string;
  kinds: TaskKind[];
  concurrency: number;
  /** A claimed task not finished within this time is considered abandoned and made ready again. */
  leaseMs: number;
  /** Longest time between two looks at the queue's next due time (the fallback poll). */
  maxIdleMs: number;
  /** Tasks of one payload destination run at most this many at once in this process (unlimited when absent). */
  perDestination?: number;
  handle(task: Task): Promise<void>;
  onError(task: Task, err: unknown): Promise<void>;
}

export class TaskRunner {
  state: RunnerState = 'idle';
  /** Wake functions of the idle loops, woken one at a time (last in, first out: the warmest loop). */
  private readonly idle: ((wake: Wake) => void)[] = [];
  /** Wakes that found no loop idle: the next loops to finish claim again instead of sleeping. */
  private missedWakes = 0;
  private loops: Promise<void>[] = [];
  private unsubscribe: (() => void) | null = null;
  /** The due-time timer, and whether a task finished since it was set (it may have scheduled an earlier one). */
  private dueTimer: NodeJS.Timeout | null = null;
  private dueStale = true;
  private arming: Promise<void> | null = null;
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
    // Any process enqueueing a task of these kinds (this one or another node) wakes a loop; null (a reconnection:
    // notifications may have been missed) wakes every loop.
    this.unsubscribe = this.queue.onWork((kind) => {
      if (kind === null) this.wakeAll();
      else if (this.opts.kinds.includes(kind)) this.wakeOne('work');
    });
    for (let i = 0; i < this.opts.concurrency; i++) this.loops.push(this.loop(i));
  }

  /** Wakes one idle loop to claim (a destination's slot came free, or work was signalled). */
  notify(): void {
    this.wakeOne('work');
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.unsubscribe?.();
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.wakeAll();
    await Promise.all(this.loops);
    this.state = 'stopped';
  }

  private wakeOne(wake: Wake): void {
    const next = this.idle.pop();
    if (next) next(wake);
    else this.missedWakes = Math.min(this.missedWakes + 1, this.opts.concurrency);
  }

  private wakeAll(): void {
    this.dueStale = true;
    for (const wake of this.idle.splice(0)) wake('due');
  }

  private async loop(worker: number): Promise<void> {
    let chain = false;
    while (this.state === 'running') {
      let claimed: { task: Task | null; skipped: boolean } = { task: null, skipped: false };
      try {
        claimed = await this.claim();
      } catch (err) {
        this.log.error({ err, runner: this.opts.name, worker }, 'claiming a task failed');
        this.dueStale = true;
      }
      const task = claimed.task;
      if (!task) {
        // A wake that came while this loop's claim was in flight may be for a task committed after it looked.
        if (this.missedWakes > 0) {
          this.missedWakes--;
          continue;
        }
        const wake = await this.sleep(claimed.skipped);
        // Woken because tasks fell due: there may be several, so a loop that gets one wakes another.
        chain = wake === 'due';
        continue;
      }
      if (chain) {
        chain = false;
        this.wakeOne('due');
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
        // The task may have been rescheduled (a retry): the next due time is looked up again before sleeping.
        this.dueStale = true;
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

  /**
   * Sleeps until woken; first makes sure the due-time timer is set. `skipped`: due tasks were passed over, so a due
   * time in the past means "when a slot frees" (notify), not now.
   */
  private async sleep(skipped: boolean): Promise<Wake> {
    if (this.state !== 'running') return 'work';
    const woken = new Promise<Wake>((resolve) => this.idle.push(resolve));
    if (this.dueStale || !this.dueTimer || skipped) void this.armDueTimer(skipped);
    return woken;
  }

  /** Looks up the next due time (one query, shared by loops going idle together) and sets the one timer for it. */
  private armDueTimer(skipped: boolean): Promise<void> {
    this.arming ??= (async () => {
      this.dueStale = false;
      const next = await this.queue.nextDueAt(this.opts.kinds).catch(() => null);
      const untilNext = next ? next.getTime() - Date.now() : this.opts.maxIdleMs;
      const delay = Math.max(5, Math.min(this.opts.maxIdleMs, skipped && untilNext <= 0 ? this.opts.maxIdleMs : untilNext));
      if (this.dueTimer) clearTimeout(this.dueTimer);
      if (this.state !== 'running') return;
      this.dueTimer = setTimeout(() => {
        this.dueTimer = null;
        this.dueStale = true;
        this.wakeOne('due');
      }, delay);
    })().finally(() => (this.arming = null));
    return this.arming;
  }
}
