/**
 * @file Authenticates a partner request by its Smile ID signature against the environment's key.
 * A key of the other environment, an unknown partner and a bad signature all get the same 2205 answer. A correct
 * signature whose timestamp is not a date, or is further from the server's clock than the configured window, is a
 * 2205 too, saying so (only someone holding the key learns that), so a captured request does not work forever.
 */
import { apiError } from '../errors/api-errors.js';
import { timestampMs, verifySignature } from '../protocol/signature.js';
import type { Environment, RecordStore } from '../store/types.js';
import type { JobContext } from './context.js';
import { checkRateLimit } from './rate-limit.js';

export interface AuthenticatedPartner {
  partnerId: string;
  environment: Environment;
  apiKey: string;
}

/** Reads a partner's key for an environment; a caller may read what it needs next in the same round trip. */
export type ApiKeyReader = (partnerId: string, environment: Environment) => Promise<string | null>;

export async function authenticatePartner(
  store: RecordStore,
  environment: Environment,
  credentials: { partnerId: unknown; timestamp: unknown; signature: unknown },
  maxAgeMs = 0,
  readKey: ApiKeyReader = (id, env) => store.getApiKey(id, env),
): Promise<AuthenticatedPartner> {
  const { partnerId, timestamp, signature } = credentials;
  if (typeof partnerId !== 'string' && typeof partnerId !== 'number') throw apiError('MISSING_PARAMETER', 'partner_id is required');
  if (typeof signature !== 'string' || signature === '') throw apiError('UNAUTHORIZED', 'signature is missing');
  if ((typeof timestamp !== 'string' && typeof timestamp !== 'number') || timestamp === '') {
    throw apiError('UNAUTHORIZED', 'timestamp is missing');
  }
  const id = String(partnerId);
  const apiKey = await readKey(id, environment);
  if (!apiKey || !verifySignature(apiKey, id, timestamp, signature)) {
    throw apiError('UNAUTHORIZED', 'You are not authorized to do that: the signature does not match this partner\'s key for this environment');
  }
  const signedAt = timestampMs(timestamp);
  if (signedAt === null) {
    throw apiError('UNAUTHORIZED', `You are not authorized to do that: the timestamp ${JSON.stringify(String(timestamp).slice(0, 64))} is not a date`);
  }
  if (maxAgeMs && Math.abs(Date.now() - signedAt) > maxAgeMs) {
    throw apiError(
      'UNAUTHORIZED',
      `You are not authorized to do that: the signature's timestamp ${JSON.stringify(String(timestamp).slice(0, 64))} is ${describeOffset(signedAt - Date.now())} the server's clock; signatures are accepted within ±${describeDuration(maxAgeMs)} of the server's clock (sign each request afresh)`,
    );
  }
  return { partnerId: id, environment, apiKey };
}

function describeDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

function describeOffset(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const amount = minutes >= 120 ? `${Math.round(minutes / 60)} h` : `${minutes} min`;
  return `${amount} ${ms < 0 ? 'behind' : 'ahead of'}`;
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
  readKey?: ApiKeyReader,
): Promise<AuthenticatedPartner> {
  return authenticateRequest(ctx, environment, { partnerId, timestamp: body.timestamp, signature: body.signature }, readKey);
}

/** Authenticates with the server's signature window, then counts the request against the partner's rate limit. */
export async function authenticateRequest(
  ctx: JobContext,
  environment: Environment,
  credentials: { partnerId: unknown; timestamp: unknown; signature: unknown },
  readKey?: ApiKeyReader,
): Promise<AuthenticatedPartner> {
  const partner = await authenticatePartner(ctx.store, environment, credentials, ctx.config.signatureMaxAgeMs, readKey);
  await checkRateLimit(ctx, partner.partnerId, environment);
  return partner;
}
