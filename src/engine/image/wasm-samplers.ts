/**
 * @file Loads the WebAssembly pixel samplers (assembly/samplers.ts, built to samplers.wasm) and lays out their memory:
 * the source image, the output tensor and the axis tables. One instance per thread, made on first use.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawImage } from './raw-image.js';

/** Where R, G and B go in the output and how each is normalised (value·k + b); grey output uses kr, br. */
export interface OutputPlan {
  gray: boolean;
  or: number; og: number; ob: number;
  kr: number; kg: number; kb: number;
  br: number; bg: number; bb: number;
}

type PlanArgs = [gray: number, or: number, og: number, ob: number, kr: number, kg: number, kb: number, br: number, bg: number, bb: number];

interface SamplerExports {
  memory: WebAssembly.Memory;
  sampleGeneral(src: number, w: number, h: number, a: number, b: number, c: number, d: number, e: number, f: number, ow: number, oh: number, dst: number, ...plan: PlanArgs): void;
  sampleHalving(src: number, w: number, x0: number, y0: number, ow: number, oh: number, dst: number, ...plan: PlanArgs): void;
  sampleAxisAligned(src: number, w: number, h: number, sx: number, cx: number, sy: number, cy: number, ow: number, oh: number, scratch: number, dst: number, ...plan: PlanArgs): void;
}

/** The first bytes of memory are left to the module's own static data. */
const BASE = 1024;
const PAGE = 65536;

/** The build writes samplers.wasm next to the compiled module (dist/src/engine/image); from src/ (tests), look there. */
function wasmFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, 'samplers.wasm');
  if (existsSync(beside)) return beside;
  const built = path.resolve(here, '..', '..', '..', 'dist', 'src', 'engine', 'image', 'samplers.wasm');
  if (existsSync(built)) return built;
  throw new Error(`Cannot find samplers.wasm (looked in ${here} and ${path.dirname(built)}); run npm run build`);
}

export class WasmSamplers {
  private static instance: WasmSamplers | null = null;
  /** The image whose pixels are at BASE: an engine samples each decoded image several times, copied in once. */
  private loaded: RawImage | null = null;

  private constructor(private readonly wasm: SamplerExports) {}

  static get(): WasmSamplers {
    if (!WasmSamplers.instance) {
      const module = new WebAssembly.Module(readFileSync(wasmFile()));
      WasmSamplers.instance = new WasmSamplers(new WebAssembly.Instance(module, {}).exports as unknown as SamplerExports);
    }
    return WasmSamplers.instance;
  }

  general(img: RawImage, m: readonly number[], ow: number, oh: number, plan: OutputPlan, out: Float32Array): void {
    const { src, dst } = this.layout(img, out.length, 0);
    this.wasm.sampleGeneral(src, img.width, img.height, m[0], m[1], m[2], m[3], m[4], m[5], ow, oh, dst, ...planArgs(plan));
    this.copyOut(dst, out);
  }

  halving(img: RawImage, x0: number, y0: number, ow: number, oh: number, plan: OutputPlan, out: Float32Array): void {
    const { src, dst } = this.layout(img, out.length, 0);
    this.wasm.sampleHalving(src, img.width, x0, y0, ow, oh, dst, ...planArgs(plan));
    this.copyOut(dst, out);
  }

  axisAligned(img: RawImage, m: readonly number[], ow: number, oh: number, plan: OutputPlan, out: Float32Array): void {
    const { src, dst, scratch } = this.layout(img, out.length, 16 * (ow + oh));
    this.wasm.sampleAxisAligned(src, img.width, img.height, m[0], m[2], m[4], m[5], ow, oh, scratch, dst, ...planArgs(plan));
    this.copyOut(dst, out);
  }

  /**
   * Image at BASE (copied unless it is the one already there: decoded images are never modified), then the output,
   * then the scratch tables, growing memory as needed.
   */
  private layout(img: RawImage, outValues: number, scratchBytes: number): { src: number; dst: number; scratch: number } {
    const imageBytes = img.width * img.height * 3;
    if (img.data.length < imageBytes) throw new Error(`Image data holds ${img.data.length} bytes, ${img.width}x${img.height} RGB needs ${imageBytes}`);
    const dst = align16(BASE + imageBytes);
    const scratch = align16(dst + 4 * outValues);
    const end = scratch + scratchBytes;
    const memory = this.wasm.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    const loaded = this.loaded;
    if (!loaded || loaded.data !== img.data || loaded.width !== img.width || loaded.height !== img.height) {
      new Uint8Array(memory.buffer, BASE, imageBytes).set(img.data.subarray(0, imageBytes));
      this.loaded = { data: img.data, width: img.width, height: img.height };
    }
    return { src: BASE, dst, scratch };
  }

  private copyOut(dst: number, out: Float32Array): void {
    out.set(new Float32Array(this.wasm.memory.buffer, dst, out.length));
  }
}

function align16(n: number): number {
  return (n + 15) & ~15;
}

function planArgs(p: OutputPlan): PlanArgs {
  return [p.gray ? 1 : 0, 4 * p.or, 4 * p.og, 4 * p.ob, p.kr, p.kg, p.kb, p.br, p.bg, p.bb];
}
