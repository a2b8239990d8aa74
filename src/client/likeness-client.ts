/**
 * @file `LikenessClient`, the typed API: enroll, authenticate, jobStatus, waitForResult, webToken — camelCase inputs,
 * images as paths, Buffers or base64, and results reduced to an outcome while keeping the raw body.
 */
import { randomUUID } from 'node:crypto';
import { ApiRequests, type ConnectionOptions, type RequestOptions } from './api-requests.js';
import { LikenessValidationError } from './errors.js';
import { loadImage, uniqueFileNames, type ImageInput } from './image-input.js';
import type { PackageImage } from './job-package.js';
import { outcomeOf, type JobOutcome } from './result-outcome.js';
import type { Actions, ImageLinks, JobResult, JobStatusResponse, PartnerParams } from './result-types.js';
import { submitJob, type SubmissionStage } from './submit-job.js';
import { waitForJob, type WaitOptions } from './wait-for-result.js';

export interface LikenessClientOptions extends ConnectionOptions {
  /** `sid_server`: a Likeness server URL ending with its path prefix (e.g. `https://host:8443/v1`), or 0/1 for Smile ID. */
  url: string | number;
  partnerId: string;
  /** The API key of the environment `url` points at (sandbox or production). */
  apiKey: string;
  /** Default callback URL for submitted jobs. */
  callbackUrl?: string;
}

export interface SubmitJobOptions extends RequestOptions {
  /** Your identifier for the person. */
  userId: string;
  /** Your identifier for this job; a random UUID when omitted. Must be unique per partner. */
  jobId?: string;
  /** The selfie to enroll with / authenticate. */
  selfie: ImageInput;
  /** Liveness frames (sent as liveness files, type 4). */
  liveness?: ImageInput[];
  /** Extra `partner_params`, echoed back in results and callbacks. */
  partnerParams?: Record<string, string | number | boolean>;
  /** Callback URL for this job (overrides the client's); `null` for none. */
  callbackUrl?: string | null;
  /** Called as the submission moves from prep_upload to upload to uploaded. */
  onProgress?: (stage: SubmissionStage) => void;
  /** Sandbox only: force the outcome, for integration tests (`sandbox_result`). */
  sandboxResult?: 'approved' | 'rejected' | 'provisional';
}

export interface EnrollOptions extends SubmitJobOptions {
  /** Replace the registered selfie of an already enrolled user (`allow_new_enroll`); otherwise that is refused (2209). */
  allowReenroll?: boolean;
}

export type AuthenticateOptions = SubmitJobOptions;

/** A job the server accepted (its zip is uploaded); pass it to `waitForResult`. */
export interface SubmittedJob {
  userId: string;
  jobId: string;
  jobType: 2 | 4;
  smileJobId: string;
  /** True when prep_upload was repeated with `retry: "true"` after an attempt whose outcome was unknown. */
  retried: boolean;
}

export interface JobRef {
  userId: string | number;
  jobId: string | number;
}

export interface JobStatusOptions extends RequestOptions {
  history?: boolean;
  imageLinks?: boolean;
}

/** A job_status answer, with the fields callers need lifted out and typed. */
export interface JobStatus {
  complete: boolean;
  success: boolean;
  outcome: JobOutcome;
  /** The response's top-level `code`. */
  code: string;
  smileJobId: string | undefined;
  resultCode: string | undefined;
  resultText: string | undefined;
  /** `ConfidenceValue` as a number. */
  confidence: number | undefined;
  actions: Actions | undefined;
  partnerParams: PartnerParams | undefined;
  imageLinks: ImageLinks | undefined;
  history: JobResult[] | undefined;
  /** The verified body as the server sent it. */
  raw: JobStatusResponse;
}

export interface WebTokenOptions extends RequestOptions {
  userId: string;
  jobId: string;
  /** e.g. "authentication", "smartselfie". */
  product: string;
  callbackUrl?: string;
}

export function toJobStatus(raw: JobStatusResponse): JobStatus {
  const result = typeof raw.result === 'object' && raw.result !== null ? raw.result : undefined;
  const confidence = result?.ConfidenceValue === undefined ? Number.NaN : Number(result.ConfidenceValue);
  return {
    complete: Boolean(raw.job_complete),
    success: Boolean(raw.job_success),
    outcome: outcomeOf(raw),
    code: String(raw.code ?? ''),
    smileJobId: result?.SmileJobID,
    resultCode: result?.ResultCode,
    resultText: result?.ResultText ?? (typeof raw.result === 'string' ? raw.result : undefined),
    confidence: Number.isNaN(confidence) ? undefined : confidence,
    actions: result?.Actions,
    partnerParams: result?.PartnerParams,
    imageLinks: raw.image_links,
    history: raw.history,
    raw,
  };
}

