/**
 * @file The storage flags every command that opens storage takes (--data, --database, --blobs), and opening it for
 * the length of one command.
 */
import { Option, type Command } from 'commander';
import { defaultDataDir } from '../config/server-config.js';
import { openStorage } from '../store/open-storage.js';
import type { Storage } from '../store/storage.js';

export interface StorageFlags {
  data: string;
  database?: string;
  blobs?: string;
}

export function addStorageOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data <dir>', 'data directory (embedded state; TLS material)').default(defaultDataDir()))
    .addOption(new Option('--database <url>', 'postgres://… database of a cluster (default: SQLite under --data)').env('LIKENESS_DATABASE_URL'))
    .addOption(new Option('--blobs <url>', 's3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true (default: <data>/images)').env('LIKENESS_BLOBS_URL'));
}

export async function withStorage<T>(flags: StorageFlags, fn: (s: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage({ dataDir: flags.data, databaseUrl: flags.database ?? null, blobsUrl: flags.blobs ?? null });
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}
