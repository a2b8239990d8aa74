/**
 * @file The engine's public contract: what callers (jobs, CLI, benchmarks) may rely on.
 * The engine knows nothing of HTTP or Smile ID codes; the decision module turns these measurements into outcomes.
 */
import type { ExecutionProvider, ExecutionProviderChoice, ProviderEnvironment } from './backend/execution-provider.js';
import type { SettingsOverrides, SpoofAggregation } from './settings.js';

/** Why a face image is not good enough to use. Stable strings: they appear in the CLI's JSON and in job records. */
export type QualityReason =
  | 'no_face'
  | 'multiple_faces'
  | 'face_too_small'
  | 'too_dark'
  | 'overexposed'
  | 'blurry'
  | 'extreme_pose'
  | 'eyes_closed';

/**
 * Advice that does not fail the quality gate: the image can still be judged, but the user could take a better one.
 * `backlit`: the face is much darker than what is behind it (a window or lamp behind the user); light in front of the
 * face helps. Stable strings.
 */
export type QualityHint = 'backlit';

export interface FaceQuality {
  ok: boolean;
  reasons: QualityReason[];
  hints: QualityHint[];
  /** Mean luma of the face region, 0..255. */
  brightness: number;
  /** Mean luma of the image around the face (outside its box enlarged 1.3×), 0..255; 0 without a face. */
  backgroundBrightness: number;
  /** Variance of the Laplacian on the aligned 112x112 grey face; higher is sharper. */
  sharpness: number;
  /** Side of the detected face box in pixels (the larger of width and height). */
  faceSizePx: number;
  /** Head pose estimated from the 68 landmarks, normalised: 0 = frontal, about ±1 = profile. */
  yaw: number;
  pitch: number;
  /** Mean eye aspect ratio of both eyes; about 0.25–0.35 open, < 0.15 closed. */
  eyeOpenness: number;
}

export interface SpoofResult {
  /** True when the passive anti-spoof model judges this a live face, not a recapture (print, screen). */
  real: boolean;
  /** P(genuine live face), 0..1. */
  score: number;
}

/** Everything the engine measured on one image; the main face is the largest, most central one. */
export interface FaceAnalysis {
  /** Image size after EXIF auto-orientation. */
  width: number;
  height: number;
  /** Number of faces detected (after NMS, above the score threshold). */
  faces: number;
  /** Main face box in pixels [x1, y1, x2, y2], or null when there is none. */
  box: [number, number, number, number] | null;
  detectionScore: number;
  quality: FaceQuality;
  /** Passive anti-spoof on the main face; null when there is no face (or, for liveness frames, when the frame was not sampled for anti-spoof). */
  spoof: SpoofResult | null;
  /** L2-normalised embedding of the main face (512-d for the shipped model); null when there is no face. */
  embedding: Float32Array | null;
  /**
   * What a registration stores and a face comparison scores: for a selfie, the embedding followed by the second
   * recogniser's when fusion is on (src/engine/fusion.ts); otherwise the embedding itself. Null when there is no face.
   */
  template: Float32Array | null;
  /** Landmark-derived signals used for burst liveness. */
  signals: { yaw: number; pitch: number; eyeOpenness: number; mouthOpenness: number } | null;
}

export interface CompareResult {
  similarity: number;
  /** Both faces were found and their similarity clears the threshold: the identity question alone. */
  samePerson: boolean;
  /**
   * The answer a verification relies on: the same person (`samePerson`), both images pass the quality gates, and
   * neither is flagged as a spoof (a recapture of someone's photo is not that person present).
   */
  match: boolean;
  threshold: number;
  images: [FaceAnalysis, FaceAnalysis];
}

/** Why a burst is not live. Stable strings. */
export type LivenessReason =
  | 'selfie_unusable'
  | 'too_few_frames_with_face'
  | 'identity_mismatch'
  | 'no_natural_motion'
  | 'near_identical_frames'
  | 'spoof_detected';

export interface LivenessResult {
  live: boolean;
  /** Overall liveness score 0..1 (higher = more confidently live). */
  score: number;
  reasons: LivenessReason[];
  frames: number;
  framesWithFace: number;
  /** Lowest cosine similarity between the selfie and any frame; null without frames. */
  minSimilarityToSelfie: number | null;
  /** Aggregated passive anti-spoof score over the selfie and frames (P(genuine)); see `antiSpoof` for how. */
  spoofScore: number;
  /** What the anti-spoof decision rests on: each image's P(genuine) and how they were aggregated into `spoofScore`. */
  antiSpoof: {
    aggregation: SpoofAggregation;
    threshold: number;
    /** The selfie's P(genuine); null when it has no face. */
    selfie: number | null;
    /** The scored frames' P(genuine), in capture order (frames without a face or not sampled are left out). */
    frames: number[];
    /** How many of the selfie and the scored frames fall below the threshold. */
    imagesBelowThreshold: number;
  };
  /** Motion signals across frames (ranges/spreads); null without frames. */
  motion: { yaw: number; pitch: number; eye: number; mouth: number; minFrameDifference: number } | null;
}

export interface SmartSelfieInput {
  selfie: Buffer;
  /** 0–8 liveness frames (the capture components send 7–8). */
  liveness: Buffer[];
  /** The enrolled template to compare with (authentication); absent for enrolment. */
  reference?: Float32Array;
}

export interface SmartSelfieMeasurements {
  selfie: FaceAnalysis;
  liveness: LivenessResult;
  /** Present when a reference template was given and the selfie has a face. */
  match: { similarity: number } | null;
  /** Engine time for the whole job in milliseconds. */
  elapsedMs: number;
}

export interface EngineOptions {
  /** Worker threads; default = number of CPU cores. */
  workers?: number;
  /** Directory with manifest.json and the model files; default = the package's models/ directory. */
  modelsDir?: string;
  /**
   * 'auto' (default): onnxruntime's CUDA provider where it is installed and an NVIDIA GPU is visible, else the CPU;
   * 'cpu'; or 'cuda', which fails to start, saying why, where CUDA cannot work. See backend/execution-provider.ts.
   */
  executionProvider?: ExecutionProviderChoice;
  /** Where to look for CUDA (default: this machine); tests pass their own to reach the paths a GPU host takes. */
  providerEnvironment?: ProviderEnvironment;
  /**
   * Scheduling niceness of the worker threads (default 10; 0 = normal priority). Inference still uses all idle CPU,
   * but the caller's event loop preempts it. Linux only.
   */
  workerNiceness?: number;
  /** Largest accepted image, in pixels (width x height), against decompression bombs. Default 50,000,000. */
  maxInputPixels?: number;
  /** Threshold overrides (match threshold, quality gates, liveness); defaults in settings.ts. */
  settings?: SettingsOverrides;
}

/** What the engine runs on, as started. */
export interface EngineRuntime {
  executionProvider: ExecutionProvider;
  workers: number;
  /** Set when 'auto' found CUDA installed but could not start on it, so the engine runs on the CPU. */
  cudaFallback?: string;
}

export interface FaceEngine {
  readonly runtime: EngineRuntime;
  analyze(image: Buffer): Promise<FaceAnalysis>;
  compare(a: Buffer, b: Buffer): Promise<CompareResult>;
  liveness(selfie: Buffer, frames: Buffer[]): Promise<LivenessResult>;
  smartSelfie(input: SmartSelfieInput): Promise<SmartSelfieMeasurements>;
  /** The selfie's similarity to a registered template, or null without a template or a face in the selfie. */
  matchToReference(selfie: FaceAnalysis, reference: Float32Array | undefined): SmartSelfieMeasurements['match'];
  close(): Promise<void>;
}
