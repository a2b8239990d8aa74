/**
 * @file Keeps `likeness keys rotate-master` and servers apart: a server running beside a rotation keeps sealing new
 * images and templates under the old master key, and they become unreadable once the old key is gone. Each backend
 * records who holds its storage (PostgreSQL: a shared/exclusive advisory lock; embedded: a file per process here).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type StorageRole = 'server' | 'rotation';

/** What claiming a role got: a way to give it up, or who holds the other role. */
export type Claim = { release(): Promise<void> } | { blockedBy: string };

/** The opposite role: servers exclude a rotation and a rotation excludes servers; servers share. */
const OTHER: Record<StorageRole, StorageRole> = { server: 'rotation', rotation: 'server' };

/**
 * Embedded: `<data>/run/<role>-<pid>-<random>` for each holder of a role. A process killed by -9 leaves its file; a pid
 * that no longer runs does not count and its file is removed by the next claim.
 */
export function claimEmbedded(dataDir: string, role: StorageRole): Claim {
  const dir = join(dataDir, 'run');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const holders: number[] = [];
  for (const name of readdirSync(dir)) {
    const m = /^(server|rotation)-(\d+)-[0-9a-f]+$/.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (!running(pid)) rmSync(join(dir, name), { force: true });
    else if (m[1] === OTHER[role]) holders.push(pid);
  }
  if (holders.length) {
    const who = role === 'rotation' ? 'a Likeness server' : 'a master key rotation';
    return { blockedBy: `${who} is running on ${dataDir} (process ${holders.join(', ')}; if none is, remove ${dir})` };
  }
  const file = join(dir, `${role}-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, '', { mode: 0o600 });
  return { release: async () => rmSync(file, { force: true }) };
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
