/**
 * @file Image blobs: atomic writes under checked keys, the recent-image cache in front of them, and an object store
 * that stops answering.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDirBlobStore } from '../../src/store/blob/local-dir-blob-store.js';
import { RecentBlobCache } from '../../src/store/blob/recent-blob-cache.js';
import { openS3BlobStore } from '../../src/store/blob/s3-blob-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-blobs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalDirBlobStore', () => {
  it('stores, reads and deletes, leaving nothing else behind', async () => {
    const blobs = new LocalDirBlobStore(dir);
    await blobs.put('production/001/1/selfie-0-ab.img', Buffer.from('jpeg bytes'));
    expect((await blobs.get('production/001/1/selfie-0-ab.img'))!.toString()).toBe('jpeg bytes');
    expect(readdirSync(join(dir, 'production/001/1'))).toEqual(['selfie-0-ab.img']);
    await blobs.delete(['production/001/1/selfie-0-ab.img']);
    expect(await blobs.get('production/001/1/selfie-0-ab.img')).toBeNull();
  });

  it('writes the images of a job in parallel into a new directory, and remakes it when it was removed behind its back', async () => {
    const blobs = new LocalDirBlobStore(dir);
    const keys = Array.from({ length: 9 }, (_, i) => `production/001/7/liveness-${i}-ab.img`);
    await Promise.all(keys.map((k, i) => blobs.put(k, Buffer.from(`frame ${i}`))));
    expect(readdirSync(join(dir, 'production/001/7')).sort()).toEqual(keys.map((k) => k.split('/').pop()).sort());
    rmSync(join(dir, 'production/001/7'), { recursive: true });
    await blobs.put(keys[0], Buffer.from('again'));
    expect((await blobs.get(keys[0]))!.toString()).toBe('again');
  });

  it('refuses keys that could leave its directory', async () => {
    const blobs = new LocalDirBlobStore(dir);
    for (const key of ['../escape.img', 'a/../../b', '/etc/passwd', 'A B']) {
      await expect(blobs.put(key, Buffer.from('x'))).rejects.toThrow(/invalid blob key/);
    }
  });
});

describe('RecentBlobCache', () => {
  it('serves recent blobs from memory, evicts the oldest past its budget, and forgets deleted ones', async () => {
    const inner = new LocalDirBlobStore(dir);
    const cache = new RecentBlobCache(inner, 10);
    await cache.put('a.img', Buffer.from('12345'));
    await cache.put('b.img', Buffer.from('67890'));
    await inner.delete(['a.img', 'b.img']);
    // Both still in memory although gone from disk.
    expect((await cache.get('a.img'))!.toString()).toBe('12345');
    await cache.put('c.img', Buffer.from('abc'));
    expect(await cache.get('a.img')).toBeNull();
    expect((await cache.get('b.img'))!.toString()).toBe('67890');
    await cache.delete(['b.img']);
    expect(await cache.get('b.img')).toBeNull();
  });
});

describe('S3BlobStore', () => {
  it('gives up on a store that accepts the connection and never answers, after its requestTimeoutMs', async () => {
    // A stalled object store: the TCP connection opens, no HTTP answer ever comes.
    const sockets = new Set<Socket>();
    const stalled = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
    const endpoint = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
    const blobs = openS3BlobStore(`s3://bucket/p?endpoint=${encodeURIComponent(endpoint)}&forcePathStyle=true&requestTimeoutMs=300`);
    try {
      const started = Date.now();
      await expect(blobs.put('production/001/1/selfie-0-ab.img', Buffer.from('jpeg bytes'))).rejects.toThrow();
      // The SDK retries (3 attempts with backoff); without the timeout enforced the put hangs for ever.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      for (const s of sockets) s.destroy();
      stalled.close();
    }
  });
});
