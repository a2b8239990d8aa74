/**
 * @file What `openStorage` returns: one backend's records, portal data, task queue and blobs, opened together so
 * that a record change and the task it enqueues share one transaction.
 */
import type { ImagePackStore } from './blob/image-packs.js';
import type { PortalStore } from './portal-types.js';
import type { BlobStore, JobQueue, RateLimitStore, RecordStore } from './types.js';

export type StorageKind = 'embedded' | 'cluster';

export interface Storage {
  /** embedded = SQLite + local directory, one process; cluster = PostgreSQL, shared by every node. */
  kind: StorageKind;
  records: RecordStore;
  portal: PortalStore;
  queue: JobQueue;
  /** API rate-limit buckets, shared by every node of a cluster. */
  rateLimits: RateLimitStore;
  /** Images, encrypted at rest; a job's liveness frames may be one pack (image-packs.ts). */
  blobs: ImagePackStore;
  /** Secret for capability links (upload URLs, image links, web tokens); the same on every node of a cluster. */
  serverSecret: Buffer;
  /**
   * Readiness: what is wrong with the storage right now (the database file deleted or replaced, the database
   * unreachable or read-only, the blob store not accepting writes); empty when both are there and writable.
   */
  problems(): Promise<StorageProblem[]>;
  close(): Promise<void>;
}

export interface StorageProblem {
  component: 'database' | 'images';
  /** For the operator's log: names paths and hosts, so not for unauthenticated answers. */
  detail: string;
}

export interface StorageConfig {
  /** Embedded state (database, images, key files) lives here; a cluster node keeps nothing in it but TLS material. */
  dataDir: string;
  /** postgres://… selects the PostgreSQL backend; null = SQLite under dataDir. */
  databaseUrl?: string | null;
  /** s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true; null = dataDir/images. */
  blobsUrl?: string | null;
  /** A long-running server (see sqlite-storage.ts: background WAL checkpoints). */
  server?: boolean;
}
