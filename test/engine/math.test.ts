/** @file Unit tests for the engine's pure maths: NMS, the similarity transform, cosine, sampling and crops. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cropRect, rectToAffine, sampleToTensor, type Affine, type RawImage } from '../../src/engine/image/raw-image.js';
import { iou, nms } from '../../src/engine/math/nms.js';
import { applyAffine, estimateSimilarity } from '../../src/engine/math/similarity-transform.js';
import { cosineSimilarity, l2Normalize, softmax } from '../../src/engine/math/vector.js';
import { pickMainFace } from '../../src/engine/main-face.js';
import { resolveSettings, DEFAULT_SETTINGS } from '../../src/engine/settings.js';
import { spoofFrameIndices } from '../../src/engine/engine.js';
import { parseManifest } from '../../src/engine/manifest.js';

describe('nms', () => {
  it('computes intersection over union', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
  });

  it('keeps the best box of each overlapping group and every separate box', () => {
    const kept = nms(
      [
        { box: [0, 0, 10, 10], score: 0.8 },
        { box: [1, 1, 11, 11], score: 0.95 },
        { box: [50, 50, 60, 60], score: 0.7 },
        { box: [0, 0, 10, 9], score: 0.9 },
      ],
      0.3,
    );
    expect(kept.map((k) => k.score)).toEqual([0.95, 0.7]);
  });

  it('keeps boxes that overlap less than the threshold', () => {
    const kept = nms([{ box: [0, 0, 10, 10], score: 0.9 }, { box: [8, 0, 18, 10], score: 0.8 }], 0.3);
    expect(kept).toHaveLength(2);
  });
});

describe('estimateSimilarity', () => {
  it('recovers a known rotation, scale and translation exactly', () => {
    const angle = 0.3, scale = 2.5, tx = 40, ty = -12;
    const T = (p: [number, number]): [number, number] => [
      scale * (Math.cos(angle) * p[0] - Math.sin(angle) * p[1]) + tx,
      scale * (Math.sin(angle) * p[0] + Math.cos(angle) * p[1]) + ty,
    ];
    const src: [number, number][] = [[38.29, 51.7], [73.53, 51.5], [56.03, 71.74], [41.55, 92.37], [70.73, 92.2]];
    const m = estimateSimilarity(src, src.map(T));
    expect(m[0]).toBeCloseTo(scale * Math.cos(angle), 9);
    expect(m[3]).toBeCloseTo(scale * Math.sin(angle), 9);
    for (const p of src) {
      const [x, y] = applyAffine(m, p);
      expect(x).toBeCloseTo(T(p)[0], 9);
      expect(y).toBeCloseTo(T(p)[1], 9);
    }
  });

  it('gives the least-squares fit for noisy points and never a reflection', () => {
    const src: [number, number][] = [[0, 0], [10, 0], [0, 10], [10, 10]];
    const dst: [number, number][] = [[0, 0], [-10, 0], [0, 10], [-10, 10]]; // mirrored: not a similarity
    const m = estimateSimilarity(src, dst);
    // A similarity keeps a = m[0] = m[4] and b = m[3] = −m[1]: orientation is preserved.
    expect(m[0]).toBeCloseTo(m[4]);
    expect(m[3]).toBeCloseTo(-m[1]);
  });

  it('rejects degenerate input', () => {
    expect(() => estimateSimilarity([[1, 1], [1, 1]], [[0, 0], [1, 1]])).toThrow();
    expect(() => estimateSimilarity([[1, 1]], [[0, 0]])).toThrow();
  });
});

describe('vectors', () => {
  it('cosine similarity is 1 for parallel, 0 for orthogonal, −1 for opposite vectors', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1);
    expect(cosineSimilarity([1, 0], [0, 5])).toBeCloseTo(0);
    expect(cosineSimilarity([1, 2], [-1, -2])).toBeCloseTo(-1);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow();
  });

  it('l2Normalize gives unit length and softmax sums to 1', () => {
    const v = l2Normalize([3, 4]);
    expect(v[0]).toBeCloseTo(0.6);
    expect(v[1]).toBeCloseTo(0.8);
    const p = softmax([1000, 1000, -1000]);
    expect(p[0]).toBeCloseTo(0.5);
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1);
  });
});

describe('sampling', () => {
  // 4x2 RGB image whose red channel is 10·x + 100·y.
  const img: RawImage = { width: 4, height: 2, data: new Uint8Array(4 * 2 * 3) };
  for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) img.data[(y * 4 + x) * 3] = 10 * x + 100 * y;

  it('copies pixels 1:1 through the identity map and applies mean/std per plane', () => {
    const t = sampleToTensor(img, rectToAffine(0, 0, 4, 2, 4, 2), { width: 4, height: 2, channels: 'RGB', mean: [10, 0, 0], std: [2, 1, 1] });
    expect(Array.from(t.slice(0, 8))).toEqual([-5, 0, 5, 10, 45, 50, 55, 60]);
  });

  it('halving averages 2x2 blocks (bilinear at pixel centres) and BGR puts red last', () => {
    const t = sampleToTensor(img, rectToAffine(0, 0, 4, 2, 2, 1), { width: 2, height: 1, channels: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] });
    expect(t[4]).toBeCloseTo(55); // (0 + 10 + 100 + 110) / 4
    expect(t[5]).toBeCloseTo(75);
    expect(t[0]).toBe(0);
  });

  it('the exact 2:1 reduction gives the same values as the general bilinear sampler', () => {
    const big: RawImage = { width: 10, height: 8, data: Uint8Array.from({ length: 10 * 8 * 3 }, (_, i) => (i * 37) % 256) };
    const spec = { width: 4, height: 3, channels: 'RGB' as const, mean: [127, 127, 127], std: [128, 128, 128] };
    // x = 1, y = 2: a 2:1 map of an interior rectangle; the 1e-12 rotation forces the general sampler.
    const fast = sampleToTensor(big, rectToAffine(1, 2, 8, 6, 4, 3), spec);
    const general = sampleToTensor(big, [2, 1e-12, 1.5, 1e-12, 2, 2.5], spec);
    expect(fast.length).toBe(general.length);
    for (let i = 0; i < fast.length; i++) expect(fast[i]).toBeCloseTo(general[i], 6);
  });

  it('a rotated map samples the same values as an axis-aligned one for zero rotation', () => {
    const spec = { width: 3, height: 2, channels: 'GRAY' as const, mean: [0], std: [1] };
    const a = sampleToTensor(img, [1, 0, 0.5, 0, 1, 0], spec);
    const b = sampleToTensor(img, [1, 1e-12, 0.5, 1e-12, 1, 0], spec);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 6);
  });

  /** Bilinear sampling written plainly, per output value: what every sampler path must compute. */
  function reference(src: RawImage, m: number[], spec: { width: number; height: number }, channel: number): number[] {
    const at = (x: number, y: number) => src.data[(y * src.width + x) * 3 + channel];
    const out: number[] = [];
    for (let y = 0; y < spec.height; y++) {
      for (let x = 0; x < spec.width; x++) {
        const sx = Math.min(Math.max(m[0] * x + m[1] * y + m[2], 0), src.width - 1);
        const sy = Math.min(Math.max(m[3] * x + m[4] * y + m[5], 0), src.height - 1);
        const x0 = Math.floor(sx), y0 = Math.floor(sy);
        const x1 = Math.min(x0 + 1, src.width - 1), y1 = Math.min(y0 + 1, src.height - 1);
        const fx = sx - x0, fy = sy - y0;
        out.push((at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy);
      }
    }
    return out;
  }

  it('every sampler path (general, 2:1, axis-aligned) matches plain bilinear sampling, edges clamped', () => {
    const noise: RawImage = { width: 37, height: 29, data: Uint8Array.from({ length: 37 * 29 * 3 }, (_, i) => (i * 7919) % 251) };
    const spec = { width: 12, height: 9, channels: 'RGB' as const, mean: [0, 0, 0], std: [1, 1, 1] };
    const maps: Affine[] = [
      [1.3, 0.4, -3.2, -0.4, 1.3, 5.1], // rotated, partly outside the image
      rectToAffine(4, 6, 24, 18, 12, 9), // exact 2:1
      rectToAffine(-5.5, 2.25, 50, 31, 12, 9), // axis-aligned crop reaching past the edges
    ];
    for (const m of maps) {
      const t = sampleToTensor(noise, m, spec);
      for (let c = 0; c < 3; c++) {
        const want = reference(noise, m, spec, c);
        want.forEach((v, i) => expect(t[c * 108 + i]).toBeCloseTo(v, 3));
      }
    }
  });

  it('samples each image from its own pixels when several images of different sizes alternate', () => {
    const spec = { width: 2, height: 2, channels: 'GRAY' as const, mean: [0], std: [1] };
    const flat = (v: number, w: number, h: number): RawImage => ({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(v) });
    const small = flat(10, 8, 8);
    const large = flat(200, 1500, 1100); // more than the sampler's initial memory
    for (const [image, value] of [[small, 10], [large, 200], [small, 10]] as const) {
      const t = sampleToTensor(image, rectToAffine(0, 0, image.width, image.height, 2, 2), spec);
      expect(Array.from(t, (v) => Math.round(v))).toEqual([value, value, value, value]);
    }
  });

  it('crop rectangles stay inside the image and shrink their scale when the image is too small', () => {
    const [x, y, w, h] = cropRect([300, 200, 400, 300], 640, 480, 2.7, 'box');
    expect(w).toBeCloseTo(270);
    expect(h).toBeCloseTo(270);
    expect(x).toBeCloseTo(215);
    expect(y).toBeCloseTo(115);
    const edge = cropRect([0, 0, 100, 200], 640, 480, 2.7, 'box');
    expect(edge[0]).toBe(0);
    expect(edge[1]).toBe(0);
    expect(edge[3]).toBeLessThanOrEqual(479);
    const sq = cropRect([100, 100, 150, 200], 640, 480, 1, 'square');
    expect(sq[2]).toBeCloseTo(100);
    expect(sq[3]).toBeCloseTo(100);
  });
});

