/**
 * @file Zeroes near-zero float weights of an ONNX model.
 * Some PyTorch exports (the shipped fr_feature has ~200,000 such weights) carry subnormal and 1e-30-scale weights;
 * multiplying by them makes the CPU take its slow subnormal path, which measured 5–7× slower end to end
 * (fr_feature 100+ ms → ~15 ms per run, single thread) with identical outputs (cosine 1.000000).
 * ORT's `set_denormal_as_zero` only covers its pool threads, not a single-threaded session, hence this.
 */
import { floatValues, setFloatValues, type Model } from './onnx-model.js';

/** Weights with a magnitude below this are zeroed: their contribution to any activation is far below float precision. */
export const TINY_WEIGHT = 1e-10;

/** Returns how many weights were zeroed. */
export function flushTinyWeights(model: Model, below = TINY_WEIGHT): number {
  let zeroed = 0;
  for (const t of model.graph?.initializer ?? []) {
    const values = floatValues(t);
    if (!values) continue;
    let changed = false;
    for (let i = 0; i < values.length; i++) {
      if (values[i] !== 0 && Math.abs(values[i]) < below) {
        values[i] = 0;
        zeroed++;
        changed = true;
      }
    }
    if (changed) setFloatValues(t, values);
  }
  return zeroed;
}
