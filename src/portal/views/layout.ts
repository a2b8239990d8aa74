/**
 * @file The portal's page frame (navigation by role, account, logout) and small formatting helpers shared by pages.
 */
import type { PortalSession } from '../../store/portal-types.js';
import type { Environment } from '../../store/types.js';
import { html, type SafeHtml } from '../html.js';

export interface Chrome {
  /** URL prefix of the portal, e.g. `/portal`. */
  base: string;
  title: string;
  session: PortalSession | null;
  /** Which navigation entry is current. */
  section?: 'jobs' | 'review' | 'users' | 'search' | 'keys' | 'audit';
  /** A status message announced to screen readers (after a redirect). */
  notice?: string | null;
  error?: string | null;
}

const NAV: { section: NonNullable<Chrome['section']>; label: string; path: string; admin: boolean }[] = [
  { section: 'jobs', label: 'Jobs', path: '/jobs', admin: false },
  { section: 'review', label: 'Review queue', path: '/review', admin: false },
  { section: 'users', label: 'Users', path: '/users', admin: true },
  { section: 'search', label: 'Face search', path: '/search', admin: true },
  { section: 'keys', label: 'API keys', path: '/keys', admin: true },
  { section: 'audit', label: 'Audit log', path: '/audit', admin: true },
];

export function csrfField(session: PortalSession): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

export function layout(c: Chrome, body: SafeHtml): string {
  const s = c.session;
  const nav = s
    ? html`<nav aria-label="Portal">
        <ul>
          ${NAV.filter((n) => !n.admin || s.account.role === 'admin').map(
            (n) => html`<li><a href="${c.base + n.path}" ${n.section === c.section ? html`aria-current="page"` : ''}>${n.label}</a></li>`,
          )}
        </ul>
        <div class="account">
          <span>${s.account.email} · ${s.account.role} · partner ${s.account.partnerId}</span>
          <form method="post" action="${c.base}/logout">${csrfField(s)}<button type="submit">Log out</button></form>
        </div>
      </nav>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${c.title} · Likeness portal</title>
<link rel="stylesheet" href="${c.base}/assets/portal.css">
<script src="${c.base}/assets/portal.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><span class="brand">Likeness</span>${nav}</header>
<main id="main" tabindex="-1">
<h1>${c.title}</h1>
<div role="status" class="notice" ${c.notice ? '' : html`hidden`}>${c.notice ?? ''}</div>
${c.error ? html`<div role="alert" class="error">${c.error}</div>` : ''}
${body}
</main>
</body>
</html>`.value;
}

export const fmtTime = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');

export function jobTypeName(t: number): string {
  return t === 4 ? 'Enrolment (4)' : t === 2 ? 'Authentication (2)' : `Job type ${t}`;
}

export function resultBadge(category: string | null, state: string): SafeHtml {
  const label = state === 'review' ? 'under review' : category ?? state.replace('_', ' ');
  return html`<span class="badge badge-${category ?? 'pending'}">${label}</span>`;
}

/**
 * Links to both environments, each with what it holds (`describe`), so work waiting in the other one is visible;
 * the portal remembers the last one chosen (see chosenEnv).
 */
export function envSwitch(base: string, path: string, env: Environment, describe: (e: Environment) => string, extra: Record<string, string> = {}): SafeHtml {
  const q = (e: Environment) => new URLSearchParams({ ...extra, env: e }).toString();
  return html`<p class="env-switch">Environment:
    ${(['production', 'sandbox'] as const).map((e) =>
      e === env
        ? html`<strong aria-current="true">${e} (${describe(e)})</strong> `
        : html`<a href="${base}${path}?${q(e)}">${e} (${describe(e)})</a> `,
    )}</p>`;
}

export function parseEnv(value: unknown): Environment {
  return value === 'sandbox' ? 'sandbox' : 'production';
}

export const isEnv = (value: unknown): value is Environment => value === 'sandbox' || value === 'production';
