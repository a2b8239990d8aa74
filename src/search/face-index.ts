/**
 * @file In-memory 1:N face index: every active template of one partner and environment, quantised to 12 bits and
 * stored as two planes: the top 8 bits, scanned exhaustively with WebAssembly SIMD (assembly/face-search.ts), and a
 * 4-bit residual. The scan keeps a shortlist a few times longer than k; the shortlist is then scored again from all
 * 12 bits, so the ranking and the similarities returned carry 16× less quantisation error than the int8 scan alone
 * (near-ties among a million templates are decided by the residual). Exact search over quantised vectors: no graph
 * to build, no recall lost to an approximate structure; the loss is measured by `npm run bench:search`
 * (BENCHMARKS.md). Removal is a swap with the last record, O(dims). Single-threaded: a search sees the index as it is
 * between two calls, so searching while the index is still being loaded is safe.
 */
import { instantiateFaceSearch, type FaceSearchExports } from './face-search-wasm.js';

export interface SearchHit {
  userId: string;
  /** Cosine similarity of the original float vectors in [−1, 1], approximated from the quantised templates. */
  similarity: number;
}

/** Static data of the module stays below this; records start here. */
const BASE = 1024;
const PAGE = 65536;
const MAX_DIMS = 4096;
/** Templates use the int8 range ±127; the query ±16383, so 127·16383·2·(MAX_DIMS/8) stays inside i32. */
const TEMPLATE_LEVELS = 127;
const QUERY_LEVELS = 16383;
/** Each int8 step is split into 16 by the 4-bit residual: 12 bits in all. */
const FINE_STEPS = 16;
/**
 * Shortlist scanned for k results: the int8 scores' error (~1e-3 at most on 512 dimensions) reorders only near-ties,
 * which a few dozen extra candidates cover.
 */
const SHORTLIST_EXTRA = 48;
/** A rough cost of one id in the JavaScript heap besides its characters: the Map entry and the slot array's cell. */
const ID_OVERHEAD_BYTES = 64;

export class FaceIndex {
  readonly dimensions: number;
  private readonly wasm: FaceSearchExports;
  /** Dimensions rounded up to the SIMD width (16 int8 lanes); the padding is zeros. */
  private readonly padded: number;
  /** Bytes per record: `padded` int8 values, the f32 scale, padding to 16. */
  private readonly stride: number;
  /** Bytes of residuals per record: `padded` nibbles, two per byte. */
  private readonly residualStride: number;
  private readonly slotIds: string[] = [];
  private readonly slots = new Map<string, number>();
  private idChars = 0;
  private capacity = 0;
  /** The 4-bit residuals, `residualStride` bytes per slot, grown with the records. */
  private residuals = new Uint8Array(0);
  /** The largest int8 scale stored: it bounds the int8 scan's error for the shortlist's threshold. */
  private maxScale = 0;
  private readonly qbuf: Int16Array;
  private readonly qnorm: Float64Array;
  /** Views of the memory, made again after it grows (growing detaches the old buffer). */
  private views: { buffer: ArrayBuffer; i8: Int8Array; data: DataView } | null = null;

