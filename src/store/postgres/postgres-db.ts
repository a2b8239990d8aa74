/**
 * @file The one boundary to node-postgres: a pool, named plans run as prepared statements, and transactions.
 * Connections lost when the server restarts are dropped by the pool and replaced on the next query.
 */
import pg from 'pg';
import { StorageUnavailableError } from '../types.js';
import type { Plan } from './plans.js';

export type Queryable = Pick<pg.PoolClient, 'query'>;

const INT8 = 20;
const TIMESTAMPTZ = 1184;

/**
 * Ids and counts are bigint; JavaScript numbers hold them exactly up to 2^53. Timestamps come back as the ISO
 * strings the record types carry.
 */
const parseTimestamp = pg.types.getTypeParser(TIMESTAMPTZ) as (v: string) => unknown;
const types = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === INT8) return (v: string) => Number(v);
    if (oid === TIMESTAMPTZ) return (v: string) => (parseTimestamp(v) as Date).toISOString();
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

export class PostgresDb {
  readonly pool: pg.Pool;

  constructor(readonly connectionString: string, poolSize = 10) {
    this.pool = new pg.Pool({ connectionString, max: poolSize, types, connectionTimeoutMillis: 10_000 });
    // An idle connection dropped by a server restart: the pool discards it; without a listener Node would crash.
    this.pool.on('error', () => {});
  }

  /** Runs a named plan: prepared once per connection, by name. */
  async run<R extends pg.QueryResultRow = Record<string, unknown>>(plan: Plan, values: unknown[] = [], on: Queryable = this.pool): Promise<pg.QueryResult<R>> {
    return on.query<R>({ name: plan.name, text: plan.text, values }).catch(unavailable);
  }

  /** Unnamed SQL built at run time (filtered lists). */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values).catch(unavailable);
  }

  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch(unavailable);
    let broken: Error | undefined;
    // A connection lost between two statements is reported as an event on the checked-out client; unheard, Node
    // would crash. The statement in flight fails anyway, and the pool must not reuse this client.
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      return unavailable(err);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, starting up). */
const UNAVAILABLE_SQLSTATE = /^(08|57P)/;
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** What node-postgres throws, without a code, for a connection lost mid-query or not made in time. */
const LOST = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/** Rethrows a failure to reach the database as StorageUnavailableError (answered as retryable), anything else as it is. */
function unavailable(err: unknown): never {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (err instanceof Error && (UNAVAILABLE_SQLSTATE.test(code) || UNREACHABLE.has(code) || LOST.test(err.message))) throw new StorageUnavailableError(err);
  throw err;
}

/** Is this the unique-constraint violation of that constraint (or index)? */
export function violates(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === constraint;
}
