/**
 * @file The hosted web integration's token: a JWT (HS256) the server signs with a key derived from its secret, so
 * nothing needs storing to check it. The payload carries `partner_params` where Smile ID's embed reads them
 * (`parseJWT(token).partner_params`), plus what the token is bound to: partner, environment, product, callback URL.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface WebTokenClaims {
  iss: 'likeness';
  partner_id: string;
  environment: string;
  product: string;
  callback_url: string | null;
  partner_params: { user_id: string; job_id: string; job_type: number };
  /** Seconds since the epoch, as in every JWT. */
  iat: number;
  exp: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** A key of its own, so a web token can never be confused with another capability signed by the server secret. */
function tokenKey(serverSecret: Buffer): Buffer {
  return createHmac('sha256', serverSecret).update('likeness web token v1').digest();
}

function sign(serverSecret: Buffer, signingInput: string): Buffer {
  return createHmac('sha256', tokenKey(serverSecret)).update(signingInput).digest();
}

export function issueWebToken(serverSecret: Buffer, claims: WebTokenClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${HEADER}.${payload}.${sign(serverSecret, `${HEADER}.${payload}`).toString('base64url')}`;
}

export type WebTokenCheck = { ok: true; claims: WebTokenClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/** Checks signature first (a forged token learns nothing about expiry), then expiry against `nowMs`. */
export function verifyWebToken(serverSecret: Buffer, token: string, nowMs = Date.now()): WebTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return { ok: false, reason: 'malformed' };
  const [header, payload, signature] = parts as [string, string, string];
  const expected = sign(serverSecret, `${header}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  let claims: WebTokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as WebTokenClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
