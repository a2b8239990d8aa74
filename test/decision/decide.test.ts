/** @file The decision table: outcomes, codes, Actions, the provisional band, confidence, human review and sandbox. */
import { describe, expect, it } from 'vitest';
import {
  ACTION_KEYS, DEFAULT_THRESHOLDS, DUPLICATE_REASON, RESULT_CODES, decide, duplicateDecision, forcedDecision, humanReviewDecision, passProbability, verdict,
} from '../../src/decision/index.js';
import { DEFAULT_MATCH_THRESHOLD, MATCH_THRESHOLD_FMR_1E3, MATCH_THRESHOLD_FMR_1E5 } from '../../src/engine/settings.js';
import type { SmartSelfieMeasurements } from '../../src/engine/types.js';

function measurements(o: { faces?: number; qualityReasons?: string[]; hints?: 'backlit'[]; spoof?: number; liveScore?: number; liveReasons?: string[]; sim?: number | null } = {}): SmartSelfieMeasurements {
  const faces = o.faces ?? 1;
  const reasons = (o.qualityReasons ?? []) as SmartSelfieMeasurements['selfie']['quality']['reasons'];
  return {
    selfie: {
      width: 640, height: 480, faces, box: faces ? [100, 100, 300, 300] : null, detectionScore: 1,
      quality: { ok: faces > 0 && reasons.length === 0, reasons: faces ? reasons : ['no_face'], hints: o.hints ?? [], brightness: 120, backgroundBrightness: 120, sharpness: 400, faceSizePx: 200, yaw: 0, pitch: 0, eyeOpenness: 0.3 },
      spoof: faces ? { real: (o.spoof ?? 0.98) >= 0.5, score: o.spoof ?? 0.98 } : null,
      embedding: faces ? new Float32Array(512).fill(1 / Math.sqrt(512)) : null,
      template: faces ? new Float32Array(512).fill(1 / Math.sqrt(512)) : null,
      signals: null,
    },
    liveness: {
      live: (o.liveReasons ?? []).length === 0, score: o.liveScore ?? 0.8, reasons: (o.liveReasons ?? []) as never,
      frames: 8, framesWithFace: 8, minSimilarityToSelfie: 0.6, spoofScore: o.spoof ?? 0.98, motion: null,
      antiSpoof: { aggregation: 'median', threshold: 0.5, selfie: o.spoof ?? 0.98, frames: [], imagesBelowThreshold: 0 },
    },
    match: o.sim === null ? null : { similarity: o.sim ?? 0.75 },
    elapsedMs: 100,
  };
}

const T = DEFAULT_THRESHOLDS;

