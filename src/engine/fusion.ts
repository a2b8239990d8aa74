/**
 * @file Score fusion of the two face recognisers. A selfie's template is its primary embedding followed by the second
 * recogniser's; two such templates score as a weighted sum of the two cosines after mapping the second onto the
 * first's impostor distribution (z-normalisation), and that fused score is reported on the primary cosine's scale:
 * translated at equal false-match rate through the operating points both scores are calibrated at. So the thresholds
 * are the same with and without fusion, and a template without the second part (enrolled with fusion off) compares
 * by its primary cosine.
 */
import type { FusionSpec } from './manifest.js';
import { cosineSimilarity } from './math/vector.js';

export interface FaceScoring {
  /** Length of the primary embedding, the first part of every template. */
  primaryDimensions: number;
  /** The fusion parameters; null when the manifest has no second recogniser or fusion is off (plain cosines). */
  fusion: FusionSpec | null;
  /** Primary cosine thresholds at the fusion's target FMRs (the embedding's operating points), for the translation. */
  primaryPoints: { fmr: number; threshold: number }[];
}

/** A selfie's template: the primary embedding, with the second recogniser's appended when it ran. */
export function faceTemplate(primary: Float32Array, secondary: Float32Array | null): Float32Array {
  if (!secondary) return primary;
  const t = new Float32Array(primary.length + secondary.length);
  t.set(primary);
  t.set(secondary, primary.length);
  return t;
}

/** The similarity of two templates on the primary cosine's scale (see the file comment). */
export function templateSimilarity(a: Float32Array, b: Float32Array, s: FaceScoring): number {
  const n = s.primaryDimensions;
  const primary = cosineSimilarity(a.subarray(0, n), b.subarray(0, n));
  const f = s.fusion;
  if (!f || a.length !== n + f.dimensions || b.length !== a.length) return primary;
  const secondary = cosineSimilarity(a.subarray(n), b.subarray(n));
  const mapped = f.primaryImpostor.mean + (f.primaryImpostor.sd * (secondary - f.secondaryImpostor.mean)) / f.secondaryImpostor.sd;
  return toPrimaryScale((1 - f.weight) * primary + f.weight * mapped, s);
}

/**
 * A fused score on the primary cosine's scale: linear between the pairs (fused threshold, primary threshold) at each
 * calibrated FMR and extended past the end pairs, so the fused score meets the primary thresholds at the false-match
 * rates both were calibrated for.
 */
export function toPrimaryScale(fused: number, s: FaceScoring): number {
  const pairs = (s.fusion?.operatingPoints ?? [])
    .map((p) => [p.threshold, s.primaryPoints.find((q) => q.fmr === p.fmr)?.threshold] as const)
    .filter((p): p is readonly [number, number] => p[1] !== undefined)
    .sort((x, y) => x[0] - y[0]);
  if (pairs.length < 2) return fused;
  let i = 0;
  while (i < pairs.length - 2 && fused > pairs[i + 1][0]) i++;
  const [[x0, y0], [x1, y1]] = [pairs[i], pairs[i + 1]];
  return y0 + ((fused - x0) * (y1 - y0)) / (x1 - x0);
}
