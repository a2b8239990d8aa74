/**
 * @file Every image encrypted at rest, whichever store holds it: wraps a BlobStore, sealing each object in its own
 * envelope (envelope.ts) on the way in and opening it on the way out. The blob key is the envelope's context, so
 * an object moved under another key does not open.
 */
import type { Envelope } from '../envelope.js';
import type { BlobStore } from '../types.js';

export class EncryptingBlobStore implements BlobStore {
  constructor(
    private readonly inner: BlobStore,
    private readonly envelope: Envelope,
  ) {}

  put(key: string, data: Buffer): Promise<void> {
    return this.inner.put(key, this.envelope.encrypt(data, key));
  }

  replace(key: string, data: Buffer): Promise<void> {
    return this.inner.replace(key, this.envelope.encrypt(data, key));
  }

  async get(key: string): Promise<Buffer | null> {
    const data = await this.inner.get(key);
    return data && this.envelope.decrypt(data, key);
  }

  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys);
  }

  list(): AsyncIterable<string> {
    return this.inner.list();
  }

  holdsAny(): Promise<boolean> {
    return this.inner.holdsAny();
  }
}
