/**
 * @file Storing a job's images: blob keys partitioned by environment and partner (never derived from client input),
 * and the all-or-nothing step that writes the images and then the record that refers to them. In an object store
 * (--blobs), where every request costs, a job's liveness frames are written as one pack (image-packs.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Environment, ImageRole, JobImage } from '../store/types.js';
import type { JobContext } from './context.js';

/** `group` is the SmileJobID, or a random id for images stored before their job record exists. */
export function imageKey(environment: Environment, partnerId: string, group: number | string, role: ImageRole, index: number): string {
  return `${environment}/${partnerId}/${group}/${role}-${index}-${randomBytes(6).toString('hex')}.img`;
}

/** The key of a job's pack of liveness frames. */
function packKey(environment: Environment, partnerId: string, group: number | string): string {
  return `${environment}/${partnerId}/${group}/liveness-${randomBytes(6).toString('hex')}.pack`;
}

export interface IncomingImage {
  role: ImageRole;
  index: number;
  data: Buffer;
}

/**
 * Writes the images, then runs `record` with their references (which saves them with the job). If either step
 * fails the written images are removed, so nothing is kept that no record refers to.
 */
export async function withStoredImages<T>(
  ctx: JobContext,
  where: { environment: Environment; partnerId: string; group: number | string },
  images: IncomingImage[],
  record: (stored: JobImage[]) => Promise<T>,
): Promise<T> {
  const frames = ctx.config.blobsUrl ? images.filter((img) => img.role === 'liveness') : [];
  const singles = frames.length > 1 ? images.filter((img) => img.role !== 'liveness') : images;
  const pack = frames.length > 1 ? packKey(where.environment, where.partnerId, where.group) : null;
  const stored: JobImage[] = singles.map(({ role, index }) => ({ role, index, blobKey: imageKey(where.environment, where.partnerId, where.group, role, index) }));
  try {
    const packed = pack ? ctx.blobs.putPack(pack, frames.map((f) => f.data)) : Promise.resolve([]);
    await Promise.all([packed, ...singles.map((img, i) => ctx.blobs.put(stored[i].blobKey, img.data))]);
    (await packed).forEach((blobKey, i) => stored.push({ role: 'liveness', index: frames[i].index, blobKey }));
    return await record(stored);
  } catch (err) {
    await ctx.blobs.delete([...stored.map((s) => s.blobKey), ...(pack ? [pack] : [])]);
    throw err;
  }
}
