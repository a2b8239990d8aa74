/**
 * @file The capture app, served as /web/capture.js to the embed's iframe page and to the hosted /capture page:
 * consent, camera, an 8-frame burst with guidance (light and motion measured here; face present, alone, near enough
 * and centred from the engine's detector on a small preview frame, /web/face-check), review, upload (prep_upload with the web token, zip, PUT) with
 * retry, done; errors as screens plus `SmileIdentity::Error` with a reason code. Plain ES2017, no inline script (the
 * pages' CSP forbids it); strings come from strings.ts, prepended by the server as `LIKENESS_STRINGS`.
 */
import { API_ERRORS as E } from '../../errors/api-errors.js';

export const CAPTURE_SCRIPT = String.raw`'use strict';
(function () {
  var S = window.LIKENESS_STRINGS;
  var BURST_SHOTS = 8;           // 7 liveness frames (type 6; the engine wants 7 distinct ones) + the selfie (type 2)
  var BURST_INTERVAL_MS = 350;   // Smile ID's capture interval: natural motion between frames
  var MAX_WIDTH = 640;
  var JPEG_QUALITY = 0.92;
  var NEAR_IDENTICAL = 1;        // mean grey difference of 32x24 thumbnails: the engine's replay threshold
  var MOVING = 12;               // mean grey difference between two previews 300 ms apart: the user is moving a lot
  var FACE_CHECK_MS = 700;       // at most one preview frame to the detector this often, one at a time
  var FACE_MIN = 0.2;            // face box width / frame width: below, too far (a phone at arm's length gives ~0.3)
  var FACE_MAX = 0.75;           // above, too close (the face overflows the oval)
  var OFF_CENTRE = 0.2;          // face centre further than this (fraction of the frame) from the middle
  var TOKEN_ERRORS = { '${E.WEB_TOKEN_INVALID.code}': 'token_invalid', '${E.WEB_TOKEN_EXPIRED.code}': 'token_expired', '${E.WEB_TOKEN_USED.code}': 'token_used', '${E.PARTNER_PARAMS_MISMATCH.code}': 'token_invalid', '${E.UNAUTHORIZED.code}': 'token_invalid' };

  var page = document.body.getAttribute('data-mode'); // 'embed' | 'hosted'
  var zipLibrary = document.currentScript.getAttribute('data-zip');
  var faceCheckUrl = document.currentScript.getAttribute('data-face-check');
  var face = null;        // the detector's last answer { faces, box: [left, top, width, height] as fractions }
  var faceChecking = false;
  var faceCheckedAt = 0;
  var lastThumb = null;
  var zipLoading = null;
  var parentWindow = window.parent !== window ? window.parent : null;
  var config = null;
  var jobType = 4;
  var stream = null;
  var guideTimer = null;
  var images = null;
  var selfieUrl = null;
  var uploadUrl = null;
  var zipBlob = null;
  var busy = false;
  var notice = null; // a message that stays until the next burst (the guidance loop would overwrite it otherwise)

  function $(id) { return document.getElementById(id); }
  function fill(text) {
    var name = (config && config.partner_details && config.partner_details.name) || '';
    return text.split('{partner}').join(name);
  }
  function post(message, extra) {
    if (!parentWindow) return;
    parentWindow.postMessage(extra ? Object.assign({ message: message }, extra) : message, '*');
  }

  function show(id) {
    var screens = document.querySelectorAll('[data-screen]');
    for (var i = 0; i < screens.length; i++) screens[i].hidden = screens[i].id !== id;
    var heading = $(id).querySelector('h1');
    if (heading) heading.focus();
  }

  function fail(reason, code) {
    stopCamera();
    $('error-message').textContent = S['error_' + reason] || S.error_server;
    $('error-retry').hidden = reason !== 'camera_denied' && reason !== 'camera_absent';
    show('error');
    post('SmileIdentity::Error', { reason: reason, code: code || null });
  }

  function finish(status) {
    if (page === 'hosted') {
      if (config.return_url) {
        var url = new URL(config.return_url);
        url.searchParams.set('status', status);
        url.searchParams.set('job_id', config.partner_params.job_id);
        window.location.assign(url.toString());
      }
      return;
    }
    post(status === 'success' ? 'SmileIdentity::Close::System' : 'SmileIdentity::Close');
  }

  function parseToken(token) {
    var body = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    var json = decodeURIComponent(Array.prototype.map.call(atob(body), function (c) {
      return '%' + ('00' + c.charCodeAt(0).toString(16)).slice(-2);
    }).join(''));
    return JSON.parse(json);
  }

  function endpoint() {
    var env = config.environment;
    if (env === 'sandbox') return window.location.origin + '/sandbox/v1';
    if (!env || env === 'production' || env === 'live') return window.location.origin + '/v1';
    return String(env).replace(/\/+$/, '') + '/v1';
  }

  function configure(received) {
    config = received;
    var claims;
    try { claims = parseToken(config.token); } catch (e) { return fail('token_invalid'); }
    config.partner_params = Object.assign({}, config.partner_params || {}, claims.partner_params);
    jobType = Number(claims.partner_params.job_type);
    var details = config.partner_details || {};
    if (details.theme_color && window.CSS && CSS.supports('color', details.theme_color)) {
      document.documentElement.style.setProperty('--theme', details.theme_color);
    }
    var title = jobType === 2 ? S.title_authentication : S.title_registration;
    document.title = title;
    $('app-title').textContent = title;
    $('consent-body').textContent = fill(S.consent_body);
    $('upload-heading').textContent = jobType === 2 ? S.upload_heading_authentication : S.upload_heading_registration;
    if (details.policy_url && /^https?:/.test(details.policy_url)) {
      $('consent-policy').href = details.policy_url;
      $('consent-policy').textContent = fill(S.consent_policy);
      $('consent-policy').hidden = false;
    }
    if (details.logo_url && /^(https:|data:image\/)/.test(details.logo_url)) {
      $('partner-logo').src = details.logo_url;
      $('partner-logo').alt = details.name || '';
      $('partner-logo').hidden = false;
    }
    if (claims.exp * 1000 <= Date.now()) return fail('token_expired', '${E.WEB_TOKEN_EXPIRED.code}');
    show('consent');
    loadZip().catch(function () { /* retried at upload */ });
  }

  // Camera -------------------------------------------------------------------------------------------------------
  function stopCamera() {
    if (guideTimer) clearInterval(guideTimer);
    guideTimer = null;
    face = null;
    lastThumb = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return fail('unsupported');
    navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } } })
      .then(function (s) {
        stream = s;
        var video = $('video');
        video.srcObject = s;
        return video.play().then(function () {
          show('capture');
          guideTimer = setInterval(guide, 300);
        });
      })
      .catch(function (e) {
        var name = e && e.name;
        if (name === 'NotAllowedError' || name === 'SecurityError') return fail('camera_denied');
        if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return fail('camera_absent');
        fail('unsupported');
      });
  }

  /** A small grey thumbnail of the current frame: brightness for guidance, differences for motion. */
  function thumbnail() {
    var video = $('video');
    var canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 24;
    var g = canvas.getContext('2d', { willReadFrequently: true });
    g.drawImage(video, 0, 0, 32, 24);
    var data = g.getImageData(0, 0, 32, 24).data;
    var luma = new Float32Array(32 * 24);
    for (var i = 0; i < luma.length; i++) luma[i] = 0.299 * data[i * 4] + 0.587 * data[i * 4 + 1] + 0.114 * data[i * 4 + 2];
    return luma;
  }
  function mean(a) { var s = 0; for (var i = 0; i < a.length; i++) s += a[i]; return s / a.length; }
  function difference(a, b) { var s = 0; for (var i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]); return s / a.length; }

  function say(text) { $('guide').textContent = text; }

  /** Sends a 320-px preview frame to the engine's detector; guidance is advice, so a failed check is just skipped. */
  function checkFace() {
    if (faceChecking || Date.now() - faceCheckedAt < FACE_CHECK_MS) return;
    faceChecking = true;
    faceCheckedAt = Date.now();
    var image = frameJpeg(320, 0.7).split(',')[1];
    fetch(faceCheckUrl, { method: 'POST', cache: 'no-store', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: config.token, image: image }) })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (answer) { face = answer; }, function () { face = null; })
      .then(function () { faceChecking = false; });
  }

  /** The one piece of advice that matters most now, or null when the picture is good. */
  function advice(thumb) {
    if (mean(thumb) < 40) return S.guide_dark;
    if (face) {
      if (face.faces === 0 || !face.box) return S.guide_no_face;
      if (face.faces > 1) return S.guide_one_face;
      var b = face.box;
      if (b[2] < FACE_MIN) return S.guide_closer;
      if (b[2] > FACE_MAX) return S.guide_farther;
      if (Math.abs(b[0] + b[2] / 2 - 0.5) > OFF_CENTRE || Math.abs(b[1] + b[3] / 2 - 0.5) > OFF_CENTRE) return S.guide_center;
    }
    if (lastThumb && difference(thumb, lastThumb) > MOVING) return S.guide_hold_still;
    return null;
  }

  function guide() {
    if (busy || !stream || $('capture').hidden) return;
    var video = $('video');
    if (!video.videoWidth) return say(S.guide_position);
    var thumb = thumbnail();
    var text = advice(thumb);
    lastThumb = thumb;
    say(text || notice || S.guide_ready);
    $('capture-start').disabled = false;
    checkFace();
  }

  function frameJpeg(maxWidth, quality) {
    var video = $('video');
    var scale = Math.min(1, (maxWidth || MAX_WIDTH) / video.videoWidth);
    var canvas = document.createElement('canvas');
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL('image/jpeg', quality || JPEG_QUALITY);
  }

  function burst() {
    if (busy) return;
    busy = true;
    notice = null;
    $('capture-start').disabled = true;
    say(S.guide_capturing);
    var frames = [];
    var thumbs = [];
    // Each shot waits a full interval after the previous one (setTimeout, not setInterval), so shots never crowd.
    function shoot() {
      frames.push(frameJpeg());
      thumbs.push(thumbnail());
      if (frames.length < BURST_SHOTS) return setTimeout(shoot, BURST_INTERVAL_MS);
      busy = false;
      performance.mark('likeness:last-frame'); // npm run bench:capture measures from here to the callback
      // The engine refuses a burst with any two near-identical frames (a frozen or replayed camera): retake here.
      var repeated = false;
      var live = thumbs.length - 1; // the selfie may repeat a frame; the liveness frames may not repeat each other
      for (var i = 0; i < live; i++) for (var j = i + 1; j < live; j++) if (difference(thumbs[i], thumbs[j]) < NEAR_IDENTICAL) repeated = true;
      if (repeated) {
        notice = S.guide_static;
        say(notice);
        $('capture-start').disabled = false;
        return;
      }
      // As Smile ID's capture orders them: the liveness frames (type 6), then the last shot as the selfie (type 2).
      selfieUrl = frames.pop();
      images = frames.map(function (f) { return { image_type_id: 6, image: f.split(',')[1] }; });
      images.push({ image_type_id: 2, image: selfieUrl.split(',')[1] });
      $('review-image').src = selfieUrl;
      show('review');
    }
    shoot();
  }

  // Upload -------------------------------------------------------------------------------------------------------
  function prepUpload() {
    return fetch(endpoint() + '/upload', {
      method: 'POST',
      mode: 'cors',
      cache: 'no-store',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        source_sdk: 'hosted_web',
        source_sdk_version: 'likeness-1',
        file_name: (config.product || 'smartselfie') + '.zip',
        smile_client_id: config.partner_details && config.partner_details.partner_id,
        callback_url: config.callback_url,
        token: config.token,
        partner_params: config.partner_params,
      }),
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.ok && body.upload_url) return body.upload_url;
        var reason = TOKEN_ERRORS[body.code];
        var err = new Error(body.error || 'prep_upload failed');
        err.reason = reason || (res.status >= 500 ? 'network' : 'server');
        err.code = body.code || null;
        throw err;
      });
    });
  }

  /** JSZip is needed only at upload: loaded in the background once the first screen shows, not before it. */
  function loadZip() {
    if (!zipLoading) {
      zipLoading = new Promise(function (resolve, reject) {
        var tag = document.createElement('script');
        tag.src = zipLibrary;
        tag.onload = resolve;
        tag.onerror = function () { zipLoading = null; var err = new Error('zip library did not load'); err.reason = 'network'; reject(err); };
        document.head.appendChild(tag);
      });
    }
    return zipLoading;
  }

  function makeZip() {
    return loadZip().then(zipImages);
  }

  function zipImages() {
    var zip = new JSZip();
    zip.file('info.json', JSON.stringify({
      package_information: { language: 'Hosted Web Integration', apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 } },
      id_info: {},
      images: images,
    }));
    return zip.generateAsync({ type: 'blob' });
  }

  function put(url, blob) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      xhr.setRequestHeader('content-type', 'application/zip');
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) $('upload-progress').value = Math.round((100 * e.loaded) / e.total); };
      xhr.onload = function () {
        // 409: an earlier attempt delivered the zip and only its answer was lost.
        if (xhr.status === 200 || xhr.status === 409) return resolve();
        var err = new Error('upload failed: HTTP ' + xhr.status);
        err.reason = 'network';
        err.expired = xhr.status === 404 || xhr.status === 410;
        reject(err);
      };
      xhr.onerror = function () { var err = new Error('network error'); err.reason = 'network'; reject(err); };
      xhr.send(blob);
    });
  }

  function upload() {
    show('upload');
    $('upload-progress').value = 0;
    var zipping = zipBlob ? Promise.resolve(zipBlob) : makeZip().then(function (z) { zipBlob = z; return z; });
    var preparing = uploadUrl ? Promise.resolve(uploadUrl) : prepUpload().then(function (u) { uploadUrl = u; return u; });
    Promise.all([preparing, zipping])
      .then(function (r) { return put(r[0], r[1]); })
      .then(function () {
        stopCamera();
        show('done');
        post('SmileIdentity::Success');
        setTimeout(function () { finish('success'); }, 2000);
      })
      .catch(function (err) {
        if (err.expired) uploadUrl = null;
        if (err.reason && err.reason.indexOf('token_') === 0) return fail(err.reason, err.code);
        show('upload-failed');
        post('SmileIdentity::Error', { reason: 'upload_failed', code: err.code || null, retrying: true });
      });
  }

  // Wiring -------------------------------------------------------------------------------------------------------
  $('consent-allow').addEventListener('click', function () { show('camera'); });
  $('consent-deny').addEventListener('click', function () {
    post('SmileIdentity::ConsentDenied', { reason: 'consent_denied' });
    finish('cancelled');
  });
  $('camera-start').addEventListener('click', startCamera);
  $('error-retry').addEventListener('click', function () { show('camera'); });
  $('capture-start').addEventListener('click', burst);
  $('review-accept').addEventListener('click', upload);
  $('review-retake').addEventListener('click', function () { images = null; zipBlob = null; show('capture'); });
  $('upload-retry').addEventListener('click', upload);
  var closers = document.querySelectorAll('[data-close]');
  for (var c = 0; c < closers.length; c++) closers[c].addEventListener('click', function () { stopCamera(); finish('cancelled'); });

  if (page === 'hosted') {
    var hosted = JSON.parse($('likeness-config').textContent);
    if (hosted.error) fail(hosted.error, hosted.code);
    else configure(hosted);
  } else {
    window.addEventListener('message', function (event) {
      if (event.source !== parentWindow || typeof event.data !== 'string' || event.data.indexOf('SmileIdentity::Configuration') === -1) return;
      if (config) return;
      try { configure(JSON.parse(event.data)); } catch (e) { fail('token_invalid'); }
    });
    post('SmileIdentity::ChildPageReady');
  }
})();
`;
