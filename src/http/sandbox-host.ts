/**
 * @file The sandbox on a host name of its own. Smile ID's Android SDK resolves its endpoints as absolute paths
 * (`/v1/auth_smile`, `/v2/smart-selfie-enroll`) against the configured URL's host, so the `/sandbox` prefix is out of
 * its reach; requests that arrive for the configured sandbox host name are routed to the sandbox instead.
 */
import type { RawRequestDefaultExpression } from 'fastify';

const API_PATH = /^\/v[12](\/|$|\?)/;

/** Fastify's `rewriteUrl`: `/v1/…` and `/v2/…` on the sandbox host get the sandbox prefix (`/sandbox/v1/…`). */
export function sandboxHostRewrite(sandboxUrl: string | null, sandboxPrefix: string): ((req: RawRequestDefaultExpression) => string) | undefined {
  if (!sandboxUrl) return undefined;
  const sandboxHost = new URL(sandboxUrl).hostname.toLowerCase();
  return (req) => {
    const url = req.url ?? '/';
    return hostnameOf(req.headers.host) === sandboxHost && API_PATH.test(url) ? `${sandboxPrefix}${url}` : url;
  };
}

/** The host name of a Host header, without port or IPv6 brackets. */
function hostnameOf(host: string | undefined): string {
  if (!host) return '';
  try {
    return new URL(`https://${host}`).hostname.toLowerCase();
  } catch {
    return '';
  }
}
