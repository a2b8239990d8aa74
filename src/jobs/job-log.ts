/**
 * @file One structured log line per step of a job's life, so that one job can be followed through the log:
 * accepted, stored, engine, decision, callback (each attempt), review. Every line carries the partner, environment,
 * smile_job_id, job_id and user_id, and the request id when the step happens inside a request. Never images,
 * templates, keys or URLs with capabilities: only identifiers, figures and outcomes.
 */
import type { Logger } from 'pino';
import type { JobRecord } from '../store/types.js';
import { currentRequestId } from './request-context.js';

export type JobStep = 'accepted' | 'stored' | 'engine' | 'decision' | 'callback' | 'review';

type JobIdentity = Pick<JobRecord, 'partnerId' | 'environment' | 'smileJobId' | 'jobId' | 'userId'>;

export function logJobStep(log: Logger, step: JobStep, job: JobIdentity, fields: Record<string, unknown> = {}): void {
  const reqId = currentRequestId();
  log.info(
    {
      step,
      partner_id: job.partnerId,
      environment: job.environment,
      smile_job_id: job.smileJobId,
      job_id: job.jobId,
      user_id: job.userId,
      ...(reqId === undefined ? {} : { reqId }),
      ...fields,
    },
    `job ${step}`,
  );
}
