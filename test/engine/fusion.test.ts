/**
 * @file Score fusion of the two recognisers: the fused score of two templates, the translation of an un-fused
 * template's cosine onto the fused scale, and the manifest's fusion entry. Real models on real photos: engine.test.ts
 * (a selfie's template) and bench:accuracy (error rates).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultModelsDir } from '../../src/engine/index.js';
import { faceScoring } from '../../src/engine/engine.js';
import { faceTemplate, templateSimilarity, translatePrimary, type FaceScoring } from '../../src/engine/fusion.js';
import { parseManifest } from '../../src/engine/manifest.js';
import { l2Normalize } from '../../src/engine/math/vector.js';

const shipped = JSON.parse(readFileSync(path.join(defaultModelsDir(), 'manifest.json'), 'utf8')) as { models: Record<string, object> };
const scoring: FaceScoring = faceScoring(parseManifest(shipped, '.'));
const f = scoring.fusion!;
/** A unit vector of `n` dimensions pointing mostly along axis `axis`. */
const unit = (n: number, axis: number, tilt = 0) => l2Normalize(Array.from({ length: n }, (_, i) => (i === axis ? 1 : i === (axis + 1) % n ? tilt : 0)));

describe('fused score', () => {
  it('is the weighted sum of the primary cosine and the second one z-mapped onto the primary scale', () => {
    const a = faceTemplate(unit(512, 0), unit(128, 0));
    const b = faceTemplate(unit(512, 0, 1), unit(128, 0, 0.5));
    const c1 = 1 / Math.SQRT2;
    const c2 = 1 / Math.hypot(1, 0.5);
    const mapped = f.primaryImpostor.mean + (f.primaryImpostor.sd * (c2 - f.secondaryImpostor.mean)) / f.secondaryImpostor.sd;
    expect(a).toHaveLength(512 + 128);
    expect(templateSimilarity(a, b, scoring)).toBeCloseTo((1 - f.weight) * c1 + f.weight * mapped, 6);
    expect(templateSimilarity(a, a, scoring)).toBeGreaterThan(templateSimilarity(a, b, scoring));
  });

  it('scores a template without the second part by its primary cosine at the same false-match rate', () => {
    const legacy = unit(512, 0);
    const fused = faceTemplate(unit(512, 0, 1), unit(128, 0));
    const c1 = 1 / Math.SQRT2;
    expect(templateSimilarity(legacy, fused, scoring)).toBeCloseTo(translatePrimary(c1, scoring), 9);
    // At each calibrated FMR the primary threshold lands on the fused threshold.
    for (const p of f.operatingPoints) {
      const primary = scoring.primaryPoints.find((q) => q.fmr === p.fmr)!.threshold;
      expect(translatePrimary(primary, scoring)).toBeCloseTo(p.threshold, 9);
    }
    expect(translatePrimary(0.9, scoring)).toBeGreaterThan(translatePrimary(0.6, scoring));
    expect(translatePrimary(-0.2, scoring)).toBeLessThan(translatePrimary(0.1, scoring));
  });

  it('is the plain cosine when the manifest has no second recogniser', () => {
    const plain: FaceScoring = { ...scoring, fusion: null };
    expect(templateSimilarity(unit(512, 0), unit(512, 0, 1), plain)).toBeCloseTo(1 / Math.SQRT2, 6);
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
