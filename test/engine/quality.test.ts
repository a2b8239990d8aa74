/**
 * @file The quality gates and the landmark geometry behind the pose and eye gates. Real photos cover the other gates
 * (engine.test.ts); no photo of closed eyes or a profile is available to this project, so these two are checked on
 * synthetic 68-point layouts whose geometry is known.
 */
import { describe, expect, it } from 'vitest';
import { eyeOpenness, FRONTAL_NOSE_RATIO, headPose, mouthOpenness } from '../../src/engine/face-signals.js';
import type { Point } from '../../src/engine/models/landmarker.js';
import { assessQuality, type QualityInputs } from '../../src/engine/quality.js';
import { DEFAULT_SETTINGS } from '../../src/engine/settings.js';

const Q = DEFAULT_SETTINGS.quality;

/**
 * A face 100 units wide: jaw edges at x = 0 and 100, eye line at y = 0, mouth line at y = 50. `eyeHeight` is each
 * eye's lid gap against a 20-unit eye width (EAR = eyeHeight / 20); `noseX` and `noseDown` place the nose tip.
 */
function face(opts: { noseX?: number; noseDown?: number; eyeHeight?: number; mouthGap?: number } = {}): Point[] {
  const { noseX = 50, noseDown = FRONTAL_NOSE_RATIO * 50, eyeHeight = 6, mouthGap = 0 } = opts;
  const p: Point[] = Array.from({ length: 68 }, () => [50, 25] as Point);
  p[0] = [0, 10];
  p[16] = [100, 10];
  p[30] = [noseX, noseDown];
  // Eyes 36–41 and 42–47 in iBUG order: outer corner, two upper lid points, inner corner, two lower lid points.
  const eye = (start: number, x0: number) => {
    const h = eyeHeight / 2;
    p[start] = [x0, 0];
    p[start + 1] = [x0 + 7, -h];
    p[start + 2] = [x0 + 13, -h];
    p[start + 3] = [x0 + 20, 0];
    p[start + 4] = [x0 + 13, h];
    p[start + 5] = [x0 + 7, h];
  };
  eye(36, 20);
  eye(42, 60);
  // Mouth: outer corners 48 and 54 on the mouth line, inner lip 60–67 with `mouthGap` between the lips.
  for (let i = 48; i <= 54; i++) p[i] = [30 + ((i - 48) * 40) / 6, 50];
  p[60] = [35, 50];
  p[64] = [65, 50];
  for (const [top, bottom, x] of [[61, 67, 42], [62, 66, 50], [63, 65, 58]] as const) {
    p[top] = [x, 50 - mouthGap / 2];
    p[bottom] = [x, 50 + mouthGap / 2];
  }
  return p;
}

function rotate(points: Point[], degrees: number): Point[] {
  const a = (degrees * Math.PI) / 180;
  return points.map(([x, y]) => [x * Math.cos(a) - y * Math.sin(a) + 300, x * Math.sin(a) + y * Math.cos(a) + 200]);
}

describe('landmark geometry', () => {
  it('reads a frontal face as yaw 0, pitch 0, with the eye aspect ratio and a closed mouth', () => {
    const p = face();
    expect(headPose(p).yaw).toBeCloseTo(0, 6);
    expect(headPose(p).pitch).toBeCloseTo(0, 6);
    expect(eyeOpenness(p)).toBeCloseTo(0.3, 6);
    expect(mouthOpenness(p)).toBeCloseTo(0, 6);
  });

  it('gives yaw the sign of the turn and pitch the sign of the nod', () => {
    expect(headPose(face({ noseX: 80 })).yaw).toBeCloseTo(0.6, 6);
    expect(headPose(face({ noseX: 20 })).yaw).toBeCloseTo(-0.6, 6);
    expect(headPose(face({ noseDown: 45 })).pitch).toBeGreaterThan(0);
    expect(headPose(face({ noseDown: 15 })).pitch).toBeLessThan(0);
  });

  it('does not count in-plane rotation as pose, eye or mouth change', () => {
    for (const opts of [{}, { noseX: 80, eyeHeight: 1, mouthGap: 12 }]) {
      const upright = face(opts);
      const tilted = rotate(upright, 35);
      expect(headPose(tilted).yaw).toBeCloseTo(headPose(upright).yaw, 6);
      expect(headPose(tilted).pitch).toBeCloseTo(headPose(upright).pitch, 6);
      expect(eyeOpenness(tilted)).toBeCloseTo(eyeOpenness(upright), 6);
      expect(mouthOpenness(tilted)).toBeCloseTo(mouthOpenness(upright), 6);
    }
  });

  it('sees closing eyes and an opening mouth', () => {
    expect(eyeOpenness(face({ eyeHeight: 0 }))).toBe(0);
    expect(mouthOpenness(face({ mouthGap: 12 }))).toBeCloseTo(0.4, 6);
  });
});

