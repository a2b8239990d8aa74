/**
 * @file Moving an embedded installation (SQLite + local images) into a cluster (PostgreSQL + object storage):
 * every table row with its ids kept (partners' SmileJobIDs and partner ids are known outside), API keys and
 * templates re-sealed under the cluster's master key, every image copied (re-encrypted under it); then counts and
 * image hashes (of the plaintext) compared. Idempotent: rows already copied are skipped (ON CONFLICT DO NOTHING)
 * and images already present with the same hash are not sent again, so an interrupted run is simply run again.
 * Sessions, login failures and review claims are not copied: they are short-lived, and users log in again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EncryptingBlobStore } from './blob/encrypting-blob-store.js';
import { LocalDirBlobStore } from './blob/local-dir-blob-store.js';
import { openS3BlobStore } from './blob/s3-blob-store.js';
import { Envelope } from './envelope.js';
import { clusterMasterKey } from './open-storage.js';
import { PostgresDb } from './postgres/postgres-db.js';
import { migratePostgres } from './postgres/postgres-backend.js';
import { templateContext } from './sealing-record-store.js';
import { SecretBox } from './secret-box.js';
import type { BlobStore } from './types.js';

type Conversion = 'keep' | 'epochMs' | 'reseal' | 'rewrapTemplate';

interface TableCopy {
  table: string;
  columns: Record<string, Conversion>;
  /** Identity column whose sequence must continue after the copied ids. */
  identity?: string;
  /** Only these rows (unfinished tasks: finished ones are history nobody reads). */
  where?: string;
}

const TABLES: readonly TableCopy[] = [
  { table: 'partners', columns: { partner_id: 'keep', name: 'keep', created_at: 'keep' } },
  { table: 'api_keys', columns: { partner_id: 'keep', environment: 'keep', sealed_key: 'reseal', created_at: 'keep' } },
  {
    table: 'users',
    columns: { partner_id: 'keep', environment: 'keep', user_id: 'keep', status: 'keep', template: 'rewrapTemplate', image_key: 'keep', enrolled_smile_job_id: 'keep', created_at: 'keep', updated_at: 'keep', change_seq: 'keep' },
  },
  {
    table: 'jobs',
    identity: 'smile_job_id',
    columns: {
      smile_job_id: 'keep', partner_id: 'keep', environment: 'keep', job_id: 'keep', user_id: 'keep', job_type: 'keep', state: 'keep', callback_url: 'keep',
      partner_params: 'keep', options: 'keep', upload_token_hash: 'keep', upload_expires_at: 'keep', result: 'keep', result_category: 'keep', created_at: 'keep', updated_at: 'keep',
    },
  },
  { table: 'job_images', columns: { smile_job_id: 'keep', role: 'keep', idx: 'keep', blob_key: 'keep' } },
  {
    table: 'tasks',
    identity: 'id',
    where: "state IN ('ready', 'leased')",
    // A lease held in the embedded process means nothing to the cluster: the task is ready again.
    columns: { id: 'keep', kind: 'keep', payload: 'keep', state: 'keep', run_at: 'epochMs', attempts: 'keep', last_error: 'keep', created_at: 'keep' },
  },
  {
    table: 'callback_deliveries',
    identity: 'id',
    columns: { id: 'keep', smile_job_id: 'keep', url: 'keep', body: 'keep', state: 'keep', attempts: 'keep', created_at: 'keep', delivered_at: 'keep' },
  },
  { table: 'callback_attempts', columns: { delivery_id: 'keep', attempt: 'keep', at: 'keep', status: 'keep', error: 'keep', duration_ms: 'keep' } },
  { table: 'template_change_counters', columns: { partner_id: 'keep', environment: 'keep', seq: 'keep' } },
  { table: 'dedup_policies', columns: { partner_id: 'keep', environment: 'keep', policy: 'keep', updated_at: 'keep' } },
  { table: 'portal_accounts', identity: 'id', columns: { id: 'keep', partner_id: 'keep', email: 'keep', role: 'keep', password_hash: 'keep', created_at: 'keep' } },
  {
    table: 'portal_audit',
    identity: 'id',
    columns: { id: 'keep', at: 'keep', partner_id: 'keep', account_id: 'keep', actor_email: 'keep', action: 'keep', environment: 'keep', target: 'keep', detail: 'keep' },
  },
];

const BATCH_ROWS = 200;

export interface MigrationReport {
  tables: { table: string; source: number; target: number }[];
  images: { total: number; copied: number; missing: string[]; mismatched: string[] };
  ok: boolean;
}

export interface MigrationInput {
  fromDataDir: string;
  /** The cluster's database (migrated to the current schema first). */
  databaseUrl: string;
  /** The cluster's blob store, as it stores objects (they are encrypted here under the cluster's master key). */
  blobs: BlobStore;
  /** The cluster's master key: API keys are re-sealed under it. */
  masterKey: Buffer;
  onProgress?: (line: string) => void;
}

