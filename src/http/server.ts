/**
 * @file The Fastify application: Smile ID routes per environment, the upload and image capabilities, the admin API,
 * health and metrics. Pure wiring; behaviour lives in the job layer.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { JobContext } from '../jobs/context.js';
import { portalRoutes } from '../portal/portal-routes.js';
import type { PortalStore } from '../store/portal-types.js';
import type { StorageProblem } from '../store/storage.js';
import type { Environment } from '../store/types.js';
import { SOURCE_SDK_VERSION } from '../client/client-version.js';
import { healthResponseSchema, healthUnavailableSchema } from '../protocol/response-schemas.js';
import { installErrorHandling } from './error-handler.js';
import { IMAGE_ROUTE_PREFIX, makeLinks, UPLOAD_ROUTE_PREFIX } from './links.js';
import type { Metrics } from './metrics.js';
import { registerMetricsRoute } from './metrics-route.js';
import { runInRequest } from '../jobs/request-context.js';
import { registerOpenApi } from './openapi.js';
import { sandboxHostRewrite } from './sandbox-host.js';
import { adminRoutes } from './routes/admin.js';
import { imageRoutes } from './routes/images.js';
import { searchRoutes } from './routes/search.js';
import { smileV1Routes } from './routes/smile-v1.js';
import { smileV2Routes } from './routes/smile-v2.js';
import { uploadRoutes } from './routes/uploads.js';
import { webRoutes } from '../web/web-routes.js';

/** Where each environment's API lives; `sid_server` is origin + v1 prefix. */
export const ENV_PREFIX: Record<Environment, string> = { production: '', sandbox: '/sandbox' };

export interface HttpOptions {
  ctx: JobContext;
  metrics: Metrics;
  https: { cert: string; key: string } | null;
  /** The public origin a request reached (public-origin.ts), known once listening (port 0 picks one). */
  publicUrl: (req: FastifyRequest) => string;
  /** The partner portal's storage; the portal is served under /portal when given. */
  portal?: PortalStore;
  /** false for a worker node: only /health and /metrics, for an orchestrator's probes. */
  api?: boolean;
  /** Readiness of the storage (Storage.problems). */
  storageProblems: () => Promise<StorageProblem[]>;
}

export async function buildHttpServer({ ctx, metrics, https, publicUrl, portal, api = true, storageProblems }: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(https ? { https } : {}),
    bodyLimit: ctx.config.bodyLimitBytes,
    loggerInstance: ctx.log.child({ component: 'http' }),
    // Per-request logs would carry URLs with upload capabilities; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // req.ip is the X-Forwarded-For client only when the peer is a configured proxy (the login throttle keys on it).
    trustProxy: ctx.config.trustProxy.length ? [...ctx.config.trustProxy] : false,
    ajv: { customOptions: { coerceTypes: false, allErrors: false, allowUnionTypes: true } },
    rewriteUrl: sandboxHostRewrite(ctx.config.sandboxUrl, ENV_PREFIX.sandbox),
  }) as unknown as FastifyInstance;
  installErrorHandling(app);
  // Job lifecycle log lines made during a request carry its id.
  app.addHook('onRequest', (req, _reply, done) => runInRequest(req.id, done));
  // Response schemas document the answers (/openapi.json) and tests hold real answers to them; the wire format is
  // written as it always was, so a schema can never drop or reshape a field the SDKs read.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await registerOpenApi(app, SOURCE_SDK_VERSION);
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    // The route pattern, never the URL: upload and image URLs are capabilities.
    if (ctx.config.accessLog) req.log.info({ method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime), ip: req.ip }, 'request');
  });
  if (api) {
    await app.register(multipart, {
      limits: { fileSize: 15 * 1024 * 1024, files: 20, fields: 30, fieldSize: 64 * 1024, parts: 60 },
    });
    const links = (req: FastifyRequest) => makeLinks(publicUrl(req), ctx.serverSecret, ctx.config.imageLinkTtlMs);
    for (const environment of ['production', 'sandbox'] as const) {
      const base = ENV_PREFIX[environment];
      await app.register(smileV1Routes, { prefix: `${base}/v1`, ctx, environment, links });
      await app.register(adminRoutes, { prefix: `${base}/v1/admin`, ctx, environment });
      // Searches are audited in the portal's log, so only a node with the portal's storage serves them.
      if (portal) await app.register(searchRoutes, { prefix: `${base}/v1/admin`, ctx, environment, portal });
      await app.register(smileV2Routes, { prefix: `${base}/v2`, ctx, environment });
    }
    await app.register(uploadRoutes, { prefix: UPLOAD_ROUTE_PREFIX, ctx });
    await app.register(imageRoutes, { prefix: IMAGE_ROUTE_PREFIX, ctx });
    await app.register(webRoutes, { ctx });
  }
  if (portal) await app.register(portalRoutes, { prefix: '/portal', ctx, portal, publicUrl });
  // Liveness: the process answers. Readiness (/health, /health/ready): the storage is there and takes writes, so a
  // deleted database or a read-only disk takes the node out of service instead of "completing" jobs into nothing.
  app.get('/health/live', { schema: { summary: 'Liveness probe: the process answers', response: { 200: healthResponseSchema } } }, async () => ({ status: 'ok' }));
  const ready = async (_req: unknown, reply: FastifyReply) => {
    const problems = await storageProblems();
    if (!problems.length) return { status: 'ok' };
    ctx.log.error({ problems }, 'storage is not ready');
    return reply.code(503).send({ status: 'unavailable', failing: problems.map((p) => p.component) });
  };
  const readySchema = { summary: 'Readiness probe: storage is reachable and takes writes', response: { 200: healthResponseSchema, 503: healthUnavailableSchema } };
  app.get('/health', { schema: readySchema }, ready);
  app.get('/health/ready', { schema: readySchema }, ready);
  // With a metrics port, /metrics is served there instead (metrics-route.ts).
  if (ctx.config.metricsPort === null) registerMetricsRoute(app, metrics, ctx.config.metricsToken, true);
  return app;
}
