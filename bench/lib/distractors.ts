/**
 * @file Synthetic face templates for the 1:N search benchmark: unit vectors drawn from a Gaussian fitted to real
 * embeddings (their mean, the top `rank` principal directions with their variances, and the remaining variance
 * spread evenly over the other directions), then L2-normalised like the engine's output. Real embeddings share a
 * mean direction and a few dominant directions, so impostor pairs are not orthogonal as random unit vectors are
 * (those score 0 ± 1/√dims, far from any threshold): a search among them would be easier than among real faces.
 */
import { random } from './error-rates.js';

export interface TemplateModel {
  dims: number;
  mean: Float64Array;
  /** `rank` principal directions (unit vectors, row-major) and the standard deviation along each. */
  directions: Float64Array;
  sd: Float64Array;
  /** Standard deviation of the isotropic rest. */
  restSd: number;
  rank: number;
  /** Share of the total variance the principal directions hold. */
  explained: number;
}

/** Fits the model to `samples` (each `dims` long) by subspace iteration on their covariance. */
export function fitTemplateModel(samples: Float32Array[], rank: number, seed = 15): TemplateModel {
  const dims = samples[0].length;
  const n = samples.length;
  const mean = new Float64Array(dims);
  for (const s of samples) for (let d = 0; d < dims; d++) mean[d] += s[d] / n;
  const cov = new Float64Array(dims * dims);
  const c = new Float64Array(dims);
  for (const s of samples) {
    for (let d = 0; d < dims; d++) c[d] = s[d] - mean[d];
    for (let i = 0; i < dims; i++) {
      const ci = c[i] / (n - 1);
      for (let j = i; j < dims; j++) cov[i * dims + j] += ci * c[j];
    }
  }
  for (let i = 0; i < dims; i++) for (let j = 0; j < i; j++) cov[i * dims + j] = cov[j * dims + i];
  let trace = 0;
  for (let i = 0; i < dims; i++) trace += cov[i * dims + i];

  const rand = random(seed);
  let v = Float64Array.from({ length: rank * dims }, () => rand() - 0.5);
  orthonormalise(v, rank, dims);
  for (let iter = 0; iter < 30; iter++) {
    const next = new Float64Array(rank * dims);
    for (let r = 0; r < rank; r++) {
      for (let i = 0; i < dims; i++) {
        let s = 0;
        for (let j = 0; j < dims; j++) s += cov[i * dims + j] * v[r * dims + j];
        next[r * dims + i] = s;
      }
    }
    orthonormalise(next, rank, dims);
    v = next;
  }
  const sd = new Float64Array(rank);
  let held = 0;
  for (let r = 0; r < rank; r++) {
    let q = 0; // Rayleigh quotient vᵀ·C·v: the variance along the direction
    for (let i = 0; i < dims; i++) {
      let s = 0;
      for (let j = 0; j < dims; j++) s += cov[i * dims + j] * v[r * dims + j];
      q += v[r * dims + i] * s;
    }
    sd[r] = Math.sqrt(Math.max(0, q));
    held += q;
  }
  return { dims, mean, directions: v, sd, restSd: Math.sqrt(Math.max(0, trace - held) / (dims - rank)), rank, explained: held / trace };
}

/** Gram–Schmidt on `rows` row vectors of length `dims`, in place. */
function orthonormalise(v: Float64Array, rows: number, dims: number): void {
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < r; p++) {
      let d = 0;
      for (let i = 0; i < dims; i++) d += v[r * dims + i] * v[p * dims + i];
      for (let i = 0; i < dims; i++) v[r * dims + i] -= d * v[p * dims + i];
    }
    let norm = 0;
    for (let i = 0; i < dims; i++) norm += v[r * dims + i] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < dims; i++) v[r * dims + i] /= norm;
  }
}

/** Writes `count` unit templates drawn from `model` into `out` (row-major), deterministic for a seed. */
export function drawTemplates(model: TemplateModel, count: number, out: Float32Array, seed: number): void {
  const { dims, rank } = model;
  const rand = random(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const x = new Float64Array(dims);
  const z = new Float64Array(rank);
  for (let t = 0; t < count; t++) {
    for (let r = 0; r < rank; r++) z[r] = normal() * model.sd[r];
    for (let d = 0; d < dims; d++) x[d] = model.mean[d] + normal() * model.restSd;
    for (let r = 0; r < rank; r++) {
      const zr = z[r];
      const o = r * dims;
      for (let d = 0; d < dims; d++) x[d] += zr * model.directions[o + d];
    }
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += x[d] * x[d];
    norm = Math.sqrt(norm);
    for (let d = 0; d < dims; d++) out[t * dims + d] = x[d] / norm;
  }
}

/** Random unit vectors, the unrealistic baseline the report compares against. */
export function drawUniformTemplates(dims: number, count: number, out: Float32Array, seed: number): void {
  drawTemplates({ dims, mean: new Float64Array(dims), directions: new Float64Array(0), sd: new Float64Array(0), restSd: 1, rank: 0, explained: 0 }, count, out, seed);
}
