//! JSON decoding for the core, wherever it runs.
//!
//! Natively this is `serde_json`. In the browser the page uses the browser's own
//! `JSON.parse` and `serde-wasm-bindgen` instead, which keeps `serde_json` (about 20 KB
//! gzipped) out of the WebAssembly module; that half lives in [`crate::web`].

/// Decodes `text` as JSON into `T`; the error is a one-line description.
#[cfg(not(target_arch = "wasm32"))]
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

#[cfg(target_arch = "wasm32")]
pub use crate::web::json::from_str;
