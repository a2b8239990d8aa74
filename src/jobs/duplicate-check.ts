/**
 * @file The duplicate check of an enrolment (job_type 4): the partner environment's enrolled faces searched for the
 * new selfie at the duplicate threshold, the enrolling user_id left out, and the partner's policy applied to the
 * machine decision (docs/search.md).
 */
import { duplicateDecision } from '../decision/index.js';
import type { Decision } from '../decision/types.js';
import { DUPLICATE_THRESHOLD } from '../search/duplicate-threshold.js';
import { searchEnrolledFaces } from '../search/face-search.js';
import type { DuplicateCandidate, JobRecord } from '../store/types.js';
import type { JobContext } from './context.js';

/** Candidates recorded with a result: enough for a reviewer, few enough to check each against the store. */
export const MAX_DUPLICATE_CANDIDATES = 5;

export interface DuplicateCheck {
  decision: Decision;
  candidates: DuplicateCandidate[];
  elapsedMs: number;
}

export async function checkDuplicates(ctx: JobContext, job: JobRecord, embedding: Float32Array, machine: Decision): Promise<DuplicateCheck> {
  const started = performance.now();
  const policy = await ctx.store.getDedupPolicy(job.partnerId, job.environment);
  if (policy === 'off' || machine.category === 'rejected') return { decision: machine, candidates: [], elapsedMs: performance.now() - started };
  const candidates = await searchEnrolledFaces(ctx.store, ctx.faces, job, embedding, {
    k: MAX_DUPLICATE_CANDIDATES,
    minSimilarity: DUPLICATE_THRESHOLD,
    excludeUserId: job.userId,
  });
  const decision = candidates.length && policy !== 'flag' ? duplicateDecision(machine, policy) : machine;
  return { decision, candidates, elapsedMs: performance.now() - started };
}
