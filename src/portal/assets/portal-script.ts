/**
 * @file The portal's only script, served as /portal/assets/portal.js: keyboard shortcuts for review decisions and
 * confirmation of destructive forms. Pages work without it; the CSP allows no inline script.
 */
export const PORTAL_SCRIPT = `'use strict';
document.addEventListener('keydown', function (e) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
  var t = e.target;
  if (t && t.closest && t.closest('input, textarea, select, [contenteditable]')) return;
  var button = document.querySelector('[data-shortcut="' + e.key.toLowerCase() + '"]');
  if (!button) return;
  e.preventDefault();
  var reason = button.form && button.form.querySelector('textarea[required]');
  if (reason && !reason.value.trim()) { reason.focus(); return; }
  button.click();
});
document.addEventListener('submit', function (e) {
  var message = e.target.getAttribute('data-confirm');
  if (message && !window.confirm(message)) e.preventDefault();
});
`;
