/**
 * @file `PUT /uploads/:token`: the upload_url handed out by prep_upload. Answers exactly 200 (the JS SDK rejects
 * any other 2xx). The body is the raw zip, whatever content type the client labels it with.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { JobContext } from '../../jobs/context.js';
import { receiveUpload } from '../../jobs/upload-receiver.js';
import { allowBrowserOrigins, preflight } from '../web-cors.js';
import { uploadAcceptedSchema } from '../../protocol/response-schemas.js';
import { ERROR_RESPONSES, type DocumentedBody } from '../openapi.js';

export const uploadRoutes: FastifyPluginAsync<{ ctx: JobContext }> = async (app, { ctx }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ctx.config.bodyLimitBytes }, (_req, body, done) => done(null, body));
  const openapiBody: DocumentedBody = {
    consumes: ['application/zip', 'application/octet-stream'],
    body: { type: 'string', format: 'binary', description: 'The job zip: info.json and the images it names (PROTOCOL.md §3.2).' },
  };
  const schema = {
    summary: 'The upload_url from prep_upload: PUT the job zip once',
    params: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } },
    response: { 200: uploadAcceptedSchema, ...ERROR_RESPONSES },
  };
  app.options('/:token', { schema: { hide: true } }, (_req, reply) => preflight(reply, 'PUT'));
  app.put<{ Params: { token: string }; Body: Buffer | undefined }>('/:token', { schema, config: { openapiBody } }, async (req, reply) => {
    // The upload token in the URL is the capability; browsers of the hosted web integration PUT here cross-origin.
    allowBrowserOrigins(reply);
    await receiveUpload(ctx, req.params.token, req.body ?? Buffer.alloc(0));
    return reply.status(200).send({ success: true });
  });
};
