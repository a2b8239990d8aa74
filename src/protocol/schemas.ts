/**
 * @file JSON Schemas (draft-07, plain objects for Fastify/ajv) and TypeScript types for the v1 request bodies (PROTOCOL.md §3.1, §4, §5).
 *
 * Union types are written with `anyOf` rather than `type: [...]` so ajv's strict mode stays quiet. Under Fastify's
 * default `coerceTypes: 'array'` the first matching branch may coerce (e.g. "true" → true, 12 → "12"); handlers must
 * therefore accept both forms, which `coerceBoolean` and `normalisePartnerParams` do.
 */
import { API_ERRORS, apiError } from '../errors/api-errors.js';

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/** The SDKs send booleans, or the strings "true"/"false" (JS `entered`, `retry`, Android form fields). */
export type WireBoolean = boolean | 'true' | 'false';

const wireBoolean = { anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false'] }] } as const;
const nonEmptyString = { type: 'string', minLength: 1 } as const;
/** Partner-chosen ids: strings as issued; numbers tolerated because the JS SDK only checks truthiness (§6). */
const partnerId = { anyOf: [nonEmptyString, { type: 'integer' }] } as const;
/** The JS SDK's `Signature` accepts epoch milliseconds and sends them as a number (§2.1). */
const signedTimestamp = { anyOf: [nonEmptyString, { type: 'number' }] } as const;
const optionalUrl = { anyOf: [{ type: 'string' }, { type: 'null' }] } as const;

export const partnerParamsSchema = {
  type: 'object',
  required: ['user_id', 'job_id', 'job_type'],
  properties: {
    user_id: partnerId,
    job_id: partnerId,
    job_type: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^[0-9]+$' }] },
  },
  additionalProperties: true,
} as const;

export interface PartnerParamsInput {
  user_id: string | number;
  job_id: string | number;
  job_type: number | string;
  [extra: string]: unknown;
}

/** `POST /v1/upload`. Extra top-level keys are allowed: the JS SDK spreads `id_info` there (§3.1). */
export const prepUploadRequestSchema = {
  $schema: DRAFT_07,
  type: 'object',
  required: ['smile_client_id', 'signature', 'timestamp', 'partner_params'],
  properties: {
    smile_client_id: nonEmptyString,
    signature: nonEmptyString,
    timestamp: signedTimestamp,
    partner_params: partnerParamsSchema,
    callback_url: optionalUrl,
    file_name: { type: 'string' },
    model_parameters: { type: 'object' },
    use_enrolled_image: wireBoolean,
    retry: wireBoolean,
    allow_new_enroll: wireBoolean,
    source_sdk: { type: 'string' },
    source_sdk_version: { type: 'string' },
  },
  additionalProperties: true,
  examples: [
    {
      callback_url: 'https://partner.example/cb',
      file_name: 'selfie.zip',
      model_parameters: {},
      partner_params: { user_id: 'user-7', job_id: 'job-7', job_type: 2 },
      smile_client_id: '001',
      use_enrolled_image: false,
      entered: 'false',
      signature: 'k3Jc2m3uE2qv7V0Yx1rX5b0k8mJ9p6q4t2w1z0y9x8A=',
      timestamp: '2026-12-02T02:00:00.000Z',
      source_sdk: 'javascript',
      source_sdk_version: '3.2.1',
    },
  ],
} as const;

export interface PrepUploadRequest {
  smile_client_id: string;
  signature: string;
  timestamp: string | number;
  partner_params: PartnerParamsInput;
  callback_url?: string | null;
  file_name?: string;
  model_parameters?: Record<string, unknown>;
  use_enrolled_image?: WireBoolean;
  retry?: WireBoolean;
  allow_new_enroll?: WireBoolean;
  source_sdk?: string;
  source_sdk_version?: string;
  /** id_info keys spread at top level by the JS SDK (usually just `entered: "false"`). */
  [idInfoKey: string]: unknown;
}

/** `POST /v1/job_status`. `history`/`image_links` are absent when the caller passed no options (§4). */
export const jobStatusRequestSchema = {
  $schema: DRAFT_07,
  type: 'object',
  required: ['user_id', 'job_id', 'partner_id', 'signature', 'timestamp'],
  properties: {
    user_id: partnerId,
    job_id: partnerId,
    partner_id: nonEmptyString,
    history: wireBoolean,
    image_links: wireBoolean,
    signature: nonEmptyString,
    timestamp: signedTimestamp,
  },
  additionalProperties: true,
  examples: [
    { user_id: 'user-7', job_id: 'job-7', partner_id: '001', history: true, image_links: true, signature: 'k3Jc2m3uE2qv7V0Yx1rX5b0k8mJ9p6q4t2w1z0y9x8A=', timestamp: '2026-12-02T02:00:00.000Z' },
  ],
} as const;

export interface JobStatusRequest {
  user_id: string | number;
  job_id: string | number;
  partner_id: string;
  history?: WireBoolean;
  image_links?: WireBoolean;
  signature: string;
  timestamp: string | number;
}

/** Products the hosted web integration accepts (§5, [D-tok]). */
export const TOKEN_PRODUCTS = Object.freeze([
  'authentication',
  'basic_kyc',
  'smartselfie',
  'biometric_kyc',
  'enhanced_kyc',
  'doc_verification',
] as const);
export type TokenProduct = (typeof TOKEN_PRODUCTS)[number];

/** `POST /v1/token`. */
export const tokenRequestSchema = {
  $schema: DRAFT_07,
  type: 'object',
  required: ['user_id', 'job_id', 'product', 'partner_id', 'signature', 'timestamp'],
  properties: {
    user_id: partnerId,
    job_id: partnerId,
    product: { type: 'string', enum: [...TOKEN_PRODUCTS] },
    callback_url: optionalUrl,
    partner_id: nonEmptyString,
    signature: nonEmptyString,
    timestamp: signedTimestamp,
    source_sdk: { type: 'string' },
    source_sdk_version: { type: 'string' },
  },
  additionalProperties: true,
  examples: [
    {
      user_id: 'user-7',
      job_id: 'job-8',
      product: 'authentication',
      callback_url: 'https://partner.example/cb',
      partner_id: '001',
      signature: 'k3Jc2m3uE2qv7V0Yx1rX5b0k8mJ9p6q4t2w1z0y9x8A=',
      timestamp: '2026-12-02T02:00:00.000Z',
    },
  ],
} as const;

export interface TokenRequest {
  user_id: string | number;
  job_id: string | number;
  product: TokenProduct;
  callback_url?: string | null;
  partner_id: string;
  signature: string;
  timestamp: string | number;
  source_sdk?: string;
  source_sdk_version?: string;
}

export interface TokenResponse {
  token: string;
}

/** The error body of every endpoint: `{ code, error }`. */
export const errorResponseSchema = {
  $schema: DRAFT_07,
  type: 'object',
  required: ['code', 'error'],
  properties: { code: { type: 'string' }, error: { type: 'string' } },
  examples: [{ code: API_ERRORS.UNAUTHORIZED.code, error: API_ERRORS.UNAUTHORIZED.message }],
} as const;

/**
 * Reads a wire boolean. `undefined`/`null` give `fallback`; anything other than a boolean or "true"/"false" is a 2204
 * naming `field`, so a typo like "yes" is reported rather than silently read as false.
 */
export function coerceBoolean(value: unknown, field: string, fallback = false): boolean {
  if (value === undefined || value === null) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw apiError('INVALID_PARAMETER_TYPE', `${field} must be true or false`);
}

/**
 * The multipart body of `POST /v2/smart-selfie-enroll|authentication` (PROTOCOL.md §9), for the OpenAPI document and
 * docs/mobile.md. The route reads the parts itself (v2-multipart.ts checks them); this schema describes them.
 */
export const v2MultipartBodySchema = {
  type: 'object',
  required: ['selfie_image'],
  properties: {
    selfie_image: { type: 'string', format: 'binary', description: 'Exactly one selfie (JPEG, PNG or WebP), at most 15 MB.' },
    liveness_images: { type: 'array', items: { type: 'string', format: 'binary' }, maxItems: 16, description: 'Liveness frames, repeated part; the SDKs send about 8.' },
    user_id: { type: 'string', description: 'Required for authentication; for enrolment the server assigns one when absent.' },
    partner_params: { type: 'string', description: 'JSON object of string values, echoed back in results.', examples: ['{"ref":"abc"}'] },
    callback_url: { type: 'string', description: 'Where the result is also POSTed (signed).' },
    allow_new_enroll: { type: 'string', enum: ['true', 'false'], description: 'Enrolment: replace the registered selfie of an enrolled user_id.' },
    sandbox_result: { type: 'string', pattern: '^[0-9]+$', description: 'Sandbox only: 0 approved, 1 rejected, 2 provisional.' },
    failure_reason: { type: 'string', description: 'JSON object the SDK sends when capture failed; stored with the job.' },
    metadata: { type: 'string', description: 'JSON array of {"name", "value"} capture metadata; stored with the job.' },
  },
} as const;

/** The `SmileID-*` headers the v2 endpoints authenticate with (signature as for v1, PROTOCOL.md §2.1). */
export const v2HeadersSchema = {
  type: 'object',
  required: ['SmileID-Partner-ID', 'SmileID-Request-Signature', 'SmileID-Timestamp'],
  properties: {
    'SmileID-Partner-ID': { type: 'string' },
    'SmileID-Request-Signature': { type: 'string', description: 'base64 HMAC-SHA256(timestamp + partner_id + "sid_request") with the environment key.' },
    'SmileID-Timestamp': { type: 'string', description: 'ISO 8601 time the signature was made.' },
    'SmileID-Source-SDK': { type: 'string' },
    'SmileID-Source-SDK-Version': { type: 'string' },
  },
} as const;
