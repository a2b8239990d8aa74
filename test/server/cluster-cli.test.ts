/**
 * @file The storage commands in their external form against a cluster's database and object store: the same
 * --database/--blobs flags on each, and the shared master key required.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/store/open-storage.js';
import { freshBlobsUrl, freshDatabase, TEST_MASTER_KEY, useTestS3Credentials } from '../helpers/backends.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

describe.skipIf(!process.env.LIKENESS_TEST_PG_URL)('storage commands on a cluster', () => {
  let dir: string;
  let flags: string[];
  const likeness = (args: string[], env: Record<string, string | undefined> = {}) =>
    run(process.execPath, [CLI, ...args, ...flags], { env: { ...process.env, LIKENESS_MASTER_KEY: TEST_MASTER_KEY, ...env } });

  beforeAll(async () => {
    useTestS3Credentials();
    dir = mkdtempSync(join(tmpdir(), 'likeness-cluster-cli-'));
    flags = ['--data', dir, '--database', await freshDatabase(), '--blobs', freshBlobsUrl()];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Five processes, each loading the whole CLI: slow on a loaded 2-core machine.
  it('partner create, keys rotate, user add and users list all work on the shared database', { timeout: 240_000 }, async () => {
    const created = JSON.parse((await likeness(['partner', 'create', '--name', 'Cluster partner', '--url', 'https://selfie.example.com', '--json'])).stdout);
    expect(created).toMatchObject({ partner_id: '001', name: 'Cluster partner', production_url: 'https://selfie.example.com/v1' });
    const rotated = JSON.parse((await likeness(['keys', 'rotate', '--partner', '001', '--env', 'sandbox', '--json'])).stdout);
    expect(rotated.api_key).not.toBe(created.sandbox_api_key);
    const account = JSON.parse((await likeness(['user', 'add', '--partner', '001', '--email', 'ops@example.test', '--role', 'admin', '--json'])).stdout);
    expect(account).toMatchObject({ email: 'ops@example.test', role: 'admin' });
    expect(JSON.parse((await likeness(['users', 'list', '--partner', '001', '--json'])).stdout)).toEqual([]);
    // What the commands wrote is what a cluster node reads.
    const s = await openStorage({ dataDir: dir, databaseUrl: flags[3], blobsUrl: flags[5] });
    try {
      expect(await s.records.getApiKey('001', 'sandbox')).toBe(rotated.api_key);
      expect(await s.records.getApiKey('001', 'production')).toBe(created.production_api_key);
      expect((await s.portal.getAccountByEmail('ops@example.test'))!.role).toBe('admin');
    } finally {
      await s.close();
    }
  });

  it('refuses without the shared master key, saying how to give it', async () => {
    await expect(likeness(['partner', 'list'], { LIKENESS_MASTER_KEY: '' })).rejects.toMatchObject({ stderr: expect.stringMatching(/LIKENESS_MASTER_KEY/) });
  });
});
