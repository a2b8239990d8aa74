/** @file Passive anti-spoof (MiniFASNet layout): wide crop around the face → P(genuine live face). */
import path from 'node:path';
import { loadOnnxModel, type OnnxModel, type SessionOptions } from '../backend/onnx.js';
import { cropRect, rectToAffine, sampleToTensor, type RawImage } from '../image/raw-image.js';
import type { AntiSpoofSpec } from '../manifest.js';
import type { Box } from '../math/nms.js';
import { softmax } from '../math/vector.js';

export class AntiSpoof {
  private readonly input: Float32Array;

  private constructor(private readonly model: OnnxModel, private readonly spec: AntiSpoofSpec) {
    this.input = new Float32Array(3 * spec.input.width * spec.input.height);
  }

  static async load(dir: string, spec: AntiSpoofSpec, options: SessionOptions): Promise<AntiSpoof> {
    return new AntiSpoof(await loadOnnxModel(path.join(dir, spec.file), options), spec);
  }

  /** P(real) for the face in `box`; the crop includes context (edges of a print or screen) by design. */
  async score(img: RawImage, box: Box): Promise<number> {
    const { width: iw, height: ih } = this.spec.input;
    const [x, y, w, h] = cropRect(box, img.width, img.height, this.spec.cropScale, this.spec.cropShape);
    sampleToTensor(img, rectToAffine(x, y, w, h, iw, ih), this.spec.input, this.input);
    const [logits] = await this.model.run(this.input, [1, 3, ih, iw]);
    return softmax(logits)[this.spec.realIndex];
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
