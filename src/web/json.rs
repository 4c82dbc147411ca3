//! JSON decoding with the browser's own `JSON.parse`, walked into a [`Json`] value.

use wasm_bindgen::{JsCast, JsValue};

use crate::json::Json;

/// Nesting deeper than this is refused (no file the page reads comes close).
const MAX_DEPTH: u32 = 32;

/// Parses `text` with `JSON.parse`; the error is a one-line description.
pub fn parse(text: &str) -> Result<Json, String> {
    let value = js_sys::JSON::parse(text).map_err(|e| super::describe(&e))?;
    walk(&value, 0)
}

fn walk(value: &JsValue, depth: u32) -> Result<Json, String> {
    if depth > MAX_DEPTH {
        return Err(crate::tr!("json-too-deep"));
    }
    if value.is_null() || value.is_undefined() {
        return Ok(Json::Null);
    }
    if let Some(b) = value.as_bool() {
        return Ok(Json::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        return Ok(Json::Number(n));
    }
    if let Some(s) = value.as_string() {
        return Ok(Json::String(s));
    }
    if let Some(array) = value.dyn_ref::<js_sys::Array>() {
        return array
            .iter()
            .map(|v| walk(&v, depth + 1))
            .collect::<Result<_, _>>()
            .map(Json::Array);
    }
    let object = value
        .dyn_ref::<js_sys::Object>()
        .ok_or_else(|| crate::tr!("json-not-a-value"))?;
    js_sys::Object::entries(object)
        .iter()
        .map(|entry| {
            let pair: js_sys::Array = entry.unchecked_into();
            let key = pair
                .get(0)
                .as_string()
                .ok_or_else(|| crate::tr!("json-key-not-string"))?;
            Ok((key, walk(&pair.get(1), depth + 1)?))
        })
        .collect::<Result<_, String>>()
        .map(Json::Object)
}
