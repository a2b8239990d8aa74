// AssemblyScript, compiled to dist/src/search/face-search.wasm by `npm run build` (see asconfig.json).
//
// The exact scan of src/search/face-index.ts: every enrolled template, int8-quantised, against one query, with
// WebAssembly SIMD. A template is stored as `dims` int8 values followed by its f32 scale (template ≈ value·scale),
// padded to a record of `stride` bytes; the query is int16 (finer than the templates, so the query adds almost no
// quantisation error of its own) with scale `qscale`. Products are taken in 16-bit lanes and summed in 32-bit ones
// (i32x4.dot_i16x8_s): |127·4095·2| per lane pair and ·dims/8 per lane stay far inside i32.
//
// Memory is laid out by the caller; nothing is allocated here. Results go to a min-heap of (score f32, slot i32)
// pairs at `heap`, `k` entries at most, and the count is returned.

/** Dot product of one int8 record with the int16 query, `dims` a multiple of 16. */
@inline
function dot(rec: usize, q: usize, dims: i32): i32 {
  let acc0 = i32x4.splat(0);
  let acc1 = i32x4.splat(0);
  for (let d = 0; d < dims; d += 16) {
    const v = v128.load(rec + <usize>d);
    const lo = i16x8.extend_low_i8x16_s(v);
    const hi = i16x8.extend_high_i8x16_s(v);
    const qo = <usize>d << 1;
    acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(lo, v128.load(q + qo)));
    acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(hi, v128.load(q + qo + 16)));
  }
  const s = i32x4.add(acc0, acc1);
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
}

/** Moves the heap's entry at `i` down until both children score at least as much (a min-heap on score). */
@inline
function siftDown(scores: usize, slots: usize, n: i32, i: i32): void {
  const s = load<f32>(scores + (<usize>i << 2));
  const id = load<i32>(slots + (<usize>i << 2));
  while (true) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && load<f32>(scores + (<usize>(c + 1) << 2)) < load<f32>(scores + (<usize>c << 2))) c++;
    const cs = load<f32>(scores + (<usize>c << 2));
    if (cs >= s) break;
    store<f32>(scores + (<usize>i << 2), cs);
    store<i32>(slots + (<usize>i << 2), load<i32>(slots + (<usize>c << 2)));
    i = c;
  }
  store<f32>(scores + (<usize>i << 2), s);
  store<i32>(slots + (<usize>i << 2), id);
}

/** Moves the heap's entry at `i` up while its parent scores more. */
@inline
function siftUp(scores: usize, slots: usize, i: i32): void {
  const s = load<f32>(scores + (<usize>i << 2));
  const id = load<i32>(slots + (<usize>i << 2));
  while (i > 0) {
    const p = (i - 1) >> 1;
    const ps = load<f32>(scores + (<usize>p << 2));
    if (ps <= s) break;
    store<f32>(scores + (<usize>i << 2), ps);
    store<i32>(slots + (<usize>i << 2), load<i32>(slots + (<usize>p << 2)));
    i = p;
  }
  store<f32>(scores + (<usize>i << 2), s);
  store<i32>(slots + (<usize>i << 2), id);
}

/**
 * Scans records [from, to) and keeps the `k` best scores ≥ `minScore` in the heap at `scores`/`slots`, which already
 * holds `count` entries (so a scan may continue another). Returns the new count.
 */
export function scan(
  records: usize, stride: i32, dims: i32, from: i32, to: i32,
  q: usize, qscale: f32, minScore: f32, k: i32, scores: usize, slots: usize, count: i32,
): i32 {
  let floor = count == k ? max(minScore, load<f32>(scores)) : minScore;
  let rec = records + <usize>from * <usize>stride;
  for (let i = from; i < to; i++, rec += <usize>stride) {
    const score = <f32>dot(rec, q, dims) * load<f32>(rec + <usize>dims) * qscale;
    if (score < floor) continue;
    if (count < k) {
      store<f32>(scores + (<usize>count << 2), score);
      store<i32>(slots + (<usize>count << 2), i);
      siftUp(scores, slots, count);
      count++;
      if (count == k) floor = max(minScore, load<f32>(scores));
    } else {
      if (score == floor) continue;
      store<f32>(scores, score);
      store<i32>(slots, i);
      siftDown(scores, slots, count, 0);
      floor = max(minScore, load<f32>(scores));
    }
  }
  return count;
}
