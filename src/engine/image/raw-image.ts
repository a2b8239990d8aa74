/** @file Pure pixel operations on decoded RGB buffers: one bilinear affine sampler that fills model tensors directly. */
import type { TensorSpec } from '../manifest.js';
import { WasmSamplers, type OutputPlan } from './wasm-samplers.js';

/** Interleaved 8-bit RGB pixels, row-major, no padding. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Maps an output pixel (x, y) to source pixel coordinates: sx = a·x + b·y + c, sy = d·x + e·y + f.
 * Both sides use pixel-index coordinates (pixel centres at integers), as OpenCV's warpAffine does.
 */
export type Affine = [number, number, number, number, number, number];

/** A source rectangle [x, y, w, h] resized to dstW x dstH, pixel centres aligned (as cv.resize does). */
export function rectToAffine(x: number, y: number, w: number, h: number, dstW: number, dstH: number): Affine {
  const sx = w / dstW;
  const sy = h / dstH;
  return [sx, 0, x + 0.5 * sx - 0.5, 0, sy, y + 0.5 * sy - 0.5];
}

/**
 * Samples `img` through `m` into an NCHW float tensor laid out as `spec` says (channel order, mean, std).
 * Plain bilinear with no anti-aliasing, as cv2.resize / cv2.warpAffine (INTER_LINEAR) do: that is the
 * preprocessing the shipped models were published with, and anti-spoof models read exactly the high-frequency
 * texture a smoothing filter would remove. Coordinates outside the image are clamped to its edge. The pixel loops
 * run in WebAssembly (assembly/samplers.ts); axis-aligned maps (crops, resizes) take a table-driven path, and an
 * exact 2:1 reduction a plain 2x2 average. `img.data` must not change after it has been sampled once (decoded images
 * never do): its pixels stay cached in the sampler's memory.
 */
export function sampleToTensor(img: RawImage, m: Affine, spec: TensorSpec, out?: Float32Array): Float32Array {
  const planes = spec.channels === 'GRAY' ? 1 : 3;
  const dst = out ?? new Float32Array(planes * spec.width * spec.height);
  const plan = outputPlan(spec, spec.width * spec.height);
  const samplers = WasmSamplers.get();
  if (m[1] !== 0 || m[3] !== 0) samplers.general(img, m, spec.width, spec.height, plan, dst);
  else if (isExactHalving(img, m, spec)) samplers.halving(img, m[2] - 0.5, m[5] - 0.5, spec.width, spec.height, plan, dst);
  else samplers.axisAligned(img, m, spec.width, spec.height, plan, dst);
  return dst;
}

/**
 * A 2:1 reduction of a rectangle at integer coordinates, wholly inside the image: bilinear sampling at pixel centres
 * then lands exactly between four pixels, so it is their average. A 640x480 frame read by a 320x240 detector is this
 * case.
 */
function isExactHalving(img: RawImage, m: Affine, spec: TensorSpec): boolean {
  const x0 = m[2] - 0.5;
  const y0 = m[5] - 0.5;
  return m[0] === 2 && m[4] === 2 && Number.isInteger(x0) && Number.isInteger(y0) && x0 >= 0 && y0 >= 0 &&
    x0 + 2 * spec.width <= img.width && y0 + 2 * spec.height <= img.height;
}

/**
 * Where R, G and B go (offsets of their tensor planes) and the affine normalisation of each, value·k + b with
 * k = 1/std and b = −mean/std of that plane; grey output uses plane 0's.
 */
function outputPlan(spec: TensorSpec, plane: number): OutputPlan {
  const { mean, std } = spec;
  const gray = spec.channels === 'GRAY';
  const [pr, pg, pb] = gray ? [0, 0, 0] : spec.channels === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  return {
    gray,
    or: pr * plane, og: pg * plane, ob: pb * plane,
    kr: 1 / std[pr], kg: 1 / std[pg], kb: 1 / std[pb],
    br: -mean[pr] / std[pr], bg: -mean[pg] / std[pg], bb: -mean[pb] / std[pb],
  };
}

/** Grey (0..255) resample of a source rectangle, e.g. a small thumbnail for frame-to-frame comparison. */
export function grayRect(img: RawImage, rect: [number, number, number, number], w: number, h: number): Float32Array {
  const [x, y, rw, rh] = rect;
  return sampleToTensor(img, rectToAffine(x, y, rw, rh, w, h), { width: w, height: h, channels: 'GRAY', mean: [0], std: [1] });
}

/** Variance of the 4-neighbour Laplacian of a grey image: a standard focus measure (low = blurry). */
export function laplacianVariance(gray: Float32Array, w: number, h: number): number {
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v = gray[i - w] + gray[i + w] + gray[i - 1] + gray[i + 1] - 4 * gray[i];
      sum += v;
      sumSq += v * v;
      count++;
    }
  }
  const mean = sum / count;
  return sumSq / count - mean * mean;
}

/**
 * The publisher's crop rule around a detector box: scale the box (or its bounding square) by `scale`, shrink the
 * scale when the image is too small for it, then shift the rectangle to lie inside the image.
 */
export function cropRect(
  box: readonly [number, number, number, number],
  imgW: number,
  imgH: number,
  scale: number,
  shape: 'box' | 'square',
): [number, number, number, number] {
  const [x1, y1, x2, y2] = box;
  let bw = Math.max(1, x2 - x1);
  let bh = Math.max(1, y2 - y1);
  if (shape === 'square') bw = bh = Math.max(bw, bh);
  const s = Math.min((imgH - 1) / bh, (imgW - 1) / bw, scale);
  const w = bw * s;
  const h = bh * s;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const left = Math.min(Math.max(cx - w / 2, 0), imgW - 1 - w);
  const top = Math.min(Math.max(cy - h / 2, 0), imgH - 1 - h);
  return [Math.max(0, left), Math.max(0, top), w, h];
}
