/**
 * @file `POST {base}/job_status`: the signed status of one job, with the user's history and expiring image links
 * when asked for.
 */
import { apiError, STATUS_CODES } from '../errors/api-errors.js';
import { coerceBoolean } from '../protocol/schemas.js';
import { buildJobStatusResponse, padSmileJobId, type JobStatusResponse } from '../protocol/result-format.js';
import type { Environment, JobRecord } from '../store/types.js';
import type { JobContext } from './context.js';
import { authenticateBody } from './request-auth.js';
import { smileResultOf } from './result-view.js';


export interface ImageLinks {
  /** Absolute, signed, expiring URL of one stored image of a job. */
  imageUrl(smileJobId: number, role: string, index: number): string;
}

function pendingText(job: JobRecord): string {
  if (job.state === 'awaiting_upload') return 'No zip uploaded';
  return 'Job is being processed';
}

const validId = (v: unknown): v is string | number => (typeof v === 'string' && v !== '') || typeof v === 'number';

export async function jobStatus(ctx: JobContext, environment: Environment, body: Record<string, unknown>, links: ImageLinks): Promise<JobStatusResponse> {
  // The hot path (clients poll it): the key and the job in one read. A request without a usable job_id is
  // authenticated alone, then refused for it below.
  const jobId = validId(body.job_id) ? String(body.job_id) : null;
  const found: { job: JobRecord | null } = { job: null };
  const readKeyAndJob = async (partnerId: string, env: Environment) => {
    const read = await ctx.store.getApiKeyAndJob(partnerId, env, jobId!);
    found.job = read.job;
    return read.apiKey;
  };
  const auth = await authenticateBody(ctx, environment, body, body.partner_id, jobId === null ? undefined : readKeyAndJob);
  for (const key of ['user_id', 'job_id']) {
    const v = body[key];
    if (v === undefined || v === null || v === '') throw apiError('MISSING_PARAMETER', `${key} is required`);
    if (!validId(v)) throw apiError('INVALID_PARAMETER_TYPE', `${key} must be a string`);
  }
  const job = found.job;
  if (!job || job.userId !== String(body.user_id)) {
    throw apiError('NOT_FOUND', `No job ${String(body.job_id)} for user ${String(body.user_id)} in the ${environment} environment`);
  }
  const withHistory = coerceBoolean(body.history, 'history');
  const withImages = coerceBoolean(body.image_links, 'image_links');
  const complete = job.result !== null;
  let history;
  if (withHistory) {
    const jobs = await ctx.store.listUserJobs(auth.partnerId, environment, job.userId);
    history = jobs.filter((j) => j.result).map((j) => smileResultOf(j, j.result!));
  }
  let imageLinks: Record<string, string> | undefined;
  if (withImages) {
    const images = await ctx.store.getJobImages(job.smileJobId);
    const selfie = images.find((i) => i.role === 'selfie');
    imageLinks = selfie ? { selfie_image: links.imageUrl(job.smileJobId, 'selfie', 0) } : { error: 'No images stored for this job' };
    images
      .filter((i) => i.role === 'liveness')
      .forEach((i) => (imageLinks![`liveness_image_${i.index + 1}`] = links.imageUrl(job.smileJobId, 'liveness', i.index)));
  }
  return buildJobStatusResponse({
    apiKey: auth.apiKey,
    partnerId: auth.partnerId,
    jobComplete: complete,
    jobSuccess: job.result?.jobSuccess ?? false,
    code: complete ? STATUS_CODES.JOB_COMPLETE.code : STATUS_CODES.JOB_PENDING.code,
    smileJobId: padSmileJobId(job.smileJobId),
    result: complete ? smileResultOf(job, job.result!) : pendingText(job),
    history,
    imageLinks,
  });
}
