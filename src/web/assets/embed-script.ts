/**
 * @file `window.SmileIdentity(config)`, served as /inline/v<N>/js/script.min.js: the same API, config names,
 * callbacks and postMessage protocol as Smile ID's hosted web integration, so a partner switches by changing the
 * script's host. It opens the capture page beside the script in a full-screen iframe and relays its messages.
 * Unlike a broadcast, the configuration (it holds the token) goes only to the iframe's own origin, and only messages
 * from that iframe are heard.
 */
export const EMBED_SCRIPT = String.raw`'use strict';
(function () {
  var FRAME_ID = 'smile-identity-hosted-web-integration';
  var PAGES = { authentication: 'smartselfie-auth.html', smartselfie: 'smartselfie-auth.html' };
  var script = document.currentScript;
  var scriptUrl = new URL(script ? script.src : '', window.location.href);
  var siteUrl = new URL('..', scriptUrl);

  function check(config) {
    if (!config || typeof config !== 'object') throw new Error('SmileIdentity: Please provide a configuration object');
    if (!config.token) throw new Error('SmileIdentity: Please provide your web token via the ' + "'token'" + ' attribute');
    if (!config.callback_url) throw new Error('SmileIdentity: Please provide a callback URL via the ' + "'callback_url'" + ' attribute');
    if (!config.product) throw new Error('SmileIdentity: Please select a product via the ' + "'product'" + ' attribute.');
    if (!PAGES[config.product]) throw new Error('SmileIdentity: ' + config.product + ' is not currently supported in this integration');
  }

  function SmileIdentity(config) {
    var iframe;
    function close(userTriggered) {
      window.removeEventListener('message', onMessage);
      if (iframe) iframe.remove();
      iframe = null;
      if (userTriggered && config.onClose) config.onClose();
    }
    function onMessage(event) {
      if (!iframe || event.source !== iframe.contentWindow) return;
      var tag = (event.data && event.data.message) || event.data;
      switch (tag) {
        case 'SmileIdentity::ChildPageReady': {
          var message = JSON.parse(JSON.stringify(config));
          message.source = 'SmileIdentity::Configuration';
          return iframe.contentWindow.postMessage(JSON.stringify(message), siteUrl.origin);
        }
        case 'SmileIdentity::Close': return close(true);
        case 'SmileIdentity::Close::System': return close(false);
        case 'SmileIdentity::Success': return config.onSuccess && config.onSuccess();
        case 'SmileIdentity::ConsentDenied':
        case 'SmileIdentity::Error': return config.onError && config.onError(event.data);
        default: return undefined;
      }
    }
    try {
      check(config);
      iframe = document.createElement('iframe');
      iframe.src = new URL(PAGES[config.product], siteUrl).href;
      iframe.id = FRAME_ID;
      iframe.name = FRAME_ID;
      iframe.title = 'SmartSelfie';
      iframe.setAttribute('allow', 'camera; fullscreen');
      iframe.setAttribute('frameborder', '0');
      iframe.style.cssText = 'background-color:#fff;border:none;height:100%;left:0;position:fixed;top:0;width:100%;z-index:999999;';
      window.addEventListener('message', onMessage, false);
      document.body.prepend(iframe);
    } catch (error) {
      if (config && config.onError) config.onError(error.message);
    }
  }

  window.SmileIdentity = SmileIdentity;
})();
`;
