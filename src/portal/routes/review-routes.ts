/**
 * @file The review queue and the review of one job: claim, view (renews the claim), release, decide.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { apiError, isApiError } from '../../errors/api-errors.js';
import { claimReview, decideReview, releaseReview, type Reviewer } from '../../jobs/human-review.js';
import type { PortalSession } from '../../store/portal-types.js';
import type { JobRecord } from '../../store/types.js';
import { audit, chosenEnv, errorText, jobIdParam, sendHtml, sessionOf, type FormBody, type PortalDeps } from '../portal-context.js';
import { parseEnv } from '../views/layout.js';
import { reviewPage, reviewQueuePage } from '../views/review-pages.js';

const QUEUE_PAGE_SIZE = 100;

const reviewerOf = (s: PortalSession): Reviewer => ({ accountId: s.account.id, partnerId: s.account.partnerId });

export function reviewRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { ctx, portal, base } = deps;

  async function ownJob(session: PortalSession, id: string): Promise<JobRecord> {
    const job = await ctx.store.getJobBySmileId(jobIdParam(id));
    if (!job || job.partnerId !== session.account.partnerId) throw apiError('NOT_FOUND', 'No such job');
    return job;
  }

  async function showReview(reply: FastifyReply, session: PortalSession, job: JobRecord, error?: string, status = 200) {
    const claim = await portal.getClaim(job.smileJobId, new Date());
    const view = {
      job,
      images: await ctx.store.getJobImages(job.smileJobId),
      registered: job.jobType === 2 ? await ctx.store.getUser(job.partnerId, job.environment, job.userId) : null,
      deliveries: [],
      claim,
    };
    return sendHtml(reply, reviewPage(base, session, view, error), status);
  }

  async function showQueue(reply: FastifyReply, session: PortalSession, env: JobRecord['environment'], notice?: string | null, error?: string, status = 200) {
    const entries = await portal.listReviewQueue(session.account.partnerId, env, QUEUE_PAGE_SIZE);
    const counts = await portal.environmentCounts(session.account.partnerId);
    return sendHtml(reply, reviewQueuePage(base, session, env, counts, entries, counts[env].underReview, notice, error), status);
  }

  app.get<{ Querystring: { env?: string; decided?: string; job?: string } }>('/review', async (req, reply) => {
    const q = req.query;
    const notice =
      q.decided && q.job && /^\d+$/.test(q.job) ? `Job ${q.job.padStart(10, '0')} ${q.decided === 'approve' ? 'approved' : 'rejected'}; the final result is sent.` : null;
    return showQueue(reply, sessionOf(req), chosenEnv(req, reply, base, q.env), notice);
  });

  app.post<{ Params: { id: string } }>('/review/:id/claim', async (req, reply) => {
    const session = sessionOf(req);
    const job = await ownJob(session, req.params.id);
    try {
      await claimReview(ctx, portal, reviewerOf(session), job.smileJobId);
    } catch (err) {
      if (isApiError(err)) return showQueue(reply, session, job.environment, null, errorText(err), err.httpStatus);
      throw err;
    }
    await audit(deps, session, 'review.claim', { environment: job.environment, target: job.smileJobId });
    return reply.redirect(`${base}/review/${job.smileJobId}`, 303);
  });

  app.get<{ Params: { id: string } }>('/review/:id', async (req, reply) => {
    const session = sessionOf(req);
    const job = await ownJob(session, req.params.id);
    const claim = await portal.getClaim(job.smileJobId, new Date());
    // Looking at the job keeps one's own claim alive.
    if (claim?.accountId === session.account.id) await claimReview(ctx, portal, reviewerOf(session), job.smileJobId);
    await audit(deps, session, 'review.view', { environment: job.environment, target: job.smileJobId });
    return showReview(reply, session, job);
  });

  app.post<{ Params: { id: string } }>('/review/:id/release', async (req, reply) => {
    const session = sessionOf(req);
    const job = await ownJob(session, req.params.id);
    await releaseReview(ctx, portal, reviewerOf(session), job.smileJobId);
    await audit(deps, session, 'review.release', { environment: job.environment, target: job.smileJobId });
    return reply.redirect(`${base}/review?env=${job.environment}`, 303);
  });

  app.post<{ Params: { id: string }; Body: FormBody }>('/review/:id/decide', async (req, reply) => {
    const session = sessionOf(req);
    const job = await ownJob(session, req.params.id);
    const decision = req.body?.decision;
    if (decision !== 'approve' && decision !== 'reject') return showReview(reply, session, job, 'Choose approve or reject.', 400);
    const reason = req.body?.reason ?? '';
    try {
      await decideReview(ctx, portal, reviewerOf(session), job.smileJobId, decision === 'approve', reason);
    } catch (err) {
      if (isApiError(err)) return showReview(reply, session, (await ctx.store.getJobBySmileId(job.smileJobId)) ?? job, errorText(err), err.httpStatus);
      throw err;
    }
    await audit(deps, session, 'review.decide', { environment: job.environment, target: job.smileJobId, detail: `${decision}: ${reason.trim()}` });
    return reply.redirect(`${base}/review?env=${job.environment}&decided=${decision}&job=${job.smileJobId}`, 303);
  });
}
