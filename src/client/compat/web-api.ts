/**
 * @file `WebApi`, the drop-in for the official SDK's class: same constructor, methods, argument and result shapes and
 * validation messages, plus an optional fifth argument for TLS, timeouts and retries.
 */
import { ApiRequests, type ConnectionOptions } from '../api-requests.js';
import { LikenessValidationError } from '../errors.js';
import type { IdInfo, JobStatusResponse, PartnerParams, SubmitJobAccepted } from '../result-types.js';
import { submitJob } from '../submit-job.js';
import { waitForJob } from '../wait-for-result.js';
import { toPackageImages, type ImageDetail } from './compat-images.js';
import {
  validateBooleans, validateIdInfo, validateImages, validateJobTypeImages, validatePartnerParams, validateReturnData,
} from './validation.js';
import { getWebToken, type TokenRequestParams } from './web-token.js';

/** The official SDK's options, plus `return_image_links` (an alias of `return_images` it ignores) and `signal`. */
export interface OptionsParam {
  optional_callback?: string;
  return_job_status?: boolean;
  return_history?: boolean;
  return_images?: boolean;
  return_image_links?: boolean;
  use_enrolled_image?: boolean;
  signal?: AbortSignal;
}

/** The optional fifth constructor argument. */
export interface WebApiOptions extends ConnectionOptions {
  /** How long `submit_job` with `return_job_status` waits for the result. Default 120 000 ms (the official SDK: ~76 s). */
  jobStatusTimeoutMs?: number;
  /** Pause between job_status polls. Default 1000 ms. */
  jobStatusIntervalMs?: number;
}

export class WebApi {
  partner_id: string;
  default_callback: string | null | undefined;
  api_key: string;
  /** The resolved base URL (scheme kept). */
  url: string;
  /** @internal */
  readonly requests: ApiRequests;
  private readonly options: WebApiOptions;

  constructor(partner_id: string, default_callback: string | null | undefined, api_key: string, sid_server: string | number, options: WebApiOptions = {}) {
    this.partner_id = partner_id;
    this.default_callback = default_callback;
    this.api_key = api_key;
    this.requests = new ApiRequests(sid_server, { partnerId: partner_id, apiKey: api_key }, options);
    this.url = this.requests.baseUrl;
    this.options = options;
  }

  /** Submits a job; resolves `{ success: true, smile_job_id }`, or the completed job_status body with `return_job_status`. */
  submit_job(partner_params: PartnerParams, image_details: ImageDetail[], id_info?: IdInfo | null, options?: OptionsParam & { return_job_status?: false }): Promise<SubmitJobAccepted>;
  submit_job(partner_params: PartnerParams, image_details: ImageDetail[], id_info: IdInfo | null | undefined, options: OptionsParam & { return_job_status: true }): Promise<JobStatusResponse>;
  submit_job(partner_params: PartnerParams, image_details: ImageDetail[], id_info?: IdInfo | null, options?: OptionsParam): Promise<SubmitJobAccepted | JobStatusResponse>;
  async submit_job(partner_params: PartnerParams, image_details: ImageDetail[], id_info?: IdInfo | null, options: OptionsParam = {}): Promise<SubmitJobAccepted | JobStatusResponse> {
    validatePartnerParams(partner_params);
    const jobType = Number.parseInt(String(partner_params.job_type), 10);
    const opts = options ?? {};
    const callbackUrl = opts.optional_callback || this.default_callback;
    const entered = validateIdInfo(id_info ?? {}, jobType);
    const flags = validateBooleans(opts as Record<string, unknown>);
    validateImages(image_details, flags.use_enrolled_image, jobType);
    validateReturnData(callbackUrl, flags.return_job_status);
    validateJobTypeImages(jobType, image_details, entered);
    if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) throw new LikenessValidationError('signal needs to be an AbortSignal');

    const images = await toPackageImages(image_details as ImageDetail[]);
    const partnerParams: PartnerParams = { ...partner_params, job_type: jobType };
    const receipt = await submitJob(this.requests, {
      partnerParams,
      images,
      idInfo: { ...(id_info ?? {}), entered },
      callbackUrl,
      useEnrolledImage: flags.use_enrolled_image,
      signal: opts.signal,
    });
    if (!flags.return_job_status) return { success: true, smile_job_id: receipt.smileJobId };
    return waitForJob(this.requests, partnerParams.user_id, partnerParams.job_id, {
      history: flags.return_history,
      imageLinks: flags.return_images || flags.return_image_links,
      timeoutMs: this.options.jobStatusTimeoutMs,
      intervalMs: this.options.jobStatusIntervalMs,
      signal: opts.signal,
    });
  }

  /** The job's current status (signature verified). `return_images` / `return_image_links` ask for image links. */
  async get_job_status(partner_params: Pick<PartnerParams, 'user_id' | 'job_id'> & Partial<PartnerParams>, options: OptionsParam = {}): Promise<JobStatusResponse> {
    if (!partner_params || typeof partner_params !== 'object') throw new LikenessValidationError('Please ensure that you send through partner params');
    return this.requests.jobStatus(partner_params.user_id, partner_params.job_id, {
      history: Boolean(options?.return_history),
      imageLinks: Boolean(options?.return_images || options?.return_image_links),
      signal: options?.signal,
    });
  }

  /** A token for the hosted web integration. */
  get_web_token(requestParams: TokenRequestParams): Promise<{ token: string }> {
    return getWebToken(this.requests, requestParams, this.default_callback);
  }
}
