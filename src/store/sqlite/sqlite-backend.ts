/**
 * @file Opens the embedded database (WAL, migrations) and the record, portal and queue stores over its one
 * connection.
 */
import Database from 'better-sqlite3';
import type { PortalStore } from '../portal-types.js';
import type { JobQueue, RecordBackend } from '../types.js';
import { MIGRATIONS } from './migrations.js';
import { SqlitePortalStore } from './sqlite-portal-store.js';
import { SqliteRecordStore } from './sqlite-record-store.js';
import { SqliteTaskQueue } from './sqlite-task-queue.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export interface SqliteBackend {
  /** The connection itself, for tests that inspect query plans. */
  db: Database.Database;
  records: RecordBackend;
  portal: PortalStore;
  queue: JobQueue;
  close(): Promise<void>;
}

/**
 * `backgroundCheckpoints` (for a long-running server): WAL checkpoints run on another thread instead of inside
 * whichever write crosses SQLite's threshold (see WalCheckpointer). One-off commands keep SQLite's default.
 */
export function openSqliteBackend(file: string, options: { backgroundCheckpoints?: boolean } = {}): SqliteBackend {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
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
  return {
    db,
    records: new SqliteRecordStore(db, queue),
    portal: new SqlitePortalStore(db),
    queue,
    close: async () => {
      await checkpointer?.close();
      if (checkpointer) db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}
