/**
 * @file Reduces a job_status body (or a callback) to the one decision callers branch on: approved, rejected, under
 * review, or still pending.
 */
import type { JobResult, JobStatusResponse } from './result-types.js';

export type JobOutcome = 'pending' | 'approved' | 'under_review' | 'rejected';

/** Action values that mean a person still has to look at the job (a provisional result). */
const REVIEW_VALUES = new Set(['Under Review', 'Sent to Human Review', 'Provisionally Approved']);

/** True when the result is provisional: not final, or some action awaits human review. */
export function isProvisional(result: JobResult): boolean {
  if (String(result.IsFinalResult).toLowerCase() === 'false') return true;
  return Object.values(result.Actions ?? {}).some((v) => v !== undefined && REVIEW_VALUES.has(v));
}

export function outcomeOf(status: Pick<JobStatusResponse, 'job_complete' | 'job_success' | 'result'>): JobOutcome {
  if (!status.job_complete) return 'pending';
  if (typeof status.result === 'object' && status.result !== null && isProvisional(status.result)) return 'under_review';
  return status.job_success ? 'approved' : 'rejected';
}
