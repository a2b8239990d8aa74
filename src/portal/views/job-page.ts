/**
 * @file One job: its images (selfie, liveness frames, the registered selfie it was compared with), every score and
 * Action, the result, and the callback delivery log with a replay button.
 */
import type { PortalSession, ReviewClaim } from '../../store/portal-types.js';
import type { CallbackDelivery, EnrolledUser, JobImage, JobRecord } from '../../store/types.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, fmtTime, jobTypeName, layout, resultBadge } from './layout.js';

export interface JobView {
  job: JobRecord;
  images: JobImage[];
  /** The user's registered selfie, when this job was compared with it (authentication). */
  registered: EnrolledUser | null;
  deliveries: CallbackDelivery[];
  claim: ReviewClaim | null;
}

export const imageUrl = (base: string, smileJobId: number, img: JobImage): string => `${base}/images/${smileJobId}/${img.role}/${img.index}`;
export const registeredUrl = (base: string, smileJobId: number): string => `${base}/jobs/${smileJobId}/registered-selfie`;
/** The registered selfie of the job's n-th likely duplicate (JobResult.duplicates). */
export const duplicateUrl = (base: string, smileJobId: number, n: number): string => `${base}/jobs/${smileJobId}/duplicates/${n}`;

/** The selfie, the registered selfie beside it, then the liveness frames. */
export function imageGallery(base: string, v: Pick<JobView, 'job' | 'images' | 'registered'>): SafeHtml {
  const id = v.job.smileJobId;
  const selfie = v.images.find((i) => i.role === 'selfie');
  const frames = v.images.filter((i) => i.role === 'liveness');
  return html`<section aria-labelledby="h-images"><h2 id="h-images">Images</h2>
    <div class="compare">
      <figure>${selfie ? html`<img src="${imageUrl(base, id, selfie)}" alt="Selfie submitted with this job">` : html`<p class="missing">No selfie stored (deleted or never uploaded).</p>`}
        <figcaption>Selfie of this job</figcaption></figure>
      ${
        v.job.jobType === 2
          ? html`<figure>${
              v.registered?.imageKey
                ? html`<img src="${registeredUrl(base, id)}" alt="Registered selfie of user ${v.job.userId}">`
                : html`<p class="missing">No registered selfie on file${v.registered ? ` (user ${v.registered.status})` : ''}.</p>`
            }<figcaption>Registered selfie of ${v.job.userId}</figcaption></figure>`
          : ''
      }
      ${(v.job.result?.duplicates ?? []).map(
        (d, n) => html`<figure><img src="${duplicateUrl(base, id, n)}" alt="Registered selfie of user ${d.userId}">
          <figcaption>Already enrolled as ${d.userId} (similarity ${d.similarity.toFixed(4)})</figcaption></figure>`,
      )}
    </div>
    <h3>Liveness frames (${frames.length})</h3>
    ${
      frames.length
        ? html`<ol class="frames">${frames.map((f) => html`<li><img src="${imageUrl(base, id, f)}" alt="Liveness frame ${f.index + 1} of ${frames.length}" loading="lazy"></li>`)}</ol>`
        : html`<p>No liveness frames.</p>`
    }
  </section>`;
}

