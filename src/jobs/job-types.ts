/**
 * @file The SmartSelfie job types this server runs and how partner_params are checked.
 */
import { apiError } from '../errors/api-errors.js';
import type { JobKind } from '../decision/types.js';
import { normalisePartnerParams, type PartnerParams } from '../protocol/info-json.js';

export const JOB_TYPE = { AUTHENTICATION: 2, ENROLLMENT: 4 } as const;

export function jobKind(jobType: number): JobKind {
  if (jobType === JOB_TYPE.ENROLLMENT) return 'enroll';
  if (jobType === JOB_TYPE.AUTHENTICATION) return 'authenticate';
  throw apiError('INVALID_JOB_TYPE', `job_type ${jobType} is not supported: this server runs SmartSelfie enrolment (4) and authentication (2)`);
}

/** Validates partner_params as the SDKs send them (ids may be numbers; job_type may be a numeric string). */
export function checkPartnerParams(raw: unknown): PartnerParams {
  const p = normalisePartnerParams(raw);
  for (const key of ['user_id', 'job_id'] as const) {
    if (p[key].length > 256) throw apiError('INVALID_PARAMETER_TYPE', `partner_params.${key} is longer than 256 characters`);
  }
  jobKind(p.job_type);
  return p;
}
