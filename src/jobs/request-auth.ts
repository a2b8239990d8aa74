/**
 * @file Authenticates a partner request by its Smile ID signature against the environment's key.
 * A key of the other environment, an unknown partner and a bad signature all get the same 2205 answer.
 */
import { apiError } from '../errors/api-errors.js';
import { verifySignature } from '../protocol/signature.js';
import type { Environment, RecordStore } from '../store/types.js';
import type { JobContext } from './context.js';

export interface AuthenticatedPartner {
  partnerId: string;
  environment: Environment;
  apiKey: string;
}

export async function authenticatePartner(
  store: RecordStore,
  environment: Environment,
  credentials: { partnerId: unknown; timestamp: unknown; signature: unknown },
  maxAgeMs = 0,
): Promise<AuthenticatedPartner> {
  const { partnerId, timestamp, signature } = credentials;
  if (typeof partnerId !== 'string' && typeof partnerId !== 'number') throw apiError('MISSING_PARAMETER', 'partner_id is required');
  if (typeof signature !== 'string' || signature === '') throw apiError('UNAUTHORIZED', 'signature is missing');
  if ((typeof timestamp !== 'string' && typeof timestamp !== 'number') || timestamp === '') {
    throw apiError('UNAUTHORIZED', 'timestamp is missing');
  }
  const id = String(partnerId);
  const apiKey = await store.getApiKey(id, environment);
  if (!apiKey || !verifySignature(apiKey, id, timestamp, signature, maxAgeMs ? { maxAgeMs } : undefined)) {
    throw apiError('UNAUTHORIZED', 'You are not authorized to do that: the signature does not match this partner\'s key for this environment');
  }
  return { partnerId: id, environment, apiKey };
}

/**
 * Authenticates a v1 JSON body, signed with `signature` + `timestamp`. The partner is `partner_id`, except where an
 * endpoint names it otherwise (prep_upload's `smile_client_id`).
 */
export function authenticateBody(
  ctx: JobContext,
  environment: Environment,
  body: Record<string, unknown>,
  partnerId: unknown = body.partner_id,
): Promise<AuthenticatedPartner> {
  return authenticatePartner(ctx.store, environment, { partnerId, timestamp: body.timestamp, signature: body.signature }, ctx.config.signatureMaxAgeMs);
}
