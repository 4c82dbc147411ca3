//! JSON decoding with the browser's own `JSON.parse`, then `serde-wasm-bindgen`.

use serde::de::DeserializeOwned;

/// Decodes `text` as JSON into `T`; the error is a one-line description.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|e| super::describe(&e))?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}
