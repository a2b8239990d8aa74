/**
 * @file The `PUT` to an upload_url: check the capability, unpack the zip, store the images and queue the job.
 * Either the job is queued with all its images, or nothing is kept (stored blobs are removed on failure).
 */
import { apiError } from '../errors/api-errors.js';
import { parseInfoJson, type PartnerParams } from '../protocol/info-json.js';
import { readUploadZip, UploadZipError } from '../protocol/upload-zip.js';
import type { JobRecord } from '../store/types.js';
import { hashUploadToken } from './capabilities.js';
import type { JobContext } from './context.js';
import { callbackFor } from './result-view.js';
import { withStoredImages, type IncomingImage } from './job-images.js';
import { jobKind } from './job-types.js';
import { zipCorruptResult } from './special-results.js';
import { runEngineAdmitted } from './engine-admission.js';
import { logJobStep } from './job-log.js';
import { recordDecision } from './job-outcome.js';

/** More liveness frames than any capture component sends: beyond this the upload is refused, not truncated. */
export const MAX_LIVENESS_IMAGES = 16;

async function jobForToken(ctx: JobContext, token: string): Promise<JobRecord> {
  const job = await ctx.store.getJobByUploadToken(hashUploadToken(token));
  if (!job) throw apiError('UPLOAD_URL_UNKNOWN', 'This upload URL is unknown (or was replaced by a retried prep_upload)');
  // The token stays on the job after its zip arrived, so a second PUT is told why it is refused.
  if (job.state !== 'awaiting_upload') throw apiError('UPLOAD_ALREADY_RECEIVED');
  if (job.uploadExpiresAt && Date.parse(job.uploadExpiresAt) < Date.now()) {
    throw apiError('UPLOAD_URL_EXPIRED', 'This upload URL has expired: call /upload again with the retry flag for a new one');
  }
  return job;
}

export async function receiveUpload(ctx: JobContext, token: string, zip: Buffer): Promise<void> {
  const job = await jobForToken(ctx, token);
  if (zip.length === 0) throw apiError('NO_ZIP_RECEIVED', 'The upload body is empty: PUT the job zip (info.json and the images)');
  let entries: Map<string, Buffer>;
  try {
    entries = await readUploadZip(zip);
  } catch (err) {
    // An unreadable zip is the job's result (0903, as Smile ID reports it), so pollers and callbacks learn of it too.
    if (err instanceof UploadZipError && err.reason !== 'missing_info_json') {
      const result = zipCorruptResult(jobKind(job.jobType), err.message);
      const callback = callbackFor(job, result);
      await ctx.store.completeJob(job.smileJobId, { state: 'complete', result, callback }, null);
      recordDecision(ctx, job, { state: 'complete', result, callback });
    }
    throw err;
  }
  const info = parseInfoJson(entries.get('info.json')!, entries, { expectedPartnerParams: job.partnerParams as PartnerParams });
  const selfies = info.images.filter((i) => i.role === 'selfie');
  const frames = info.images.filter((i) => i.role === 'liveness');
  if (frames.length > MAX_LIVENESS_IMAGES) {
    throw apiError('INVALID_PARAMETER_TYPE', `At most ${MAX_LIVENESS_IMAGES} liveness images are accepted, got ${frames.length}`);
  }
  const images: IncomingImage[] = [
    ...selfies.slice(0, 1).map((img) => ({ role: 'selfie' as const, index: 0, data: img.data })),
    ...frames.map((img, index) => ({ role: 'liveness' as const, index, data: img.data })),
  ];
  startEarlyRun(ctx, job.smileJobId, images);
  try {
    await withStoredImages(ctx, { environment: job.environment, partnerId: job.partnerId, group: job.smileJobId }, images, async (stored) => {
      if (!(await ctx.store.acceptUpload(job.smileJobId, stored))) throw apiError('UPLOAD_ALREADY_RECEIVED', 'A zip was already uploaded for this job');
    });
    logJobStep(ctx.log, 'stored', job, { images: images.length });
  } catch (err) {
    ctx.earlyRuns.take(job.smileJobId);
    throw err;
  }
}

/** The engine starts on the images in memory while they are stored; the job's task takes the result. */
function startEarlyRun(ctx: JobContext, smileJobId: number, images: IncomingImage[]): void {
  const selfie = images.find((i) => i.role === 'selfie');
  if (!selfie) return;
  const liveness = images.filter((i) => i.role === 'liveness').map((i) => i.data);
  ctx.earlyRuns.start(smileJobId, () => runEngineAdmitted(ctx, 'queued', { selfie: selfie.data, liveness }));
}
