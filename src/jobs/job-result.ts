/**
 * @file The stored form of a decision.
 */
import type { Decision } from '../decision/types.js';
import type { JobResult } from '../store/types.js';

export function resultFromDecision(d: Decision, scores: JobResult['scores']): JobResult {
  return {
    resultCode: d.resultCode,
    resultText: d.resultText,
    category: d.category,
    actions: d.actions,
    confidence: d.confidence,
    jobSuccess: d.jobSuccess,
    isFinalResult: d.isFinalResult,
    isMachineResult: d.isMachineResult,
    reasons: d.reasons,
    scores,
    completedAt: new Date().toISOString(),
  };
}