export function resultDetails(job: JobRecord): SafeHtml {
  const r = job.result;
  if (!r) return html`<p>No result yet (${job.state.replace('_', ' ')}).</p>`;
  return html`<dl class="facts">
      <dt>Result</dt><dd>${resultBadge(r.category, job.state)} ${r.resultCode} — ${r.resultText}</dd>
      <dt>Confidence</dt><dd>${r.confidence}</dd>
      <dt>Final result</dt><dd>${r.isFinalResult ? 'yes' : 'no'}</dd>
      <dt>Machine result</dt><dd>${r.isMachineResult ? 'yes' : 'no (human review)'}</dd>
      <dt>Reasons</dt><dd>${r.reasons.length ? r.reasons.join(', ') : '—'}</dd>
      ${r.duplicates ? html`<dt>Likely duplicates</dt><dd>${r.duplicates.map((d) => `${d.userId} (${d.similarity.toFixed(4)})`).join(', ')}</dd>` : ''}
      <dt>Completed</dt><dd>${fmtTime(r.completedAt)}</dd>
    </dl>
    <div class="two-col">
    <table><caption>Scores</caption><thead><tr><th scope="col">Measure</th><th scope="col">Value</th></tr></thead>
      <tbody>${Object.entries(r.scores).map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v === null ? '—' : String(v)}</td></tr>`)}</tbody></table>
    <table><caption>Actions</caption><thead><tr><th scope="col">Action</th><th scope="col">Value</th></tr></thead>
      <tbody>${Object.entries(r.actions).map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>
    </div>`;
}

function deliveryLog(base: string, session: PortalSession, v: JobView): SafeHtml {
  const canReplay = session.account.role === 'admin' && v.job.result && v.job.callbackUrl;
  return html`<section aria-labelledby="h-callbacks"><h2 id="h-callbacks">Callback deliveries</h2>
    ${v.job.callbackUrl ? html`<p>Callback URL: <code>${v.job.callbackUrl}</code></p>` : html`<p>This job has no callback URL.</p>`}
    ${v.deliveries.map(
      (d) => html`<table class="deliveries"><caption>Delivery ${d.id}: ${d.state}, ${d.attempts} attempt(s), queued ${fmtTime(d.createdAt)}${d.deliveredAt ? `, delivered ${fmtTime(d.deliveredAt)}` : ''} — ${String(d.body.ResultCode ?? '')} ${String(d.body.ResultText ?? '')}</caption>
        <thead><tr><th scope="col">Attempt</th><th scope="col">At</th><th scope="col">HTTP status</th><th scope="col">Error</th><th scope="col">ms</th></tr></thead>
        <tbody>${d.log.length ? d.log.map((a) => html`<tr><td>${a.attempt}</td><td>${fmtTime(a.at)}</td><td>${a.status ?? '—'}</td><td>${a.error ?? ''}</td><td>${a.durationMs}</td></tr>`) : html`<tr><td colspan="5">Not attempted yet</td></tr>`}</tbody>
      </table>`,
    )}
    ${
      canReplay
        ? html`<form method="post" action="${base}/jobs/${v.job.smileJobId}/replay">${csrfField(session)}<button type="submit">Replay callback</button></form>`
        : ''
    }
  </section>`;
}

export function jobPage(base: string, session: PortalSession, v: JobView, notice?: string | null): string {
  const j = v.job;
  return layout(
    { base, title: `Job ${String(j.smileJobId).padStart(10, '0')}`, session, section: 'jobs', notice },
    html`<dl class="facts">
      <dt>Job ID</dt><dd>${j.jobId}</dd>
      <dt>User ID</dt><dd>${j.userId}</dd>
      <dt>Type</dt><dd>${jobTypeName(j.jobType)}</dd>
      <dt>Environment</dt><dd>${j.environment}</dd>
      <dt>State</dt><dd>${j.state.replace('_', ' ')}</dd>
      <dt>Created</dt><dd>${fmtTime(j.createdAt)}</dd>
      <dt>Partner params</dt><dd><code>${JSON.stringify(j.partnerParams)}</code></dd>
      <dt>Source</dt><dd>${[j.options.source, j.options.sourceSdk, j.options.sourceSdkVersion].filter(Boolean).join(' · ')}</dd>
    </dl>
    ${j.state === 'review' ? html`<p><a class="button" href="${base}/review/${j.smileJobId}">Review this job</a>${v.claim ? ` (claimed by ${v.claim.email})` : ''}</p>` : ''}
    <section aria-labelledby="h-result"><h2 id="h-result">Result</h2>${resultDetails(j)}</section>
    ${imageGallery(base, v)}
    ${deliveryLog(base, session, v)}`,
  );
}
