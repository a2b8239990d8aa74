/**
 * @file `POST /v2/smart-selfie-enroll` and `/v2/smart-selfie-authentication` (multipart, SmileID-* headers).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { apiError } from '../../errors/api-errors.js';
import type { JobContext } from '../../jobs/context.js';
import { runV2Job } from '../../jobs/v2-sync-job.js';
import type { V2Kind, V2Request } from '../../protocol/v2-multipart.js';
import type { Environment } from '../../store/types.js';
import { v2ResponseSchema } from '../../protocol/response-schemas.js';
import { v2HeadersSchema, v2MultipartBodySchema } from '../../protocol/schemas.js';
import { ERROR_RESPONSES, type DocumentedBody } from '../openapi.js';

async function readMultipart(req: FastifyRequest): Promise<V2Request> {
  if (!req.isMultipart()) throw apiError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with selfie_image and liveness_images parts');
  const fields: Record<string, string> = {};
  const files: V2Request['files'] = [];
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      const data = await part.toBuffer();
      if (part.file.truncated) throw apiError('PAYLOAD_TOO_LARGE', `${part.fieldname} is larger than the 15 MB per-image limit`);
      files.push({ field: part.fieldname, filename: part.filename, data });
    } else {
      fields[part.fieldname] = String(part.value);
    }
  }
  return { headers: req.headers, fields, files };
}

export const smileV2Routes: FastifyPluginAsync<{ ctx: JobContext; environment: Environment }> = async (app, { ctx, environment }) => {
  const routes: [string, V2Kind][] = [
    ['/smart-selfie-enroll', 'enroll'],
    ['/smart-selfie-authentication', 'authentication'],
  ];
  const openapiBody: DocumentedBody = { consumes: ['multipart/form-data'], body: v2MultipartBodySchema, headers: v2HeadersSchema };
  for (const [path, kind] of routes) {
    const summary = `Synchronous SmartSelfie ${kind === 'enroll' ? 'enrolment' : 'authentication'} (mobile SDK v2, multipart)`;
    app.post(
      path,
      { schema: { tags: [environment], summary, response: { 200: v2ResponseSchema, ...ERROR_RESPONSES } }, config: { openapiBody } },
      async (req) => runV2Job(ctx, environment, kind, await readMultipart(req)),
    );
  }
};
