/**
 * @file Engine runs started on an upload's images while they are still being written to storage.
 *
 * Why: storing a job's images (one file each) and queueing it takes ~4–5 ms on the CI machine's disk, on the critical
 * path of every job. Starting the engine on the images already in memory hides that time; the queued task then takes
 * the run's measurements instead of running the engine again. Nothing is decided or recorded from an early run until
 * that task does so, so durability is unchanged: after a restart, or when no early run exists, the task runs the
 * engine on the stored images as before.
 */
import type { SmartSelfieMeasurements } from '../engine/types.js';

/** An early run older than this is forgotten: its task would have taken it long before. */
const MAX_AGE_MS = 60_000;

export class EarlyEngineRuns {
  private readonly runs = new Map<number, { measurements: Promise<SmartSelfieMeasurements>; startedAt: number }>();

  /** `maxWaiting`: early runs held at once; beyond it uploads simply wait for their task, as without early runs. */
  constructor(private readonly maxWaiting: number) {}

  start(smileJobId: number, run: () => Promise<SmartSelfieMeasurements>): void {
    const now = Date.now();
    for (const [id, r] of this.runs) if (now - r.startedAt > MAX_AGE_MS) this.runs.delete(id);
    if (this.runs.size >= this.maxWaiting || this.runs.has(smileJobId)) return;
    const measurements = run();
    // The task that takes the run sees a failure; one that is never taken must not become an unhandled rejection.
    measurements.catch(() => undefined);
    this.runs.set(smileJobId, { measurements, startedAt: now });
  }

  /** The early run for this job, at most once; undefined when there is none. */
  take(smileJobId: number): Promise<SmartSelfieMeasurements> | undefined {
    const run = this.runs.get(smileJobId);
    this.runs.delete(smileJobId);
    return run?.measurements;
  }
}
