/**
 * @file Storing a job's images: blob keys partitioned by environment and partner (never derived from client input),
 * and the all-or-nothing step that writes the images and then the record that refers to them.
 */
import { randomBytes } from 'node:crypto';
import type { Environment, ImageRole, JobImage } from '../store/types.js';
import type { JobContext } from './context.js';

/** `group` is the SmileJobID, or a random id for images stored before their job record exists. */
export function imageKey(environment: Environment, partnerId: string, group: number | string, role: ImageRole, index: number): string {
  return `${environment}/${partnerId}/${group}/${role}-${index}-${randomBytes(6).toString('hex')}.img`;
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
  const stored = images.map(({ role, index }) => ({ role, index, blobKey: imageKey(where.environment, where.partnerId, where.group, role, index) }));
  try {
    await Promise.all(images.map((img, i) => ctx.blobs.put(stored[i].blobKey, img.data)));
    return await record(stored);
  } catch (err) {
    await ctx.blobs.delete(stored.map((s) => s.blobKey));
    throw err;
  }
}
