/**
 * @file The portal's filtered job list as SQL both backends run, differing only in how parameters are written.
 */
import type { JobCursor, JobListFilter } from './portal-types.js';

export const JOB_SUMMARY_COLUMNS = 'smile_job_id, environment, job_id, user_id, job_type, state, result_category, result, created_at';

/**
 * One page of a filtered job list, newest first, one row more than the page to tell whether another follows.
 * Keyset paging on (created_at, smile_job_id) keeps deep pages as cheap as the first. `param(n)` writes the n-th
 * (1-based) parameter: `?` for SQLite, `$n` for PostgreSQL.
 */
export function jobListQuery(
  f: JobListFilter,
  page: { limit: number; after?: JobCursor },
  param: (n: number) => string,
): { sql: string; args: unknown[] } {
  const args: unknown[] = [];
  const p = (value: unknown) => {
    args.push(value);
    return param(args.length);
  };
  const where = [`partner_id = ${p(f.partnerId)}`, `environment = ${p(f.environment)}`];
  if (f.jobType !== undefined) where.push(`job_type = ${p(f.jobType)}`);
  if (f.category === 'pending') where.push('result_category IS NULL');
  else if (f.category) where.push(`result_category = ${p(f.category)}`);
  if (f.userId !== undefined) where.push(`user_id = ${p(f.userId)}`);
  if (f.from) where.push(`created_at >= ${p(f.from)}`);
  if (f.to) where.push(`created_at < ${p(f.to)}`);
  if (page.after) where.push(`(created_at, smile_job_id) < (${p(page.after.createdAt)}, ${p(page.after.smileJobId)})`);
  return {
    sql: `SELECT ${JOB_SUMMARY_COLUMNS} FROM jobs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, smile_job_id DESC LIMIT ${p(page.limit + 1)}`,
    args,
  };
}
