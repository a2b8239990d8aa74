/** @file Default decision thresholds and the band and confidence maths around them. */
import { DEFAULT_MATCH_THRESHOLD, DEFAULT_SPOOF_THRESHOLD } from '../engine/settings.js';
import type { DecisionThresholds } from './types.js';

/**
 * Defaults. `match` 0.47 is the engine's match threshold (MODELS.md: the strongest impostor measured 0.456, genuine
 * pairs 0.417 upwards); ±0.05 around it goes to human review. `spoof` 0.5 on P(genuine) with ±0.15 (prints measured
 * ~0.00, live captures 0.91–1.00). `liveness` 0.5 is where the burst score says "every check passed"; ±0.1 around it
 * is a near miss for review.
 */
export const DEFAULT_THRESHOLDS: DecisionThresholds = Object.freeze({
  match: DEFAULT_MATCH_THRESHOLD,
  matchReviewBand: 0.05,
  spoof: DEFAULT_SPOOF_THRESHOLD,
  spoofReviewBand: 0.15,
  liveness: 0.5,
  livenessReviewBand: 0.1,
});

export type Verdict = 'pass' | 'review' | 'fail';

/** pass at or above threshold + band, fail below threshold − band, review in between. */
export function verdict(score: number, threshold: number, band: number): Verdict {
  if (score >= threshold + band) return 'pass';
  if (score < threshold - band) return 'fail';
  return 'review';
}

/**
 * Probability-like confidence that a score is genuinely above its threshold: a logistic of the margin measured in
 * review-band widths, 1 / (1 + e^(−2·(score − threshold)/band)). At the band's upper edge it is 0.88, at its lower
 * edge 0.12, at the threshold 0.5. It is calibrated to the band, not fitted to outcome data (too little exists).
 */
export function passProbability(score: number, threshold: number, band: number): number {
  const width = band > 0 ? band : 0.01;
  return 1 / (1 + Math.exp((-2 * (score - threshold)) / width));
}

export function validateThresholds(t: DecisionThresholds): void {
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`Decision threshold ${k} must be a finite number ≥ 0`);
  }
}
