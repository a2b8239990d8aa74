/**
 * @file The review queue (provisional jobs, oldest first) and the review page: registered selfie beside the new
 * selfie, liveness frames, the machine's findings, and a keyboard-usable approve/reject form with a reason.
 */
import type { EnvironmentCounts, PortalSession, ReviewClaim, ReviewQueueEntry } from '../../store/portal-types.js';
import type { Environment } from '../../store/types.js';
import { MAX_REASON_LENGTH } from '../../jobs/human-review.js';
import { html } from '../html.js';
import type { JobView } from './job-page.js';
import { imageGallery, resultDetails } from './job-page.js';
import { csrfField, envSwitch, fmtTime, jobTypeName, layout } from './layout.js';

export function reviewQueuePage(
  base: string,
  session: PortalSession,
  env: Environment,
  counts: Record<Environment, EnvironmentCounts>,
  entries: ReviewQueueEntry[],
  total: number,
  notice?: string | null,
  error?: string | null,
): string {
  return layout(
    { base, title: 'Review queue', session, section: 'review', notice, error },
    html`${envSwitch(base, '/review', env, (e) => `${counts[e].underReview} under review`)}
    <table>
      <caption>${total} job(s) awaiting review in ${env}, oldest first${total > entries.length ? ` (first ${entries.length} shown)` : ''}</caption>
      <thead><tr><th scope="col">Waiting since</th><th scope="col">SmileJobID</th><th scope="col">User ID</th><th scope="col">Type</th><th scope="col">Machine result</th><th scope="col">Claim</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
      <tbody>
      ${entries.map((e) => {
        const mine = e.claim?.accountId === session.account.id;
        return html`<tr>
          <td>${fmtTime(e.createdAt)}</td>
          <td><a href="${base}/jobs/${e.smileJobId}">${String(e.smileJobId).padStart(10, '0')}</a></td>
          <td>${e.userId}</td><td>${jobTypeName(e.jobType)}</td><td>${e.resultCode} ${e.resultText}</td>
          <td>${e.claim ? (mine ? 'claimed by you' : `claimed by ${e.claim.email}`) : 'free'}</td>
          <td>${
            e.claim && !mine
              ? ''
              : html`<form method="post" action="${base}/review/${e.smileJobId}/claim">${csrfField(session)}<button type="submit" aria-label="Review job ${e.smileJobId} of user ${e.userId}">${mine ? 'Continue review' : 'Review'}</button></form>`
          }</td>
        </tr>`;
      })}
      </tbody>
    </table>`,
  );
}

export function reviewPage(base: string, session: PortalSession, v: JobView & { claim: ReviewClaim | null }, error?: string | null): string {
  const j = v.job;
  const mine = v.claim?.accountId === session.account.id;
  const title = `Review job ${String(j.smileJobId).padStart(10, '0')}`;
  const claimBlock = mine
    ? html`<form method="post" action="${base}/review/${j.smileJobId}/decide" class="decision" aria-labelledby="h-decision">
        <h2 id="h-decision">Decision</h2>
        ${csrfField(session)}
        <p>You hold this job until ${fmtTime(v.claim!.expiresAt.toISOString())}. Press <kbd>a</kbd> to approve or <kbd>r</kbd> to reject once you have written a reason.</p>
        <p><label for="reason">Reason (recorded in the audit log)</label>
          <textarea id="reason" name="reason" required maxlength="${MAX_REASON_LENGTH}" rows="3"></textarea></p>
        <p>
          <button type="submit" name="decision" value="approve" data-shortcut="a" aria-keyshortcuts="a" class="approve">Approve</button>
          <button type="submit" name="decision" value="reject" data-shortcut="r" aria-keyshortcuts="r" class="reject">Reject</button>
        </p>
      </form>
      <form method="post" action="${base}/review/${j.smileJobId}/release">${csrfField(session)}<button type="submit">Release without deciding</button></form>`
    : v.claim
      ? html`<p class="error" role="alert">${v.claim.email} is reviewing this job until ${fmtTime(v.claim.expiresAt.toISOString())}.</p>`
      : html`<form method="post" action="${base}/review/${j.smileJobId}/claim">${csrfField(session)}<button type="submit">Claim this job for review</button></form>`;
  return layout(
    { base, title, session, section: 'review', error },
    html`<dl class="facts">
      <dt>User ID</dt><dd>${j.userId}</dd><dt>Job ID</dt><dd>${j.jobId}</dd>
      <dt>Type</dt><dd>${jobTypeName(j.jobType)}</dd><dt>Environment</dt><dd>${j.environment}</dd>
      <dt>Waiting since</dt><dd>${fmtTime(j.createdAt)}</dd>
    </dl>
    ${j.state === 'review' ? claimBlock : html`<p>This job is no longer awaiting review.</p>`}
    ${imageGallery(base, v)}
    <section aria-labelledby="h-machine"><h2 id="h-machine">Machine findings</h2>${resultDetails(j)}</section>`,
  );
}
