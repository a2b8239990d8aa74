/**
 * @file The portal's static assets, compiled into the package (no CDN: the portal works offline).
 */
import type { FastifyInstance } from 'fastify';
import { PORTAL_SCRIPT } from '../assets/portal-script.js';
import { PORTAL_STYLE } from '../assets/portal-style.js';
import { PUBLIC_ROUTE } from '../portal-context.js';

export function assetRoutes(app: FastifyInstance): void {
  app.get('/assets/portal.js', PUBLIC_ROUTE, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(PORTAL_SCRIPT));
  app.get('/assets/portal.css', PUBLIC_ROUTE, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(PORTAL_STYLE));
}
