/**
 * @file The login throttle keys on the real client: behind a trusted reverse proxy that is the X-Forwarded-For
 * address, so one address's failures do not lock out everyone else's; from an untrusted peer the header is ignored,
 * so it cannot be used to escape the throttle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addAccount, PortalClient, unique } from './portal-helpers.js';

let engine: FaceEngine;
/** Behind a reverse proxy on loopback (the test client plays the proxy). */
let proxied: TestServer;
/** Trusts a proxy elsewhere, so the loopback test client is an ordinary, untrusted peer. */
let direct: TestServer;

beforeAll(async () => {
  engine = await createEngine({ workers: 1 });
  proxied = await startTestServer({ engine, config: { trustProxy: ['127.0.0.1'] } });
  direct = await startTestServer({ engine, config: { trustProxy: ['10.0.0.0/8'] } });
});
afterAll(async () => {
  await direct?.close();
  await proxied?.close();
  await engine?.close();
});

/** Failed logins with unknown emails (password spraying), each from the client address `forwardedFor` names. */
async function spray(ts: TestServer, count: number, forwardedFor: () => string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const c = new PortalClient(ts.origin, { 'x-forwarded-for': forwardedFor() });
    await c.get('/portal/login');
    statuses.push((await c.post('/portal/login', { _csrf: c.csrf(), email: `${unique('spray')}@example.test`, password: 'not the password' })).status);
  }
  return statuses;
}

describe('login throttle behind a trusted proxy', () => {
  it('52 failures from one client address do not lock out another account logging in from another address', async () => {
    const admin = await addAccount(proxied, 'admin');
    const statuses = await spray(proxied, 52, () => '203.0.113.7');
    expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(50)).toEqual([429, 429]);
    expect((await new PortalClient(proxied.origin, { 'x-forwarded-for': '198.51.100.9' }).login(admin)).status).toBe(303);
    // The spraying address itself stays throttled, whichever account it tries.
    expect((await new PortalClient(proxied.origin, { 'x-forwarded-for': '203.0.113.7' }).login(admin)).status).toBe(429);
  });

  it('an account locked from one address can still log in from another', async () => {
    const victim = await addAccount(proxied, 'reviewer');
    const attacker = new PortalClient(proxied.origin, { 'x-forwarded-for': '203.0.113.50' });
    await attacker.get('/portal/login');
    for (let i = 0; i < 5; i++) {
      expect((await attacker.post('/portal/login', { _csrf: attacker.csrf(), email: victim.email, password: 'wrong password' })).status).toBe(401);
    }
    expect((await attacker.login(victim)).status).toBe(429);
    expect((await new PortalClient(proxied.origin, { 'x-forwarded-for': '198.51.100.60' }).login(victim)).status).toBe(303);
  });
});

describe('login throttle with an untrusted peer', () => {
  it('ignores X-Forwarded-For, so a fresh header on every attempt does not escape the per-address limit', async () => {
    const admin = await addAccount(direct, 'admin');
    let n = 0;
    const statuses = await spray(direct, 50, () => `198.51.100.${++n}`);
    expect(statuses.every((s) => s === 401)).toBe(true);
    expect((await new PortalClient(direct.origin, { 'x-forwarded-for': '198.51.100.200' }).login(admin)).status).toBe(429);
  });
});
