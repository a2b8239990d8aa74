/**
 * @file The partner portal under /portal: server-rendered HTML and one small script, with sessions, CSRF tokens on
 * every state change, admin/reviewer roles and strict security headers. Registered by the HTTP server.
 */
import { apiError, isApiError, type ApiError } from '../errors/api-errors.js';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { JobContext } from '../jobs/context.js';
import type { PortalStore } from '../store/portal-types.js';
import { html } from './html.js';
import { attachSession, errorText, maybeSessionOf, routeConfig, sendHtml, type PortalDeps } from './portal-context.js';
import { adminRoutes } from './routes/admin-routes.js';
import { assetRoutes } from './routes/asset-routes.js';
import { authRoutes } from './routes/auth-routes.js';
import { jobsRoutes } from './routes/jobs-routes.js';
import { reviewRoutes } from './routes/review-routes.js';
import { searchRoutes } from './routes/search-routes.js';
import { loadSession, sameToken } from './session.js';
import { layout } from './views/layout.js';

export interface PortalOptions {
  ctx: JobContext;
  portal: PortalStore;
  /** The server's public origin (for the mobile SDKs' smile_config.json). */
  /** The origin links use, for this request (public-origin.ts). */
  publicUrl: (req: FastifyRequest) => string;
}

const FORM_LIMIT_BYTES = 64 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

function errorPage(base: string, req: FastifyRequest, status: number, message: string): string {
  const title = status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status === 401 ? 'Please log in' : status >= 500 ? 'Something went wrong' : 'Request not accepted';
  const body =
    status === 401 ? html`<p><a href="${base}/login">Log in</a></p>` : html`<p><a href="${base}/jobs">Back to jobs</a></p>`;
  return layout({ base, title, session: maybeSessionOf(req), error: message }, body);
}

export const portalRoutes: FastifyPluginAsync<PortalOptions> = async (app, { ctx, portal, publicUrl }) => {
  const base = app.prefix;
  const deps: PortalDeps = { ctx, portal, base, publicUrl };

  // HTML forms only; parsed here so the rest of the server keeps its JSON/multipart parsers.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS);
  });

  // Access control for every route: a session unless public, the admin role where required, and the session's
  // CSRF token on every state change.
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const rule = routeConfig(req);
    if (rule.public) return;
    const session = await loadSession(portal, req);
    if (!session) {
      if (req.method === 'GET' && !/\/(images|registered-selfie|duplicates)\b/.test(req.url)) {
        return reply.redirect(`${base}/login?${new URLSearchParams({ next: req.url })}`, 303);
      }
      throw apiError('UNAUTHORIZED', 'Log in to continue.');
    }
    attachSession(req, session);
    if (rule.admin && session.account.role !== 'admin') throw apiError('FORBIDDEN', 'This page is for partner admins only.');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const token = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (!sameToken(token, session.csrfToken)) throw apiError('FORBIDDEN', 'The form expired or did not come from this portal. Reload the page and try again.');
    }
  });

  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    const status = isApiError(err) ? err.httpStatus : err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err, url: req.routeOptions.url }, 'portal error');
    const message = status >= 500 ? 'The request could not be completed; it has been logged.' : isApiError(err) ? errorText(err) : err.message;
    return sendHtml(reply, errorPage(base, req, status, message), status);
  });
  app.setNotFoundHandler((req, reply) => sendHtml(reply.headers(SECURITY_HEADERS), errorPage(base, req, 404, 'There is no such page.'), 404));

  assetRoutes(app);
  authRoutes(app, deps);
  jobsRoutes(app, deps);
  reviewRoutes(app, deps);
  adminRoutes(app, deps);
  searchRoutes(app, deps);
};
