/**
 * @file Passive anti-spoof (MiniFASNet layout): one or more models, each on its own wide crop around the face →
 * P(genuine live face), fused by their mean (as Silent-Face fuses its 2.7× and 4.0× scales).
 */
import path from 'node:path';
import { loadOnnxModel, type OnnxModel, type SessionOptions } from '../backend/onnx.js';
import { cropRect, rectToAffine, sampleToTensor, type RawImage } from '../image/raw-image.js';
import type { AntiSpoofSpec } from '../manifest.js';
import type { Box } from '../math/nms.js';
import { softmax } from '../math/vector.js';

const inputSize = (spec: AntiSpoofSpec) => 3 * spec.input.width * spec.input.height;

export class AntiSpoof {
  private constructor(private readonly models: OnnxModel[], private readonly specs: AntiSpoofSpec[]) {}

  static async load(dir: string, specs: AntiSpoofSpec[], options: SessionOptions): Promise<AntiSpoof> {
    const loads = await Promise.allSettled(specs.map((spec) => loadOnnxModel(path.join(dir, spec.file), options)));
    const failed = loads.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.allSettled(loads.map((r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)));
      throw failed.reason;
    }
    return new AntiSpoof(loads.map((r) => (r as PromiseFulfilledResult<OnnxModel>).value), specs);
  }

  /** P(real) for the face in `box`; the crops include context (edges of a print or screen) by design. */
  async score(img: RawImage, box: Box): Promise<number> {
    return this.scoreInput(this.prepare(img, box));
  }

  /**
   * The models' inputs for the face in `box`, one after the other in one fresh tensor, so it can be handed to
   * another thread to score.
   */
  prepare(img: RawImage, box: Box): Float32Array {
    const out = new Float32Array(this.specs.reduce((n, s) => n + inputSize(s), 0));
    let offset = 0;
    for (const spec of this.specs) {
      const { width: iw, height: ih } = spec.input;
      const [x, y, w, h] = cropRect(box, img.width, img.height, spec.cropScale, spec.cropShape);
      sampleToTensor(img, rectToAffine(x, y, w, h, iw, ih), spec.input, out.subarray(offset, offset + inputSize(spec)));
      offset += inputSize(spec);
    }
    return out;
  }

  /** P(real) for a tensor made by `prepare`: the mean of the models' P(real). */
  async scoreInput(input: Float32Array): Promise<number> {
    const scores = await this.scoreEach(input);
    return scores.reduce((a, b) => a + b, 0) / scores.length;
  }

  /** Each model's P(real), in manifest order, for a tensor made by `prepare`. */
  async scoreEach(input: Float32Array): Promise<number[]> {
    const expected = this.specs.reduce((n, s) => n + inputSize(s), 0);
    if (input.length !== expected) throw new Error(`Anti-spoof input has ${input.length} values, expected ${expected}`);
    const scores: number[] = [];
    let offset = 0;
    for (let i = 0; i < this.specs.length; i++) {
      const spec = this.specs[i];
      const n = inputSize(spec);
      const [logits] = await this.models[i].run(input.subarray(offset, offset + n), [1, 3, spec.input.height, spec.input.width]);
      scores.push(softmax(logits)[spec.realIndex]);
      offset += n;
    }
    return scores;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.models.map((m) => m.dispose()));
  }
}
