/**
 * @file The one registry of API errors: stable name, Smile ID `code`, HTTP status and default message.
 *
 * Codes are part of the wire contract (clients switch on them). Never reuse or renumber a code; retire it instead.
 * Smile ID's own codes come from its published error table (PROTOCOL.md §7.1). Likeness extensions sit in x280–x299
 * of the same families (22xx request/auth, 23xx upload, 26xx portal and human review), ranges Smile ID does not
 * publish. Every code the server, the portal, the review flow or the client emits comes from the tables here, and
 * docs/errors.md lists them (test/errors/api-errors.test.ts checks both ways).
 */

export interface ApiErrorSpec {
  /** Smile ID-style error code, always a string of digits. */
  readonly code: string;
  readonly httpStatus: number;
  readonly message: string;
  /** When the server answers with it (docs/errors.md repeats it). */
  readonly when: string;
  /** True for codes Likeness adds beyond Smile ID's published table. */
  readonly extension: boolean;
}

const smile = (code: string, httpStatus: number, message: string, when: string): ApiErrorSpec =>
  Object.freeze({ code, httpStatus, message, when, extension: false });
const likeness = (code: string, httpStatus: number, message: string, when: string): ApiErrorSpec =>
  Object.freeze({ code, httpStatus, message, when, extension: true });

export const API_ERRORS = Object.freeze({
  SYSTEM_ERROR: smile('2201', 500, 'System error', 'Unexpected server failure (also the result code of a job that could not be processed).'),
  INVALID_JSON: smile('2203', 400, 'Invalid JSON', 'Request body or `info.json` is not valid JSON, or JSON where an object is required.'),
  INVALID_PARAMETER_TYPE: smile('2204', 400, 'Parameter of wrong type', 'A field has the wrong type or an unusable value (e.g. bad base64, unknown image type, a review reason too long).'),
  UNAUTHORIZED: smile('2205', 401, 'You are not authorized to do that', 'Bad or missing signature, unknown partner, key of the other environment, missing auth headers; a portal request without a session.'),
  USER_DISABLED: smile('2207', 403, 'Enrolled user is disabled', 'Job for a deactivated user.'),
  USER_DELETED: smile('2208', 410, 'Enrolled user has been deleted', 'Job for a deleted user.'),
  USER_ALREADY_ENROLLED: smile('2209', 409, 'User is already enrolled', 'Enrollment (job type 4) for an enrolled `user_id` without re-enrollment.'),
  USER_NOT_ENROLLED: smile('2210', 404, 'No enrolled user found', 'Authentication (job type 2) for an unknown `user_id`.'),
  INVALID_JOB_TYPE: smile('2212', 400, 'Invalid job type', '`job_type` other than those served.'),
  MISSING_PARAMETER: smile('2213', 400, 'Required parameter missing', 'A required field, `partner_params` id, or a file named in `info.json` is absent; a review decision without a reason.'),
  JOB_ALREADY_EXISTS: smile('2215', 409, 'Job already exists. Did you mean to set the retry flag to true?', 'Duplicate `job_id` for the partner.'),
  NO_ZIP_RECEIVED: smile('2314', 400, 'No zip file received', 'Empty upload body.'),
  WEB_TOKEN_INVALID: likeness('2281', 401, 'The web token is not valid', 'Malformed or tampered web token, or one issued to another partner or environment (hosted web integration, docs/web.md).'),
  WEB_TOKEN_EXPIRED: likeness('2282', 401, 'The web token has expired', 'Web token used after its lifetime (`webTokenTtlMs`, default 1 hour).'),
  WEB_TOKEN_USED: likeness('2283', 409, 'The web token has already been used', "The token's job already received its zip (or its `job_id` was used otherwise)."),
  SEARCH_SELFIE_UNUSABLE: likeness('2284', 422, 'The search selfie has no usable face', 'Face search (`/admin/search`, the portal search page, `likeness search`): the selfie cannot be decoded or no face was found in it (docs/search.md).'),
  PAYLOAD_TOO_LARGE: likeness('2290', 413, 'Request body is too large', 'Body over the configured limit.'),
  NOT_FOUND: likeness('2291', 404, 'Not found', 'Unknown route, job or resource.'),
  RATE_LIMITED: likeness('2292', 429, 'Too many requests', 'Rate limit or queue capacity reached; sent with `Retry-After` (seconds). API limits are per partner and environment (`--rate-limit`).'),
  PARTNER_PARAMS_MISMATCH: likeness('2293', 400, 'partner_params in info.json do not match the upload request', '`info.json` names a different `user_id`, `job_id` or `job_type` than its prep_upload.'),
  UNSUPPORTED_MEDIA_TYPE: likeness('2294', 415, 'Unsupported content type', 'Body in a content type the endpoint does not accept.'),
  MULTIPART_INVALID: likeness('2296', 400, 'Multipart body is malformed or incomplete', 'A `/v2` multipart body that ends before its closing boundary or cannot be parsed.'),
  CALLBACK_URL_NOT_ALLOWED: likeness('2297', 400, 'callback_url points to a destination this server does not call', "`callback_url` (or a replay URL) names a loopback, private, link-local or other non-public address not on the operator's allow-list (`--allow-callback-hosts`)."),
  STORAGE_BUSY: likeness('2299', 503, 'The database is busy; retry shortly', 'A write could not take the database lock at once (another process holds it: a backup, a maintenance command), or the database cannot be reached at the moment (PostgreSQL restarting or failing over); nothing was written. Retry after `Retry-After` seconds.'),
  UPLOAD_ZIP_INVALID: likeness('2390', 400, 'Uploaded zip file is invalid', 'Corrupt, truncated, encrypted, nested, oversized or unsafe zip, or no `info.json` in it.'),
  UPLOAD_URL_UNKNOWN: likeness('2391', 404, 'Upload URL is unknown', 'PUT to an upload URL this server did not issue (or one replaced by a retried prep_upload).'),
  UPLOAD_URL_EXPIRED: likeness('2392', 410, 'Upload URL has expired', "PUT after the upload URL's lifetime."),
  UPLOAD_ALREADY_RECEIVED: likeness('2393', 409, 'A zip was already uploaded for this job', 'Second PUT to the same upload URL.'),
  FORBIDDEN: likeness('2690', 403, 'You may not do that', 'Portal: an admin-only page for a reviewer, or a form that did not come from the portal (CSRF).'),
  REVIEW_NOT_PENDING: likeness('2691', 409, 'This job is not awaiting review', 'Review: claiming or deciding a job that is not (or no longer) in the review queue.'),
  REVIEW_CLAIMED_BY_OTHER: likeness('2692', 409, 'Another reviewer is reviewing this job', 'Review: claiming a job whose claim another reviewer holds.'),
  REVIEW_NOT_CLAIMED: likeness('2693', 409, 'Claim the job before deciding it', 'Review: deciding without holding an unexpired claim (or a second decision).'),
  REVIEW_CANNOT_REGISTER: likeness('2694', 409, 'This enrolment cannot be approved', 'Review: approving an enrolment whose user cannot be registered (already enrolled, selfie gone, no face).'),
  NOTHING_TO_REPLAY: likeness('2695', 409, 'This job has no result or no callback URL to replay to', 'Portal: replaying the callback of a job without a result or a callback URL.'),
} satisfies Record<string, ApiErrorSpec>);

