/**
 * @file `kill -9` of a real server process in the middle of synchronous /v2 requests: after a restart on the same
 * data, every job the server had accepted reaches a final result and its signed callback, exactly once — like v1
 * jobs through the durable queue. Real process, real engine, real photos; on both backends (a cluster node's jobs
 * are taken over when their lease runs out, here a short one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartnerWithKeys } from '../../src/jobs/api-keys.js';
import { openStorage } from '../../src/store/open-storage.js';
import type { StorageConfig } from '../../src/store/storage.js';
import { backendConfig, BACKENDS } from '../helpers/backends.js';
import { generateSignature } from '../../src/protocol/signature.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { burstFrames, HAS_SHARED, REPO_ROOT } from '../helpers/shared-data.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** `likeness serve` on this storage; resolves with its origin once it listens. */
async function serve(storage: StorageConfig): Promise<{ child: ChildProcess; origin: string }> {
  const env = {
    ...process.env,
    LIKENESS_TLS_CERT: process.env.LIKENESS_TEST_TLS_CERT,
    LIKENESS_TLS_KEY: process.env.LIKENESS_TEST_TLS_KEY,
    // The callback receiver listens on loopback: allowed explicitly, as an on-premises receiver would be.
    LIKENESS_ALLOW_CALLBACK_HOSTS: '127.0.0.1',
  };
  const cluster = storage.databaseUrl ? ['--database', storage.databaseUrl, '--blobs', storage.blobsUrl!, '--job-lease-ms', '3000'] : [];
  const args = [CLI, 'serve', '--data', storage.dataDir, ...cluster, '--port', '0', '--workers', '1', '--concurrency', '1', '--log-level', 'warn'];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      output += c.toString();
      const m = /listening on (https:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]);
    });
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  return { child, origin };
}

/** The jobs table, read from outside the server: its state and whether it has a result. */
interface JobRows {
  all(): Promise<{ smile_job_id: number; state: string; has_result: boolean }[]>;
  close(): Promise<void>;
}

async function jobRows(storage: StorageConfig): Promise<JobRows> {
  const query = 'SELECT smile_job_id, state, result IS NOT NULL AS has_result FROM jobs';
  if (storage.databaseUrl) {
    const client = new pg.Client({ connectionString: storage.databaseUrl });
    await client.connect();
    return { all: async () => (await client.query(query)).rows.map((r) => ({ ...r, smile_job_id: Number(r.smile_job_id) })), close: () => client.end() };
  }
  const db = new Database(join(storage.dataDir, 'likeness.db'), { readonly: true, fileMustExist: true });
  return {
    all: async () => (db.prepare(query).all() as { smile_job_id: number; state: string; has_result: number }[]).map((r) => ({ ...r, has_result: r.has_result === 1 })),
    close: async () => void db.close(),
  };
}

const exited = (child: ChildProcess) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));

describe.skipIf(!HAS_SHARED).each(BACKENDS)('%s backend: a server killed with SIGKILL during synchronous /v2 requests', (backend) => {
  let dir: string;
  let storageConfig: StorageConfig;
  let receiver: CallbackReceiver;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'likeness-crash-'));
    storageConfig = await backendConfig(backend, dir);
    receiver = await startCallbackReceiver();
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes every accepted job after the restart, with one callback each', async () => {
    const storage = await openStorage(storageConfig);
    const { partner, keys } = await createPartnerWithKeys(storage.records, 'Crash test');
    await storage.close();

    let running = await serve(storageConfig);
    child = running.child;
    const live = burstFrames('live-1').map((f) => readFileSync(f));
    const requests = Array.from({ length: 4 }, (_, i) => {
      const form = new FormData();
      form.append('selfie_image', new Blob([new Uint8Array(live[i])], { type: 'image/jpeg' }), 'selfie.jpg');
      for (const frame of live.slice(4)) form.append('liveness_images', new Blob([new Uint8Array(frame)], { type: 'image/jpeg' }), 'liveness.jpg');
      form.append('user_id', `crash-user-${i}`);
      form.append('callback_url', receiver.url);
      const { signature, timestamp } = generateSignature(keys.production, partner.partnerId);
      return fetch(`${running.origin}/v2/smart-selfie-enroll`, {
        method: 'POST',
        headers: { 'SmileID-Partner-ID': partner.partnerId, 'SmileID-Request-Signature': signature, 'SmileID-Timestamp': timestamp },
        body: form,
      }).then(
        (r) => r.status,
        () => 'interrupted',
      );
    });

    // Kill the process once it has accepted jobs that are still being processed (one engine worker: they queue up).
    const jobs = await jobRows(storageConfig);
    const processing = async () => (await jobs.all()).filter((j) => j.state === 'processing').length;
    const deadline = Date.now() + 30_000;
    while ((await processing()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const interrupted = await processing();
    child.kill('SIGKILL');
    await exited(child);
    await Promise.all(requests);
    expect(interrupted).toBeGreaterThanOrEqual(2);
    const accepted = (await jobs.all()).map((r) => r.smile_job_id);
    await jobs.close();

    running = await serve(storageConfig);
    child = running.child;
    const smileJobIds = accepted.map((id) => String(id).padStart(10, '0'));
    await Promise.all(smileJobIds.map((id) => receiver.waitFor((b) => b.SmileJobID === id, 45_000)));
    // Give a duplicate, if any were coming, the time to arrive.
    await new Promise((r) => setTimeout(r, 1000));
    const callbacks = receiver.bodies.filter((b) => smileJobIds.includes(b.SmileJobID as string));
    expect(callbacks.map((b) => b.SmileJobID).sort()).toEqual([...smileJobIds].sort());

    const reopened = await jobRows(storageConfig);
    const states = await reopened.all();
    await reopened.close();
    expect(states.every((j) => j.state !== 'processing' && j.has_result)).toBe(true);
  }, 150_000);
});
