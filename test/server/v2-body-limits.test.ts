/**
 * @file The v2 multipart endpoints read no body before the SmileID-* headers are verified, cap the whole body (not only
 * each file), and answer a truncated body with 400. Raw requests over TLS, so the test controls how much of a body
 * is sent before the server answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { generateSignature } from '../../src/protocol/signature.js';
import { rawHttpsRequest } from '../helpers/raw-https.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const BODY_LIMIT = 2 * 1024 * 1024;
const BOUNDARY = 'likeness-test-boundary';
const CHUNK = Buffer.alloc(64 * 1024, 0x41);

let engine: FaceEngine;
let ts: TestServer;

beforeAll(async () => {
  engine = await createEngine({ workers: 1 });
  ts = await startTestServer({ engine, config: { bodyLimitBytes: BODY_LIMIT } });
});
afterAll(async () => {
  await ts?.close();
  await engine?.close();
});

const fileHead = (field: string) =>
  Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${field}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);

function head(path: string, length: number | 'chunked', signed: boolean): string {
  const lines = [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1`, `Content-Type: multipart/form-data; boundary=${BOUNDARY}`];
  lines.push(length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`);
  if (signed) {
    const { signature, timestamp } = generateSignature(ts.productionKey, ts.partnerId);
    lines.push(`SmileID-Partner-ID: ${ts.partnerId}`, `SmileID-Request-Signature: ${signature}`, `SmileID-Timestamp: ${timestamp}`);
  }
  return lines.join('\r\n');
}

/**
 * Body chunks without end (the caller stops when the server answers): liveness image parts of `partBytes` each, as
 * `CHUNK`s, optionally in chunked transfer encoding.
 */
function endlessImages(chunked: boolean, partBytes = Number.MAX_SAFE_INTEGER): () => Buffer {
  let inPart = -1;
  const frame = (b: Buffer) => (chunked ? Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]) : b);
  return () => {
    let chunk = CHUNK;
    if (inPart < 0 || inPart >= partBytes) {
      chunk = Buffer.concat([Buffer.from(inPart < 0 ? '' : '\r\n'), fileHead('liveness_images'), CHUNK]);
      inPart = 0;
    }
    inPart += CHUNK.length;
    return frame(chunk);
  };
}

/** POSTs to the v2 enrolment endpoint: the given length (or chunked), signed or not, with body chunks from `next`. */
const enroll = (length: number | 'chunked', isSigned: boolean, next: () => Buffer | null, timeoutMs = 10_000) =>
  rawHttpsRequest({ origin: ts.origin, ca: ts.caCert, head: head('/v2/smart-selfie-enroll', length, isSigned), nextChunk: next, timeoutMs });

describe('v2 multipart bodies', () => {
  it('an unsigned request is refused (2205) before its body is read', async () => {
    const res = await enroll(200 * 1024 * 1024, false, endlessImages(false));
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).code).toBe('2205');
    // The answer came while almost all of the 200 MB was still unsent (TLS and socket buffers hold a few MB at most).
    expect(res.bytesSentBeforeResponse).toBeLessThan(16 * 1024 * 1024);
  });

  it('a signed request declaring more than the body limit is refused (413, 2290) before its body is read', async () => {
    const res = await enroll(200 * 1024 * 1024, true, endlessImages(false));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).code).toBe('2290');
    expect(res.bytesSentBeforeResponse).toBeLessThan(16 * 1024 * 1024);
  });

  it('a signed chunked body is cut off (413, 2290) once one image passes the per-image limit', async () => {
    const res = await enroll('chunked', true, endlessImages(true), 20_000);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: '2290', error: expect.stringMatching(/per-image limit/) });
  });

  it('a signed chunked body of images each under the per-image limit is cut off (413, 2290) at the total limit', async () => {
    const res = await enroll('chunked', true, endlessImages(true, BODY_LIMIT / 4), 20_000);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: '2290', error: expect.stringMatching(/multipart body is larger than the 2 MB limit/) });
  });

  it('a truncated multipart body (no closing boundary) → 400 with 2296, not a system error', async () => {
    const body = Buffer.concat([fileHead('selfie_image'), Buffer.alloc(1000, 0x42)]);
    let sent = false;
    const res = await enroll(body.length, true, () => (sent ? null : ((sent = true), body)));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).code).toBe('2296');
  });
});
