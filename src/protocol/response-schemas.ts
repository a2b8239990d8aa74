/**
 * @file JSON Schemas of every API answer, with examples: the OpenAPI document (/openapi.json) is built from them
 * and the routes' request schemas, and tests validate real answers against them, so neither can drift.
 * They document; they do not serialise (the server writes its answers with JSON.stringify, unchanged).
 */
import { RESULT_CODES } from '../decision/result-codes.js';
import { STATUS_CODES } from '../errors/api-errors.js';
import { ACTION_KEYS, ACTION_VALUES } from './result-format.js';

const SMILE_JOB_ID = { type: 'string', pattern: '^[0-9]{10}$' } as const;
const ISO_TIME = { type: 'string', format: 'date-time' } as const;
const BOOL_STRING = { type: 'string', enum: ['true', 'false'] } as const;

const EXAMPLE_RESULT = {
  ResultCode: RESULT_CODES.authenticate.approved.code,
  ResultText: 'Authenticated',
  ResultType: 'SAIA',
  SmileJobID: '0000000042',
  JSONVersion: '1.0.0',
  IsFinalResult: 'true',
  IsMachineResult: 'true',
  ConfidenceValue: '99.2',
  PartnerParams: { user_id: 'user-7', job_id: 'job-7', job_type: 2 },
  Actions: {
    ...Object.fromEntries(ACTION_KEYS.map((k) => [k, 'Not Applicable'])),
    Liveness_Check: 'Passed',
    Selfie_Provided: 'Passed',
    Selfie_To_Registered_Selfie_Compare: 'Completed',
  },
  Source: 'WebAPI',
  timestamp: '2026-12-02T02:00:00.000Z',
};
const EXAMPLE_SIGNED = { timestamp: '2026-12-02T02:00:01.000Z', signature: 'k3Jc2m3uE2qv7V0Yx1rX5b0k8mJ9p6q4t2w1z0y9x8A=' };

/** An enrolled user and how similar their face is (duplicate candidates, search results). */
const FACE_MATCH = {
  type: 'object',
  required: ['user_id', 'similarity'],
  properties: { user_id: { type: 'string' }, similarity: { type: 'number', description: 'Cosine similarity, -1 to 1.' } },
  additionalProperties: false,
} as const;

/** A job's result: job_status `result`, every `history` entry, and the callback body without its signature. */
export const smileResultSchema = {
  type: 'object',
  required: ['ResultCode', 'ResultText', 'ResultType', 'SmileJobID', 'JSONVersion', 'IsFinalResult', 'IsMachineResult', 'ConfidenceValue', 'PartnerParams', 'Actions', 'Source', 'timestamp'],
  properties: {
    ResultCode: { type: 'string', pattern: '^[0-9]{4}$', description: 'See docs/errors.md, "Result codes".' },
    ResultText: { type: 'string' },
    ResultType: { type: 'string', const: 'SAIA' },
    SmileJobID: SMILE_JOB_ID,
    JSONVersion: { type: 'string' },
    IsFinalResult: { ...BOOL_STRING, description: '"false" while the job waits for human review.' },
    IsMachineResult: BOOL_STRING,
    ConfidenceValue: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$' },
    PartnerParams: { type: 'object', required: ['user_id', 'job_id', 'job_type'], additionalProperties: true, description: 'partner_params as sent, extras included.' },
    Actions: {
      type: 'object',
      required: [...ACTION_KEYS],
      properties: Object.fromEntries(ACTION_KEYS.map((k) => [k, { type: 'string', enum: [...ACTION_VALUES] }])),
      additionalProperties: false,
    },
    Source: { type: 'string' },
    timestamp: ISO_TIME,
    DuplicateCandidates: {
      type: 'array',
      description: 'Enrolment only, a Likeness extension: other users whose enrolled face matched at the duplicate threshold, most similar first (docs/search.md). Absent when none matched or the policy is off.',
      items: FACE_MATCH,
    },
  },
  additionalProperties: false,
  examples: [EXAMPLE_RESULT],
} as const;

export const callbackBodySchema = {
  ...smileResultSchema,
  required: [...smileResultSchema.required, 'signature'],
  properties: { ...smileResultSchema.properties, signature: { type: 'string', minLength: 1 } },
  examples: [{ ...EXAMPLE_RESULT, ...EXAMPLE_SIGNED }],
} as const;

