/**
 * @file `POST /v2/smart-selfie-enroll` and `/v2/smart-selfie-authentication` (multipart, SmileID-* headers).
 *
 * The SmileID-* headers are verified in `onRequest`, before a byte of the body is read, so an unauthenticated caller
 * costs no memory. The body is then streamed part by part under a per-image and a total limit (the server's body
 * limit, which Fastify does not apply to multipart).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { apiError, isApiError } from '../../errors/api-errors.js';
import type { JobContext } from '../../jobs/context.js';
import { authenticateV2, runV2Job, type V2Caller } from '../../jobs/v2-sync-job.js';
import type { V2Kind, V2Request } from '../../protocol/v2-multipart.js';
import type { Environment } from '../../store/types.js';
import { closeIfBodyUnread } from '../unread-body.js';
import { v2ResponseSchema } from '../../protocol/response-schemas.js';
import { v2HeadersSchema, v2MultipartBodySchema } from '../../protocol/schemas.js';
import { ERROR_RESPONSES, type DocumentedBody } from '../openapi.js';

/** Largest single image part. */
const MAX_IMAGE_BYTES = 15 * 1024 * 1024;

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** Busboy reports a body that ends early or is malformed with plain errors; that is the client's fault (400). */
function multipartFailure(err: unknown): unknown {
  if (isApiError(err)) return err;
  const { statusCode, code } = err as { statusCode?: number; code?: string };
  if (statusCode !== undefined && code !== 'FST_MP_PREMATURE_CLOSE') return err;
  return apiError('MULTIPART_INVALID', `The multipart body could not be read: ${(err as Error).message}`, { cause: err });
}

async function readMultipart(req: FastifyRequest, limitBytes: number): Promise<Pick<V2Request, 'fields' | 'files'>> {
  if (!req.isMultipart()) throw apiError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with selfie_image and liveness_images parts');
  const fields: Record<string, string> = {};
  const files: V2Request['files'] = [];
  const imageLimit = Math.min(MAX_IMAGE_BYTES, limitBytes);
  let total = 0;
  const count = (bytes: number) => {
    total += bytes;
    if (total > limitBytes) throw apiError('PAYLOAD_TOO_LARGE', `The multipart body is larger than the ${megabytes(limitBytes)} limit`);
  };
  try {
    for await (const part of req.parts({ limits: { fileSize: imageLimit } })) {
      if (part.type === 'file') {
        const chunks: Buffer[] = [];
        // Busboy would otherwise skip the rest of an oversized part silently, reading on to its end (or forever).
        part.file.once('limit', () => part.file.destroy(apiError('PAYLOAD_TOO_LARGE', `${part.fieldname} is larger than the ${megabytes(imageLimit)} per-image limit`)));
        for await (const chunk of part.file as AsyncIterable<Buffer>) {
          count(chunk.length);
          chunks.push(chunk);
        }
        files.push({ field: part.fieldname, filename: part.filename, data: Buffer.concat(chunks) });
      } else {
        const value = String(part.value);
        count(Buffer.byteLength(value));
        fields[part.fieldname] = value;
      }
    }
  } catch (err) {
    throw multipartFailure(err);
  }
  return { fields, files };
}

export const smileV2Routes: FastifyPluginAsync<{ ctx: JobContext; environment: Environment }> = async (app, { ctx, environment }) => {
  const callers = new WeakMap<FastifyRequest, V2Caller>();
  const limitBytes = ctx.config.bodyLimitBytes;
  app.addHook('onRequest', async (req) => {
    callers.set(req, await authenticateV2(ctx, environment, req.headers));
    const declared = Number(req.headers['content-length']);
    if (declared > limitBytes) throw apiError('PAYLOAD_TOO_LARGE', `The request body (${megabytes(declared)}) is larger than the ${megabytes(limitBytes)} limit`);
  });
  app.addHook('onResponse', async (req) => closeIfBodyUnread(req));
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
      async (req) => {
        const caller = callers.get(req);
        if (!caller) throw new Error('v2 request reached its handler unauthenticated');
        return runV2Job(ctx, environment, kind, caller, await readMultipart(req, limitBytes));
      },
    );
  }
};
