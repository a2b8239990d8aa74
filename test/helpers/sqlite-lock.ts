/**
 * @file Another process holding an embedded database's write lock, as a backup tool or a maintenance command would.
 */
import { spawn } from 'node:child_process';

/** Another process takes the database's write lock (BEGIN EXCLUSIVE) for holdMs; resolves once it holds it. */
export function holdExclusiveLock(file: string, holdMs: number): Promise<{ released: Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    console.log('locked');
    setTimeout(() => { db.exec('ROLLBACK'); db.close(); }, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ['-e', script, file, String(holdMs)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() });
  const released = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve({ released }));
    child.once('error', reject);
  });
}
