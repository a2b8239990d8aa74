/**
 * @file Score fusion of the two recognisers: the fused score of two templates, the translation of an un-fused
 * template's cosine onto the fused scale, and the manifest's fusion entry. Real models on real photos: engine.test.ts
 * (a selfie's template) and bench:accuracy (error rates).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, defaultModelsDir } from '../../src/engine/index.js';
import { faceScoring } from '../../src/engine/engine.js';
import { faceTemplate, templateSimilarity, toPrimaryScale, type FaceScoring } from '../../src/engine/fusion.js';
import { parseManifest } from '../../src/engine/manifest.js';
import { l2Normalize } from '../../src/engine/math/vector.js';
import { HAS_SHARED, SHARED_MISSING, sharedFile } from '../helpers/shared-data.js';

const shipped = JSON.parse(readFileSync(path.join(defaultModelsDir(), 'manifest.json'), 'utf8')) as { models: Record<string, object> };
const scoring: FaceScoring = faceScoring(parseManifest(shipped, '.'), true);
const f = scoring.fusion!;
/** A unit vector of `n` dimensions pointing mostly along axis `axis`. */
const unit = (n: number, axis: number, tilt = 0) => l2Normalize(Array.from({ length: n }, (_, i) => (i === axis ? 1 : i === (axis + 1) % n ? tilt : 0)));

describe('fused score', () => {
  it('is the weighted sum of the primary cosine and the second one z-mapped onto the primary scale, then put on the cosine scale', () => {
    const a = faceTemplate(unit(512, 0), unit(128, 0));
    const b = faceTemplate(unit(512, 0, 1), unit(128, 0, 0.5));
    const c1 = 1 / Math.SQRT2;
    const c2 = 1 / Math.hypot(1, 0.5);
    const mapped = f.primaryImpostor.mean + (f.primaryImpostor.sd * (c2 - f.secondaryImpostor.mean)) / f.secondaryImpostor.sd;
    expect(a).toHaveLength(512 + 128);
    expect(templateSimilarity(a, b, scoring)).toBeCloseTo(toPrimaryScale((1 - f.weight) * c1 + f.weight * mapped, scoring), 6);
    expect(templateSimilarity(a, a, scoring)).toBeGreaterThan(templateSimilarity(a, b, scoring));
  });

  it('meets the primary thresholds at the false-match rates both scores were calibrated at', () => {
    for (const p of f.operatingPoints) {
      const primary = scoring.primaryPoints.find((q) => q.fmr === p.fmr)!.threshold;
      expect(toPrimaryScale(p.threshold, scoring)).toBeCloseTo(primary, 9);
    }
    expect(toPrimaryScale(0.9, scoring)).toBeGreaterThan(toPrimaryScale(0.6, scoring));
    expect(toPrimaryScale(-0.2, scoring)).toBeLessThan(toPrimaryScale(0.1, scoring));
  });

  it('compares a template without the second part, or with fusion off, by the plain primary cosine', () => {
    const legacy = unit(512, 0);
    const fused = faceTemplate(unit(512, 0, 1), unit(128, 0));
    expect(templateSimilarity(legacy, fused, scoring)).toBeCloseTo(1 / Math.SQRT2, 6);
    const off: FaceScoring = faceScoring(parseManifest(shipped, '.'), false);
    expect(templateSimilarity(fused, fused, off)).toBeCloseTo(1, 6);
    expect(faceTemplate(unit(512, 3), null)).toHaveLength(512);
  });
});

describe('manifest fusion entry', () => {
  const withFusion = (fusion: object) => ({ models: { ...shipped.models, fusion: { ...shipped.models.fusion, ...fusion } } });
  it('is optional and rejects a malformed weight or statistics', () => {
    const { fusion: _omit, ...models } = shipped.models;
    expect(parseManifest({ models }, '.').fusion).toBeNull();
    expect(() => parseManifest(withFusion({ weight: 1.5 }), '.')).toThrow(/weight must be between 0 and 1/);
    expect(() => parseManifest(withFusion({ secondaryImpostor: { mean: 0.8, sd: 0 } }), '.')).toThrow(/sd must be positive/);
    expect(() => parseManifest(withFusion({ operatingPoints: [{ fmr: 2, threshold: 0.4 }] }), '.')).toThrow(/fusion.operatingPoints\[0\].fmr/);
  });
});

describe.skipIf(!HAS_SHARED)(`fusion on real photos${HAS_SHARED ? '' : ` (skipped: ${SHARED_MISSING})`}`, () => {
  it('gives a selfie both embeddings and keeps the decision on the same person and on a stranger', async () => {
    const engine = await createEngine({ workers: 1, settings: { fusion: true } });
    try {
      const a = await engine.analyze(sharedFile('faces', 'img1.jpg'));
      expect(a.template).toHaveLength(512 + 128);
      expect(Array.from(a.template!.subarray(0, 512))).toEqual(Array.from(a.embedding!));
      expect(Math.hypot(...a.template!.subarray(512))).toBeCloseTo(1, 5);
      const same = await engine.compare(sharedFile('faces', 'img1.jpg'), sharedFile('faces', 'img2.jpg'));
      const other = await engine.compare(sharedFile('faces', 'img1.jpg'), sharedFile('faces', 'img3.jpg'));
      expect(same.samePerson).toBe(true);
      expect(other.samePerson).toBe(false);
      // A template enrolled without fusion still compares (by its primary cosine).
      expect(engine.matchToReference(a, a.embedding!)!.similarity).toBeCloseTo(1, 5);
    } finally {
      await engine.close();
    }
  });
});
