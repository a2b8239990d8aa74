/**
 * @file The Fastify application: Smile ID routes per environment, the upload and image capabilities, the admin API,
 * health and metrics. Pure wiring; behaviour lives in the job layer.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { JobContext } from '../jobs/context.js';
import { portalRoutes } from '../portal/portal-routes.js';
import type { PortalStore } from '../store/portal-types.js';
import type { Environment } from '../store/types.js';
import { SOURCE_SDK_VERSION } from '../client/client-version.js';
import { healthResponseSchema } from '../protocol/response-schemas.js';
import { installErrorHandling } from './error-handler.js';
import { IMAGE_ROUTE_PREFIX, makeLinks, UPLOAD_ROUTE_PREFIX } from './links.js';
import type { Metrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { adminRoutes } from './routes/admin.js';
import { imageRoutes } from './routes/images.js';
import { smileV1Routes } from './routes/smile-v1.js';
import { smileV2Routes } from './routes/smile-v2.js';
import { uploadRoutes } from './routes/uploads.js';

/** Where each environment's API lives; `sid_server` is origin + v1 prefix. */
export const ENV_PREFIX: Record<Environment, string> = { production: '', sandbox: '/sandbox' };

export interface HttpOptions {
  ctx: JobContext;
  metrics: Metrics;
  https: { cert: string; key: string } | null;
  /** The public origin, known once listening (port 0 picks one). */
  publicUrl: () => string;
  /** The partner portal's storage; the portal is served under /portal when given. */
  portal?: PortalStore;
}

export async function buildHttpServer({ ctx, metrics, https, publicUrl, portal }: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(https ? { https } : {}),
    bodyLimit: ctx.config.bodyLimitBytes,
    loggerInstance: ctx.log.child({ component: 'http' }),
    // Per-request logs would carry URLs with upload capabilities; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
    ajv: { customOptions: { coerceTypes: false, allErrors: false, allowUnionTypes: true } },
  }) as unknown as FastifyInstance;
  installErrorHandling(app);
  // Response schemas document the answers (/openapi.json) and tests hold real answers to them; the wire format is
  // written as it always was, so a schema can never drop or reshape a field the SDKs read.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await registerOpenApi(app, SOURCE_SDK_VERSION);
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  await app.register(multipart, {
    limits: { fileSize: 15 * 1024 * 1024, files: 20, fields: 30, fieldSize: 64 * 1024, parts: 60 },
  });
  const links = makeLinks(publicUrl, ctx.serverSecret, ctx.config.imageLinkTtlMs);
  for (const environment of ['production', 'sandbox'] as const) {
    const base = ENV_PREFIX[environment];
    await app.register(smileV1Routes, { prefix: `${base}/v1`, ctx, environment, links });
    await app.register(adminRoutes, { prefix: `${base}/v1/admin`, ctx, environment });
    await app.register(smileV2Routes, { prefix: `${base}/v2`, ctx, environment });
  }
  await app.register(uploadRoutes, { prefix: UPLOAD_ROUTE_PREFIX, ctx });
  await app.register(imageRoutes, { prefix: IMAGE_ROUTE_PREFIX, ctx });
  if (portal) await app.register(portalRoutes, { prefix: '/portal', ctx, portal });
  app.get('/health', { schema: { summary: 'Liveness probe', response: { 200: healthResponseSchema } } }, async () => ({ status: 'ok' }));
  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'], response: { 200: { type: 'string' } } } }, async (_req, reply) => reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()));
  return app;
}
