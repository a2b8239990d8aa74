/**
 * @file Record rows to domain objects, shared by the SQLite and PostgreSQL record stores: both tables have the same
 * columns; only JSON columns differ (SQLite returns text, pg returns parsed values), so each backend passes its reader.
 */
import type { EnrolledUser, Environment, JobRecord, TemplateChange } from './types.js';

export type Row = Record<string, unknown>;

/** Reads a non-null JSON column as the backend returns it. */
export type JsonColumnReader = (value: unknown) => unknown;

export function toTemplate(value: unknown): Float32Array | null {
  if (!(value instanceof Buffer)) return null;
  const copy = new Uint8Array(value.byteLength);
  copy.set(value);
  return new Float32Array(copy.buffer);
}

export function userFromRow(r: Row): EnrolledUser {
  return {
    partnerId: r.partner_id as string,
    environment: r.environment as Environment,
    userId: r.user_id as string,
    status: r.status as EnrolledUser['status'],
    template: toTemplate(r.template),
    imageKey: (r.image_key as string | null) ?? null,
    enrolledSmileJobId: (r.enrolled_smile_job_id as number | null) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

/** A users row read for the face index: only an active user's template is searchable. */
export function templateChangeFromRow(r: Row): TemplateChange {
  return { userId: r.user_id as string, seq: r.change_seq as number, template: r.status === 'active' ? toTemplate(r.template) : null };
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
