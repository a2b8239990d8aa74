/**
 * @file The synchronous mobile endpoints `/v2/smart-selfie-enroll` and `/v2/smart-selfie-authentication`:
 * header-signed multipart in, the decision out in the same request.
 */
import { randomUUID } from 'node:crypto';
import { apiError } from '../errors/api-errors.js';
import { buildV2Response, type V2Response, type V2Status } from '../protocol/result-format.js';
import { extractV2Auth, parseV2Submission, type V2Kind, type V2Request } from '../protocol/v2-multipart.js';
import { DuplicateJobError, type Environment } from '../store/types.js';
import type { JobContext } from './context.js';
import { withStoredImages, type IncomingImage } from './job-images.js';
import { completeJobFromImages, recordDecision } from './job-outcome.js';
import { logJobStep } from './job-log.js';
import { JOB_TYPE } from './job-types.js';
import { checkCallbackUrl, checkSandboxResult } from './prep-upload.js';
import { authenticateRequest, type AuthenticatedPartner } from './request-auth.js';
import { errorResult } from './special-results.js';
import { checkUserForJob } from './user-checks.js';
import { callbackFor } from './result-view.js';
import { keepLease } from './lease-heartbeat.js';

const STATUS: Record<'approved' | 'provisional' | 'rejected', V2Status> = { approved: 'approved', provisional: 'pending', rejected: 'rejected' };

/** A v2 caller whose SmileID-* headers have been verified, with the SDK it says it is. */
export interface V2Caller {
  partner: AuthenticatedPartner;
  sourceSdk?: string;
  sourceSdkVersion?: string;
}

/** Verifies the SmileID-* headers alone, so the HTTP layer can refuse a caller before reading any of its body. */
export async function authenticateV2(ctx: JobContext, environment: Environment, headers: V2Request['headers']): Promise<V2Caller> {
  const credentials = extractV2Auth(headers);
  const partner = await authenticateRequest(ctx, environment, {
    partnerId: credentials.partnerId,
    timestamp: credentials.timestamp,
    signature: credentials.signature,
  });
  return { partner, sourceSdk: credentials.sourceSdk, sourceSdkVersion: credentials.sourceSdkVersion };
}

export async function runV2Job(
  ctx: JobContext,
  environment: Environment,
  kind: V2Kind,
  caller: V2Caller,
  request: Pick<V2Request, 'fields' | 'files'>,
): Promise<V2Response> {
  const auth = caller.partner;
  const sub = parseV2Submission(kind, request);
  const jobKind = kind === 'enroll' ? 'enroll' : 'authenticate';
  const jobType = kind === 'enroll' ? JOB_TYPE.ENROLLMENT : JOB_TYPE.AUTHENTICATION;
  const userId = sub.userId ?? `user-${randomUUID()}`;
  if (userId.length > 256) throw apiError('INVALID_PARAMETER_TYPE', 'user_id is longer than 256 characters');
  const jobId = `job-${randomUUID()}`;
  const callbackUrl = checkCallbackUrl(ctx, sub.callbackUrl);
  const sandboxResult = checkSandboxResult(sub.sandboxResult, environment);
  await checkUserForJob(ctx.store, auth.partnerId, environment, userId, jobKind, sub.allowNewEnroll);

  const images: IncomingImage[] = [
    { role: 'selfie', index: 0, data: sub.selfie.data },
    ...sub.liveness.map((img, index) => ({ role: 'liveness' as const, index, data: img.data })),
  ];
  const { job, stored } = await withStoredImages(ctx, { environment, partnerId: auth.partnerId, group: randomUUID() }, images, async (refs) => {
    try {
      const created = await ctx.store.createJob({
        partnerId: auth.partnerId,
        environment,
        jobId,
        userId,
        jobType,
        callbackUrl,
        partnerParams: { ...sub.partnerParams, user_id: userId, job_id: jobId, job_type: jobType },
        options: {
          useEnrolledImage: false,
          allowReenroll: sub.allowNewEnroll,
          sandboxResult,
          source: 'v2',
          sourceSdk: caller.sourceSdk,
          sourceSdkVersion: caller.sourceSdkVersion,
        },
        uploadTokenHash: null,
        uploadExpiresAt: null,
        images: refs,
        // Leased to this request: if the process dies before the result is stored, a worker finishes the job.
        processLeaseMs: ctx.config.jobLeaseMs,
      });
      return { job: created, stored: refs };
    } catch (err) {
      if (err instanceof DuplicateJobError) throw apiError('JOB_ALREADY_EXISTS');
      throw err;
    }
  });
  logJobStep(ctx.log, 'accepted', job, { job_type: jobType, source: 'v2', callback: Boolean(callbackUrl) });
  logJobStep(ctx.log, 'stored', job, { images: stored.length });
  let result;
  // The request holds the job's task like a worker would, and keeps its lease while the engine runs.
  const release = job.processTaskId ? keepLease(ctx.queue, job.processTaskId, ctx.config.jobLeaseMs, ctx.log) : () => {};
  try {
    result = await completeJobFromImages(ctx, job, stored, job.processTaskId);
  } catch (err) {
    // The job exists: give it a final (system error) result rather than leaving it processing forever.
    const failed = errorResult(jobKind, apiError('SYSTEM_ERROR', 'System error: the job could not be processed'));
    const callback = callbackFor(job, failed);
    await ctx.store.completeJob(job.smileJobId, { state: 'complete', result: failed, callback }, job.processTaskId);
    recordDecision(ctx, job, { state: 'complete', result: failed, callback });
    throw err;
  } finally {
    release();
  }
  return buildV2Response({
    code: result.resultCode,
    message: result.resultText,
    status: STATUS[result.category],
    kind,
    jobId,
    userId,
    partnerId: auth.partnerId,
    partnerParams: Object.fromEntries(Object.entries(job.partnerParams).map(([k, v]) => [k, String(v)])),
    createdAt: job.createdAt,
  });
}
