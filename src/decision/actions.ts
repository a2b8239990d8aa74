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

const value = (s: CheckState): string =>
  s === 'pass' ? ACTION.passed : s === 'fail' ? ACTION.failed : s === 'review' ? ACTION.underReview : ACTION.notDone;

/** All keys set to "Not Applicable", for callers to fill in. */
export function emptyActions(): Actions {
  return buildActions();
}

/**
 * Enrolment (job_type 4) uses Selfie_Provided, Selfie_Check, Liveness_Check and Register_Selfie; authentication
 * (job_type 2) uses Selfie_Provided, Selfie_Check, Liveness_Check and Selfie_To_Registered_Selfie_Compare. A check in
 * review also marks its Human_Review_* key "Under Review". Which keys each job type sets is inferred from Smile ID's
 * callback examples (PROTOCOL.md §7.3), not documented per key.
 */
export function actionsFor(kind: JobKind, category: ResultCategory, s: CheckStates): Actions {
  const a = emptyActions();
  a.Selfie_Provided = ACTION.passed;
  a.Selfie_Check = value(s.selfie);
  a.Liveness_Check = value(s.liveness);
  if (s.liveness === 'review') a.Human_Review_Liveness_Check = ACTION.underReview;
  if (kind === 'enroll') {
    a.Register_Selfie = category === 'approved' ? ACTION.approved : category === 'provisional' ? ACTION.underReview : ACTION.rejected;
  } else {
    a.Selfie_To_Registered_Selfie_Compare = value(s.compare);
    if (s.compare === 'review') a.Human_Review_Compare = ACTION.underReview;
  }
  return a;
}
