/**
 * @file Partner creation and API key issue/rotation. Keys are random, URL-safe and long enough to serve as HMAC keys.
 */
import { randomBytes } from 'node:crypto';
import { ENVIRONMENTS, type Environment, type Partner, type RecordStore } from '../store/types.js';

export function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

export interface PartnerWithKeys {
  partner: Partner;
  keys: Record<Environment, string>;
}

export async function createPartnerWithKeys(store: RecordStore, name: string): Promise<PartnerWithKeys> {
  const keys = Object.fromEntries(ENVIRONMENTS.map((e) => [e, generateApiKey()])) as Record<Environment, string>;
  const partner = await store.createPartner(name, keys);
  return { partner, keys };
}

/** Issues a new key for one environment; the old key is rejected from the next request on. */
export async function rotateApiKey(store: RecordStore, partnerId: string, environment: Environment): Promise<string> {
  const key = generateApiKey();
  await store.rotateApiKey(partnerId, environment, key);
  return key;
}
