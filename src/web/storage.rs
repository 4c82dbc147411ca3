//! The browser's storage, randomness and address bar, for the sign-in.
//!
//! - session storage (this tab only) holds the pending sign-in while the technician is
//!   at the identity platform;
//! - local storage (every tab of the page's origin) caches the Graph access token until
//!   it expires, so that the next Lync click, which opens a new tab, needs no sign-in.
//!
//! Storage can be missing or refused (private windows, policies): reading then finds
//! nothing, and writing a token fails quietly (the next click signs in again), but a
//! pending sign-in that cannot be stored is an error, since the answer could not be
//! checked.

use web_sys::Storage;

use super::describe;

fn session() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn local() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Reads and removes `key` from session storage (single use).
pub fn take_session(key: &str) -> Option<String> {
    let s = session()?;
    let value = s.get_item(key).ok().flatten();
    let _ = s.remove_item(key);
    value
}

/// Writes `key` to session storage.
pub fn set_session(key: &str, value: &str) -> Result<(), String> {
    session()
        .ok_or_else(|| crate::tr!("storage-session-unavailable"))?
        .set_item(key, value)
        .map_err(|e| crate::tr!("storage-session-failed", error = describe(&e)))
}

/// Reads `key` from local storage.
pub fn get_local(key: &str) -> Option<String> {
    local()?.get_item(key).ok().flatten()
}

/// Writes `key` to local storage; a failure only costs a sign-in next time.
pub fn set_local(key: &str, value: &str) {
    if let Some(s) = local() {
        let _ = s.set_item(key, value);
    }
}

/// Removes `key` from local storage.
pub fn remove_local(key: &str) {
    if let Some(s) = local() {
        let _ = s.remove_item(key);
    }
}

/// 32 bytes from `crypto.getRandomValues`.
pub fn random32() -> Result<[u8; 32], String> {
    let crypto = web_sys::window()
        .ok_or_else(|| crate::tr!("web-no-window"))?
        .crypto()
        .map_err(|e| describe(&e))?;
    let mut bytes = [0u8; 32];
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|e| crate::tr!("storage-no-random", error = describe(&e)))?;
    Ok(bytes)
}

/// Replaces the address bar's query (and the history entry) with `search`, keeping
/// the path: the sign-in's `code` and `state` disappear from both.
pub fn replace_query(search: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or_else(|| crate::tr!("web-no-window"))?;
    let path = window.location().pathname().map_err(|e| describe(&e))?;
    window
        .history()
        .map_err(|e| describe(&e))?
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{search}")),
        )
        .map_err(|e| describe(&e))
}
