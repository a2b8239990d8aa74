/** @file Decoding: header sizes read without a decoder, EXIF orientation on the fast path, the large-image path. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, jpegHeaderSize } from '../../src/engine/image/decode.js';

const opts = { maxInputPixels: 50_000_000, minSidePx: 48, maxWorkingSidePx: 1280 };

async function jpeg(width: number, height: number, orientation?: number): Promise<Buffer> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 100, b: 50 } } }).jpeg();
  return (orientation ? img.withMetadata({ orientation }) : img).toBuffer();
}

describe('jpegHeaderSize', () => {
  it('reads the stored size from the frame header, past EXIF and other segments', async () => {
    expect(jpegHeaderSize(await jpeg(120, 80))).toEqual({ width: 120, height: 80 });
    expect(jpegHeaderSize(await jpeg(120, 80, 6))).toEqual({ width: 120, height: 80 });
  });

  it('gives up on anything that is not a well-formed JPEG header', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'white' } }).png().toBuffer();
    expect(jpegHeaderSize(png)).toBeNull();
    expect(jpegHeaderSize(Buffer.from('%PDF-1.7'))).toBeNull();
    expect(jpegHeaderSize((await jpeg(120, 80)).subarray(0, 20))).toBeNull();
  });
});

describe('decodeImage', () => {
  it('applies EXIF orientation when no shrinking is needed', async () => {
    const d = await decodeImage(await jpeg(120, 80, 6), opts);
    expect({ width: d.width, height: d.height, scale: d.scale }).toEqual({ width: 80, height: 120, scale: 1 });
    expect({ w: d.image.width, h: d.image.height, bytes: d.image.data.length }).toEqual({ w: 80, h: 120, bytes: 80 * 120 * 3 });
  });

  it('shrinks a large image by a power of two and reports its upright size', async () => {
    const d = await decodeImage(await jpeg(3000, 2000, 6), opts);
    expect({ width: d.width, height: d.height, scale: d.scale }).toEqual({ width: 2000, height: 3000, scale: 4 });
    expect({ w: d.image.width, h: d.image.height }).toEqual({ w: 500, h: 750 });
  });

  it('still refuses an image that is too small or too large from its header', async () => {
    await expect(decodeImage(await jpeg(40, 40), opts)).rejects.toMatchObject({ reason: 'too_small' });
    await expect(decodeImage(await jpeg(400, 300), { ...opts, maxInputPixels: 100_000 })).rejects.toMatchObject({ reason: 'too_large' });
  });
});
