/**
 * @file Login rate limiting: after 5 failed logins for one email from one address in 15 minutes (or 50 from one
 * address for any emails, against password spraying) further attempts are refused with 429 until the window passes.
 * The address is the client's: behind a reverse proxy, the X-Forwarded-For address when the proxy is configured as
 * trusted (--trust-proxy), else the peer's. Failures are kept in the portal store (shared by every server on one
 * database), so a restart does not reset them.
 */
import type { PortalStore } from '../store/portal-types.js';

/** The part of the portal store the throttle needs: where failed logins are counted. */
export type LoginFailureLog = Pick<PortalStore, 'countLoginFailures' | 'recordLoginFailure' | 'prune'>;

export const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_IP = 50;

export async function loginBlocked(portal: LoginFailureLog, email: string, ip: string, now = new Date()): Promise<boolean> {
  const n = await portal.countLoginFailures(email, ip, new Date(now.getTime() - LOGIN_WINDOW_MS));
  return n.account >= MAX_FAILURES_PER_ACCOUNT || n.ip >= MAX_FAILURES_PER_IP;
}

export async function recordLoginFailure(portal: LoginFailureLog, email: string, ip: string, now = new Date()): Promise<void> {
  await portal.recordLoginFailure(email, ip, now);
  await portal.prune(now, new Date(now.getTime() - LOGIN_WINDOW_MS));
}
