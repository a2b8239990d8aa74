/**
 * @file CORS for the calls a browser makes in the hosted web integration, and only those: a token-authenticated
 * prep_upload and the PUT of its zip to the upload URL. Both are authorised by a bearer capability in the request
 * (web token, upload token), never by cookies, so any origin may send them; signed server-to-server calls get no
 * CORS headers, so a browser cannot read their answers.
 */
import type { FastifyReply } from 'fastify';

export function allowBrowserOrigins(reply: FastifyReply): FastifyReply {
  return reply.header('access-control-allow-origin', '*').header('vary', 'origin');
}

/** Answers a CORS preflight for `method` with a JSON or zip body. */
export function preflight(reply: FastifyReply, method: string): FastifyReply {
  return allowBrowserOrigins(reply)
    .header('access-control-allow-methods', method)
    .header('access-control-allow-headers', 'content-type, accept')
    .header('access-control-max-age', '600')
    .status(204)
    .send();
}
