/**
 * @file The load-time model rewrites compute the same function as the published graphs: checked in onnxruntime on
 * small synthetic graphs and on the shipped models themselves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { flushTinyWeights } from '../../src/engine/backend/flush-tiny-weights.js';
import { prepareModel } from '../../src/engine/backend/onnx.js';
import { decodeModel, encodeModel, floatTensor, floatValues, onnx } from '../../src/engine/backend/onnx-model.js';
import { padChannels } from '../../src/engine/backend/pad-channels.js';
import { rewritePRelu } from '../../src/engine/backend/rewrite-prelu.js';
import { defaultModelsDir } from '../../src/engine/engine.js';

/** Deterministic pseudo-random values in (-1, 1), none of them near zero by accident. */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    const v = Math.sin(seed * 12.9898 + i * 78.233) * 0.99;
    return Math.abs(v) < 1e-3 ? 0.5 : v;
  });
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const io = (name: string, dims: number[]) =>
  onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

/** x[1,3,8,8] → Conv(3→c, 3x3, pad 1) → PRelu(slope) → y. */
function convPRelu(c: number, slope: { dims: number[]; values: number[] }): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: 'conv_prelu',
    input: [io('x', [1, 3, 8, 8])],
    output: [io('y', [1, c, 8, 8])],
    initializer: [
      floatTensor('w', [c, 3, 3, 3], values(c * 27, 1)),
      floatTensor('b', [c], values(c, 2)),
      floatTensor('slope', slope.dims, slope.values),
    ],
    node: [
      onnx.NodeProto.create({
        opType: 'Conv', input: ['x', 'w', 'b'], output: ['z'],
        attribute: [onnx.AttributeProto.create({ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] })],
      }),
      onnx.NodeProto.create({ opType: 'PRelu', input: ['z', 'slope'], output: ['y'] }),
    ],
  });
  return encodeModel(onnx.ModelProto.create({ irVersion: 6, opsetImport: [{ domain: '', version: 9 }], graph }));
}

async function run(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, dims) });
  await session.release();
  return out[session.outputNames[0]].data as Float32Array;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const opTypes = (bytes: Uint8Array) => (decodeModel(bytes).graph?.node ?? []).map((n) => n.opType);

describe('rewritePRelu', () => {
  // Slopes below 0, between 0 and 1 and above 1: the rewrite must be exact for all of them.
  const slopes = [-1.3, -0.2, 0, 0.1, 0.25, 0.9, 1, 1.2, ...values(8, 3)];

  it('replaces a per-channel PRelu after a Conv and computes the same values', async () => {
    const model = convPRelu(16, { dims: [16, 1, 1], values: slopes });
    const rewritten = prepareModel(model, 'cpu');
    expect(opTypes(rewritten)).not.toContain('PRelu');
    const x = Float32Array.from(values(3 * 64, 4), (v) => v * 3);
    const [a, b] = await Promise.all([run(model, x, [1, 3, 8, 8]), run(rewritten, x, [1, 3, 8, 8])]);
    expect(a.some((v) => v < 0)).toBe(true);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
  });

  it('leaves a PRelu with one shared slope alone (nothing to gain, and its channel count is unknown)', () => {
    const model = decodeModel(convPRelu(16, { dims: [1], values: [0.25] }));
    expect(rewritePRelu(model)).toBe(0);
    expect(opTypes(encodeModel(model))).toContain('PRelu');
  });

  it('is not applied for the CUDA provider', () => {
    expect(opTypes(prepareModel(convPRelu(16, { dims: [16, 1, 1], values: slopes }), 'cuda'))).toContain('PRelu');
  });
});

const conv = (input: string, w: string, b: string, output: string, attrs: Record<string, number[] | number> = {}) =>
  onnx.NodeProto.create({
    opType: 'Conv', input: [input, w, b], output: [output],
    attribute: Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
        : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v })),
  });

/**
 * x[1,3,8,8] → Conv 1×1 (3→c) → PRelu → depthwise Conv 3×3 (c) → Relu → Conv 1×1 (c→8) → y: the pattern of
 * MiniFASNet's blocks, with a channel count that is not a multiple of the vector block when c = 13.
 */
