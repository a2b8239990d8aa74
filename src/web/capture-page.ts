/**
 * @file The capture page's HTML, one markup for both uses: the embed's iframe page (configured by postMessage) and
 * the hosted /capture page (configured by the server from the token). Every text comes from strings.ts and is
 * escaped; the hosted configuration travels as a JSON data block, never as script.
 */
import { html, SafeHtml } from '../portal/html.js';
import { CAPTURE_STRINGS } from './assets/strings.js';

export const CAPTURE_ASSETS = { script: '/web/capture.js', style: '/web/capture.css', zip: '/web/jszip.min.js', faceCheck: '/web/face-check' };

/** Serialised for a `<script type="application/json">` block: `<` escaped so the data cannot close the element. */
function jsonBlock(value: unknown): SafeHtml {
  return new SafeHtml(JSON.stringify(value).replace(/</g, '\\u003c'));
}

export function capturePage(mode: 'embed' | 'hosted', hostedConfig?: Record<string, unknown>): string {
  const s = CAPTURE_STRINGS.en;
  const close = html`<button type="button" class="close" data-close aria-label="${s.close}">×</button>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${s.title_authentication}</title>
<link rel="stylesheet" href="${CAPTURE_ASSETS.style}">
</head>
<body data-mode="${mode}">
<div class="app">
  <header class="bar"><p id="app-title">${s.title_authentication}</p>${close}</header>
  <main>
    <section id="loading" data-screen aria-busy="true"><p>…</p></section>
    <section id="consent" data-screen hidden>
      <img id="partner-logo" class="logo" alt="" hidden>
      <h1 tabindex="-1">${s.consent_heading}</h1>
      <p id="consent-body"></p>
      <p><a id="consent-policy" target="_blank" rel="noopener noreferrer" hidden></a></p>
      <div class="actions">
        <button type="button" class="primary" id="consent-allow">${s.consent_allow}</button>
        <button type="button" class="secondary" id="consent-deny">${s.consent_deny}</button>
      </div>
    </section>
    <section id="camera" data-screen hidden>
      <h1 tabindex="-1">${s.camera_heading}</h1>
      <p>${s.camera_body}</p>
      <div class="actions"><button type="button" class="primary" id="camera-start">${s.camera_start}</button></div>
    </section>
    <section id="capture" data-screen hidden>
      <h1 tabindex="-1">${s.capture_heading}</h1>
      <div class="camera"><video id="video" playsinline muted aria-label="${s.capture_video_label}"></video><div class="oval"></div></div>
      <p id="guide" class="guide" role="status" aria-live="polite">${s.guide_position}</p>
      <div class="actions"><button type="button" class="primary" id="capture-start" disabled>${s.capture_start}</button></div>
    </section>
    <section id="review" data-screen hidden>
      <h1 tabindex="-1">${s.review_heading}</h1>
      <img id="review-image" class="review" alt="${s.review_image_alt}">
      <div class="actions">
        <button type="button" class="primary" id="review-accept">${s.review_accept}</button>
        <button type="button" class="secondary" id="review-retake">${s.review_retake}</button>
      </div>
    </section>
    <section id="upload" data-screen hidden aria-busy="true">
      <h1 tabindex="-1" id="upload-heading">${s.upload_heading_registration}</h1>
      <p>${s.upload_body}</p>
      <progress id="upload-progress" max="100" value="0" aria-label="${s.upload_progress_label}"></progress>
    </section>
    <section id="upload-failed" data-screen hidden>
      <h1 tabindex="-1">${s.upload_failed_heading}</h1>
      <p role="alert">${s.upload_failed_body}</p>
      <div class="actions"><button type="button" class="primary" id="upload-retry">${s.upload_retry}</button></div>
    </section>
    <section id="done" data-screen hidden>
      <h1 tabindex="-1">${s.done_heading}</h1>
      <p role="status">${s.done_body}</p>
    </section>
    <section id="error" data-screen hidden>
      <h1 tabindex="-1">${s.error_heading}</h1>
      <p id="error-message" class="error" role="alert"></p>
      <div class="actions"><button type="button" class="primary" id="error-retry" hidden>${s.error_retry_camera}</button></div>
    </section>
  </main>
</div>
${hostedConfig ? html`<script type="application/json" id="likeness-config">${jsonBlock(hostedConfig)}</script>` : ''}
<script src="${CAPTURE_ASSETS.script}" data-zip="${CAPTURE_ASSETS.zip}" data-face-check="${CAPTURE_ASSETS.faceCheck}"></script>
</body>
</html>
`.value;
}
