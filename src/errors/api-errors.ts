/**
 * @file The one registry of API errors: stable name, Smile ID `code`, HTTP status and default message.
 *
 * Codes are part of the wire contract (clients switch on them). Never reuse or renumber a code; retire it instead.
 * Smile ID's own codes come from its published error table (PROTOCOL.md §7.1). Likeness extensions sit in x290–x299
 * of the same families (22xx request/auth, 23xx upload), ranges Smile ID does not publish, and are listed in
 * docs/errors.md.
 */

export interface ApiErrorSpec {
  /** Smile ID-style error code, always a string of digits. */
  readonly code: string;
  readonly httpStatus: number;
  readonly message: string;
  /** True for codes Likeness adds beyond Smile ID's published table. */
  readonly extension: boolean;
}

const smile = (code: string, httpStatus: number, message: string): ApiErrorSpec =>
  Object.freeze({ code, httpStatus, message, extension: false });
const likeness = (code: string, httpStatus: number, message: string): ApiErrorSpec =>
  Object.freeze({ code, httpStatus, message, extension: true });

export const API_ERRORS = Object.freeze({
  SYSTEM_ERROR: smile('2201', 500, 'System error'),
  INVALID_JSON: smile('2203', 400, 'Invalid JSON'),
  INVALID_PARAMETER_TYPE: smile('2204', 400, 'Parameter of wrong type'),
  UNAUTHORIZED: smile('2205', 401, 'You are not authorized to do that'),
  USER_DISABLED: smile('2207', 403, 'Enrolled user is disabled'),
  USER_DELETED: smile('2208', 410, 'Enrolled user has been deleted'),
  USER_ALREADY_ENROLLED: smile('2209', 409, 'User is already enrolled'),
  USER_NOT_ENROLLED: smile('2210', 404, 'No enrolled user found'),
  USER_MUST_REENROLL: smile('2211', 409, 'User must re-enroll'),
  INVALID_JOB_TYPE: smile('2212', 400, 'Invalid job type'),
  MISSING_PARAMETER: smile('2213', 400, 'Required parameter missing'),
  JOB_ALREADY_EXISTS: smile('2215', 409, 'Job already exists. Did you mean to set the retry flag to true?'),
  USER_HAS_NO_PHOTO: smile('2216', 409, 'Enrolled user has no photo on file'),
  NO_ZIP_RECEIVED: smile('2314', 400, 'No zip file received'),
  PAYLOAD_TOO_LARGE: likeness('2290', 413, 'Request body is too large'),
  NOT_FOUND: likeness('2291', 404, 'Not found'),
  RATE_LIMITED: likeness('2292', 429, 'Too many requests'),
  PARTNER_PARAMS_MISMATCH: likeness('2293', 400, 'partner_params in info.json do not match the upload request'),
  UNSUPPORTED_MEDIA_TYPE: likeness('2294', 415, 'Unsupported content type'),
  INVALID_IMAGE: likeness('2295', 400, 'Image could not be decoded'),
  UPLOAD_ZIP_INVALID: likeness('2390', 400, 'Uploaded zip file is invalid'),
  UPLOAD_URL_UNKNOWN: likeness('2391', 404, 'Upload URL is unknown'),
  UPLOAD_URL_EXPIRED: likeness('2392', 410, 'Upload URL has expired'),
  UPLOAD_ALREADY_RECEIVED: likeness('2393', 409, 'A zip was already uploaded for this job'),
  // Web tokens of the hosted web integration (docs/web.md).
  WEB_TOKEN_INVALID: likeness('2296', 401, 'The web token is not valid'),
  WEB_TOKEN_EXPIRED: likeness('2297', 401, 'The web token has expired'),
  WEB_TOKEN_USED: likeness('2298', 409, 'The web token has already been used'),
} satisfies Record<string, ApiErrorSpec>);

export type ApiErrorName = keyof typeof API_ERRORS;

/** The error body every Smile ID endpoint returns: `{ "code": "2205", "error": "…" }`. */
export interface ApiErrorBody {
  code: string;
  error: string;
}

/** Brand shared across copies of this module (e.g. dist vs. tsx), so `isApiError` works where `instanceof` may not. */
const API_ERROR_BRAND = Symbol.for('likeness.api-error');

export class ApiError extends Error {
  readonly errorName: ApiErrorName;
  readonly code: string;
  readonly httpStatus: number;

  constructor(name: ApiErrorName, message?: string, options?: { cause?: unknown }) {
    const spec = API_ERRORS[name];
    super(message ?? spec.message, options);
    this.name = 'ApiError';
    this.errorName = name;
    this.code = spec.code;
    this.httpStatus = spec.httpStatus;
    Object.defineProperty(this, API_ERROR_BRAND, { value: true });
  }

  toJSON(): ApiErrorBody {
    return { code: this.code, error: this.message };
  }
}

export function apiError(name: ApiErrorName, message?: string, options?: { cause?: unknown }): ApiError {
  return new ApiError(name, message, options);
}

export function isApiError(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[API_ERROR_BRAND] === true;
}