export class LikenessClient {
  private readonly requests: ApiRequests;
  private readonly callbackUrl: string | undefined;

  constructor(options: LikenessClientOptions) {
    if (!options || typeof options !== 'object') throw new LikenessValidationError('LikenessClient needs { url, partnerId, apiKey }');
    this.requests = new ApiRequests(options.url, { partnerId: options.partnerId, apiKey: options.apiKey }, options);
    this.callbackUrl = options.callbackUrl;
  }

  /** The resolved base URL requests go to. */
  get baseUrl(): string {
    return this.requests.baseUrl;
  }

  /** Registers a new user (job type 4). Resolves once the upload is accepted; use `waitForResult` for the decision. */
  enroll(options: EnrollOptions): Promise<SubmittedJob> {
    return this.submit(4, options, options?.allowReenroll ? { allow_new_enroll: 'true' } : {});
  }

  /** Authenticates an enrolled user against their registered selfie (job type 2). */
  authenticate(options: AuthenticateOptions): Promise<SubmittedJob> {
    return this.submit(2, options);
  }

  /** The job's current status, signature verified. */
  async jobStatus(job: JobRef, options: JobStatusOptions = {}): Promise<JobStatus> {
    checkJobRef(job);
    return toJobStatus(await this.requests.jobStatus(job.userId, job.jobId, options));
  }

  /**
   * Polls until the job completes; throws `LikenessJobTimeoutError` after `timeoutMs` (default 120 s) and
   * `LikenessAbortError` when `signal` fires.
   */
  async waitForResult(job: JobRef, options: WaitOptions = {}): Promise<JobStatus> {
    checkJobRef(job);
    return toJobStatus(await waitForJob(this.requests, job.userId, job.jobId, options));
  }

  /** A token for the hosted web integration. */
  async webToken(options: WebTokenOptions): Promise<{ token: string }> {
    const callbackUrl = options.callbackUrl ?? this.callbackUrl;
    if (!options.userId || !options.jobId || !options.product) throw new LikenessValidationError('userId, jobId and product are required');
    if (!callbackUrl) throw new LikenessValidationError('Callback URL is required for this method');
    const { token } = await this.requests.token(
      { user_id: options.userId, job_id: options.jobId, product: options.product, callback_url: callbackUrl },
      { signal: options.signal },
    );
    return { token };
  }

  /** Closes idle keep-alive connections (a process exits without this too). */
  close(): void {
    this.requests.close();
  }

  private async submit(jobType: 2 | 4, options: SubmitJobOptions, extraFields: Record<string, unknown> = {}): Promise<SubmittedJob> {
    if (!options || typeof options !== 'object') throw new LikenessValidationError('options are required');
    if (typeof options.userId !== 'string' || options.userId.length === 0) throw new LikenessValidationError('userId is required');
    if (options.jobId !== undefined && (typeof options.jobId !== 'string' || options.jobId.length === 0)) {
      throw new LikenessValidationError('jobId must be a non-empty string');
    }
    if (options.selfie === undefined || options.selfie === null) throw new LikenessValidationError('selfie is required');
    if (options.liveness !== undefined && !Array.isArray(options.liveness)) throw new LikenessValidationError('liveness must be an array of images');
    const jobId = options.jobId ?? randomUUID();
    const selfie = await loadImage(options.selfie, 'selfie', 'selfie');
    const liveness = await Promise.all((options.liveness ?? []).map((img, i) => loadImage(img, `liveness[${i}]`, `liveness_${String(i + 1).padStart(3, '0')}`)));
    const names = uniqueFileNames([selfie.fileName, ...liveness.map((l) => l.fileName)]);
    const images: PackageImage[] = [
      { image_type_id: 0, image: '', file_name: names[0]!, bytes: selfie.bytes },
      ...liveness.map((l, i): PackageImage => ({ image_type_id: 4, image: '', file_name: names[i + 1]!, bytes: l.bytes })),
    ];
    const callbackUrl = options.callbackUrl === undefined ? this.callbackUrl : options.callbackUrl;
    const receipt = await submitJob(this.requests, {
      partnerParams: { ...options.partnerParams, user_id: options.userId, job_id: jobId, job_type: jobType },
      images,
      idInfo: { entered: 'false' },
      callbackUrl,
      useEnrolledImage: false,
      extraFields: { ...extraFields, ...(options.sandboxResult ? { sandbox_result: options.sandboxResult } : {}) },
      signal: options.signal,
      onProgress: options.onProgress,
    });
    return { userId: options.userId, jobId, jobType, smileJobId: receipt.smileJobId, retried: receipt.retried };
  }
}

function checkJobRef(job: JobRef): void {
  if (!job || typeof job !== 'object' || job.userId === undefined || job.userId === '' || job.jobId === undefined || job.jobId === '') {
    throw new LikenessValidationError('userId and jobId are required');
  }
}
