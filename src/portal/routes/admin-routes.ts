/**
 * @file Admin-only pages: enrolled users (deactivate, reactivate, delete), API keys (generate, shown once) and the
 * audit log. Reviewers get 403 (route config `admin`).
 */
import { apiError } from '../../errors/api-errors.js';
import type { FastifyInstance } from 'fastify';
import { rotateApiKey } from '../../jobs/api-keys.js';
import { sdkBaseUrls, smileConfigFile } from '../../jobs/sdk-config.js';
import { ENV_PREFIX } from '../../http/server.js';
import { deleteUser, listUsers, setUserActive } from '../../jobs/user-admin.js';
import { isApiError } from '../../errors/api-errors.js';
import { ADMIN_ROUTE, audit, chosenEnv, errorText, sendHtml, sessionOf, type FormBody, type PortalDeps } from '../portal-context.js';
import { auditPage, AUDIT_PAGE_SIZE } from '../views/audit-page.js';
import { keysPage } from '../views/keys-page.js';
import { parseEnv } from '../views/layout.js';
import { ENVIRONMENTS, type Environment } from '../../store/types.js';
import { usersPage, USERS_PAGE_SIZE } from '../views/users-page.js';

const USER_VERBS = ['deactivate', 'reactivate', 'delete'] as const;
const DONE: Record<(typeof USER_VERBS)[number], string> = { deactivate: 'deactivated', reactivate: 'reactivated', delete: 'deleted' };

function offsetParam(v: string | undefined): number {
  const n = Number(v ?? 0);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

export function adminRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { ctx, portal, base } = deps;

  app.get<{ Querystring: { env?: string; offset?: string; done?: string; user?: string } }>('/users', ADMIN_ROUTE, async (req, reply) => {
    const session = sessionOf(req);
    const env = chosenEnv(req, reply, base, req.query.env);
    const offset = offsetParam(req.query.offset);
    const users = await listUsers(ctx.store, session.account.partnerId, env, USERS_PAGE_SIZE, offset);
    const verb = USER_VERBS.find((v) => v === req.query.done);
    const notice = verb && req.query.user ? `User ${req.query.user} ${DONE[verb]}.` : null;
    return sendHtml(reply, usersPage(base, session, env, await portal.environmentCounts(session.account.partnerId), users, offset, notice));
  });

  for (const verb of USER_VERBS) {
    app.post<{ Body: FormBody }>(`/users/${verb}`, ADMIN_ROUTE, async (req, reply) => {
      const session = sessionOf(req);
      const env = parseEnv(req.body?.env);
      const userId = req.body?.user_id ?? '';
      if (!userId) throw apiError('MISSING_PARAMETER', 'user_id is required');
      const partnerId = session.account.partnerId;
      try {
        if (verb === 'delete') await deleteUser(ctx.store, ctx.blobs, partnerId, env, userId);
        else await setUserActive(ctx.store, partnerId, env, userId, verb === 'reactivate');
      } catch (err) {
        if (!isApiError(err)) throw err;
        const users = await listUsers(ctx.store, partnerId, env, USERS_PAGE_SIZE, 0);
        return sendHtml(reply, usersPage(base, session, env, await portal.environmentCounts(partnerId), users, 0, null, errorText(err)), err.httpStatus);
      }
      await audit(deps, session, `user.${verb}`, { environment: env, target: userId });
      return reply.redirect(`${base}/users?${new URLSearchParams({ env, done: verb, user: userId })}`, 303);
    });
  }

  const retentionDays = async (partnerId: string) =>
    Object.fromEntries(
      await Promise.all(ENVIRONMENTS.map(async (env) => [env, (await ctx.store.getImageRetention(partnerId, env)) ?? ctx.config.imageRetentionDays])),
    ) as Record<Environment, number>;

  app.get('/keys', ADMIN_ROUTE, async (req, reply) => {
    const session = sessionOf(req);
    return sendHtml(reply, keysPage(base, session, await retentionDays(session.account.partnerId)));
  });

  // The mobile SDKs' configuration; it carries the environment's auth token, so it is an admin download like a key.
  app.get<{ Querystring: { env?: string } }>('/keys/smile_config.json', ADMIN_ROUTE, async (req, reply) => {
    const session = sessionOf(req);
    const env = req.query.env;
    if (env !== 'sandbox' && env !== 'production') throw apiError('INVALID_PARAMETER_TYPE', 'env must be sandbox or production');
    const urls = sdkBaseUrls(deps.publicUrl(req), ctx.config.sandboxUrl, ENV_PREFIX.sandbox);
    const file = await smileConfigFile(ctx.store, session.account.partnerId, env, urls);
    await audit(deps, session, 'key.sdk_config', { environment: env });
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="smile_config.json"')
      .send(JSON.stringify(file, null, 2) + '\n');
  });

  app.post<{ Body: FormBody }>('/keys/rotate', ADMIN_ROUTE, async (req, reply) => {
    const session = sessionOf(req);
    const env = req.body?.env;
    if (env !== 'sandbox' && env !== 'production') throw apiError('INVALID_PARAMETER_TYPE', 'env must be sandbox or production');
    const key = await rotateApiKey(ctx.store, session.account.partnerId, env);
    await audit(deps, session, 'key.rotate', { environment: env });
    // Shown once, in this response only (not after a redirect, never stored in clear).
    return sendHtml(reply, keysPage(base, session, await retentionDays(session.account.partnerId), { env, key }));
  });

  app.get<{ Querystring: { before?: string } }>('/audit', ADMIN_ROUTE, async (req, reply) => {
    const session = sessionOf(req);
    const before = Number(req.query.before);
    const entries = await portal.listAudit(session.account.partnerId, { limit: AUDIT_PAGE_SIZE, beforeId: Number.isSafeInteger(before) && before > 0 ? before : undefined });
    return sendHtml(reply, auditPage(base, session, entries));
  });
}
