/**
 * @file The SmartSelfie result-code table: every `ResultCode` / `ResultText` / category Likeness returns for
 * enrolment (job_type 4) and authentication (job_type 2), and the `Actions` keys it always fills.
 *
 * Sources (see ../shared/PROTOCOL.md §7): `documented` rows are shown with this exact code and text in the results on
 * Smile ID's SmartSelfie(TM) Authentication page (the primary source: partner code is written from it, §7.2);
 * `verified` rows appear with this exact code and text in Smile ID's result-code tables or official SDK fixtures;
 * `text-verified` rows have a text seen in an official source but no code
 * shown there; `unconfirmed` rows follow Smile ID's 08xx numbering but neither code nor text was found in any stored
 * source, and must be checked against Smile ID's live result-code page before a partner relies on them; `extension`
 * rows are outcomes Smile ID's SmartSelfie API has no published code for (Likeness's own, in the same numbering). Treat the
 * table as configuration: a deployment that learns the real codes changes them here, and nothing else changes.
 */
import type { JobKind, ResultCategory } from './types.js';

export type CodeSource = 'documented' | 'verified' | 'text-verified' | 'unconfirmed' | 'extension';

export interface ResultCodeEntry {
  code: string;
  text: string;
  category: ResultCategory;
  source: CodeSource;
}

const entry = (code: string, text: string, category: ResultCategory, source: CodeSource): ResultCodeEntry =>
  Object.freeze({ code, text, category, source });

/** Why a machine decision came out as it did; one row per outcome and job kind. */
export type Outcome = 'approved' | 'provisional' | 'no_face' | 'poor_quality' | 'spoof' | 'liveness_failed' | 'not_matching' | 'duplicate';

/** Enrolment has nothing to compare against, so it has no `not_matching` row. */
export type EnrollOutcome = Exclude<Outcome, 'not_matching'>;
/** Only an enrolment is checked for duplicates (docs/search.md). */
export type AuthenticateOutcome = Exclude<Outcome, 'duplicate'>;

export const RESULT_CODES: Readonly<{
  enroll: Readonly<Record<EnrollOutcome, ResultCodeEntry>>;
  authenticate: Readonly<Record<AuthenticateOutcome, ResultCodeEntry>>;
}> = Object.freeze({
  enroll: Object.freeze({
    /** unconfirmed code; "Enroll User" is the text of the enrol approvals in the official fixtures (there as 1210, DIVA). */
    approved: entry('0810', 'Enroll User', 'approved', 'unconfirmed'),
    /** verified: PROTOCOL.md §7.2, official history fixtures. */
    provisional: entry('0814', 'Provisional Enroll - Under Review', 'provisional', 'verified'),
    /** unconfirmed. */
    no_face: entry('0811', 'Failed Enroll - No Face Found', 'rejected', 'unconfirmed'),
    /** unconfirmed. */
    poor_quality: entry('0812', 'Failed Enroll - Poor Image Quality', 'rejected', 'unconfirmed'),
    /** unconfirmed (0907 "FAIL – Possible Spoof – Strict Setting" is verified but is the partner strict mode). */
    spoof: entry('0816', 'Failed Enroll - Spoof Detected', 'rejected', 'unconfirmed'),
    /** unconfirmed. */
    liveness_failed: entry('0815', 'Failed Enroll - Liveness Check Failed', 'rejected', 'unconfirmed'),
    /** extension: the face is already enrolled under another user_id and the partner's policy rejects duplicates. */
    duplicate: entry('0818', 'Failed Enroll - Duplicate Face Found', 'rejected', 'extension'),
  }),
  authenticate: Object.freeze({
    /** documented: the callback of an authenticated user on the SmartSelfie Authentication page (PROTOCOL.md §7.2). */
    approved: entry('1220', 'Authenticated', 'approved', 'documented'),
    /** documented: the job_status answer for a job sent to human review on the same page. */
    provisional: entry('0824', 'Provisional Authentication - Under Review', 'provisional', 'documented'),
    /** unconfirmed. */
    no_face: entry('0825', 'Failed Authentication - No Face Found', 'rejected', 'unconfirmed'),
    /** unconfirmed. */
    poor_quality: entry('0826', 'Failed Authentication - Poor Image Quality', 'rejected', 'unconfirmed'),
    /** text-verified: shown as a rejected SmartSelfie Authentication text in the Android sample app; code unconfirmed. */
    spoof: entry('0821', 'Failed Authentication - Spoof Detected', 'rejected', 'text-verified'),
    /** unconfirmed. */
    liveness_failed: entry('0827', 'Failed Authentication - Liveness Check Failed', 'rejected', 'unconfirmed'),
    /** unconfirmed. */
    not_matching: entry('0822', 'Failed Authentication - Face Does Not Match', 'rejected', 'unconfirmed'),
  }),
});

/** The row for an outcome; enrolment never produces `not_matching`. */
export function resultCode(kind: JobKind, outcome: Outcome): ResultCodeEntry {
  if (kind === 'enroll') {
    if (outcome === 'not_matching') throw new Error('An enrolment has no face comparison to fail');
    return RESULT_CODES.enroll[outcome];
  }
  if (outcome === 'duplicate') throw new Error('Only an enrolment is checked for duplicates');
  return RESULT_CODES.authenticate[outcome];
}

/** verified: "Data Invalid" / selfie image unusable (corrupt or missing in the zip), PROTOCOL.md §7.2. */
export const DATA_INVALID = entry('0001', 'Selfie image unusable', 'rejected', 'verified');
/** verified: "Zip Corrupt – Rejected", PROTOCOL.md §7.2. */
export const ZIP_CORRUPT = entry('0903', 'Zip Corrupt - Rejected', 'rejected', 'verified');
/** verified: the strict-setting spoof code, for deployments that opt into it. */
export const POSSIBLE_SPOOF_STRICT = entry('0907', 'FAIL - Possible Spoof - Strict Setting - Rejected', 'rejected', 'verified');

/** Every SmartSelfie `Actions` key (PROTOCOL.md §7.3): Likeness always returns all of them. The wire format owns the list. */
export { ACTION_KEYS, type ActionKey } from '../protocol/result-format.js';

/** The `Actions` values Likeness uses (a subset of the documented ones). */
export const ACTION = Object.freeze({
  passed: 'Passed',
  failed: 'Failed',
  approved: 'Approved',
  rejected: 'Rejected',
  completed: 'Completed',
  underReview: 'Under Review',
  sentToReview: 'Sent to Human Review',
  notApplicable: 'Not Applicable',
  notDone: 'Not Done',
});
