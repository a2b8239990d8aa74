/**
 * @file The partner admin API, authenticated like every Smile ID call (partner_id + timestamp + signature with the
 * environment's key): manage enrolled users, rotate the key, replay a job's callback.
 */
import type { FastifyPluginAsync } from 'fastify';
import { apiError } from '../../errors/api-errors.js';
import { rotateApiKey } from '../../jobs/api-keys.js';
import { replayCallback } from '../../jobs/callback-deliverer.js';
import type { JobContext } from '../../jobs/context.js';
import { authenticateBody } from '../../jobs/request-auth.js';
import { deleteUser, listUsers, setUserActive } from '../../jobs/user-admin.js';
import type { Environment } from '../../store/types.js';
import {
  deliveriesResponseSchema,
  replayResponseSchema,
  rotatedKeyResponseSchema,
  userResponseSchema,
  usersListResponseSchema,
} from '../../protocol/response-schemas.js';
import { ERROR_RESPONSES } from '../openapi.js';

const signed = {
  partner_id: { type: ['string', 'number'] },
  timestamp: { type: ['string', 'number'] },
  signature: { type: 'string', minLength: 1 },
} as const;

const SIGNED_EXAMPLE = { partner_id: '001', timestamp: '2026-12-02T02:00:00.000Z', signature: 'k3Jc2m3uE2qv7V0Yx1rX5b0k8mJ9p6q4t2w1z0y9x8A=' };

const userBody = {
  type: 'object',
  required: ['partner_id', 'timestamp', 'signature', 'user_id'],
  properties: { ...signed, user_id: { type: ['string', 'number'], minLength: 1 } },
  examples: [{ ...SIGNED_EXAMPLE, user_id: 'user-7' }],
} as const;

type Body = Record<string, unknown>;

export const adminRoutes: FastifyPluginAsync<{ ctx: JobContext; environment: Environment }> = async (app, { ctx, environment }) => {
  const doc = (summary: string, ok: object) => ({ tags: [`${environment} admin`], summary, response: { 200: ok, ...ERROR_RESPONSES } });
  const auth = (body: Body) => authenticateBody(ctx, environment, body);

  app.post<{ Body: Body }>(
    '/users/list',
    {
      schema: {
        ...doc('List enrolled users (newest first)', usersListResponseSchema),
        body: {
          type: 'object',
          required: ['partner_id', 'timestamp', 'signature'],
          properties: { ...signed, limit: { type: 'integer', minimum: 1, maximum: 1000 }, offset: { type: 'integer', minimum: 0 } },
          examples: [{ ...SIGNED_EXAMPLE, limit: 100, offset: 0 }],
        },
      },
    },
    async (req) => {
      const a = await auth(req.body);
      return { users: await listUsers(ctx.store, a.partnerId, environment, (req.body.limit as number) ?? 100, (req.body.offset as number) ?? 0) };
    },
  );
  for (const [path, active] of [['/users/deactivate', false], ['/users/reactivate', true]] as const) {
    const summary = active ? 'Reactivate a deactivated user' : 'Deactivate a user: their jobs are refused with 2207';
    app.post<{ Body: Body }>(path, { schema: { ...doc(summary, userResponseSchema), body: userBody } }, async (req) => {
      const a = await auth(req.body);
      return { user: await setUserActive(ctx.store, a.partnerId, environment, String(req.body.user_id), active) };
    });
  }
  app.post<{ Body: Body }>('/users/delete', { schema: { ...doc('Delete a user with their images and template', userResponseSchema), body: userBody } }, async (req) => {
    const a = await auth(req.body);
    return { user: await deleteUser(ctx.store, ctx.blobs, a.partnerId, environment, String(req.body.user_id)) };
  });
  app.post<{ Body: Body }>(
    '/keys/rotate',
    { schema: { ...doc("Rotate this environment's API key (the old key stops working)", rotatedKeyResponseSchema), body: { type: 'object', required: ['partner_id', 'timestamp', 'signature'], properties: signed, examples: [SIGNED_EXAMPLE] } } },
    async (req) => {
      const a = await auth(req.body);
      return { partner_id: a.partnerId, environment, api_key: await rotateApiKey(ctx.store, a.partnerId, environment) };
    },
  );
  app.post<{ Body: Body }>(
    '/callbacks/replay',
    {
      schema: {
        ...doc("Send a job's result callback again (to its own or another URL)", replayResponseSchema),
        body: {
          type: 'object',
          required: ['partner_id', 'timestamp', 'signature', 'job_id'],
          properties: { ...signed, job_id: { type: ['string', 'number'] }, callback_url: { type: 'string' } },
          examples: [{ ...SIGNED_EXAMPLE, job_id: 'job-7' }],
        },
      },
    },
    async (req) => {
      const a = await auth(req.body);
      const job = await ctx.store.getJob(a.partnerId, environment, String(req.body.job_id));
      if (!job) throw apiError('NOT_FOUND', `No job ${String(req.body.job_id)} in the ${environment} environment`);
      if (!job.result) throw apiError('NOT_FOUND', `Job ${job.jobId} has no result yet`);
      if (!job.callbackUrl && !req.body.callback_url) throw apiError('MISSING_PARAMETER', 'This job has no callback URL: give callback_url');
      const url = typeof req.body.callback_url === 'string' ? req.body.callback_url : undefined;
      return { delivery_id: await replayCallback(ctx, job.smileJobId, url) };
    },
  );
  app.post<{ Body: Body }>(
    '/callbacks/list',
    {
      schema: {
        ...doc("A job's callback deliveries with their attempts", deliveriesResponseSchema),
        body: { type: 'object', required: ['partner_id', 'timestamp', 'signature', 'job_id'], properties: { ...signed, job_id: { type: ['string', 'number'] } }, examples: [{ ...SIGNED_EXAMPLE, job_id: 'job-7' }] },
      },
    },
    async (req) => {
      const a = await auth(req.body);
      const job = await ctx.store.getJob(a.partnerId, environment, String(req.body.job_id));
      if (!job) throw apiError('NOT_FOUND', `No job ${String(req.body.job_id)} in the ${environment} environment`);
      const deliveries = await ctx.store.listDeliveries(job.smileJobId);
      return { deliveries: deliveries.map(({ body: _body, ...d }) => d) };
    },
  );
};
