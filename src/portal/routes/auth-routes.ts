/**
 * @file Log in (CSRF double-submit token, rate limited, constant work for unknown emails) and log out.
 */
import type { FastifyInstance } from 'fastify';
import { LOGIN_WINDOW_MS, loginBlocked, recordLoginFailure } from '../login-throttle.js';
import { DUMMY_HASH, verifyPassword } from '../password.js';
import { PUBLIC_ROUTE, audit, sendHtml, sessionOf, type FormBody, type PortalDeps } from '../portal-context.js';
import { endSession, loadSession, loginCsrfMatches, loginCsrfToken, startSession } from '../session.js';
import { loginPage } from '../views/login-page.js';

/** Only same-portal paths are followed after login (no open redirect). */
function safeNext(base: string, next: unknown): string | undefined {
  return typeof next === 'string' && next.startsWith(`${base}/`) && !next.startsWith('//') && !/[\\\s]/.test(next) ? next : undefined;
}

export function authRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { portal, base } = deps;

  app.get('/', PUBLIC_ROUTE, async (_req, reply) => reply.redirect(`${base}/jobs`, 303));

  app.get<{ Querystring: { next?: string } }>('/login', PUBLIC_ROUTE, async (req, reply) => {
    if (await loadSession(portal, req)) return reply.redirect(`${base}/jobs`, 303);
    return sendHtml(reply, loginPage(base, loginCsrfToken(req, reply, base), { next: safeNext(base, req.query.next) }));
  });

  app.post<{ Body: FormBody }>('/login', PUBLIC_ROUTE, async (req, reply) => {
    const body = req.body ?? {};
    const email = (body.email ?? '').trim().slice(0, 254);
    const next = safeNext(base, body.next);
    const again = (status: number, error: string) =>
      sendHtml(reply, loginPage(base, loginCsrfToken(req, reply, base), { email, next, error }), status);
    if (!loginCsrfMatches(req, body._csrf)) return again(403, 'The login form expired. Please try again.');
    if (!email || !body.password) return again(400, 'Enter your email and password.');
    if (await loginBlocked(portal, email, req.ip)) {
      reply.header('retry-after', String(LOGIN_WINDOW_MS / 1000));
      return again(429, `Too many failed logins. Try again in ${LOGIN_WINDOW_MS / 60_000} minutes.`);
    }
    const account = await portal.getAccountByEmail(email);
    const ok = await verifyPassword(body.password, account?.passwordHash ?? DUMMY_HASH);
    if (!account || !ok) {
      await recordLoginFailure(portal, email, req.ip);
      return again(401, 'The email or password is wrong.');
    }
    await portal.clearLoginFailures(email, req.ip);
    await portal.prune(new Date(), new Date(Date.now() - LOGIN_WINDOW_MS));
    await startSession(portal, reply, account.id, base);
    await portal.appendAudit({
      partnerId: account.partnerId,
      accountId: account.id,
      actorEmail: account.email,
      action: 'login',
      environment: null,
      target: null,
      detail: null,
    });
    return reply.redirect(next ?? `${base}/jobs`, 303);
  });

  app.post('/logout', async (req, reply) => {
    const session = sessionOf(req);
    await audit(deps, session, 'logout');
    await endSession(portal, reply, session, base);
    return reply.redirect(`${base}/login`, 303);
  });
}
