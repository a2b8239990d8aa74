/**
 * @file Burst liveness: turns the selfie's and the frames' analyses into one verdict. Pure: no models, no I/O.
 * A held photo shows no pose/eye/mouth motion; a replayed image repeats frames; a swapped person fails the identity
 * check; a print or screen fails passive anti-spoof. Motion alone cannot catch a replayed video, hence the combination.
 */
import type { ImageAnalysis } from './face-analyzer.js';
import { cosineSimilarity } from './math/vector.js';
import type { LivenessSettings, SpoofAggregation } from './settings.js';
import type { LivenessReason, LivenessResult } from './types.js';

/**
 * Maps a measurement onto 0..1 with exactly 0.5 at its threshold, linear on each side: the overall score is the
 * minimum of these, so score ≥ 0.5 exactly when every check passes.
 */
export function scoreAround(value: number, threshold: number, full: number): number {
  if (value < threshold) return Math.max(0, 0.5 * (value / threshold));
  return Math.min(1, 0.5 + 0.5 * ((value - threshold) / Math.max(full - threshold, 1e-9)));
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function range(values: number[]): number {
  return values.length ? Math.max(...values) - Math.min(...values) : 0;
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** The burst's anti-spoof score from the selfie's (null when it has no face) and the scored frames' (see SpoofAggregation). */
export function aggregateSpoof(selfie: number | null, frames: number[], how: SpoofAggregation): number {
  if (how === 'median') {
    const all = selfie === null ? frames : [selfie, ...frames];
    return all.length ? median(all) : 0;
  }
  const frameSpoof = frames.length ? median(frames) : 0;
  return selfie === null ? frameSpoof : Math.min(selfie, frameSpoof);
}

/** `frames` holds null for a frame that could not be decoded (it then counts as a frame without a face). */
export function assessBurst(selfie: ImageAnalysis, frames: (ImageAnalysis | null)[], s: LivenessSettings): LivenessResult {
  const reasons: LivenessReason[] = [];
  const self = selfie.analysis;
  const selfieSpoof = self.spoof?.score ?? 0;
  if (!self.embedding) reasons.push('selfie_unusable');

  if (frames.length === 0) {
    // Without frames only the passive check on the selfie can tell a live capture from a photo of a photo.
    if (self.embedding && selfieSpoof < s.spoofThreshold) reasons.push('spoof_detected');
    const score = self.embedding ? scoreAround(selfieSpoof, s.spoofThreshold, 1) : 0;
    return {
      live: reasons.length === 0, score, reasons, frames: 0, framesWithFace: 0,
      minSimilarityToSelfie: null, spoofScore: selfieSpoof, antiSpoof: evidence(self.embedding ? selfieSpoof : null, [], s), motion: null,
    };
  }

  const withFace = frames.filter((f): f is ImageAnalysis => f !== null && f.analysis.embedding !== null);
  const faceFraction = withFace.length / frames.length;
  if (faceFraction < s.minFaceFraction) reasons.push('too_few_frames_with_face');

  const similarities = self.embedding ? withFace.map((f) => cosineSimilarity(self.embedding!, f.analysis.embedding!)) : [];
  const minSimilarity = similarities.length ? Math.min(...similarities) : null;
  if (minSimilarity !== null && minSimilarity < s.minFrameSimilarity) reasons.push('identity_mismatch');

  const sig = withFace.map((f) => f.analysis.signals!);
  const motion = {
    yaw: range(sig.map((x) => x.yaw)),
    pitch: range(sig.map((x) => x.pitch)),
    eye: range(sig.map((x) => x.eyeOpenness)),
    mouth: range(sig.map((x) => x.mouthOpenness)),
    minFrameDifference: Infinity,
  };
  const decoded = frames.filter((f): f is ImageAnalysis => f !== null);
  for (let i = 0; i < decoded.length; i++) {
    for (let j = i + 1; j < decoded.length; j++) {
      motion.minFrameDifference = Math.min(motion.minFrameDifference, meanAbsDiff(decoded[i].thumbnail, decoded[j].thumbnail));
    }
  }
  if (!Number.isFinite(motion.minFrameDifference)) motion.minFrameDifference = 0;
  // Motion relative to its threshold: ≥ 1 means at least one signal moved naturally.
  const motionRatio = Math.max(motion.yaw / s.minYawRange, motion.pitch / s.minPitchRange, motion.eye / s.minEyeRange, motion.mouth / s.minMouthRange);
  // One face cannot show motion: that counts as no motion, so `live` and `score ≥ 0.5` always agree.
  if (withFace.length < 2 || motionRatio < 1) reasons.push('no_natural_motion');
  const nearIdentical = decoded.length >= 2 && motion.minFrameDifference < s.minFrameDifference;
  if (nearIdentical) reasons.push('near_identical_frames');

  const frameScores = withFace.flatMap((f) => (f.analysis.spoof ? [f.analysis.spoof.score] : []));
  const selfieScore = self.embedding ? selfieSpoof : null;
  const spoofScore = aggregateSpoof(selfieScore, frameScores, s.spoofAggregation);
  if (withFace.length > 0 && spoofScore < s.spoofThreshold) reasons.push('spoof_detected');

  const parts = [
    self.embedding ? 1 : 0,
    scoreAround(faceFraction, s.minFaceFraction, 1),
    minSimilarity === null ? 0 : scoreAround(minSimilarity, s.minFrameSimilarity, 0.6),
    withFace.length >= 2 ? scoreAround(motionRatio, 1, 3) : 0,
    nearIdentical ? 0 : 1,
    scoreAround(spoofScore, s.spoofThreshold, 1),
  ];
  return {
    live: reasons.length === 0,
    score: Math.min(...parts),
    reasons,
    frames: frames.length,
    framesWithFace: withFace.length,
    minSimilarityToSelfie: minSimilarity,
    spoofScore,
    antiSpoof: evidence(selfieScore, frameScores, s),
    motion,
  };
}

function evidence(selfie: number | null, frames: number[], s: LivenessSettings): LivenessResult['antiSpoof'] {
  const all = selfie === null ? frames : [selfie, ...frames];
  return {
    aggregation: s.spoofAggregation,
    threshold: s.spoofThreshold,
    selfie,
    frames,
    imagesBelowThreshold: all.filter((x) => x < s.spoofThreshold).length,
  };
}
