/** @file Least-squares 2-D similarity transform (rotation, uniform scale, translation) between point sets. */
import type { Affine } from '../image/raw-image.js';

/**
 * Finds the similarity T minimising Σ|T(src_i) − dst_i|², returned as an affine [a, −b, tx, b, a, ty].
 * In 2-D, Umeyama's SVD solution reduces to this closed form (a, b from centred cross/dot sums), reflections excluded.
 */
export function estimateSimilarity(src: readonly [number, number][], dst: readonly [number, number][]): Affine {
  const n = src.length;
  if (n < 2 || dst.length !== n) throw new Error('estimateSimilarity needs two equal lists of at least 2 points');
  let msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (let i = 0; i < n; i++) {
    msx += src[i][0]; msy += src[i][1];
    mdx += dst[i][0]; mdy += dst[i][1];
  }
  msx /= n; msy /= n; mdx /= n; mdy /= n;
  let dot = 0, cross = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const sx = src[i][0] - msx, sy = src[i][1] - msy;
    const dx = dst[i][0] - mdx, dy = dst[i][1] - mdy;
    dot += sx * dx + sy * dy;
    cross += sx * dy - sy * dx;
    norm += sx * sx + sy * sy;
  }
  if (norm === 0) throw new Error('estimateSimilarity: source points coincide');
  const a = dot / norm;
  const b = cross / norm;
  return [a, -b, mdx - a * msx + b * msy, b, a, mdy - b * msx - a * msy];
}

export function applyAffine(m: Affine, p: readonly [number, number]): [number, number] {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}
