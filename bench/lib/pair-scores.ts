/**
 * @file Every pair of a photo set scored once: cosine similarities of their embeddings (or of one part of a fused
 * template), kept with the pair's indices and gate state so that scores of two recognisers can be fused pair by pair.
 */
import { scoreSet, thresholdAtFmr, fnmrAt, type ScoreSet } from './error-rates.js';

export interface PairScores {
  n: number;
  /** Pair (i, j), i < j, in a fixed order; `score` −1 when a photo has no face. */
  i: Int32Array;
  j: Int32Array;
  score: Float64Array;
  genuine: Uint8Array;
  /** Both photos pass every quality gate. */
  gated: Uint8Array;
  identity: Int32Array;
}

/** Cosines of every pair of unit vectors (null: no face, scored −1). */
export function pairScores(ids: number[], vectors: (Float32Array | null)[], ok: boolean[]): PairScores {
  const n = ids.length;
  const m = (n * (n - 1)) / 2;
  const out: PairScores = {
    n: m, i: new Int32Array(m), j: new Int32Array(m), score: new Float64Array(m),
    genuine: new Uint8Array(m), gated: new Uint8Array(m), identity: new Int32Array(m),
  };
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, k++) {
      const a = vectors[i];
      const b = vectors[j];
      let s = -1;
      if (a && b) {
        s = 0;
        for (let d = 0; d < a.length; d++) s += a[d] * b[d];
      }
      out.i[k] = i;
      out.j[k] = j;
      out.score[k] = s;
      out.genuine[k] = ids[i] === ids[j] ? 1 : 0;
      out.gated[k] = ok[i] && ok[j] ? 1 : 0;
      out.identity[k] = ids[i];
    }
  }
  return out;
}

/** The same pairs with `f` applied to the two score lists (a fusion). */
export function fusePairs(a: PairScores, b: PairScores, f: (x: number, y: number) => number): PairScores {
  return { ...a, score: Float64Array.from(a.score, (x, k) => (x === -1 || b.score[k] === -1 ? -1 : f(x, b.score[k]))) };
}

export function toScoreSet(p: PairScores, gatedOnly: boolean): ScoreSet {
  const genuine: { s: number; identity: number }[] = [];
  const impostor: number[] = [];
  for (let k = 0; k < p.n; k++) {
    if (gatedOnly && !p.gated[k]) continue;
    if (p.genuine[k]) genuine.push({ s: p.score[k], identity: p.identity[k] });
    else impostor.push(p.score[k]);
  }
  return scoreSet(genuine, Float64Array.from(impostor));
}

/** Mean and standard deviation of the gated impostor scores: the z-normalisation of a recogniser. */
export function impostorStats(p: PairScores): { mean: number; sd: number } {
  let n = 0, s = 0, s2 = 0;
  for (let k = 0; k < p.n; k++) {
    if (!p.gated[k] || p.genuine[k]) continue;
    n++;
    s += p.score[k];
    s2 += p.score[k] * p.score[k];
  }
  const mean = s / n;
  return { mean, sd: Math.sqrt(s2 / n - mean * mean) };
}

export interface FusionFit {
  weight: number;
  primaryImpostor: { mean: number; sd: number };
  secondaryImpostor: { mean: number; sd: number };
}

/** Fused score: the weighted sum of the primary cosine and the secondary one mapped onto the primary's impostor scale. */
export function fusedScore(fit: FusionFit): (primary: number, secondary: number) => number {
  const { weight: w, primaryImpostor: p, secondaryImpostor: q } = fit;
  return (x, y) => (1 - w) * x + w * (p.mean + (p.sd * (y - q.mean)) / q.sd);
}

/**
 * The fusion weight, on a 0.05 grid, that minimises FNMR at FMR 1e-4 plus a quarter of FNMR at 1e-3 and at 1e-5
 * (the decision threshold first, the review band's edges after it), on the pairs given (the calibration split).
 */
export function learnFusion(primary: PairScores, secondary: PairScores): FusionFit {
  const base = { primaryImpostor: impostorStats(primary), secondaryImpostor: impostorStats(secondary) };
  let best: { fit: FusionFit; cost: number } | null = null;
  for (let step = 0; step <= 20; step++) {
    const fit = { ...base, weight: step / 20 };
    const set = toScoreSet(fusePairs(primary, secondary, fusedScore(fit)), true);
    const at = (fmr: number) => fnmrAt(set, thresholdAtFmr(set.impostor, fmr));
    const cost = at(1e-4) + (at(1e-3) + at(1e-5)) / 4;
    if (!best || cost < best.cost - 1e-12) best = { fit, cost };
  }
  return best!.fit;
}
