/** @file Face embedding: 5-point similarity alignment to the model's reference → L2-normalised embedding. */
import path from 'node:path';
import { loadOnnxModel, type OnnxModel, type SessionOptions } from '../backend/onnx.js';
import { sampleToTensor, type RawImage } from '../image/raw-image.js';
import type { EmbeddingSpec } from '../manifest.js';
import { estimateSimilarity } from '../math/similarity-transform.js';
import { l2Normalize } from '../math/vector.js';
import type { Point } from './landmarker.js';

export interface Embedding {
  embedding: Float32Array;
  /** The aligned face as grey 0..255 (input width x height), for brightness and sharpness checks. */
  alignedGray: Float32Array;
}

export class Embedder {
  private readonly input: Float32Array;
  private readonly mirrored: Float32Array;

  private constructor(private readonly model: OnnxModel, private readonly spec: EmbeddingSpec) {
    this.input = new Float32Array(3 * spec.input.width * spec.input.height);
    this.mirrored = new Float32Array(this.input.length);
  }

  get inputWidth(): number {
    return this.spec.input.width;
  }

  static async load(dir: string, spec: EmbeddingSpec, options: SessionOptions): Promise<Embedder> {
    return new Embedder(await loadOnnxModel(path.join(dir, spec.file), options), spec);
  }

  /**
   * `five`: left eye centre, right eye centre, nose tip, left and right mouth corner, in image pixels. With `flip`,
   * the aligned face and its mirror image are both embedded and their embeddings summed (test-time augmentation:
   * on lfw-dev it lowers FNMR at every operating point, see MODELS.md), at the cost of a second model run.
   */
  async embed(img: RawImage, five: Point[], flip = false): Promise<Embedding> {
    const { width: iw, height: ih } = this.spec.input;
    const dims = [1, 3, ih, iw];
    // Map model-input pixels to image pixels directly, so the sampler needs no inverse.
    const m = estimateSimilarity(this.spec.referencePoints, five);
    sampleToTensor(img, m, this.spec.input, this.input);
    const [out] = await this.model.run(this.input, dims);
    if (!flip) return { embedding: l2Normalize(out), alignedGray: toGray(this.input, this.spec.input) };
    const sum = Float32Array.from(out);
    mirrorRows(this.input, this.mirrored, iw);
    const [mirroredOut] = await this.model.run(this.mirrored, dims);
    for (let i = 0; i < sum.length; i++) sum[i] += mirroredOut[i];
    return { embedding: l2Normalize(sum), alignedGray: toGray(this.input, this.spec.input) };
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}

/** Writes `src` (NCHW planes of rows `width` long) into `dst` with every row reversed: the horizontal mirror image. */
function mirrorRows(src: Float32Array, dst: Float32Array, width: number): void {
  for (let row = 0; row < src.length; row += width) {
    for (let x = 0; x < width; x++) dst[row + x] = src[row + width - 1 - x];
  }
}

/** Undoes the input normalisation to recover 0..255 luma from an NCHW colour tensor. */
function toGray(t: Float32Array, spec: EmbeddingSpec['input']): Float32Array {
  const plane = spec.width * spec.height;
  const out = new Float32Array(plane);
  const [r, g, b] = spec.channels === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const { mean, std } = spec;
  for (let i = 0; i < plane; i++) {
    out[i] =
      0.299 * (t[r * plane + i] * std[r] + mean[r]) +
      0.587 * (t[g * plane + i] * std[g] + mean[g]) +
      0.114 * (t[b * plane + i] * std[b] + mean[b]);
  }
  return out;
}
