// The page's Graph build: the same crate with Microsoft Graph's sign-in and lookups
// (the `graph` feature), loaded by main.js's `lqcHandOver` only when config.json names
// the Graph source or a sign-in answer comes back (src/web/handover.rs).
// `cargo xtask dist` bundles this file with the glue it imports (esbuild).
import init, { runHandedOver } from './lync_quickcall_graph.js';

// Runs the Graph build with config.json's text as the first build read it (or
// nothing: it reads it itself).
export function start(config) {
  return init({ module_or_path: new URL('./lync_quickcall_graph_bg.wasm', import.meta.url) })
    .then(function () {
      return runHandedOver(config);
    });
}
