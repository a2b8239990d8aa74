/**
 * @file Ending the connection of a request answered before its body arrived (refused by its headers, or cut off at a
 * limit), without reading the rest of that body into memory.
 */
import type { FastifyRequest } from 'fastify';

/**
 * How long the client gets to read the answer before the socket is destroyed. Closing a socket with unread input
 * makes the kernel send a reset, which can discard the answer on the client's side before it reads it; so the
 * server half-closes, drops whatever else arrives, and only then closes (a "lingering close", as Apache does).
 */
const LINGER_MS = 2000;

/** For an `onResponse` hook: half-closes and later closes the connection when the request body was not all read. */
export function closeIfBodyUnread(req: FastifyRequest): void {
  if (req.raw.complete) return;
  const socket = req.raw.socket;
  req.raw.resume();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.once('close', () => clearTimeout(timer));
}
