/**
 * @file The storage factory: embedded (SQLite + a local directory under the data directory) unless configuration
 * names a database URL and/or a blobs URL. The only place that picks a backend.
 */
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalDirBlobStore } from './blob/local-dir-blob-store.js';
import { RecentBlobCache } from './blob/recent-blob-cache.js';
import { KeySealingStore } from './key-sealing-store.js';
import { SecretBox } from './secret-box.js';
import { openSqliteBackend } from './sqlite/sqlite-backend.js';
import type { Storage, StorageConfig, StorageProblem } from './storage.js';
import type { BlobStore } from './types.js';

/** Images of the jobs just uploaded, kept in memory for the worker that processes them (about 60 jobs' worth). */
const RECENT_IMAGE_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * A server's writes wait this long for a lock held by another process (a backup, a CLI command) before failing with
 * a retryable error (isStorageBusy): SQLite waits synchronously, and every other request waits with it.
 */
const SERVER_BUSY_TIMEOUT_MS = 25;

/** A write refused because another process holds the database lock; nothing was written, retrying may succeed. */
export function isStorageBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT';
}

export class StorageConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageConfigError';
  }
}

/** The shared master key of a cluster node: every node must seal and open keys, and sign links, alike. */
export function clusterMasterKey(env: NodeJS.ProcessEnv): Buffer {
  const value = env.LIKENESS_MASTER_KEY || (env.LIKENESS_MASTER_KEY_FILE ? readFileSync(env.LIKENESS_MASTER_KEY_FILE, 'utf8').trim() : '');
  if (!value) {
    throw new StorageConfigError(
      'a cluster node needs the master key shared by every node: set LIKENESS_MASTER_KEY (32 random bytes, base64; ' +
        'e.g. `openssl rand -base64 32`) or LIKENESS_MASTER_KEY_FILE (a file holding it), the same on every node',
    );
  }
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) throw new StorageConfigError('LIKENESS_MASTER_KEY must be 32 bytes, base64-encoded');
  return key;
}

/** Embedded: a per-installation key file under the data directory, created on first use. */
function embeddedSecrets(dataDir: string): { secrets: SecretBox; serverSecret: Buffer } {
  const secretsDir = join(dataDir, 'secrets');
  const secrets = SecretBox.fromFile(join(secretsDir, 'master.key'));
  const serverKeyFile = join(secretsDir, 'server.key');
  if (!existsSync(serverKeyFile)) writeFileSync(serverKeyFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return { secrets, serverSecret: Buffer.from(readFileSync(serverKeyFile, 'utf8').trim(), 'base64') };
}

/** A blobs URL without the credentials a user might have put in it, for messages. */
export function describeBlobs(config: StorageConfig): string {
  return config.blobsUrl ? config.blobsUrl.replace(/\?.*$/, '') : join(config.dataDir, 'images');
}

export function describeDatabase(config: StorageConfig): string {
  if (!config.databaseUrl) return join(config.dataDir, 'likeness.db');
  const u = new URL(config.databaseUrl);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export async function openStorage(config: StorageConfig, env: NodeJS.ProcessEnv = process.env): Promise<Storage> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  let blobs: BlobStore;
  // The cluster drivers load only when configured: the embedded mode neither pays for nor depends on them.
  if (config.blobsUrl) blobs = (await import('./blob/s3-blob-store.js')).openS3BlobStore(config.blobsUrl);
  else blobs = new LocalDirBlobStore(join(config.dataDir, 'images'));
  blobs = new RecentBlobCache(blobs, RECENT_IMAGE_CACHE_BYTES);
  if (!config.databaseUrl) {
    const { secrets, serverSecret } = embeddedSecrets(config.dataDir);
    const backend = openSqliteBackend(join(config.dataDir, 'likeness.db'), {
      backgroundCheckpoints: config.server,
      busyTimeoutMs: config.server ? SERVER_BUSY_TIMEOUT_MS : undefined,
    });
    const problems = async () => problemList(backend.problem(), await blobProblem(blobs, config));
    return { kind: 'embedded', records: new KeySealingStore(backend.records, secrets), portal: backend.portal, queue: backend.queue, rateLimits: backend.rateLimits, blobs, serverSecret, problems, close: backend.close };
  }
  const masterKey = clusterMasterKey(env);
  // Link signing gets its own key derived from the master key, so one shared secret configures a node.
  const serverSecret = Buffer.from(hkdfSync('sha256', masterKey, createHash('sha256').update('likeness').digest(), 'likeness server secret', 32));
  const backend = await (await import('./postgres/postgres-backend.js')).openPostgresBackend(config.databaseUrl);
  return {
    kind: 'cluster',
    records: new KeySealingStore(backend.records, new SecretBox(masterKey)),
    portal: backend.portal,
    queue: backend.queue,
    rateLimits: backend.rateLimits,
    blobs,
    serverSecret,
    problems: async () => problemList(...(await Promise.all([backend.problem(), blobProblem(blobs, config)]))),
    close: backend.close,
  };
}

/**
 * Refuses a server start on an empty database beside stored images: the database was lost (deleted, or the wrong
 * one configured). Starting would create a new first partner with new keys and leave every image without a record.
 */
export async function refuseLostDatabase(storage: Storage, config: StorageConfig): Promise<void> {
  if ((await storage.records.listPartners()).length > 0 || !(await storage.blobs.holdsAny())) return;
  throw new StorageConfigError(
    `the database ${describeDatabase(config)} is empty, but the image store ${describeBlobs(config)} holds images: the ` +
      'database was lost or the wrong one is configured. Restore the database (or point --data/--database at the right ' +
      'one); refusing to start, so as not to create new partners beside images that would have no records',
  );
}

function problemList(database: string | null, images: string | null): StorageProblem[] {
  const list: StorageProblem[] = [];
  if (database) list.push({ component: 'database', detail: database });
  if (images) list.push({ component: 'images', detail: images });
  return list;
}

/** The blob store takes a write (and its removal): a small probe object under its own key. */
async function blobProblem(blobs: BlobStore, config: StorageConfig): Promise<string | null> {
  const key = `health/probe-${randomBytes(6).toString('hex')}`;
  try {
    await blobs.put(key, Buffer.from('probe'));
    await blobs.delete([key]);
    return null;
  } catch (err) {
    return `the image store ${describeBlobs(config)} does not take writes: ${(err as Error).message}`;
  }
}
