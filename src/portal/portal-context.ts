/**
 * @file What the portal's route modules share: their dependencies, the session of a request, route access rules,
 * the audit helper and HTML responses.
 */
import { apiError, type ApiError } from '../errors/api-errors.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobContext } from '../jobs/context.js';
import type { PortalSession, PortalStore } from '../store/portal-types.js';
import type { Environment } from '../store/types.js';
import { parseCookies } from './session.js';
import { isEnv } from './views/layout.js';

export interface PortalDeps {
  ctx: JobContext;
  portal: PortalStore;
  /** URL prefix the portal is mounted at, e.g. `/portal`. */
  base: string;
  /** The origin links use, for this request (public-origin.ts). */
  publicUrl: (req: FastifyRequest) => string;
}

/** Per-route access rule (Fastify route `config`): every route needs a session unless `public`. */
export interface PortalRouteConfig {
  /** Reachable without a session (login page, static assets). */
  public?: boolean;
  /** Admins only; reviewers get 403. */
  admin?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Access rule of a portal route (see PortalRouteConfig). */
    portal?: PortalRouteConfig;
  }
}

/** Options of a public portal route, and of an admin-only one. */
export const PUBLIC_ROUTE = { config: { portal: { public: true } } };
export const ADMIN_ROUTE = { config: { portal: { admin: true } } };

const ENV_COOKIE = 'likeness_env';

/**
 * The environment a page shows: the one asked for (then remembered in a cookie for the portal), else the last one
 * chosen, else production.
 */
export function chosenEnv(req: FastifyRequest, reply: FastifyReply, base: string, asked: unknown): Environment {
  if (isEnv(asked)) {
    reply.header('set-cookie', `${ENV_COOKIE}=${asked}; Path=${base}; Max-Age=31536000; HttpOnly; Secure; SameSite=Strict`);
    return asked;
  }
  const remembered = parseCookies(req.headers.cookie).get(ENV_COOKIE);
  return isEnv(remembered) ? remembered : 'production';
}

/** What an error page says: the message and the registry code (docs/errors.md), which support can look up. */
export const errorText = (err: ApiError): string => `${err.message} (error ${err.code})`;

const sessions = new WeakMap<FastifyRequest, PortalSession>();

export function attachSession(req: FastifyRequest, session: PortalSession): void {
  sessions.set(req, session);
}

export function maybeSessionOf(req: FastifyRequest): PortalSession | null {
  return sessions.get(req) ?? null;
}

/** The request's session; the access hook guarantees one on every non-public route. */
export function sessionOf(req: FastifyRequest): PortalSession {
  const s = sessions.get(req);
  if (!s) throw apiError('UNAUTHORIZED', 'Log in to continue');
  return s;
}

export function routeConfig(req: FastifyRequest): PortalRouteConfig {
  return req.routeOptions.config?.portal ?? {};
}

export async function audit(
  deps: PortalDeps,
  session: PortalSession,
  action: string,
  what: { environment?: Environment | null; target?: string | number | null; detail?: string | null } = {},
): Promise<void> {
  await deps.portal.appendAudit({
    partnerId: session.account.partnerId,
    accountId: session.account.id,
    actorEmail: session.account.email,
    action,
    environment: what.environment ?? null,
    target: what.target === undefined || what.target === null ? null : String(what.target),
    detail: what.detail ?? null,
  });
}

export function sendHtml(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

/** Parses a SmileJobID path parameter; anything else is a 404. */
export function jobIdParam(value: string): number {
  if (!/^\d{1,10}$/.test(value)) throw apiError('NOT_FOUND', 'No such job');
  return Number(value);
}

export type FormBody = Record<string, string | undefined>;
