/**
 * @file `POST {base}/upload` (prep_upload): authenticate, check the job can run, create it awaiting its zip and hand
 * back a single-use upload capability.
 */
import { randomBytes } from 'node:crypto';
import { apiError } from '../errors/api-errors.js';
import { coerceBoolean } from '../protocol/schemas.js';
import { buildPrepUploadResponse, padSmileJobId } from '../protocol/result-format.js';
import { DuplicateJobError, type Environment, type JobOptions } from '../store/types.js';
import { callbackPosterFor } from './callback-post.js';
import { newUploadToken } from './capabilities.js';
import type { JobContext } from './context.js';
import { logJobStep } from './job-log.js';
import { checkPartnerParams, jobKind } from './job-types.js';
import { authenticateBody } from './request-auth.js';
import { checkUserForJob } from './user-checks.js';

export interface UploadLinks {
  /** Absolute URL the zip is PUT to, for a token. */
  uploadUrl(token: string): string;
}

const SANDBOX_RESULTS = ['approved', 'provisional', 'rejected'] as const;

/**
 * Validates a callback URL given by a partner: an http(s) URL whose host is not refused outright by the callback
 * destination policy (address literals and localhost; names are checked again on the resolved address when sending).
 */
export function checkCallbackUrl(ctx: Pick<JobContext, 'config'>, value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw apiError('INVALID_PARAMETER_TYPE', 'callback_url must be a string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw apiError('INVALID_PARAMETER_TYPE', `callback_url is not a valid URL: ${value.slice(0, 200)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw apiError('INVALID_PARAMETER_TYPE', 'callback_url must be an http(s) URL');
  const refusal = callbackPosterFor(ctx.config).policy.refusalOf(url.hostname);
  if (refusal) {
    throw apiError('CALLBACK_URL_NOT_ALLOWED', `callback_url is not allowed: ${refusal}; callbacks go to public addresses unless the operator allows the host (--allow-callback-hosts)`);
  }
  return url.toString();
}

/** `sandbox_result` forces an outcome for integration tests; production ignores nothing silently: it refuses it. */
export function checkSandboxResult(value: unknown, environment: Environment): JobOptions['sandboxResult'] {
  if (value === undefined || value === null || value === '') return undefined;
  if (environment !== 'sandbox') throw apiError('INVALID_PARAMETER_TYPE', 'sandbox_result is only accepted in the sandbox environment');
  const v = String(value).toLowerCase();
  const byNumber: Record<string, (typeof SANDBOX_RESULTS)[number]> = { '0': 'approved', '1': 'rejected', '2': 'provisional' };
  const r = byNumber[v] ?? SANDBOX_RESULTS.find((x) => x === v);
  if (!r) throw apiError('INVALID_PARAMETER_TYPE', 'sandbox_result must be approved, rejected or provisional (or 0, 1, 2)');
  return r;
}

export async function prepUpload(ctx: JobContext, environment: Environment, body: Record<string, unknown>, links: UploadLinks) {
  const auth = await authenticateBody(ctx, environment, body, body.smile_client_id ?? body.partner_id);
  return openUploadJob(ctx, environment, auth.partnerId, body, links);
}

/** Creates the job awaiting its zip (or renews a retried one) for an authenticated partner; see prepUpload. */
export async function openUploadJob(ctx: JobContext, environment: Environment, partnerId: string, body: Record<string, unknown>, links: UploadLinks) {
  const auth = { partnerId };
  const params = checkPartnerParams(body.partner_params);
  const kind = jobKind(params.job_type);
  const options: JobOptions = {
    useEnrolledImage: coerceBoolean(body.use_enrolled_image, 'use_enrolled_image'),
    allowReenroll: coerceBoolean(body.allow_new_enroll, 'allow_new_enroll'),
    sandboxResult: checkSandboxResult(body.sandbox_result, environment),
    source: 'v1',
    sourceSdk: typeof body.source_sdk === 'string' ? body.source_sdk.slice(0, 64) : undefined,
    sourceSdkVersion: typeof body.source_sdk_version === 'string' ? body.source_sdk_version.slice(0, 64) : undefined,
  };
  const callbackUrl = checkCallbackUrl(ctx, body.callback_url);
  const { token, hash } = newUploadToken();
  const expiresAt = new Date(Date.now() + ctx.config.uploadUrlTtlMs).toISOString();

  const existing = await ctx.store.getJob(auth.partnerId, environment, params.job_id);
  if (existing) {
    // A retried prep_upload (retry flag) for a job whose zip never arrived gets a fresh upload URL for the same job.
    const sameJob = existing.userId === params.user_id && existing.jobType === params.job_type;
    if (coerceBoolean(body.retry, 'retry') && sameJob && (await ctx.store.renewUploadToken(existing.smileJobId, hash, expiresAt))) {
      return respond(existing.smileJobId);
    }
    throw apiError('JOB_ALREADY_EXISTS', `Job already exists for job_id ${params.job_id}. Did you mean to set the retry flag to true?`);
  }
  await checkUserForJob(ctx.store, auth.partnerId, environment, params.user_id, kind, options.allowReenroll);
  try {
    const job = await ctx.store.createJob({
      partnerId: auth.partnerId,
      environment,
      jobId: params.job_id,
      userId: params.user_id,
      jobType: params.job_type,
      callbackUrl,
      partnerParams: params,
      options,
      uploadTokenHash: hash,
      uploadExpiresAt: expiresAt,
    });
    logJobStep(ctx.log, 'accepted', job, { job_type: job.jobType, source: 'v1', sdk: options.sourceSdk, callback: Boolean(callbackUrl) });
    return respond(job.smileJobId);
  } catch (err) {
    if (err instanceof DuplicateJobError) throw apiError('JOB_ALREADY_EXISTS', `Job already exists for job_id ${params.job_id}`);
    throw err;
  }

  function respond(smileJobId: number) {
    return buildPrepUploadResponse({
      uploadUrl: links.uploadUrl(token),
      refId: `${auth.partnerId}-${padSmileJobId(smileJobId)}-${randomBytes(8).toString('hex')}`,
      smileJobId: padSmileJobId(smileJobId),
    });
  }
}
