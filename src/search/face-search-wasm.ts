/**
 * @file Loads the WebAssembly scan (assembly/face-search.ts, built to face-search.wasm). The module is compiled once
 * per thread; every index gets its own instance, so its own memory, grown as the index grows.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FaceSearchExports {
  memory: WebAssembly.Memory;
  scan(
    records: number, stride: number, dims: number, from: number, to: number,
    q: number, qscale: number, minScore: number, k: number, scores: number, slots: number, count: number,
  ): number;
}

let compiled: WebAssembly.Module | null = null;

/** The build writes face-search.wasm next to the compiled module (dist/src/search); from src/ (tests), look there. */
function wasmFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'face-search.wasm'), path.resolve(here, '..', '..', 'dist', 'src', 'search', 'face-search.wasm')];
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`Cannot find face-search.wasm (looked in ${candidates.map((c) => path.dirname(c)).join(' and ')}); run npm run build`);
  return found;
}

export function instantiateFaceSearch(): FaceSearchExports {
  compiled ??= new WebAssembly.Module(readFileSync(wasmFile()));
  return new WebAssembly.Instance(compiled, {}).exports as unknown as FaceSearchExports;
}