describe('decide', () => {
  it('approves a good enrolment and a good authentication with high confidence and the approved codes', () => {
    const e = decide('enroll', measurements());
    expect(e).toMatchObject({ category: 'approved', resultCode: RESULT_CODES.enroll.approved.code, jobSuccess: true, isFinalResult: true, isMachineResult: true });
    expect(e.actions).toMatchObject({ Register_Selfie: 'Approved', Liveness_Check: 'Passed', Selfie_Provided: 'Passed', Selfie_To_Registered_Selfie_Compare: 'Not Applicable' });
    expect(e.confidence).toBeGreaterThan(90);
    const a = decide('authenticate', measurements());
    expect(a).toMatchObject({ category: 'approved', resultCode: RESULT_CODES.authenticate.approved.code, jobSuccess: true });
    expect(a).toMatchObject({ resultCode: '1220', resultText: 'Authenticated' });
    expect(a.actions).toMatchObject({ Selfie_To_Registered_Selfie_Compare: 'Completed', Liveness_Check: 'Passed', Selfie_Check: 'Not Applicable', Register_Selfie: 'Not Applicable', Human_Review_Compare: 'Not Applicable' });
  });

  it('always returns every SmartSelfie Actions key, "Not Applicable" where unused', () => {
    for (const d of [decide('enroll', measurements()), decide('authenticate', measurements({ sim: 0.1 })), forcedDecision('enroll', 'provisional')]) {
      expect(Object.keys(d.actions).sort()).toEqual([...ACTION_KEYS].sort());
      expect(d.actions.Verify_ID_Number).toBe('Not Applicable');
    }
  });

  it('rejects no face, poor quality, spoof, failed liveness and a non-matching face, each with its own code', () => {
    expect(decide('enroll', measurements({ faces: 0 }))).toMatchObject({ category: 'rejected', resultCode: RESULT_CODES.enroll.no_face.code, reasons: ['no_face'] });
    expect(decide('authenticate', measurements({ qualityReasons: ['blurry'] }))).toMatchObject({ resultCode: RESULT_CODES.authenticate.poor_quality.code, reasons: ['blurry'] });
    const angledPrint = decide('authenticate', measurements({ qualityReasons: ['extreme_pose'], spoof: 0.001 }));
    expect(angledPrint).toMatchObject({ resultCode: RESULT_CODES.authenticate.spoof.code, reasons: ['spoof_detected', 'extreme_pose'] });
    expect(angledPrint.actions.Liveness_Check).toBe('Failed');
    const spoof = decide('authenticate', measurements({ spoof: 0.01, liveReasons: ['spoof_detected'], liveScore: 0.01 }));
    expect(spoof).toMatchObject({ category: 'rejected', resultCode: RESULT_CODES.authenticate.spoof.code, resultText: 'Failed Authentication - Spoof Detected' });
    expect(spoof.actions.Liveness_Check).toBe('Failed');
    // A backlit face is what most often makes a live user look like a recapture: the reasons say so.
    expect(decide('authenticate', measurements({ spoof: 0.01, hints: ['backlit'], liveReasons: ['spoof_detected'], liveScore: 0.01 })).reasons)
      .toEqual(['spoof_detected', 'backlit']);
    expect(decide('enroll', measurements({ liveScore: 0.1, liveReasons: ['no_natural_motion'] }))).toMatchObject({
      category: 'rejected', resultCode: RESULT_CODES.enroll.liveness_failed.code, reasons: ['no_natural_motion'],
    });
    const mismatch = decide('authenticate', measurements({ sim: 0.05 }));
    expect(mismatch).toMatchObject({ category: 'rejected', resultCode: RESULT_CODES.authenticate.not_matching.code, jobSuccess: false });
    expect(mismatch.actions.Selfie_To_Registered_Selfie_Compare).toBe('Failed');
    expect(mismatch.confidence).toBeGreaterThan(99);
    expect(decide('authenticate', measurements({ sim: null }))).toMatchObject({ category: 'rejected', reasons: ['no_reference'] });
  });

  it('sends scores inside the band around a threshold to review ("Under Review"), not pass/fail', () => {
    const justAbove = decide('authenticate', measurements({ sim: T.match + T.matchReviewAbove / 2 }));
    const justBelow = decide('authenticate', measurements({ sim: T.match - T.matchReviewBelow / 2 }));
    for (const d of [justAbove, justBelow]) {
      expect(d).toMatchObject({ category: 'provisional', resultCode: RESULT_CODES.authenticate.provisional.code, isFinalResult: false, jobSuccess: true, reasons: ['match_near_threshold'] });
      expect(d.actions).toMatchObject({ Selfie_To_Registered_Selfie_Compare: 'Under Review', Human_Review_Compare: 'Not Applicable' });
    }
    expect(justAbove.confidence).toBeGreaterThan(50);
    expect(justBelow.confidence).toBeLessThan(50);
    expect(decide('authenticate', measurements({ sim: T.match + T.matchReviewAbove })).category).toBe('approved');
    expect(decide('authenticate', measurements({ sim: T.match - T.matchReviewBelow - 0.001 })).category).toBe('rejected');
    const spoofy = decide('enroll', measurements({ spoof: T.spoof + 0.05 }));
    expect(spoofy).toMatchObject({ category: 'provisional', resultText: RESULT_CODES.enroll.provisional.text, jobSuccess: true });
    expect(spoofy.actions).toMatchObject({ Liveness_Check: 'Under Review', Human_Review_Liveness_Check: 'Not Applicable', Register_Selfie: 'Under Review' });
    const uncertainLiveness = decide('authenticate', measurements({ spoof: T.spoof + 0.05 }));
    expect(uncertainLiveness).toMatchObject({ resultCode: '0824', resultText: 'Provisional Authentication - Under Review', jobSuccess: true, isFinalResult: false });
    expect(uncertainLiveness.actions).toMatchObject({ Liveness_Check: 'Under Review', Selfie_To_Registered_Selfie_Compare: 'Completed', Human_Review_Liveness_Check: 'Not Applicable' });
    const nearMiss = decide('enroll', measurements({ liveScore: T.liveness - 0.05, liveReasons: ['no_natural_motion'] }));
    expect(nearMiss.category).toBe('provisional');
  });

  it('a failure outranks a review, and thresholds are configurable', () => {
    expect(decide('authenticate', measurements({ sim: 0.05, spoof: 0.55 })).category).toBe('rejected');
    const strict = { ...T, match: 0.8, matchReviewBelow: 0, matchReviewAbove: 0 };
    expect(decide('authenticate', measurements({ sim: 0.75 }), strict).category).toBe('rejected');
    expect(() => decide('enroll', measurements(), { ...T, spoof: Number.NaN })).toThrow();
  });

  it('confidence is a logistic of the margin in band widths', () => {
    expect(passProbability(0.5, 0.5, 0.1)).toBeCloseTo(0.5);
    expect(passProbability(0.6, 0.5, 0.1)).toBeCloseTo(1 / (1 + Math.exp(-2)));
    expect(passProbability(0.4, 0.5, 0.1)).toBeCloseTo(1 / (1 + Math.exp(2)));
    expect(verdict(0.6, 0.5, 0.1)).toBe('pass');
    expect(verdict(0.4, 0.5, 0.1)).toBe('review');
    expect(verdict(0.399, 0.5, 0.1)).toBe('fail');
  });

  it('an asymmetric band measures the margin in its own half on each side', () => {
    expect(passProbability(0.6, 0.5, 0.05, 0.1)).toBeCloseTo(1 / (1 + Math.exp(-2)));
    expect(passProbability(0.45, 0.5, 0.05, 0.1)).toBeCloseTo(1 / (1 + Math.exp(2)));
    expect(verdict(0.59, 0.5, 0.05, 0.1)).toBe('review');
    expect(verdict(0.6, 0.5, 0.05, 0.1)).toBe('pass');
    expect(verdict(0.45, 0.5, 0.05, 0.1)).toBe('review');
    expect(verdict(0.449, 0.5, 0.05, 0.1)).toBe('fail');
  });

  it('match confidence follows the calibrated false-match rates: 12 % at FMR 1e-3, 50 % at 1e-4, 88 % at 1e-5', () => {
    const at = (sim: number) => passProbability(sim, T.match, T.matchReviewBelow, T.matchReviewAbove);
    expect(at(MATCH_THRESHOLD_FMR_1E3)).toBeCloseTo(1 / (1 + Math.exp(2)), 6);
    expect(at(DEFAULT_MATCH_THRESHOLD)).toBeCloseTo(0.5, 6);
    expect(at(MATCH_THRESHOLD_FMR_1E5)).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(decide('authenticate', measurements({ sim: MATCH_THRESHOLD_FMR_1E5 })).category).toBe('approved');
    expect(decide('authenticate', measurements({ sim: MATCH_THRESHOLD_FMR_1E3 - 0.001 })).category).toBe('rejected');
  });
});

