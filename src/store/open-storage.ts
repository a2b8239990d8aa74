/**
 * @file The storage factory: embedded (SQLite + a local directory under the data directory) unless configuration
 * names a database URL and/or a blobs URL. The only place that picks a backend.
 */
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EncryptingBlobStore } from './blob/encrypting-blob-store.js';
import { LocalDirBlobStore } from './blob/local-dir-blob-store.js';
import { ImagePackStore } from './blob/image-packs.js';
import { RecentBlobCache } from './blob/recent-blob-cache.js';
import { Envelope } from './envelope.js';
import type { PortalStore } from './portal-types.js';
import { SealingRecordStore } from './sealing-record-store.js';
import { SecretBox } from './secret-box.js';
import { claimEmbedded, type Claim } from './server-presence.js';
import { openSqliteBackend } from './sqlite/sqlite-backend.js';
import type { Storage, StorageConfig, StorageKind, StorageProblem } from './storage.js';
import { StorageUnavailableError, type BlobStore, type JobQueue, type RateLimitStore, type RecordBackend } from './types.js';

/** Images of the jobs just uploaded, kept in memory for the worker that processes them (about 60 jobs' worth). */
const RECENT_IMAGE_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * A server's writes wait this long for a lock held by another process (a backup, a CLI command) before failing with
 * a retryable error (isStorageBusy): SQLite waits synchronously, and every other request waits with it.
 */
const SERVER_BUSY_TIMEOUT_MS = 25;

/**
 * The database could not take the request now and a retry may succeed: SQLite's lock held by another process (a
 * backup, a CLI command), or PostgreSQL restarting, failing over or unreachable (StorageUnavailableError says what
 * may have been committed).
 */
export function isStorageBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT' || err instanceof StorageUnavailableError;
}

export class StorageConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageConfigError';
  }
}

/** The shared master key of a cluster node: every node must seal and open keys, and sign links, alike. */
export function clusterMasterKey(env: NodeJS.ProcessEnv): Buffer {
  const value = givenMasterKey(env);
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

/** The master key set by LIKENESS_MASTER_KEY (base64) or in the file LIKENESS_MASTER_KEY_FILE names, if either is. */
function givenMasterKey(env: NodeJS.ProcessEnv): string {
  return env.LIKENESS_MASTER_KEY || (env.LIKENESS_MASTER_KEY_FILE ? readFileSync(env.LIKENESS_MASTER_KEY_FILE, 'utf8').trim() : '');
}

/** The embedded master key file (unless LIKENESS_MASTER_KEY is set), and the next one while a rotation runs. */
export const masterKeyFile = (dataDir: string) => join(dataDir, 'secrets', 'master.key');
export const nextMasterKeyFile = (dataDir: string) => `${masterKeyFile(dataDir)}.next`;

export interface MasterKeys {
  /** Seals new objects under the master key; also opens what a rotation in progress re-wrapped already. */
  envelope: Envelope;
  /** Secret for capability links (see Storage.serverSecret). */
  serverSecret: Buffer;
}

/**
 * Embedded: a per-installation key file under the data directory, created on first use. Cluster: the key every
 * node shares, from the environment; link signing gets its own key derived from it, so one secret configures a node.
 */
export function masterKeys(config: StorageConfig, env: NodeJS.ProcessEnv = process.env): MasterKeys {
  if (config.databaseUrl) {
    const masterKey = clusterMasterKey(env);
    const serverSecret = Buffer.from(hkdfSync('sha256', masterKey, createHash('sha256').update('likeness').digest(), 'likeness server secret', 32));
    return { envelope: new Envelope(new SecretBox(masterKey)), serverSecret };
  }
  mkdirSync(join(config.dataDir, 'secrets'), { recursive: true, mode: 0o700 });
  const current = SecretBox.fromFile(masterKeyFile(config.dataDir), givenMasterKey(env));
  // An interrupted `likeness keys rotate-master` left objects under the next key: they stay readable.
  const next = existsSync(nextMasterKeyFile(config.dataDir)) ? [SecretBox.readFile(nextMasterKeyFile(config.dataDir))] : [];
  const serverKeyFile = join(config.dataDir, 'secrets', 'server.key');
  if (!existsSync(serverKeyFile)) writeFileSync(serverKeyFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return { envelope: new Envelope(current, next), serverSecret: Buffer.from(readFileSync(serverKeyFile, 'utf8').trim(), 'base64') };
}

/** One backend's stores as they keep data: API keys and templates sealed, image objects as stored (encrypted). */
export interface OpenedBackend {
  kind: StorageKind;
  records: RecordBackend;
  portal: PortalStore;
  queue: JobQueue;
  rateLimits: RateLimitStore;
  /** The image store itself, without encryption or cache. */
  blobs: BlobStore;
  problem(): Promise<string | null>;
  /** Keeps servers from starting until released, unless one runs: `keys rotate-master` holds it while it works. */
  lockOutServers(): Promise<Claim>;
  close(): Promise<void>;
}

/** Opens the configured backend without the master key (openStorage adds it; rotate-master uses this directly). */
export async function openBackend(config: StorageConfig): Promise<OpenedBackend> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // The cluster drivers load only when configured: the embedded mode neither pays for nor depends on them.
  const blobs = config.blobsUrl ? (await import('./blob/s3-blob-store.js')).openS3BlobStore(config.blobsUrl) : new LocalDirBlobStore(join(config.dataDir, 'images'));
  if (!config.databaseUrl) {
    const presence = config.server ? claimEmbedded(config.dataDir, 'server') : null;
    if (presence && 'blockedBy' in presence) throw new StorageConfigError(`${presence.blockedBy}: start the server once it has finished`);
    let backend: ReturnType<typeof openSqliteBackend>;
    try {
      backend = openSqliteBackend(join(config.dataDir, 'likeness.db'), {
        backgroundCheckpoints: config.server,
        busyTimeoutMs: config.server ? SERVER_BUSY_TIMEOUT_MS : undefined,
      });
    } catch (err) {
      await presence?.release();
      throw err;
    }
    return {
      kind: 'embedded',
      ...backend,
      problem: async () => backend.problem(),
      lockOutServers: async () => claimEmbedded(config.dataDir, 'rotation'),
      close: async () => {
        await backend.close();
        await presence?.release();
      },
      blobs,
    };
  }
  const backend = await (await import('./postgres/postgres-backend.js')).openPostgresBackend(config.databaseUrl, { server: config.server });
  return { kind: 'cluster', ...backend, blobs };
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
  const keys = masterKeys(config, env);
  const backend = await openBackend(config);
  // Images are encrypted under the cache: the cache holds what the worker reads moments later, in memory only. A
  // pack is one object to the cache and the envelope.
  const blobs = new ImagePackStore(new RecentBlobCache(new EncryptingBlobStore(backend.blobs, keys.envelope), RECENT_IMAGE_CACHE_BYTES));
  return {
    kind: backend.kind,
    records: new SealingRecordStore(backend.records, keys.envelope),
    portal: backend.portal,
    queue: backend.queue,
    rateLimits: backend.rateLimits,
    blobs,
    serverSecret: keys.serverSecret,
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
