/**
 * @file Verification error rates from genuine and impostor similarity scores: thresholds at a target false-match
 * rate, false non-match rates, EER, DET curve points and confidence intervals (Wilson for a rate over independent
 * trials, bootstrap by identity for genuine pairs, which share people).
 */

/** Scores of one pair set, each sorted: genuine ascending, impostor descending (so the strongest come first). */
export interface ScoreSet {
  genuine: Float64Array;
  impostor: Float64Array;
  /** Identity index of each genuine pair, in the same order as `genuine`, for the bootstrap by identity. */
  genuineIdentity: Int32Array;
}

export function scoreSet(genuine: { s: number; identity: number }[], impostor: Float64Array): ScoreSet {
  const g = [...genuine].sort((a, b) => a.s - b.s);
  const imp = Float64Array.from(impostor).sort().reverse();
  return { genuine: Float64Array.from(g, (x) => x.s), impostor: imp, genuineIdentity: Int32Array.from(g, (x) => x.identity) };
}

/** Number of values in ascending `sorted` strictly below `t` (binary search). */
export function countBelow(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of values in descending `sorted` at or above `t`. */
export function countAtOrAbove(sortedDesc: Float64Array, t: number): number {
  let lo = 0;
  let hi = sortedDesc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedDesc[mid] >= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The lowest threshold (a score is a match at or above it) at which at most `fmr` of the impostor pairs match: just
 * above the (⌊fmr·N⌋+1)-th strongest impostor score.
 */
export function thresholdAtFmr(impostorDesc: Float64Array, fmr: number): number {
  return thresholdAdmitting(impostorDesc, Math.floor(fmr * impostorDesc.length));
}

/** The lowest threshold at which at most `k` impostor pairs match. */
function thresholdAdmitting(impostorDesc: Float64Array, k: number): number {
  if (k >= impostorDesc.length) return -Infinity;
  const s = impostorDesc[k];
  // The next representable step above s, so that this pair (and its ties) no longer match.
  return s + Math.max(1e-9, Math.abs(s) * 1e-12);
}

/**
 * The lowest threshold at which the 95 % Wilson upper bound of the FMR stays at or below `fmr`: it admits at most k
 * impostor pairs for the largest k whose bound allows it. When even k = 0 does not (too few impostor pairs to show
 * so low a rate), the threshold lies just above the strongest impostor and `bounded` is false.
 */
export function thresholdAtFmrBound(impostorDesc: Float64Array, fmr: number): { threshold: number; admitted: number; bounded: boolean } {
  const n = impostorDesc.length;
  let k = 0;
  while (k < n && wilson(k + 1, n)[1] <= fmr) k++;
  const bounded = wilson(k, n)[1] <= fmr;
  return { threshold: thresholdAdmitting(impostorDesc, k), admitted: k, bounded };
}

export const fnmrAt = (set: ScoreSet, t: number) => countBelow(set.genuine, t) / set.genuine.length;
export const fmrAt = (set: ScoreSet, t: number) => countAtOrAbove(set.impostor, t) / set.impostor.length;

/** Equal error rate: where FNMR and FMR cross, scanning every distinct score as a threshold. */
export function equalErrorRate(set: ScoreSet): { eer: number; threshold: number } {
  const all = Float64Array.from([...set.genuine, ...set.impostor]).sort();
  let lo = 0;
  let hi = all.length - 1;
  // FNMR rises and FMR falls with the threshold: bisect on their difference.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fnmrAt(set, all[mid]) < fmrAt(set, all[mid])) lo = mid;
    else hi = mid;
  }
  const at = (t: number) => ({ eer: (fnmrAt(set, t) + fmrAt(set, t)) / 2, gap: Math.abs(fnmrAt(set, t) - fmrAt(set, t)), threshold: t });
  const [a, b] = [at(all[lo]), at(all[hi])];
  const best = a.gap <= b.gap ? a : b;
  return { eer: best.eer, threshold: best.threshold };
}

/** Wilson score interval (95 %) for k successes in n independent trials. */
export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const half = (z / d) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Deterministic PRNG (mulberry32), so a benchmark's intervals are reproducible. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 95 % percentile interval of the FNMR at threshold `t`, resampling identities with replacement (each drawn identity
 * brings all its genuine pairs): pairs of one person are not independent, so a per-pair interval would be too narrow.
 */
export function bootstrapFnmr(set: ScoreSet, t: number, rounds = 2000, seed = 16): [number, number] {
  const perId = new Map<number, { pairs: number; misses: number }>();
  set.genuine.forEach((s, i) => {
    const id = set.genuineIdentity[i];
    const e = perId.get(id) ?? { pairs: 0, misses: 0 };
    e.pairs++;
    if (s < t) e.misses++;
    perId.set(id, e);
  });
  const ids = [...perId.values()];
  const rand = random(seed);
  const rates = new Float64Array(rounds);
  for (let r = 0; r < rounds; r++) {
    let pairs = 0;
    let misses = 0;
    for (let i = 0; i < ids.length; i++) {
      const e = ids[Math.floor(rand() * ids.length)];
      pairs += e.pairs;
      misses += e.misses;
    }
    rates[r] = pairs ? misses / pairs : 0;
  }
  rates.sort();
  return [rates[Math.floor(0.025 * rounds)], rates[Math.min(rounds - 1, Math.floor(0.975 * rounds))]];
}

/** DET curve: (FMR, FNMR) at thresholds for `steps` FMR values spread evenly on a log axis from 1/N to 1. */
export function detCurve(set: ScoreSet, steps = 120): [number, number][] {
  const n = set.impostor.length;
  const lo = Math.log10(1 / n);
  const points: [number, number][] = [];
  for (let i = 0; i <= steps; i++) {
    const t = thresholdAtFmr(set.impostor, 10 ** (lo + ((0 - lo) * i) / steps));
    points.push([fmrAt(set, t), fnmrAt(set, t)]);
  }
  return points;
}
