/**
 * @file Faults a cluster must survive, each on real processes and infrastructure: a worker killed with SIGKILL
 * mid-job (another worker finishes it once the lease runs out: one final result, its callback delivered), an API
 * node killed with SIGKILL mid-upload (the client's retry on another node succeeds, nothing half-written), the object
 * store unreachable from one API node (a documented error, nothing recorded, the retry on another node succeeds),
 * and PostgreSQL restarted under load (nodes reconnect by themselves; no accepted job is lost).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { freshBlobsUrl, freshDatabase, TEST_MASTER_KEY, useTestS3Credentials } from '../helpers/backends.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { burstFrames, HAS_SHARED, REPO_ROOT, sharedFile } from '../helpers/shared-data.js';
import { jobStatus, jobZip, prepUpload, putZip, waitForJob } from '../helpers/smile-client.js';
import { freePort, pgCtl, startPostgres, stopPostgresSync } from '../../bench/lib/cluster-infrastructure.js';
import { syntheticSelfie } from '../portal/portal-helpers.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const HAS_PG = Boolean(process.env.LIKENESS_TEST_PG_URL);

interface NodeProcess {
  child: ChildProcess;
  dir: string;
  origin: string;
}

/** `likeness serve --role <role>` as its own process, ready once it prints where it listens. */
async function spawnNode(role: 'api' | 'worker', databaseUrl: string, blobsUrl: string, leaseMs = 120_000): Promise<NodeProcess> {
  const dir = mkdtempSync(join(tmpdir(), `likeness-${role}-`));
  const tls = ['--tls-cert', process.env.LIKENESS_TEST_TLS_CERT!, '--tls-key', process.env.LIKENESS_TEST_TLS_KEY!];
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--role', role, '--data', dir, '--database', databaseUrl, '--blobs', blobsUrl, '--port', String(await freePort()), '--workers', '1', '--concurrency', '1', '--log-level', 'warn', ...tls],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIKENESS_JOB_LEASE_MS: String(leaseMs), LIKENESS_MASTER_KEY: TEST_MASTER_KEY, LIKENESS_ALLOW_CALLBACK_HOSTS: '127.0.0.1' } },
  );
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      output += c.toString();
      const m = /listening on (https:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]);
    });
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}: ${output}`)));
  });
  return { child, dir, origin };
}

const spawnWorker = (databaseUrl: string, blobsUrl: string, leaseMs: number) => spawnNode('worker', databaseUrl, blobsUrl, leaseMs);

/**
 * Starts PUTting the zip to an upload URL and, once `sent` bytes of it are on the wire, kills the node with SIGKILL
 * (the client's request then fails, as it would behind a load balancer when the node dies).
 */
async function putThenKill(uploadUrl: string, zip: Buffer, sent: number, node: NodeProcess): Promise<void> {
  const req = httpsRequest(uploadUrl, { method: 'PUT', headers: { 'content-type': 'application/zip', 'content-length': zip.length } });
  const failed = new Promise<void>((resolve) => {
    req.on('error', () => resolve());
    req.on('response', (res) => (res.resume(), res.on('end', resolve), res.on('error', () => resolve())));
  });
  await new Promise<void>((resolve) => req.write(zip.subarray(0, sent), () => resolve()));
  if (sent < zip.length) await new Promise((r) => setTimeout(r, 200));
  else req.end();
  node.child.kill('SIGKILL');
  await new Promise((r) => node.child.once('exit', r));
  req.destroy();
  await failed;
}

async function stop(worker: { child: ChildProcess; dir: string } | undefined): Promise<void> {
  if (!worker) return;
  if (worker.child.exitCode === null && worker.child.signalCode === null) {
    worker.child.kill('SIGTERM');
    await new Promise((r) => worker.child.once('exit', r));
  }
  rmSync(worker.dir, { recursive: true, force: true });
}

let engine: FaceEngine;
beforeAll(async () => {
  if (HAS_PG) engine = await createEngine({ workers: 1 });
});
afterAll(async () => {
  await engine?.close();
});

describe.skipIf(!HAS_PG || !HAS_SHARED)('kill -9 of a worker mid-job', () => {
  let api: TestServer;
  let receiver: CallbackReceiver;
  let db: pg.Client;
  const workers: { child: ChildProcess; dir: string }[] = [];

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    api = await startTestServer({ engine, backend: 'cluster', config: { role: 'api' } });
    db = new pg.Client({ connectionString: api.storage.databaseUrl! });
    await db.connect();
  });
  afterAll(async () => {
    for (const w of workers) await stop(w);
    await db?.end();
    await api?.close();
    await receiver?.close();
  });

  it('another worker finishes the job after the lease runs out: one final result, its callback delivered', { timeout: 240_000 }, async () => {
    // The first worker's lease is short so the take-over comes soon after the kill; the second's is long enough
    // for a loaded machine, so the job is claimed exactly twice.
    const first = await spawnWorker(api.storage.databaseUrl!, api.storage.blobsUrl!, 2000);
    workers.push(first);
    const frames = burstFrames('live-1').map((f) => readFileSync(f));
    // The kill must land while the job runs; a job finished before it (a fast machine) is retried with a new one.
    let killed: { userId: string; jobId: string } | null = null;
    for (let attempt = 0; attempt < 5 && !killed; attempt++) {
      const p = { user_id: `kill-u-${Date.now()}`, job_id: `kill-j-${Date.now()}`, job_type: 4 };
      const prep = await prepUpload(api, { userId: p.user_id, jobId: p.job_id, jobType: 4, callbackUrl: receiver.url });
      expect((await putZip(prep.body.upload_url, await jobZip(p, { selfie: sharedFile('faces', 'img1.jpg'), liveness: frames }))).status).toBe(200);
      for (let i = 0; i < 2000; i++) {
        const { rows } = await db.query(
          `SELECT t.state, j.result IS NULL AS pending FROM tasks t JOIN jobs j ON j.smile_job_id = (t.payload->>'smileJobId')::bigint
           WHERE t.kind = 'process_job' AND j.job_id = $1`,
          [p.job_id],
        );
        if (rows[0]?.state === 'leased' && rows[0].pending) {
          first.child.kill('SIGKILL');
          await new Promise((r) => first.child.once('exit', r));
          const after = await db.query('SELECT result IS NULL AS pending FROM jobs WHERE job_id = $1', [p.job_id]);
          if (after.rows[0].pending) killed = { userId: p.user_id, jobId: p.job_id };
          break;
        }
        if (rows[0] && !rows[0].pending) break;
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    expect(killed, 'a worker was killed while it held the job').not.toBeNull();
    expect((await jobStatus(api, killed!.userId, killed!.jobId)).body.job_complete).toBe(false);
    workers.push(await spawnWorker(api.storage.databaseUrl!, api.storage.blobsUrl!, 120_000));
    const status = await waitForJob(api, killed!.userId, killed!.jobId, 'production', 120_000);
    expect(status.result.IsFinalResult).toBe('true');
    const callback = await receiver.waitFor((b) => (b.PartnerParams as { job_id?: string })?.job_id === killed!.jobId, 120_000);
    expect(callback.ResultCode).toBe(status.result.ResultCode);
    const { rows } = await db.query(
      `SELECT t.attempts, t.state FROM tasks t JOIN jobs j ON j.smile_job_id = (t.payload->>'smileJobId')::bigint WHERE j.job_id = $1`,
      [killed!.jobId],
    );
    expect(rows).toEqual([{ attempts: 2, state: 'done' }]);
    // The receiver has the callback; the worker records the attempt right after its POST returns.
    const deliveries = async () =>
      (await db.query(`SELECT d.state FROM callback_deliveries d JOIN jobs j ON j.smile_job_id = d.smile_job_id WHERE j.job_id = $1`, [killed!.jobId])).rows;
    await expect.poll(deliveries, { timeout: 30_000 }).toEqual([{ state: 'delivered' }]);
  });
});

describe.skipIf(!HAS_PG || !HAS_SHARED)('kill -9 of an API node mid-upload', () => {
  it('the retry on another API node succeeds; the job is never recorded without all its images', { timeout: 180_000 }, async () => {
    // The surviving node runs the workers too, so the retried job also completes.
    const healthy = await startTestServer({ engine, backend: 'cluster' });
    const nodes: NodeProcess[] = [];
    const frames = burstFrames('live-1').map((f) => readFileSync(f));
    try {
      // Killed while the zip is still arriving, and killed the moment the whole zip was sent (it may then be storing
      // the images, or have committed the job without answering yet).
      for (const [label, part] of [['half the zip sent', 0.5], ['whole zip sent', 1]] as const) {
        const doomed = await spawnNode('api', healthy.storage.databaseUrl!, healthy.storage.blobsUrl!);
        nodes.push(doomed);
        const p = { user_id: `mid-u-${part}-${Date.now()}`, job_id: `mid-j-${part}-${Date.now()}`, job_type: 4 };
        const viaDoomed = { ...healthy, baseUrl: `${doomed.origin}/v1` };
        const prep = await prepUpload(viaDoomed, { userId: p.user_id, jobId: p.job_id, jobType: 4 });
        expect(prep.status, label).toBe(200);
        expect(prep.body.upload_url.startsWith(doomed.origin)).toBe(true);
        const zip = await jobZip(p, { selfie: sharedFile('faces', 'img1.jpg'), liveness: frames });
        await putThenKill(prep.body.upload_url, zip, Math.floor(zip.length * part), doomed);

        // Whatever the node managed before it died, the job has all its images or none and no task.
        const store = healthy.server.ctx.store;
        const job = (await store.getJob(healthy.partnerId, 'production', p.job_id))!;
        const images = await store.getJobImages(job.smileJobId);
        if (job.state === 'awaiting_upload') expect(images, label).toEqual([]);
        else expect(images, label).toHaveLength(1 + frames.length);
        for (const img of images) expect(await healthy.server.ctx.blobs.get(img.blobKey), label).not.toBeNull();
        if (part < 1) expect(job.state, label).toBe('awaiting_upload');

        // The client retries the same upload URL; the load balancer sends it to the surviving node.
        const retried = await putZip(prep.body.upload_url.replace(doomed.origin, healthy.origin), zip);
        if (job.state === 'awaiting_upload') expect(retried.status, label).toBe(200);
        else expect([retried.status, retried.body.code], label).toEqual([409, '2393']);
        const status = await waitForJob(healthy, p.user_id, p.job_id, 'production', 120_000);
        expect(status.result.IsFinalResult, label).toBe('true');
        expect(await store.getJobImages(job.smileJobId), label).toHaveLength(1 + frames.length);
      }
    } finally {
      for (const n of nodes) await stop(n);
      await healthy.close();
    }
  });
});

describe.skipIf(!HAS_PG)('object store unreachable from one API node', () => {
  it('answers 2201 and records nothing; the same upload retried on a healthy node succeeds', async () => {
    useTestS3Credentials();
    const databaseUrl = await freshDatabase();
    const blobsUrl = freshBlobsUrl();
    const dead = `http://127.0.0.1:${await freePort()}`;
    const healthy = await startTestServer({ engine, backend: 'cluster', storage: { dataDir: mkdtempSync(join(tmpdir(), 'likeness-ok-')), databaseUrl, blobsUrl } });
    const broken = await startTestServer({
      engine,
      backend: 'cluster',
      storage: { dataDir: mkdtempSync(join(tmpdir(), 'likeness-broken-')), databaseUrl, blobsUrl: blobsUrl.replace(/endpoint=[^&]+/, `endpoint=${encodeURIComponent(dead)}`) },
    });
    try {
      const p = { user_id: `s3-u-${Date.now()}`, job_id: `s3-j-${Date.now()}`, job_type: 4 };
      const prep = await prepUpload(broken, { userId: p.user_id, jobId: p.job_id, jobType: 4 });
      expect(prep.status).toBe(200);
      const zip = await jobZip(p, { selfie: await syntheticSelfie() });
      const refused = await putZip(prep.body.upload_url, zip);
      expect(refused.status).toBe(500);
      expect(refused.body.code).toBe('2201');
      const job = await healthy.server.ctx.store.getJob(healthy.partnerId, 'production', p.job_id);
      expect(job!.state).toBe('awaiting_upload');
      expect(await healthy.server.ctx.store.getJobImages(job!.smileJobId)).toEqual([]);
      expect((await putZip(prep.body.upload_url.replace(broken.origin, healthy.origin), zip)).status).toBe(200);
      expect((await waitForJob(healthy, p.user_id, p.job_id)).job_complete).toBe(true);
    } finally {
      await broken.close();
      await healthy.close();
    }
  });
});

