/**
 * @file The hosted web integration's pages and assets, all served from this server (no CDN, nothing fetched from
 * elsewhere): Smile ID's embed path /inline/v<N>/js/script.min.js with its iframe page beside it, the hosted
 * /capture?token=… page, and the capture app's script, style and zip library under /web/.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { apiError } from '../errors/api-errors.js';
import type { JobContext } from '../jobs/context.js';
import { openCaptureSession } from '../jobs/web-capture-session.js';
import { FACE_CHECK_MAX_BYTES, webFaceCheck } from '../jobs/web-face-check.js';
import { CAPTURE_SCRIPT } from './assets/capture-script.js';
import { CAPTURE_STYLE } from './assets/capture-style.js';
import { EMBED_SCRIPT } from './assets/embed-script.js';
import { CAPTURE_STRINGS } from './assets/strings.js';
import { CAPTURE_ASSETS, capturePage } from './capture-page.js';

const JSZIP = readFileSync(createRequire(import.meta.url).resolve('jszip/dist/jszip.min.js'), 'utf8');
const APP_SCRIPT = `window.LIKENESS_STRINGS = ${JSON.stringify(CAPTURE_STRINGS.en)};\n${CAPTURE_SCRIPT}`;

/** The pages may show the partner's logo (any https image) and talk to this server only. */
function pageHeaders(reply: FastifyReply, frameAncestors: string): FastifyReply {
  return reply
    .type('text/html; charset=utf-8')
    .header(
      'content-security-policy',
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; media-src 'self' blob: mediastream:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors ${frameAncestors}`,
    )
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('permissions-policy', 'camera=(self)')
    .header('cache-control', 'no-store');
}

function asset(reply: FastifyReply, type: string, body: string): FastifyReply {
  return reply.type(type).header('cache-control', 'public, max-age=300').header('x-content-type-options', 'nosniff').send(body);
}

function checkVersion(version: string): void {
  if (!/^v\d{1,3}$/.test(version)) throw apiError('NOT_FOUND', `No embed version ${version.slice(0, 20)}: use /inline/v<N>/js/script.min.js`);
}

function returnUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.toString();
  } catch {
    // reported below
  }
  throw apiError('INVALID_PARAMETER_TYPE', 'return_url must be an http(s) URL');
}

export const webRoutes: FastifyPluginAsync<{ ctx: JobContext }> = async (app, { ctx }) => {
  const js = 'text/javascript; charset=utf-8';
  app.get<{ Params: { version: string } }>('/inline/:version/js/script.min.js', async (req, reply) => {
    checkVersion(req.params.version);
    return asset(reply, js, EMBED_SCRIPT);
  });
  app.get<{ Params: { version: string } }>('/inline/:version/smartselfie-auth.html', async (req, reply) => {
    checkVersion(req.params.version);
    // Any partner page may frame it: the token, not the framing origin, authorises the capture.
    return pageHeaders(reply, '*').send(capturePage('embed'));
  });
  app.get(CAPTURE_ASSETS.script, async (_req, reply) => asset(reply, js, APP_SCRIPT));
  app.get(CAPTURE_ASSETS.style, async (_req, reply) => asset(reply, 'text/css; charset=utf-8', CAPTURE_STYLE));
  app.get(CAPTURE_ASSETS.zip, async (_req, reply) => asset(reply, js, JSZIP));
  // Same origin as the capture pages (the embed's iframe and /capture), so no CORS.
  app.post<{ Body: { token?: unknown; image?: unknown } }>(
    CAPTURE_ASSETS.faceCheck,
    {
      bodyLimit: 2 * FACE_CHECK_MAX_BYTES,
      schema: { body: { type: 'object', required: ['token', 'image'], properties: { token: { type: 'string' }, image: { type: 'string' } }, additionalProperties: false } },
    },
    async (req, reply) => reply.header('cache-control', 'no-store').send(await webFaceCheck(ctx, req.body)),
  );

  app.get<{ Querystring: { token?: string; return_url?: string } }>(
    '/capture',
    { schema: { querystring: { type: 'object', properties: { token: { type: 'string' }, return_url: { type: 'string' } }, additionalProperties: true } } },
    async (req, reply) => {
      const back = returnUrl(req.query.return_url);
      if (!req.query.token) throw apiError('MISSING_PARAMETER', 'token is required: open the link the partner sent you');
      const session = await openCaptureSession(ctx, req.query.token);
      const config = session.ok
        ? {
            token: req.query.token,
            product: session.claims.product,
            environment: session.claims.environment,
            callback_url: session.claims.callback_url,
            partner_params: session.claims.partner_params,
            partner_details: { partner_id: session.claims.partner_id, name: session.partnerName },
            return_url: back,
          }
        : { error: session.reason, code: session.code, return_url: back };
      return pageHeaders(reply, "'none'").send(capturePage('hosted', config));
    },
  );
};
