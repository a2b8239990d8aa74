/**
 * @file The three-step submission (prep_upload → zip → PUT) with retries that never create a second job: once a
 * prep_upload attempt may have reached the server, every later attempt carries `retry: "true"`, so the server hands
 * back the job it already created for that job_id instead of refusing it as a duplicate (code 2215).
 */
import { API_ERRORS } from '../errors/api-errors.js';
import type { ApiRequests } from './api-requests.js';
import { LikenessApiError, LikenessNetworkError, LikenessTimeoutError } from './errors.js';
import { buildInfoJson, buildZip, type PackageImage } from './job-package.js';
import type { IdInfo, PartnerParams, PrepUploadResponse } from './result-types.js';
import { SOURCE_SDK, SOURCE_SDK_VERSION } from './client-version.js';

export type SubmissionStage = 'prep_upload' | 'upload' | 'uploaded';

export interface SubmissionInput {
  partnerParams: PartnerParams;
  images: PackageImage[];
  idInfo: IdInfo;
  callbackUrl: string | null | undefined;
  useEnrolledImage: boolean;
  /** Further top-level prep_upload fields, e.g. `allow_new_enroll`, `sandbox_result`. */
  extraFields?: Record<string, unknown>;
  signal?: AbortSignal;
  onProgress?: (stage: SubmissionStage) => void;
}

export interface SubmissionReceipt {
  smileJobId: string;
  prepUpload: PrepUploadResponse;
  /** True when prep_upload had to be repeated with `retry: "true"` after an attempt of unknown outcome. */
  retried: boolean;
}

/** Server codes for an upload URL that is spent (unknown, or its job already has a zip). */
const SPENT_UPLOAD_CODES = new Set([API_ERRORS.UPLOAD_URL_UNKNOWN.code, API_ERRORS.UPLOAD_ALREADY_RECEIVED.code]);

/**
 * PUTs the zip with retries. Upload URLs are single-use, so a retry after an attempt of unknown outcome may be told
 * the URL is spent: then job_status says whether that attempt in fact landed.
 */
async function uploadZip(api: ApiRequests, uploadUrl: string, zip: Buffer, input: SubmissionInput): Promise<void> {
  let mayHaveLanded = false;
  try {
    await api.withRetries((_attempt, previousError) => {
      if (mayHaveTakenEffect(previousError)) mayHaveLanded = true;
      return api.putZipOnce(uploadUrl, zip, { signal: input.signal });
    }, input.signal);
  } catch (err) {
    if (!(mayHaveLanded && err instanceof LikenessApiError && SPENT_UPLOAD_CODES.has(err.code))) throw err;
    const status = await api.jobStatus(input.partnerParams.user_id, input.partnerParams.job_id, { signal: input.signal });
    if (!status.job_complete && status.result === NO_ZIP_TEXT) throw err;
  }
}

/** job_status `result` of a job still waiting for its zip (Smile ID's wording, kept by Likeness). */
const NO_ZIP_TEXT = 'No zip uploaded';

/** Whether a failed attempt may nevertheless have taken effect on the server. */
export function mayHaveTakenEffect(err: unknown): boolean {
  if (err instanceof LikenessApiError) return err.status >= 500;
  if (err instanceof LikenessTimeoutError || err instanceof LikenessNetworkError) return err.delivery === 'unknown';
  return false;
}

export async function submitJob(api: ApiRequests, input: SubmissionInput): Promise<SubmissionReceipt> {
  const { signal } = input;
  let retryFlag = false;
  let signed = api.sign();
  input.onProgress?.('prep_upload');
  const prepUpload = await api.withRetries((_attempt, previousError) => {
    if (mayHaveTakenEffect(previousError)) retryFlag = true;
    signed = api.sign();
    return api.prepUploadOnce({
      callback_url: input.callbackUrl ?? undefined,
      file_name: 'selfie.zip',
      model_parameters: {},
      partner_params: input.partnerParams,
      smile_client_id: api.partnerId,
      use_enrolled_image: input.useEnrolledImage,
      ...input.idInfo,
      ...input.extraFields,
      retry: retryFlag ? 'true' : 'false',
      ...signed,
      source_sdk: SOURCE_SDK,
      source_sdk_version: SOURCE_SDK_VERSION,
    }, { signal });
  }, signal);

  const infoJson = buildInfoJson({
    partnerId: api.partnerId,
    partnerParams: input.partnerParams,
    timestamp: signed.timestamp,
    signature: signed.signature,
    callbackUrl: input.callbackUrl,
    idInfo: input.idInfo,
    images: input.images,
    serverInformation: prepUpload,
    retry: retryFlag,
    sourceSdk: SOURCE_SDK,
  });
  const zip = await buildZip(infoJson, input.images);
  input.onProgress?.('upload');
  await uploadZip(api, prepUpload.upload_url, zip, input);
  input.onProgress?.('uploaded');
  return { smileJobId: prepUpload.smile_job_id, prepUpload, retried: retryFlag };
}
