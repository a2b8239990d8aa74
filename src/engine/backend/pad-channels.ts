/**
 * @file Pads the channel count of depthwise-convolution blocks up to a multiple of the CPU's vector block.
 *
 * Why: onnxruntime's fast CPU convolutions use a blocked layout (NCHWc, 16 channels per block with AVX-512); a
 * depthwise convolution whose channel count is not a multiple of the block falls back to a generic kernel, with
 * layout reorders around it. fr_liveness (MiniFASNet) has 103-, 231-, 77-, 26- and 13-channel depthwise blocks:
 * its 103-channel stride-2 convolution alone took 1.0 ms of a ~10 ms run.
 *
 * How: a "channel region" is a set of activations linked by ops that act on each channel separately (depthwise
 * Conv, PRelu, Relu, Sigmoid, BatchNormalization, GlobalAveragePool, Add and Mul of two activations). Its channels
 * come from ordinary convolutions (the heads) and go into ordinary convolutions (the tails). The extra channels get
 * zero weights in the heads and in the tails, so whatever they carry never reaches a real channel: the function is
 * unchanged. Regions touched by anything else (graph inputs or outputs, Reshape, Concat, Gemm…) are left alone.
 */
import { channelSlope, floatValues, indexGraph, onnx, setFloatValues, type Model, type Node, type Tensor } from './onnx-model.js';

const ELEMENTWISE = new Set(['Relu', 'Sigmoid', 'GlobalAveragePool']);
const BINARY = new Set(['Add', 'Mul']);

