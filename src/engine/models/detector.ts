/** @file Face detector (UltraFace layout): whole image → tensor → thresholded, NMS-filtered boxes in image pixels. */
import path from 'node:path';
import { loadOnnxModel, type OnnxModel, type SessionOptions } from '../backend/onnx.js';
import { rectToAffine, sampleToTensor, type RawImage } from '../image/raw-image.js';
import type { DetectorSpec } from '../manifest.js';
import { nms, type Box, type ScoredBox } from '../math/nms.js';

export class Detector {
  private readonly input: Float32Array;

  private constructor(private readonly model: OnnxModel, private readonly spec: DetectorSpec) {
    this.input = new Float32Array(3 * spec.input.width * spec.input.height);
  }

  static async load(dir: string, spec: DetectorSpec, options: SessionOptions): Promise<Detector> {
    return new Detector(await loadOnnxModel(path.join(dir, spec.file), options), spec);
  }

  /** Faces sorted by score, boxes in `img` pixels, clipped to the image. */
  async detect(img: RawImage): Promise<ScoredBox[]> {
    const { width: iw, height: ih } = this.spec.input;
    // The whole image stretched to the input size (not letterboxed), as the model was published.
    sampleToTensor(img, rectToAffine(0, 0, img.width, img.height, iw, ih), this.spec.input, this.input);
    const out = await this.model.run(this.input, [1, 3, ih, iw]);
    const scores = out[this.spec.outputs.scores];
    const boxes = out[this.spec.outputs.boxes];
    const found: ScoredBox[] = [];
    const n = scores.length / 2;
    for (let i = 0; i < n; i++) {
      const score = scores[2 * i + 1];
      if (score < this.spec.scoreThreshold) continue;
      const box: Box = [
        clamp(boxes[4 * i] * img.width, 0, img.width),
        clamp(boxes[4 * i + 1] * img.height, 0, img.height),
        clamp(boxes[4 * i + 2] * img.width, 0, img.width),
        clamp(boxes[4 * i + 3] * img.height, 0, img.height),
      ];
      if (box[2] - box[0] >= 2 && box[3] - box[1] >= 2) found.push({ box, score });
    }
    return nms(found, this.spec.nmsIou);
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
