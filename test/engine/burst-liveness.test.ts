/** @file Burst liveness rules on synthetic analyses: motion, replayed frames, identity, anti-spoof, no frames. */
import { describe, expect, it } from 'vitest';
import { assessBurst, scoreAround } from '../../src/engine/burst-liveness.js';
import type { ImageAnalysis } from '../../src/engine/face-analyzer.js';
import { DEFAULT_SETTINGS } from '../../src/engine/settings.js';
import { l2Normalize } from '../../src/engine/math/vector.js';

const S = DEFAULT_SETTINGS.liveness;
const person = (seed: number) => l2Normalize(Array.from({ length: 512 }, (_, i) => Math.sin(seed * 1000 + i * (seed + 1))));

function frame(o: { emb?: Float32Array | null; yaw?: number; mouth?: number; spoof?: number | null; thumb?: number }): ImageAnalysis {
  const emb = o.emb === undefined ? person(1) : o.emb;
  return {
    analysis: {
      width: 640, height: 480, faces: emb ? 1 : 0, box: emb ? [200, 100, 440, 380] : null, detectionScore: 1,
      quality: { ok: !!emb, reasons: emb ? [] : ['no_face'], hints: [], brightness: 120, backgroundBrightness: 120, sharpness: 500, faceSizePx: 280, yaw: o.yaw ?? 0, pitch: 0, eyeOpenness: 0.3 },
      spoof: emb && o.spoof !== null ? { real: (o.spoof ?? 0.99) >= 0.5, score: o.spoof ?? 0.99 } : null,
      embedding: emb,
      template: emb,
      signals: emb ? { yaw: o.yaw ?? 0, pitch: 0, eyeOpenness: 0.3, mouthOpenness: o.mouth ?? 0.05 } : null,
    },
    thumbnail: new Float32Array(768).fill(o.thumb ?? 0).map((v, i) => v + (i % 7)),
  };
}

const moving = (i: number, extra: Parameters<typeof frame>[0] = {}) => frame({ yaw: -0.3 + 0.1 * i, mouth: 0.02 * i, thumb: 10 * i, ...extra });

describe('assessBurst', () => {
  it('passes a moving, same-person, real burst with a score ≥ 0.5', () => {
    const r = assessBurst(frame({}), Array.from({ length: 8 }, (_, i) => moving(i)), S);
    expect(r.reasons).toEqual([]);
    expect(r.live).toBe(true);
    expect(r.score).toBeGreaterThanOrEqual(0.5);
    expect(r.framesWithFace).toBe(8);
    expect(r.minSimilarityToSelfie).toBeCloseTo(1);
  });

  it('fails a held still photo (no pose, eye or mouth motion)', () => {
    const r = assessBurst(frame({}), Array.from({ length: 8 }, (_, i) => frame({ yaw: 0.01 * (i % 2), thumb: 10 * i })), S);
    expect(r.live).toBe(false);
    expect(r.reasons).toContain('no_natural_motion');
    expect(r.score).toBeLessThan(0.5);
  });

  it('fails a burst that repeats a frame', () => {
    const frames = Array.from({ length: 8 }, (_, i) => moving(i));
    frames[5] = { ...frames[5], thumbnail: frames[2].thumbnail };
    const r = assessBurst(frame({}), frames, S);
    expect(r.reasons).toEqual(['near_identical_frames']);
    expect(r.motion!.minFrameDifference).toBe(0);
    expect(r.live).toBe(false);
  });

  it('fails when one frame shows another person', () => {
    const frames = Array.from({ length: 8 }, (_, i) => moving(i));
    frames[4] = moving(4, { emb: person(7) });
    const r = assessBurst(frame({}), frames, S);
    expect(r.reasons).toContain('identity_mismatch');
    expect(r.minSimilarityToSelfie!).toBeLessThan(S.minFrameSimilarity);
  });

  it('fails when too few frames hold a face', () => {
    const frames = Array.from({ length: 8 }, (_, i) => (i < 3 ? moving(i) : i < 6 ? null : moving(i, { emb: null })));
    const r = assessBurst(frame({}), frames, S);
    expect(r.framesWithFace).toBe(3);
    expect(r.reasons).toContain('too_few_frames_with_face');
  });

  it('aggregates anti-spoof as the median of the selfie and the scored frames, and says what it rests on', () => {
    const frames = Array.from({ length: 8 }, (_, i) => moving(i, { spoof: i % 2 ? null : 0.1 }));
    const r = assessBurst(frame({ spoof: 0.95 }), frames, S);
    expect(r.spoofScore).toBeCloseTo(0.1);
    expect(r.reasons).toEqual(['spoof_detected']);
    expect(r.antiSpoof).toEqual({ aggregation: 'median', threshold: S.spoofThreshold, selfie: 0.95, frames: [0.1, 0.1, 0.1, 0.1], imagesBelowThreshold: 4 });
  });

  it('one dark frame does not fail a live burst, and one lucky frame does not pass a replay', () => {
    const live = Array.from({ length: 8 }, (_, i) => moving(i, { spoof: i === 3 ? 0.02 : 0.8 }));
    expect(assessBurst(frame({ spoof: 0.8 }), live, S)).toMatchObject({ live: true, reasons: [] });
    // The selfie too may be the poor image.
    expect(assessBurst(frame({ spoof: 0.1 }), Array.from({ length: 8 }, (_, i) => moving(i, { spoof: 0.8 })), S).live).toBe(true);
    const replay = Array.from({ length: 8 }, (_, i) => moving(i, { spoof: i === 5 ? 0.99 : 0.05 }));
    expect(assessBurst(frame({ spoof: 0.99 }), replay, S)).toMatchObject({ live: false, reasons: ['spoof_detected'] });
  });

  it('min-selfie-median, the earlier rule, lets one bad selfie fail the burst', () => {
    const frames = Array.from({ length: 8 }, (_, i) => moving(i, { spoof: 0.8 }));
    const r = assessBurst(frame({ spoof: 0.1 }), frames, { ...S, spoofAggregation: 'min-selfie-median' });
    expect(r.spoofScore).toBeCloseTo(0.1);
    expect(r.reasons).toEqual(['spoof_detected']);
  });

  it('with no frames the selfie\'s passive anti-spoof decides', () => {
    expect(assessBurst(frame({ spoof: 0.9 }), [], S)).toMatchObject({ live: true, reasons: [], frames: 0, motion: null });
    expect(assessBurst(frame({ spoof: 0.02 }), [], S)).toMatchObject({ live: false, reasons: ['spoof_detected'] });
    expect(assessBurst(frame({ emb: null }), [], S)).toMatchObject({ live: false, reasons: ['selfie_unusable'], score: 0 });
  });

  it('scoreAround is 0.5 at the threshold and monotonic', () => {
    expect(scoreAround(0.3, 0.3, 1)).toBe(0.5);
    expect(scoreAround(0.15, 0.3, 1)).toBeCloseTo(0.25);
    expect(scoreAround(1, 0.3, 1)).toBe(1);
    expect(scoreAround(0.65, 0.3, 1)).toBeCloseTo(0.75);
  });
});
