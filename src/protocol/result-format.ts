/**
 * @file Builders for the exact response shapes the SDKs parse: prep_upload, job_status results, callbacks and v2 (PROTOCOL.md §3.1, §4, §8, §9).
 */
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from '../errors/api-errors.js';
import { generateSignature } from './signature.js';

/** `Actions` keys (§7.3), in the order they are written. */
export const ACTION_KEYS = Object.freeze([
  'Liveness_Check',
  'Register_Selfie',
  'Selfie_Provided',
  'Selfie_Check',
  'Selfie_To_Registered_Selfie_Compare',
  'Update_Registered_Selfie_On_File',
  'Human_Review_Compare',
  'Human_Review_Liveness_Check',
  'Human_Review_Selfie_Check',
  'Human_Review_Update_Selfie',
  'Verify_ID_Number',
  'Return_Personal_Info',
  'Selfie_To_ID_Authority_Compare',
  'Selfie_To_ID_Card_Compare',
  'Document_Check',
  'Human_Review_Document_Check',
  'Verify_Document',
] as const);
export type ActionKey = (typeof ACTION_KEYS)[number];

export const ACTION_VALUES = Object.freeze([
  'Passed',
  'Completed',
  'Approved',
  'Verified',
  'Provisionally Approved',
  'Returned',
  'Not Returned',
  'Failed',
  'Rejected',
  'Under Review',
  'Unable To Determine',
  'Not Applicable',
  'Not Verified',
  'Not Done',
  'Issuer Unavailable',
  'ID Authority Photo Not Available',
  'Sent to Human Review',
] as const);
export type ActionValue = (typeof ACTION_VALUES)[number];
export type Actions = Record<ActionKey, ActionValue>;

/** Result `Source` of jobs submitted through the server-to-server web API, as in Smile ID's fixtures. */
export const WEB_API_SOURCE = 'WebAPI';

const MAX_SMILE_JOB_ID = 9_999_999_999;

/** SmileJobID is a 10-digit zero-padded string ("0000000001"). */
export function padSmileJobId(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_SMILE_JOB_ID) {
    throw new RangeError(`Smile job id must be an integer from 0 to ${MAX_SMILE_JOB_ID}, got ${n}`);
  }
  return String(n).padStart(10, '0');
}

/** `ref_id` as Smile ID forms it: `<partner_id>-<smile_job_id>-<random>`. */
export function buildRefId(partnerId: string, smileJobId: string, random = randomBytes(15).toString('base64url')): string {
  return `${partnerId}-${smileJobId}-${random}`;
}

/** Every action key, "Not Applicable" unless set: Android/iOS decode the full set. */
export function buildActions(set: Partial<Actions> = {}): Actions {
  return Object.fromEntries(ACTION_KEYS.map((key) => [key, set[key] ?? 'Not Applicable'])) as Actions;
}

export interface SmileResult {
  ResultCode: string;
  ResultText: string;
  ResultType: 'SAIA';
  SmileJobID: string;
  JSONVersion: '1.0.0';
  IsFinalResult: 'true' | 'false';
  IsMachineResult: 'true' | 'false';
  ConfidenceValue: string;
  PartnerParams: Record<string, unknown>;
  Actions: Actions;
  Source: string;
  timestamp: string;
  /** Enrolment only (a Likeness extension, docs/search.md): likely duplicates, most similar first. */
  DuplicateCandidates?: DuplicateCandidateWire[];
}

export interface DuplicateCandidateWire {
  user_id: string;
  similarity: number;
}

export interface BuildResultInput {
  resultCode: string;
  resultText: string;
  actions: Partial<Actions>;
  /** 0–100; written as a string. */
  confidence: number | string;
  /** Echoed as stored, extras included. */
  partnerParams: Record<string, unknown>;
  smileJobId: string;
  isFinalResult: boolean;
  isMachineResult: boolean;
  source?: string;
  /** When the result was produced; defaults to now. */
  timestamp?: Date | string;
  duplicateCandidates?: DuplicateCandidateWire[];
}

function confidenceString(value: number | string): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) throw new RangeError(`confidence must be a finite number, got ${value}`);
  // Two decimals at most, without float noise such as 99.90000000000001.
  return String(Math.round(value * 100) / 100);
}

function isoString(value: Date | string | undefined): string {
  if (value === undefined) return new Date().toISOString();
  return typeof value === 'string' ? value : value.toISOString();
}

/** The `result` object of job_status and the body of callbacks (§4, §8). */
export function buildResult(input: BuildResultInput): SmileResult {
  return {
    ResultCode: input.resultCode,
    ResultText: input.resultText,
    ResultType: 'SAIA',
    SmileJobID: input.smileJobId,
    JSONVersion: '1.0.0',
    IsFinalResult: input.isFinalResult ? 'true' : 'false',
    IsMachineResult: input.isMachineResult ? 'true' : 'false',
    ConfidenceValue: confidenceString(input.confidence),
    PartnerParams: { ...input.partnerParams },
    Actions: buildActions(input.actions),
    Source: input.source ?? WEB_API_SOURCE,
    timestamp: isoString(input.timestamp),
    ...(input.duplicateCandidates?.length ? { DuplicateCandidates: input.duplicateCandidates } : {}),
  };
}

