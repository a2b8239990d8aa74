/**
 * @file The jobs list: filters (environment, job type, result, user, dates) and newest-first keyset paging.
 */
import type { EnvironmentCounts, JobPage } from '../../store/portal-types.js';
import type { Environment } from '../../store/types.js';
import type { PortalSession } from '../../store/portal-types.js';
import { html } from '../html.js';
import { envSwitch, fmtTime, jobTypeName, layout, resultBadge } from './layout.js';

/** The filter form's values as typed (strings), echoed back into the form and the paging links. */
export interface JobFilterForm {
  env: string;
  type: string;
  result: string;
  user: string;
  from: string;
  to: string;
}

export function jobsPage(
  base: string,
  session: PortalSession,
  form: JobFilterForm,
  counts: Record<Environment, EnvironmentCounts>,
  page: JobPage,
  nextCursor: string | null,
  error?: string,
): string {
  const opt = (value: string, label: string, current: string) => html`<option value="${value}" ${value === current ? html`selected` : ''}>${label}</option>`;
  const query = (extra: Record<string, string>) =>
    new URLSearchParams({ ...Object.fromEntries(Object.entries(form).filter(([, v]) => v !== '')), ...extra }).toString();
  return layout(
    { base, title: 'Jobs', session, section: 'jobs', error },
    html`${envSwitch(base, '/jobs', form.env as Environment, (e) => `${counts[e].jobs} jobs, ${counts[e].underReview} under review`)}
    <form method="get" action="${base}/jobs" class="filters" aria-label="Filter jobs">
      <p><label for="f-env">Environment</label>
        <select id="f-env" name="env">${opt('production', 'Production', form.env)}${opt('sandbox', 'Sandbox', form.env)}</select></p>
      <p><label for="f-type">Job type</label>
        <select id="f-type" name="type">${opt('', 'Any', form.type)}${opt('4', 'Enrolment (4)', form.type)}${opt('2', 'Authentication (2)', form.type)}</select></p>
      <p><label for="f-result">Result</label>
        <select id="f-result" name="result">${opt('', 'Any', form.result)}${opt('approved', 'Approved', form.result)}${opt('provisional', 'Under review / provisional', form.result)}${opt('rejected', 'Rejected', form.result)}${opt('pending', 'No result yet', form.result)}</select></p>
      <p><label for="f-user">User ID</label> <input id="f-user" name="user" value="${form.user}"></p>
      <p><label for="f-from">From (UTC)</label> <input id="f-from" name="from" type="date" value="${form.from}"></p>
      <p><label for="f-to">To (UTC, inclusive)</label> <input id="f-to" name="to" type="date" value="${form.to}"></p>
      <p><button type="submit">Apply filters</button> <a href="${base}/jobs?env=${form.env}">Clear</a></p>
    </form>
    <table>
      <caption>${page.jobs.length ? `Jobs, newest first` : 'No jobs match these filters'}</caption>
      <thead><tr><th scope="col">SmileJobID</th><th scope="col">Job ID</th><th scope="col">User ID</th><th scope="col">Type</th><th scope="col">Result</th><th scope="col">Code</th><th scope="col">Created</th></tr></thead>
      <tbody>
      ${page.jobs.map(
        (j) => html`<tr>
          <td><a href="${base}/jobs/${j.smileJobId}">${String(j.smileJobId).padStart(10, '0')}</a></td>
          <td>${j.jobId}</td><td>${j.userId}</td><td>${jobTypeName(j.jobType)}</td>
          <td>${resultBadge(j.category, j.state)}</td><td>${j.resultCode ?? '—'}</td><td>${fmtTime(j.createdAt)}</td>
        </tr>`,
      )}
      </tbody>
    </table>
    <nav aria-label="Pages" class="pager">
      <a href="${base}/jobs?${query({})}">Newest</a>
      ${nextCursor ? html`<a href="${base}/jobs?${query({ after: nextCursor })}" rel="next">Older jobs</a>` : ''}
    </nav>`,
  );
}