/** `POST {base}/job_status`. */
export const jobStatusResponseSchema = {
  type: 'object',
  required: ['timestamp', 'signature', 'job_complete', 'job_success', 'code', 'success', 'smile_job_id', 'result'],
  properties: {
    timestamp: ISO_TIME,
    signature: { type: 'string', minLength: 1 },
    job_complete: { type: 'boolean' },
    job_success: { type: 'boolean', description: 'Approved or provisionally approved (IsFinalResult says which).' },
    code: { type: 'string', enum: [STATUS_CODES.JOB_COMPLETE.code, STATUS_CODES.JOB_PENDING.code] },
    success: { type: 'boolean', const: true },
    smile_job_id: SMILE_JOB_ID,
    result: { anyOf: [smileResultSchema, { type: 'string', description: 'Before a result exists, e.g. "No zip uploaded".' }] },
    history: { type: 'array', items: smileResultSchema },
    image_links: { type: 'object', additionalProperties: { type: 'string' }, description: 'selfie_image, liveness_image_N (signed, expiring), or error.' },
  },
  additionalProperties: false,
  examples: [
    {
      ...EXAMPLE_SIGNED,
      job_complete: true,
      job_success: true,
      code: STATUS_CODES.JOB_COMPLETE.code,
      success: true,
      smile_job_id: '0000000042',
      result: EXAMPLE_RESULT,
      image_links: { selfie_image: 'https://likeness.example/images/42/selfie/0?expires=1796176800000&sig=abc' },
    },
    { ...EXAMPLE_SIGNED, job_complete: false, job_success: false, code: STATUS_CODES.JOB_PENDING.code, success: true, smile_job_id: '0000000043', result: 'No zip uploaded' },
  ],
} as const;

/** `POST {base}/upload` (prep_upload). */
export const prepUploadResponseSchema = {
  type: 'object',
  required: ['upload_url', 'ref_id', 'smile_job_id', 'camera_config', 'code'],
  properties: {
    upload_url: { type: 'string', description: 'Single-use, expiring: PUT the job zip there.' },
    ref_id: { type: 'string' },
    smile_job_id: SMILE_JOB_ID,
    camera_config: { type: 'string', const: 'null' },
    code: { type: 'string', const: STATUS_CODES.PREP_UPLOAD_OK.code },
  },
  additionalProperties: false,
  examples: [
    { upload_url: 'https://likeness.example/uploads/q8Xz0b1', ref_id: '001-0000000042-Yk3p', smile_job_id: '0000000042', camera_config: 'null', code: STATUS_CODES.PREP_UPLOAD_OK.code },
  ],
} as const;

export const tokenResponseSchema = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1 } },
  additionalProperties: false,
  examples: [{ token: 'lk1.eyJwIjoiMDAxIn0.sig' }],
} as const;

/** `PUT /uploads/{token}`: exactly 200 (the JS SDK refuses any other 2xx). */
export const uploadAcceptedSchema = {
  type: 'object',
  required: ['success'],
  properties: { success: { type: 'boolean', const: true } },
  additionalProperties: false,
  examples: [{ success: true }],
} as const;

/** The synchronous `/v2/smart-selfie-*` answer (PROTOCOL.md §9). */
export const v2ResponseSchema = {
  type: 'object',
  required: ['code', 'created_at', 'job_id', 'job_type', 'message', 'partner_id', 'partner_params', 'status', 'updated_at', 'user_id'],
  properties: {
    code: { type: 'string', pattern: '^[0-9]{4}$', description: 'The result code.' },
    created_at: ISO_TIME,
    job_id: { type: 'string' },
    job_type: { type: 'string', enum: ['smart_selfie_enrollment', 'smart_selfie_authentication'] },
    message: { type: 'string', description: 'The result text.' },
    partner_id: { type: 'string' },
    partner_params: { type: 'object', additionalProperties: { type: 'string' } },
    status: { type: 'string', enum: ['approved', 'pending', 'rejected'] },
    updated_at: ISO_TIME,
    user_id: { type: 'string' },
  },
  additionalProperties: false,
  examples: [
    {
      code: RESULT_CODES.authenticate.approved.code,
      created_at: '2026-12-02T02:00:00.000Z',
      job_id: 'job-5e1f3c4a-6b1d-4d2e-9a63-1f0f6f1b9a11',
      job_type: 'smart_selfie_authentication',
      message: 'Authenticated',
      partner_id: '001',
      partner_params: { ref: 'abc' },
      status: 'approved',
      updated_at: '2026-12-02T02:00:00.000Z',
      user_id: 'user-7',
    },
  ],
} as const;

