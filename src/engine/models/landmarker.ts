/** @file 68-point landmark regressor: grey crop of the face box → 68 (x, y) points in image pixels. */
import path from 'node:path';
import { loadOnnxModel, type OnnxModel, type SessionOptions } from '../backend/onnx.js';
import { cropRect, rectToAffine, sampleToTensor, type RawImage } from '../image/raw-image.js';
import type { CroppedModelSpec } from '../manifest.js';
import type { Box } from '../math/nms.js';

export type Point = [number, number];

export class Landmarker {
  private readonly input: Float32Array;

  private constructor(private readonly model: OnnxModel, private readonly spec: CroppedModelSpec) {
    const planes = spec.input.channels === 'GRAY' ? 1 : 3;
    this.input = new Float32Array(planes * spec.input.width * spec.input.height);
  }

  static async load(dir: string, spec: CroppedModelSpec, options: SessionOptions): Promise<Landmarker> {
    return new Landmarker(await loadOnnxModel(path.join(dir, spec.file), options), spec);
  }

  async landmarks(img: RawImage, box: Box): Promise<Point[]> {
    const { width: iw, height: ih, channels } = this.spec.input;
    const [x, y, w, h] = cropRect(box, img.width, img.height, this.spec.cropScale, this.spec.cropShape);
    sampleToTensor(img, rectToAffine(x, y, w, h, iw, ih), this.spec.input, this.input);
    const [out] = await this.model.run(this.input, [1, channels === 'GRAY' ? 1 : 3, ih, iw]);
    const points: Point[] = [];
    for (let i = 0; i + 1 < out.length; i += 2) points.push([x + out[i] * w, y + out[i + 1] * h]);
    return points;
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
