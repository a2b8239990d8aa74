/** @file Decoding: JPEG headers read without a decoder, EXIF orientation, the libjpeg-turbo frame path, large images. */
import sharp, { type JpegOptions } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/engine/image/decode.js';
import { readJpegHeader } from '../../src/engine/image/jpeg-header.js';
import { decodeTurboJpeg, turboDecodable } from '../../src/engine/image/turbo-jpeg.js';

const opts = { maxInputPixels: 50_000_000, minSidePx: 48, maxWorkingSidePx: 1280 };

async function jpeg(width: number, height: number, orientation?: number): Promise<Buffer> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 100, b: 50 } } }).jpeg();
  return (orientation ? img.withMetadata({ orientation }) : img).toBuffer();
}

/** A 64x48 image with a gradient and a vivid patch, so IDCT rounding and channel order both show. */
async function texturedJpeg(options: JpegOptions = {}): Promise<Buffer> {
  const w = 64;
  const h = 48;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 3 * (y * w + x);
      const patch = x > 40 && y > 20;
      px[i] = patch ? 230 : 4 * x;
      px[i + 1] = patch ? 20 : 5 * y;
      px[i + 2] = patch ? 40 : (x * y) & 255;
    }
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90, ...options }).toBuffer();
}

describe('readJpegHeader', () => {
  it('reads the stored size and EXIF orientation, past other segments', async () => {
    expect(readJpegHeader(await jpeg(120, 80))).toEqual({ width: 120, height: 80, sequential: true, orientation: 1, iccProfile: false });
    expect(readJpegHeader(await jpeg(120, 80, 6))).toMatchObject({ width: 120, height: 80, orientation: 6 });
  });

  it('tells progressive coding and an embedded colour profile apart', async () => {
    expect(readJpegHeader(await texturedJpeg({ progressive: true }))).toMatchObject({ sequential: false, iccProfile: false });
    const withIcc = await sharp(await texturedJpeg()).withIccProfile('p3').jpeg().toBuffer();
    expect(readJpegHeader(withIcc)).toMatchObject({ sequential: true, iccProfile: true });
  });

  it('gives up on anything that is not a well-formed JPEG header', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'white' } }).png().toBuffer();
    expect(readJpegHeader(png)).toBeNull();
    expect(readJpegHeader(Buffer.from('%PDF-1.7'))).toBeNull();
    expect(readJpegHeader((await jpeg(120, 80)).subarray(0, 20))).toBeNull();
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

describe('decodeImage with fastJpeg (liveness frames)', () => {
  const frameOpts = { ...opts, maxWorkingSidePx: 640, fastJpeg: true };

  it('decodes a plain JPEG to the pixels sharp gives, up to IDCT rounding', async () => {
    const bytes = await texturedJpeg();
    const header = readJpegHeader(bytes)!;
    expect(turboDecodable(header)).toBe(true);
    expect(decodeTurboJpeg(bytes, header)).toMatchObject({ width: 64, height: 48 });
    const fast = await decodeImage(bytes, frameOpts);
    const exact = await decodeImage(bytes, { ...frameOpts, fastJpeg: false });
    expect({ w: fast.image.width, h: fast.image.height, scale: fast.scale }).toEqual({ w: 64, h: 48, scale: 1 });
    let worst = 0;
    let total = 0;
    for (let i = 0; i < exact.image.data.length; i++) {
      const d = Math.abs(fast.image.data[i] - exact.image.data[i]);
      worst = Math.max(worst, d);
      total += d;
    }
    expect(worst).toBeLessThanOrEqual(6);
    expect(total / exact.image.data.length).toBeLessThan(1.5);
  });

  it('leaves rotated, progressive and colour-managed JPEGs to sharp', async () => {
    const rotated = await decodeImage(await jpeg(120, 80, 6), frameOpts);
    expect({ w: rotated.image.width, h: rotated.image.height }).toEqual({ w: 80, h: 120 });
    const progressive = await texturedJpeg({ progressive: true });
    expect((await decodeImage(progressive, frameOpts)).image.data).toEqual((await decodeImage(progressive, { ...frameOpts, fastJpeg: false })).image.data);
  });

  it('hands whatever libjpeg-turbo refuses to sharp, which decides as it would without the fast path', async () => {
    const bytes = await texturedJpeg();
    await expect(decodeImage(bytes.subarray(0, bytes.length - 40), frameOpts)).rejects.toMatchObject({ reason: 'truncated' });
    // Damaged scan data: libjpeg-turbo stops at the first warning, sharp (failOn 'truncated') decodes what it can.
    const corrupt = Buffer.from(bytes);
    corrupt.fill(0xff, 400, 480);
    const decoded = await decodeImage(corrupt, frameOpts);
    expect(decoded.image.data).toEqual((await decodeImage(corrupt, { ...frameOpts, fastJpeg: false })).image.data);
  });
});
