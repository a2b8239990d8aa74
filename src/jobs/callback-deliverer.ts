/**
 * @file Queue handler for `deliver_callback` tasks: POSTs the signed result to the partner's callback URL.
 * At-least-once: every attempt is logged; failures are retried on the configured schedule, then given up.
 */
import { buildCallbackBody, type SmileResult } from '../protocol/result-format.js';
import type { Task } from '../store/types.js';
import { postJson } from './callback-post.js';
import type { JobContext } from './context.js';
import { smileResultOf } from './result-view.js';

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
  let error: string | null = null;
  try {
    status = await postJson(delivery.url, JSON.stringify(body), { 'user-agent': 'likeness-callback/1' }, ctx.config.callbackTimeoutMs);
    if (status < 200 || status > 299) error = `HTTP ${status}`;
  } catch (err) {
    error = String((err as Error).cause ?? (err as Error).message ?? err).slice(0, 500);
  }
  const durationMs = performance.now() - started;
  if (!error) {
    await ctx.store.recordDeliveryAttempt(delivery.id, { at, status, error, durationMs }, 'delivered');
    await ctx.queue.finish(task.id);
    return;
  }
  const delay = ctx.config.callbackRetryDelaysMs[delivery.attempts];
  await ctx.store.recordDeliveryAttempt(delivery.id, { at, status, error, durationMs }, delay === undefined ? 'failed' : 'retry');
  await ctx.queue.fail(task.id, error, delay === undefined ? null : new Date(Date.now() + delay));
  ctx.log.info({ smileJobId: job.smileJobId, deliveryId: delivery.id, attempt: delivery.attempts + 1, status, error }, 'callback delivery failed');
}

/** Queues a new delivery of the job's current result (replay), to its callback URL or another one. */
export async function replayCallback(ctx: JobContext, smileJobId: number, url?: string): Promise<number> {
  const job = await ctx.store.getJobBySmileId(smileJobId);
  if (!job?.result) throw new Error(`job ${smileJobId} has no result to send yet`);
  const target = url ?? job.callbackUrl;
  if (!target) throw new Error(`job ${smileJobId} has no callback URL; give one to replay to`);
  const id = await ctx.store.enqueueCallback(smileJobId, target, smileResultOf(job, job.result) as unknown as Record<string, unknown>);
  return id;
}
