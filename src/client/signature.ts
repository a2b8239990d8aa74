/**
 * @file Request signatures: base64(HMAC-SHA256(api_key, timestamp ‖ partner_id ‖ "sid_request")), as every Smile ID SDK
 * computes them. The same HMAC signs job_status responses and callbacks.
 */
import { generateSignature, verifySignature as verifyProtocolSignature } from '../protocol/signature.js';
import { LikenessValidationError } from './errors.js';

/** The signed pair that goes into request bodies as `signature` + `timestamp`. */
export interface SignatureInfo<T extends string | number = string | number> {
  signature: string;
  timestamp: T;
}

/** Computes the signature over an exact timestamp string (no reformatting). */
export function computeSignature(partnerId: string, apiKey: string, timestamp: string): string {
  return generateSignature(apiKey, partnerId, timestamp).signature;
}

/** Constant-time check of a received signature over `timestamp` (false on any malformation, never throws). */
export function verifySignature(partnerId: string, apiKey: string, timestamp: unknown, signature: unknown): boolean {
  if (typeof signature !== 'string' || (typeof timestamp !== 'string' && typeof timestamp !== 'number')) return false;
  return verifyProtocolSignature(apiKey, partnerId, timestamp, signature);
}

function isoFromMillis(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * Drop-in for the official SDK's `Signature` class. As there, a numeric timestamp (ms) is signed in its ISO form
 * while the number itself is returned; unlike there, `confirm_signature` returns false instead of throwing on an
 * unparsable timestamp or a missing signature.
 */
export class Signature {
  partnerID: string;
  apiKey: string;

  constructor(partnerID: string, apiKey: string) {
    this.partnerID = partnerID;
    this.apiKey = apiKey;
  }

  generate_signature<T extends string | number = string>(timestamp?: T): SignatureInfo<T> {
    const ts = (timestamp ?? new Date().toISOString()) as T;
    const signed = typeof ts === 'number' ? isoFromMillis(ts) : ts;
    if (typeof signed !== 'string' || signed.length === 0 || Number.isNaN(new Date(signed).getTime())) {
      throw new LikenessValidationError(`Invalid timestamp: ${String(timestamp)}`);
    }
    return { signature: computeSignature(this.partnerID, this.apiKey, signed), timestamp: ts };
  }

  confirm_signature(timestamp: string | number, signature: string): boolean {
    return verifySignature(this.partnerID, this.apiKey, timestamp, signature);
  }
}
