/** @file Passive anti-spoof (MiniFASNet layout): wide crop around the face → P(genuine live face). */
import path from 'node:path';
import { loadOnnxModel, type OnnxModel, type SessionOptions } from '../backend/onnx.js';
import { cropRect, rectToAffine, sampleToTensor, type RawImage } from '../image/raw-image.js';
import type { AntiSpoofSpec } from '../manifest.js';
import type { Box } from '../math/nms.js';
import { softmax } from '../math/vector.js';

export class AntiSpoof {
  private constructor(private readonly model: OnnxModel, private readonly spec: AntiSpoofSpec) {}

  static async load(dir: string, spec: AntiSpoofSpec, options: SessionOptions): Promise<AntiSpoof> {
    return new AntiSpoof(await loadOnnxModel(path.join(dir, spec.file), options), spec);
  }

  /** P(real) for the face in `box`; the crop includes context (edges of a print or screen) by design. */
  async score(img: RawImage, box: Box): Promise<number> {
    return this.scoreInput(this.prepare(img, box));
  }

  /** The model input for the face in `box`: a fresh tensor, so it can be handed to another thread to score. */
  prepare(img: RawImage, box: Box): Float32Array {
    const { width: iw, height: ih } = this.spec.input;
    const [x, y, w, h] = cropRect(box, img.width, img.height, this.spec.cropScale, this.spec.cropShape);
    return sampleToTensor(img, rectToAffine(x, y, w, h, iw, ih), this.spec.input);
  }

  /** P(real) for a tensor made by `prepare`. */
  async scoreInput(input: Float32Array): Promise<number> {
    const { width: iw, height: ih } = this.spec.input;
    if (input.length !== 3 * iw * ih) throw new Error(`Anti-spoof input has ${input.length} values, expected ${3 * iw * ih}`);
    const [logits] = await this.model.run(input, [1, 3, ih, iw]);
    return softmax(logits)[this.spec.realIndex];
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
