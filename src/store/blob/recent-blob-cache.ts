/**
 * @file A write-through memory cache in front of a BlobStore: a job's images are read back by the worker moments
 * after the upload stored them, so the most recent ones are served from memory. Bounded by total bytes; the
 * underlying store stays the source of truth (a restart simply reads from it).
 */
import type { BlobStore } from '../types.js';

export class RecentBlobCache implements BlobStore {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    private readonly inner: BlobStore,
    private readonly maxBytes: number,
  ) {}

  async put(key: string, data: Buffer): Promise<void> {
    await this.inner.put(key, data);
    this.remember(key, data);
  }

  async replace(key: string, data: Buffer): Promise<void> {
    await this.inner.replace(key, data);
    this.remember(key, data);
  }

  async get(key: string): Promise<Buffer | null> {
    const hit = this.entries.get(key);
    if (hit) return hit;
    return this.inner.get(key);
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.forget(key);
    await this.inner.delete(keys);
  }

  list(): AsyncIterable<string> {
    return this.inner.list();
  }

  holdsAny(): Promise<boolean> {
    return this.inner.holdsAny();
  }

  private remember(key: string, data: Buffer): void {
    if (data.length > this.maxBytes) return;
    this.forget(key);
    this.entries.set(key, data);
    this.bytes += data.length;
    // Maps iterate in insertion order: the first entries are the oldest.
    for (const [oldKey] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.forget(oldKey);
    }
  }

  private forget(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.bytes -= old.length;
  }
}
