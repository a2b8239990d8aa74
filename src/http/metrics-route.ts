/**
 * @file Who may read /metrics. It tells anyone who can read it the traffic per partner-facing route, the backlog and
 * error rates, so it is not public: with a token (--metrics-token) a scraper sends `Authorization: Bearer <token>`;
 * with a metrics port (--metrics-port) it is served there only, on its own plain-HTTP listener for a private network;
 * with neither, only clients on this machine may read it (and not through a proxy on this machine).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config/server-config.js';
import type { Metrics } from './metrics.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

const digest = (s: string) => createHash('sha256').update(s).digest();

function refusal(req: FastifyRequest, token: string | null, localOnly: boolean): 401 | 403 | null {
  if (token) {
    const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    return timingSafeEqual(digest(given), digest(token)) ? null : 401;
  }
  if (!localOnly) return null;
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  return LOOPBACK.has(req.socket.remoteAddress ?? '') && !proxied ? null : 403;
}

/** GET /metrics on `app`; `localOnly`: refuse other machines when no token is configured. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, token: string | null, localOnly: boolean): void {
  const text = { type: 'string' };
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (text exposition format); bearer token, metrics port or local clients only', produces: ['text/plain'], response: { 200: text, 401: text, 403: text } } },
    async (req, reply) => {
      const refused = refusal(req, token, localOnly);
      if (refused === 401) return reply.code(401).header('www-authenticate', 'Bearer').type('text/plain').send('metrics need the bearer token (--metrics-token)\n');
      if (refused === 403) return reply.code(403).type('text/plain').send('metrics are served to local clients only: configure --metrics-token or --metrics-port\n');
      return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
}

/** The separate plain-HTTP metrics listener of --metrics-port; resolves with its origin. */
export async function startMetricsServer(config: Readonly<ServerConfig>, metrics: Metrics): Promise<{ app: FastifyInstance; origin: string }> {
  const app = Fastify() as unknown as FastifyInstance;
  app.setSerializerCompiler(() => (data) => (typeof data === 'string' ? data : JSON.stringify(data)));
  registerMetricsRoute(app, metrics, config.metricsToken, false);
  const host = config.metricsHost ?? config.host;
  const address = await app.listen({ host, port: config.metricsPort ?? 0 });
  return { app, origin: address };
}
