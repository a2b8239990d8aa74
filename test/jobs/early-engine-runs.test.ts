/** @file Early engine runs: taken once, bounded, failures kept for the taker, stale runs forgotten. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SmartSelfieMeasurements } from '../../src/engine/types.js';
import { EarlyEngineRuns } from '../../src/jobs/early-engine-runs.js';

const measured = (elapsedMs: number) => ({ elapsedMs }) as unknown as SmartSelfieMeasurements;

describe('EarlyEngineRuns', () => {
  afterEach(() => vi.useRealTimers());

  it('hands a run to its job once', async () => {
    const runs = new EarlyEngineRuns(4);
    runs.start(7, async () => measured(12));
    await expect(runs.take(7)).resolves.toMatchObject({ elapsedMs: 12 });
    expect(runs.take(7)).toBeUndefined();
    expect(runs.take(8)).toBeUndefined();
  });

  it('starts no more runs than it may hold, and only one per job', () => {
    const runs = new EarlyEngineRuns(2);
    const run = vi.fn(async () => measured(1));
    runs.start(1, run);
    runs.start(1, run);
    runs.start(2, run);
    runs.start(3, run);
    expect(run).toHaveBeenCalledTimes(2);
    expect(runs.take(3)).toBeUndefined();
    runs.take(1);
    runs.start(3, run);
    expect(runs.take(3)).toBeDefined();
  });

  it('keeps a failed run for its taker without an unhandled rejection', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    const runs = new EarlyEngineRuns(4);
    runs.start(1, async () => {
      throw new Error('engine closed');
    });
    runs.start(2, async () => {
      throw new Error('never taken');
    });
    await expect(runs.take(1)).rejects.toThrow('engine closed');
    await new Promise((r) => setTimeout(r, 10));
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('forgets runs that no task took within a minute', () => {
    vi.useFakeTimers();
    const runs = new EarlyEngineRuns(1);
    runs.start(1, async () => measured(1));
    vi.advanceTimersByTime(61_000);
    runs.start(2, async () => measured(2));
    expect(runs.take(1)).toBeUndefined();
    expect(runs.take(2)).toBeDefined();
  });
});
