/**
 * @file The audit log: who viewed or decided what, when; newest first.
 */
import type { AuditEntry, PortalSession } from '../../store/portal-types.js';
import { html } from '../html.js';
import { fmtTime, layout } from './layout.js';

export const AUDIT_PAGE_SIZE = 100;

export function auditPage(base: string, session: PortalSession, entries: AuditEntry[]): string {
  const last = entries[entries.length - 1];
  return layout(
    { base, title: 'Audit log', session, section: 'audit' },
    html`<table>
      <caption>Portal activity for partner ${session.account.partnerId}, newest first</caption>
      <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Environment</th><th scope="col">Target</th><th scope="col">Detail</th></tr></thead>
      <tbody>${entries.map(
        (e) => html`<tr><td>${fmtTime(e.at)}</td><td>${e.actorEmail}</td><td>${e.action}</td><td>${e.environment ?? ''}</td><td>${e.target ?? ''}</td><td>${e.detail ?? ''}</td></tr>`,
      )}</tbody>
    </table>
    <nav aria-label="Pages" class="pager">
      <a href="${base}/audit">Newest</a>
      ${entries.length === AUDIT_PAGE_SIZE && last ? html`<a href="${base}/audit?before=${last.id}" rel="next">Older entries</a>` : ''}
    </nav>`,
  );
}