describe('main face and settings', () => {
  it('prefers a large central face over a larger face in the corner only when the corner one is not much larger', () => {
    const central = { box: [270, 190, 370, 290] as [number, number, number, number], score: 1 };
    const corner = { box: [0, 0, 110, 110] as [number, number, number, number], score: 1 };
    expect(pickMainFace([corner, central], 640, 480)).toBe(1);
    const hugeCorner = { box: [0, 0, 300, 300] as [number, number, number, number], score: 1 };
    expect(pickMainFace([central, hugeCorner], 640, 480)).toBe(1);
    expect(pickMainFace([], 640, 480)).toBe(-1);
  });

  it('rejects unknown or non-finite settings and keeps defaults for the rest', () => {
    expect(() => resolveSettings({ quality: { minFaceSize: 3 } as never })).toThrow(/quality\.minFaceSize/);
    expect(() => resolveSettings({ matchThreshold: Number.NaN })).toThrow();
    const s = resolveSettings({ matchThreshold: 0.5, liveness: { spoofFrames: 4 } });
    expect(s.matchThreshold).toBe(0.5);
    expect(s.liveness.spoofFrames).toBe(4);
    expect(s.quality).toEqual(DEFAULT_SETTINGS.quality);
    expect(() => resolveSettings({ liveness: { spoofAggregation: 'mean' as never } })).toThrow(/spoofAggregation must be one of median, min-selfie-median/);
    expect(resolveSettings({ liveness: { spoofAggregation: 'min-selfie-median' } }).liveness.spoofAggregation).toBe('min-selfie-median');
  });

  it('spreads anti-spoof frames evenly, first and last included', () => {
    expect([...spoofFrameIndices(8, 4)]).toEqual([0, 2, 5, 7]);
    expect([...spoofFrameIndices(8, 0)]).toHaveLength(8);
    expect([...spoofFrameIndices(3, 4)]).toEqual([0, 1, 2]);
  });
});

