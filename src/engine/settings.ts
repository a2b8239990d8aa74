/**
 * @file The engine's tunable thresholds, one documented tree with defaults. Values were chosen from the measurements
 * in MODELS.md (faces/, spoof/, bursts/ in ../shared plus ENGINE-NOTES.md); change them per deployment, not per call.
 */

/**
 * Cosine similarity at or above which two faces are the same person: the shipped embedding model's threshold at a
 * false-match rate of 1e-4, and those at 1e-3 and 1e-5 that bound the decision's review band. They are the
 * `operatingPoints` of models/manifest.json, chosen by `npm run bench:accuracy` on lfw-dev's calibration split
 * (MODELS.md); a test keeps these copies equal to the manifest's.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.433;
export const MATCH_THRESHOLD_FMR_1E3 = 0.35;
export const MATCH_THRESHOLD_FMR_1E5 = 0.485;

/** Passive anti-spoof P(genuine) at or above which a face counts as a live capture. */
export const DEFAULT_SPOOF_THRESHOLD = 0.5;

export interface QualitySettings {
  /** Smallest accepted face box side, in pixels of the original image. */
  minFaceSizePx: number;
  /** Mean luma (0..255) of the aligned face below which it is too dark, above which overexposed. */
  minBrightness: number;
  maxBrightness: number;
  /** Laplacian variance of the aligned 112x112 grey face below which it is blurry (sharp photos measure 200–4,000). */
  minSharpness: number;
  /** |yaw| or |pitch| (0 frontal, ~1 profile) above which the pose is extreme. */
  maxYaw: number;
  maxPitch: number;
  /** Mean eye aspect ratio below which the eyes count as closed (open eyes measured 0.23–0.50). */
  minEyeOpenness: number;
  /**
   * A second face whose main-face priority (box side weighted by closeness to the centre, `mainFacePriority`) is at
   * least this fraction of the main face's competes with it and fails the image, unless it is far blurrier than the
   * main face (a defocused bystander, see `bystanderSharpnessRatio`). 0.8 refuses a couple side by side (1.0) and a
   * group selfie (0.83) but not a smaller or off-centre face beside the subject: on lfw-dev the main face was the
   * subject in all 102 photos a side-ratio rule of 0.6 refused (MODELS.md, "Face choice").
   */
  secondFacePriorityRatio: number;
  /** A comparable second face with sharpness below this fraction of the main face's is a defocused bystander. */
  bystanderSharpnessRatio: number;
  /**
   * The `backlit` hint is given when the face's mean luma is below this fraction of its surroundings'. A laptop webcam
   * user with a window behind measured 0.42–0.52 (pad-dev/webcam-real, 8 of 13 frames), the 62 press photos 0.58 and up.
   */
  maxBacklitRatio: number;
}

/**
 * How the burst's anti-spoof score comes from its images' scores. `median` (default): the median of the selfie's and
 * the scored frames' P(genuine), so one dark or blurred image cannot fail a live user and one lucky image cannot pass
 * a replay (it takes half of them). `min-selfie-median`: the lower of the selfie's score and the frames' median (the
 * rule before issue 17: a single bad selfie failed the burst).
 */
export const SPOOF_AGGREGATIONS = ['median', 'min-selfie-median'] as const;
export type SpoofAggregation = (typeof SPOOF_AGGREGATIONS)[number];

export interface LivenessSettings {
  /** Fraction of liveness frames that must contain a face. */
  minFaceFraction: number;
  /** Every frame's face must reach this cosine similarity to the selfie (lower than the match threshold: pose varies). */
  minFrameSimilarity: number;
  /**
   * Motion thresholds: the burst shows natural motion when any range (max − min over frames) reaches its threshold.
   * A held print measured yaw 0.03, pitch 0.04, eye 0.04, mouth 0.03; a talking face yaw 0.76, pitch 0.37, mouth 0.13;
   * a user sitting still at a laptop webcam (pad-dev/webcam-real/burst, 1.6 s) yaw 0.13, pitch 0.09, hence 0.08.
   */
  minYawRange: number;
  minPitchRange: number;
  minEyeRange: number;
  minMouthRange: number;
  /** Mean absolute grey difference (0..255) of two frame thumbnails below which they are near-identical (replayed). */
  minFrameDifference: number;
  /** Aggregated anti-spoof P(genuine) (see `spoofAggregation`) needed to pass. */
  spoofThreshold: number;
  /** How the selfie's and the frames' anti-spoof scores become the burst's (see SpoofAggregation). */
  spoofAggregation: SpoofAggregation;
  /**
   * How many liveness frames, evenly spread and always including the first and last, also get the passive
   * anti-spoof model (0 = every frame, the default). Every frame is checked by default because a replay can be
   * spliced into part of a burst; a deployment short of CPU may sample (it costs ~10–14 ms of CPU per frame, and
   * on whole-burst attacks the score is nearly constant: live bursts measured 0.95–1.00, prints ~0). The identity,
   * motion and face checks always run on every frame.
   */
  spoofFrames: number;
}

