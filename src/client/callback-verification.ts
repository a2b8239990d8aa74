/**
 * @file Verifies a received callback (PROTOCOL.md §8): parses the body, checks its HMAC signature in constant time
 * and, optionally, its age, then returns it typed together with the decision it carries.
 */
import { LikenessSignatureError, LikenessValidationError } from './errors.js';
import { isProvisional, type JobOutcome } from './result-outcome.js';
import type { CallbackBody } from './result-types.js';
import { verifySignature } from './signature.js';

export interface VerifyCallbackOptions {
  partnerId: string;
  apiKey: string;
  /** Request headers; `SmileID-Request-Signature` / `SmileID-Timestamp` are used when the body carries no signature. */
  headers?: Record<string, string | string[] | undefined> | Headers;
  /** Refuse callbacks whose signed timestamp is older (or further in the future) than this. Off by default. */
  maxAgeMs?: number;
}

export interface VerifiedCallback {
  /** The whole body, typed. */
  body: CallbackBody;
  outcome: Exclude<JobOutcome, 'pending'>;
  userId: string;
  jobId: string;
  jobType: number;
  smileJobId: string;
  resultCode: string;
  resultText: string;
  /** `ConfidenceValue` as a number, when present. */
  confidence: number | undefined;
}

/** Action values that mean a check failed or could not be made. */
const NEGATIVE_VALUES = new Set(['Failed', 'Rejected', 'Not Verified', 'Not Done', 'Unable To Determine']);
/** Action values that mean a check succeeded. */
const POSITIVE_VALUES = new Set(['Passed', 'Approved', 'Completed', 'Verified']);

function header(headers: VerifyCallbackOptions['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

function parse(body: string | Uint8Array | Record<string, unknown>): Record<string, unknown> {
  if (typeof body === 'object' && !(body instanceof Uint8Array)) return body;
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LikenessValidationError('Callback body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LikenessValidationError('Callback body is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Returns the verified callback, or throws `LikenessSignatureError` (missing, wrong or stale signature) or
 * `LikenessValidationError` (not a callback body). Pass the raw body when you have it; a parsed object works too.
 */
export function verifyCallback(body: string | Uint8Array | Record<string, unknown>, options: VerifyCallbackOptions): VerifiedCallback {
  const data = parse(body);
  const signature = data.signature ?? header(options.headers, 'smileid-request-signature');
  const timestamp = data.timestamp ?? header(options.headers, 'smileid-timestamp');
  if (typeof signature !== 'string' || typeof timestamp !== 'string') {
    throw new LikenessSignatureError('Callback has no signature and timestamp');
  }
  if (!verifySignature(options.partnerId, options.apiKey, timestamp, signature)) {
    throw new LikenessSignatureError('Callback signature does not verify (wrong partner ID or API key, or a forged body)');
  }
  if (options.maxAgeMs !== undefined) {
    const age = Date.now() - new Date(timestamp).getTime();
    if (!Number.isFinite(age) || Math.abs(age) > options.maxAgeMs) {
      throw new LikenessSignatureError(`Callback timestamp ${timestamp} is outside the accepted window of ${options.maxAgeMs} ms`);
    }
  }
  const partnerParams = data.PartnerParams as Record<string, unknown> | undefined;
  if (typeof data.ResultCode !== 'string' || typeof partnerParams !== 'object' || partnerParams === null) {
    throw new LikenessValidationError('Callback body has no ResultCode or PartnerParams');
  }
  const result = { ...data, signature, timestamp } as CallbackBody;
  const confidence = Number(result.ConfidenceValue);
  return {
    body: result,
    outcome: callbackOutcome(result),
    userId: String(partnerParams.user_id),
    jobId: String(partnerParams.job_id),
    jobType: Number(partnerParams.job_type),
    smileJobId: String(result.SmileJobID),
    resultCode: result.ResultCode,
    resultText: String(result.ResultText ?? ''),
    confidence: result.ConfidenceValue === undefined || Number.isNaN(confidence) ? undefined : confidence,
  };
}

/**
 * A callback carries no `job_success` (PROTOCOL.md §8): use it if a server adds it, else approve only when some check
 * succeeded and none failed or was skipped.
 */
function callbackOutcome(result: CallbackBody): Exclude<JobOutcome, 'pending'> {
  if (isProvisional(result)) return 'under_review';
  const success = (result as { job_success?: unknown }).job_success;
  if (typeof success === 'boolean') return success ? 'approved' : 'rejected';
  const values = Object.values(result.Actions ?? {}).filter((v): v is string => typeof v === 'string');
  const approved = values.some((v) => POSITIVE_VALUES.has(v)) && !values.some((v) => NEGATIVE_VALUES.has(v));
  return approved ? 'approved' : 'rejected';
}
