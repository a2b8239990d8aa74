/**
 * @file Record rows to domain objects, shared by the SQLite and PostgreSQL record stores: both tables have the same
 * columns; only JSON columns differ (SQLite returns text, pg returns parsed values), so each backend passes its reader.
 */
import type { JobSummary, PortalAccount } from './portal-types.js';
import type { Environment, JobRecord, JobResult, NewJob, StoredUser, TaskKind, TemplateChange, WorkStats } from './types.js';

export type Row = Record<string, unknown>;

/** Reads a non-null JSON column as the backend returns it. */
export type JsonColumnReader = (value: unknown) => unknown;

export function userFromRow(r: Row): StoredUser {
  return {
    partnerId: r.partner_id as string,
    environment: r.environment as Environment,
    userId: r.user_id as string,
    status: r.status as StoredUser['status'],
    template: r.template instanceof Buffer ? r.template : null,
    imageKey: (r.image_key as string | null) ?? null,
    enrolledSmileJobId: (r.enrolled_smile_job_id as number | null) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

/** A users row read for the face index: only an active user's template is searchable. */
export function templateChangeFromRow(r: Row): TemplateChange<Buffer> {
  return { userId: r.user_id as string, seq: Number(r.change_seq), template: r.status === 'active' && r.template instanceof Buffer ? r.template : null };
}

/**
 * A new job's row, in the column order partner_id, environment, job_id, user_id, job_type, state, callback_url,
 * partner_params, options, upload_token_hash, upload_expires_at, created_at (both backends' INSERT).
 */
export function newJobValues(job: NewJob, at: string): unknown[] {
  return [
    job.partnerId,
    job.environment,
    job.jobId,
    job.userId,
    job.jobType,
    job.uploadTokenHash ? 'awaiting_upload' : 'processing',
    job.callbackUrl,
    JSON.stringify(job.partnerParams),
    JSON.stringify(job.options),
    job.uploadTokenHash,
    job.uploadExpiresAt,
    at,
  ];
}

export function jobFromRow(r: Row, readJson: JsonColumnReader): JobRecord {
  return {
    smileJobId: r.smile_job_id as number,
    partnerId: r.partner_id as string,
    environment: r.environment as Environment,
    jobId: r.job_id as string,
    userId: r.user_id as string,
    jobType: r.job_type as number,
    state: r.state as JobRecord['state'],
    callbackUrl: (r.callback_url as string | null) ?? null,
    partnerParams: readJson(r.partner_params) as Record<string, unknown>,
    options: readJson(r.options) as JobRecord['options'],
    uploadExpiresAt: (r.upload_expires_at as string | null) ?? null,
    result: r.result == null ? null : (readJson(r.result) as JobRecord['result']),
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

/** WorkStats from the task backlog rows (kind, n, oldest) and the review backlog row (n, oldest). */
export function workStatsFrom(tasks: Row[], review: Row): WorkStats {
  const time = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));
  const stats: WorkStats = {
    tasks: { process_job: { count: 0, oldestCreatedAt: null }, deliver_callback: { count: 0, oldestCreatedAt: null } },
    review: { count: Number(review.n), oldestCreatedAt: time(review.oldest) },
  };
  for (const r of tasks) stats.tasks[r.kind as TaskKind] = { count: Number(r.n), oldestCreatedAt: time(r.oldest) };
  return stats;
}

export function accountFromRow(r: Row): PortalAccount {
  return {
    id: r.id as number,
    partnerId: r.partner_id as string,
    email: r.email as string,
    role: r.role as PortalAccount['role'],
    passwordHash: r.password_hash as string,
    createdAt: r.created_at as string,
  };
}

/** A portal job list row (JOB_SUMMARY_COLUMNS). */
export function summaryFromRow(r: Row, readJson: JsonColumnReader): JobSummary {
  const result = r.result == null ? null : (readJson(r.result) as JobResult);
  return {
    smileJobId: r.smile_job_id as number,
    environment: r.environment as Environment,
    jobId: r.job_id as string,
    userId: r.user_id as string,
    jobType: r.job_type as number,
    state: r.state as JobSummary['state'],
    category: (r.result_category as JobSummary['category']) ?? null,
    resultCode: result?.resultCode ?? null,
    resultText: result?.resultText ?? null,
    createdAt: r.created_at as string,
  };
}
