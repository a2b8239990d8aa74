/**
 * @file `POST /v1/upload` accepts two bodies: the SDKs' signed prep_upload, or the hosted web integration's, which
 * carries a web `token` in place of `signature` + `timestamp` (Smile ID's embed, `source_sdk: hosted_web`).
 */
import { partnerParamsSchema, prepUploadRequestSchema } from './schemas.js';

const { $schema, ...signedUpload } = prepUploadRequestSchema;

export const webUploadRequestSchema = {
  type: 'object',
  required: ['token', 'partner_params'],
  properties: {
    token: { type: 'string', minLength: 1 },
    smile_client_id: { type: 'string' },
    partner_params: partnerParamsSchema,
    callback_url: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    file_name: { type: 'string' },
    source_sdk: { type: 'string' },
    source_sdk_version: { type: 'string' },
  },
  additionalProperties: true,
} as const;

/** A body with a `token` (and no signature) is the web form; anything else is checked as the signed form. */
export const uploadRequestSchema = {
  $schema,
  if: { type: 'object', required: ['token'], not: { type: 'object', required: ['signature'] } },
  then: webUploadRequestSchema,
  else: signedUpload,
} as const;

export function isWebUpload(body: Record<string, unknown>): boolean {
  return body.token !== undefined && body.signature === undefined;
}
