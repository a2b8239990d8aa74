/**
 * @file `GET /images/:smileJobId/:role/:index?expires&sig`: a stored job image, only through an unexpired link
 * signed by this server (handed out by job_status with image_links). Never cached by intermediaries.
 */
import type { FastifyPluginAsync } from 'fastify';
import { apiError } from '../../errors/api-errors.js';
import { verifyImagePath } from '../../jobs/capabilities.js';
import type { JobContext } from '../../jobs/context.js';
import { IMAGE_ROUTE_PREFIX } from '../links.js';
import { ERROR_RESPONSES } from '../openapi.js';

interface Params {
  smileJobId: string;
  role: string;
  index: string;
}

export const imageRoutes: FastifyPluginAsync<{ ctx: JobContext }> = async (app, { ctx }) => {
  const schema = {
    summary: "A stored job image, through a signed, expiring link from job_status's image_links",
    params: { type: 'object', required: ['smileJobId', 'role', 'index'], properties: { smileJobId: { type: 'string' }, role: { type: 'string', description: 'selfie or liveness' }, index: { type: 'string' } } },
    querystring: { type: 'object', properties: { expires: { type: 'string' }, sig: { type: 'string' } } },
    response: {
      200: {
        description: 'The image as stored',
        content: Object.fromEntries(['image/jpeg', 'image/png', 'image/webp'].map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
      },
      ...ERROR_RESPONSES,
    },
  };
  app.get<{ Params: Params; Querystring: { expires?: string; sig?: string } }>('/:smileJobId/:role/:index', { schema }, async (req, reply) => {
    const { smileJobId, role, index } = req.params;
    const path = `${IMAGE_ROUTE_PREFIX}/${smileJobId}/${role}/${index}`;
    if (!verifyImagePath(ctx.serverSecret, path, req.query.expires, req.query.sig)) {
      throw apiError('UNAUTHORIZED', 'This image link is invalid or has expired: ask job_status for new image_links');
    }
    const images = await ctx.store.getJobImages(Number(smileJobId));
    const image = images.find((i) => i.role === role && i.index === Number(index));
    const data = image ? await ctx.blobs.get(image.blobKey) : null;
    if (!data) throw apiError('NOT_FOUND', 'This image is no longer stored (the user may have been deleted)');
    const type = data[0] === 0x89 ? 'image/png' : data.subarray(8, 12).toString('latin1') === 'WEBP' ? 'image/webp' : 'image/jpeg';
    return reply
      .header('content-type', type)
      .header('cache-control', 'private, no-store')
      .header('x-content-type-options', 'nosniff')
      .send(data);
  });
};
