/** @file createEngine: the FaceEngine implementation, composing the worker pool with the pure burst and match logic. */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseExecutionProvider, DEFAULT_EXECUTION_PROVIDER } from './backend/execution-provider.js';
import { assessBurst } from './burst-liveness.js';
import type { ImageAnalysis, ImageRole } from './face-analyzer.js';
import { ImageError } from './image-error.js';
import { templateSimilarity, type FaceScoring } from './fusion.js';
import { loadManifest, type ModelManifest } from './manifest.js';
import { resolveSettings } from './settings.js';
import type { CompareResult, EngineOptions, EngineRuntime, FaceAnalysis, FaceEngine, LivenessResult, SmartSelfieInput, SmartSelfieMeasurements } from './types.js';
import { WorkerPool } from './worker-pool.js';

export const DEFAULT_MAX_INPUT_PIXELS = 50_000_000;
/** Worker threads run below the event loop's priority (see worker.ts), so request handling stays responsive. */
export const DEFAULT_WORKER_NICENESS = 10;

/** The package's models/ directory, found from this file whether it runs from src/ (tsx) or dist/src/. */
export function defaultModelsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'models');
    if (existsSync(path.join(candidate, 'manifest.json'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('Cannot find the models/ directory (models/manifest.json); pass modelsDir');
}

/** `count` frame indices spread evenly over n frames, first and last included; every index when count is 0 or ≥ n. */
export function spoofFrameIndices(n: number, count: number): Set<number> {
  if (count <= 0 || count >= n) return new Set(Array.from({ length: n }, (_, i) => i));
  if (count === 1) return new Set([0]);
  return new Set(Array.from({ length: count }, (_, i) => Math.round((i * (n - 1)) / (count - 1))));
}

function available(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** The selfie's similarity to a registered template, or null without a template or a face in the selfie. */
export function matchToReference(selfie: FaceAnalysis, reference: Float32Array | undefined, scoring: FaceScoring): SmartSelfieMeasurements['match'] {
  return reference && selfie.template ? { similarity: templateSimilarity(reference, selfie.template, scoring) } : null;
}

/** How templates score with this manifest, fusion on or off (src/engine/fusion.ts). */
export function faceScoring(manifest: ModelManifest, fusion: boolean): FaceScoring {
  return { primaryDimensions: manifest.embedding.dimensions, fusion: fusion ? manifest.fusion : null, primaryPoints: manifest.embedding.operatingPoints };
}

export async function createEngine(options: EngineOptions = {}): Promise<FaceEngine> {
  const settings = resolveSettings(options.settings);
  const modelsDir = options.modelsDir ?? process.env.LIKENESS_MODELS_DIR ?? defaultModelsDir();
  const scoring = faceScoring(await loadManifest(modelsDir, true), settings.fusion);
  const choice = options.executionProvider ?? DEFAULT_EXECUTION_PROVIDER;
  const workers = options.workers ?? available();
  const init = {
    modelsDir,
    executionProvider: chooseExecutionProvider(choice, options.providerEnvironment),
    settings,
    maxInputPixels: options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS,
    niceness: options.workerNiceness ?? DEFAULT_WORKER_NICENESS,
  };
  const runtime: EngineRuntime = { executionProvider: init.executionProvider, workers };
  let pool: WorkerPool;
  try {
    pool = await WorkerPool.start(workers, init);
  } catch (err) {
    // 'auto' found CUDA's libraries and a GPU, but onnxruntime could not start on them (driver, cuDNN): use the CPU.
    if (choice !== 'auto' || init.executionProvider !== 'cuda') throw err;
    runtime.executionProvider = 'cpu';
    runtime.cudaFallback = (err as Error).message;
    pool = await WorkerPool.start(workers, { ...init, executionProvider: 'cpu' });
  }

  const run = (bytes: Buffer) => pool.analyze(bytes);
  /**
   * In a burst, anti-spoof runs as a task of its own: nine whole-image tasks on two workers leave one worker idle
   * for the last image, while the short anti-spoof tasks, queued behind them, fill both workers to the end.
   */
  const runSplit = async (bytes: Buffer, role: ImageRole): Promise<ImageAnalysis> => {
    const { spoofInput, ...result } = await pool.analyze(bytes, role, true);
    if (spoofInput) result.analysis.spoof = await pool.scoreSpoof(spoofInput);
    return result;
  };
  /** Liveness frames that cannot be decoded count as frames without a face rather than failing the job. */
  const runFrame = (bytes: Buffer, spoof: boolean) =>
    runSplit(bytes, spoof ? 'frame' : 'frame-no-spoof').catch((err: unknown) => {
      if (ImageError.isImageError(err)) return null;
      throw err;
    });

  const burst = async (selfie: Buffer, frames: Buffer[]): Promise<[ImageAnalysis, LivenessResult]> => {
    // The selfie goes first so that it overlaps with the frames instead of trailing them.
    const spoofed = spoofFrameIndices(frames.length, settings.liveness.spoofFrames);
    const [s, ...f] = await Promise.all([runSplit(selfie, 'selfie'), ...frames.map((b, i) => runFrame(b, spoofed.has(i)))]);
    return [s, assessBurst(s, f, settings.liveness)];
  };

  return {
    runtime,

    async analyze(image) {
      return (await run(image)).analysis;
    },

    async compare(a, b): Promise<CompareResult> {
      const [x, y] = await Promise.all([run(a), run(b)]);
      const ea = x.analysis.template;
      const eb = y.analysis.template;
      const similarity = ea && eb ? templateSimilarity(ea, eb, scoring) : 0;
      const samePerson = ea !== null && eb !== null && similarity >= settings.matchThreshold;
      const usable = (f: FaceAnalysis) => f.quality.ok && f.spoof?.real === true;
      const match = samePerson && usable(x.analysis) && usable(y.analysis);
      return { similarity, samePerson, match, threshold: settings.matchThreshold, images: [x.analysis, y.analysis] };
    },

    async liveness(selfie, frames) {
      return (await burst(selfie, frames))[1];
    },

    async smartSelfie(input: SmartSelfieInput): Promise<SmartSelfieMeasurements> {
      const start = performance.now();
      const [s, liveness] = await burst(input.selfie, input.liveness);
      return { selfie: s.analysis, liveness, match: matchToReference(s.analysis, input.reference, scoring), elapsedMs: performance.now() - start };
    },

    matchToReference: (selfie, reference) => matchToReference(selfie, reference, scoring),

    close: () => pool.close(),
  };
}
