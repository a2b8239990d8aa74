/**
 * @file The partner ID, API key generation per environment (a new key is shown once), the mobile SDKs'
 * smile_config.json per environment, and how long each environment keeps job images (`likeness partner retention`).
 */
import type { PortalSession } from '../../store/portal-types.js';
import type { Environment } from '../../store/types.js';
import { html } from '../html.js';
import { csrfField, layout } from './layout.js';

export function keysPage(base: string, session: PortalSession, retentionDays: Record<Environment, number>, fresh?: { env: Environment; key: string }): string {
  return layout(
    { base, title: 'API keys', session, section: 'keys' },
    html`<dl class="facts"><dt>Partner ID</dt><dd><code id="partner-id">${session.account.partnerId}</code></dd></dl>
    ${
      fresh
        ? html`<section class="new-key" aria-labelledby="h-new-key" role="alert">
            <h2 id="h-new-key">New ${fresh.env} API key</h2>
            <p><label for="new-key">Copy it now: it is shown only once.</label>
              <input id="new-key" readonly value="${fresh.key}" size="50"></p>
            <p>The previous ${fresh.env} key no longer works.</p>
          </section>`
        : ''
    }
    ${(['sandbox', 'production'] as const).map(
      (env) => html`<section aria-labelledby="h-${env}"><h2 id="h-${env}">${env === 'sandbox' ? 'Sandbox' : 'Production'}</h2>
        <form method="post" action="${base}/keys/rotate" data-confirm="Generate a new ${env} key? The current ${env} key stops working at once.">
          ${csrfField(session)}<input type="hidden" name="env" value="${env}">
          <button type="submit">Generate a new ${env} key</button>
        </form>
        <p><a href="${base}/keys/smile_config.json?env=${env}" download="smile_config.json">Download smile_config.json for the mobile SDKs (${env})</a>
          — it carries an auth token made from the ${env} key: generating a new key revokes it.</p>
        <p class="retention">Job images are kept <strong>${retentionDays[env]} days</strong>, then removed (recorded in the audit log);
          a user's template and registered selfie stay until the user is deleted.</p></section>`,
    )}`,
  );
}