describe('manifest', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../models/manifest.json', import.meta.url), 'utf8')) as { models: Record<string, unknown> };
  const withAntispoof = (antispoof: unknown) => ({ models: { ...manifest.models, antispoof } });

  it('reads the shipped anti-spoof pair, each model with its own crop and real-class index', () => {
    const specs = parseManifest(manifest, '/m').antispoof;
    expect(specs.map((s) => [s.file, s.cropScale, s.realIndex, s.input.width])).toEqual([
      ['silent-face-v2-2.7.onnx', 2.7, 1, 80],
      ['silent-face-v1se-4.0.onnx', 4, 1, 80],
    ]);
  });

  it('takes one anti-spoof model as an object too, and refuses an empty list or a malformed entry by name', () => {
    expect(parseManifest(withAntispoof(manifest.models.antispoofBaseline), '/m').antispoof.map((s) => s.file)).toEqual(['fr_liveness.onnx']);
    expect(() => parseManifest(withAntispoof([]), '/m')).toThrow(/models\.antispoof must name at least one model/);
    const [first] = manifest.models.antispoof as Record<string, unknown>[];
    expect(() => parseManifest(withAntispoof([first, { ...first, file: undefined }]), '/m')).toThrow(/models\.antispoof\[1\]\.file/);
  });
});
