/**
 * @file What a likely duplicate does to an enrolment's machine decision, per the partner's policy (docs/search.md):
 * `review` holds the enrolment for a person (0814, provisional, like any other enrolment under review); `reject` fails
 * it with the duplicate code. A rejection stays as it was: the enrolment fails anyway. (`flag` changes nothing: the
 * candidates are only recorded with the result.)
 */
import { ACTION, resultCode } from './result-codes.js';
import type { Decision } from './types.js';

/** The reason a reviewer and the portal see; a reviewer's rejection of it is the duplicate code. */
export const DUPLICATE_REASON = 'duplicate_face';

export function duplicateDecision(machine: Decision, policy: 'review' | 'reject'): Decision {
  if (machine.category === 'rejected') return machine;
  const category = policy === 'reject' ? 'rejected' : 'provisional';
  const row = resultCode('enroll', policy === 'reject' ? 'duplicate' : 'provisional');
  return {
    ...machine,
    category,
    resultCode: row.code,
    resultText: row.text,
    actions: { ...machine.actions, Register_Selfie: policy === 'reject' ? ACTION.rejected : ACTION.underReview },
    jobSuccess: category !== 'rejected',
    reasons: [...machine.reasons, DUPLICATE_REASON],
    isFinalResult: category !== 'provisional',
  };
}
