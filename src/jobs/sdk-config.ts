/**
 * @file `smile_config.json` for Smile ID's mobile SDKs (Android, iOS, and the React Native and Flutter wrappers that
 * hand it to them): the partner ID, the environment's auth token and this server's URLs.
 *
 * The auth token is derived from the environment's API key (HMAC), so nothing new is stored, rotating the key revokes
 * every token made from it, and the token never reveals the key. The SDKs spend it at `/v1/auth_smile` for request
 * signatures (auth-smile.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { apiError } from '../errors/api-errors.js';
import type { Environment, RecordStore } from '../store/types.js';

/** The fields the SDKs read. iOS decodes `prod_url`/`test_url` too (required there), Android only the lambda URLs. */
export interface SmileConfigFile {
  partner_id: string;
  auth_token: string;
  prod_url: string;
  test_url: string;
  prod_lambda_url: string;
  test_lambda_url: string;
}

/** Where each environment's API is, as the SDKs want it: ending in `/v1/` (iOS strips that suffix for `/v2` calls). */
export interface SdkBaseUrls {
  production: string;
  sandbox: string;
}

/**
 * The SDK base URLs of a server at `origin`. With a sandbox host name (`sandboxUrl`) the sandbox is that host's root,
 * which every SDK reaches; without one it is `/sandbox/v1/`, which Android cannot reach (docs/mobile.md).
 */
export function sdkBaseUrls(origin: string, sandboxUrl: string | null, sandboxPrefix: string): SdkBaseUrls {
  return { production: `${origin}/v1/`, sandbox: sandboxUrl ? `${sandboxUrl}/v1/` : `${origin}${sandboxPrefix}/v1/` };
}

export function deriveAuthToken(apiKey: string, environment: Environment): string {
  return createHmac('sha256', apiKey).update(`likeness smile_config auth_token ${environment}`).digest('base64url');
}

export function authTokenMatches(apiKey: string, environment: Environment, token: string): boolean {
  const expected = Buffer.from(deriveAuthToken(apiKey, environment));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function smileConfigFile(store: RecordStore, partnerId: string, environment: Environment, urls: SdkBaseUrls): Promise<SmileConfigFile> {
  const apiKey = await store.getApiKey(partnerId, environment);
  if (!apiKey) throw apiError('NOT_FOUND', `No partner ${partnerId} (or it has no ${environment} key)`);
  return {
    partner_id: partnerId,
    auth_token: deriveAuthToken(apiKey, environment),
    prod_url: urls.production,
    test_url: urls.sandbox,
    prod_lambda_url: urls.production,
    test_lambda_url: urls.sandbox,
  };
}
