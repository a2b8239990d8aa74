/**
 * @file Signed requests expire: a correctly signed request dated far from the server's clock, or with a timestamp that
 * is not a date, is refused with 2205 on every authenticated endpoint (v1, v2 headers, admin), within a window that
 * defaults to ±1 h and can be widened or turned off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { generateSignature } from '../../src/protocol/signature.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { postJson } from '../helpers/smile-client.js';

let engine: FaceEngine;
let ts: TestServer;
let unlimited: TestServer;

beforeAll(async () => {
  engine = await createEngine({ workers: 1 });
  ts = await startTestServer({ engine });
  unlimited = await startTestServer({ engine, config: { signatureMaxAgeMs: 0 } });
});
afterAll(async () => {
  await unlimited?.close();
  await ts?.close();
  await engine?.close();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
/** Python's `datetime.now(timezone.utc).isoformat()` and Ruby's `Time.now.to_s` (PROTOCOL.md §2.1). */
const pythonStyle = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1123+00:00');
const rubyStyle = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' +0000');

type Call = (server: TestServer, timestamp: string) => Promise<{ status: number; body: any }>;

const signedBody = (server: TestServer, timestamp: string) => ({
  ...generateSignature(server.productionKey, server.partnerId, timestamp),
  partner_id: server.partnerId,
});

/** One authenticated call per kind of endpoint, each signed correctly over the given timestamp. */
const calls: Record<string, Call> = {
  'v1 prep_upload': (s, t) =>
    postJson(`${s.baseUrl}/upload`, {
      ...signedBody(s, t),
      smile_client_id: s.partnerId,
      partner_params: { user_id: `sig-u-${Math.random()}`, job_id: `sig-j-${Math.random()}`, job_type: 4 },
    }),
  'v1 job_status': (s, t) => postJson(`${s.baseUrl}/job_status`, { ...signedBody(s, t), user_id: 'nobody', job_id: 'nothing' }),
  'admin users/list': (s, t) => postJson(`${s.baseUrl}/admin/users/list`, signedBody(s, t)),
  'admin callbacks/list': (s, t) => postJson(`${s.baseUrl}/admin/callbacks/list`, { ...signedBody(s, t), job_id: 'nothing' }),
  'v2 smart-selfie-enroll': async (s, t) => {
    const { signature } = generateSignature(s.productionKey, s.partnerId, t);
    const form = new FormData();
    form.append('user_id', 'sig-v2');
    const res = await fetch(`${s.origin}/v2/smart-selfie-enroll`, {
      method: 'POST',
      headers: { 'SmileID-Partner-ID': s.partnerId, 'SmileID-Request-Signature': signature, 'SmileID-Timestamp': t },
      body: form,
    });
    return { status: res.status, body: await res.json() };
  },
};

describe.each(Object.entries(calls))('%s', (_name, call) => {
  it.each(['2001-01-01T00:00:00.000Z', '2099-01-01T00:00:00.000Z', minutesAgo(61).toISOString(), minutesAgo(-61).toISOString()])(
    'refuses a correct signature dated %s (2205)',
    async (timestamp) => {
      const r = await call(ts, timestamp);
      expect([r.status, r.body.code]).toEqual([401, '2205']);
      expect(r.body.error).toMatch(/accepted within ±1 h of the server's clock/);
    },
  );

  it('refuses a correct signature over a timestamp that is not a date (2205), even with no window', async () => {
    for (const server of [ts, unlimited]) {
      const r = await call(server, 'not-a-date');
      expect([r.status, r.body.code]).toEqual([401, '2205']);
      expect(r.body.error).toMatch(/timestamp "not-a-date" is not a date/);
    }
  });

  it('accepts timestamps within the window in the JS, Python and Ruby SDKs’ formats', async () => {
    for (const timestamp of [new Date().toISOString(), pythonStyle(minutesAgo(50)), rubyStyle(minutesAgo(-5))]) {
      const r = await call(ts, timestamp);
      expect(r.body?.code, `${timestamp}: ${JSON.stringify(r.body)}`).not.toBe('2205');
    }
  });

  it('accepts any date when the window is off (signatureMaxAgeMs 0)', async () => {
    const r = await call(unlimited, '2001-01-01T00:00:00.000Z');
    expect(r.body?.code).not.toBe('2205');
  });
});
