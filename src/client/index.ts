/**
 * @file Public surface of `likeness/client`: the typed `LikenessClient`, the drop-in `WebApi` / `Utilities` /
 * `Signature` of the official Smile ID SDK, callback verification, and the error classes.
 */
export { LikenessClient, toJobStatus } from './likeness-client.js';
export type {
  LikenessClientOptions, SubmitJobOptions, EnrollOptions, AuthenticateOptions, SubmittedJob, JobRef, JobStatusOptions, JobStatus,
  WebTokenOptions,
} from './likeness-client.js';
export type { WaitOptions } from './wait-for-result.js';
export { DEFAULT_WAIT_TIMEOUT_MS, DEFAULT_POLL_INTERVAL_MS } from './wait-for-result.js';
export type { SubmissionStage } from './submit-job.js';
export type { ImageInput } from './image-input.js';
export type { ConnectionOptions } from './api-requests.js';
export { DEFAULT_TIMEOUT_MS, DEFAULT_UPLOAD_TIMEOUT_MS } from './api-requests.js';
export type { RetryOptions } from './retry-policy.js';
export { DEFAULT_RETRY } from './retry-policy.js';
export { verifyCallback } from './callback-verification.js';
export type { VerifyCallbackOptions, VerifiedCallback } from './callback-verification.js';
export { outcomeOf } from './result-outcome.js';
export type { JobOutcome } from './result-outcome.js';
export type {
  PartnerParams, IdInfo, Actions, ActionKey, ActionValue, JobResult, ImageLinks, JobStatusResponse, PrepUploadResponse,
  CallbackBody, SubmitJobAccepted,
} from './result-types.js';
export { Signature } from './signature.js';
export type { SignatureInfo } from './signature.js';
export { resolveBaseUrl, SMILE_SERVERS } from './server-url.js';
export { WebApi } from './compat/web-api.js';
export type { OptionsParam, WebApiOptions } from './compat/web-api.js';
export type { ImageDetail } from './compat/compat-images.js';
export { Utilities } from './compat/utilities.js';
export type { TokenRequestParams } from './compat/web-token.js';
export { IMAGE_TYPE, JOB_TYPE } from './compat/constants.js';
export {
  LikenessError, LikenessValidationError, LikenessApiError, LikenessTimeoutError, LikenessNetworkError, LikenessAbortError,
  LikenessSignatureError, LikenessProtocolError, LikenessJobTimeoutError, CLIENT_ERROR_CODES,
} from './errors.js';
export type { DeliveryState } from './errors.js';
