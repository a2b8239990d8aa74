/**
 * @file A cluster on one machine: two API nodes and a worker node over one PostgreSQL database and one S3 prefix.
 * Any API node answers any request (upload URLs, image links, portal sessions made by another node), the worker
 * alone runs jobs and delivers callbacks, and a node refuses to start without what a cluster needs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/app.js';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { addAccount, PortalClient, syntheticSelfie } from '../portal/portal-helpers.js';
import { freshBlobsUrl, freshDatabase, TEST_MASTER_KEY, useTestS3Credentials } from '../helpers/backends.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { startClusterNodes, startTestServer, type ClusterNodes, type TestServer } from '../helpers/server.js';
import { jobZip, postJson, prepUpload, putZip, signed, waitForJob } from '../helpers/smile-client.js';

describe.skipIf(!process.env.LIKENESS_TEST_PG_URL)('a cluster of API and worker nodes', () => {
  let engine: FaceEngine;
  let a: TestServer;
  let b: TestServer;
  let worker: TestServer;
  let nodes: ClusterNodes | undefined;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    engine = await createEngine({ workers: 1 });
    receiver = await startCallbackReceiver();
    nodes = await startClusterNodes(engine);
    ({ a, b, worker } = nodes);
  });
  afterAll(async () => {
    await nodes?.close();
    await receiver?.close();
    await engine?.close();
  });

  it('an upload URL from one API node works on the other; only the worker runs the job and sends its callback', async () => {
    expect(b.partnerId).toBe(a.partnerId);
    const p = { user_id: `cl-u-${Date.now()}`, job_id: `cl-j-${Date.now()}`, job_type: 4 };
    const prep = await prepUpload(a, { userId: p.user_id, jobId: p.job_id, jobType: 4, callbackUrl: receiver.url });
    expect(prep.status).toBe(200);
    const onB = (prep.body.upload_url as string).replace(a.origin, b.origin);
    expect(onB.startsWith(b.origin)).toBe(true);
    expect((await putZip(onB, await jobZip(p, { selfie: await syntheticSelfie() }))).status).toBe(200);
    const status = await waitForJob(b, p.user_id, p.job_id);
    expect(status.job_complete).toBe(true);
    const callback = await receiver.waitFor((body) => (body.PartnerParams as { job_id?: string })?.job_id === p.job_id, 30_000);
    expect(callback.SmileJobID).toBe(status.result.SmileJobID);
    // Signed image links made by B are served by A.
    const withImages = await postJson(`${b.baseUrl}/job_status`, { user_id: p.user_id, job_id: p.job_id, partner_id: b.partnerId, image_links: true, history: false, ...signed(b.partnerId, b.productionKey) });
    const link = (withImages.body.image_links as Record<string, string>).selfie_image;
    expect(link.startsWith(b.origin)).toBe(true);
    const image = await fetch(link.replace(b.origin, a.origin));
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).equals(await syntheticSelfie())).toBe(true);
  });

  it('a portal session made on one node is honoured by the other', async () => {
    const creds = await addAccount(a, 'admin');
    const client = await new PortalClient(a.origin).session(creds);
    const other = new PortalClient(b.origin);
    for (const [k, v] of client.cookies) other.cookies.set(k, v);
    expect((await other.get('/portal/jobs')).status).toBe(200);
    expect((await new PortalClient(b.origin).get('/portal/jobs')).status).not.toBe(200);
  });

  it('a worker node answers only health and metrics probes', async () => {
    expect((await fetch(`${worker.origin}/health`)).status).toBe(200);
    expect((await fetch(`${worker.origin}/metrics`)).status).toBe(200);
    expect((await postJson(`${worker.baseUrl}/upload`, {})).status).toBe(404);
  });
});

describe.skipIf(!process.env.LIKENESS_TEST_PG_URL)('rate limits across API nodes', () => {
  it('a partner environment spends one budget whichever node its requests reach', async () => {
    // No job runs here: an engine that is never called spares loading the models.
    const idleEngine = { close: async () => {} } as unknown as FaceEngine;
    const limits = { role: 'api' as const, rateLimitPerSecond: 1, rateLimitBurst: 3 };
    const a = await startTestServer({ engine: idleEngine, backend: 'cluster', config: limits });
    const b = await startTestServer({ engine: idleEngine, backend: 'cluster', storage: { ...a.storage, dataDir: mkdtempSync(join(tmpdir(), 'likeness-rl-')) }, config: limits });
    try {
      const list = (node: TestServer) => postJson(`${node.baseUrl}/admin/users/list`, { partner_id: node.partnerId, ...signed(node.partnerId, node.productionKey) });
      // The burst of 3 spread over both nodes (a per-process limit would allow 3 on each).
      expect((await Promise.all([list(a), list(b), list(a)])).map((r) => r.status)).toEqual([200, 200, 200]);
      const refused = await list(b);
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('2292');
      expect((await list(a)).status).toBe(429);
    } finally {
      await b.close();
      rmSync(b.storage.dataDir, { recursive: true, force: true });
      await a.close();
    }
  });
});

describe.skipIf(!process.env.LIKENESS_TEST_PG_URL)('cluster configuration', () => {
  const start = (config: Record<string, unknown>) =>
    startServer({ config: { dataDir: mkdtempSync(join(tmpdir(), 'likeness-cfg-')), port: 0, ...config }, logger: pino({ level: 'silent' }) });

  it('refuses a cluster node without the shared master key, saying how to give it', async () => {
    useTestS3Credentials();
    const saved = process.env.LIKENESS_MASTER_KEY;
    delete process.env.LIKENESS_MASTER_KEY;
    try {
      await expect(start({ databaseUrl: await freshDatabase(), blobsUrl: freshBlobsUrl() })).rejects.toThrow(/LIKENESS_MASTER_KEY .* the same on every node/);
    } finally {
      process.env.LIKENESS_MASTER_KEY = saved ?? TEST_MASTER_KEY;
    }
  });

  it('refuses an API-only or worker-only node without a shared database', async () => {
    await expect(start({ role: 'worker' })).rejects.toThrow(/--role worker needs a shared database/);
  });
});
