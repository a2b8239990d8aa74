/**
 * @file Portal sessions: an opaque random cookie (HttpOnly, Secure, SameSite=Strict, path /portal) whose SHA-256 is
 * the server-side session key in SQLite, a per-session CSRF token, and the login form's double-submit token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PortalSession, PortalStore } from '../store/portal-types.js';

export const SESSION_COOKIE = 'likeness_session';
export const LOGIN_CSRF_COOKIE = 'likeness_login_csrf';
export const SESSION_TTL_MS = 8 * 3_600_000;
const LOGIN_CSRF_TTL_S = 3600;

export const newToken = (): string => randomBytes(32).toString('base64url');
const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function parseCookies(header: string | undefined): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return jar;
}

function cookie(name: string, value: string, path: string, maxAgeS: number): string {
  return `${name}=${value}; Path=${path}; Max-Age=${maxAgeS}; HttpOnly; Secure; SameSite=Strict`;
}

/** Constant-time comparison of two tokens (lengths leak, contents do not). */
export function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function loadSession(portal: PortalStore, req: FastifyRequest): Promise<PortalSession | null> {
  const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
  return token ? portal.getSession(hashToken(token)) : null;
}

/** Starts a session (a fresh token: no fixation) and sets its cookie. */
export async function startSession(portal: PortalStore, reply: FastifyReply, accountId: number, prefix: string): Promise<void> {
  const token = newToken();
  await portal.createSession(hashToken(token), accountId, newToken(), new Date(Date.now() + SESSION_TTL_MS));
  reply.header('set-cookie', [cookie(SESSION_COOKIE, token, prefix, SESSION_TTL_MS / 1000), cookie(LOGIN_CSRF_COOKIE, '', `${prefix}/login`, 0)]);
}

export async function endSession(portal: PortalStore, reply: FastifyReply, session: PortalSession, prefix: string): Promise<void> {
  await portal.deleteSession(session.tokenHash);
  reply.header('set-cookie', cookie(SESSION_COOKIE, '', prefix, 0));
}

/** The login form's CSRF token: reuses the cookie's if present, so several open tabs keep working. */
export function loginCsrfToken(req: FastifyRequest, reply: FastifyReply, prefix: string): string {
  const existing = parseCookies(req.headers.cookie).get(LOGIN_CSRF_COOKIE);
  const token = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : newToken();
  reply.header('set-cookie', cookie(LOGIN_CSRF_COOKIE, token, `${prefix}/login`, LOGIN_CSRF_TTL_S));
  return token;
}

export function loginCsrfMatches(req: FastifyRequest, formToken: unknown): boolean {
  const token = parseCookies(req.headers.cookie).get(LOGIN_CSRF_COOKIE);
  return !!token && sameToken(formToken, token);
}
