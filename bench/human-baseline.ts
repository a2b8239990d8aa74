/** @file Benchmark baseline: the same SmartSelfie job run through @vladmandic/human on @tensorflow/tfjs-backend-wasm, fully offline. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import type { Config, FaceResult, Human, Tensor } from '@vladmandic/human';

export interface HumanBaseline {
  /**
   * Per image (selfie first, then frames): faces found and human's anti-spoof "real" score of the largest face (0 if
   * none); per frame: cosine of its largest face's faceres embedding vs the selfie's (0 if either has no face).
   */
  runJob(selfie: Buffer, frames: Buffer[]): Promise<{ faces: number[]; similarity: number[]; antispoof: number[] }>;
  close(): Promise<void>;
  backend: string;
  version: string;
}

type HumanModule = typeof import('@vladmandic/human');

/** The slice of tfjs-core's `io` namespace used here; human types its `tf` as `any`. */
interface TfIo {
  registerLoadRouter(router: (url: string | string[]) => { load(): Promise<unknown> } | null): void;
  getModelArtifactsForJSON(
    modelJSON: unknown,
    loadWeights: (manifest: { paths: string[]; weights: unknown[] }[]) => Promise<[unknown[], ArrayBuffer]>,
  ): Promise<unknown>;
}

const require = createRequire(import.meta.url);
// human's package.json "exports" keys lack the leading "./", so Node rejects the subpath
// '@vladmandic/human/dist/human.node-wasm.js'; the bare entry resolves (to dist/human.node.js, which needs
// tfjs-node and is never loaded), and the wasm build sits next to it.
const humanDist = path.dirname(require.resolve('@vladmandic/human'));
const modelsDir = path.join(humanDist, '..', 'models');
const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;

/** Same cap as a user rejecting multi-face selfies would need; each extra face costs a full mesh+embed+spoof pass. */
const MAX_FACES = 4;
const MAX_INPUT_PIXELS = 40_000_000;

const config: Partial<Config> = {
  backend: 'wasm',
  wasmPath: wasmDir,
  wasmPlatformFetch: false,
  modelBasePath: pathToFileURL(modelsDir).href + '/',
  cacheModels: false,
  debug: false,
  async: true,
  warmup: 'none',
  // Every image is a separate still, not a video frame: no result reuse between calls.
  cacheSensitivity: 0,
  skipAllowed: false,
  filter: { enabled: false },
  face: {
    enabled: true,
    // rotation stays at human's default (off): with it on, a 0.24-score corner blob in one live-1 frame passed as a second face.
    detector: { rotation: false, maxDetected: MAX_FACES, skipFrames: 0, skipTime: 0, return: false },
    // Mesh stays on: it gives faceres its aligned 192 px crop (human's own face-id demo keeps it), the
    // counterpart of our engine's landmarks + alignment step.
    mesh: { enabled: true },
    iris: { enabled: false },
    attention: { enabled: false },
    emotion: { enabled: false },
    description: { enabled: true, skipFrames: 0, skipTime: 0 },
    antispoof: { enabled: true, skipFrames: 0, skipTime: 0 },
    liveness: { enabled: false },
    gear: { enabled: false },
  },
  body: { enabled: false },
  hand: { enabled: false },
  object: { enabled: false },
  gesture: { enabled: false },
  segmentation: { enabled: false },
};

