/**
 * @file Opens the PostgreSQL backend: a pool, migrations applied at start under an advisory lock (nodes starting
 * together take turns; the later ones find nothing to do), and the record, portal and queue stores over the pool.
 */
import type { PortalStore } from '../portal-types.js';
import type { JobQueue, RateLimitStore, RecordBackend } from '../types.js';
import { PG_MIGRATIONS } from './migrations.js';
import { PgListener } from './pg-listener.js';
import { PLANS, TEMPLATE_CHANNEL, WORK_CHANNEL } from './plans.js';
import { PostgresDb } from './postgres-db.js';
import { PostgresPortalStore } from './postgres-portal-store.js';
import { PostgresRateLimits } from './postgres-rate-limits.js';
import { PostgresRecordStore } from './postgres-record-store.js';
import { PostgresTaskQueue } from './postgres-task-queue.js';

export interface PostgresBackend {
  db: PostgresDb;
  records: RecordBackend;
  portal: PortalStore;
  queue: JobQueue;
  rateLimits: RateLimitStore;
  /** Why the database cannot take writes now (see Storage.problems); null when it can. */
  problem(): Promise<string | null>;
  close(): Promise<void>;
}

export async function migratePostgres(db: PostgresDb): Promise<number> {
  const client = await db.pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  let applied = 0;
  try {
    await db.run(PLANS.lockMigrations, [], client);
    try {
      await db.run(PLANS.createMigrationTable, [], client);
      const current = (await db.run<{ v: number }>(PLANS.currentVersion, [], client)).rows[0].v;
      for (const m of PG_MIGRATIONS) {
        if (m.version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await db.run(PLANS.recordMigration, [m.version, m.why], client);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        applied++;
      }
    } finally {
      await db.run(PLANS.unlockMigrations, [], client);
    }
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
  return applied;
}

export async function openPostgresBackend(url: string): Promise<PostgresBackend> {
  const db = new PostgresDb(url);
  try {
    await migratePostgres(db);
  } catch (err) {
    await db.close();
    throw new Error(`could not open the database ${new URL(url).host}${new URL(url).pathname}: ${(err as Error).message}`);
  }
  const listener = new PgListener(url, [WORK_CHANNEL, TEMPLATE_CHANNEL]);
  const queue = new PostgresTaskQueue(db, listener);
  const where = `${new URL(url).host}${new URL(url).pathname}`;
  return {
    db,
    records: new PostgresRecordStore(db, listener),
    portal: new PostgresPortalStore(db),
    queue,
    rateLimits: new PostgresRateLimits(db),
    problem: async () => {
      try {
        const { rows } = await db.run<{ standby: boolean }>(PLANS.checkWritable);
        return rows[0].standby ? `the database ${where} is a read-only standby` : null;
      } catch (err) {
        return `the database ${where} cannot be reached: ${(err as Error).message}`;
      }
    },
    close: async () => {
      await listener.close();
      await db.close();
    },
  };
}
