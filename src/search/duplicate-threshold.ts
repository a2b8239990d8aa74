/**
 * @file The similarity at or above which an enrolled face counts as a likely duplicate of a new enrolment.
 *
 * A 1:N search makes N comparisons, so its chance of a false duplicate grows with N: with a per-comparison false-match
 * rate (FMR) f, an enrolment against N enrolled faces expects f·N false candidates and raises at least one with
 * probability 1 − (1 − f)^N ≈ 1 − e^(−f·N). The threshold is therefore the engine's strictest calibrated operating
 * point, the cosine at FMR 1e-5 (MATCH_THRESHOLD_FMR_1E5, 0.485, models/manifest.json; MODELS.md: chosen just above
 * the strongest of 144,749 calibration impostor pairs, 1 of 154,566 report-split pairs reaches it, 6.5e-6), stricter
 * than the 1:1 match threshold (FMR 1e-4, 0.433). What it means per enrolment, at f = 1e-5:
 *
 *   N = 10,000     f·N = 0.1   expected false candidates; ~9.5 % of enrolments get at least one
 *   N = 100,000    f·N = 1     ~63 %
 *   N = 1,000,000  f·N = 10    nearly every enrolment
 *
 * So at 100k users and beyond a candidate at this threshold is a lead for review (policy `flag` or `review`), not proof;
 * `reject` needs a stricter, deployment-calibrated threshold (f·N ≪ 1, e.g. f = 1e-8 at 1M), which the 1,240 photos
 * of lfw-dev cannot calibrate. npm run bench:search measures how many real duplicates ../shared/faces finds at it.
 */
import { MATCH_THRESHOLD_FMR_1E5 } from '../engine/settings.js';

export const DUPLICATE_THRESHOLD = MATCH_THRESHOLD_FMR_1E5;

/** Expected false duplicate candidates per enrolment, and the chance of at least one, among `enrolled` faces. */
export function falseDuplicateOdds(enrolled: number, fmr = 1e-5): { expected: number; atLeastOne: number } {
  return { expected: fmr * enrolled, atLeastOne: 1 - Math.exp(enrolled * Math.log1p(-fmr)) };
}
