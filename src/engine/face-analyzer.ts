/** @file The per-image pipeline: decode → detect → main face → landmarks → embedding, anti-spoof and quality. */
import { headPose, eyeOpenness, fivePoints, mouthOpenness } from './face-signals.js';
import { decodeImage } from './image/decode.js';
import { grayRect, laplacianVariance, type RawImage } from './image/raw-image.js';
import type { ModelManifest } from './manifest.js';
import type { Box, ScoredBox } from './math/nms.js';
import { faceTemplate } from './fusion.js';
import { mainFacePriority, pickMainFace } from './main-face.js';
import { AntiSpoof } from './models/anti-spoof.js';
import { Detector } from './models/detector.js';
import { Embedder } from './models/embedder.js';
import { Landmarker } from './models/landmarker.js';
import { assessQuality } from './quality.js';
import type { EngineSettings } from './settings.js';
import type { SessionOptions } from './backend/onnx.js';
import type { FaceAnalysis, SpoofResult } from './types.js';

/** Size of the grey whole-image thumbnail used to spot replayed (near-identical) frames. */
export const THUMBNAIL_W = 32;
export const THUMBNAIL_H = 24;

/**
 * A selfie is analysed at full working resolution; a liveness frame at the smaller frame size, and
 * 'frame-no-spoof' skips the anti-spoof model (see LivenessSettings.spoofFrames).
 */
export type ImageRole = 'selfie' | 'frame' | 'frame-no-spoof';

export interface ImageAnalysis {
  analysis: FaceAnalysis;
  /** Grey THUMBNAIL_W x THUMBNAIL_H thumbnail of the whole upright image (0..255). */
  thumbnail: Float32Array;
  /**
   * With `deferSpoof`, the anti-spoof model's input for the main face, to be scored by `scoreSpoof` (possibly on
   * another worker) instead of here; `analysis.spoof` is then null until the caller fills it in.
   */
  spoofInput?: Float32Array;
}

/**
 * Mean of the whole-image grey thumbnail outside the face box enlarged 1.3× (hair and ears stay out): what the camera
 * sees behind and around the face. The whole image when the box covers it all.
 */
export function surroundBrightness(thumbnail: Float32Array, box: Box, width: number, height: number): number {
  const [x1, y1, x2, y2] = box;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const hw = 0.65 * (x2 - x1);
  const hh = 0.65 * (y2 - y1);
  let sum = 0;
  let n = 0;
  for (let ty = 0; ty < THUMBNAIL_H; ty++) {
    for (let tx = 0; tx < THUMBNAIL_W; tx++) {
      const px = ((tx + 0.5) * width) / THUMBNAIL_W;
      const py = ((ty + 0.5) * height) / THUMBNAIL_H;
      if (Math.abs(px - cx) < hw && Math.abs(py - cy) < hh) continue;
      sum += thumbnail[ty * THUMBNAIL_W + tx];
      n++;
    }
  }
  if (n > 0) return sum / n;
  return thumbnail.reduce((a, b) => a + b, 0) / thumbnail.length;
}

export class FaceAnalyzer {
  private constructor(
    private readonly detector: Detector,
    private readonly landmarker: Landmarker,
    private readonly embedder: Embedder,
    private readonly antiSpoof: AntiSpoof,
    /** The second recogniser (manifest `fusion`), run on selfies only; null when absent or switched off. */
    private readonly fusionEmbedder: Embedder | null,
    private readonly settings: EngineSettings,
    private readonly maxInputPixels: number,
  ) {}

  static async load(manifest: ModelManifest, session: SessionOptions, settings: EngineSettings, maxInputPixels: number): Promise<FaceAnalyzer> {
    const fusion = settings.fusion ? manifest.fusion : null;
    const loads = await Promise.allSettled([
      Detector.load(manifest.dir, manifest.detector, session),
      Landmarker.load(manifest.dir, manifest.landmarks, session),
      Embedder.load(manifest.dir, manifest.embedding, session),
      AntiSpoof.load(manifest.dir, manifest.antispoof, session),
      fusion ? Embedder.load(manifest.dir, fusion, session) : null,
    ] as const);
    const [d, l, e, a, f] = loads;
    if (d.status === 'fulfilled' && l.status === 'fulfilled' && e.status === 'fulfilled' && a.status === 'fulfilled' && f.status === 'fulfilled') {
      return new FaceAnalyzer(d.value, l.value, e.value, a.value, f.value, settings, maxInputPixels);
    }
    // Every session has settled before the worker reports the failure, so none is still being created natively when
    // the pool terminates the thread; the ones that did load are released.
    await Promise.allSettled(loads.map((r) => (r.status === 'fulfilled' ? r.value?.dispose() : undefined)));
    throw loads.find((r) => r.status === 'rejected')?.reason;
  }

