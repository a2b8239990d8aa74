/**
 * @file Unguessable capabilities the server hands out: upload tokens (stored only as hashes), expiring signed image
 * links, and web tokens. All are keyed by the server secret and checked in constant time.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function newUploadToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashUploadToken(token) };
}

export function hashUploadToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function mac(secret: Buffer, message: string): string {
  return createHmac('sha256', secret).update(message).digest('base64url');
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Query string that authorises GET of `path` until `expiresAt` (ms since epoch). */
export function signImagePath(secret: Buffer, path: string, expiresAt: number): string {
  return `expires=${expiresAt}&sig=${mac(secret, `image:${path}:${expiresAt}`)}`;
}

export function verifyImagePath(secret: Buffer, path: string, expires: string | undefined, sig: string | undefined, now = Date.now()): boolean {
  if (!expires || !sig || !/^\d+$/.test(expires) || Number(expires) < now) return false;
  return equal(sig, mac(secret, `image:${path}:${expires}`));
}

export interface WebTokenClaims {
  partner_id: string;
  environment: string;
  user_id: string;
  job_id: string;
  product: string;
  callback_url: string | null;
  exp: number;
}

/** A self-contained token for the hosted web integration: claims plus a MAC, so nothing needs storing. */
export function issueWebToken(secret: Buffer, claims: WebTokenClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${mac(secret, `token:${body}`)}`;
}

export function readWebToken(secret: Buffer, token: string, now = Date.now()): WebTokenClaims | null {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined || !equal(sig, mac(secret, `token:${body}`))) return null;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as WebTokenClaims;
  return claims.exp >= now ? claims : null;
}
