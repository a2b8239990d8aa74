/**
 * @file Face search across a cluster: two API nodes and a worker over one PostgreSQL database. A user enrolled
 * through one node is found by a search on the other; once the delete call on one node has answered, a search on
 * the other no longer returns the user, and every node's index drops the template (LISTEN/NOTIFY; a node that missed
 * the notification catches up by the change sequence before its next search).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { startClusterNodes, type ClusterNodes, type TestServer } from '../helpers/server.js';
import { HAS_SHARED, sharedFile } from '../helpers/shared-data.js';
import { postJson, signed } from '../helpers/smile-client.js';
import { enrolPhoto } from './search-helpers.js';

describe.skipIf(!process.env.LIKENESS_TEST_PG_URL || !HAS_SHARED)('face search in a cluster', () => {
  let engine: FaceEngine;
  let a: TestServer;
  let b: TestServer;
  let worker: TestServer;
  let nodes: ClusterNodes | undefined;

  beforeAll(async () => {
    engine = await createEngine({ workers: 2 });
    nodes = await startClusterNodes(engine);
    ({ a, b, worker } = nodes);
  });
  afterAll(async () => {
    await nodes?.close();
    await engine?.close();
  });

  const call = (node: TestServer, path: string, body: Record<string, unknown>) =>
    postJson(`${node.baseUrl}/admin${path}`, { partner_id: node.partnerId, ...signed(node.partnerId, node.productionKey), ...body });
  const searchOn = async (node: TestServer) =>
    (await call(node, '/search', { selfie: sharedFile('faces', 'img2.jpg').toString('base64') })).body.results.map((r: { user_id: string }) => r.user_id);

  it('enrol → search on the other node → delete → search: gone before the delete answered; every index drops it', async () => {
    const { userId, status } = await enrolPhoto(a, 'img1.jpg', 'cluster');
    expect(status.job_success).toBe(true);
    expect(await searchOn(b)).toEqual([userId]);
    expect(await searchOn(a)).toEqual([userId]);
    // The worker enrolled it: the API nodes' indexes learnt of it from the database, not from their own writes.
    for (const node of [a, b, worker]) expect(node.server.ctx.faces.totalSize()).toBe(1);

    expect((await call(a, '/users/delete', { user_id: userId })).status).toBe(200);
    expect(await searchOn(b)).toEqual([]);
    expect(b.server.ctx.faces.totalSize()).toBe(0);
    // The worker never searched since: NOTIFY alone brings its index up to date.
    for (let i = 0; i < 100 && worker.server.ctx.faces.totalSize() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(worker.server.ctx.faces.totalSize()).toBe(0);
  });

  it('a duplicate enrolled through one node is flagged by the worker against a user enrolled through the other', async () => {
    const first = await enrolPhoto(a, 'img6.jpg', 'cluster');
    const second = await enrolPhoto(b, 'img7.jpg', 'cluster');
    expect(first.status.job_success).toBe(true);
    expect(second.status.result.DuplicateCandidates.map((c: { user_id: string }) => c.user_id)).toEqual([first.userId]);
  });
});