describe('humanReviewDecision', () => {
  it('turns a provisional authentication into a final human result', () => {
    const machine = decide('authenticate', measurements({ sim: T.match }));
    const ok = humanReviewDecision('authenticate', true, 'same person, glasses', machine);
    expect(ok).toMatchObject({ category: 'approved', resultCode: RESULT_CODES.authenticate.approved.code, isMachineResult: false, isFinalResult: true, jobSuccess: true, reviewNote: 'same person, glasses' });
    expect(ok.actions).toMatchObject({ Human_Review_Compare: 'Passed', Selfie_To_Registered_Selfie_Compare: 'Completed' });
    const no = humanReviewDecision('authenticate', false, 'different person', machine);
    expect(no).toMatchObject({ category: 'rejected', resultCode: RESULT_CODES.authenticate.not_matching.code, isMachineResult: false, jobSuccess: false });
    expect(no.actions).toMatchObject({ Human_Review_Compare: 'Failed', Selfie_To_Registered_Selfie_Compare: 'Failed' });
    const liveness = humanReviewDecision('authenticate', true, 'a live person', decide('authenticate', measurements({ spoof: T.spoof })));
    expect(liveness).toMatchObject({ resultCode: '1220', resultText: 'Authenticated' });
    expect(liveness.actions).toMatchObject({ Liveness_Check: 'Passed', Human_Review_Liveness_Check: 'Passed', Human_Review_Compare: 'Not Applicable' });
  });

  it('reviewing a provisional enrolment sets Register_Selfie and the liveness review key', () => {
    const machine = decide('enroll', measurements({ spoof: T.spoof }));
    const no = humanReviewDecision('enroll', false, 'printed photo', machine);
    expect(no).toMatchObject({ category: 'rejected', resultCode: RESULT_CODES.enroll.spoof.code });
    expect(no.actions).toMatchObject({ Register_Selfie: 'Rejected', Human_Review_Liveness_Check: 'Failed', Liveness_Check: 'Failed' });
    expect(humanReviewDecision('enroll', true, 'fine', machine).actions.Register_Selfie).toBe('Approved');
  });

  it('overturning a machine rejection marks the job type\'s review key; upholding it keeps the machine code', () => {
    const machine = decide('authenticate', measurements({ sim: 0.1 }));
    expect(humanReviewDecision('authenticate', true, 'twin checked', machine).actions.Human_Review_Compare).toBe('Passed');
    expect(humanReviewDecision('authenticate', false, 'agree', machine).resultCode).toBe(machine.resultCode);
  });
});

