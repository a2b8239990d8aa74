/**
 * @file Admission to the face engine, shared by synchronous requests (/v2, answered in the request) and queued jobs
 * (v1 uploads, run by the queue worker). Why: the engine's worker pool serves image analyses first come, first
 * served, so each class got a share of the engine proportional to how many jobs it had in flight — continuous /v2
 * traffic starved queued jobs (a soak: 4 v2 clients finished 1,576 jobs while 12 v1 clients finished 996). Jobs now
 * enter through a fixed number of slots; when both classes wait, freed slots alternate between them, so each class
 * gets at least half of the engine whenever it has work, and all of it when the other has none.
 */
import type { SmartSelfieInput, SmartSelfieMeasurements } from '../engine/types.js';
import type { JobContext } from './context.js';

export type EngineClass = 'sync' | 'queued';

export class EngineAdmission {
  private running = 0;
  private readonly waiting: Record<EngineClass, Array<() => void>> = { sync: [], queued: [] };
  private lastGranted: EngineClass = 'queued';

  /**
   * `slots`: jobs inside the engine at once; one per engine worker, since a job spreads its images over the workers.
   * More would let the class that always has waiters take every slot freed while the other is between two jobs.
   */
  constructor(readonly slots: number) {}

  /** Runs `work` once this class is admitted; the slot is held until it settles. */
  async run<T>(cls: EngineClass, work: () => Promise<T>): Promise<T> {
    await this.admit(cls);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** Jobs waiting for a slot, by class. */
  get queued(): Record<EngineClass, number> {
    return { sync: this.waiting.sync.length, queued: this.waiting.queued.length };
  }

  private admit(cls: EngineClass): Promise<void> {
    if (this.running < this.slots && !this.waiting.sync.length && !this.waiting.queued.length) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting[cls].push(resolve));
  }

  /** Hands the freed slot to the class that did not have the last one, if it waits; else to the other. */
  private release(): void {
    const other: EngineClass = this.lastGranted === 'sync' ? 'queued' : 'sync';
    const cls = this.waiting[other].length ? other : this.waiting[this.lastGranted].length ? this.lastGranted : null;
    if (!cls) {
      this.running--;
      return;
    }
    this.lastGranted = cls;
    this.waiting[cls].shift()!();
  }
}

/** Runs the engine on a job's images through admission, recording the wait and the engine time. */
export function runEngineAdmitted(
  ctx: Pick<JobContext, 'engine' | 'engineAdmission' | 'metrics'>,
  cls: EngineClass,
  input: SmartSelfieInput,
): Promise<SmartSelfieMeasurements> {
  const queuedAt = performance.now();
  return ctx.engineAdmission.run(cls, async () => {
    const startedAt = performance.now();
    ctx.metrics.engineWait.observe({ class: cls }, (startedAt - queuedAt) / 1000);
    try {
      return await ctx.engine.smartSelfie(input);
    } finally {
      ctx.metrics.engineDuration.observe({ class: cls }, (performance.now() - startedAt) / 1000);
    }
  });
}
