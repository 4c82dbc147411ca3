// Starts the WebAssembly module. Browsers without WebAssembly never get here (they
// either ignore module scripts or boot.js has already explained the problem).
// `cargo xtask dist` bundles this file with the glue it imports (esbuild).
import init, { run } from './lync_quickcall.js';

// For the end-to-end suite's panic case, which imports this module again to call it.
export { __panicForTest } from './lync_quickcall.js';

function fail(error) {
  var status = document.getElementById('status');
  if (!status || status.getAttribute('data-state') === 'error') {
    return;
  }
  status.setAttribute('data-state', 'error');
  status.textContent = '';
  var h = document.createElement('h1');
  h.textContent = 'The quick call could not be opened';
  var p = document.createElement('p');
  p.className = 'message';
  p.textContent = 'The page failed to start: ' + (error && error.message ? error.message : String(error));
  status.append(h, p);
}

if (typeof WebAssembly === 'object') {
  init({ module_or_path: new URL('./lync_quickcall_bg.wasm', import.meta.url) })
    .then(function () { return run(); })
    .catch(fail);
}
