/**
 * @file What `likeness restore` checks before keeping anything: a damaged image, an entry a backup never holds (a
 * path out of the directory, a link) and a wrong key are refused, and the target directory is left as it was.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupEmbedded, restoreEmbedded } from '../../src/store/backup.js';
import { masterKeyFile, openStorage } from '../../src/store/open-storage.js';

describe('restore verification', () => {
  let dir: string;
  let archive: string;
  const saved = process.env.LIKENESS_MASTER_KEY;

  beforeEach(async () => {
    delete process.env.LIKENESS_MASTER_KEY;
    dir = mkdtempSync(join(tmpdir(), 'likeness-archive-'));
    const s = await openStorage({ dataDir: join(dir, 'data') });
    await s.records.createPartner('P', { sandbox: 'a', production: 'b' });
    await s.blobs.put('jobs/001/x/selfie.jpg', Buffer.from('a face'));
    await s.close();
    archive = join(dir, 'backup.tar.gz');
    expect((await backupEmbedded(join(dir, 'data'), archive)).images).toBe(1);
  });
  afterEach(() => {
    if (saved !== undefined) process.env.LIKENESS_MASTER_KEY = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  /** The archive unpacked, changed by `edit`, and packed again as `name`. */
  async function tampered(name: string, edit: (root: string) => void): Promise<string> {
    const root = join(dir, `unpacked-${name}`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root);
    await tar.extract({ file: archive, cwd: root });
    edit(root);
    const out = join(dir, `${name}.tar.gz`);
    await tar.create({ gzip: true, file: out, cwd: root }, readdirSync(root));
    return out;
  }

  it('refuses a damaged image, an unexpected entry and a link, leaving the target as it was', async () => {
    const key = masterKeyFile(join(dir, 'data'));
    const cases: [string, (root: string) => void, RegExp][] = [
      ['damaged', (root) => writeFileSync(join(root, 'images', 'jobs', '001', 'x', 'selfie.jpg'), 'another face'), /damaged: image jobs\/001\/x\/selfie.jpg does not match/],
      ['extra', (root) => writeFileSync(join(root, 'notes.txt'), 'x'), /unexpected entry notes.txt/],
      ['link', (root) => symlinkSync('/etc/passwd', join(root, 'images', 'passwd')), /unexpected entry images\/passwd/],
    ];
    for (const [name, edit, message] of cases) {
      const target = join(dir, `restored-${name}`);
      await expect(restoreEmbedded(await tampered(name, edit), target, key)).rejects.toThrow(message);
      expect(existsSync(target)).toBe(false);
    }
    const restored = await restoreEmbedded(archive, join(dir, 'restored'), key);
    expect(restored.images).toBe(1);
    const s = await openStorage({ dataDir: join(dir, 'restored') });
    expect((await s.blobs.get('jobs/001/x/selfie.jpg'))!.toString()).toBe('a face');
    expect(await s.records.getApiKey('001', 'production')).toBe('b');
    await s.close();
  });
});
