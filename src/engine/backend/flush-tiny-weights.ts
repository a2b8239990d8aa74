/**
 * @file Zeroes near-zero float weights inside an ONNX model's bytes, in place.
 * Some PyTorch exports (the shipped fr_feature has ~200,000 such weights) carry subnormal and 1e-30-scale weights;
 * multiplying by them makes the CPU take its slow subnormal path, which measured 5–7× slower end to end
 * (fr_feature 100+ ms → ~15 ms per run, single thread) with identical outputs (cosine 1.000000).
 * ORT's `set_denormal_as_zero` only covers its pool threads, not a single-threaded session, hence this.
 */

/** Weights with a magnitude below this are zeroed: their contribution to any activation is far below float precision. */
export const TINY_WEIGHT = 1e-10;

function readVarint(b: Uint8Array, p: number): [number, number] {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    if (p >= b.length) throw new Error('ONNX model: truncated varint');
    byte = b[p++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, p];
}

/** Calls `onField` for every length-delimited field in the protobuf message b[start, end). */
function eachLengthDelimited(b: Uint8Array, start: number, end: number, onField: (field: number, s: number, e: number) => void): void {
  let p = start;
  while (p < end) {
    let key: number;
    [key, p] = readVarint(b, p);
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0: [, p] = readVarint(b, p); break;
      case 1: p += 8; break;
      case 5: p += 4; break;
      case 2: {
        let len: number;
        [len, p] = readVarint(b, p);
        onField(field, p, p + len);
        p += len;
        break;
      }
      default: throw new Error(`ONNX model: unsupported protobuf wire type ${key & 7}`);
    }
  }
}

// ModelProto.graph = 7, GraphProto.initializer = 5, TensorProto.raw_data = 9 (data_type = 2, FLOAT = 1).
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;

/** Returns how many weights were zeroed. Only raw float32 initializers are touched; the layout stays byte-identical. */
export function flushTinyWeights(model: Uint8Array, below = TINY_WEIGHT): number {
  let zeroed = 0;
  eachLengthDelimited(model, 0, model.length, (f, s, e) => {
    if (f !== MODEL_GRAPH) return;
    eachLengthDelimited(model, s, e, (g, s2, e2) => {
      if (g !== GRAPH_INITIALIZER) return;
      if (!isFloatTensor(model, s2, e2)) return;
      eachLengthDelimited(model, s2, e2, (h, s3, e3) => {
        if (h !== TENSOR_RAW_DATA) return;
        const view = new DataView(model.buffer, model.byteOffset + s3, e3 - s3);
        for (let i = 0; i + 4 <= e3 - s3; i += 4) {
          const v = view.getFloat32(i, true);
          if (v !== 0 && Math.abs(v) < below) {
            view.setFloat32(i, 0, true);
            zeroed++;
          }
        }
      });
    });
  });
  return zeroed;
}

/** TensorProto.data_type is field 2 (varint); FLOAT is 1. */
function isFloatTensor(b: Uint8Array, start: number, end: number): boolean {
  let p = start;
  while (p < end) {
    let key: number;
    [key, p] = readVarint(b, p);
    const wire = key & 7;
    if (key === (2 << 3)) return readVarint(b, p)[0] === 1;
    if (wire === 0) [, p] = readVarint(b, p);
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) { let len: number; [len, p] = readVarint(b, p); p += len; }
    else return false;
  }
  return false;
}
