/** @file Builds the Smile ID `Actions` object: every SmartSelfie key, "Not Applicable" where a job does not use it. */
import { buildActions } from '../protocol/result-format.js';
import { ACTION } from './result-codes.js';
import type { Actions, JobKind, ResultCategory } from './types.js';

export type CheckState = 'pass' | 'review' | 'fail' | 'not_done';

/** The three things a SmartSelfie job checks. `compare` is 'not_done' for enrolment. */
export interface CheckStates {
  selfie: CheckState;
  liveness: CheckState;
  compare: CheckState;
}

/** The `Human_Review_*` key a person fills in when they decide a check that was "Under Review". */
export const HUMAN_REVIEW_KEY: Readonly<Record<string, string>> = Object.freeze({
  Liveness_Check: 'Human_Review_Liveness_Check',
  Selfie_To_Registered_Selfie_Compare: 'Human_Review_Compare',
  Selfie_Check: 'Human_Review_Selfie_Check',
});

/** What a check reads once it succeeded: Smile ID writes a successful face comparison as "Completed". */
export const passedValue = (key: string): string => (key === 'Selfie_To_Registered_Selfie_Compare' ? ACTION.completed : ACTION.passed);

const value = (key: string, s: CheckState): string =>
  s === 'pass' ? passedValue(key) : s === 'fail' ? ACTION.failed : s === 'review' ? ACTION.underReview : ACTION.notDone;

/** All keys set to "Not Applicable", for callers to fill in. */
export function emptyActions(): Actions {
  return buildActions();
}

/**
 * As Smile ID's SmartSelfie Authentication page shows them (PROTOCOL.md §7.2): `Selfie_Provided` "Passed",
 * `Liveness_Check` "Passed", `Selfie_To_Registered_Selfie_Compare` "Completed", every other key "Not Applicable"; the
 * check a machine could not decide reads "Under Review" while its `Human_Review_*` key stays "Not Applicable" until a
 * person decides (see humanReviewDecision). Enrolment sets `Register_Selfie` instead of the comparison (inferred from
 * the enrolment callback example, §7.3). `Selfie_Check` is only set when the selfie failed a quality gate.
 */
export function actionsFor(kind: JobKind, category: ResultCategory, s: CheckStates): Actions {
  const a = emptyActions();
  a.Selfie_Provided = ACTION.passed;
  if (s.selfie === 'fail') a.Selfie_Check = ACTION.failed;
  a.Liveness_Check = value('Liveness_Check', s.liveness);
  if (kind === 'enroll') {
    a.Register_Selfie = category === 'approved' ? ACTION.approved : category === 'provisional' ? ACTION.underReview : ACTION.rejected;
  } else {
    a.Selfie_To_Registered_Selfie_Compare = value('Selfie_To_Registered_Selfie_Compare', s.compare);
  }
  return a;
}
