/**
 * @file Fast decoding of plain camera-frame JPEGs with libjpeg-turbo's TurboJPEG API (@julusian/jpeg-turbo): ~0.9 ms
 * for a 640x480 frame where sharp takes ~4.7 ms (most of it libvips' per-call pipeline set-up), measured on the 2-core
 * machine. It decodes with the fast integer IDCT, whose pixels differ from sharp's by under one grey level on average
 * (at most ±4), so the engine uses it only for liveness frames; selfies, which decide the match, always go through sharp.
 */
import turbo from '@julusian/jpeg-turbo';
import type { JpegHeader } from './jpeg-header.js';
import type { RawImage } from './raw-image.js';

/**
 * Whether the fast decoder gives the same upright sRGB image sharp would, up to IDCT rounding: a sequential JPEG with
 * no rotation to apply and no colour profile to convert from.
 */
export function turboDecodable(header: JpegHeader): boolean {
  return header.sequential && header.orientation === 1 && !header.iccProfile;
}

/**
 * The RGB pixels, or null when libjpeg-turbo refuses the file or reads another size than `header` says (corrupt, truncated, CMYK…): the caller then decodes
 * with sharp, which reports why. TurboJPEG's own error text is not exposed by the binding, so it is not passed on.
 */
export function decodeTurboJpeg(bytes: Uint8Array, header: JpegHeader): RawImage | null {
  try {
    const { data, width, height } = turbo.decompressSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), { format: turbo.FORMAT_RGB });
    if (width !== header.width || height !== header.height || data.length !== width * height * 3) return null;
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
  } catch {
    return null;
  }
}
