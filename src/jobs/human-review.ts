/**
 * @file Human review of provisional jobs: claim (an exclusive, expiring lock), release, and the decision that becomes
 * the job's final result — job_status shows it, the signed callback is queued, and an approved enrolment registers
 * the user.
 */
import { humanReviewDecision } from '../decision/index.js';
import { apiError, isApiError } from '../errors/api-errors.js';
import type { PortalStore, ReviewClaim } from '../store/portal-types.js';
import type { CompletedJob, Enrollment, JobRecord, JobResult } from '../store/types.js';
import type { JobContext } from './context.js';
import { logJobStep } from './job-log.js';
import { resultFromDecision } from './job-result.js';
import { jobKind } from './job-types.js';
import { callbackFor } from './result-view.js';
import { checkUserForJob } from './user-checks.js';

/** How long a claim holds without being renewed (viewing the review page renews it). */
export const REVIEW_CLAIM_TTL_MS = 10 * 60_000;
export const MAX_REASON_LENGTH = 1000;

export interface Reviewer {
  accountId: number;
  partnerId: string;
}

/** The job, if it belongs to the reviewer's partner (another partner's job is indistinguishable from none). */
async function ownJob(ctx: JobContext, reviewer: Reviewer, smileJobId: number): Promise<JobRecord> {
  const job = Number.isSafeInteger(smileJobId) ? await ctx.store.getJobBySmileId(smileJobId) : null;
  if (!job || job.partnerId !== reviewer.partnerId) throw apiError('NOT_FOUND', `No job ${smileJobId}`);
  return job;
}

export async function claimReview(ctx: JobContext, portal: PortalStore, reviewer: Reviewer, smileJobId: number): Promise<ReviewClaim> {
  await ownJob(ctx, reviewer, smileJobId);
  const outcome = await portal.claimReview(smileJobId, reviewer.accountId, new Date(), REVIEW_CLAIM_TTL_MS);
  if (outcome.ok) return outcome.claim;
  if (outcome.reason === 'held') {
    throw apiError('REVIEW_CLAIMED_BY_OTHER', `Job ${smileJobId} is being reviewed by ${outcome.claim.email} until ${outcome.claim.expiresAt.toISOString()}`);
  }
  throw apiError('REVIEW_NOT_PENDING', `Job ${smileJobId} is not awaiting review`);
}

export async function releaseReview(ctx: JobContext, portal: PortalStore, reviewer: Reviewer, smileJobId: number): Promise<void> {
  await ownJob(ctx, reviewer, smileJobId);
  await portal.releaseReview(smileJobId, reviewer.accountId);
}

/** The template of the reviewed selfie, for an approved enrolment; the machine result kept none. */
async function enrollmentFor(ctx: JobContext, job: JobRecord): Promise<Enrollment> {
  try {
    await checkUserForJob(ctx.store, job.partnerId, job.environment, job.userId, 'enroll', job.options.allowReenroll);
  } catch (err) {
    if (isApiError(err)) throw apiError('REVIEW_CANNOT_REGISTER', `Cannot approve this enrolment: ${err.message} (code ${err.code})`);
    throw err;
  }
  const image = (await ctx.store.getJobImages(job.smileJobId)).find((i) => i.role === 'selfie');
  const selfie = image ? await ctx.blobs.get(image.blobKey) : null;
  if (!image || !selfie) throw apiError('REVIEW_CANNOT_REGISTER', 'Cannot approve this enrolment: its selfie is no longer stored');
  const analysis = await ctx.engine.analyze(selfie);
  if (!analysis.template) throw apiError('REVIEW_CANNOT_REGISTER', 'Cannot approve this enrolment: no face was found in the selfie to register');
  return { userId: job.userId, template: analysis.template, imageKey: image.blobKey, replace: job.options.allowReenroll };
}

/**
 * Records the reviewer's decision as the final result. Only the holder of an unexpired claim may decide, and only
 * once: the claim is consumed in the transaction that completes the job, so a second decision (by anyone, even one
 * who claimed the job while the first was being written) fails with `not_claimed`.
 */
export async function decideReview(
  ctx: JobContext,
  portal: PortalStore,
  reviewer: Reviewer,
  smileJobId: number,
  approved: boolean,
  reason: string,
): Promise<JobResult> {
  const trimmed = reason.trim();
  if (!trimmed) throw apiError('MISSING_PARAMETER', 'Give a reason for the decision');
  if (trimmed.length > MAX_REASON_LENGTH) throw apiError('INVALID_PARAMETER_TYPE', `The reason is longer than ${MAX_REASON_LENGTH} characters`);
  const job = await ownJob(ctx, reviewer, smileJobId);
  if (job.state !== 'review' || !job.result) throw apiError('REVIEW_NOT_PENDING', `Job ${smileJobId} is not awaiting review`);
  const claim = await portal.getClaim(smileJobId, new Date());
  if (claim?.accountId !== reviewer.accountId) throw apiError('REVIEW_NOT_CLAIMED', `Claim job ${smileJobId} before deciding it`);

  const kind = jobKind(job.jobType);
  const decision = humanReviewDecision(kind, approved, trimmed, job.result);
  const result = resultFromDecision(decision, job.result.scores);
  // The reviewer decided with these in front of them; the final result keeps them.
  if (job.result.duplicates) result.duplicates = job.result.duplicates;
  const enrollment = kind === 'enroll' && approved ? await enrollmentFor(ctx, job) : undefined;
  const outcome: CompletedJob = { state: 'complete', result, enrollment, callback: callbackFor(job, result) };

  if (!(await ctx.store.completeReview(smileJobId, reviewer.accountId, new Date(), outcome))) {
    throw apiError('REVIEW_NOT_CLAIMED', `Job ${smileJobId} was decided or its claim expired meanwhile`);
  }
  ctx.metrics.reviewDecisions.inc({ environment: job.environment, category: result.category });
  logJobStep(ctx.log, 'review', job, { reviewer_account_id: reviewer.accountId, approved, result_code: result.resultCode, category: result.category });
  return result;
}