const userSummarySchema = {
  type: 'object',
  required: ['user_id', 'status', 'has_registered_selfie', 'enrolled_smile_job_id', 'created_at', 'updated_at'],
  properties: {
    user_id: { type: 'string' },
    status: { type: 'string', enum: ['active', 'disabled', 'deleted'] },
    has_registered_selfie: { type: 'boolean' },
    enrolled_smile_job_id: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
  additionalProperties: false,
} as const;
const EXAMPLE_USER = { user_id: 'user-7', status: 'active', has_registered_selfie: true, enrolled_smile_job_id: 41, created_at: '2026-12-01T10:00:00.000Z', updated_at: '2026-12-01T10:00:00.000Z' };

export const usersListResponseSchema = {
  type: 'object',
  required: ['users'],
  properties: { users: { type: 'array', items: userSummarySchema } },
  additionalProperties: false,
  examples: [{ users: [EXAMPLE_USER] }],
} as const;

export const userResponseSchema = {
  type: 'object',
  required: ['user'],
  properties: { user: userSummarySchema },
  additionalProperties: false,
  examples: [{ user: { ...EXAMPLE_USER, status: 'disabled' } }],
} as const;

export const rotatedKeyResponseSchema = {
  type: 'object',
  required: ['partner_id', 'environment', 'api_key'],
  properties: { partner_id: { type: 'string' }, environment: { type: 'string', enum: ['production', 'sandbox'] }, api_key: { type: 'string' } },
  additionalProperties: false,
  examples: [{ partner_id: '001', environment: 'sandbox', api_key: 'lk_sandbox_9f2c…' }],
} as const;

export const replayResponseSchema = {
  type: 'object',
  required: ['delivery_id'],
  properties: { delivery_id: { type: 'integer' } },
  additionalProperties: false,
  examples: [{ delivery_id: 17 }],
} as const;

const deliverySchema = {
  type: 'object',
  required: ['id', 'smileJobId', 'url', 'state', 'attempts', 'createdAt', 'deliveredAt', 'log'],
  properties: {
    id: { type: 'integer' },
    smileJobId: { type: 'integer' },
    url: { type: 'string' },
    state: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer' },
    createdAt: { type: 'string' },
    deliveredAt: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    log: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
  additionalProperties: false,
} as const;

export const deliveriesResponseSchema = {
  type: 'object',
  required: ['deliveries'],
  properties: { deliveries: { type: 'array', items: deliverySchema } },
  additionalProperties: false,
  examples: [
    {
      deliveries: [
        { id: 17, smileJobId: 42, url: 'https://partner.example/cb', state: 'delivered', attempts: 1, createdAt: '2026-12-02T02:00:01.000Z', deliveredAt: '2026-12-02T02:00:01.200Z', log: [] },
      ],
    },
  ],
} as const;

export const healthResponseSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', const: 'ok' } },
  additionalProperties: false,
  examples: [{ status: 'ok' }],
} as const;

/** A readiness probe's answer when storage is not usable: which parts fail, never paths or hosts (those go to the log). */
export const healthUnavailableSchema = {
  type: 'object',
  required: ['status', 'failing'],
  properties: { status: { type: 'string', const: 'unavailable' }, failing: { type: 'array', items: { type: 'string' } } },
  additionalProperties: false,
  examples: [{ status: 'unavailable', failing: ['database'] }],
} as const;

/** `POST {base}/admin/search`. */
export const faceSearchResponseSchema = {
  type: 'object',
  required: ['results', 'limit', 'min_similarity'],
  properties: {
    results: { type: 'array', description: 'Active enrolled users whose face is at least min_similarity to the selfie, most similar first.', items: FACE_MATCH },
    limit: { type: 'integer' },
    min_similarity: { type: 'number' },
  },
  additionalProperties: false,
  examples: [{ results: [{ user_id: 'user-7', similarity: 0.7312 }], limit: 10, min_similarity: 0.485 }],
} as const;
