/**
 * @file The origin a client reached this server at, for the absolute URLs it hands out (upload_url, image links).
 */
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyRequest } from 'fastify';

export interface PublicOriginOptions {
  /** --public-url: when set, every link uses it. */
  publicUrl: string | null;
  /** --trust-proxy: the proxies whose forwarded scheme and host are believed. */
  trustProxy: readonly string[];
  /** The listening origin (https://host:port, known once listening). */
  listening: () => string;
}

/**
 * A configured public URL always wins. Without one, a request whose peer is a trusted proxy gets the scheme and host
 * that proxy forwarded (X-Forwarded-Proto and X-Forwarded-Host, else the Host it passed on), so a server behind a
 * TLS-terminating proxy hands out https:// links under the proxy's name. Any other request gets the listening origin:
 * a Host header sent by an untrusted client never decides a link.
 */
export function publicOrigin({ publicUrl, trustProxy, listening }: PublicOriginOptions): (req: FastifyRequest) => string {
  if (publicUrl) return () => publicUrl;
  if (!trustProxy.length) return () => listening();
  const trusted = proxyAddr.compile([...trustProxy]);
  return (req) => {
    const peer = req.socket?.remoteAddress;
    if (!peer || !trusted(peer, 0) || !['http', 'https'].includes(req.protocol)) return listening();
    try {
      const url = new URL(`${req.protocol}://${req.host}`);
      return url.host === req.host.toLowerCase() ? url.origin : listening();
    } catch {
      return listening();
    }
  };
}
