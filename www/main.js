// Starts the WebAssembly module. Browsers without WebAssembly never get here (they
// either ignore module scripts or boot.js has already explained the problem).
// `cargo xtask dist` bundles this file with the glue it imports (esbuild), and puts
// the bundle inline in index.html.
import init, { run, __panicForTest } from './lync_quickcall.js';

// For the end-to-end suite's panic case, which calls the page's own instance (it only
// shows the panic message).
window.lqcPanicForTest = __panicForTest;

// The module scripts loaded and run: boot.js stops waiting for them.
window.lqcStarted = true;

// A Microsoft Graph configuration, or a sign-in answer coming back, is handed over to
// the page's Graph build (src/web/handover.rs), which only Graph sites load.
window.lqcHandOver = function (config) {
  return import('./graph.js').then(function (graph) {
    return graph.start(config);
  });
};

// boot.js's messages, in the browser's language (English ids as a last resort).
function text(id, detail) {
  return typeof window.lqcText === 'function' ? window.lqcText(id, detail) : id;
}

function fail(error) {
  var status = document.getElementById('status');
  if (!status || status.getAttribute('data-state') === 'error') {
    return;
  }
  var detail = error && error.message ? error.message : String(error);
  if (typeof window.lqcFail === 'function') {
    window.lqcFail(text('error-heading'), text('boot-start-failed', detail));
    return;
  }
  status.setAttribute('data-state', 'error');
  status.textContent = text('boot-start-failed', detail);
}

if (typeof WebAssembly === 'object') {
  // boot.js has usually started compiling the module already (lqcModule), and reading
  // config.json (lqcConfig): the module gets that reading, or nothing (it fetches then).
  init({ module_or_path: window.lqcModule || new URL('./lync_quickcall_bg.wasm', import.meta.url) })
    .then(function () { return window.lqcConfig; })
    .then(function (read) {
      window.lqcConfig = undefined;
      run(read);
    })
    .catch(fail);
}
