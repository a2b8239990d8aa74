/**
 * @file Face search for admins: the enrolled users whose face matches a user's registered face (every search is in
 * the audit log), and each environment's duplicate-enrolment policy.
 */
import type { FaceMatch } from '../../search/face-search.js';
import type { PortalSession } from '../../store/portal-types.js';
import { DEDUP_POLICIES, type DedupPolicy, type Environment } from '../../store/types.js';
import { html } from '../html.js';
import { csrfField, layout } from './layout.js';

const POLICY_TEXT: Record<DedupPolicy, string> = {
  off: 'off — no duplicate check',
  flag: 'flag — enrol as usual, record likely duplicates (DuplicateCandidates)',
  review: 'review — hold the enrolment for a person (0814)',
  reject: 'reject — fail the enrolment with the duplicate code',
};

export interface SearchView {
  env: Environment;
  policies: Record<Environment, DedupPolicy>;
  userId?: string;
  results?: FaceMatch[];
  minSimilarity: number;
}

export function searchPage(base: string, session: PortalSession, v: SearchView, notice?: string | null, error?: string | null): string {
  return layout(
    { base, title: 'Face search', session, section: 'search', notice, error },
    html`<form method="post" action="${base}/search" aria-labelledby="h-search">
      <h2 id="h-search">Who else has this face?</h2>
      <p>Searches the enrolled users of an environment for the registered face of a user. Every search is written to the audit log.</p>
      ${csrfField(session)}
      <p><label for="env">Environment</label>
        <select id="env" name="env">${(['production', 'sandbox'] as const).map((e) => html`<option value="${e}" ${e === v.env ? html`selected` : ''}>${e}</option>`)}</select></p>
      <p><label for="user_id">User ID</label> <input id="user_id" name="user_id" required value="${v.userId ?? ''}"></p>
      <p><label for="min_similarity">Lowest similarity</label> <input id="min_similarity" name="min_similarity" inputmode="decimal" value="${String(v.minSimilarity)}"></p>
      <button type="submit">Search</button>
    </form>
    ${
      v.results
        ? html`<table><caption>${v.results.length} other user(s) matching ${v.userId} at similarity ≥ ${String(v.minSimilarity)} (${v.env})</caption>
            <thead><tr><th scope="col">User ID</th><th scope="col">Similarity</th></tr></thead>
            <tbody>${v.results.length ? v.results.map((r) => html`<tr><td>${r.userId}</td><td>${r.similarity.toFixed(4)}</td></tr>`) : html`<tr><td colspan="2">No match.</td></tr>`}</tbody></table>`
        : ''
    }
    <section aria-labelledby="h-policy"><h2 id="h-policy">Duplicate enrolments</h2>
      <p>What an enrolment does when its face is already enrolled under another user ID.</p>
      ${(['production', 'sandbox'] as const).map(
        (env) => html`<form method="post" action="${base}/search/policy">
          ${csrfField(session)}<input type="hidden" name="env" value="${env}">
          <p><label for="policy-${env}">${env === 'production' ? 'Production' : 'Sandbox'}</label>
            <select id="policy-${env}" name="policy">${DEDUP_POLICIES.map((p) => html`<option value="${p}" ${p === v.policies[env] ? html`selected` : ''}>${POLICY_TEXT[p]}</option>`)}</select>
            <button type="submit">Save</button></p>
        </form>`,
      )}
    </section>`,
  );
}
