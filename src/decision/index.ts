/** @file Public entry of the decision module. */
export { decide } from './decide.js';
export { humanReviewDecision, forcedDecision } from './review.js';
export { duplicateDecision, DUPLICATE_REASON } from './duplicates.js';
export { DEFAULT_THRESHOLDS, passProbability, verdict } from './thresholds.js';
export { actionsFor, emptyActions } from './actions.js';
export * from './result-codes.js';
export type * from './types.js';
