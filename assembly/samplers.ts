// AssemblyScript, compiled to dist/src/engine/image/samplers.wasm by `npm run build` (see asconfig.json).
//
// The bilinear samplers of src/engine/image/raw-image.ts, moved to WebAssembly because they are the engine's largest
// cost outside the models (~30 core-ms of a ~250 core-ms SmartSelfie job in JavaScript, ~2.5x less here). Each
// function computes in f64 in the same order as the TypeScript it replaced and stores f32, so the model inputs are
// bit-for-bit what they were.
//
// Memory: the caller copies the RGB image (interleaved u8, no row padding) to `src`, reserves `dst` for the planar
// f32 output and, for the axis-aligned sampler, `scratch` for its tables; nothing is allocated here.
//
// Output plan, shared by all three: `or`, `og`, `ob` are the byte offsets of the R, G and B planes from `dst`; each
// value v is written as v·k + b with that plane's k and b; `gray` writes one plane of luma (using kr, br).

// Rec. 601 luma weights. Written as quotients because the compiler (0.28) reads the literal 0.299 as the nearest f32.
const LUMA_R: f64 = 299.0 / 1000.0;
const LUMA_G: f64 = 587.0 / 1000.0;
const LUMA_B: f64 = 114.0 / 1000.0;

@inline
function put(dst: usize, o: usize, r: f64, g: f64, b: f64, gray: bool, or: usize, og: usize, ob: usize, kr: f64, kg: f64, kb: f64, br: f64, bg: f64, bb: f64): void {
  if (gray) store<f32>(dst + o, <f32>((LUMA_R * r + LUMA_G * g + LUMA_B * b) * kr + br));
  else {
    store<f32>(dst + or + o, <f32>(r * kr + br));
    store<f32>(dst + og + o, <f32>(g * kg + bg));
    store<f32>(dst + ob + o, <f32>(b * kb + bb));
  }
}

@inline
function px(p: usize): f64 {
  return <f64>load<u8>(p);
}

/** Output (x, y) samples source (a·x + b·y + c, d·x + e·y + f), clamped to the image. */
export function sampleGeneral(
  src: usize, w: i32, h: i32, a: f64, b: f64, c: f64, d: f64, e: f64, f: f64, ow: i32, oh: i32,
  dst: usize, gray: bool, or: usize, og: usize, ob: usize, kr: f64, kg: f64, kb: f64, br: f64, bg: f64, bb: f64,
): void {
  const maxX = <f64>(w - 1);
  const maxY = <f64>(h - 1);
  for (let y = 0; y < oh; y++) {
    let o = <usize>(y * ow) << 2;
    for (let x = 0; x < ow; x++, o += 4) {
      let sx = a * <f64>x + b * <f64>y + c;
      let sy = d * <f64>x + e * <f64>y + f;
      if (sx < 0) sx = 0; else if (sx > maxX) sx = maxX;
      if (sy < 0) sy = 0; else if (sy > maxY) sy = maxY;
      const x0 = <i32>sx;
      const y0 = <i32>sy;
      const fx = sx - <f64>x0;
      const fy = sy - <f64>y0;
      const x1 = x0 < w - 1 ? x0 + 1 : x0;
      const y1 = y0 < h - 1 ? y0 + 1 : y0;
      const p00 = src + <usize>((y0 * w + x0) * 3), p01 = src + <usize>((y0 * w + x1) * 3);
      const p10 = src + <usize>((y1 * w + x0) * 3), p11 = src + <usize>((y1 * w + x1) * 3);
      const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      const r = px(p00) * w00 + px(p01) * w01 + px(p10) * w10 + px(p11) * w11;
      const g = px(p00 + 1) * w00 + px(p01 + 1) * w01 + px(p10 + 1) * w10 + px(p11 + 1) * w11;
      const bl = px(p00 + 2) * w00 + px(p01 + 2) * w01 + px(p10 + 2) * w10 + px(p11 + 2) * w11;
      put(dst, o, r, g, bl, gray, or, og, ob, kr, kg, kb, br, bg, bb);
    }
  }
}