  /** Rejects with ImageError for unusable input; a usable image without a face resolves with `faces: 0`. */
  async analyze(bytes: Uint8Array, role: ImageRole = 'selfie', deferSpoof = false): Promise<ImageAnalysis> {
    const s = this.settings;
    const decoded = await decodeImage(bytes, {
      maxInputPixels: this.maxInputPixels,
      minSidePx: s.minImageSidePx,
      maxWorkingSidePx: role === 'selfie' ? s.maxWorkingSidePx : s.maxFrameSidePx,
      fastJpeg: role !== 'selfie',
    });
    const img = decoded.image;
    const thumbnail = grayRect(img, [0, 0, img.width, img.height], THUMBNAIL_W, THUMBNAIL_H);
    const faces = await this.detector.detect(img);
    const mainIndex = pickMainFace(faces, img.width, img.height);
    if (mainIndex < 0) {
      const quality = assessQuality(
        { faces: 0, competingFace: false, faceSizePx: 0, brightness: 0, backgroundBrightness: 0, sharpness: 0, yaw: 0, pitch: 0, eyeOpenness: 0 },
        s.quality,
      );
      return {
        analysis: { width: decoded.width, height: decoded.height, faces: 0, box: null, detectionScore: 0, quality, spoof: null, embedding: null, template: null, signals: null },
        thumbnail,
      };
    }
    const main = faces[mainIndex];
    const points = await this.landmarker.landmarks(img, main.box);
    const five = fivePoints(points);
    const { embedding, alignedGray } = await this.embedder.embed(img, five, role === 'selfie' && s.flipAverage);
    const second = role === 'selfie' && this.fusionEmbedder ? (await this.fusionEmbedder.embed(img, five, s.flipAverage)).embedding : null;
    const checkSpoof = role !== 'frame-no-spoof';
    const spoofInput = checkSpoof && deferSpoof ? this.antiSpoof.prepare(img, main.box) : undefined;
    const spoof = checkSpoof && !deferSpoof ? this.spoofResult(await this.antiSpoof.score(img, main.box)) : null;
    const pose = headPose(points);
    const eyes = eyeOpenness(points);
    let brightness = 0;
    for (const v of alignedGray) brightness += v;
    brightness /= alignedGray.length;
    const side = (b: Box) => Math.max(b[2] - b[0], b[3] - b[1]);
    const alignedW = this.embedder.inputWidth;
    const competingFace = this.hasCompetingFace(img, faces, mainIndex);
    const quality = assessQuality(
      {
        faces: faces.length,
        competingFace,
        faceSizePx: side(main.box) * decoded.scale,
        brightness,
        backgroundBrightness: surroundBrightness(thumbnail, main.box, img.width, img.height),
        sharpness: laplacianVariance(alignedGray, alignedW, alignedGray.length / alignedW),
        yaw: pose.yaw,
        pitch: pose.pitch,
        eyeOpenness: eyes,
      },
      s.quality,
    );
    const k = decoded.scale;
    return {
      analysis: {
        width: decoded.width,
        height: decoded.height,
        faces: faces.length,
        box: [main.box[0] * k, main.box[1] * k, main.box[2] * k, main.box[3] * k],
        detectionScore: main.score,
        quality,
        spoof,
        embedding,
        template: faceTemplate(embedding, second),
        signals: { yaw: pose.yaw, pitch: pose.pitch, eyeOpenness: eyes, mouthOpenness: mouthOpenness(points) },
      },
      thumbnail,
      spoofInput,
    };
  }

  /** Scores an anti-spoof input made by `analyze(…, deferSpoof = true)`. */
  async scoreSpoof(input: Float32Array): Promise<SpoofResult> {
    return this.spoofResult(await this.antiSpoof.scoreInput(input));
  }

  private spoofResult(score: number): SpoofResult {
    return { real: score >= this.settings.liveness.spoofThreshold, score };
  }

  /**
   * A second face about as prominent as the main one (see `secondFacePriorityRatio`) fails the image when it is about
   * as sharp as the main face: press and street photos often hold a large but defocused bystander, which is not a
   * second subject.
   */
  private hasCompetingFace(img: RawImage, faces: readonly ScoredBox[], mainIndex: number): boolean {
    const q = this.settings.quality;
    const priority = (f: ScoredBox) => mainFacePriority(f, img.width, img.height);
    const mainPriority = priority(faces[mainIndex]);
    const comparable = faces.filter((f, i) => i !== mainIndex && priority(f) >= q.secondFacePriorityRatio * mainPriority);
    if (comparable.length === 0) return false;
    const sharpness = (b: Box) => laplacianVariance(grayRect(img, [b[0], b[1], b[2] - b[0], b[3] - b[1]], 64, 64), 64, 64);
    const mainSharpness = sharpness(faces[mainIndex].box);
    return comparable.some((f) => sharpness(f.box) >= q.bystanderSharpnessRatio * mainSharpness);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.detector.dispose(), this.landmarker.dispose(), this.embedder.dispose(), this.antiSpoof.dispose(), this.fusionEmbedder?.dispose()]);
  }
}
