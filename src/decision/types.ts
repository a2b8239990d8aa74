/**
 * @file The decision contract: the one place where engine measurements become SmartSelfie outcomes
 * (Smile ID `Actions`, `ResultCode`/`ResultText`, `ConfidenceValue`).
 */

export type JobKind = 'enroll' | 'authenticate';
export type ResultCategory = 'approved' | 'provisional' | 'rejected';

/** Smile ID `Actions` object: key → value, e.g. `Liveness_Check: "Passed"`. Every key is always present. */
export type Actions = Record<string, string>;

export interface Decision {
  category: ResultCategory;
  /** 4-digit Smile ID result code, e.g. "1220". */
  resultCode: string;
  resultText: string;
  actions: Actions;
  /** Calibrated confidence 0–100 that the outcome is right (for authentication: that it is the same live person). */
  confidence: number;
  /**
   * `job_success` in job_status: enrolled / authenticated, provisionally included (Smile ID's documented answer for a
   * job under review has `job_success: true`; `IsFinalResult` "false" says it may still change).
   */
  jobSuccess: boolean;
  /** Machine-readable reasons behind a rejection or a review. */
  reasons: string[];
  isFinalResult: boolean;
  isMachineResult: boolean;
  /** The reviewer's note, on a decision made by human review. */
  reviewNote?: string;
}

export interface DecisionThresholds {
  /** Cosine similarity at or above which two faces match. */
  match: number;
  /** The provisional (human review) band runs from `match − matchReviewBelow` up to `match + matchReviewAbove`. */
  matchReviewBelow: number;
  matchReviewAbove: number;
  /** Passive anti-spoof P(genuine) at or above which the selfie counts as live. */
  spoof: number;
  /** Half-width of the provisional band around `spoof`. */
  spoofReviewBand: number;
  /** Burst liveness score at or above which the burst is live. */
  liveness: number;
  /** Half-width of the provisional band around `liveness`. */
  livenessReviewBand: number;
}
