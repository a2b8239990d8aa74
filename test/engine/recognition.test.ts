/** @file The recognition path's calibration: the shipped thresholds are the manifest's, and flip averaging works. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../src/decision/index.js';
import { cosineSimilarity, createEngine, defaultModelsDir, type FaceEngine } from '../../src/engine/index.js';
import { loadManifest, parseManifest } from '../../src/engine/manifest.js';
import { DEFAULT_MATCH_THRESHOLD, DEFAULT_SETTINGS, MATCH_THRESHOLD_FMR_1E3, MATCH_THRESHOLD_FMR_1E5 } from '../../src/engine/settings.js';
import { HAS_SHARED, SHARED_MISSING, sharedFile } from '../helpers/shared-data.js';

describe('operating points', () => {
  it('the engine and decision defaults are the thresholds the manifest gives the shipped embedding model', async () => {
    const { embedding } = await loadManifest(defaultModelsDir(), false);
    const at = (fmr: number) => embedding.operatingPoints.find((p) => p.fmr === fmr)?.threshold;
    expect(at(1e-4)).toBe(DEFAULT_MATCH_THRESHOLD);
    expect(at(1e-3)).toBe(MATCH_THRESHOLD_FMR_1E3);
    expect(at(1e-5)).toBe(MATCH_THRESHOLD_FMR_1E5);
    expect(DEFAULT_SETTINGS.matchThreshold).toBe(DEFAULT_MATCH_THRESHOLD);
    expect(DEFAULT_THRESHOLDS.match).toBe(DEFAULT_MATCH_THRESHOLD);
    expect(DEFAULT_THRESHOLDS.match - DEFAULT_THRESHOLDS.matchReviewBelow).toBeCloseTo(MATCH_THRESHOLD_FMR_1E3, 9);
    expect(DEFAULT_THRESHOLDS.match + DEFAULT_THRESHOLDS.matchReviewAbove).toBeCloseTo(MATCH_THRESHOLD_FMR_1E5, 9);
  });

  it('rejects malformed operating points and allows none', () => {
    const shipped = JSON.parse(readFileSync(path.join(defaultModelsDir(), 'manifest.json'), 'utf8')) as { models: { embedding: object } };
    const manifest = (points: unknown) => ({ models: { ...shipped.models, embedding: { ...shipped.models.embedding, operatingPoints: points } } });
    expect(parseManifest(manifest(undefined), '.').embedding.operatingPoints).toEqual([]);
    expect(() => parseManifest(manifest([{ fmr: 0, threshold: 0.4 }]), '.')).toThrow(/fmr must be between 0 and 1/);
    expect(() => parseManifest(manifest([{ fmr: 1e-4 }]), '.')).toThrow(/threshold must be a number/);
    expect(() => parseManifest(manifest({}), '.')).toThrow(/must be an array/);
  });
});

describe.skipIf(!HAS_SHARED)(`flip averaging on a real photo${HAS_SHARED ? '' : ` (skipped: ${SHARED_MISSING})`}`, () => {
  let single: FaceEngine;
  let flipped: FaceEngine;
  beforeAll(async () => {
    [single, flipped] = await Promise.all([createEngine({ workers: 1, settings: { flipAverage: false } }), createEngine({ workers: 1 })]);
  });
  afterAll(async () => {
    await Promise.all([single?.close(), flipped?.close()]);
  });

  it('makes a face and its mirror image nearly the same embedding, closer than one embedding each does', async () => {
    const photo = sharedFile('faces', 'img11.jpg');
    const mirrored = await sharp(photo).flop().jpeg({ quality: 95 }).toBuffer();
    const similarity = async (engine: FaceEngine) => {
      const [a, b] = await Promise.all([engine.analyze(photo), engine.analyze(mirrored)]);
      return cosineSimilarity(a.embedding!, b.embedding!);
    };
    const [one, both] = [await similarity(single), await similarity(flipped)];
    expect(both).toBeGreaterThan(0.95);
    expect(both).toBeGreaterThan(one);
  });
});
