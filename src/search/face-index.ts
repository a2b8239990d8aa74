/**
 * @file In-memory 1:N face index: every active template of one partner and environment, int8-quantised, searched
 * exhaustively with WebAssembly SIMD (assembly/face-search.ts). Exact search over quantised vectors: no graph to
 * build, no recall lost to an approximate structure; the quantisation loss is measured by `npm run bench:search`
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
/** A rough cost of one id in the JavaScript heap besides its characters: the Map entry and the slot array's cell. */
const ID_OVERHEAD_BYTES = 64;

export class FaceIndex {
  readonly dimensions: number;
  private readonly wasm: FaceSearchExports;
  /** Dimensions rounded up to the SIMD width (16 int8 lanes); the padding is zeros. */
  private readonly padded: number;
  /** Bytes per record: `padded` int8 values, the f32 scale, padding to 16. */
  private readonly stride: number;
  private readonly slotIds: string[] = [];
  private readonly slots = new Map<string, number>();
  private idChars = 0;
  private capacity = 0;
  private readonly qbuf: Int16Array;
  /** Views of the memory, made again after it grows (growing detaches the old buffer). */
  private views: { buffer: ArrayBuffer; i8: Int8Array; data: DataView } | null = null;

  constructor(dimensions: number) {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMS) {
      throw new RangeError(`A face index needs 1 to ${MAX_DIMS} dimensions, not ${dimensions}`);
    }
    this.dimensions = dimensions;
    this.padded = Math.ceil(dimensions / 16) * 16;
    this.stride = this.padded + 16;
    this.qbuf = new Int16Array(this.padded);
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
  }

  /** Adds a template, or replaces the user's (re-enrolment). */
  upsert(userId: string, embedding: Float32Array): void {
    this.checkVector(embedding, 'template');
    let slot = this.slots.get(userId);
    if (slot === undefined) {
      slot = this.slotIds.length;
      if (slot >= this.capacity) this.ensureBytes(BASE + (slot + 1) * this.stride, Math.max(slot + 1, Math.ceil(this.capacity * 1.5), 1024));
      this.slotIds.push(userId);
      this.slots.set(userId, slot);
      this.idChars += userId.length;
    }
    const rec = BASE + slot * this.stride;
    const view = this.view();
    const scale = quantiseTemplate(embedding, view.i8, rec);
    // A search's scratch may have used this space past the last record: the padding must be zero again.
    view.i8.fill(0, rec + this.dimensions, rec + this.padded);
    view.data.setFloat32(rec + this.padded, scale, true);
  }

  /** Removes the user's template; true if there was one. The last record moves into its slot. */
  remove(userId: string): boolean {
    const slot = this.slots.get(userId);
    if (slot === undefined) return false;
    const last = this.slotIds.length - 1;
    if (slot !== last) {
      const moved = this.slotIds[last];
      this.view().i8.copyWithin(BASE + slot * this.stride, BASE + last * this.stride, BASE + (last + 1) * this.stride);
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
    const q = align16(BASE + n * this.stride);
    const scores = q + 2 * this.padded;
    const slots = scores + 4 * want;
    this.ensureBytes(slots + 4 * want, this.capacity);
    const qscale = quantiseQuery(query, this.qbuf);
    const buffer = this.wasm.memory.buffer;
    new Int16Array(buffer, q, this.padded).set(this.qbuf);
    // f32 in the scan: a threshold just above a score's f32 rounding must still exclude it, so compare against the
    // f32 at or above minSimilarity.
    const count = this.wasm.scan(BASE, this.stride, this.padded, 0, n, q, qscale, f32AtOrAbove(minSimilarity), want, scores, slots, 0);
    const s = new Float32Array(buffer, scores, count);
    const ids = new Int32Array(buffer, slots, count);
    const hits: SearchHit[] = [];
    for (let i = 0; i < count; i++) hits.push({ userId: this.slotIds[ids[i]], similarity: Math.max(-1, Math.min(1, s[i])) });
    return hits.sort((a, b) => b.similarity - a.similarity || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  }

  /** Bytes held: the WebAssembly memory (templates and scratch) plus an estimate of the user ids in the JS heap. */
  memoryBytes(): number {
    return this.wasm.memory.buffer.byteLength + 2 * this.idChars + ID_OVERHEAD_BYTES * this.slotIds.length;
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
}

/**
 * Symmetric scalar quantisation with one scale per vector: out[at + i] ≈ v[i] / ‖v‖ / scale, rounded, |·| ≤ levels;
 * the caller zeroes the padding. Returns the scale (0 for a zero vector). Normalising here makes the score
 * a cosine even for a vector that was not unit length. Two copies of the loop, one per array type, keep each
 * element store monomorphic. Math.floor(x + 0.5) rounds without a branch (Math.round was ~4× slower here).
 */
function quantiseTemplate(v: Float32Array, out: Int8Array, at: number): number {
  const { k, scale } = scaling(v, TEMPLATE_LEVELS);
  for (let i = 0; i < v.length; i++) out[at + i] = Math.floor(v[i] * k + 0.5);
  return scale;
}

function quantiseQuery(v: Float32Array, out: Int16Array): number {
  const { k, scale } = scaling(v, QUERY_LEVELS);
  for (let i = 0; i < v.length; i++) out[i] = Math.floor(v[i] * k + 0.5);
  return scale;
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

const f32 = new Float32Array(1);
/** The smallest f32 ≥ x. */
function f32AtOrAbove(x: number): number {
  f32[0] = x;
  if (f32[0] >= x || !Number.isFinite(x)) return f32[0];
  const bits = new Int32Array(f32.buffer);
  // One ulp up: a positive float's bits grow away from zero, a negative one's toward it; +0 steps to the smallest positive.
  bits[0] += f32[0] < 0 ? -1 : 1;
  return f32[0];
}
