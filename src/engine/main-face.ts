/** @file Picks the main face: the largest, most central one, so bystanders and background faces do not take over. */
import type { ScoredBox } from './math/nms.js';

/** Box side weighted down by up to half for distance from the image centre (0 at the centre, 1 at a corner). */
export function mainFacePriority(face: ScoredBox, width: number, height: number): number {
  const [x1, y1, x2, y2] = face.box;
  const side = Math.max(x2 - x1, y2 - y1);
  const dx = (x1 + x2) / 2 - width / 2;
  const dy = (y1 + y2) / 2 - height / 2;
  const off = Math.hypot(dx, dy) / Math.hypot(width / 2, height / 2);
  return side * (1 - 0.5 * off);
}

/** Index of the main face, or −1 when there is none. */
export function pickMainFace(faces: readonly ScoredBox[], width: number, height: number): number {
  let best = -1;
  let bestPriority = -Infinity;
  faces.forEach((f, i) => {
    const p = mainFacePriority(f, width, height);
    if (p > bestPriority) {
      bestPriority = p;
      best = i;
    }
  });
  return best;
}
