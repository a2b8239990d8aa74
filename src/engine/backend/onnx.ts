/** @file The only module that imports onnxruntime-node: session creation, execution providers and log levels. */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { ExecutionProvider } from './execution-provider.js';
import { flushTinyWeights } from './flush-tiny-weights.js';
import { decodeModel, encodeModel } from './onnx-model.js';
import { padChannels } from './pad-channels.js';
import { rewritePRelu } from './rewrite-prelu.js';

export interface SessionOptions {
  executionProvider: ExecutionProvider;
  /** Threads ORT may use inside one run; 1 in pool workers, where parallelism comes from the workers themselves. */
  intraOpNumThreads: number;
}

/** One loaded model with a single float32 input; `run` returns the outputs in the model's declared order. */
export interface OnnxModel {
  run(input: Float32Array, dims: readonly number[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/**
 * The model as the session gets it: the same function, with weights and ops arranged for the provider's fast paths
 * (the file on disk, whose hash was verified, is never changed).
 */
export function prepareModel(bytes: Uint8Array, provider: SessionOptions['executionProvider']): Uint8Array {
  const model = decodeModel(bytes);
  flushTinyWeights(model);
  if (provider === 'cpu') {
    padChannels(model);
    rewritePRelu(model);
  }
  return encodeModel(model);
}

export async function loadOnnxModel(file: string, options: SessionOptions): Promise<OnnxModel> {
  const bytes = prepareModel(new Uint8Array(await readFile(file)), options.executionProvider);
  const session = await ort.InferenceSession.create(bytes, {
    // The shipped models are old PyTorch exports that log warnings on every load; keep errors only.
    logSeverityLevel: 3,
    executionProviders: options.executionProvider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: options.intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const inputName = session.inputNames[0];
  const outputNames = session.outputNames;
  return {
    async run(input, dims) {
      const feeds = { [inputName]: new ort.Tensor('float32', input, dims as number[]) };
      const out = await session.run(feeds);
      return outputNames.map((name) => out[name].data as Float32Array);
    },
    dispose: () => session.release(),
  };
}