  constructor(dimensions: number) {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMS) {
      throw new RangeError(`A face index needs 1 to ${MAX_DIMS} dimensions, not ${dimensions}`);
    }
    this.dimensions = dimensions;
    this.padded = Math.ceil(dimensions / 16) * 16;
    this.stride = this.padded + 16;
    this.residualStride = this.padded / 2;
    this.qbuf = new Int16Array(this.padded);
    this.qnorm = new Float64Array(dimensions);
    this.wasm = instantiateFaceSearch();
  }

  /** Builds an index from a row-major Float32 matrix (`userIds.length` rows of `dimensions`), e.g. a loaded snapshot. */
  static fromMatrix(dimensions: number, userIds: readonly string[], matrix: Float32Array): FaceIndex {
    if (matrix.length !== userIds.length * dimensions) {
      throw new RangeError(`The matrix holds ${matrix.length} values, ${userIds.length} templates of ${dimensions} need ${userIds.length * dimensions}`);
    }
    const index = new FaceIndex(dimensions);
    index.reserve(userIds.length);
    userIds.forEach((id, i) => index.upsert(id, matrix.subarray(i * dimensions, (i + 1) * dimensions)));
    return index;
  }

  /** Active entries. */
  get size(): number {
    return this.slotIds.length;
  }

  has(userId: string): boolean {
    return this.slots.has(userId);
  }

  /** Grows the memory once for `templates` entries, so a bulk load does not grow it step by step. */
  reserve(templates: number): void {
    if (templates > this.capacity) this.ensureBytes(BASE + templates * this.stride, templates);
    this.ensureResiduals(templates);
  }

  /** Adds a template, or replaces the user's (re-enrolment). */
  upsert(userId: string, embedding: Float32Array): void {
    this.checkVector(embedding, 'template');
    let slot = this.slots.get(userId);
    if (slot === undefined) {
      slot = this.slotIds.length;
      if (slot >= this.capacity) this.ensureBytes(BASE + (slot + 1) * this.stride, Math.max(slot + 1, Math.ceil(this.capacity * 1.5), 1024));
      if ((slot + 1) * this.residualStride > this.residuals.length) this.ensureResiduals(Math.max(slot + 1, Math.ceil(slot * 1.5), 1024));
      this.slotIds.push(userId);
      this.slots.set(userId, slot);
      this.idChars += userId.length;
    }
    const rec = BASE + slot * this.stride;
    const view = this.view();
    const scale = quantiseTemplate(embedding, view.i8, rec, this.residuals, slot * this.residualStride);
    // A search's scratch may have used this space past the last record: the padding must be zero again.
    view.i8.fill(0, rec + this.dimensions, rec + this.padded);
    view.data.setFloat32(rec + this.padded, scale, true);
    if (scale > this.maxScale) this.maxScale = scale;
  }

  /** Removes the user's template; true if there was one. The last record moves into its slot. */
  remove(userId: string): boolean {
    const slot = this.slots.get(userId);
    if (slot === undefined) return false;
    const last = this.slotIds.length - 1;
    if (slot !== last) {
      const moved = this.slotIds[last];
      this.view().i8.copyWithin(BASE + slot * this.stride, BASE + last * this.stride, BASE + (last + 1) * this.stride);
      const rs = this.residualStride;
      this.residuals.copyWithin(slot * rs, last * rs, (last + 1) * rs);
      this.slotIds[slot] = moved;
      this.slots.set(moved, slot);
    }
    this.slotIds.pop();
    this.slots.delete(userId);
    this.idChars -= userId.length;
    return true;
  }

  /** The `k` most similar users with similarity ≥ `minSimilarity`, best first (ties by user id). */
  search(query: Float32Array, k: number, minSimilarity: number): SearchHit[] {
    this.checkVector(query, 'query');
    const n = this.slotIds.length;
    const want = Math.min(Math.floor(k), n);
    if (!(want > 0) || !(minSimilarity <= 1)) return [];
    const shortlist = Math.min(want + SHORTLIST_EXTRA, n);
    const q = align16(BASE + n * this.stride);
    const scores = q + 2 * this.padded;
    const slots = scores + 4 * shortlist;
    this.ensureBytes(slots + 4 * shortlist, this.capacity);
    const qscale = quantiseQuery(query, this.qbuf);
    const l1 = normalise(query, this.qnorm);
    const buffer = this.wasm.memory.buffer;
    new Int16Array(buffer, q, this.padded).set(this.qbuf);
    // The int8 score is within maxScale/2·‖q‖₁ of the 12-bit one (plus the query's far smaller rounding): a template
    // that may reach minSimilarity from all 12 bits is kept for the second look.
    const margin = (this.maxScale / 2) * l1 + 1e-4;
    const count = this.wasm.scan(BASE, this.stride, this.padded, 0, n, q, qscale, minSimilarity - margin, shortlist, scores, slots, 0);
    const ids = new Int32Array(buffer, slots, count);
    const hits: SearchHit[] = [];
    for (let i = 0; i < count; i++) {
      const similarity = Math.max(-1, Math.min(1, this.fineScore(ids[i])));
      if (similarity >= minSimilarity) hits.push({ userId: this.slotIds[ids[i]], similarity });
    }
    return hits.sort((a, b) => b.similarity - a.similarity || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0)).slice(0, want);
  }

  /** Bytes held: the WebAssembly memory (templates and scratch), the residuals and an estimate of the user ids. */
  memoryBytes(): number {
    return this.wasm.memory.buffer.byteLength + this.residuals.byteLength + 2 * this.idChars + ID_OVERHEAD_BYTES * this.slotIds.length;
  }

  /** The cosine of the normalised query (in `qnorm`) with a slot's 12-bit template. */
  private fineScore(slot: number): number {
    const { i8, data } = this.view();
    const rec = BASE + slot * this.stride;
    const res = this.residuals;
    const at = slot * this.residualStride;
    const qn = this.qnorm;
    let sum = 0;
    for (let d = 0; d < this.dimensions; d++) {
      const byte = res[at + (d >> 1)];
      const nibble = d & 1 ? byte >> 4 : byte & 15;
      sum += qn[d] * (FINE_STEPS * i8[rec + d] + nibble - 8);
    }
    return (sum * data.getFloat32(rec + this.padded, true)) / FINE_STEPS;
  }

  private view(): { i8: Int8Array; data: DataView } {
    const buffer = this.wasm.memory.buffer;
    if (this.views?.buffer !== buffer) this.views = { buffer, i8: new Int8Array(buffer), data: new DataView(buffer) };
    return this.views;
  }

  private checkVector(v: Float32Array, what: string): void {
    if (!(v instanceof Float32Array) || v.length !== this.dimensions) {
      throw new RangeError(`A ${what} must be a Float32Array of ${this.dimensions} values`);
    }
    let nonFinite = 0;
    for (let i = 0; i < v.length; i++) nonFinite += v[i] - v[i]; // 0 for a finite value, NaN for ±Infinity or NaN
    if (nonFinite !== 0) throw new RangeError(`A ${what} must hold finite numbers only`);
  }

  /** Grows the memory to at least `bytes`, and to room for `templates` records. */
  private ensureBytes(bytes: number, templates: number): void {
    const memory = this.wasm.memory;
    const target = Math.max(bytes, BASE + templates * this.stride);
    if (target > memory.buffer.byteLength) memory.grow(Math.ceil((target - memory.buffer.byteLength) / PAGE));
    this.capacity = Math.max(this.capacity, Math.floor((memory.buffer.byteLength - BASE) / this.stride));
  }

  /** Grows the residual plane to room for `templates` (not with the memory: a search's scratch grows that too). */
  private ensureResiduals(templates: number): void {
    const bytes = templates * this.residualStride;
    if (bytes <= this.residuals.length) return;
    const grown = new Uint8Array(bytes);
    grown.set(this.residuals);
    this.residuals = grown;
  }
}

