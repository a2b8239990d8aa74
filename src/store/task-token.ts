/**
 * @file A task's id as handed to a worker carries the claim it came from (`<row id>.<attempt>`), so that finishing,
 * failing or completing a job under a lease that has since run out and been claimed again changes nothing: the
 * later claim owns the task, and a job gets one final result.
 */
export function taskToken(rowId: number | string, attempts: number): string {
  return `${rowId}.${attempts}`;
}

export function parseTaskToken(token: string): { rowId: number; attempts: number } {
  const m = /^(\d+)\.(\d+)$/.exec(token);
  if (!m) throw new Error(`not a task id: ${token}`);
  return { rowId: Number(m[1]), attempts: Number(m[2]) };
}

/** A worker finished a task whose lease had run out and been taken by another worker; its writes were dropped. */
export class LeaseLostError extends Error {
  constructor(readonly taskId: string) {
    super(`task ${taskId}: the lease ran out and the task was claimed again; this attempt's outcome was discarded`);
    this.name = 'LeaseLostError';
  }
}
