/**
 * @file Admin-only face search (audited) and the duplicate-enrolment policy of each environment.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { apiError, isApiError } from '../../errors/api-errors.js';
import { searchByUser } from '../../jobs/face-search-request.js';
import { DUPLICATE_THRESHOLD } from '../../search/duplicate-threshold.js';
import type { PortalSession } from '../../store/portal-types.js';
import { DEDUP_POLICIES, ENVIRONMENTS, type DedupPolicy, type Environment } from '../../store/types.js';
import { ADMIN_ROUTE, audit, chosenEnv, errorText, sendHtml, sessionOf, type FormBody, type PortalDeps } from '../portal-context.js';
import { parseEnv } from '../views/layout.js';
import { searchPage, type SearchView } from '../views/search-page.js';

export function searchRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { ctx, portal, base } = deps;

  async function show(reply: FastifyReply, session: PortalSession, view: Omit<SearchView, 'policies'>, notice?: string | null, error?: string, status = 200) {
    const partnerId = session.account.partnerId;
    const policies = Object.fromEntries(await Promise.all(ENVIRONMENTS.map(async (e) => [e, await ctx.store.getDedupPolicy(partnerId, e)]))) as Record<Environment, DedupPolicy>;
    return sendHtml(reply, searchPage(base, session, { ...view, policies }, notice, error), status);
  }

  app.get<{ Querystring: { env?: string; saved?: string } }>('/search', ADMIN_ROUTE, async (req, reply) => {
    const env = chosenEnv(req, reply, base, req.query.env);
    const notice = req.query.saved && (ENVIRONMENTS as readonly string[]).includes(req.query.saved) ? `Duplicate policy of ${req.query.saved} saved.` : null;
    return show(reply, sessionOf(req), { env, minSimilarity: DUPLICATE_THRESHOLD }, notice);
  });

  app.post<{ Body: FormBody }>('/search', ADMIN_ROUTE, async (req, reply) => {
    const session = sessionOf(req);
    const env = parseEnv(req.body?.env);
    const userId = (req.body?.user_id ?? '').trim();
    const minSimilarity = req.body?.min_similarity ? Number(req.body.min_similarity) : DUPLICATE_THRESHOLD;
    try {
      if (!userId) throw apiError('MISSING_PARAMETER', 'Give the user ID whose face to search for');
      const answer = await searchByUser(
        { store: ctx.store, faces: ctx.faces, audit: portal },
        { partnerId: session.account.partnerId, environment: env, userId, minSimilarity, actor: { accountId: session.account.id, email: session.account.email } },
      );
      return show(reply, session, { env, userId, results: answer.results, minSimilarity: answer.minSimilarity });
    } catch (err) {
      if (!isApiError(err)) throw err;
      return show(reply, session, { env, userId, minSimilarity: DUPLICATE_THRESHOLD }, null, errorText(err), err.httpStatus);
    }
  });

  app.post<{ Body: FormBody }>('/search/policy', ADMIN_ROUTE, async (req, reply) => {
    const session = sessionOf(req);
    const env = parseEnv(req.body?.env);
    const policy = req.body?.policy as DedupPolicy;
    if (!DEDUP_POLICIES.includes(policy)) throw apiError('INVALID_PARAMETER_TYPE', `policy must be one of ${DEDUP_POLICIES.join(', ')}`);
    await ctx.store.setDedupPolicy(session.account.partnerId, env, policy);
    await audit(deps, session, 'dedup.policy', { environment: env, detail: policy });
    return reply.redirect(`${base}/search?${new URLSearchParams({ env, saved: env })}`, 303);
  });
}
