/** @file Turns untrusted image bytes into an upright RGB working image, or an ImageError with a stable reason. */
import sharp, { type Metadata } from 'sharp';
import { ImageError } from '../image-error.js';
import { readJpegHeader } from './jpeg-header.js';
import type { RawImage } from './raw-image.js';
import { decodeTurboJpeg, turboDecodable } from './turbo-jpeg.js';

export interface DecodeOptions {
  /** Largest accepted width x height of the encoded image (checked from the header, before decoding). */
  maxInputPixels: number;
  /** Smallest accepted side in pixels: anything smaller cannot hold a usable face. */
  minSidePx: number;
  /**
   * Longest side of the working image. Larger images are shrunk by the smallest power of two that fits, because
   * JPEG decoders shrink by 2, 4 or 8 inside the DCT almost for free (a 1382x1868 photo: ~80 ms → ~20 ms).
   */
  maxWorkingSidePx: number;
  /**
   * Allow libjpeg-turbo's fast path for plain JPEGs that need no shrinking (see turbo-jpeg.ts); its pixels differ
   * from sharp's by IDCT rounding, so it is for liveness frames, not for the images that decide a match.
   */
  fastJpeg?: boolean;
}

export interface DecodedImage {
  image: RawImage;
  /** Size after EXIF auto-orientation, before any shrinking. */
  width: number;
  height: number;
  /** Original pixels per working pixel (≥ 1). */
  scale: number;
}

const FORMATS = new Set(['jpeg', 'png', 'webp']);

export async function decodeImage(bytes: Uint8Array, opts: DecodeOptions): Promise<DecodedImage> {
  if (bytes.length === 0) throw new ImageError('empty', 'The image is empty (0 bytes)');
  const jpeg = readJpegHeader(bytes);
  const claimed = pngHeaderSize(bytes) ?? jpeg;
  if (claimed && claimed.width * claimed.height > opts.maxInputPixels) throw tooLarge(claimed.width, claimed.height, opts.maxInputPixels);
  // Most captures need no shrinking and no orientation-dependent sizes: decode them without a separate metadata
  // pass (which cost ~0.75 ms of a ~5 ms decode for a 640x480 frame). EXIF orientation is still applied.
  if (claimed && Math.max(claimed.width, claimed.height) <= opts.maxWorkingSidePx && Math.min(claimed.width, claimed.height) >= opts.minSidePx) {
    const fast = opts.fastJpeg && jpeg && turboDecodable(jpeg) ? decodeTurboJpeg(bytes, jpeg) : null;
    return fast ? { image: fast, width: fast.width, height: fast.height, scale: 1 } : decodeAt(bytes, opts, null);
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    const msg = (err as Error).message;
    if (/unsupported image format/i.test(msg)) {
      throw new ImageError('unsupported_format', 'The file is not an image in a supported format (JPEG, PNG or WebP)');
    }
    throw new ImageError('truncated', `The image could not be read: it is corrupt or truncated (${msg})`);
  }
  if (!meta.format || !FORMATS.has(meta.format)) {
    throw new ImageError('unsupported_format', `Unsupported image format "${meta.format ?? 'unknown'}": use JPEG, PNG or WebP`);
  }
  const w0 = meta.width ?? 0;
  const h0 = meta.height ?? 0;
  if (w0 * h0 > opts.maxInputPixels) throw tooLarge(w0, h0, opts.maxInputPixels);
  const rotated = (meta.orientation ?? 1) >= 5;
  const width = rotated ? h0 : w0;
  const height = rotated ? w0 : h0;
  if (Math.min(width, height) < opts.minSidePx) {
    throw new ImageError('too_small', `The image is ${width}x${height} pixels; each side must be at least ${opts.minSidePx}`);
  }
  let shrink = 1;
  while (Math.max(width, height) / shrink > opts.maxWorkingSidePx) shrink *= 2;
  return decodeAt(bytes, opts, shrink > 1 ? { shrink, width, height } : null);
}

/** Decodes upright (EXIF orientation applied), shrunk when `shrinking` says so (its sizes are the upright ones). */
async function decodeAt(
  bytes: Uint8Array,
  opts: DecodeOptions,
  shrinking: { shrink: number; width: number; height: number } | null,
): Promise<DecodedImage> {
  try {
    // failOn 'truncated' makes a cut-off JPEG an error instead of a silently grey-filled image.
    let pipeline = sharp(bytes, { limitInputPixels: opts.maxInputPixels, failOn: 'truncated', sequentialRead: true }).rotate();
    if (shrinking) {
      const { shrink, width, height } = shrinking;
      pipeline = pipeline.resize({ width: Math.round(width / shrink), height: Math.round(height / shrink), fit: 'fill' });
    }
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    const image: RawImage = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
    if (!shrinking) return { image, width: info.width, height: info.height, scale: 1 };
    return { image, width: shrinking.width, height: shrinking.height, scale: shrinking.width / info.width };
  } catch (err) {
    throw new ImageError('truncated', `The image could not be decoded: it is corrupt or truncated (${(err as Error).message})`);
  }
}

function tooLarge(w: number, h: number, max: number): ImageError {
  return new ImageError('too_large', `The image is ${w}x${h} pixels, more than the ${max} pixels accepted`);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Width and height from a PNG's IHDR, read directly: a decompression bomb may be nothing but a header, which the
 * decoder's own metadata call rejects as corrupt before anyone learns it was simply too large.
 */
function pngHeaderSize(b: Uint8Array): { width: number; height: number } | null {
  if (b.length < 24 || PNG_SIGNATURE.some((v, i) => b[i] !== v)) return null;
  if (String.fromCharCode(b[12], b[13], b[14], b[15]) !== 'IHDR') return null;
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
