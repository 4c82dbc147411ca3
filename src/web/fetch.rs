//! `fetch` of files beside the page.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCache, RequestInit, Response};

use super::describe;

async fn get(path: &str, cache: RequestCache) -> Result<Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = RequestInit::new();
    init.set_cache(cache);
    let resp = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|e| format!("cannot load {path}: {}", describe(&e)))?;
    let resp: Response = resp
        .dyn_into()
        .map_err(|_| format!("cannot load {path}: not a response"))?;
    if !resp.ok() {
        return Err(format!(
            "cannot load {path}: the web server answered HTTP {} {}",
            resp.status(),
            resp.status_text()
        ));
    }
    Ok(resp)
}

/// Fetches a file's bytes with the given cache mode.
pub async fn bytes(path: &str, cache: RequestCache) -> Result<Vec<u8>, String> {
    let resp = get(path, cache).await?;
    let body = resp.array_buffer().map_err(|e| describe(&e))?;
    let buffer = JsFuture::from(body)
        .await
        .map_err(|e| format!("cannot read {path}: {}", describe(&e)))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Fetches a text file, revalidating with the server (`config.json` changes).
pub async fn text(path: &str) -> Result<String, String> {
    let resp = get(path, RequestCache::NoCache).await?;
    let body = resp.text().map_err(|e| describe(&e))?;
    JsFuture::from(body)
        .await
        .map_err(|e| format!("cannot read {path}: {}", describe(&e)))?
        .as_string()
        .ok_or_else(|| format!("cannot read {path}: not text"))
}
