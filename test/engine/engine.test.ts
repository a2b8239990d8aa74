/** @file The engine end to end on real photos: faces, matching, anti-spoof, bursts, bad input, worker pool. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, ImageError, type FaceEngine } from '../../src/engine/index.js';
import { HAS_SHARED, SHARED_MISSING, burstFrames, sharedFile } from '../helpers/shared-data.js';

const require = createRequire(import.meta.url);
// human's "exports" hide package.json; its main entry sits in dist/, next to assets/.
const assets = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'assets');
const asset = (name: string) => readFileSync(path.join(assets, name));

let engine: FaceEngine;
beforeAll(async () => {
  engine = await createEngine({ workers: 2 });
});
afterAll(async () => {
  await engine?.close();
});

/** A valid PNG signature and IHDR claiming width x height, with no pixel data: never allocates the pixels. */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const type = Buffer.from('IHDR');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(13);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, ihdr])) >>> 0);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), len, type, ihdr, crc]);
}

async function imageError(p: Promise<unknown>): Promise<ImageError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ImageError);
  return err as ImageError;
}

describe('bad input', () => {
  it('rejects an empty buffer', async () => {
    expect((await imageError(engine.analyze(Buffer.alloc(0)))).reason).toBe('empty');
  });

  it('rejects a PDF as an unsupported format', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
    const err = await imageError(engine.analyze(pdf));
    expect(err.reason).toBe('unsupported_format');
    expect(err.message).toMatch(/JPEG, PNG or WebP/);
  });

  it('rejects a truncated JPEG', async () => {
    const jpeg = asset('screenshot-faceid.jpg');
    expect((await imageError(engine.analyze(jpeg.subarray(0, Math.floor(jpeg.length / 2))))).reason).toBe('truncated');
  });

  it('rejects a PNG whose header claims 30000x30000 pixels before decoding it', async () => {
    const err = await imageError(engine.analyze(pngHeader(30000, 30000)));
    expect(err.reason).toBe('too_large');
    expect(err.message).toMatch(/30000x30000/);
  });

  it('rejects a 1x1 image as too small', async () => {
    const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#888' } }).png().toBuffer();
    expect((await imageError(engine.analyze(png))).reason).toBe('too_small');
  });

  it('analyses a photo with no face as a usable image with faces: 0', async () => {
    const w = 320, h = 240;
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([x * 0.8, y, 128], (y * w + x) * 3);
    const jpeg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg().toBuffer();
    const a = await engine.analyze(jpeg);
    expect(a).toMatchObject({ faces: 0, box: null, embedding: null, spoof: null });
    expect(a.quality).toMatchObject({ ok: false, reasons: ['no_face'] });
  });

  it('keeps working after bad input (no worker left broken)', async () => {
    await Promise.allSettled([engine.analyze(Buffer.alloc(0)), engine.analyze(Buffer.from('nope'))]);
    expect((await engine.analyze(asset('screenshot-faceid.jpg'))).faces).toBe(1);
  });
});

describe('real photos shipped with @vladmandic/human', () => {
  it('finds the one face in screenshot-faceid.jpg with a unit-length 512-d embedding', async () => {
    const a = await engine.analyze(asset('screenshot-faceid.jpg'));
    expect(a.faces).toBe(1);
    expect(a.embedding).toHaveLength(512);
    const norm = Math.hypot(...a.embedding!);
    expect(norm).toBeCloseTo(1, 5);
    // Fusion is off by default: a selfie's template is its embedding (fusion.test.ts has the fused template).
    expect(a.template).toEqual(a.embedding);
    expect(a.box![2]).toBeGreaterThan(a.box![0]);
  });

  it('flags the many faces of screenshot-facematch.jpg as multiple_faces', async () => {
    const a = await engine.analyze(asset('screenshot-facematch.jpg'));
    expect(a.faces).toBeGreaterThan(10);
    expect(a.quality.reasons).toContain('multiple_faces');
  });

  it('analyses every shipped photo without crashing', async () => {
    for (const f of ['samples.jpg', 'screenshot-facedetect.jpg', 'screenshot-vrm.jpg']) {
      const a = await engine.analyze(asset(f));
      expect(a.width).toBeGreaterThan(0);
      expect(a.faces).toBeGreaterThanOrEqual(1);
    }
  });

  it('matches a face with its mirror image and compares identical images at similarity 1', async () => {
    const img = asset('screenshot-faceid.jpg');
    const same = await engine.compare(img, img);
    expect(same.similarity).toBeCloseTo(1, 4);
    const mirrored = await sharp(img).flop().jpeg({ quality: 92 }).toBuffer();
    const r = await engine.compare(img, mirrored);
    expect(r.similarity).toBeGreaterThan(r.threshold);
  });

  it('flags the same face as too_dark, overexposed or face_too_small once the photo is made so, and only then', async () => {
    const img = asset('screenshot-faceid.jpg');
    const original = await engine.analyze(img);
    expect(original.quality.ok).toBe(true);
    const dark = await engine.analyze(await sharp(img).linear(0.3, 0).jpeg().toBuffer());
    expect(dark.faces).toBe(1);
    expect(dark.quality.reasons).toEqual(['too_dark']);
    const bright = await engine.analyze(await sharp(img).linear(2, 70).jpeg().toBuffer());
    expect(bright.faces).toBe(1);
    expect(bright.quality.reasons).toEqual(['overexposed']);
    // 800 px wide → 400: the ~97 px face becomes ~48 px, under the 64 px minimum.
    const small = await engine.analyze(await sharp(img).resize(400).jpeg().toBuffer());
    expect(small.faces).toBe(1);
    expect(small.quality.reasons).toEqual(['face_too_small']);
  });

  it('treats a blurred face as blurry and the sharp original as fine', async () => {
    const original = await engine.analyze(asset('screenshot-faceid.jpg'));
    expect(original.quality.reasons).not.toContain('blurry');
    const blurred = await engine.analyze(await sharp(asset('screenshot-faceid.jpg')).blur(3).jpeg().toBuffer());
    expect(blurred.faces).toBe(1);
    expect(blurred.quality.reasons).toContain('blurry');
    expect(blurred.quality.sharpness).toBeLessThan(original.quality.sharpness / 5);
  });
});

