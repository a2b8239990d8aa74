/**
 * @file Smile ID request/response signatures: base64 HMAC-SHA256 of timestamp ‖ partner_id ‖ "sid_request" (PROTOCOL.md §2.1).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE_SUFFIX = 'sid_request';
/**
 * Canonical padded base64 of a 32-byte digest, as every SDK sends it. Checked up front because Node's decoder stops
 * at the first padding and skips invalid characters, so e.g. a valid signature with junk appended would decode equal.
 */
const SIGNATURE_FORMAT = /^[A-Za-z0-9+/]{43}=$/;

export interface SignedTimestamp {
  signature: string;
  timestamp: string;
}

export interface VerifySignatureOptions {
  /**
   * Reject timestamps further than this from `now` (either direction). Off unless given: Smile ID documents no
   * window, and the Python SDK signs once per `WebApi` object and reuses that signature for every later request
   * (§2.1). The server sets its window from configuration (signatureMaxAgeMs, ±1 h by default; request-auth.ts).
   * Unparsable timestamps fail when a window is set.
   */
  maxAgeMs?: number;
  now?: Date;
}

function hmac(apiKey: string, partnerId: string, timestamp: string): Buffer {
  return createHmac('sha256', apiKey)
    .update(timestamp, 'utf8')
    .update(partnerId, 'utf8')
    .update(SIGNATURE_SUFFIX, 'utf8')
    .digest();
}

/** Signs with a fresh ISO-8601 timestamp unless one is given; the SDK's `confirm_signature` needs ISO (it parses it). */
export function generateSignature(
  apiKey: string,
  partnerId: string,
  timestamp: string = new Date().toISOString(),
): SignedTimestamp {
  return { signature: hmac(apiKey, partnerId, timestamp).toString('base64'), timestamp };
}

/**
 * The strings a client may have HMACed for the timestamp it sent. Always the received string as-is (JS, Python and
 * Ruby each send a different format). For epoch-milliseconds the JS SDK returns the number but HMACs its ISO form.
 */
function candidateTimestamps(timestamp: string | number): string[] {
  const asSent = String(timestamp);
  const candidates = [asSent];
  if (typeof timestamp === 'number' || /^\d+$/.test(asSent)) {
    const date = new Date(Number(timestamp));
    if (!Number.isNaN(date.getTime())) candidates.push(date.toISOString());
  }
  return candidates;
}

/**
 * The instant a request timestamp names, in ms since the epoch, or null when it names none. Digits are epoch ms (the
 * JS SDK's numeric form); anything else is parsed as a date (ISO 8601 from JS and Python, `2026-11-21 23:20:35 +0000`
 * from Ruby).
 */
export function timestampMs(timestamp: string | number): number | null {
  const ms = typeof timestamp === 'number' || /^\d+$/.test(timestamp) ? Number(timestamp) : Date.parse(timestamp);
  return Number.isFinite(ms) ? ms : null;
}

function isFresh(timestamp: string | number, maxAgeMs: number, now: Date): boolean {
  const ms = timestampMs(timestamp);
  return ms !== null && Math.abs(now.getTime() - ms) <= maxAgeMs;
}

/** Constant-time check of a received signature; never throws on malformed input, it just answers false. */
export function verifySignature(
  apiKey: string,
  partnerId: string,
  timestamp: string | number,
  signature: string,
  options: VerifySignatureOptions = {},
): boolean {
  if (typeof signature !== 'string' || !SIGNATURE_FORMAT.test(signature)) return false;
  if (typeof timestamp !== 'string' && typeof timestamp !== 'number') return false;
  if (options.maxAgeMs !== undefined && !isFresh(timestamp, options.maxAgeMs, options.now ?? new Date())) {
    return false;
  }
  const received = Buffer.from(signature, 'base64');
  let matched = false;
  // Every candidate is checked (no early exit) so timing does not reveal which form matched.
  for (const candidate of candidateTimestamps(timestamp)) {
    const expected = hmac(apiKey, partnerId, candidate);
    if (expected.length === received.length && timingSafeEqual(expected, received)) matched = true;
  }
  return matched;
}
