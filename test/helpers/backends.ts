/**
 * @file The storage backends a test runs against: `embedded` (SQLite + a local directory) and `cluster`
 * (PostgreSQL + S3 on the run's shared infrastructure, see global-setup.ts), each with fresh state.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { parseBlobsUrl } from '../../src/store/blob/s3-blob-store.js';
import type { StorageConfig } from '../../src/store/storage.js';
import { TEST_BUCKET } from '../../bench/lib/cluster-infrastructure.js';

export type BackendName = 'embedded' | 'cluster';

/** Cluster tests are skipped only where postgresql is not installed and this is not CI (global-setup fails CI). */
export const BACKENDS: BackendName[] = process.env.LIKENESS_TEST_PG_URL ? ['embedded', 'cluster'] : ['embedded'];

/** The master key every node of a test cluster shares. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 42).toString('base64');

/** s3rver accepts any signature made with these; the SDK reads them from the standard environment variables. */
export function useTestS3Credentials(): void {
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.LIKENESS_MASTER_KEY = TEST_MASTER_KEY;
}

export async function freshDatabase(): Promise<string> {
  const admin = process.env.LIKENESS_TEST_PG_URL;
  if (!admin) throw new Error('no test PostgreSQL cluster (see test/global-setup.ts)');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return admin.replace(/\/postgres$/, `/${name}`);
}

export function freshBlobsUrl(): string {
  const endpoint = process.env.LIKENESS_TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error('no test S3 server (see test/global-setup.ts)');
  return `s3://${TEST_BUCKET}/${randomBytes(6).toString('hex')}?endpoint=${encodeURIComponent(endpoint)}&forcePathStyle=true&requestTimeoutMs=5000`;
}

/** Storage configuration for a fresh instance of this backend under dataDir. */
export async function backendConfig(backend: BackendName, dataDir: string): Promise<StorageConfig> {
  if (backend === 'embedded') return { dataDir };
  useTestS3Credentials();
  return { dataDir, databaseUrl: await freshDatabase(), blobsUrl: freshBlobsUrl() };
}

/** Every image object a server's storage holds (to prove a failed request kept nothing), read from the backend itself. */
export async function storedImageKeys(storage: StorageConfig): Promise<string[]> {
  if (!storage.blobsUrl) {
    const root = join(storage.dataDir, 'images');
    if (!existsSync(root)) return [];
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => d.name);
  }
  const cfg = parseBlobsUrl(storage.blobsUrl);
  const client = new S3Client({ region: cfg.region, endpoint: cfg.endpoint, forcePathStyle: cfg.forcePathStyle });
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: cfg.bucket, Prefix: `${cfg.prefix}/`, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  client.destroy();
  return keys;
}
