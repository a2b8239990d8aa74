/**
 * @file Smile ID v1 endpoints for one environment: prep_upload, job_status, token and the mobile SDKs' auth_smile. Mounted at /v1 (production)
 * and /sandbox/v1 (sandbox); each checks signatures against that environment's key only.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { authSmile } from '../../jobs/auth-smile.js';
import type { JobContext } from '../../jobs/context.js';
import { jobStatus, type ImageLinks } from '../../jobs/job-status.js';
import { prepUpload, type UploadLinks } from '../../jobs/prep-upload.js';
import { webToken } from '../../jobs/web-token.js';
import { prepUploadWithToken } from '../../jobs/web-upload.js';
import { authSmileRequestSchema, authSmileResponseSchema } from '../../protocol/auth-smile-schema.js';
import { jobStatusRequestSchema, tokenRequestSchema } from '../../protocol/schemas.js';
import { isWebUpload, uploadRequestSchema } from '../../protocol/web-upload-schema.js';
import type { Environment } from '../../store/types.js';
import { allowBrowserOrigins, preflight } from '../web-cors.js';
import { jobStatusResponseSchema, prepUploadResponseSchema, tokenResponseSchema } from '../../protocol/response-schemas.js';
import { ERROR_RESPONSES } from '../openapi.js';

export interface SmileV1Options {
  ctx: JobContext;
  environment: Environment;
  /** Upload URLs and image links under the public origin this request reached (see publicOrigin). */
  links: (req: FastifyRequest) => UploadLinks & ImageLinks;
}

type Body = Record<string, unknown>;

export const smileV1Routes: FastifyPluginAsync<SmileV1Options> = async (app, { ctx, environment, links }) => {
  const tags = [environment];
  app.post<{ Body: Body }>(
    '/upload',
    {
      schema: {
        tags,
        summary: 'prep_upload: register a job and get its single-use upload_url (signed, or with a web token from the hosted capture page)',
        body: uploadRequestSchema,
        response: { 200: prepUploadResponseSchema, ...ERROR_RESPONSES },
      },
    },
    (req, reply) => {
      if (!isWebUpload(req.body)) return prepUpload(ctx, environment, req.body, links(req));
      allowBrowserOrigins(reply);
      return prepUploadWithToken(ctx, environment, req.body, links(req));
    },
  );
  app.options('/upload', { schema: { hide: true } }, (_req, reply) => preflight(reply, 'POST'));
  app.post<{ Body: Body }>(
    '/job_status',
    { schema: { tags, summary: "A job's signed status and result, with history and image links on request", body: jobStatusRequestSchema, response: { 200: jobStatusResponseSchema, ...ERROR_RESPONSES } } },
    (req) => jobStatus(ctx, environment, req.body, links(req)),
  );
  app.post<{ Body: Body }>(
    '/token',
    { schema: { tags, summary: 'A short-lived token for the hosted web integration', body: tokenRequestSchema, response: { 200: tokenResponseSchema, ...ERROR_RESPONSES } } },
    (req) => webToken(ctx, environment, req.body),
  );
  app.post<{ Body: Body }>(
    '/auth_smile',
    {
      schema: {
        tags,
        summary: "Mobile SDKs: a request signature for smile_config.json's auth_token (then sent to /v2 or in /v1 bodies)",
        body: authSmileRequestSchema,
        response: { 200: authSmileResponseSchema, ...ERROR_RESPONSES },
      },
    },
    (req) => authSmile(ctx, environment, req.body),
  );
};
