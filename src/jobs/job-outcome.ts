/**
 * @file Runs the engine on a job's images and records the outcome: decision, enrolment, callback — in one
 * transaction. Shared by queued (v1 upload) and synchronous (v2) jobs.
 */
import { decide, forcedDecision } from '../decision/index.js';
import type { JobKind } from '../decision/types.js';
import { ImageError } from '../engine/index.js';
import type { SmartSelfieMeasurements } from '../engine/types.js';
import { isApiError } from '../errors/api-errors.js';
import type { CompletedJob, DuplicateCandidate, JobImage, JobRecord, JobResult } from '../store/types.js';
import type { JobContext } from './context.js';
import { checkDuplicates } from './duplicate-check.js';
import { callbackFor } from './result-view.js';
import { jobKind } from './job-types.js';
import { resultFromDecision } from './job-result.js';
import { unusableSelfieResult, errorResult } from './special-results.js';
import { checkUserForJob } from './user-checks.js';
import { runEngineAdmitted } from './engine-admission.js';
import { logJobStep } from './job-log.js';

function scoresOf(m: SmartSelfieMeasurements): JobResult['scores'] {
  return {
    faces: m.selfie.faces,
    quality_ok: m.selfie.quality.ok,
    quality_reasons: m.selfie.quality.reasons.join(',') || null,
    spoof_score: m.selfie.spoof?.score ?? null,
    liveness_score: m.liveness.score,
    liveness_live: m.liveness.live,
    liveness_reasons: m.liveness.reasons.join(',') || null,
    liveness_frames: m.liveness.frames,
    similarity: m.match?.similarity ?? null,
    engine_ms: Math.round(m.elapsedMs),
  };
}

async function evaluate(ctx: JobContext, job: JobRecord, kind: JobKind, images: JobImage[]): Promise<CompletedJob> {
  // Taken first, so a job that ends before the engine (an unknown user, say) does not leave its early run behind.
  const early = ctx.earlyRuns.take(job.smileJobId);
  const selfieImage = images.find((i) => i.role === 'selfie');
  if (!selfieImage) return { state: 'complete', result: unusableSelfieResult(kind, 'no selfie image (type 0 or 2) was provided') };
  let reference: Float32Array | undefined;
  try {
    const user = await checkUserForJob(ctx.store, job.partnerId, job.environment, job.userId, kind, job.options.allowReenroll);
    if (kind === 'authenticate') reference = user!.template!;
  } catch (err) {
    if (isApiError(err)) return { state: 'complete', result: errorResult(kind, err) };
    throw err;
  }
  let m: SmartSelfieMeasurements;
  try {
    if (early) {
      const measured = await early;
      m = { ...measured, match: ctx.engine.matchToReference(measured.selfie, reference) };
    } else {
      m = await runEngine(ctx, job, images, selfieImage, reference);
    }
  } catch (err) {
    if (err instanceof ImageError) return { state: 'complete', result: unusableSelfieResult(kind, err.message) };
    throw err;
  }
  logJobStep(ctx.log, 'engine', job, { engine_ms: Math.round(m.elapsedMs), early: Boolean(early), faces: m.selfie.faces, liveness_frames: m.liveness.frames });
  let decision =
    job.environment === 'sandbox' && job.options.sandboxResult ? forcedDecision(kind, job.options.sandboxResult) : decide(kind, m, ctx.thresholds);
  const scores = scoresOf(m);
  let duplicates: DuplicateCandidate[] = [];
  if (kind === 'enroll' && m.selfie.embedding) {
    const check = await checkDuplicates(ctx, job, m.selfie.embedding, decision);
    ({ decision, candidates: duplicates } = check);
    scores.dedup_ms = Math.round(check.elapsedMs * 10) / 10;
  }
  const result = resultFromDecision(decision, scores);
  if (duplicates.length) result.duplicates = duplicates;
  const outcome: CompletedJob = { state: decision.category === 'provisional' ? 'review' : 'complete', result };
  if (kind === 'enroll' && decision.category === 'approved' && m.selfie.template) {
    outcome.enrollment = { userId: job.userId, template: m.selfie.template, imageKey: selfieImage.blobKey, replace: job.options.allowReenroll };
  }
  return outcome;
}

async function runEngine(ctx: JobContext, job: JobRecord, images: JobImage[], selfieImage: JobImage, reference: Float32Array | undefined) {
  const load = async (img: JobImage) => {
    const data = await ctx.blobs.get(img.blobKey);
    if (!data) throw new Error(`image ${img.role}-${img.index} of job ${job.smileJobId} is missing from storage`);
    return data;
  };
  const selfie = await load(selfieImage);
  const liveness = await Promise.all(images.filter((i) => i.role === 'liveness').sort((a, b) => a.index - b.index).map(load));
  // A v2 job is run by its request (or, after a crash, by a worker: rare enough to keep its class).
  return runEngineAdmitted(ctx, job.options.source === 'v2' ? 'sync' : 'queued', { selfie, liveness, reference });
}

/** Evaluates the job and stores the outcome (and its callback) atomically; completes the queue task if given. */
export async function completeJobFromImages(ctx: JobContext, job: JobRecord, images: JobImage[], taskId: string | null): Promise<JobResult> {
  const kind = jobKind(job.jobType);
  const outcome = await evaluate(ctx, job, kind, images);
  outcome.callback = callbackFor(job, outcome.result);
  await ctx.store.completeJob(job.smileJobId, outcome, taskId);
  recordDecision(ctx, job, outcome);
  return outcome.result;
}

/** Logs and counts a job's stored outcome (machine decisions and system errors alike). */
export function recordDecision(ctx: JobContext, job: JobRecord, outcome: Pick<CompletedJob, 'result' | 'state' | 'callback'>): void {
  const { result } = outcome;
  ctx.metrics.jobsCompleted.inc({ environment: job.environment, category: result.category });
  logJobStep(ctx.log, 'decision', job, {
    result_code: result.resultCode,
    category: result.category,
    state: outcome.state,
    reasons: result.reasons,
    callback: Boolean(outcome.callback),
  });
}