/**
 * Symmetric scalar quantisation with one scale per vector to 12 bits: v[i] / ‖v‖ ≈ (16·t + r − 8) · scale / 16, with
 * t = out[at + i] the int8 top (|t| ≤ 127) and r the 4-bit residual (0…15) in `res` from byte `resAt`, two per byte;
 * the caller zeroes the int8 padding. Returns the int8 scale (0 for a zero vector). Normalising here makes the score a
 * cosine even for a vector that was not unit length. Math.floor(x + 0.5) rounds without a branch (Math.round was ~4×
 * slower here).
 */
function quantiseTemplate(v: Float32Array, out: Int8Array, at: number, res: Uint8Array, resAt: number): number {
  const { k, scale } = scaling(v, TEMPLATE_LEVELS * FINE_STEPS);
  res.fill(0x88, resAt, resAt + Math.ceil(v.length / 2));
  for (let i = 0; i < v.length; i++) {
    const x = v[i] * k;
    const top = Math.floor(x / FINE_STEPS + 0.5);
    // x − 16·top lies in [−8, 8]; 8 (an exact half step) is kept as 7, off by one sixteenth at most.
    const r = Math.min(7, Math.floor(x - FINE_STEPS * top + 0.5)) + 8;
    out[at + i] = top;
    const j = resAt + (i >> 1);
    res[j] = i & 1 ? (res[j] & 0x0f) | (r << 4) : (res[j] & 0xf0) | r;
  }
  return scale * FINE_STEPS;
}

function quantiseQuery(v: Float32Array, out: Int16Array): number {
  const { k, scale } = scaling(v, QUERY_LEVELS);
  for (let i = 0; i < v.length; i++) out[i] = Math.floor(v[i] * k + 0.5);
  return scale;
}

/** Writes v / ‖v‖ to `out` and returns its L1 norm. */
function normalise(v: Float32Array, out: Float64Array): number {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  let l1 = 0;
  for (let i = 0; i < v.length; i++) {
    out[i] = v[i] * inv;
    l1 += Math.abs(out[i]);
  }
  return l1;
}

function scaling(v: Float32Array, levels: number): { k: number; scale: number } {
  let norm = 0;
  let peak = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    norm += x * x;
    const a = x < 0 ? -x : x;
    if (a > peak) peak = a;
  }
  return peak === 0 ? { k: 0, scale: 0 } : { k: levels / peak, scale: peak / levels / Math.sqrt(norm) };
}

function align16(n: number): number {
  return (n + 15) & ~15;
}
