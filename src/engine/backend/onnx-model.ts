/** @file ONNX model bytes ⇄ an editable protobuf graph (onnx-proto), and float access to initializers. */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type Model = onnxProto.onnx.ModelProto;
export type Tensor = onnxProto.onnx.ITensorProto;
export type Node = onnxProto.onnx.INodeProto;

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
