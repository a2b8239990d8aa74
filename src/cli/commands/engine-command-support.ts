/** @file Shared bits of the offline engine commands (compare, liveness): reading inputs and rendering analyses. */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_EXECUTION_PROVIDER, EXECUTION_PROVIDER_CHOICES, ImageError, type EngineRuntime, type FaceAnalysis } from '../../engine/index.js';

/** Reads an input photo; a missing or unreadable file becomes one clear error naming it. */
export async function readImageFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new Error(`cannot read ${file}: ${why}`);
  }
}

/** Runs `fn`, naming the file whose image was unusable (the engine's ImageError does not know file names). */
export async function withFileNames<T>(files: string[], fn: () => Promise<T>, analyseOne: (i: number) => Promise<unknown>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!ImageError.isImageError(err)) throw err;
    for (let i = 0; i < files.length; i++) {
      try {
        await analyseOne(i);
      } catch (e) {
        if (ImageError.isImageError(e)) throw new Error(`${files[i]}: ${e.message} (${e.reason})`);
      }
    }
    throw err;
  }
}

export function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be an integer from 1 to 64');
  return n;
}

/** `--execution-provider`, shared by every command that starts the engine. */
export function executionProviderOption(): Option {
  return new Option('--execution-provider <name>', "onnxruntime execution provider: auto = CUDA where onnxruntime's CUDA provider is installed and a GPU is visible, else CPU")
    .choices(EXECUTION_PROVIDER_CHOICES)
    .env('LIKENESS_EXECUTION_PROVIDER')
    .default(DEFAULT_EXECUTION_PROVIDER);
}

/** One line saying what the engine runs on, and why not on CUDA when 'auto' had to fall back. */
export function describeRuntime(r: EngineRuntime): string {
  const base = `${r.workers} worker thread${r.workers === 1 ? '' : 's'} on ${r.executionProvider === 'cuda' ? 'CUDA' : 'the CPU'}`;
  return r.cudaFallback ? `${base} (CUDA is installed but did not start: ${r.cudaFallback})` : base;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** The per-image part of the commands' JSON: stable keys, no embedding. */
export function imageJson(file: string, a: FaceAnalysis) {
  return {
    file,
    width: a.width,
    height: a.height,
    faces: a.faces,
    box: a.box ? a.box.map((v) => Math.round(v)) : null,
    quality: {
      ok: a.quality.ok,
      reasons: a.quality.reasons,
      hints: a.quality.hints,
      brightness: r4(a.quality.brightness),
      backgroundBrightness: r4(a.quality.backgroundBrightness),
      sharpness: r4(a.quality.sharpness),
      faceSizePx: Math.round(a.quality.faceSizePx),
      yaw: r4(a.quality.yaw),
      pitch: r4(a.quality.pitch),
      eyeOpenness: r4(a.quality.eyeOpenness),
    },
    spoof: { real: a.spoof?.real ?? false, score: r4(a.spoof?.score ?? 0) },
  };
}

export function imageText(file: string, a: FaceAnalysis): string {
  const q = a.quality.ok ? 'quality ok' : `quality: ${a.quality.reasons.join(', ')}`;
  const s = a.spoof ? `anti-spoof ${a.spoof.real ? 'real' : 'SPOOF'} (P(real) ${a.spoof.score.toFixed(3)})` : 'anti-spoof n/a';
  return `${file}: ${a.faces} face(s), ${q}, ${s}`;
}

export { r4 };
