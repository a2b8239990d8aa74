/**
 * @file Image blobs: atomic writes under checked keys, and the recent-image cache in front of them.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDirBlobStore } from '../../src/store/blob/local-dir-blob-store.js';
import { RecentBlobCache } from '../../src/store/blob/recent-blob-cache.js';

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
