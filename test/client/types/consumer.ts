/**
 * @file A consumer project's view of `likeness/client`, compiled under `strict` against the emitted declarations by
 * types.test.ts. `@ts-expect-error` lines pin down misuse the types must refuse.
 */
import {
  LikenessApiError, LikenessClient, LikenessError, Signature, Utilities, verifyCallback, WebApi, IMAGE_TYPE, JOB_TYPE,
  type JobStatus, type JobStatusResponse, type SubmitJobAccepted, type SubmittedJob, type VerifiedCallback,
} from 'likeness/client';

export async function typedApi(): Promise<string> {
  const client = new LikenessClient({ url: 'https://127.0.0.1:8443/v1', partnerId: '001', apiKey: 'k', ca: '-----BEGIN CERTIFICATE-----', retry: { retries: 2 } });
  const job: SubmittedJob = await client.enroll({ userId: 'u', selfie: 'selfie.jpg', liveness: [Buffer.alloc(1), { base64: 'AA==' }], allowReenroll: true });
  const status: JobStatus = await client.waitForResult(job, { timeoutMs: 30_000, intervalMs: 500, signal: AbortSignal.timeout(60_000) });
  const outcome: 'pending' | 'approved' | 'under_review' | 'rejected' = status.outcome;
  const confidence: number | undefined = status.confidence;
  await client.authenticate({ userId: 'u', jobId: 'j', selfie: { path: 'a.jpg' }, sandboxResult: 'rejected' });
  // @ts-expect-error: a selfie is required
  await client.authenticate({ userId: 'u' });
  // @ts-expect-error: allowReenroll is for enrollment only
  await client.authenticate({ userId: 'u', selfie: 'a.jpg', allowReenroll: true });
  // @ts-expect-error: unknown sandbox outcome
  await client.enroll({ userId: 'u', selfie: 'a.jpg', sandboxResult: 'maybe' });
  return `${outcome} ${confidence ?? ''}`;
}

export async function compatibleApi(): Promise<void> {
  const api = new WebApi('001', 'https://cb.example/cb', 'key', 'https://127.0.0.1:8443/v1');
  const partner_params = { user_id: 'u', job_id: 'j', job_type: JOB_TYPE.SMART_SELFIE_AUTHENTICATION };
  const image_details = [
    { image_type_id: IMAGE_TYPE.SELFIE_IMAGE_FILE, image: 'selfie.jpg' },
    { image_type_id: IMAGE_TYPE.LIVENESS_IMAGE_FILE, image: 'f1.jpg' },
  ];
  const full: JobStatusResponse = await api.submit_job(partner_params, image_details, { entered: 'false' }, { return_job_status: true, return_image_links: true });
  const accepted: SubmitJobAccepted = await api.submit_job(partner_params, image_details, { entered: 'false' }, { return_job_status: false });
  const either = await api.submit_job(partner_params, image_details, { entered: 'false' }, { return_job_status: Math.random() > 0.5 });
  if ('job_complete' in either) either.job_complete.valueOf();
  const links: string | undefined = full.image_links?.selfie_image;
  const status = await new Utilities('001', 'key', 1).get_job_status('u', 'j', { return_history: true });
  const ok: boolean = new Signature('001', 'key').confirm_signature(status.timestamp, status.signature);
  const { token } = await api.get_web_token({ user_id: 'u', job_id: 'j', product: 'authentication', callback_url: 'https://cb' });
  // @ts-expect-error: partner params need user_id, job_id and job_type
  await api.submit_job({ user_id: 'u' }, image_details, {}, {});
  void [accepted.smile_job_id, links, ok, token];
}

export function callbacks(rawBody: string): VerifiedCallback | undefined {
  try {
    return verifyCallback(rawBody, { partnerId: '001', apiKey: 'key', maxAgeMs: 300_000 });
  } catch (err) {
    if (err instanceof LikenessApiError) return undefined;
    if (err instanceof LikenessError) console.error(err.code);
    throw err;
  }
}
