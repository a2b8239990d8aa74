/**
 * @file `likeness backup` and `likeness restore` as an operator runs them (the built CLI, separate processes): jobs
 * made with the official SDK, an online backup of the running server, a restore into an empty directory, and the
 * enrolled user authenticating through the official SDK against a server started on the restored data. The master
 * key never goes into the archive, and both commands refuse without it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import smileIdentityCore from 'smile-identity-core';
import { createEngine } from '../../src/engine/index.js';
import type { FaceEngine } from '../../src/engine/types.js';
import { openStorage } from '../../src/store/open-storage.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addAccount, PortalClient } from '../portal/portal-helpers.js';
import { HAS_SHARED, REPO_ROOT, sharedPath } from '../helpers/shared-data.js';

const { WebApi } = smileIdentityCore as unknown as {
  WebApi: new (partnerId: string, callback: string | null, apiKey: string, sidServer: string | number) => any;
};
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

interface Run { code: number; stdout: string; stderr: string }

function likeness(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const merged: NodeJS.ProcessEnv = { ...process.env, LIKENESS_MASTER_KEY: undefined, ...env };
    for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
    execFile(process.execPath, [CLI, ...args], { env: merged, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const submit = (api: any, userId: string, jobId: string, jobType: number, selfie: string) =>
  api.submit_job({ user_id: userId, job_id: jobId, job_type: jobType }, [{ image_type_id: 0, image: sharedPath(selfie) }], { entered: 'false' }, {
    return_job_status: true,
  });

describe.skipIf(!HAS_SHARED)('backup and restore of an embedded installation', () => {
  let engine: FaceEngine;
  let ts: TestServer;
  let restored: TestServer | undefined;
  let dir: string;

  beforeAll(async () => {
    engine = await createEngine({ workers: 2 });
    ts = await startTestServer({ engine });
    dir = mkdtempSync(join(tmpdir(), 'likeness-backup-'));
  });
  afterAll(async () => {
    await restored?.close();
    await ts?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores into an empty directory a server on which the enrolled user authenticates with the official SDK', { timeout: 300_000 }, async () => {
    const api = new WebApi(ts.partnerId, null, ts.productionKey, ts.baseUrl);
    expect((await submit(api, 'alice', 'enrol-alice', 4, 'faces/img1.jpg')).job_success).toBe(true);
    expect((await submit(api, 'alice', 'auth-alice-1', 2, 'faces/img2.jpg')).job_success).toBe(true);

    // Online: the server keeps running.
    const archive = join(dir, 'likeness.tar.gz');
    const backup = await likeness(['backup', '--data', ts.dataDir, '--to', archive, '--json']);
    expect(backup.stderr).toBe('');
    expect(JSON.parse(backup.stdout)).toMatchObject({ images: 2 });
    const masterKey = readFileSync(join(ts.dataDir, 'secrets', 'master.key'), 'utf8').trim();
    const tarBytes = gunzipSync(readFileSync(archive));
    expect(tarBytes.includes(Buffer.from(masterKey))).toBe(false);
    expect(tarBytes.includes(Buffer.from('master.key'))).toBe(false);
    expect(existsSync(join(ts.dataDir, 'secrets', 'master.key'))).toBe(true);

    // Refusals leave nothing behind.
    const target = join(dir, 'restored');
    const noKey = await likeness(['restore', '--from', archive, '--data', target]);
    expect([noKey.code, noKey.stderr]).toEqual([1, expect.stringMatching(/needs the master key this backup is sealed under/)]);
    expect(existsSync(target)).toBe(false);
    const wrongKeyFile = join(dir, 'wrong.key');
    writeFileSync(wrongKeyFile, Buffer.alloc(32, 7).toString('base64'));
    const wrongKey = await likeness(['restore', '--from', archive, '--data', target, '--master-key-file', wrongKeyFile]);
    expect([wrongKey.code, wrongKey.stderr]).toEqual([1, expect.stringMatching(/sealed under master key \w+; the key given is/)]);
    expect(existsSync(target)).toBe(false);
    const full = join(dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'something'), 'x');
    const notEmpty = await likeness(['restore', '--from', archive, '--data', full, '--master-key-file', join(ts.dataDir, 'secrets', 'master.key')]);
    expect([notEmpty.code, notEmpty.stderr]).toEqual([1, expect.stringMatching(/is not empty/)]);
    expect(readdirSync(full)).toEqual(['something']);

    const restore = await likeness(['restore', '--from', archive, '--data', target, '--master-key-file', join(ts.dataDir, 'secrets', 'master.key'), '--json']);
    expect(restore.stderr).toBe('');
    expect(JSON.parse(restore.stdout)).toMatchObject({ images: 2 });

    restored = await startTestServer({ engine, dataDir: target });
    expect([restored.partnerId, restored.productionKey]).toEqual([ts.partnerId, ts.productionKey]);
    const again = new WebApi(restored.partnerId, null, restored.productionKey, restored.baseUrl);
    const auth = await submit(again, 'alice', 'auth-alice-2', 2, 'faces/img2.jpg');
    expect(auth.job_success).toBe(true);
    expect(auth.result.Actions.Selfie_To_Registered_Selfie_Compare).toBe('Completed');
    const other = await submit(again, 'alice', 'auth-alice-3', 2, 'faces/img13.jpg');
    expect(other.job_success).toBe(false);

    // The portal works on the restored data, and its API keys page shows each environment's image retention.
    await restored.server.ctx.store.setImageRetention(restored.partnerId, 'sandbox', 7);
    const portal = await new PortalClient(restored.origin).session(await addAccount(restored, 'admin'));
    const keys = (await portal.get('/portal/keys')).body;
    expect(keys.match(/Job images are kept <strong>(\d+) days<\/strong>/g)).toEqual(['Job images are kept <strong>7 days</strong>', 'Job images are kept <strong>30 days</strong>']);
  });

  it('refuses a backup when the master key is not at hand', { timeout: 120_000 }, async () => {
    const data = join(dir, 'keyless');
    // An installation whose key lives in the environment only.
    const keyEnv = Buffer.alloc(32, 9).toString('base64');
    const saved = process.env.LIKENESS_MASTER_KEY;
    process.env.LIKENESS_MASTER_KEY = keyEnv;
    const s = await openStorage({ dataDir: data });
    await s.records.createPartner('P', { sandbox: 'a', production: 'b' });
    await s.close();
    if (saved === undefined) delete process.env.LIKENESS_MASTER_KEY;
    else process.env.LIKENESS_MASTER_KEY = saved;

    const refused = await likeness(['backup', '--data', data, '--to', join(dir, 'keyless.tar.gz')]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/master key is not available/)]);
    expect(existsSync(join(dir, 'keyless.tar.gz'))).toBe(false);
    const wrong = await likeness(['backup', '--data', data, '--to', join(dir, 'keyless.tar.gz')], { LIKENESS_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') });
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringMatching(/does not open/)]);
    const ok = await likeness(['backup', '--data', data, '--to', join(dir, 'keyless.tar.gz')], { LIKENESS_MASTER_KEY: keyEnv });
    expect(ok.code).toBe(0);
  });
});