describe.skipIf(!HAS_SHARED)(`../shared evaluation photos${HAS_SHARED ? '' : ` (skipped: ${SHARED_MISSING})`}`, () => {
  it('matches two photos of the same person and not two different people', async () => {
    const same = await engine.compare(sharedFile('faces', 'img1.jpg'), sharedFile('faces', 'img2.jpg'));
    expect(same.match).toBe(true);
    const diff = await engine.compare(sharedFile('faces', 'img1.jpg'), sharedFile('faces', 'img3.jpg'));
    expect(diff.match).toBe(false);
    expect(diff.similarity).toBeLessThan(0.3);
  });

  it('decodes WebP named .jpg and honours EXIF orientation', async () => {
    expect((await engine.analyze(sharedFile('faces', 'img47.jpg'))).faces).toBe(1);
    const real = await engine.analyze(sharedFile('spoof', 'real-1.jpg'));
    expect(real).toMatchObject({ width: 480, height: 640, faces: 1 });
  });

  it('rejects the printed photo and accepts the live capture on passive anti-spoof', async () => {
    const print = await engine.liveness(sharedFile('spoof', 'print-1.jpg'), []);
    expect(print).toMatchObject({ live: false, reasons: ['spoof_detected'] });
    const real = await engine.liveness(sharedFile('spoof', 'real-1.jpg'), []);
    expect(real.live).toBe(true);
  });

  it('flags a two-person photo or a group selfie but not a smaller, off-centre or defocused face beside the subject', async () => {
    for (const f of ['couple.jpg', 'selfie-many-people.jpg']) {
      expect((await engine.analyze(sharedFile('faces', f))).quality.reasons).toContain('multiple_faces');
    }
    // Mike_Tyson_0002: a sharp second face 0.91 of the subject's size, but at the edge of the frame (priority 0.64).
    for (const f of [sharedFile('faces', 'img54.jpg'), sharedFile('faces', 'img41.jpg'), sharedFile('lfw-dev', 'Mike_Tyson_0002.jpg')]) {
      const a = await engine.analyze(f);
      expect(a.faces).toBeGreaterThan(1);
      expect(a.quality.reasons).not.toContain('multiple_faces');
    }
  });

  it('passes the live burst and fails the still burst', async () => {
    const frames = (name: string) => burstFrames(name).map((f) => readFileSync(f));
    const live = frames('live-1');
    const liveResult = await engine.liveness(live[0], live);
    expect(liveResult).toMatchObject({ live: true, reasons: [], framesWithFace: 8 });
    const still = frames('still-1');
    const stillResult = await engine.liveness(still[0], still);
    expect(stillResult.live).toBe(false);
    expect(stillResult.reasons).toContain('no_natural_motion');
  });

  it('passes a backlit laptop-webcam user, telling them about the light, and fails a phone-screen replay', async () => {
    const pad = (dir: string) => Array.from({ length: 8 }, (_, i) => sharedFile('pad-dev', dir, 'burst', `f0${i + 1}.jpg`));
    const webcam = pad('webcam-real');
    const real = await engine.liveness(webcam[0], webcam);
    expect(real).toMatchObject({ live: true, reasons: [] });
    expect(real.antiSpoof.imagesBelowThreshold).toBeLessThan(3);
    expect((await engine.analyze(webcam[0])).quality).toMatchObject({ ok: true, hints: ['backlit'] });
    expect((await engine.analyze(sharedFile('faces', 'img11.jpg'))).quality.hints).toEqual([]);
    const replay = pad('replay');
    const attack = await engine.liveness(replay[3], replay);
    expect(attack.live).toBe(false);
    expect(attack.reasons).toContain('spoof_detected');
  });

  it('fails a burst replaying one frame, and one whose selfie is another person', async () => {
    const live = burstFrames('live-1').map((f) => readFileSync(f));
    const replay = await engine.liveness(live[0], Array.from({ length: 8 }, (_, i) => live[i < 4 ? 0 : 5]));
    expect(replay.reasons).toContain('near_identical_frames');
    const other = await engine.liveness(sharedFile('faces', 'img3.jpg'), live);
    expect(other.reasons).toContain('identity_mismatch');
  });

  it('runs a whole SmartSelfie job with a reference template', async () => {
    const live = burstFrames('live-1').map((f) => readFileSync(f));
    const enrolled = await engine.analyze(live[0]);
    const m = await engine.smartSelfie({ selfie: live[7], liveness: live, reference: enrolled.embedding! });
    expect(m.match!.similarity).toBeGreaterThan(0.47);
    expect(m.liveness.live).toBe(true);
    expect(m.elapsedMs).toBeGreaterThan(0);
  });
});
