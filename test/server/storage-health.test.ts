/**
 * @file A lost database does not go unnoticed: readiness (/health, /health/ready) checks that the storage is there
 * and takes writes while liveness (/health/live) only says the process answers; and a server refuses to start on an
 * empty database beside stored images, saying why. On both backends; no engine is needed (no job runs).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { FaceEngine } from '../../src/engine/types.js';
import { openStorage } from '../../src/store/open-storage.js';
import { backendConfig, BACKENDS, freshDatabase } from '../helpers/backends.js';
import { startTestServer } from '../helpers/server.js';

/** The server never runs a job here: an engine that is never called spares loading the models. */
const idleEngine = { close: async () => {} } as unknown as FaceEngine;

async function dropDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.LIKENESS_TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

describe.each(BACKENDS)('%s backend', (backend) => {
  it('readiness fails when the database is lost; liveness still answers', async () => {
    const ts = await startTestServer({ backend, engine: idleEngine });
    try {
      const health = async (path: string) => {
        const res = await fetch(`${ts.origin}${path}`);
        return { status: res.status, body: await res.json() };
      };
      expect(await health('/health')).toEqual({ status: 200, body: { status: 'ok' } });
      expect(await health('/health/ready')).toEqual({ status: 200, body: { status: 'ok' } });
      if (backend === 'embedded') {
        for (const suffix of ['', '-wal', '-shm']) rmSync(join(ts.dataDir, `likeness.db${suffix}`), { force: true });
      } else {
        await dropDatabase(ts.storage.databaseUrl!);
      }
      const started = Date.now();
      expect(await health('/health')).toEqual({ status: 503, body: { status: 'unavailable', failing: ['database'] } });
      expect(await health('/health/ready')).toMatchObject({ status: 503 });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await health('/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    } finally {
      await ts.close().catch(() => {});
    }
  });

  it('refuses to start on an empty database when the image store holds images, saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'likeness-lost-db-'));
    try {
      const config = await backendConfig(backend, dir);
      if (backend === 'embedded') {
        mkdirSync(join(dir, 'images', 'production', '001', '7'), { recursive: true });
        writeFileSync(join(dir, 'images', 'production', '001', '7', 'selfie-0-ab.img'), 'jpeg bytes');
      } else {
        const before = await openStorage(config);
        await before.blobs.put('production/001/7/selfie-0-ab.img', Buffer.from('jpeg bytes'));
        await before.close();
        config.databaseUrl = await freshDatabase();
      }
      await expect(startTestServer({ backend, engine: idleEngine, dataDir: dir, storage: config })).rejects.toThrow(
        /database .* is empty, but the image store .* holds images: the database was lost or the wrong one is configured/,
      );
      // With its records there (or no images), the same storage starts.
      if (backend === 'embedded') rmSync(join(dir, 'images'), { recursive: true });
      else config.blobsUrl = config.blobsUrl!.replace(/\/([0-9a-f]+)\?/, '/$1-empty?');
      const ts = await startTestServer({ backend, engine: idleEngine, dataDir: dir, storage: config });
      await ts.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
