/** @file The 1:N face index: quantised SIMD search against exact float search, upsert/replace/remove, k and threshold. */
import { describe, expect, it } from 'vitest';
import { FaceIndex, type SearchHit } from '../../src/search/face-index.js';
import { DUPLICATE_THRESHOLD, falseDuplicateOdds } from '../../src/search/duplicate-threshold.js';
import { MATCH_THRESHOLD_FMR_1E5 } from '../../src/engine/settings.js';

/** Deterministic PRNG (mulberry32) and a standard normal from it. */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/**
 * Clustered unit vectors, as face embeddings are: `people` centres and per-photo noise around them, so photos of one
 * person score ~0.7 and of different people ~0 ± 0.05, with many near-ties among the impostors.
 */
function faces(dims: number, people: number, perPerson: number, seed = 1): Float32Array[] {
  const g = gaussian(seed);
  // Per-value noise with dims·noise² = 0.43: two photos of one person score 1 / (1 + 0.43) ≈ 0.7.
  const noise = Math.sqrt(0.43 / dims);
  const out: Float32Array[] = [];
  for (let p = 0; p < people; p++) {
    const centre = unit(Float32Array.from({ length: dims }, g));
    for (let i = 0; i < perPerson; i++) out.push(unit(centre.map((c) => c + noise * g())));
  }
  return out;
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

function exact(entries: Map<string, Float32Array>, q: Float32Array, k: number, min: number): SearchHit[] {
  return [...entries]
    .map(([userId, v]) => ({ userId, similarity: dot(v, q) }))
    .filter((h) => h.similarity >= min)
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, k);
}

/** Quantisation error allowed on one similarity in the ranking checks (12-bit templates: ~1e-4 at most on 512 dims). */
const TOLERANCE = 3e-3;

/**
 * `got` (the index) against `want` (exact search, same k and threshold): rank by rank the same scores within the
 * tolerance, ids differing only between near-ties, and a count that differs only by templates whose exact score is
 * within the tolerance of the threshold.
 */
function expectSameAsExact(got: SearchHit[], want: SearchHit[], entries: Map<string, Float32Array>, q: Float32Array, min = -1): void {
  const borderline = [...entries.values()].filter((v) => Math.abs(dot(v, q) - min) < TOLERANCE).length;
  expect(Math.abs(got.length - want.length)).toBeLessThanOrEqual(borderline);
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    expect(Math.abs(got[i].similarity - want[i].similarity)).toBeLessThan(TOLERANCE);
    expect(Math.abs(got[i].similarity - dot(entries.get(got[i].userId)!, q))).toBeLessThan(TOLERANCE);
    if (got[i].userId !== want[i].userId) expect(Math.abs(dot(entries.get(got[i].userId)!, q) - want[i].similarity)).toBeLessThan(2 * TOLERANCE);
  }
  for (let i = 1; i < got.length; i++) expect(got[i].similarity).toBeLessThanOrEqual(got[i - 1].similarity);
}

