/* ES5 bootstrap: runs in every browser, including Internet Explorer 11, before the
   module. It puts the page's first words in the browser's language and makes sure the
   page never stays on "Opening…": without WebAssembly (the module scripts then never
   start), opened from disk, or a module script that does not start within
   STARTUP_SECONDS (blocked by a Content-Security-Policy with an earlier version's
   hash, say: `cargo xtask dist` puts main.js inline in index.html), it says what is
   wrong. `lqcText` and `lqcFail` also serve main.js, should the module fail to start. */
(function () {
  'use strict';
  // The messages boot.js and main.js show, by language, from locales/*.ftl:
  // filled in by `cargo xtask dist`.
  var TEXT = {};
  function language() {
    var tags = navigator.languages || [navigator.language || navigator.userLanguage || 'en'];
    for (var i = 0; i < tags.length; i++) {
      var primary = String(tags[i]).split(/[-_]/)[0].toLowerCase();
      if (TEXT.hasOwnProperty(primary)) {
        return primary;
      }
    }
    return TEXT.hasOwnProperty('en') ? 'en' : '';
  }

  // How long the module may take to start before the page says it did not.
  var STARTUP_SECONDS = 8;

  var lang = language();
  var table = TEXT[lang] || {};
  var english = TEXT.en || {};

  function text(id, detail) {
    var t = table[id] || english[id] || id;
    return t.replace(/\{ ?\$[a-z]+ ?\}/, detail === undefined ? '' : String(detail));
  }
  window.lqcText = text;

  if (lang) {
    document.documentElement.setAttribute('lang', lang);
  }
  document.title = text('page-title');
  var status = document.getElementById('status');
  if (!status) {
    return;
  }
  function show(heading, message) {
    status.setAttribute('data-state', 'error');
    while (status.firstChild) {
      status.removeChild(status.firstChild);
    }
    var h = document.createElement('h1');
    h.appendChild(document.createTextNode(heading));
    var p = document.createElement('p');
    p.className = 'message';
    p.appendChild(document.createTextNode(message));
    status.appendChild(h);
    status.appendChild(p);
  }
  window.lqcFail = show;

  if (typeof WebAssembly !== 'object' || typeof Promise !== 'function') {
    show(text('boot-no-wasm-heading'), text('boot-no-wasm'));
    return;
  }
  // Browsers do not run module scripts from disk: say so at once.
  if (location.protocol === 'file:') {
    show(text('error-heading'), text('boot-from-file'));
    return;
  }
  // Start compiling the WebAssembly module now (index.html preloads it), before the
  // module script runs: main.js hands the promise to the glue. A server
  // that sends the module with another type than application/wasm gets the slower way,
  // as in wasm-bindgen's glue. (`cargo xtask dist` puts the module's hashed name here.)
  if (!window.lqcStarted && typeof WebAssembly.compileStreaming === 'function' &&
      typeof fetch === 'function') {
    window.lqcModule = fetch('lync_quickcall_bg.wasm').then(function (response) {
      return WebAssembly.compileStreaming(response)['catch'](function (e) {
        if (response.ok && response.headers.get('Content-Type') !== 'application/wasm') {
          return response.arrayBuffer().then(function (bytes) {
            return WebAssembly.compile(bytes);
          });
        }
        throw e;
      });
    });
  }
  // Read config.json now (index.html preloads it; Chromium answers this request from
  // the preload), so that it is there when the module starts: main.js hands this
  // reading to the module (`run`, src/web/mod.rs), which then decides at once instead
  // of sending the same request itself. The answer's status, type and text, or why there
  // is none; with the module's time-out for files (src/web/fetch.rs, FILE_TIMEOUT_MS).
  var CONFIG_TIMEOUT_SECONDS = 10;
  if (!window.lqcStarted && typeof fetch === 'function' && typeof AbortController === 'function') {
    var abort = new AbortController();
    var timer = setTimeout(function () { abort.abort(); }, CONFIG_TIMEOUT_SECONDS * 1000);
    window.lqcConfig = fetch('config.json', {
      cache: 'no-cache', credentials: 'same-origin', signal: abort.signal
    }).then(function (response) {
      return response.text().then(function (body) {
        clearTimeout(timer);
        return {
          status: response.status,
          statusText: response.statusText,
          type: response.headers.get('Content-Type') || '',
          text: body
        };
      });
    })['catch'](function (e) {
      clearTimeout(timer);
      return e && e.name === 'AbortError' ? { timeout: CONFIG_TIMEOUT_SECONDS }
        : { error: String(e && e.message ? e.message : e) };
    });
  }
  var first = status.getElementsByTagName('p')[0];
  if (first && status.getAttribute('data-state') === 'working') {
    first.textContent = text('working-opening-quick-call');
  }
  // main.js sets `lqcStarted` as soon as it runs: not within the time, something
  // stopped it.
  setTimeout(function () {
    if (!window.lqcStarted && status.getAttribute('data-state') === 'working') {
      show(text('error-heading'), text('boot-not-started', STARTUP_SECONDS));
    }
  }, STARTUP_SECONDS * 1000);
})();
