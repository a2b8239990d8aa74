/**
 * @file `likeness enroll | authenticate | status` as a user runs them — separate processes against the real server —
 * checking output, --json and the documented exit codes.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { LikenessClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { burstFrames, HAS_SHARED, REPO_ROOT, SHARED_MISSING, sharedPath } from '../helpers/shared-data.js';
import { closedPortUrl } from './fault-servers.js';

const MAIN = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');

interface Run { code: number; stdout: string; stderr: string }

function likeness(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const merged = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k];
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO_ROOT, env: merged, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let seq = 0;
const uid = (prefix: string): string => `${prefix}-${Date.now()}-${++seq}`;

if (!HAS_SHARED) console.warn(`CLI client tests skipped: ${SHARED_MISSING}`);

describe.skipIf(!HAS_SHARED)('likeness enroll / authenticate / status', () => {
  let engine: FaceEngine;
  let ts: TestServer;
  let conn: string[];
  let caFile: string;
  const user = uid('cli');

  beforeAll(async () => {
    engine = await createEngine({ workers: 2 });
    ts = await startTestServer({ engine });
    conn = ['--url', ts.baseUrl, '--partner', ts.partnerId, '--key', ts.productionKey];
    caFile = path.join(ts.dataDir, 'client-ca.pem');
    writeFileSync(caFile, ts.caCert);
  });
  afterAll(async () => {
    await ts?.close();
    await engine?.close();
  });

  it('enrolls with liveness frames and prints JSON for scripts (exit 0)', async () => {
    const live = burstFrames('live-1');
    const run = await likeness(['enroll', ...conn, '--user', user, '--job', `${user}-enrol`, '--json', '--param', 'tier=gold', live[0]!, ...live.slice(1)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ userId: user, jobId: `${user}-enrol`, outcome: 'approved', complete: true });
    expect((out.actions as Record<string, string>).Liveness_Check).toBe('Passed');
    expect((out.partnerParams as Record<string, string>).tier).toBe('gold');
  });

  it('authenticates someone else: human output with progress, exit 2 (rejected); status agrees', async () => {
    const job = `${user}-other`;
    const run = await likeness(['authenticate', ...conn, '--user', user, '--job', job, sharedPath('faces', 'img13.jpg')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^Result: +REJECTED$/m);
    expect(run.stdout).toContain(`user ${user}, job ${job}`);
    expect(run.stderr).toMatch(/Authenticating user .* at https:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(run.stderr).toMatch(/Accepted: job /);
    const status = await likeness(['status', ...conn, '--user', user, '--job', job, '--image-links']);
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/^Image: +selfie_image https:\/\//m);
  });

  it('reports under-review (exit 3), a refusal (exit 6), usage errors (exit 4) and network errors (exit 5)', async () => {
    const sandbox = ['--url', ts.sandboxUrl, '--partner', ts.partnerId, '--key', ts.sandboxKey];
    const downUrl = await closedPortUrl();
    // Independent processes: run them side by side.
    const [review, refused, refusedJson, noUser, missing, down] = await Promise.all([
      likeness(['enroll', ...sandbox, '--user', uid('rv'), '--sandbox-result', 'provisional', '--json', sharedPath('faces', 'img6.jpg')]),
      likeness(['authenticate', ...conn, '--user', uid('nobody'), sharedPath('faces', 'img3.jpg')]),
      likeness(['authenticate', ...conn, '--user', uid('nobody'), '--json', sharedPath('faces', 'img3.jpg')]),
      likeness(['enroll', ...conn, sharedPath('faces', 'img3.jpg')]),
      likeness(['enroll', ...conn, '--user', 'u', '/nonexistent/selfie.jpg']),
      likeness(['status', '--url', downUrl, '--partner', '1', '--key', 'k', '--user', 'u', '--job', 'j', '--request-timeout', '2']),
    ]);
    expect(review.code).toBe(3);
    expect(JSON.parse(review.stdout)).toMatchObject({ outcome: 'under_review' });
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/2210/);
    expect(JSON.parse(refusedJson.stdout)).toMatchObject({ error: { code: '2210', status: 404 } });
    expect(noUser.code).toBe(4);
    expect(noUser.stderr).toMatch(/--user/);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/selfie: cannot read \/nonexistent\/selfie\.jpg/);
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(/ECONNREFUSED/);
  });

  it('trusts a self-signed server with --ca, and refuses it without (exit 5)', async () => {
    const noCa = { NODE_EXTRA_CA_CERTS: undefined };
    const args = ['status', ...conn, '--user', user, '--job', `${user}-enrol`, '--json'];
    const untrusted = await likeness(args, noCa);
    expect(untrusted.code).toBe(5);
    const trusted = await likeness([...args, '--ca', caFile], noCa);
    expect(trusted.code).toBe(0);
    expect(JSON.parse(trusted.stdout)).toMatchObject({ outcome: 'approved' });
    expect((await likeness([...args, '--ca', '/nonexistent.pem'], noCa)).code).toBe(4);
  });

  it('returns at once with --no-wait (exit 0), and status of a pending job exits 7', async () => {
    const job = uid('nowait');
    const run = await likeness(['enroll', ...conn, '--user', uid('nw'), '--job', job, '--no-wait', '--json', sharedPath('faces', 'img20.jpg')]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ submitted: true, jobId: job, jobType: 4 });

    // A job whose zip never arrives stays pending: abandon one after prep_upload.
    const client = new LikenessClient({ url: ts.baseUrl, partnerId: ts.partnerId, apiKey: ts.productionKey });
    const controller = new AbortController();
    const pending = { userId: uid('pending'), jobId: uid('pending-job') };
    await client.enroll({ ...pending, selfie: sharedPath('faces', 'img21.jpg'), signal: controller.signal, onProgress: (s) => { if (s === 'upload') controller.abort(); } })
      .catch(() => undefined);
    client.close();
    const status = await likeness(['status', ...conn, '--user', pending.userId, '--job', pending.jobId]);
    expect(status.code).toBe(7);
    expect(status.stdout).toMatch(/^Result: +PENDING$/m);
    expect(status.stdout).toMatch(/No zip uploaded/);
    const waited = await likeness(['status', ...conn, '--user', pending.userId, '--job', pending.jobId, '--wait', '--timeout', '1', '--json']);
    expect(waited.code).toBe(7);
    expect(JSON.parse(waited.stdout)).toMatchObject({ error: { code: 'LIK_ERR_CLIENT_JOB_TIMEOUT' } });
  });
});