describe('FaceIndex', () => {
  const dims = 512;
  const photos = faces(dims, 300, 4);
  const entries = new Map(photos.map((v, i) => [`user-${i}`, v]));

  it('finds what exact float32 search finds, with similarities within the quantisation error', () => {
    const index = new FaceIndex(dims);
    for (const [id, v] of entries) index.upsert(id, v);
    expect(index.size).toBe(1200);
    for (let i = 0; i < 1200; i += 37) {
      const q = photos[i];
      expectSameAsExact(index.search(q, 10, -1), exact(entries, q, 10, -1), entries, q);
      const hits = index.search(q, 10, 0.5);
      expect(hits[0].userId).toBe(`user-${i}`);
      // The other three photos of the same person, and only they, score above 0.5.
      expect(hits.map((h) => Math.floor(Number(h.userId.slice(5)) / 4))).toEqual([0, 0, 0, 0].map(() => Math.floor(i / 4)));
    }
  });

  it('reports similarities from all 12 bits: far closer to exact than the int8 scan alone (~1e-3)', () => {
    const index = FaceIndex.fromMatrix(dims, [...entries.keys()], concat([...entries.values()]));
    let worst = 0;
    for (let i = 0; i < 1200; i += 13) {
      for (const h of index.search(photos[i], 20, -1)) worst = Math.max(worst, Math.abs(h.similarity - dot(entries.get(h.userId)!, photos[i])));
    }
    expect(worst).toBeLessThan(2.5e-4);
  });

  it('returns at most k hits, all at or above the threshold, best first', () => {
    const index = FaceIndex.fromMatrix(dims, [...entries.keys()], concat([...entries.values()]));
    const q = photos[5];
    for (const [k, min] of [[1, -1], [3, 0.5], [50, 0.2], [5000, 0.1], [5000, -1]] as const) {
      const hits = index.search(q, k, min);
      const want = exact(entries, q, k, min);
      expect(hits.length).toBeLessThanOrEqual(k);
      for (const h of hits) expect(h.similarity).toBeGreaterThanOrEqual(min);
      expectSameAsExact(hits, want, entries, q, min);
    }
    expect(index.search(q, 0, -1)).toEqual([]);
    expect(index.search(q, 10, 1.01)).toEqual([]);
    // A threshold exactly at a hit's reported similarity keeps it.
    const best = index.search(q, 1, -1)[0];
    expect(index.search(q, 1, best.similarity)).toEqual([best]);
  });

  it('replaces a template on re-enrolment and never returns a removed user', () => {
    const index = new FaceIndex(dims);
    for (const [id, v] of entries) index.upsert(id, v);
    // user-0 re-enrols with user-1199's face: user-0 now matches that face, not its own photos.
    index.upsert('user-0', photos[1199]);
    expect(index.size).toBe(1200);
    expect(index.search(photos[0], 10, 0.5).map((h) => h.userId)).not.toContain('user-0');
    expect(index.search(photos[1199], 2, 0.9).map((h) => h.userId).sort()).toEqual(['user-0', 'user-1199']);

    // Removing from the middle moves the last record into the hole: both must still behave.
    expect(index.remove('user-10')).toBe(true);
    expect(index.remove('user-10')).toBe(false);
    expect(index.has('user-10')).toBe(false);
    expect(index.size).toBe(1199);
    const all = index.search(photos[10], 5000, -1);
    expect(all).toHaveLength(1199);
    expect(all.map((h) => h.userId)).not.toContain('user-10');
    const last = index.search(photos[1199], 1, 0.9);
    expect(last[0].similarity).toBeGreaterThan(0.99);

    for (let i = 0; i < 1200; i += 2) index.remove(`user-${i}`);
    const left = new Map([...entries].filter(([id]) => Number(id.slice(5)) % 2 === 1));
    expect(index.size).toBe(left.size);
    for (let i = 1; i < 1200; i += 101) expectSameAsExact(index.search(photos[i], 20, -1), exact(left, photos[i], 20, -1), left, photos[i]);
    for (const id of left.keys()) index.remove(id);
    expect(index.size).toBe(0);
    expect(index.search(photos[1], 10, -1)).toEqual([]);
  });

  it('stays correct while it grows between searches, at any dimension count', () => {
    for (const d of [3, 100, 512]) {
      const vs = faces(d, 700, 3, d);
      const index = new FaceIndex(d);
      const seen = new Map<string, Float32Array>();
      vs.forEach((v, i) => {
        index.upsert(`u${i}`, v);
        seen.set(`u${i}`, v);
        // A search between two upserts writes its scratch past the last record, where the next one goes.
        if (i % 97 === 0) expectSameAsExact(index.search(v, 5, -1), exact(seen, v, 5, -1), seen, v);
      });
      expect(index.size).toBe(2100);
      if (d > 3) expect(index.search(vs[2000], 1, 0.5)[0].userId).toBe('u2000');
    }
  });

  it('scores the cosine of vectors that are not unit length', () => {
    const index = new FaceIndex(4);
    index.upsert('a', Float32Array.from([3, 0, 0, 4]));
    index.upsert('b', Float32Array.from([0, 2, 0, 0]));
    const [a, b] = index.search(Float32Array.from([10, 0, 0, 0]), 2, -1);
    expect(a.userId).toBe('a');
    expect(a.similarity).toBeCloseTo(0.6, 2);
    expect(b.similarity).toBeCloseTo(0, 2);
  });

  it('rejects a template of the wrong size or with non-finite values and is left unchanged', () => {
    const index = new FaceIndex(4);
    index.upsert('a', Float32Array.from([1, 0, 0, 0]));
    expect(() => index.upsert('b', new Float32Array(5))).toThrow(/4 values/);
    expect(() => index.upsert('b', Float32Array.from([1, NaN, 0, 0]))).toThrow(/finite/);
    expect(() => index.upsert('a', Float32Array.from([1, Infinity, 0, 0]))).toThrow(/finite/);
    expect(() => index.search(new Float32Array(3), 1, 0)).toThrow(/4 values/);
    expect(index.size).toBe(1);
    expect(index.has('b')).toBe(false);
    expect(index.search(Float32Array.from([1, 0, 0, 0]), 5, -1)).toEqual([{ userId: 'a', similarity: expect.closeTo(1, 3) }]);
    expect(() => new FaceIndex(0)).toThrow(RangeError);
  });

  it('reports its memory: about one and a half bytes per dimension per template', () => {
    const index = FaceIndex.fromMatrix(dims, [...entries.keys()], concat([...entries.values()]));
    const perTemplate = index.memoryBytes() / index.size;
    expect(perTemplate).toBeGreaterThan(dims * 1.5);
    expect(perTemplate).toBeLessThan(dims * 1.75);
  });
});

describe('DUPLICATE_THRESHOLD', () => {
  it('is the engine threshold at FMR 1e-5 and its odds grow with the number of enrolled faces', () => {
    expect(DUPLICATE_THRESHOLD).toBe(MATCH_THRESHOLD_FMR_1E5);
    expect(falseDuplicateOdds(10_000).expected).toBeCloseTo(0.1);
    expect(falseDuplicateOdds(10_000).atLeastOne).toBeCloseTo(0.095, 3);
    expect(falseDuplicateOdds(100_000).atLeastOne).toBeCloseTo(0.632, 3);
    expect(falseDuplicateOdds(1_000_000).atLeastOne).toBeGreaterThan(0.9999);
  });
});

function concat(vs: Float32Array[]): Float32Array {
  const out = new Float32Array(vs.length * vs[0].length);
  vs.forEach((v, i) => out.set(v, i * v.length));
  return out;
}
