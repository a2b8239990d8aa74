/**
 * @file The jobs list and job page, the job images (only to a session of the job's partner), and callback replay.
 */
import { apiError } from '../../errors/api-errors.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { replayCallback } from '../../jobs/callback-deliverer.js';
import type { JobCursor, JobListFilter, ResultFilter } from '../../store/portal-types.js';
import type { JobRecord } from '../../store/types.js';
import { ADMIN_ROUTE, audit, chosenEnv, jobIdParam, sendHtml, sessionOf, type PortalDeps } from '../portal-context.js';
import { jobPage, type JobView } from '../views/job-page.js';
import { jobsPage, type JobFilterForm } from '../views/jobs-page.js';
import { parseEnv } from '../views/layout.js';

export const JOBS_PAGE_SIZE = 50;
const RESULTS: readonly string[] = ['approved', 'provisional', 'rejected', 'pending'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function encodeCursor(c: JobCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.smileJobId])).toString('base64url');
}

function decodeCursor(value: string): JobCursor | null {
  try {
    const [createdAt, smileJobId] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown[];
    return typeof createdAt === 'string' && Number.isSafeInteger(smileJobId) ? { createdAt, smileJobId: smileJobId as number } : null;
  } catch {
    return null;
  }
}

function validDate(d: string): boolean {
  return DATE.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`));
}

/** Form values → store filter; problems are reported, and the offending filter is left out. */
function parseFilter(partnerId: string, q: Record<string, string | undefined>): { form: JobFilterForm; filter: JobListFilter; problems: string[] } {
  const form: JobFilterForm = { env: parseEnv(q.env), type: q.type ?? '', result: q.result ?? '', user: (q.user ?? '').trim(), from: q.from ?? '', to: q.to ?? '' };
  const filter: JobListFilter = { partnerId, environment: form.env as JobListFilter['environment'] };
  const problems: string[] = [];
  if (form.type === '2' || form.type === '4') filter.jobType = Number(form.type);
  else if (form.type) problems.push('Job type must be 2 or 4.');
  if (RESULTS.includes(form.result)) filter.category = form.result as ResultFilter;
  else if (form.result) problems.push('Unknown result filter.');
  if (form.user) filter.userId = form.user;
  if (form.from) {
    if (validDate(form.from)) filter.from = `${form.from}T00:00:00.000Z`;
    else problems.push('"From" must be a date (YYYY-MM-DD).');
  }
  if (form.to) {
    if (validDate(form.to)) filter.to = new Date(Date.parse(`${form.to}T00:00:00Z`) + 86_400_000).toISOString();
    else problems.push('"To" must be a date (YYYY-MM-DD).');
  }
  return { form, filter, problems };
}

export function jobsRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { ctx, portal, base } = deps;

  /** The job if it belongs to the session's partner; another partner's job is a 404, like a missing one. */
  async function ownJob(partnerId: string, id: string): Promise<JobRecord> {
    const job = await ctx.store.getJobBySmileId(jobIdParam(id));
    if (!job || job.partnerId !== partnerId) throw apiError('NOT_FOUND', 'No such job');
    return job;
  }

  app.get<{ Querystring: Record<string, string | undefined> }>('/jobs', async (req, reply) => {
    const session = sessionOf(req);
    const { form, filter, problems } = parseFilter(session.account.partnerId, { ...req.query, env: chosenEnv(req, reply, base, req.query.env) });
    const after = req.query.after ? decodeCursor(req.query.after) : undefined;
    if (after === null) problems.push('The paging position is invalid; showing the newest jobs.');
    const page = await portal.listJobs(filter, { limit: JOBS_PAGE_SIZE, after: after ?? undefined });
    const counts = await portal.environmentCounts(session.account.partnerId);
    const html = jobsPage(base, session, form, counts, page, page.next ? encodeCursor(page.next) : null, problems.join(' ') || undefined);
    return sendHtml(reply, html, problems.length ? 400 : 200);
  });

  app.get<{ Params: { id: string }; Querystring: { notice?: string } }>('/jobs/:id', async (req, reply) => {
    const session = sessionOf(req);
    const job = await ownJob(session.account.partnerId, req.params.id);
    const view: JobView = {
      job,
      images: await ctx.store.getJobImages(job.smileJobId),
      registered: job.jobType === 2 ? await ctx.store.getUser(job.partnerId, job.environment, job.userId) : null,
      deliveries: await ctx.store.listDeliveries(job.smileJobId),
      claim: await portal.getClaim(job.smileJobId, new Date()),
    };
    await audit(deps, session, 'job.view', { environment: job.environment, target: job.smileJobId });
    return sendHtml(reply, jobPage(base, session, view, req.query.notice === 'replayed' ? 'Callback replay queued.' : null));
  });

  const sendImage = (reply: FastifyReply, data: Buffer) => {
    const type = data[0] === 0x89 ? 'image/png' : data.subarray(8, 12).toString('latin1') === 'WEBP' ? 'image/webp' : 'image/jpeg';
    return reply.header('content-type', type).header('cache-control', 'private, no-store').send(data);
  };

  app.get<{ Params: { id: string; role: string; index: string } }>('/images/:id/:role/:index', async (req, reply) => {
    const job = await ownJob(sessionOf(req).account.partnerId, req.params.id);
    const image = (await ctx.store.getJobImages(job.smileJobId)).find((i) => i.role === req.params.role && String(i.index) === req.params.index);
    const data = image ? await ctx.blobs.get(image.blobKey) : null;
    if (!data) throw apiError('NOT_FOUND', 'This image is not stored (the user may have been deleted)');
    return sendImage(reply, data);
  });

  app.get<{ Params: { id: string } }>('/jobs/:id/registered-selfie', async (req, reply) => {
    const job = await ownJob(sessionOf(req).account.partnerId, req.params.id);
    const user = await ctx.store.getUser(job.partnerId, job.environment, job.userId);
    const data = user?.imageKey ? await ctx.blobs.get(user.imageKey) : null;
    if (!data) throw apiError('NOT_FOUND', 'This user has no registered selfie on file');
    return sendImage(reply, data);
  });

  // Only users the job's result names, in the job's own partner environment: a job page shows them side by side.
  app.get<{ Params: { id: string; n: string } }>('/jobs/:id/duplicates/:n', async (req, reply) => {
    const job = await ownJob(sessionOf(req).account.partnerId, req.params.id);
    const candidate = job.result?.duplicates?.[Number(req.params.n)];
    const user = candidate ? await ctx.store.getUser(job.partnerId, job.environment, candidate.userId) : null;
    const data = user?.imageKey ? await ctx.blobs.get(user.imageKey) : null;
    if (!data) throw apiError('NOT_FOUND', 'This user has no registered selfie on file (deleted since?)');
    return sendImage(reply, data);
  });

  app.post<{ Params: { id: string } }>('/jobs/:id/replay', ADMIN_ROUTE, async (req, reply) => {
    const session = sessionOf(req);
    const job = await ownJob(session.account.partnerId, req.params.id);
    if (!job.result || !job.callbackUrl) throw apiError('NOTHING_TO_REPLAY', 'This job has no result or no callback URL to replay to');
    const deliveryId = await replayCallback(ctx, job.smileJobId);
    await audit(deps, session, 'callback.replay', { environment: job.environment, target: job.smileJobId, detail: `delivery ${deliveryId}` });
    return reply.redirect(`${base}/jobs/${job.smileJobId}?notice=replayed`, 303);
  });
}