const good: QualityInputs = { faces: 1, competingFace: false, faceSizePx: 200, brightness: 120, backgroundBrightness: 130, sharpness: 300, yaw: 0, pitch: 0, eyeOpenness: 0.3 };

describe('assessQuality', () => {
  it('passes a good face with no reasons and reports its measurements', () => {
    expect(assessQuality(good, Q)).toEqual({
      ok: true, reasons: [], hints: [], brightness: 120, backgroundBrightness: 130, sharpness: 300, faceSizePx: 200, yaw: 0, pitch: 0, eyeOpenness: 0.3,
    });
  });

  it('hints backlit, without failing the gate, when the face is much darker than its surroundings', () => {
    const backlit = assessQuality({ ...good, brightness: 70, backgroundBrightness: 150 }, Q);
    expect(backlit).toMatchObject({ ok: true, reasons: [], hints: ['backlit'] });
    expect(assessQuality({ ...good, brightness: Q.maxBacklitRatio * 150, backgroundBrightness: 150 }, Q).hints).toEqual([]);
    expect(assessQuality({ ...good, faces: 0, brightness: 0, backgroundBrightness: 150 }, Q).hints).toEqual([]);
  });

  it('gives each gate its own reason just past its threshold, and none at it', () => {
    const cases: [Partial<QualityInputs>, Partial<QualityInputs>, string][] = [
      [{ competingFace: true }, {}, 'multiple_faces'],
      [{ faceSizePx: Q.minFaceSizePx - 0.5 }, { faceSizePx: Q.minFaceSizePx }, 'face_too_small'],
      [{ brightness: Q.minBrightness - 0.5 }, { brightness: Q.minBrightness }, 'too_dark'],
      [{ brightness: Q.maxBrightness + 0.5 }, { brightness: Q.maxBrightness }, 'overexposed'],
      [{ sharpness: Q.minSharpness - 0.5 }, { sharpness: Q.minSharpness }, 'blurry'],
      [{ yaw: -(Q.maxYaw + 0.01) }, { yaw: -Q.maxYaw }, 'extreme_pose'],
      [{ pitch: Q.maxPitch + 0.01 }, { pitch: Q.maxPitch }, 'extreme_pose'],
      [{ eyeOpenness: Q.minEyeOpenness - 0.01 }, { eyeOpenness: Q.minEyeOpenness }, 'eyes_closed'],
    ];
    for (const [failing, passing, reason] of cases) {
      expect(assessQuality({ ...good, ...failing }, Q)).toMatchObject({ ok: false, reasons: [reason] });
      expect(assessQuality({ ...good, ...passing }, Q)).toMatchObject({ ok: true, reasons: [] });
    }
  });

  it('turns the synthetic profile and the closed eyes into extreme_pose and eyes_closed', () => {
    const profile = headPose(face({ noseX: 95 }));
    const closed = eyeOpenness(face({ eyeHeight: 1 }));
    expect(assessQuality({ ...good, yaw: profile.yaw, pitch: profile.pitch, eyeOpenness: closed }, Q).reasons).toEqual(['extreme_pose', 'eyes_closed']);
  });

  it('lists every failed gate, and only no_face when there is no face', () => {
    const bad = assessQuality({ ...good, faceSizePx: 10, brightness: 10, sharpness: 1 }, Q);
    expect(bad.reasons).toEqual(['face_too_small', 'too_dark', 'blurry']);
    expect(assessQuality({ ...good, faces: 0 }, Q).reasons).toEqual(['no_face']);
  });
});
