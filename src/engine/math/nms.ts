/** @file Greedy non-maximum suppression over scored boxes. */

/** [x1, y1, x2, y2] in any consistent unit. */
export type Box = [number, number, number, number];

export interface ScoredBox {
  box: Box;
  score: number;
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** Keeps the highest-scoring box of every group overlapping by more than `iouThreshold`; result sorted by score. */
export function nms(boxes: readonly ScoredBox[], iouThreshold: number): ScoredBox[] {
  const sorted = [...boxes].sort((p, q) => q.score - p.score);
  const kept: ScoredBox[] = [];
  for (const cand of sorted) {
    if (kept.every((k) => iou(k.box, cand.box) <= iouThreshold)) kept.push(cand);
  }
  return kept;
}