describe('forcedDecision', () => {
  it('produces the three sandbox outcomes for both job kinds', () => {
    expect(forcedDecision('enroll', 'approved')).toMatchObject({ category: 'approved', resultCode: RESULT_CODES.enroll.approved.code, jobSuccess: true, reasons: ['sandbox_result'] });
    expect(forcedDecision('authenticate', 'provisional')).toMatchObject({ category: 'provisional', resultCode: RESULT_CODES.authenticate.provisional.code, isFinalResult: false });
    expect(forcedDecision('authenticate', 'provisional').actions.Selfie_To_Registered_Selfie_Compare).toBe('Under Review');
    expect(forcedDecision('authenticate', 'rejected')).toMatchObject({ category: 'rejected', resultCode: RESULT_CODES.authenticate.not_matching.code, jobSuccess: false });
    expect(forcedDecision('enroll', 'rejected').actions.Register_Selfie).toBe('Rejected');
  });
});

describe('duplicateDecision', () => {
  it('review holds an enrolment for a person (0814); a reviewer\'s no is the duplicate code, a yes registers', () => {
    const held = duplicateDecision(decide('enroll', measurements()), 'review');
    expect(held).toMatchObject({ category: 'provisional', resultCode: RESULT_CODES.enroll.provisional.code, isFinalResult: false, jobSuccess: true, reasons: [DUPLICATE_REASON] });
    expect(held.actions).toMatchObject({ Register_Selfie: 'Under Review', Liveness_Check: 'Passed' });
    expect(humanReviewDecision('enroll', false, 'same face as user-7', held)).toMatchObject({ category: 'rejected', resultCode: RESULT_CODES.enroll.duplicate.code });
    expect(humanReviewDecision('enroll', true, 'twins, checked', held)).toMatchObject({ category: 'approved', resultCode: RESULT_CODES.enroll.approved.code });
  });

  it('reject fails the enrolment with 0818; a machine rejection stays as it was', () => {
    expect(duplicateDecision(decide('enroll', measurements()), 'reject')).toMatchObject({
      category: 'rejected', resultCode: RESULT_CODES.enroll.duplicate.code, jobSuccess: false, isFinalResult: true, actions: { Register_Selfie: 'Rejected' },
    });
    const spoof = decide('enroll', measurements({ spoof: 0.01 }));
    expect(duplicateDecision(spoof, 'reject')).toBe(spoof);
    expect(() => humanReviewDecision('authenticate', false, 'x', { ...decide('authenticate', measurements()), reasons: [DUPLICATE_REASON] })).not.toThrow();
  });
});