/** The `likeness migrate` entry: the cluster's master key from the environment, its blobs from the URL. */
export function migrateIntoCluster(fromDataDir: string, databaseUrl: string, blobsUrl: string, onProgress?: (line: string) => void): Promise<MigrationReport> {
  return migrateEmbeddedToCluster({ fromDataDir, databaseUrl, blobs: openS3BlobStore(blobsUrl), masterKey: clusterMasterKey(process.env), onProgress });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function migrateEmbeddedToCluster(input: MigrationInput): Promise<MigrationReport> {
  const dbFile = join(input.fromDataDir, 'likeness.db');
  const keyFile = join(input.fromDataDir, 'secrets', 'master.key');
  if (!existsSync(dbFile) || !existsSync(keyFile)) throw new Error(`${input.fromDataDir} is not a Likeness data directory (no likeness.db and secrets/master.key)`);
  const source = new Database(dbFile, { readonly: true, fileMustExist: true });
  const fromKeys = new SecretBox(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64'));
  const toKeys = new SecretBox(input.masterKey);
  // Templates keep their data keys, re-wrapped under the cluster's key (as a rotation does).
  const templates = new Envelope(toKeys, [fromKeys]);
  const target = new PostgresDb(input.databaseUrl, 2);
  const progress = input.onProgress ?? (() => {});
  try {
    await migratePostgres(target);
    const tables: MigrationReport['tables'] = [];
    for (const t of TABLES) {
      const names = Object.keys(t.columns);
      const rows = source.prepare(`SELECT ${names.join(', ')} FROM ${t.table}${t.where ? ` WHERE ${t.where}` : ''}`).all() as Record<string, unknown>[];
      for (let i = 0; i < rows.length; i += BATCH_ROWS) {
        const batch = rows.slice(i, i + BATCH_ROWS);
        const values: unknown[] = [];
        const tuples = batch.map((row) => {
          const cells = names.map((name) => {
            const v = row[name];
            const kind = t.columns[name];
            values.push(
              v === null ? null
              : kind === 'epochMs' ? new Date(v as number)
              : kind === 'reseal' ? toKeys.seal(fromKeys.open(v as Buffer))
              : kind === 'rewrapTemplate' ? templates.rewrap(v as Buffer, templateContext(row.partner_id as string, row.environment as string, row.user_id as string))
              : t.table === 'tasks' && name === 'state' ? 'ready'
              : v,
            );
            return `$${values.length}`;
          });
          return `(${cells.join(', ')})`;
        });
        await target.query(`INSERT INTO ${t.table} (${names.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`, values);
      }
      if (t.identity) {
        await target.query(`SELECT setval(pg_get_serial_sequence('${t.table}', '${t.identity}'), GREATEST((SELECT max(${t.identity}) FROM ${t.table}), 1))`);
      }
      const targetCount = (await target.query<{ n: number }>(`SELECT count(*) AS n FROM ${t.table}${t.where ? ` WHERE ${t.where.replace("'leased'", "'ready'")}` : ''}`)).rows[0].n;
      tables.push({ table: t.table, source: rows.length, target: targetCount });
      progress(`${t.table}: ${rows.length} rows`);
    }
    await target.query(`SELECT setval('partner_number', GREATEST((SELECT max(partner_id::integer) FROM partners), 1))`);
    const images = await copyImages(
      source,
      new EncryptingBlobStore(new LocalDirBlobStore(join(input.fromDataDir, 'images')), new Envelope(fromKeys)),
      new EncryptingBlobStore(input.blobs, new Envelope(toKeys)),
      progress,
    );
    const ok = tables.every((t) => t.source === t.target) && images.missing.length === 0 && images.mismatched.length === 0;
    return { tables, images, ok };
  } finally {
    source.close();
    await target.close();
  }
}

async function copyImages(source: Database.Database, from: BlobStore, to: BlobStore, progress: (line: string) => void): Promise<MigrationReport['images']> {
  const keys = (
    source.prepare('SELECT blob_key AS k FROM job_images UNION SELECT image_key AS k FROM users WHERE image_key IS NOT NULL').all() as { k: string }[]
  ).map((r) => r.k);
  const report: MigrationReport['images'] = { total: keys.length, copied: 0, missing: [], mismatched: [] };
  for (const key of keys) {
    const data = await from.get(key);
    if (!data) {
      report.missing.push(key);
      continue;
    }
    const hash = sha256(data);
    const existing = await to.get(key);
    if (existing && sha256(existing) === hash) continue;
    await to.put(key, data);
    const written = await to.get(key);
    if (!written || sha256(written) !== hash) report.mismatched.push(key);
    else report.copied++;
  }
  progress(`images: ${report.total} (${report.copied} copied now)`);
  return report;
}