export interface SigningKey {
  apiKey: string;
  partnerId: string;
}

export interface JobStatusResponse {
  timestamp: string;
  signature: string;
  job_complete: boolean;
  job_success: boolean;
  code: string;
  /** Always true on a 200 answer; with `smile_job_id`, as in Smile ID's documented sync answer (PROTOCOL.md §7.2). */
  success: true;
  smile_job_id: string;
  /** A result, or a plain string before processing (e.g. "No zip uploaded"). */
  result: SmileResult | string;
  history?: SmileResult[];
  image_links?: Record<string, string>;
}

export interface BuildJobStatusInput extends SigningKey {
  jobComplete: boolean;
  jobSuccess: boolean;
  code: string;
  smileJobId: string;
  result: SmileResult | string;
  /** Only included when given, i.e. when the client asked for it. */
  history?: SmileResult[];
  imageLinks?: Record<string, string>;
  /** Signing time; defaults to now. Tests pin it. */
  now?: Date;
}

/**
 * The job_status body, signed with the partner's key over a fresh ISO timestamp (§2.2): the JS SDK rejects any
 * job_status response, complete or not, whose signature `confirm_signature` does not accept.
 */
export function buildJobStatusResponse(input: BuildJobStatusInput): JobStatusResponse {
  const signed = generateSignature(input.apiKey, input.partnerId, isoString(input.now));
  return {
    timestamp: signed.timestamp,
    signature: signed.signature,
    job_complete: input.jobComplete,
    job_success: input.jobSuccess,
    code: input.code,
    success: true,
    smile_job_id: input.smileJobId,
    result: input.result,
    ...(input.history !== undefined ? { history: input.history } : {}),
    ...(input.imageLinks !== undefined ? { image_links: input.imageLinks } : {}),
  };
}

export type CallbackBody = Omit<SmileResult, 'timestamp'> & { signature: string; timestamp: string };

/**
 * The callback body: the result flattened, plus `signature` and `timestamp` (§8). The flat body has one `timestamp`,
 * so the signing timestamp replaces the result's own; each delivery attempt may be re-signed.
 */
export function buildCallbackBody(input: SigningKey & { result: SmileResult; now?: Date }): CallbackBody {
  const signed = generateSignature(input.apiKey, input.partnerId, isoString(input.now));
  return { ...input.result, signature: signed.signature, timestamp: signed.timestamp };
}

export interface PrepUploadResponse {
  upload_url: string;
  ref_id: string;
  smile_job_id: string;
  camera_config: 'null';
  code: typeof STATUS_CODES.PREP_UPLOAD_OK.code;
}

/**
 * The prep_upload answer (§3.1). All strings: Android requires them non-null; the JS SDK embeds the whole object in
 * info.json.
 */
export function buildPrepUploadResponse(input: { uploadUrl: string; refId: string; smileJobId: string }): PrepUploadResponse {
  return {
    upload_url: input.uploadUrl,
    ref_id: input.refId,
    smile_job_id: input.smileJobId,
    camera_config: 'null',
    code: STATUS_CODES.PREP_UPLOAD_OK.code,
  };
}

export type V2JobType = 'smart_selfie_enrollment' | 'smart_selfie_authentication';
export type V2Status = 'approved' | 'pending' | 'rejected';

export interface V2Response {
  code: string;
  created_at: string;
  job_id: string;
  job_type: V2JobType;
  message: string;
  partner_id: string;
  partner_params: Record<string, string>;
  status: V2Status;
  updated_at: string;
  user_id: string;
}

export interface BuildV2ResponseInput {
  /** The result code, e.g. "0810". */
  code: string;
  message: string;
  status: V2Status;
  kind: 'enroll' | 'authentication';
  jobId: string;
  userId: string;
  partnerId: string;
  partnerParams: Record<string, string>;
  createdAt: Date | string;
  updatedAt?: Date | string;
}

/** The synchronous `/v2/smart-selfie-*` answer (§9). */
export function buildV2Response(input: BuildV2ResponseInput): V2Response {
  const createdAt = isoString(input.createdAt);
  return {
    code: input.code,
    created_at: createdAt,
    job_id: input.jobId,
    job_type: input.kind === 'enroll' ? 'smart_selfie_enrollment' : 'smart_selfie_authentication',
    message: input.message,
    partner_id: input.partnerId,
    partner_params: { ...input.partnerParams },
    status: input.status,
    updated_at: input.updatedAt === undefined ? createdAt : isoString(input.updatedAt),
    user_id: input.userId,
  };
}
