/**
 * @file Opens the PostgreSQL backend: a pool, migrations applied at start under an advisory lock (nodes starting
 * together take turns; the later ones find nothing to do), and the record, portal and queue stores over the pool.
 */
import type { PortalStore } from '../portal-types.js';
import type { Claim } from '../server-presence.js';
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
  /** Keeps servers from starting until released, unless one runs (see server-presence.ts). */
  lockOutServers(): Promise<Claim>;
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

/** `server`: this process serves; it holds the presence lock while it runs and refuses to start during a rotation. */
export async function openPostgresBackend(url: string, { server = false } = {}): Promise<PostgresBackend> {
  const db = new PostgresDb(url);
  try {
    await migratePostgres(db);
  } catch (err) {
    await db.close();
    throw new Error(`could not open the database ${new URL(url).host}${new URL(url).pathname}: ${(err as Error).message}`);
  }
  const where = `${new URL(url).host}${new URL(url).pathname}`;
  // A server shares the presence lock on its listening connection, taken again on every reconnection.
  const presence = { shared: null as boolean | null };
  const listener = new PgListener(url, [WORK_CHANNEL, TEMPLATE_CHANNEL], async (client) => {
    if (server) presence.shared = (await db.run<{ held: boolean }>(PLANS.shareServerLock, [], client)).rows[0].held;
  });
  if (server) {
    await listener.start();
    // Still null: the first connection failed; the lock is taken when the listener reconnects.
    if (presence.shared === false) {
      await listener.close();
      await db.close();
      throw new Error(`a master key rotation is running on the database ${where}: start the server once it has finished, with the new key`);
    }
  }
  const queue = new PostgresTaskQueue(db, listener);
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
    lockOutServers: async () => {
      const client = await db.pool.connect();
      try {
        if ((await db.run<{ held: boolean }>(PLANS.takeServerLockExclusively, [], client)).rows[0].held) {
          return { release: () => db.run(PLANS.releaseServerLockExclusively, [], client).then(() => client.release(), (err: Error) => client.release(err)) };
        }
        const { n } = (await db.run<{ n: number }>(PLANS.countServers, [], client)).rows[0];
        client.release();
        return { blockedBy: `${n} Likeness server connection${n === 1 ? ' is' : 's are'} using the database ${where}` };
      } catch (err) {
        client.release(err as Error);
        throw err;
      }
    },
    close: async () => {
      await listener.close();
      await db.close();
    },
  };
}
