/**
 * @file A stored job outcome as the wire `result` object (job_status, history, callbacks).
 */
import { buildResult, padSmileJobId, type Actions, type SmileResult } from '../protocol/result-format.js';
import type { JobRecord, JobResult } from '../store/types.js';

export function smileResultOf(job: JobRecord, result: JobResult): SmileResult {
  return buildResult({
    resultCode: result.resultCode,
    resultText: result.resultText,
    actions: result.actions as Partial<Actions>,
    confidence: result.confidence,
    partnerParams: job.partnerParams,
    smileJobId: padSmileJobId(job.smileJobId),
    isFinalResult: result.isFinalResult,
    isMachineResult: result.isMachineResult,
    source: job.options.source === 'v2' ? 'MobileAPI' : undefined,
    timestamp: result.completedAt,
    duplicateCandidates: result.duplicates?.map((d) => ({ user_id: d.userId, similarity: d.similarity })),
  });
}

/** The unsigned callback payload stored with a delivery; it is signed afresh at each attempt. */
export function callbackFor(job: JobRecord, result: JobResult): { url: string; body: Record<string, unknown> } | undefined {
  return job.callbackUrl ? { url: job.callbackUrl, body: smileResultOf(job, result) as unknown as Record<string, unknown> } : undefined;
}
