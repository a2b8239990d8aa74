/** @file ONNX model bytes ⇄ an editable protobuf graph (onnx-proto), and float access to initializers. */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type Model = onnxProto.onnx.ModelProto;
export type Tensor = onnxProto.onnx.ITensorProto;
export type Node = onnxProto.onnx.INodeProto;
export type Graph = onnxProto.onnx.IGraphProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;

export function decodeModel(bytes: Uint8Array): Model {
  return onnx.ModelProto.decode(bytes);
}

export function encodeModel(model: Model): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** The values of a float32 initializer (stored as raw bytes or as float_data); null for other types. */
export function floatValues(t: Tensor): Float32Array | null {
  if (t.dataType !== FLOAT) return null;
  if (t.rawData && t.rawData.length > 0) {
    // Copy (new Uint8Array copies, Buffer#slice would not): raw_data is a view into the model, often unaligned.
    return new Float32Array(new Uint8Array(t.rawData).buffer);
  }
  return Float32Array.from(t.floatData ?? []);
}

/** Stores `values` as the initializer's raw little-endian bytes. */
export function setFloatValues(t: Tensor, values: Float32Array): void {
  t.rawData = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  t.floatData = [];
}

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  const data = Float32Array.from(values);
  return onnx.TensorProto.create({ name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer) });
}

/** Initializers by name, and for each activation the node that produces it and the nodes that consume it. */
export function indexGraph(graph: Graph): { initializers: Map<string, Tensor>; producer: Map<string, Node>; consumers: Map<string, Node[]> } {
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const producer = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  for (const n of graph.node ?? []) {
    for (const o of n.output ?? []) producer.set(o, n);
    for (const i of n.input ?? []) {
      if (i === '' || initializers.has(i)) continue;
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
  }
  return { initializers, producer, consumers };
}

/**
 * How a PRelu slope holds one value per channel of an NCHW input: shape [C,1,1] (channels on axis 0) or [1,C,1,1]
 * (axis 1); null for any other shape (a shared slope, or one that broadcasts along another axis).
 */
export function channelSlope(t: Tensor | undefined): { channels: number; axis: number } | null {
  const dims = (t?.dims ?? []).map(Number);
  if (dims.length === 3 && dims[1] === 1 && dims[2] === 1) return { channels: dims[0], axis: 0 };
  if (dims.length === 4 && dims[0] === 1 && dims[2] === 1 && dims[3] === 1) return { channels: dims[1], axis: 1 };
  return null;
}
