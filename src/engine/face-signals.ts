/** @file Geometry read off the 68 iBUG landmarks: alignment points, head pose, eye and mouth opening. */
import type { Point } from './models/landmarker.js';

/** Frontal ratio of (nose tip − eye line) to (mouth line − eye line) along the face's vertical axis; see headPose. */
export const FRONTAL_NOSE_RATIO = 0.6;

function mean(points: Point[], from: number, to: number): Point {
  let x = 0, y = 0;
  for (let i = from; i <= to; i++) { x += points[i][0]; y += points[i][1]; }
  const n = to - from + 1;
  return [x / n, y / n];
}

function dist(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Eye centres, nose tip and mouth corners, in the order of the ArcFace reference points (image left first). */
export function fivePoints(p: Point[]): Point[] {
  return [mean(p, 36, 41), mean(p, 42, 47), p[30], p[48], p[54]];
}

/**
 * Yaw and pitch, normalised so 0 is frontal and ±1 is about a profile / a steep nod. Measured in the face's own
 * axes (the eye line), so in-plane rotation does not count as pose.
 * yaw: balance of the nose tip between the two jaw edges; pitch: the nose tip's height between the eye line and the
 * mouth line, relative to its frontal value.
 */
export function headPose(p: Point[]): { yaw: number; pitch: number } {
  const le = mean(p, 36, 41);
  const re = mean(p, 42, 47);
  const len = dist(le, re) || 1;
  const ux = (re[0] - le[0]) / len, uy = (re[1] - le[1]) / len;
  const vx = -uy, vy = ux;
  const nose = p[30];
  const along = (a: Point, b: Point) => (b[0] - a[0]) * ux + (b[1] - a[1]) * uy;
  const dl = along(p[0], nose);
  const dr = along(nose, p[16]);
  const yaw = dl + dr !== 0 ? (dl - dr) / (Math.abs(dl) + Math.abs(dr)) : 0;
  const eyeMid: Point = [(le[0] + re[0]) / 2, (le[1] + re[1]) / 2];
  const mouth = mean(p, 48, 54);
  const down = (q: Point) => (q[0] - eyeMid[0]) * vx + (q[1] - eyeMid[1]) * vy;
  const mouthDown = down(mouth);
  const ratio = mouthDown !== 0 ? down(nose) / mouthDown : FRONTAL_NOSE_RATIO;
  const pitch = (ratio - FRONTAL_NOSE_RATIO) / FRONTAL_NOSE_RATIO;
  return { yaw, pitch };
}

/** Mean eye aspect ratio (Soukupová & Čech): about 0.25–0.35 open, near 0 closed. */
export function eyeOpenness(p: Point[]): number {
  const ear = (a: number) =>
    (dist(p[a + 1], p[a + 5]) + dist(p[a + 2], p[a + 4])) / (2 * (dist(p[a], p[a + 3]) || 1));
  return (ear(36) + ear(42)) / 2;
}

/** Inner-lip opening relative to mouth width: about 0 closed, 0.3+ wide open. */
export function mouthOpenness(p: Point[]): number {
  const gap = (dist(p[61], p[67]) + dist(p[62], p[66]) + dist(p[63], p[65])) / 3;
  return gap / (dist(p[60], p[64]) || 1);
}
