/** @file Non-machine outcomes: the final result after human review, and the sandbox's forced results. */
import { HUMAN_REVIEW_KEY, passedValue } from './actions.js';
import { machineDecision } from './decide.js';
import { DUPLICATE_REASON } from './duplicates.js';
import { ACTION, resultCode, type Outcome } from './result-codes.js';
import type { Decision, JobKind } from './types.js';

/**
 * The final decision once a person has reviewed a job. Each check that was "Under Review" becomes what the person
 * decided (Passed, or "Completed" for the face comparison / Failed) and its `Human_Review_*` key says so, as in Smile
 * ID's documented callback (`Human_Review_Liveness_Check` "Passed"). If no check was under review, the reviewed key is
 * Human_Review_Compare for authentication and Human_Review_Liveness_Check for enrolment. A rejection keeps the
 * machine's rejection code when there was one, otherwise uses the code of the check that was under review.
 */
export function humanReviewDecision(kind: JobKind, approved: boolean, reason: string, machine: Decision): Decision {
  const verdictValue = approved ? ACTION.passed : ACTION.failed;
  const actions = { ...machine.actions };
  let reviewed = false;
  for (const [k, v] of Object.entries(actions)) {
    if (v !== ACTION.underReview && v !== ACTION.sentToReview) continue;
    if (k === 'Register_Selfie') {
      actions[k] = approved ? ACTION.approved : ACTION.rejected;
    } else if (HUMAN_REVIEW_KEY[k]) {
      actions[k] = approved ? passedValue(k) : ACTION.failed;
      actions[HUMAN_REVIEW_KEY[k]] = verdictValue;
      reviewed = true;
    } else {
      // A Human_Review_* key itself "Under Review" (results stored before the checks carried that state).
      actions[k] = verdictValue;
      if (k.startsWith('Human_Review_')) reviewed = true;
    }
  }
  if (!reviewed) actions[kind === 'authenticate' ? 'Human_Review_Compare' : 'Human_Review_Liveness_Check'] = verdictValue;
  if (kind === 'enroll') actions.Register_Selfie = approved ? ACTION.approved : ACTION.rejected;

  let code = resultCode(kind, 'approved');
  if (!approved && machine.category === 'rejected') code = { ...code, code: machine.resultCode, text: machine.resultText };
  else if (!approved) code = resultCode(kind, rejectionFor(kind, machine));
  return {
    category: approved ? 'approved' : 'rejected',
    resultCode: code.code,
    resultText: code.text,
    actions,
    confidence: 100,
    jobSuccess: approved,
    reasons: [approved ? 'human_review_approved' : 'human_review_rejected'],
    isFinalResult: true,
    isMachineResult: false,
    reviewNote: reason,
  };
}

/** Which rejection a reviewer's "no" means, from what the machine had put under review. */
function rejectionFor(kind: JobKind, machine: Decision): Outcome {
  if (kind === 'enroll' && machine.reasons.includes(DUPLICATE_REASON)) return 'duplicate';
  if (machine.reasons.includes('match_near_threshold')) return 'not_matching';
  if (machine.reasons.includes('spoof_near_threshold')) return 'spoof';
  return kind === 'authenticate' ? 'not_matching' : 'liveness_failed';
}

/**
 * A result fixed in advance (the sandbox's `sandbox_result`), shaped like a real machine decision: approved passes
 * every check; provisional puts the job's key check (compare for authentication, liveness for enrolment) under
 * review; rejected fails that check.
 */
export function forcedDecision(kind: JobKind, outcome: 'approved' | 'provisional' | 'rejected'): Decision {
  const key = kind === 'authenticate' ? 'compare' : 'liveness';
  const state = outcome === 'approved' ? 'pass' : outcome === 'provisional' ? 'review' : 'fail';
  const states = { selfie: 'pass', liveness: 'pass', compare: kind === 'authenticate' ? 'pass' : 'not_done', [key]: state } as const;
  const reason = outcome === 'rejected' ? (kind === 'authenticate' ? 'not_matching' : 'liveness_failed') : outcome;
  return machineDecision(kind, outcome, reason, states, outcome === 'provisional' ? 50 : 99.99, ['sandbox_result']);
}
