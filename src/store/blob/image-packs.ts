/**
 * @file Images that share one fate (a job's liveness frames: written, read, expired and deleted together) kept as
 * one object, a pack: one PUT and one GET per job instead of one per frame where every request costs (an object
 * store: its price per request, the S3 client's CPU per request). An image in a pack is addressed as
 * `<pack key>#<position>`; records refer to it by that key like any other. The pack is one object to everything
 * below this layer (sealed in one envelope, rotated and listed as one).
 *
 * Reading a member fetches its pack once, however many members are read at once; deleting any member deletes the
 * pack, as its members go together (a retention batch that took only some of them leaves the rest unreadable,
 * and their own purge deletes nothing more).
 */
import type { BlobStore } from '../types.js';

const MEMBER = '#';

/** A pack: the member count, each member's length (32-bit big-endian), then the members' bytes. */
export function packImages(images: Buffer[]): Buffer {
  const header = Buffer.alloc(4 * (images.length + 1));
  header.writeUInt32BE(images.length, 0);
  images.forEach((img, i) => header.writeUInt32BE(img.length, 4 * (i + 1)));
  return Buffer.concat([header, ...images]);
}

/** The member at `position`, or null when the pack has none there. */
export function unpackImage(pack: Buffer, position: number): Buffer | null {
  const count = pack.readUInt32BE(0);
  if (position >= count) return null;
  let offset = 4 * (count + 1);
  for (let i = 0; i < position; i++) offset += pack.readUInt32BE(4 * (i + 1));
  return pack.subarray(offset, offset + pack.readUInt32BE(4 * (position + 1)));
}

function memberOf(key: string): { pack: string; position: number } | null {
  const at = key.lastIndexOf(MEMBER);
  if (at < 0) return null;
  const position = Number(key.slice(at + 1));
  return Number.isInteger(position) && position >= 0 ? { pack: key.slice(0, at), position } : null;
}

/** A BlobStore that also stores and reads packs; plain keys pass through unchanged. */
export class ImagePackStore implements BlobStore {
  /** Packs being fetched, so members read together cost one GET. */
  private readonly fetching = new Map<string, Promise<Buffer | null>>();

  constructor(private readonly inner: BlobStore) {}

  /** Stores the images as one object under `packKey`; returns the keys they are read and deleted by, in order. */
  async putPack(packKey: string, images: Buffer[]): Promise<string[]> {
    await this.inner.put(packKey, packImages(images));
    return images.map((_, i) => `${packKey}${MEMBER}${i}`);
  }

  put(key: string, data: Buffer): Promise<void> {
    return this.inner.put(key, data);
  }

  replace(key: string, data: Buffer): Promise<void> {
    return this.inner.replace(key, data);
  }

  async get(key: string): Promise<Buffer | null> {
    const member = memberOf(key);
    if (!member) return this.inner.get(key);
    let pack = this.fetching.get(member.pack);
    if (!pack) {
      pack = this.inner.get(member.pack).finally(() => this.fetching.delete(member.pack));
      this.fetching.set(member.pack, pack);
    }
    const data = await pack;
    return data && unpackImage(data, member.position);
  }

  delete(keys: string[]): Promise<void> {
    return this.inner.delete([...new Set(keys.map((k) => memberOf(k)?.pack ?? k))]);
  }

  list(): AsyncIterable<string> {
    return this.inner.list();
  }

  holdsAny(): Promise<boolean> {
    return this.inner.holdsAny();
  }
}
