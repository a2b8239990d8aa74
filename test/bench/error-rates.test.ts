/** @file The error-rate maths behind bench:accuracy and the shipped thresholds. */
import { describe, expect, it } from 'vitest';
import {
  bootstrapFnmr, countAtOrAbove, detCurve, equalErrorRate, fmrAt, fnmrAt, scoreSet, thresholdAtFmr, thresholdAtFmrBound, wilson,
} from '../../bench/lib/error-rates.js';

/** 1,000 impostor scores 0.0000..0.4995; 100 genuine pairs of 10 identities, 5 of them (0.40–0.44) among the impostors. */
const impostor = Float64Array.from({ length: 1000 }, (_, i) => i / 2000);
const genuine = Array.from({ length: 100 }, (_, i) => ({ s: 0.9 + (i % 10) / 100 - (i < 5 ? 0.5 : 0), identity: i % 10 }));
const set = scoreSet(genuine, impostor);

describe('error rates', () => {
  it('a threshold for a target FMR admits at most that fraction of impostor pairs, and the next pair would break it', () => {
    for (const f of [0.1, 0.01, 0.001]) {
      const t = thresholdAtFmr(set.impostor, f);
      expect(countAtOrAbove(set.impostor, t)).toBe(Math.floor(f * 1000));
      expect(fmrAt(set, t)).toBeLessThanOrEqual(f);
    }
    // Below one pair in N, no impostor may pass.
    expect(countAtOrAbove(set.impostor, thresholdAtFmr(set.impostor, 1e-4))).toBe(0);
  });

  it('a bounded threshold keeps the Wilson upper bound at the target, and says when the data cannot', () => {
    const many = Float64Array.from({ length: 144_749 }, (_, i) => 1 - i / 144_749);
    const b = thresholdAtFmrBound(many, 1e-4);
    expect(b).toMatchObject({ admitted: 7, bounded: true });
    expect(wilson(7, 144_749)[1]).toBeLessThanOrEqual(1e-4);
    expect(wilson(8, 144_749)[1]).toBeGreaterThan(1e-4);
    expect(countAtOrAbove(many, b.threshold)).toBe(7);
    expect(thresholdAtFmrBound(many, 1e-5)).toMatchObject({ admitted: 0, bounded: false });
  });

  it('Wilson interval matches the textbook value and never leaves [0, 1]', () => {
    const [lo, hi] = wilson(10, 100);
    expect(lo).toBeCloseTo(0.0552, 3);
    expect(hi).toBeCloseTo(0.1744, 3);
    expect(wilson(0, 50)[0]).toBe(0);
    expect(wilson(50, 50)[1]).toBeLessThanOrEqual(1);
  });

  it('FNMR, EER and the DET curve follow the scores', () => {
    const t = thresholdAtFmr(set.impostor, 0.01);
    expect(fnmrAt(set, t)).toBeCloseTo(0.05, 9);
    const { eer } = equalErrorRate(set);
    expect(eer).toBeGreaterThan(0);
    expect(eer).toBeLessThan(0.06);
    const det = detCurve(set, 30);
    for (let i = 1; i < det.length; i++) {
      expect(det[i][0]).toBeGreaterThanOrEqual(det[i - 1][0]);
      expect(det[i][1]).toBeLessThanOrEqual(det[i - 1][1]);
    }
  });

  it('the identity bootstrap brackets the FNMR and is reproducible', () => {
    const t = thresholdAtFmr(set.impostor, 0.01);
    const [lo, hi] = bootstrapFnmr(set, t, 500);
    expect(lo).toBeLessThanOrEqual(0.05);
    expect(hi).toBeGreaterThanOrEqual(0.05);
    expect(bootstrapFnmr(set, t, 500)).toEqual([lo, hi]);
  });
});