/** The face photo human itself warms up with in browsers, shipped as base64 in its source (its Node warm-up needs tfjs-node). */
async function sampleFace(): Promise<Buffer> {
  const source = await readFile(path.join(humanDist, '..', 'src', 'sample.ts'), 'utf8');
  const base64 = /export const face: string = `([^`]+)`/.exec(source)?.[1];
  if (!base64) throw new Error('human baseline: no sample face in @vladmandic/human/src/sample.ts');
  return Buffer.from(base64.replace(/\s/g, ''), 'base64');
}

let fileRouterRegistered = false;
let created = false;

/** tfjs-core without tfjs-node has no file:// loader and would hand such URLs to fetch(); read them from disk instead. */
function registerFileLoader(io: TfIo): void {
  if (fileRouterRegistered) return;
  fileRouterRegistered = true;
  io.registerLoadRouter((url) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const jsonPath = fileURLToPath(url);
    return {
      load: async () => {
        const modelJSON: unknown = JSON.parse(await readFile(jsonPath, 'utf8'));
        return io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
          const dir = path.dirname(jsonPath);
          const parts = await Promise.all(manifest.flatMap((g) => g.paths).map((p) => readFile(path.join(dir, p))));
          const all = Buffer.concat(parts);
          return [manifest.flatMap((g) => g.weights), all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)];
        });
      },
    };
  });
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** The face the job is about: the largest one (several shared photos have people in the background). */
function mainFace(faces: FaceResult[]): FaceResult | undefined {
  return faces.reduce<FaceResult | undefined>((best, f) => (!best || f.box[2] * f.box[3] > best.box[2] * best.box[3] ? f : best), undefined);
}

/** One per process: human keeps its loaded models in module-level state that `close()` disposes. */
export async function createHumanBaseline(): Promise<HumanBaseline> {
  if (created) throw new Error('human baseline: only one instance per process');
  created = true;
  const { Human: HumanClass } = require(path.join(humanDist, 'human.node-wasm.js')) as HumanModule;
  const human: Human = new HumanClass(config);
  registerFileLoader(human.tf.io as TfIo);
  await human.load();
  if (human.tf.getBackend() !== 'wasm') throw new Error(`human baseline: expected the wasm backend, got ${String(human.tf.getBackend())}`);

  async function decode(image: Buffer): Promise<Tensor> {
    const { data, info } = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return human.tf.tensor(data, [1, info.height, info.width, 3], 'int32') as Tensor;
  }

  async function analyse(image: Buffer): Promise<FaceResult[]> {
    const input = await decode(image);
    try {
      const result = await human.detect(input);
      if (result.error) throw new Error(`human baseline: ${result.error}`);
      return result.face;
    } finally {
      human.tf.dispose(input);
    }
  }

  async function runJob(selfie: Buffer, frames: Buffer[]) {
    const faces: number[] = [];
    const antispoof: number[] = [];
    const embeddings: (number[] | undefined)[] = [];
    for (const image of [selfie, ...frames]) {
      const found = await analyse(image);
      const face = mainFace(found);
      faces.push(found.length);
      antispoof.push(face?.real ?? 0);
      embeddings.push(face?.embedding?.length ? face.embedding : undefined);
    }
    const [reference, ...rest] = embeddings;
    const similarity = rest.map((e) => (reference && e ? cosine(reference, e) : 0));
    return { faces, similarity, antispoof };
  }

  // Warm-up on a real face so every model and the crop/resize kernels run once (wasm grows its memory and builds
  // its XNNPACK operators on first use), at a phone-selfie size and a 640x480 frame size.
  const face = await sampleFace();
  const selfieSized = await sharp(face).resize(1440, 1920, { fit: 'contain' }).jpeg().toBuffer();
  const frameSized = await sharp(face).resize(640, 480, { fit: 'contain' }).jpeg().toBuffer();
  for (let i = 0; i < 2; i++) {
    const warm = await runJob(selfieSized, [frameSized]);
    if (warm.faces.some((n) => n === 0)) throw new Error('human baseline: warm-up found no face in human\'s own sample image');
  }

  const tf = human.tf;
  return {
    runJob,
    close: async () => {
      for (const model of Object.values(human.models.models)) model?.dispose();
      human.models.reset();
    },
    backend: `${String(tf.getBackend())} (tfjs ${String(tf.version.tfjs)}, simd ${String(human.env.wasm.simd)}, threads ${String(human.env.wasm.multithread)})`,
    version: `@vladmandic/human ${human.version}`,
  };
}
