/**
 * @file `likeness partner retention` and `likeness keys rotate-master` in their external form (the built CLI) on an
 * embedded data directory: the setting shown and changed (and audited), and a rotation that leaves every API key,
 * image and template readable under the new key file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/store/open-storage.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

describe('data-at-rest commands on an embedded installation', () => {
  let dir: string;
  const likeness = async (args: string[]) => {
    const env = { ...process.env };
    delete env.LIKENESS_MASTER_KEY;
    return JSON.parse((await run(process.execPath, [CLI, ...args, '--data', dir, '--json'], { env })).stdout);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'likeness-rest-cli-'));
    const saved = process.env.LIKENESS_MASTER_KEY;
    delete process.env.LIKENESS_MASTER_KEY;
    const s = await openStorage({ dataDir: dir });
    await s.records.createPartner('P', { sandbox: 'sandbox-key', production: 'production-key' });
    await s.blobs.put('jobs/001/a/selfie.jpg', Buffer.from('a face'));
    await s.close();
    if (saved !== undefined) process.env.LIKENESS_MASTER_KEY = saved;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('partner retention shows the default, sets days and goes back to the default, each change audited', { timeout: 120_000 }, async () => {
    expect(await likeness(['partner', 'retention', '--partner', '001', '--env', 'sandbox'])).toEqual({ partner_id: '001', environment: 'sandbox', image_retention_days: null });
    expect((await likeness(['partner', 'retention', '--partner', '001', '--env', 'sandbox', '--days', '7'])).image_retention_days).toBe(7);
    expect((await likeness(['partner', 'retention', '--partner', '001', '--env', 'sandbox', '--default'])).image_retention_days).toBeNull();
    await expect(likeness(['partner', 'retention', '--partner', '009', '--env', 'sandbox', '--days', '7'])).rejects.toThrow(/no partner 009/);
    const s = await openStorage({ dataDir: dir });
    const audit = await s.portal.listAudit('001', { limit: 5 });
    await s.close();
    expect(audit.map((e) => [e.action, e.detail])).toEqual([
      ['retention.set', 'job images kept for the server default'],
      ['retention.set', 'job images kept 7 days'],
    ]);
  });

  it('keys rotate-master replaces the key file and keeps everything readable', { timeout: 120_000 }, async () => {
    const before = readFileSync(join(dir, 'secrets', 'master.key'), 'utf8');
    const report = await likeness(['keys', 'rotate-master']);
    expect(report).toMatchObject({ images: { rewrapped: 1, encryptedNow: 0, alreadyCurrent: 0 }, apiKeys: 2, templates: 0, keyFileReplaced: true });
    expect(readFileSync(join(dir, 'secrets', 'master.key'), 'utf8')).not.toBe(before);
    const s = await openStorage({ dataDir: dir });
    expect(await s.records.getApiKey('001', 'production')).toBe('production-key');
    expect((await s.blobs.get('jobs/001/a/selfie.jpg'))!.toString()).toBe('a face');
    await s.close();
  });
});