/**
 * Codes once registered and never emitted, retired so that no later error reuses them with another meaning. Smile ID
 * codes Likeness does not emit (e.g. 2211 "user must re-enroll") are simply absent.
 */
export const RETIRED_CODES: Readonly<Record<string, string>> = Object.freeze({
  '2295': 'INVALID_IMAGE (400): an undecodable selfie is the job result 0001 "Selfie image unusable", not an HTTP error',
});

/** The top-level `code` of successful answers: not errors, but from the same numbering, so listed here too. */
export interface StatusCodeSpec {
  readonly code: string;
  readonly message: string;
  readonly when: string;
  readonly extension: boolean;
}

export const STATUS_CODES = Object.freeze({
  PREP_UPLOAD_OK: Object.freeze({ code: '2202', message: 'Upload URL issued', when: 'prep_upload (`/upload`) answered with an `upload_url` (Smile ID docs).', extension: false }),
  JOB_COMPLETE: Object.freeze({ code: '2302', message: 'Job complete', when: 'job_status of a job with a result, final or provisional (Smile ID docs and fixtures).', extension: false }),
  JOB_PENDING: Object.freeze({ code: '2303', message: 'Job not complete', when: 'job_status of a job still waiting for its zip or being processed (Smile ID documents no code for it).', extension: true }),
} satisfies Record<string, StatusCodeSpec>);

/** Codes of the errors the client library raises itself (a server error keeps the server's code). */
export const CLIENT_ERRORS = Object.freeze({
  validation: Object.freeze({ code: 'LIK_ERR_CLIENT_VALIDATION', when: 'The arguments given are unusable; nothing was sent.' }),
  timeout: Object.freeze({ code: 'LIK_ERR_CLIENT_TIMEOUT', when: 'A request did not complete within its time limit.' }),
  network: Object.freeze({ code: 'LIK_ERR_CLIENT_NETWORK', when: 'The connection failed (refused, reset, DNS, TLS).' }),
  aborted: Object.freeze({ code: 'LIK_ERR_CLIENT_ABORTED', when: "The caller's AbortSignal fired." }),
  signature: Object.freeze({ code: 'LIK_ERR_CLIENT_SIGNATURE', when: 'A job_status answer or a callback has a missing, wrong or stale signature.' }),
  protocol: Object.freeze({ code: 'LIK_ERR_CLIENT_PROTOCOL', when: 'The server answered in a shape the protocol does not allow.' }),
  jobTimeout: Object.freeze({ code: 'LIK_ERR_CLIENT_JOB_TIMEOUT', when: 'waitForResult gave up before the job completed.' }),
} satisfies Record<string, { code: string; when: string }>);

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
