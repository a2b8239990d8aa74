/**
 * @file A raw HTTP/1.1 request over TLS, written by hand so a test can send what no HTTP client would: a body that
 * stops half-way, or a response awaited while most of the declared body is still unsent.
 */
import { connect } from 'node:tls';

export interface RawHttpsResponse {
  status: number;
  headers: string;
  body: string;
  /** Body bytes the client had written when the response's status line arrived. */
  bytesSentBeforeResponse: number;
}

export interface RawHttpsRequest {
  origin: string;
  ca: string;
  /** Request line and headers, without the blank line that ends them. */
  head: string;
  /** Called repeatedly for the next body chunk; null ends what the client sends (the socket stays open). */
  nextChunk: () => Buffer | null;
  /** Give up waiting for a response after this long (the promise then rejects). */
  timeoutMs: number;
}

/**
 * Writes the head, then body chunks as fast as the socket takes them until `nextChunk` returns null or the server
 * answers, and resolves with the response (read until the server closes or the declared length has arrived).
 */
export function rawHttpsRequest(req: RawHttpsRequest): Promise<RawHttpsResponse> {
  const url = new URL(req.origin);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ca: req.ca, servername: url.hostname === '127.0.0.1' ? undefined : url.hostname });
    let sent = 0;
    let sentAtResponse = -1;
    let received = Buffer.alloc(0);
    let answered = false;
    const timer = setTimeout(() => finish(new Error(`no response within ${req.timeoutMs} ms (${sent} body bytes sent)`)), req.timeoutMs);
    const finish = (err?: Error) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) return reject(err);
      const text = received.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const headers = text.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]), headers, body: text.slice(split + 4), bytesSentBeforeResponse: sentAtResponse });
    };
    const complete = (): boolean => {
      const text = received.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return false;
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split));
      return length !== null && received.length - split - 4 >= Number(length[1]);
    };
    const pump = () => {
      while (sentAtResponse < 0) {
        const chunk = req.nextChunk();
        if (chunk === null) return;
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    socket.on('secureConnect', () => {
      socket.write(`${req.head}\r\n\r\n`);
      pump();
    });
    socket.on('data', (data: Buffer) => {
      if (sentAtResponse < 0) sentAtResponse = sent;
      received = Buffer.concat([received, data]);
      if (complete()) finish();
    });
    // The server may close while the client is still writing (that is the point of refusing early): keep what arrived.
    socket.on('error', () => (received.length ? finish() : finish(new Error('connection failed before any response'))));
    socket.on('close', () => (received.length ? finish() : finish(new Error('connection closed without a response'))));
  });
}
