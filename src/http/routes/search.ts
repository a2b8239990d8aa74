/**
 * @file `POST {base}/admin/search`: 1:N face search of the partner environment's enrolled users by selfie, signed like
 * every call (partner_id + timestamp + signature with the environment's key) and written to the audit log.
 */
import type { FastifyPluginAsync } from 'fastify';
import { apiError } from '../../errors/api-errors.js';
import type { JobContext } from '../../jobs/context.js';
import { DEFAULT_SEARCH_RESULTS, MAX_SEARCH_RESULTS, searchBySelfie } from '../../jobs/face-search-request.js';
import { authenticateBody } from '../../jobs/request-auth.js';
import { faceSearchResponseSchema } from '../../protocol/response-schemas.js';
import type { PortalStore } from '../../store/portal-types.js';
import type { Environment } from '../../store/types.js';
import { ERROR_RESPONSES } from '../openapi.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Who a search made with the partner's API key is, in the audit log. */
export const API_KEY_ACTOR = 'API key';

export const searchRoutes: FastifyPluginAsync<{ ctx: JobContext; environment: Environment; portal: PortalStore }> = async (app, { ctx, environment, portal }) => {
  app.post<{ Body: Record<string, unknown> }>(
    '/search',
    {
      schema: {
        tags: [`${environment} admin`],
        summary: 'Search the enrolled faces by selfie (1:N): the most similar users above a threshold; audited',
        body: {
          type: 'object',
          required: ['partner_id', 'timestamp', 'signature', 'selfie'],
          properties: {
            partner_id: { type: ['string', 'number'] },
            timestamp: { type: ['string', 'number'] },
            signature: { type: 'string', minLength: 1 },
            selfie: { type: 'string', minLength: 1, description: 'The photo (JPEG, PNG or WebP), base64.' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_RESULTS, default: DEFAULT_SEARCH_RESULTS },
            min_similarity: { type: 'number', minimum: -1, maximum: 1, description: 'Default: the duplicate threshold (docs/search.md).' },
          },
          examples: [{ partner_id: '001', timestamp: '2026-12-02T02:00:00.000Z', signature: 'k3Jc2m3uE2qv7V0Yx1rX5b0k8mJ9p6q4t2w1z0y9x8A=', selfie: '/9j/4AAQSkZJRg…', limit: 10 }],
        },
        response: { 200: faceSearchResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const a = await authenticateBody(ctx, environment, req.body);
      const selfie = String(req.body.selfie).replace(/\s+/g, '');
      if (!BASE64.test(selfie)) throw apiError('INVALID_PARAMETER_TYPE', 'selfie must be a base64-encoded image');
      const answer = await searchBySelfie(
        { store: ctx.store, engine: ctx.engine, faces: ctx.faces, audit: portal },
        {
          partnerId: a.partnerId,
          environment,
          selfie: Buffer.from(selfie, 'base64'),
          limit: req.body.limit as number | undefined,
          minSimilarity: req.body.min_similarity as number | undefined,
          actor: { accountId: null, email: API_KEY_ACTOR },
        },
      );
      return { results: answer.results.map((r) => ({ user_id: r.userId, similarity: r.similarity })), limit: answer.limit, min_similarity: answer.minSimilarity };
    },
  );
};
