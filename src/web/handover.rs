//! The hand-over to the page's Graph build (only in the build without the `graph`
//! feature, the one every load runs; see the [`super`] module documentation).
//!
//! Microsoft Graph's sign-in and lookups are an eighth of the module, and most sites
//! never use them. So the module every load gets leaves them out: when `config.json`
//! names the Graph source, or the page is opened with a sign-in answer, it calls
//! `window.lqcHandOver` (defined by `main.js`), which loads the build with `graph`
//! (`graph.js` and its module, content-hashed beside `index.html`) and runs it with
//! the configuration already read. Nothing is fetched twice; Graph sites pay one
//! more module to load (from the cache after the first time) before their lookups,
//! which go to Microsoft's servers anyway.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{describe, PageError, Step};

#[wasm_bindgen]
extern "C" {
    /// `main.js`: imports `graph.js` and runs the Graph build with `config`.
    #[wasm_bindgen(catch, js_namespace = window, js_name = "lqcHandOver")]
    fn lqc_hand_over(config: Option<String>) -> Result<js_sys::Promise, JsValue>;
}

/// A sign-in answer this build never has: it hands them over.
pub(crate) enum Never {}

/// Hands the page over to the Graph build, with `config.json`'s text when it has been
/// read; returns once that build has finished (shown, or navigated away).
pub(crate) async fn hand_over(config: Option<String>) -> Result<Step, PageError> {
    let failed = |e: JsValue| PageError::from(crate::tr!("handover-failed", detail = describe(&e)));
    let promise = lqc_hand_over(config).map_err(failed)?;
    JsFuture::from(promise).await.map_err(failed)?;
    Ok(Step::Shown)
}
