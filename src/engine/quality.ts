/**
 * @file Quality gates on the main face: each failed gate adds one stable, machine-readable reason; hints (backlit)
 * advise without failing the gate.
 */
import type { FaceQuality, QualityHint, QualityReason } from './types.js';
import type { QualitySettings } from './settings.js';

export interface QualityInputs {
  faces: number;
  /** Another face of comparable size that is as sharp as a subject (not a defocused bystander). */
  competingFace: boolean;
  faceSizePx: number;
  brightness: number;
  backgroundBrightness: number;
  sharpness: number;
  yaw: number;
  pitch: number;
  eyeOpenness: number;
}

export function assessQuality(q: QualityInputs, s: QualitySettings): FaceQuality {
  const reasons: QualityReason[] = [];
  if (q.faces === 0) reasons.push('no_face');
  else {
    if (q.competingFace) reasons.push('multiple_faces');
    if (q.faceSizePx < s.minFaceSizePx) reasons.push('face_too_small');
    if (q.brightness < s.minBrightness) reasons.push('too_dark');
    if (q.brightness > s.maxBrightness) reasons.push('overexposed');
    if (q.sharpness < s.minSharpness) reasons.push('blurry');
    if (Math.abs(q.yaw) > s.maxYaw || Math.abs(q.pitch) > s.maxPitch) reasons.push('extreme_pose');
    if (q.eyeOpenness < s.minEyeOpenness) reasons.push('eyes_closed');
  }
  const hints: QualityHint[] = [];
  if (q.faces > 0 && q.brightness < s.maxBacklitRatio * q.backgroundBrightness) hints.push('backlit');
  return {
    ok: reasons.length === 0,
    reasons,
    hints,
    brightness: q.brightness,
    backgroundBrightness: q.backgroundBrightness,
    sharpness: q.sharpness,
    faceSizePx: q.faceSizePx,
    yaw: q.yaw,
    pitch: q.pitch,
    eyeOpenness: q.eyeOpenness,
  };
}
