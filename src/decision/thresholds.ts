/** @file Default decision thresholds and the band and confidence maths around them. */
import { DEFAULT_MATCH_THRESHOLD, DEFAULT_SPOOF_THRESHOLD, MATCH_THRESHOLD_FMR_1E3, MATCH_THRESHOLD_FMR_1E5 } from '../engine/settings.js';
import type { DecisionThresholds } from './types.js';

/**
 * Defaults. `match` is the engine's match threshold, the cosine at a false-match rate of 1e-4 on lfw-dev's
 * calibration split; the review band runs from the threshold at FMR 1e-3 up to the one at FMR 1e-5 (MODELS.md,
 * models/manifest.json): the machine approves on its own only scores that at most 1 impostor in 100,000 reaches,
 * and rejects on its own only scores below what 1 impostor in 1,000 reaches. `spoof` 0.5 on P(genuine) with ±0.15 (prints measured
 * ~0.00, live captures 0.91–1.00). `liveness` 0.5 is where the burst score says "every check passed"; ±0.1 around it
 * is a near miss for review.
 */
export const DEFAULT_THRESHOLDS: DecisionThresholds = Object.freeze({
  match: DEFAULT_MATCH_THRESHOLD,
  matchReviewBelow: Number((DEFAULT_MATCH_THRESHOLD - MATCH_THRESHOLD_FMR_1E3).toFixed(6)),
  matchReviewAbove: Number((MATCH_THRESHOLD_FMR_1E5 - DEFAULT_MATCH_THRESHOLD).toFixed(6)),
  spoof: DEFAULT_SPOOF_THRESHOLD,
  spoofReviewBand: 0.15,
  liveness: 0.5,
  livenessReviewBand: 0.1,
});

export type Verdict = 'pass' | 'review' | 'fail';

/**
 * pass at or above threshold + above, fail below threshold − below, review in between. The band is symmetric unless
 * `above` is given (the match band is: its edges are the thresholds at two false-match rates).
 */
export function verdict(score: number, threshold: number, below: number, above = below): Verdict {
  if (score >= threshold + above) return 'pass';
  if (score < threshold - below) return 'fail';
  return 'review';
}

/**
 * Probability-like confidence that a score is genuinely above its threshold: a logistic of the margin measured in
 * half-band widths (the lower half below the threshold, the upper half above it), 1 / (1 + e^(−2·margin)). At the
 * band's upper edge it is 0.88, at its lower edge 0.12, at the threshold 0.5. For the face match the threshold and the
 * edges are the cosines at FMR 1e-4, 1e-3 and 1e-5, so the margin is −log10(FMR at the score) − 4, interpolated
 * linearly between those calibrated points (and extended past them): the confidence follows the same DET curve as
 * the thresholds (1e-6 → 0.98, 1e-2 → 0.02). For anti-spoof and liveness it is calibrated to the band only (too
 * little outcome data exists).
 */
export function passProbability(score: number, threshold: number, below: number, above = below): number {
  const width = (score >= threshold ? above : below) || 0.01;
  return 1 / (1 + Math.exp((-2 * (score - threshold)) / width));
}

export function validateThresholds(t: DecisionThresholds): void {
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`Decision threshold ${k} must be a finite number ≥ 0`);
  }
}
