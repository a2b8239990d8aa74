/**
 * @file Queue handler for `process_job` tasks: runs a queued job to its outcome. A crash mid-way leaves the task
 * leased; its lease runs out and another worker (or the next start) runs the job again from its stored images.
 */
import { apiError } from '../errors/api-errors.js';
import type { Task } from '../store/types.js';
import type { JobContext } from './context.js';
import { callbackFor } from './result-view.js';
import { completeJobFromImages, recordDecision } from './job-outcome.js';
import { jobKind } from './job-types.js';
import { errorResult } from './special-results.js';

/** Engine or storage failures are retried a few times before the job is given up as a system error. */
export const PROCESS_RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

export async function processJobTask(ctx: JobContext, task: Task): Promise<void> {
  const smileJobId = task.payload.smileJobId;
  const job = smileJobId === undefined ? null : await ctx.store.getJobBySmileId(smileJobId);
  if (!job || job.result) {
    await ctx.queue.finish(task.id);
    return;
  }
  const images = await ctx.store.getJobImages(job.smileJobId);
  await completeJobFromImages(ctx, job, images, task.id);
}

export async function processJobFailed(ctx: JobContext, task: Task, err: unknown): Promise<void> {
  const delay = PROCESS_RETRY_DELAYS_MS[task.attempts - 1];
  const message = String((err as Error)?.message ?? err);
  if (delay !== undefined) {
    await ctx.queue.fail(task.id, message, new Date(Date.now() + delay));
    return;
  }
  // Out of retries: the job ends as a system error, so pollers and the callback learn of it instead of waiting.
  await ctx.queue.fail(task.id, message, null);
  const job = task.payload.smileJobId === undefined ? null : await ctx.store.getJobBySmileId(task.payload.smileJobId);
  if (!job || job.result) return;
  const result = errorResult(jobKind(job.jobType), apiError('SYSTEM_ERROR', 'System error: the job could not be processed'));
  const callback = callbackFor(job, result);
  await ctx.store.completeJob(job.smileJobId, { state: 'complete', result, callback }, null);
  recordDecision(ctx, job, { state: 'complete', result, callback });
}