function depthwiseBlock(c: number, exposeMiddle = false): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: 'depthwise_block',
    input: [io('x', [1, 3, 8, 8])],
    output: [io('y', [1, 8, 8, 8]), ...(exposeMiddle ? [io('d', [1, c, 8, 8])] : [])],
    initializer: [
      floatTensor('w1', [c, 3, 1, 1], values(c * 3, 1)), floatTensor('b1', [c], values(c, 2)),
      floatTensor('slope', [c, 1, 1], values(c, 3)),
      floatTensor('wd', [c, 1, 3, 3], values(c * 9, 4)), floatTensor('bd', [c], values(c, 5)),
      floatTensor('w2', [8, c, 1, 1], values(8 * c, 6)), floatTensor('b2', [8], values(8, 7)),
    ],
    node: [
      conv('x', 'w1', 'b1', 'z'),
      onnx.NodeProto.create({ opType: 'PRelu', input: ['z', 'slope'], output: ['p'] }),
      conv('p', 'wd', 'bd', 'd', { group: c, pads: [1, 1, 1, 1] }),
      onnx.NodeProto.create({ opType: 'Relu', input: ['d'], output: ['r'] }),
      conv('r', 'w2', 'b2', 'y'),
    ],
  });
  return encodeModel(onnx.ModelProto.create({ irVersion: 6, opsetImport: [{ domain: '', version: 9 }], graph }));
}

describe('padChannels', () => {
  it('pads a 13-channel depthwise block to 16 channels and computes the same values', async () => {
    const original = depthwiseBlock(13);
    const model = decodeModel(original);
    expect(padChannels(model)).toBe(1);
    const dw = model.graph!.node!.find((n) => n.output![0] === 'd')!;
    expect(dw.attribute!.find((a) => a.name === 'group')!.i).toBe(16);
    const padded = encodeModel(model);
    const x = Float32Array.from(values(3 * 64, 8), (v) => v * 2);
    const [a, b] = await Promise.all([run(original, x, [1, 3, 8, 8]), run(padded, x, [1, 3, 8, 8])]);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
  });

  it('leaves blocks alone that are already a multiple of the block or whose channels are visible outside', () => {
    expect(padChannels(decodeModel(depthwiseBlock(16)))).toBe(0);
    expect(padChannels(decodeModel(depthwiseBlock(13, true)))).toBe(0);
  });
});

describe('flushTinyWeights', () => {
  it('zeroes subnormal and near-zero weights and nothing else', () => {
    const model = decodeModel(convPRelu(4, { dims: [4, 1, 1], values: [1e-30, 1e-40, 0.5, -2e-12] }));
    expect(flushTinyWeights(model)).toBe(3);
    const slope = model.graph!.initializer!.find((t) => t.name === 'slope')!;
    expect(Array.from(floatValues(slope)!)).toEqual([0, 0, 0.5, 0]);
  });
});

describe('the shipped models after the CPU rewrites', () => {
  const dir = defaultModelsDir();
  const cases: [string, number[], number][] = [
    ['fr_feature.onnx', [1, 3, 112, 112], 1],
    ['fr_liveness.onnx', [1, 3, 128, 128], 255],
  ];
  for (const [file, dims, range] of cases) {
    it(`${file} gives the same outputs`, async () => {
      const original = new Uint8Array(readFileSync(path.join(dir, file)));
      const prepared = prepareModel(original, 'cpu');
      expect(opTypes(prepared)).not.toContain('PRelu');
      if (file === 'fr_liveness.onnx') expect(padChannels(decodeModel(original))).toBeGreaterThan(0);
      const n = dims.reduce((p, q) => p * q, 1);
      const x = Float32Array.from(values(n, 7), (v) => (range === 1 ? v : (v + 1) * 127.5));
      const [a, b] = await Promise.all([run(original, x, dims), run(prepared, x, dims)]);
      const scale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(maxAbsDiff(a, b) / scale).toBeLessThan(1e-4);
    });
  }
});
