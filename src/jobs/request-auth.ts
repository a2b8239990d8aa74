/**
 * @file Authenticates a partner request by its Smile ID signature against the environment's key.
 * A key of the other environment, an unknown partner and a bad signature all get the same 2205 answer.
 */
import { apiError } from '../errors/api-errors.js';
import { verifySignature } from '../protocol/signature.js';
import type { Environment, RecordStore } from '../store/types.js';

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
