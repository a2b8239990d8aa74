/**
 * @file Smile ID v1 endpoints for one environment: prep_upload, job_status and token. Mounted at /v1 (production)
 * and /sandbox/v1 (sandbox); each checks signatures against that environment's key only.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { JobContext } from '../../jobs/context.js';
import { jobStatus, type ImageLinks } from '../../jobs/job-status.js';
import { prepUpload, type UploadLinks } from '../../jobs/prep-upload.js';
import { webToken } from '../../jobs/web-token.js';
import { prepUploadWithToken } from '../../jobs/web-upload.js';
import { jobStatusRequestSchema, tokenRequestSchema } from '../../protocol/schemas.js';
import { isWebUpload, uploadRequestSchema } from '../../protocol/web-upload-schema.js';
import type { Environment } from '../../store/types.js';
import { allowBrowserOrigins, preflight } from '../web-cors.js';

export interface SmileV1Options {
  ctx: JobContext;
  environment: Environment;
  links: UploadLinks & ImageLinks;
}

type Body = Record<string, unknown>;

export const smileV1Routes: FastifyPluginAsync<SmileV1Options> = async (app, { ctx, environment, links }) => {
  app.post<{ Body: Body }>('/upload', { schema: { body: uploadRequestSchema } }, (req, reply) => {
    if (!isWebUpload(req.body)) return prepUpload(ctx, environment, req.body, links);
    allowBrowserOrigins(reply);
    return prepUploadWithToken(ctx, environment, req.body, links);
  });
  app.options('/upload', (_req, reply) => preflight(reply, 'POST'));
  app.post<{ Body: Body }>('/job_status', { schema: { body: jobStatusRequestSchema } }, (req) => jobStatus(ctx, environment, req.body, links));
  app.post<{ Body: Body }>('/token', { schema: { body: tokenRequestSchema } }, (req) => webToken(ctx, environment, req.body));
};
