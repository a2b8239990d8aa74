/**
 * @file Outcomes that do not come from the engine's measurements: unusable input and user-state failures found
 * when the job runs. Their codes live in the decision module's code table.
 */
import type { ApiError } from '../errors/api-errors.js';
import { forcedDecision } from '../decision/index.js';
import { DATA_INVALID, ZIP_CORRUPT } from '../decision/result-codes.js';
import type { JobKind } from '../decision/types.js';
import type { JobResult } from '../store/types.js';
import { resultFromDecision } from './job-result.js';

function rejected(kind: JobKind, resultCode: string, resultText: string, reason: string): JobResult {
  const base = forcedDecision(kind, 'rejected');
  for (const key of Object.keys(base.actions)) if (base.actions[key] !== 'Not Applicable') base.actions[key] = 'Not Done';
  return resultFromDecision({ ...base, resultCode, resultText, confidence: 0, reasons: [reason] }, {});
}

/** `0001` — the selfie is missing or cannot be decoded. */
export function unusableSelfieResult(kind: JobKind, detail: string): JobResult {
  return rejected(kind, DATA_INVALID.code, DATA_INVALID.text, `selfie_unusable: ${detail}`);
}

/** `0903` — the uploaded zip cannot be read. */
export function zipCorruptResult(kind: JobKind, detail: string): JobResult {
  return rejected(kind, ZIP_CORRUPT.code, ZIP_CORRUPT.text, `zip_corrupt: ${detail}`);
}

/** An error discovered when the job ran (a user-state error such as 2210, or 2201), reported as the job's result. */
export function errorResult(kind: JobKind, error: ApiError): JobResult {
  return rejected(kind, error.code, error.message, `error_${error.code}`);
}
