/**
 * @file Validates the already-parsed multipart request of `POST /v2/smart-selfie-enroll|authentication` and its `SmileID-*` auth headers (PROTOCOL.md §9).
 */
import { apiError } from '../errors/api-errors.js';
import { coerceBoolean } from './schemas.js';

export type V2Kind = 'enroll' | 'authentication';

/** Framework-neutral view of a parsed multipart request. */
export interface V2Request {
  headers: Record<string, string | string[] | undefined>;
  fields: Record<string, string>;
  files: Array<{ field: string; filename?: string; data: Buffer }>;
}

export interface V2Auth {
  partnerId: string;
  signature: string;
  timestamp: string;
  sourceSdk?: string;
  sourceSdkVersion?: string;
}

export interface V2Image {
  data: Buffer;
  filename?: string;
}

export interface V2Metadatum {
  name: string;
  value: unknown;
}

export interface V2Submission {
  selfie: V2Image;
  liveness: V2Image[];
  /** Required for authentication; optional for enrollment (the server then assigns one). */
  userId?: string;
  partnerParams: Record<string, string>;
  callbackUrl?: string;
  /** Sandbox-only forced outcome; meanings are server-defined (§9 ⚠). */
  sandboxResult?: number;
  allowNewEnroll: boolean;
  failureReason?: Record<string, unknown>;
  metadata?: V2Metadatum[];
}

export interface V2Limits {
  /** Android sends about 8 liveness frames. */
  maxLivenessImages: number;
}

export const DEFAULT_V2_LIMITS: Readonly<V2Limits> = Object.freeze({ maxLivenessImages: 16 });

const FILE_FIELDS = new Set(['selfie_image', 'liveness_images']);

function header(headers: V2Request['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    const trimmed = first?.trim();
    return trimmed ? trimmed : undefined;
  }
  return undefined;
}

/**
 * Reads the auth headers; any of the three missing is a 2205. The caller verifies the signature (verifySignature)
 * before calling parseV2Submission, so an unauthenticated caller learns nothing about field validation.
 */
export function extractV2Auth(headers: V2Request['headers']): V2Auth {
  const partnerId = header(headers, 'SmileID-Partner-ID');
  const signature = header(headers, 'SmileID-Request-Signature');
  const timestamp = header(headers, 'SmileID-Timestamp');
  if (!partnerId || !signature || !timestamp) {
    const missing = Object.entries({
      'SmileID-Partner-ID': partnerId,
      'SmileID-Request-Signature': signature,
      'SmileID-Timestamp': timestamp,
    })
      .filter(([, value]) => value === undefined)
      .map(([name]) => name);
    throw apiError('UNAUTHORIZED', `You are not authorized to do that: missing ${missing.join(', ')} header`);
  }
  const sourceSdk = header(headers, 'SmileID-Source-SDK');
  const sourceSdkVersion = header(headers, 'SmileID-Source-SDK-Version');
  return {
    partnerId,
    signature,
    timestamp,
    ...(sourceSdk ? { sourceSdk } : {}),
    ...(sourceSdkVersion ? { sourceSdkVersion } : {}),
  };
}

function parseJsonField(fields: Record<string, string>, name: string): unknown {
  const text = fields[name];
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw apiError('INVALID_JSON', `${name} is not valid JSON`, { cause: err });
  }
}

function parsePartnerParams(fields: Record<string, string>): Record<string, string> {
  const value = parseJsonField(fields, 'partner_params');
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw apiError('INVALID_PARAMETER_TYPE', 'partner_params must be a JSON object');
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw apiError('INVALID_PARAMETER_TYPE', `partner_params.${key} must be a string`);
  }
  return value as Record<string, string>;
}

function parseMetadata(fields: Record<string, string>): V2Metadatum[] | undefined {
  const value = parseJsonField(fields, 'metadata');
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw apiError('INVALID_PARAMETER_TYPE', 'metadata must be a JSON array');
  return value.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null || typeof (item as { name?: unknown }).name !== 'string') {
      throw apiError('INVALID_PARAMETER_TYPE', `metadata[${index}] must be an object with a string name`);
    }
    return { name: (item as { name: string }).name, value: (item as { value?: unknown }).value };
  });
}

function parseFailureReason(fields: Record<string, string>): Record<string, unknown> | undefined {
  const value = parseJsonField(fields, 'failure_reason');
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw apiError('INVALID_PARAMETER_TYPE', 'failure_reason must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function parseSandboxResult(fields: Record<string, string>): number | undefined {
  const text = fields.sandbox_result?.trim();
  if (!text) return undefined;
  if (!/^-?[0-9]{1,9}$/.test(text)) throw apiError('INVALID_PARAMETER_TYPE', 'sandbox_result must be an integer');
  return Number(text);
}

function parseImages(files: V2Request['files'], limits: V2Limits): Pick<V2Submission, 'selfie' | 'liveness'> {
  for (const file of files) {
    if (!FILE_FIELDS.has(file.field)) {
      throw apiError('INVALID_PARAMETER_TYPE', `unexpected file field ${JSON.stringify(file.field)}`);
    }
    if (file.data.length === 0) throw apiError('INVALID_PARAMETER_TYPE', `${file.field} file is empty`);
  }
  const toImage = (file: V2Request['files'][number]): V2Image =>
    file.filename ? { data: file.data, filename: file.filename } : { data: file.data };
  const selfies = files.filter((file) => file.field === 'selfie_image');
  if (selfies.length === 0) throw apiError('MISSING_PARAMETER', 'selfie_image is missing');
  if (selfies.length > 1) throw apiError('INVALID_PARAMETER_TYPE', 'exactly one selfie_image is allowed');
  const liveness = files.filter((file) => file.field === 'liveness_images');
  if (liveness.length > limits.maxLivenessImages) {
    throw apiError('PAYLOAD_TOO_LARGE', `at most ${limits.maxLivenessImages} liveness_images are allowed`);
  }
  return { selfie: toImage(selfies[0]!), liveness: liveness.map(toImage) };
}

/**
 * Validates the multipart fields and files. Unknown text fields are ignored (the mobile SDKs add fields over time);
 * unknown file fields are rejected, since they would only cost memory. Throws ApiError: 2213 missing selfie or
 * (authentication) user_id, 2203 bad JSON in a JSON field, 2204 wrong types, 2290 too many liveness images.
 */
export function parseV2Submission(
  kind: V2Kind,
  request: Pick<V2Request, 'fields' | 'files'>,
  limits: Partial<V2Limits> = {},
): V2Submission {
  const { fields } = request;
  const userId = fields.user_id?.trim() || undefined;
  if (kind === 'authentication' && !userId) throw apiError('MISSING_PARAMETER', 'user_id is missing');
  const callbackUrl = fields.callback_url?.trim() || undefined;
  const sandboxResult = parseSandboxResult(fields);
  const failureReason = parseFailureReason(fields);
  const metadata = parseMetadata(fields);
  return {
    ...parseImages(request.files, { ...DEFAULT_V2_LIMITS, ...limits }),
    ...(userId ? { userId } : {}),
    partnerParams: parsePartnerParams(fields),
    ...(callbackUrl ? { callbackUrl } : {}),
    ...(sandboxResult !== undefined ? { sandboxResult } : {}),
    allowNewEnroll: coerceBoolean(fields.allow_new_enroll?.trim() || undefined, 'allow_new_enroll'),
    ...(failureReason ? { failureReason } : {}),
    ...(metadata ? { metadata } : {}),
  };
}