/** Returns how many regions were padded. */
export function padChannels(model: Model, block = 16): number {
  const graph = model.graph;
  if (!graph) return 0;
  const nodes = graph.node ?? [];
  const { initializers: inits, producer, consumers } = indexGraph(graph);
  const isActivation = (name: string) => name !== '' && !inits.has(name);
  const convWeight = (n: Node) => (n.opType === 'Conv' ? inits.get(n.input?.[1] ?? '') : undefined);
  const isDepthwise = (n: Node) => {
    const w = convWeight(n);
    const dims = (w?.dims ?? []).map(Number);
    return dims.length === 4 && dims[1] === 1 && group(n) === dims[0] && dims[0] > 1;
  };
  const isPlainConv = (n: Node) => (convWeight(n)?.dims?.length ?? 0) === 4 && group(n) === 1;

  // Union-find over activation names: channel-wise ops put their activation inputs and outputs in one region.
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  const channelWise = (n: Node): boolean =>
    isDepthwise(n) || n.opType === 'PRelu' || n.opType === 'BatchNormalization' || ELEMENTWISE.has(n.opType ?? '') ||
    (BINARY.has(n.opType ?? '') && (n.input ?? []).length === 2 && (n.input ?? []).every(isActivation));
  for (const n of nodes) {
    if (!channelWise(n)) continue;
    const [x] = n.input ?? [];
    for (const o of n.output ?? []) union(o, x);
    if (BINARY.has(n.opType ?? '')) union(n.input![1], x);
  }

  const regions = new Map<string, Set<string>>();
  for (const n of nodes) {
    if (!channelWise(n)) continue;
    for (const t of [...(n.input ?? []).filter(isActivation), ...(n.output ?? [])]) {
      const r = find(t);
      regions.set(r, (regions.get(r) ?? new Set()).add(t));
    }
  }

  const boundary = new Set([...(graph.input ?? []), ...(graph.output ?? [])].map((v) => v.name ?? ''));
  let padded = 0;
  for (const tensors of regions.values()) {
    const plan = planRegion(tensors);
    if (plan) {
      applyPlan(plan);
      padded++;
    }
  }
  if (padded > 0) {
    // Recorded intermediate shapes would contradict the padded ones; onnxruntime infers them again.
    graph.valueInfo = [];
  }
  return padded;

  function planRegion(tensors: Set<string>) {
    const heads = new Set<Node>();
    const tails = new Set<Node>();
    const inner = new Set<Node>();
    for (const t of tensors) {
      if (boundary.has(t)) return null;
      const p = producer.get(t);
      if (!p) return null;
      if (channelWise(p)) inner.add(p);
      else if (isPlainConv(p)) heads.add(p);
      else return null;
      for (const c of consumers.get(t) ?? []) {
        if (channelWise(c)) inner.add(c);
        else if (isPlainConv(c) && c.input?.[0] === t) tails.add(c);
        else return null;
      }
    }
    const widths = new Set([...heads].map((h) => Number(convWeight(h)!.dims![0])));
    if (heads.size === 0 || widths.size !== 1) return null;
    const channels = [...widths][0];
    if (channels % block === 0 || ![...inner].some(isDepthwise)) return null;
    // Per-channel parameters must have exactly `channels` entries to be padded; anything else is left alone.
    for (const n of inner) {
      // Padding extends axis 0, so only [C,1,1] slopes (not [1,C,1,1]) are padded.
      const slope = n.opType === 'PRelu' ? channelSlope(inits.get(n.input?.[1] ?? '')) : null;
      if (n.opType === 'PRelu' && !(slope?.axis === 0 && slope.channels === channels)) return null;
      if (n.opType === 'BatchNormalization' && !(n.input ?? []).slice(1).every((p) => inits.get(p)?.dims?.map(Number).join() === String(channels))) return null;
      if (isDepthwise(n) && Number(convWeight(n)!.dims![0]) !== channels) return null;
    }
    return { heads, tails, inner, channels, to: Math.ceil(channels / block) * block };
  }

  function applyPlan({ heads, tails, inner, channels, to }: NonNullable<ReturnType<typeof planRegion>>) {
    for (const h of heads) {
      padInit(h, 1, 0, channels, to, 0);
      if (h.input?.[2]) padInit(h, 2, 0, channels, to, 0);
    }
    for (const t of tails) padInit(t, 1, 1, channels, to, 0);
    for (const n of inner) {
      if (isDepthwise(n)) {
        padInit(n, 1, 0, channels, to, 0);
        if (n.input?.[2]) padInit(n, 2, 0, channels, to, 0);
        setGroup(n, to);
      } else if (n.opType === 'PRelu') {
        padInit(n, 1, 0, channels, to, 0);
      } else if (n.opType === 'BatchNormalization') {
        // scale 0, bias 0, mean 0, variance 1: the extra channels come out as zeros.
        [0, 0, 0, 1].forEach((fill, k) => padInit(n, k + 1, 0, channels, to, fill));
      }
    }
  }

  /**
   * Replaces input `k` of `n` with a copy of its initializer padded along `axis` from `from` to `to` entries
   * (a copy, because initializers may be shared with nodes outside the region).
   */
  function padInit(n: Node, k: number, axis: number, from: number, to: number, fill: number) {
    const src = inits.get(n.input![k])!;
    const dims = src.dims!.map(Number);
    if (dims[axis] !== from) throw new Error(`padChannels: ${src.name} has ${dims[axis]} entries on axis ${axis}, expected ${from}`);
    const values = floatValues(src);
    if (!values) throw new Error(`padChannels: ${src.name} is not float`);
    const outer = dims.slice(0, axis).reduce((p, q) => p * q, 1);
    const inner = dims.slice(axis + 1).reduce((p, q) => p * q, 1);
    const out = new Float32Array(outer * to * inner).fill(fill);
    for (let o = 0; o < outer; o++) out.set(values.subarray(o * from * inner, (o + 1) * from * inner), o * to * inner);
    const name = `${src.name}/padded_${n.output?.[0]}`;
    const t: Tensor = onnx.TensorProto.create({ name, dataType: src.dataType, dims: dims.map((d, i) => (i === axis ? to : d)) });
    setFloatValues(t, out);
    graph!.initializer!.push(t);
    inits.set(name, t);
    n.input![k] = name;
  }
}

function group(n: Node): number {
  const g = (n.attribute ?? []).find((a) => a.name === 'group');
  return g ? Number(g.i) : 1;
}

function setGroup(n: Node, value: number): void {
  const g = (n.attribute ?? []).find((a) => a.name === 'group')!;
  g.i = value;
}
