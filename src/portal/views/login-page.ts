/**
 * @file The login form.
 */
import { html } from '../html.js';
import { layout } from './layout.js';

export function loginPage(base: string, csrf: string, opts: { email?: string; next?: string; error?: string } = {}): string {
  return layout(
    { base, title: 'Log in', session: null, error: opts.error },
    html`<form method="post" action="${base}/login" class="login">
      <input type="hidden" name="_csrf" value="${csrf}">
      ${opts.next ? html`<input type="hidden" name="next" value="${opts.next}">` : ''}
      <p><label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required autofocus value="${opts.email ?? ''}"></p>
      <p><label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required></p>
      <p><button type="submit">Log in</button></p>
      <p class="hint">Accounts are created by an operator with <code>likeness user add</code>.</p>
    </form>`,
  );
}
