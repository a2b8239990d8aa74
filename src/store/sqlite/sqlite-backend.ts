/**
 * @file Opens the embedded database (WAL, migrations) and the record, portal and queue stores over its one
 * connection.
 */
import { accessSync, chmodSync, closeSync, constants, existsSync, openSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { PortalStore } from '../portal-types.js';
import type { JobQueue, RateLimitStore, RecordBackend } from '../types.js';
import { MIGRATIONS } from './migrations.js';
import { SqlitePortalStore } from './sqlite-portal-store.js';
import { SqliteRateLimits } from './sqlite-rate-limits.js';
import { SqliteRecordStore } from './sqlite-record-store.js';
import { SqliteTaskQueue } from './sqlite-task-queue.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export interface SqliteBackend {
  /** The connection itself, for tests that inspect query plans. */
  db: Database.Database;
  records: RecordBackend;
  portal: PortalStore;
  queue: JobQueue;
  rateLimits: RateLimitStore;
  /** Why the database cannot take writes now (see Storage.problems); null when it can. */
  problem(): string | null;
  close(): Promise<void>;
}

/**
 * `backgroundCheckpoints` (for a long-running server): WAL checkpoints run on another thread instead of inside
 * whichever write crosses SQLite's threshold (see WalCheckpointer). One-off commands keep SQLite's default.
 * `busyTimeoutMs`: how long a write waits for a lock another process holds (blocking the thread meanwhile).
 */
export function openSqliteBackend(file: string, options: { backgroundCheckpoints?: boolean; busyTimeoutMs?: number } = {}): SqliteBackend {
  restrictToOwner(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // SQLite waits for a lock synchronously, on the event loop: a server waits briefly and fails (StorageBusyError).
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  const checkpointer = options.backgroundCheckpoints ? new WalCheckpointer(file) : null;
  if (checkpointer) db.pragma('wal_autocheckpoint = 0');
  const queue = new SqliteTaskQueue(db);
  const rateLimits = new SqliteRateLimits(file, checkpointer !== null);
  // An open connection keeps writing into a file deleted (or replaced) behind it: compare what is at the path now.
  const opened = statSync(file);
  const problem = (): string | null => {
    try {
      const now = statSync(file);
      if (now.ino !== opened.ino || now.dev !== opened.dev) return `the database file ${file} was replaced since the server started`;
      accessSync(file, constants.W_OK);
      db.prepare('SELECT count(*) FROM partners').get();
      return null;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return e.code === 'ENOENT' ? `the database file ${file} was deleted` : `the database ${file} cannot be used: ${e.message}`;
    }
  };
  return {
    db,
    records: new SqliteRecordStore(db, queue),
    portal: new SqlitePortalStore(db),
    queue,
    rateLimits,
    problem,
    close: async () => {
      rateLimits.close();
      await checkpointer?.close();
      if (checkpointer) db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

/**
 * The database holds job records and sealed secrets: readable by its owner only. SQLite creates the -wal and -shm
 * files with the database file's mode, so creating that one 0600 covers them; files of an older installation are
 * tightened too.
 */
function restrictToOwner(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}
