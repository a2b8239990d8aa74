/**
 * @file `PUT /uploads/:token`: the upload_url handed out by prep_upload. Answers exactly 200 (the JS SDK rejects
 * any other 2xx). The body is the raw zip, whatever content type the client labels it with.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { JobContext } from '../../jobs/context.js';
import { receiveUpload } from '../../jobs/upload-receiver.js';
import { allowBrowserOrigins, preflight } from '../web-cors.js';

export const uploadRoutes: FastifyPluginAsync<{ ctx: JobContext }> = async (app, { ctx }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ctx.config.bodyLimitBytes }, (_req, body, done) => done(null, body));
  app.options('/:token', (_req, reply) => preflight(reply, 'PUT'));
  app.put<{ Params: { token: string }; Body: Buffer | undefined }>('/:token', async (req, reply) => {
    // The upload token in the URL is the capability; browsers of the hosted web integration PUT here cross-origin.
    allowBrowserOrigins(reply);
    await receiveUpload(ctx, req.params.token, req.body ?? Buffer.alloc(0));
    return reply.status(200).send({ success: true });
  });
};
