/**
 * @file Absolute URLs the server hands out (upload URLs, signed image links), from the public base URL.
 */
import { signImagePath } from '../jobs/capabilities.js';
import type { UploadLinks } from '../jobs/prep-upload.js';
import type { ImageLinks } from '../jobs/job-status.js';

export const UPLOAD_ROUTE_PREFIX = '/uploads';
export const IMAGE_ROUTE_PREFIX = '/images';

export function makeLinks(origin: string, secret: Buffer, imageTtlMs: number): UploadLinks & ImageLinks {
  return {
    uploadUrl: (token) => `${origin}${UPLOAD_ROUTE_PREFIX}/${token}`,
    imageUrl: (smileJobId, role, index) => {
      const path = `${IMAGE_ROUTE_PREFIX}/${smileJobId}/${role}/${index}`;
      return `${origin}${path}?${signImagePath(secret, path, Date.now() + imageTtlMs)}`;
    },
  };
}
