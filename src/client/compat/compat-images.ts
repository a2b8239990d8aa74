/**
 * @file Converts the official SDK's `image_details` into upload entries: file types (0, 1, 4, 5) are read and zipped
 * — liveness files included — and base64 types (2, 3, 6, 7) travel inside info.json.
 */
import { loadImage } from '../image-input.js';
import { uniqueFileNames } from '../image-input.js';
import { FILE_IMAGE_TYPES, type PackageImage } from '../job-package.js';
import { LikenessValidationError } from '../errors.js';
import { imageTypeOf } from './validation.js';

/** An `image_details` entry: a file path for file types, base64 for base64 types (a Buffer is accepted for both). */
export interface ImageDetail {
  image_type_id: number | string;
  image: string | Buffer;
}

export async function toPackageImages(details: ImageDetail[]): Promise<PackageImage[]> {
  const entries = await Promise.all(details.map(async (detail, index): Promise<PackageImage> => {
    const type = imageTypeOf(detail);
    const label = `image_details[${index}]`;
    if (FILE_IMAGE_TYPES.has(type)) {
      const loaded = await loadImage(typeof detail.image === 'string' ? { path: detail.image } : detail.image, label, `image_${index}`);
      return { image_type_id: type, image: '', file_name: loaded.fileName, bytes: loaded.bytes };
    }
    const base64 = Buffer.isBuffer(detail.image) ? detail.image.toString('base64') : detail.image;
    if (typeof base64 !== 'string' || base64.length === 0) throw new LikenessValidationError(`${label}: image is empty`);
    return { image_type_id: type, image: base64, file_name: '' };
  }));
  const files = entries.filter((e) => e.bytes);
  const names = uniqueFileNames(files.map((e) => e.file_name));
  files.forEach((entry, i) => { entry.file_name = names[i]!; });
  return entries;
}
