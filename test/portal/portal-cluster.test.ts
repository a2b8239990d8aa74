/**
 * @file The portal end to end on the cluster backend, with its requests spread over two API nodes sharing one
 * PostgreSQL database and object store (as a load balancer without stickiness would): the login throttle counts
 * failures made on either node, and two reviewers on different nodes never decide the same job. The other portal
 * cases run on the embedded backend (portal-security, portal-browser); these are the ones where a second node
 * could break them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addAccount, PortalClient, provisionalJob, syntheticSelfie } from './portal-helpers.js';

describe.skipIf(!process.env.LIKENESS_TEST_PG_URL)('portal on two cluster nodes', () => {
  let engine: FaceEngine;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    engine = await createEngine({ workers: 1 });
    a = await startTestServer({ engine, backend: 'cluster' });
    b = await startTestServer({ engine, backend: 'cluster', storage: { ...a.storage, dataDir: mkdtempSync(join(tmpdir(), 'likeness-portal-b-')) }, config: { role: 'api' } });
  });
  afterAll(async () => {
    await b?.close();
    if (b) rmSync(b.storage.dataDir, { recursive: true, force: true });
    await a?.close();
    await engine?.close();
  });

  it('failed logins on either node count towards one lockout', async () => {
    const victim = await addAccount(a, 'reviewer');
    const onA = new PortalClient(a.origin);
    const onB = new PortalClient(b.origin);
    await onA.get('/portal/login');
    await onB.get('/portal/login');
    for (let i = 0; i < 5; i++) {
      const c = i % 2 ? onB : onA;
      expect((await c.post('/portal/login', { _csrf: c.csrf(), email: victim.email, password: 'wrong password' })).status).toBe(401);
    }
    for (const c of [onA, onB]) {
      const blocked = await c.post('/portal/login', { _csrf: c.csrf(), email: victim.email, password: victim.password });
      expect(blocked.status).toBe(429);
    }
  });

  it('a claim made on one node holds on the other: one decision, made by the claimant', async () => {
    const target = await provisionalJob(a, await syntheticSelfie());
    const alice = await new PortalClient(a.origin).session(await addAccount(a, 'reviewer'));
    const bob = await new PortalClient(b.origin).session(await addAccount(a, 'reviewer'));
    const path = `/portal/review/${target.smileJobId}`;
    expect((await alice.post(`${path}/claim`, { _csrf: alice.csrf() })).status).toBe(303);
    expect((await bob.post(`${path}/claim`, { _csrf: bob.csrf() })).status).toBe(409);
    expect((await bob.post(`${path}/decide`, { _csrf: bob.csrf(), decision: 'approve', reason: 'mine' })).status).toBe(409);
    // Alice's session also works on node B (no stickiness); her decision there goes through once.
    const aliceOnB = new PortalClient(b.origin);
    for (const [k, v] of alice.cookies) aliceOnB.cookies.set(k, v);
    await aliceOnB.get(path);
    const form = { _csrf: aliceOnB.csrf(), decision: 'reject', reason: 'not the same person' };
    // The same decision sent to both nodes at once (a retried double click): exactly one goes through.
    expect((await Promise.all([aliceOnB.post(`${path}/decide`, form), alice.post(`${path}/decide`, form)])).map((r) => r.status).sort()).toEqual([303, 409]);
    const job = (await b.server.ctx.store.getJobBySmileId(target.smileJobId))!;
    expect([job.state, job.result!.category, job.result!.isMachineResult]).toEqual(['complete', 'rejected', false]);
  });
});
