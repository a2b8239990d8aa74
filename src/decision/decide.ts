/** @file Machine decisions: engine measurements → SmartSelfie outcome, Actions, code and confidence. */
import type { SmartSelfieMeasurements } from '../engine/types.js';
import { actionsFor, type CheckStates } from './actions.js';
import { resultCode, type Outcome } from './result-codes.js';
import { DEFAULT_THRESHOLDS, passProbability, validateThresholds, verdict, type Verdict } from './thresholds.js';
import type { Decision, DecisionThresholds, JobKind } from './types.js';

interface Check {
  name: 'spoof' | 'liveness' | 'match';
  verdict: Verdict;
  /** passProbability of this check's score. */
  p: number;
  reasons: string[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;
/** Confidence never claims certainty for a machine result. */
const asConfidence = (p: number) => round2(Math.min(99.99, Math.max(0, p * 100)));

/**
 * Order of precedence for a rejection: an unusable selfie first (nothing else can be judged; a selfie that fails a
 * quality gate and is also clearly a spoof is reported as a spoof), then spoof, liveness,
 * and for authentication the face comparison. Any failed check rejects; otherwise any check in its review band makes
 * the result provisional ("Under Review"); otherwise it is approved.
 */
export function decide(kind: JobKind, m: SmartSelfieMeasurements, t: DecisionThresholds = DEFAULT_THRESHOLDS): Decision {
  validateThresholds(t);
  if (m.selfie.faces === 0 || !m.selfie.embedding) {
    return rejected(kind, 'no_face', ['no_face'], 100, { selfie: 'fail', liveness: 'not_done', compare: 'not_done' });
  }
  if (!m.selfie.quality.ok) {
    // A recapture often fails a quality gate too (an angled print reads as extreme pose); when anti-spoof is sure,
    // report the attack: it is what the partner needs to know.
    if (verdict(m.liveness.spoofScore, t.spoof, t.spoofReviewBand) === 'fail') {
      const p = passProbability(m.liveness.spoofScore, t.spoof, t.spoofReviewBand);
      return rejected(kind, 'spoof', ['spoof_detected', ...m.selfie.quality.reasons, ...m.selfie.quality.hints], asConfidence(1 - p), {
        selfie: 'fail',
        liveness: 'fail',
        compare: 'not_done',
      });
    }
    return rejected(kind, 'poor_quality', [...m.selfie.quality.reasons], 100, { selfie: 'fail', liveness: 'not_done', compare: 'not_done' });
  }

  const checks: Check[] = [];
  const l = m.liveness;
  checks.push({
    name: 'spoof',
    verdict: verdict(l.spoofScore, t.spoof, t.spoofReviewBand),
    p: passProbability(l.spoofScore, t.spoof, t.spoofReviewBand),
    // A backlit face is the commonest reason a live user scores low: say so, so that they know what to change.
    reasons: ['spoof_detected', ...m.selfie.quality.hints],
  });
  // The burst score folds in anti-spoof too; that part is judged above with its own band, so only the other
  // liveness checks (faces, identity, motion, replay) decide here.
  const otherReasons = l.reasons.filter((r) => r !== 'spoof_detected');
  checks.push({
    name: 'liveness',
    verdict: otherReasons.length ? verdict(l.score, t.liveness, t.livenessReviewBand) : 'pass',
    p: otherReasons.length ? passProbability(l.score, t.liveness, t.livenessReviewBand) : 1,
    reasons: otherReasons.length ? otherReasons : ['liveness_failed'],
  });
  if (kind === 'authenticate') {
    const sim = m.match?.similarity ?? -1;
    checks.push({
      name: 'match',
      verdict: m.match ? verdict(sim, t.match, t.matchReviewBelow, t.matchReviewAbove) : 'fail',
      p: m.match ? passProbability(sim, t.match, t.matchReviewBelow, t.matchReviewAbove) : 0,
      reasons: m.match ? ['face_mismatch'] : ['no_reference'],
    });
  }

  const state = (name: Check['name']): Verdict | 'not_done' => checks.find((c) => c.name === name)?.verdict ?? 'not_done';
  const combined = (a: Verdict | 'not_done', b: Verdict | 'not_done'): Verdict =>
    a === 'fail' || b === 'fail' ? 'fail' : a === 'review' || b === 'review' ? 'review' : 'pass';
  const states: CheckStates = { selfie: 'pass', liveness: combined(state('spoof'), state('liveness')), compare: state('match') };

  const failed = checks.find((c) => c.verdict === 'fail');
  if (failed) {
    const outcome: Outcome = failed.name === 'spoof' ? 'spoof' : failed.name === 'liveness' ? 'liveness_failed' : 'not_matching';
    return rejected(kind, outcome, failed.reasons, asConfidence(1 - failed.p), states);
  }
  const inReview = checks.filter((c) => c.verdict === 'review');
  if (inReview.length) {
    const confidence = asConfidence(Math.min(...inReview.map((c) => c.p)));
    return machineDecision(kind, 'provisional', 'provisional', states, confidence, inReview.map((c) => `${c.name}_near_threshold`));
  }
  return machineDecision(kind, 'approved', 'approved', states, asConfidence(Math.min(...checks.map((c) => c.p))), []);
}

function rejected(kind: JobKind, outcome: Outcome, reasons: string[], confidence: number, states: CheckStates): Decision {
  return machineDecision(kind, 'rejected', outcome, states, confidence, reasons);
}

/**
 * A machine decision of `category`, with the result code of `outcome` (the category itself, or the reason for a
 * rejection). A provisional result counts as a success, as Smile ID documents it for an authentication under review
 * (`job_success: true`, `IsFinalResult` "false"); it is not final.
 */
export function machineDecision(
  kind: JobKind,
  category: Decision['category'],
  outcome: Outcome,
  states: CheckStates,
  confidence: number,
  reasons: string[],
): Decision {
  const row = resultCode(kind, outcome);
  return {
    category,
    resultCode: row.code,
    resultText: row.text,
    actions: actionsFor(kind, category, states),
    confidence,
    jobSuccess: category !== 'rejected',
    reasons,
    isFinalResult: category !== 'provisional',
    isMachineResult: true,
  };
}
