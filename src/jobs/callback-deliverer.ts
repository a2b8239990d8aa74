/**
 * @file Queue handler for `deliver_callback` tasks: POSTs the signed result to the partner's callback URL.
 * At-least-once: every attempt is logged; failures are retried on the configured schedule, then given up.
 */
import { buildCallbackBody, type SmileResult } from '../protocol/result-format.js';
import type { Task } from '../store/types.js';
import { apiError } from '../errors/api-errors.js';
import { CallbackError, callbackPosterFor } from './callback-post.js';
import type { JobContext } from './context.js';
import { checkCallbackUrl } from './prep-upload.js';
import { smileResultOf } from './result-view.js';
import { logJobStep } from './job-log.js';
import { destinationKey } from '../net/destination-key.js';

export async function deliverCallbackTask(ctx: JobContext, task: Task): Promise<void> {
  const delivery = task.payload.deliveryId === undefined ? null : await ctx.store.getDelivery(task.payload.deliveryId);
  const job = delivery ? await ctx.store.getJobBySmileId(delivery.smileJobId) : null;
  if (!delivery || !job || delivery.state !== 'pending') {
    await ctx.queue.finish(task.id);
    return;
  }
  const apiKey = await ctx.store.getApiKey(job.partnerId, job.environment);
  if (!apiKey) throw new Error(`partner ${job.partnerId} has no ${job.environment} key to sign the callback with`);
  const body = buildCallbackBody({ apiKey, partnerId: job.partnerId, result: delivery.body as unknown as SmileResult });
  const started = performance.now();
  const at = new Date().toISOString();
  let status: number | null = null;
  // The delivery log shows the partner a category of failure; the details are for the server log only.
  let error: string | null = null;
  let detail: string | null = null;
  try {
    status = await callbackPosterFor(ctx.config).post(delivery.url, JSON.stringify(body), { 'user-agent': 'likeness-callback/1' }, ctx.config.callbackTimeoutMs);
    if (status < 200 || status > 299) [error, detail] = ['http_status', `HTTP ${status}`];
  } catch (err) {
    error = err instanceof CallbackError ? err.category : 'network';
    detail = String((err as Error)?.message ?? err).slice(0, 500);
  }
  const durationMs = performance.now() - started;
  // The receiver's host and port only: a callback URL's path or query may hold the partner's own secrets.
  const attempt = { delivery_id: delivery.id, attempt: delivery.attempts + 1, destination: destinationKey(delivery.url), status, duration_ms: Math.round(durationMs) };
  if (!error) {
    await ctx.store.recordDeliveryAttempt(delivery.id, { at, status, error, durationMs }, 'delivered');
    await ctx.queue.finish(task.id);
    ctx.metrics.callbacksDelivered.inc();
    logJobStep(ctx.log, 'callback', job, { ...attempt, outcome: 'delivered' });
    return;
  }
  const delay = ctx.config.callbackRetryDelaysMs[delivery.attempts];
  await ctx.store.recordDeliveryAttempt(delivery.id, { at, status, error, durationMs }, delay === undefined ? 'failed' : 'retry');
  await ctx.queue.fail(task.id, `${error}: ${detail}`, delay === undefined ? null : new Date(Date.now() + delay));
  ctx.metrics.callbackFailures.inc({ category: error });
  logJobStep(ctx.log, 'callback', job, { ...attempt, outcome: error, detail, retry_in_ms: delay ?? null });
}

/**
 * Queues a new delivery of the job's current result (replay), to its callback URL or another one; another URL is
 * checked as a submitted callback_url is (http(s), allowed destination).
 */
export async function replayCallback(ctx: JobContext, smileJobId: number, url?: string): Promise<number> {
  const job = await ctx.store.getJobBySmileId(smileJobId);
  if (!job?.result) throw new Error(`job ${smileJobId} has no result to send yet`);
  const target = url === undefined ? job.callbackUrl : checkCallbackUrl(ctx, url);
  if (!target) throw apiError('MISSING_PARAMETER', `job ${smileJobId} has no callback URL; give one to replay to`);
  const id = await ctx.store.enqueueCallback(smileJobId, target, smileResultOf(job, job.result) as unknown as Record<string, unknown>);
  return id;
}