export interface EngineSettings {
  matchThreshold: number;
  /**
   * Embed a selfie's aligned face and its mirror image and sum the two embeddings (one more embedding run, ~6 ms).
   * Liveness frames keep the single run: their embeddings only check that every frame shows the selfie's person.
   */
  flipAverage: boolean;
  /**
   * Run the manifest's second recogniser (`models.fusion`) on selfies and fuse its score with the primary one's
   * (src/engine/fusion.ts); the fused score is reported on the primary cosine's scale, so the thresholds stay.
   * Liveness frames never run it. Off by default: on lfw-dev it lowered FNMR at FMR 1e-3 and 1e-4 but raised the
   * strongest impostor scores between East Asian faces, cost ~20 % more CPU per job and ~110 MB per worker (MODELS.md).
   */
  fusion: boolean;
  /** Longest side of the working image for a selfie; larger inputs are shrunk by a power of two on decode. */
  maxWorkingSidePx: number;
  /**
   * Longest side of the working image for a liveness frame. Capture components send 320x240 to 640x480 frames; up to
   * 640 they are analysed as they come, because shrinking costs more than it saves (a 640x480 JPEG decodes in ~0.9 ms
   * on the libjpeg-turbo path, 4.7 ms with sharp, and sharp's decode-and-resize to 320x240 takes 7.9 ms, measured on
   * the 2-core machine).
   */
  maxFrameSidePx: number;
  /** Smallest accepted image side. */
  minImageSidePx: number;
  quality: QualitySettings;
  liveness: LivenessSettings;
}

export const DEFAULT_SETTINGS: EngineSettings = Object.freeze({
  matchThreshold: DEFAULT_MATCH_THRESHOLD,
  flipAverage: true,
  fusion: false,
  maxWorkingSidePx: 1280,
  maxFrameSidePx: 640,
  minImageSidePx: 48,
  quality: Object.freeze({
    minFaceSizePx: 64,
    minBrightness: 40,
    maxBrightness: 225,
    minSharpness: 30,
    maxYaw: 0.7,
    maxPitch: 0.6,
    minEyeOpenness: 0.12,
    secondFacePriorityRatio: 0.8,
    bystanderSharpnessRatio: 0.25,
    maxBacklitRatio: 0.55,
  }),
  liveness: Object.freeze({
    minFaceFraction: 0.75,
    minFrameSimilarity: 0.3,
    minYawRange: 0.08,
    minPitchRange: 0.08,
    minEyeRange: 0.12,
    minMouthRange: 0.08,
    minFrameDifference: 1,
    spoofThreshold: DEFAULT_SPOOF_THRESHOLD,
    spoofAggregation: 'median',
    spoofFrames: 0,
  }),
}) as EngineSettings;

export type SettingsOverrides = Partial<Omit<EngineSettings, 'quality' | 'liveness'>> & {
  quality?: Partial<QualitySettings>;
  liveness?: Partial<LivenessSettings>;
};

/** Defaults with `overrides` applied; rejects unknown keys and non-finite numbers so typos fail loudly. */
export function resolveSettings(overrides: SettingsOverrides = {}): EngineSettings {
  const check = (obj: object, allowed: object, where: string) => {
    for (const [k, v] of Object.entries(obj)) {
      if (!(k in allowed)) throw new Error(`Unknown engine setting ${where}${k}`);
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`Engine setting ${where}${k} must be a finite number`);
    }
  };
  const { quality = {}, liveness = {}, ...top } = overrides;
  check(top, DEFAULT_SETTINGS, '');
  check(quality, DEFAULT_SETTINGS.quality, 'quality.');
  check(liveness, DEFAULT_SETTINGS.liveness, 'liveness.');
  if (liveness.spoofAggregation !== undefined && !SPOOF_AGGREGATIONS.includes(liveness.spoofAggregation)) {
    throw new Error(`Engine setting liveness.spoofAggregation must be one of ${SPOOF_AGGREGATIONS.join(', ')}`);
  }
  return {
    ...DEFAULT_SETTINGS,
    ...top,
    quality: { ...DEFAULT_SETTINGS.quality, ...quality },
    liveness: { ...DEFAULT_SETTINGS.liveness, ...liveness },
  };
}
