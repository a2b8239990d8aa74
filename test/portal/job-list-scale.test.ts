/**
 * @file The portal's filtered job list at 100 000 jobs: every filter is an index range scan (no full sort), keyset
 * paging visits each matching job exactly once, and a page takes milliseconds. Prints the timings it measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobListQuery } from '../../src/store/job-list-query.js';
import type { JobCursor, JobListFilter, PortalStore } from '../../src/store/portal-types.js';
import { openSqliteBackend, type SqliteBackend } from '../../src/store/sqlite/sqlite-backend.js';

const JOBS = 100_000;
const PAGE = 50;
const PARTNER = '001';
const START = Date.parse('2026-01-01T00:00:00Z');
const STEP_MS = 173_000; // 100 000 jobs over about 200 days
/** Generous for a shared 2-core CI machine; measured pages take a few ms. */
const BUDGET_MS = 50;

let dir: string;
let records: SqliteBackend;
let portal: PortalStore;

function category(i: number): string | null {
  const r = (i * 7919) % 100;
  return r < 70 ? 'approved' : r < 90 ? 'rejected' : r < 95 ? 'provisional' : null;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-portal-scale-'));
  records = openSqliteBackend(join(dir, 'likeness.db'));
  portal = records.portal;
  const insert = records.db.prepare(
    `INSERT INTO jobs (partner_id, environment, job_id, user_id, job_type, state, partner_params, options, result, result_category, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, '{}', '{}', ?, ?, ?, ?)`,
  );
  records.db.transaction(() => {
    for (let i = 0; i < JOBS; i++) {
      const cat = category(i);
      const at = new Date(START + i * STEP_MS).toISOString();
      const result = cat ? JSON.stringify({ resultCode: '0810', resultText: 'x', category: cat }) : null;
      const state = cat === 'provisional' ? 'review' : cat ? 'complete' : 'queued';
      insert.run(PARTNER, i % 5 === 0 ? 'sandbox' : 'production', `job-${i}`, `user-${i % 20_000}`, i % 2 ? 2 : 4, state, result, cat, at, at);
    }
  })();
});

afterAll(async () => {
  await records?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const base: JobListFilter = { partnerId: PARTNER, environment: 'production' };
const CASES: { name: string; filter: JobListFilter }[] = [
  { name: 'no filter', filter: base },
  { name: 'result = provisional', filter: { ...base, category: 'provisional' } },
  { name: 'result = pending', filter: { ...base, category: 'pending' } },
  { name: 'job type 2 + rejected', filter: { ...base, jobType: 2, category: 'rejected' } },
  { name: 'job type 4', filter: { ...base, jobType: 4 } },
  { name: 'one week', filter: { ...base, from: '2026-04-01T00:00:00.000Z', to: '2026-04-08T00:00:00.000Z' } },
  { name: 'approved in one week', filter: { ...base, category: 'approved', from: '2026-04-01T00:00:00.000Z', to: '2026-04-08T00:00:00.000Z' } },
  { name: 'user_id', filter: { ...base, userId: 'user-1234' } },
  { name: 'user_id + approved', filter: { ...base, userId: 'user-1234', category: 'approved' } },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

describe(`job list with ${JOBS.toLocaleString('en')} jobs`, () => {
  it('uses an index for every filter and never sorts the whole table', () => {
    for (const c of CASES) {
      const q = jobListQuery(c.filter, { limit: PAGE }, () => '?');
      const plan = (records.db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.args) as { detail: string }[]).map((r) => r.detail).join(' | ');
      expect(plan, c.name).toMatch(/USING (COVERING )?INDEX jobs_/);
      expect(plan, c.name).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('serves the first page and a deep page of each filter in milliseconds', async () => {
    const rows: string[] = [];
    for (const c of CASES) {
      const first: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t = performance.now();
        await portal.listJobs(c.filter, { limit: PAGE });
        first.push(performance.now() - t);
      }
      // Walk 20 pages in, then time the next page.
      let after: JobCursor | undefined;
      for (let i = 0; i < 20; i++) {
        const p = await portal.listJobs(c.filter, { limit: PAGE, after });
        if (!p.next) break;
        after = p.next;
      }
      const deep: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t = performance.now();
        await portal.listJobs(c.filter, { limit: PAGE, after });
        deep.push(performance.now() - t);
      }
      rows.push(`${c.name.padEnd(24)} first page ${median(first).toFixed(2)} ms, page 21 ${median(deep).toFixed(2)} ms`);
      expect(median(first), c.name).toBeLessThan(BUDGET_MS);
      expect(median(deep), c.name).toBeLessThan(BUDGET_MS);
    }
    console.log(`portal job list, ${JOBS} jobs, ${PAGE} per page (median of 7):\n${rows.join('\n')}`);
  });

  it('keyset paging returns every matching job once, newest first', async () => {
    const filter: JobListFilter = { ...base, category: 'provisional', jobType: 4 };
    const expected = (
      records.db
        .prepare(
          "SELECT smile_job_id FROM jobs WHERE partner_id = ? AND environment = 'production' AND result_category = 'provisional' AND job_type = 4 ORDER BY created_at DESC, smile_job_id DESC",
        )
        .all(PARTNER) as { smile_job_id: number }[]
    ).map((r) => r.smile_job_id);
    expect(expected.length).toBeGreaterThan(PAGE * 3);
    const seen: number[] = [];
    let after: JobCursor | undefined;
    for (;;) {
      const page = await portal.listJobs(filter, { limit: PAGE, after });
      seen.push(...page.jobs.map((j) => j.smileJobId));
      expect(page.jobs.every((j) => j.category === 'provisional' && j.jobType === 4 && j.environment === 'production')).toBe(true);
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(expected);
  });
});
