// Builds an ONNX graph of face-api.js's face recognition network (a port of dlib's ResNet-29 face descriptor, 128-d)
// from its published TensorFlow.js weights: the weights are dequantised exactly as TensorFlow.js does, each
// convolution's bias and following per-channel scale are folded into it, and the layers are written as face-api's
// FaceRecognitionNet runs them (src/faceRecognitionNet in @vladmandic/face-api). Used by fetch-models.mjs at install;
// the output is byte-for-byte reproducible, so its SHA-256 is pinned in models/manifest.json like any other model.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** Float32 values of every weight in a TensorFlow.js weights manifest, dequantised (v·scale + min for uint8/uint16). */
export function readTfjsWeights(manifest, bin) {
  const out = new Map();
  let offset = 0;
  for (const group of manifest) {
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const values = new Float32Array(n);
      if (!q) {
        values.set(new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + 4 * n)));
        offset += 4 * n;
      } else if (q.dtype === 'uint8') {
        for (let i = 0; i < n; i++) values[i] = bin[offset + i] * q.scale + q.min;
        offset += n;
      } else {
        throw new Error(`face-api weights: unsupported quantisation ${q.dtype} for ${w.name}`);
      }
      out.set(w.name, { shape: w.shape, values });
    }
  }
  if (offset !== bin.length) throw new Error(`face-api weights: read ${offset} of ${bin.length} bytes`);
  return out;
}

export function faceApiRecognitionOnnx(weights) {
  const initializer = [];
  const node = [];
  let uid = 0;
  const name = (p) => `${p}_${uid++}`;
  const get = (k) => {
    const w = weights.get(k);
    if (!w) throw new Error(`face-api weights: missing ${k}`);
    return w;
  };
  const tensor = (n, dims, values) =>
    initializer.push(onnx.TensorProto.create({ name: n, dataType: FLOAT, dims, rawData: new Uint8Array(Float32Array.from(values).buffer) }));
  const ints = (n, values) =>
    initializer.push(onnx.TensorProto.create({ name: n, dataType: INT64, dims: [values.length], rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) }));
  const attr = (n, v) =>
    Array.isArray(v)
      ? onnx.AttributeProto.create({ name: n, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
      : onnx.AttributeProto.create({ name: n, type: onnx.AttributeProto.AttributeType.INT, i: v });
  const op = (opType, inputs, attrs = {}) => {
    const output = name(opType);
    node.push(onnx.NodeProto.create({ opType, input: inputs, output: [output], attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)) }));
    return output;
  };

  /** conv → + bias → · scale + shift (face-api's convLayer), folded into one Conv; HWIO filters become OIHW. */
  const conv = (x, prefix, stride, pad, relu) => {
    const f = get(`${prefix}/conv/filters`);
    const bias = get(`${prefix}/conv/bias`).values;
    const s = get(`${prefix}/scale/weights`).values;
    const t = get(`${prefix}/scale/biases`).values;
    const [kh, kw, ci, co] = f.shape;
    const w = new Float32Array(co * ci * kh * kw);
    for (let o = 0; o < co; o++)
      for (let i = 0; i < ci; i++)
        for (let y = 0; y < kh; y++)
          for (let xx = 0; xx < kw; xx++) w[((o * ci + i) * kh + y) * kw + xx] = f.values[((y * kw + xx) * ci + i) * co + o] * s[o];
    const wn = name(`${prefix}/W`);
    const bn = name(`${prefix}/B`);
    tensor(wn, [co, ci, kh, kw], w);
    tensor(bn, [co], Array.from(bias, (b, o) => b * s[o] + t[o]));
    const y = op('Conv', [x, wn, bn], { kernel_shape: [kh, kw], strides: [stride, stride], pads: [pad, pad, pad, pad] });
    return { out: relu ? op('Relu', [y]) : y, channels: co };
  };
  const residual = (x, prefix) => {
    const a = conv(x, `${prefix}/conv1`, 1, 1, true).out;
    const b = conv(a, `${prefix}/conv2`, 1, 1, false).out;
    return op('Relu', [op('Add', [b, x])]);
  };
  /** Strided residual block; `size` is the input's side, `channels` its channel count. */
  const residualDown = (x, prefix, size, channels) => {
    const a = conv(x, `${prefix}/conv1`, 2, 0, true).out;
    const { out: b0, channels: co } = conv(a, `${prefix}/conv2`, 1, 1, false);
    const convSide = Math.floor((size - 3) / 2) + 1;
    const poolSide = Math.floor(size / 2);
    let b = b0;
    if (convSide !== poolSide) {
      // face-api appends a zero row and a zero column to the convolution's output to match the pooled shortcut.
      const pads = name('pads');
      ints(pads, [0, 0, 0, 0, 0, 0, poolSide - convSide, poolSide - convSide]);
      b = op('Pad', [b0, pads]);
    }
    let pooled = op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    if (co !== channels) {
      const pads = name('pads');
      ints(pads, [0, 0, 0, 0, 0, co - channels, 0, 0]);
      pooled = op('Pad', [pooled, pads]);
    }
    return { out: op('Relu', [op('Add', [pooled, b])]), size: poolSide, channels: co };
  };

  let x = conv('input', 'conv32_down', 2, 0, true).out;
  x = op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2] });
  let size = 35;
  let channels = 32;
  for (const k of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, k);
  const stage = (down, blocks) => {
    ({ out: x, size, channels } = residualDown(x, down, size, channels));
    for (const k of blocks) x = residual(x, k);
  };
  stage('conv64_down', ['conv64_1', 'conv64_2', 'conv64_3']);
  stage('conv128_down', ['conv128_1', 'conv128_2']);
  stage('conv256_down', ['conv256_1', 'conv256_2']);
  stage('conv256_down_out', []);
  const pooled = op('Flatten', [op('GlobalAveragePool', [x])]);
  const fc = get('fc');
  tensor('fc', fc.shape, fc.values);
  const descriptor = op('MatMul', [pooled, 'fc']);
  node[node.length - 1].output = ['descriptor'];

  const valueInfo = (n, dims) =>
    onnx.ValueInfoProto.create({
      name: n,
      type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: FLOAT, shape: onnx.TensorShapeProto.create({ dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create({ dimValue: d })) }) }) }),
    });
  void descriptor;
  const graph = onnx.GraphProto.create({
    name: 'face_api_face_recognition',
    node,
    initializer,
    input: [valueInfo('input', [1, 3, 150, 150])],
    output: [valueInfo('descriptor', [1, 128])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })],
    producerName: 'likeness scripts/convert-face-api.mjs',
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