describe.skipIf(!HAS_PG)('PostgreSQL restarted under load', () => {
  it('the node reconnects by itself and every accepted job completes', { timeout: 240_000 }, async () => {
    // A PostgreSQL of its own: the run's shared one serves the test files running beside this one.
    const pgDir = mkdtempSync(join(tmpdir(), 'likeness-pg-restart-'));
    const cluster = (await startPostgres(pgDir))!;
    useTestS3Credentials();
    let node: TestServer;
    try {
      // The server keeps its own data directory; the storage config only names the database and bucket.
      node = await startTestServer({ engine, backend: 'cluster', storage: { dataDir: pgDir, databaseUrl: cluster.adminUrl, blobsUrl: freshBlobsUrl() } });
    } catch (err) {
      stopPostgresSync(cluster);
      rmSync(pgDir, { recursive: true, force: true });
      throw err;
    }
    const selfie = await syntheticSelfie();
    const accepted: { user_id: string; job_id: string }[] = [];
    let refused = 0;
    const refusals = new Set<string>();
    const submit = async (i: number) => {
      const p = { user_id: `pgr-u-${i}`, job_id: `pgr-j-${i}`, job_type: 4 };
      try {
        const prep = await prepUpload(node, { userId: p.user_id, jobId: p.job_id, jobType: 4 });
        if (prep.status !== 200) {
          refusals.add(`prep_upload ${prep.status} ${String(prep.body.code)}`);
          return void refused++;
        }
        const put = await putZip(prep.body.upload_url, await jobZip(p, { selfie }));
        if (put.status === 200) accepted.push(p);
        else {
          refusals.add(`upload ${put.status} ${String((put.body as { code?: unknown }).code)}`);
          refused++;
        }
      } catch (err) {
        refusals.add(`no answer: ${(err as Error).message}`);
        refused++;
      }
    };
    // Phases are driven by what happened, not by the clock, so a slow machine runs the same scenario.
    const until = async (done: () => boolean, limitMs: number) => {
      const end = Date.now() + limitMs;
      while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    };
    try {
      let i = 0;
      let loading = true;
      const load = (async () => {
        while (loading) await Promise.all([submit(i++), submit(i++)]);
      })();
      await until(() => accepted.length >= 3, 60_000);
      const acceptedBefore = accepted.length;
      await pgCtl(cluster, 'stop');
      await until(() => refused >= 2, 20_000);
      await pgCtl(cluster, 'start');
      await until(() => accepted.length >= acceptedBefore + 3, 60_000);
      loading = false;
      await load;
      // Requests made while the database was down were refused as retryable (503, the client retries them), never
      // half-accepted.
      expect(refused).toBeGreaterThanOrEqual(2);
      for (const r of refusals) expect(r).toMatch(/^(prep_upload|upload) 503 2299$/);
      expect(accepted.length).toBeGreaterThanOrEqual(acceptedBefore + 3);
      for (const p of accepted) expect((await waitForJob(node, p.user_id, p.job_id, 'production', 60_000)).job_complete).toBe(true);
    } finally {
      await node.close();
      stopPostgresSync(cluster);
      rmSync(pgDir, { recursive: true, force: true });
    }
  });
});
