/**
 * @file Unguessable capabilities the server hands out: upload tokens (stored only as hashes) and expiring signed image
 * links (web tokens: web-token-jwt.ts). All are keyed by the server secret and checked in constant time.
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
