/**
 * @file `POST /v1/auth_smile` (PROTOCOL.md §9): the mobile SDKs trade the `auth_token` of `smile_config.json` for a
 * request signature. Request as Android's `AuthenticationRequest` and iOS's `AuthenticationRequest` send it; answer
 * as both decode it (`partner_params` needs `job_id` and `user_id` strings and a numeric `job_type`).
 */
const wireBoolean = { anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false'] }] } as const;
const optionalId = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer' }, { type: 'null' }] } as const;
const optionalText = { anyOf: [{ type: 'string' }, { type: 'null' }] } as const;

export const authSmileRequestSchema = {
  type: 'object',
  required: ['partner_id', 'auth_token'],
  properties: {
    partner_id: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer' }] },
    auth_token: { type: 'string', minLength: 1 },
    production: wireBoolean,
    job_type: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
    enrollment: wireBoolean,
    job_id: optionalId,
    user_id: optionalId,
    signature: wireBoolean,
    update_enrolled_image: { anyOf: [...wireBoolean.anyOf, { type: 'null' }] },
    country: optionalText,
    id_type: optionalText,
  },
  additionalProperties: true,
  examples: [{ job_type: 4, enrollment: true, signature: true, production: false, partner_id: '001', auth_token: 'Qy3v…' }],
} as const;

export const authSmileResponseSchema = {
  type: 'object',
  required: ['success', 'signature', 'timestamp', 'partner_params'],
  properties: {
    success: { type: 'boolean' },
    signature: { type: 'string' },
    timestamp: { type: 'string' },
    partner_params: {
      type: 'object',
      required: ['job_id', 'user_id', 'job_type'],
      properties: { job_id: { type: 'string' }, user_id: { type: 'string' }, job_type: { type: 'integer' } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
  examples: [
    {
      success: true,
      signature: 'k3Jc2m3uE2qv7V0Yx1rX5b0k8mJ9p6q4t2w1z0y9x8A=',
      timestamp: '2026-12-02T02:00:00.000Z',
      partner_params: { job_id: 'job-5e1f3c4a-6b1d-4d2e-9a63-1f0f6f1b9a11', user_id: 'user-7', job_type: 4 },
    },
  ],
} as const;

export interface AuthSmileResponse {
  success: true;
  signature: string;
  timestamp: string;
  partner_params: { job_id: string; user_id: string; job_type: number };
}