/** An exact 2:1 reduction of the rectangle at (x0, y0): each output is the mean of a 2x2 block. */
export function sampleHalving(
  src: usize, w: i32, x0: i32, y0: i32, ow: i32, oh: i32,
  dst: usize, gray: bool, or: usize, og: usize, ob: usize, kr: f64, kg: f64, kb: f64, br: f64, bg: f64, bb: f64,
): void {
  const stride = w * 3;
  for (let y = 0; y < oh; y++) {
    let p = src + <usize>((y0 + 2 * y) * stride + x0 * 3);
    let q = p + <usize>stride;
    let o = <usize>(y * ow) << 2;
    for (let x = 0; x < ow; x++, o += 4, p += 6, q += 6) {
      const r = (px(p) + px(p + 3) + px(q) + px(q + 3)) * 0.25;
      const g = (px(p + 1) + px(p + 4) + px(q + 1) + px(q + 4)) * 0.25;
      const b = (px(p + 2) + px(p + 5) + px(q + 2) + px(q + 5)) * 0.25;
      put(dst, o, r, g, b, gray, or, og, ob, kr, kg, kb, br, bg, bb);
    }
  }
}

/**
 * Per output coordinate along one axis: the two source offsets (times `stride`, i32) and their weights (f32, as the
 * Float32Array tables of the TypeScript version were), at `table`: 2·n offsets, then 2·n weights.
 */
function axisTable(table: usize, n: i32, scale: f64, offset: f64, srcLen: i32, stride: i32): void {
  const max = srcLen - 1;
  const weights = table + (<usize>n << 3);
  for (let o = 0; o < n; o++) {
    let s = scale * <f64>o + offset;
    if (s < 0) s = 0; else if (s > <f64>max) s = <f64>max;
    const s0 = <i32>Math.floor(s);
    const f = s - <f64>s0;
    store<i32>(table + (<usize>o << 3), s0 * stride);
    store<i32>(table + (<usize>o << 3) + 4, (s0 < max ? s0 + 1 : s0) * stride);
    store<f32>(weights + (<usize>o << 3), <f32>(1 - f));
    store<f32>(weights + (<usize>o << 3) + 4, <f32>f);
  }
}

/** Output (x, y) samples source (sx·x + cx, sy·y + cy), clamped: crops and resizes, with per-axis tables. */
export function sampleAxisAligned(
  src: usize, w: i32, h: i32, sx: f64, cx: f64, sy: f64, cy: f64, ow: i32, oh: i32, scratch: usize,
  dst: usize, gray: bool, or: usize, og: usize, ob: usize, kr: f64, kg: f64, kb: f64, br: f64, bg: f64, bb: f64,
): void {
  const xt = scratch;
  const yt = scratch + (<usize>ow << 4);
  axisTable(xt, ow, sx, cx, w, 3);
  axisTable(yt, oh, sy, cy, h, w * 3);
  const xw = xt + (<usize>ow << 3);
  const yw = yt + (<usize>oh << 3);
  for (let y = 0; y < oh; y++) {
    const r0 = load<i32>(yt + (<usize>y << 3)), r1 = load<i32>(yt + (<usize>y << 3) + 4);
    const wy0 = <f64>load<f32>(yw + (<usize>y << 3)), wy1 = <f64>load<f32>(yw + (<usize>y << 3) + 4);
    let o = <usize>(y * ow) << 2;
    for (let x = 0; x < ow; x++, o += 4) {
      const c0 = load<i32>(xt + (<usize>x << 3)), c1 = load<i32>(xt + (<usize>x << 3) + 4);
      const wx0 = <f64>load<f32>(xw + (<usize>x << 3)), wx1 = <f64>load<f32>(xw + (<usize>x << 3) + 4);
      const w00 = wy0 * wx0, w01 = wy0 * wx1, w10 = wy1 * wx0, w11 = wy1 * wx1;
      const p00 = src + <usize>(r0 + c0), p01 = src + <usize>(r0 + c1), p10 = src + <usize>(r1 + c0), p11 = src + <usize>(r1 + c1);
      const r = px(p00) * w00 + px(p01) * w01 + px(p10) * w10 + px(p11) * w11;
      const g = px(p00 + 1) * w00 + px(p01 + 1) * w01 + px(p10 + 1) * w10 + px(p11 + 1) * w11;
      const b = px(p00 + 2) * w00 + px(p01 + 2) * w01 + px(p10 + 2) * w10 + px(p11 + 2) * w11;
      put(dst, o, r, g, b, gray, or, og, ob, kr, kg, kb, br, bg, bb);
    }
  }
}
