/**
 * @file Enrolled users of one environment, with deactivate, reactivate and delete.
 */
import type { UserSummary } from '../../jobs/user-admin.js';
import type { EnvironmentCounts, PortalSession } from '../../store/portal-types.js';
import type { Environment } from '../../store/types.js';
import { html } from '../html.js';
import { csrfField, envSwitch, fmtTime, layout } from './layout.js';

export const USERS_PAGE_SIZE = 50;

export function usersPage(
  base: string,
  session: PortalSession,
  env: Environment,
  counts: Record<Environment, EnvironmentCounts>,
  users: UserSummary[],
  offset: number,
  notice?: string | null,
  error?: string | null,
): string {
  const action = (u: UserSummary, verb: 'deactivate' | 'reactivate' | 'delete', label: string, confirm?: string) =>
    html`<form method="post" action="${base}/users/${verb}" ${confirm ? html`data-confirm="${confirm}"` : ''}>
      ${csrfField(session)}<input type="hidden" name="env" value="${env}"><input type="hidden" name="user_id" value="${u.user_id}">
      <button type="submit" aria-label="${label} user ${u.user_id}">${label}</button></form>`;
  const more = users.length === USERS_PAGE_SIZE;
  return layout(
    { base, title: 'Enrolled users', session, section: 'users', notice, error },
    html`${envSwitch(base, '/users', env, (e) => `${counts[e].users} users`)}
    <table>
      <caption>${users.length ? `Users ${offset + 1}–${offset + users.length} in ${env}` : `No enrolled users in ${env}${offset ? ' on this page' : ''}`}</caption>
      <thead><tr><th scope="col">User ID</th><th scope="col">Status</th><th scope="col">Registered selfie</th><th scope="col">Enrolled by job</th><th scope="col">Updated</th><th scope="col">Actions</th></tr></thead>
      <tbody>
      ${users.map(
        (u) => html`<tr>
          <td>${u.user_id}</td><td>${u.status}</td><td>${u.has_registered_selfie ? 'yes' : 'no'}</td>
          <td>${u.enrolled_smile_job_id ? html`<a href="${base}/jobs/${u.enrolled_smile_job_id}">${String(u.enrolled_smile_job_id).padStart(10, '0')}</a>` : '—'}</td>
          <td>${fmtTime(u.updated_at)}</td>
          <td class="actions">${
            u.status === 'deleted'
              ? ''
              : html`${u.status === 'active' ? action(u, 'deactivate', 'Deactivate') : action(u, 'reactivate', 'Reactivate')}
                 ${action(u, 'delete', 'Delete', `Delete ${u.user_id}? Their registered selfie, template and job images are removed for good.`)}`
          }</td>
        </tr>`,
      )}
      </tbody>
    </table>
    <nav aria-label="Pages" class="pager">
      ${offset > 0 ? html`<a href="${base}/users?env=${env}&amp;offset=${Math.max(0, offset - USERS_PAGE_SIZE)}" rel="prev">Previous</a>` : ''}
      ${more ? html`<a href="${base}/users?env=${env}&amp;offset=${offset + USERS_PAGE_SIZE}" rel="next">Next</a>` : ''}
    </nav>`,
  );
}
