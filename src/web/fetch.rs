//! `fetch`, always with a time-out: files beside the page, and the cross-origin
//! requests of the Graph and endpoint sources.
//!
//! A request is [`start`]ed (the browser sends it at once) and later [`Started::finish`]ed,
//! so that several lookups travel in parallel without an executor of our own.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, RequestCache, RequestCredentials, RequestInit, RequestMode, Response,
};

use super::describe;

/// How long a file beside the page may take, in milliseconds.
pub const FILE_TIMEOUT_MS: u32 = 10_000;

/// A request to send.
pub struct Request<'a> {
    /// The URL (relative to the page, or absolute).
    pub url: &'a str,
    /// `GET` or `POST`.
    pub method: &'a str,
    /// Extra headers.
    pub headers: &'a [(&'a str, &'a str)],
    /// A body, for `POST`.
    pub body: Option<&'a str>,
    /// What the browser sends along.
    pub credentials: RequestCredentials,
    /// The cache mode.
    pub cache: RequestCache,
    /// The time-out, in milliseconds, for the answer and its body.
    pub timeout_ms: u32,
}

impl<'a> Request<'a> {
    /// A `GET` with no credentials beyond the page's own site, cached as the server
    /// says.
    pub fn get(url: &'a str) -> Request<'a> {
        Request {
            url,
            method: "GET",
            headers: &[],
            body: None,
            credentials: RequestCredentials::SameOrigin,
            cache: RequestCache::Default,
            timeout_ms: FILE_TIMEOUT_MS,
        }
    }
}

/// An answer: its status, the `Retry-After` header when readable, and its body.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// `Retry-After`, when the server exposed it.
    pub retry_after: Option<String>,
    response: Response,
}

/// A request on its way.
pub struct Started {
    response: JsFuture,
    timer: Timer,
}

/// The time-out of a request whose body is still to be read.
pub struct Timer {
    handle: i32,
    timeout_ms: u32,
}

impl Timer {
    fn failed(&self, e: &JsValue) -> String {
        self.clear();
        let aborted = e
            .dyn_ref::<js_sys::Error>()
            .is_some_and(|e| e.name() == "AbortError");
        if aborted {
            crate::tr!("fetch-timeout", seconds = self.timeout_ms / 1000)
        } else {
            describe(e)
        }
    }

    fn clear(&self) {
        if let Some(w) = web_sys::window() {
            w.clear_timeout_with_handle(self.handle);
        }
    }
}

/// Sends `request` now. The error is a one-line description.
pub fn start(request: &Request<'_>) -> Result<Started, String> {
    let window = web_sys::window().ok_or_else(|| crate::tr!("web-no-window"))?;
    let init = RequestInit::new();
    init.set_method(request.method);
    init.set_cache(request.cache);
    init.set_credentials(request.credentials);
    init.set_mode(RequestMode::Cors);
    if !request.headers.is_empty() {
        let headers = Headers::new().map_err(|e| describe(&e))?;
        for (name, value) in request.headers {
            headers.set(name, value).map_err(|e| describe(&e))?;
        }
        init.set_headers(&headers);
    }
    if let Some(body) = request.body {
        init.set_body(&JsValue::from_str(body));
    }
    let controller = AbortController::new().map_err(|e| describe(&e))?;
    init.set_signal(Some(&controller.signal()));
    let abort = Closure::once_into_js(move || controller.abort());
    let handle = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            abort.unchecked_ref(),
            i32::try_from(request.timeout_ms).unwrap_or(i32::MAX),
        )
        .map_err(|e| describe(&e))?;
    Ok(Started {
        response: JsFuture::from(window.fetch_with_str_and_init(request.url, &init)),
        timer: Timer {
            handle,
            timeout_ms: request.timeout_ms,
        },
    })
}

impl Started {
    /// Waits for the answer's head (any status).
    pub async fn answer(self) -> Result<(Answer, Timer), String> {
        let Started { response, timer } = self;
        let resp = response.await.map_err(|e| timer.failed(&e))?;
        let response: Response = resp.dyn_into().map_err(|_| {
            timer.clear();
            crate::tr!("fetch-not-response")
        })?;
        let retry_after = response.headers().get("Retry-After").ok().flatten();
        Ok((
            Answer {
                status: response.status(),
                retry_after,
                response,
            },
            timer,
        ))
    }
}

impl Answer {
    /// Reads the body as text, still under the request's time-out:
    /// `(status, Retry-After, body)`.
    pub async fn text(self, timer: Timer) -> Result<(u16, Option<String>, String), String> {
        let body = self.response.text().map_err(|e| timer.failed(&e))?;
        let text = JsFuture::from(body).await.map_err(|e| timer.failed(&e))?;
        timer.clear();
        let text = text
            .as_string()
            .ok_or_else(|| crate::tr!("fetch-not-text"))?;
        Ok((self.status, self.retry_after, text))
    }

    /// Reads the body as bytes, still under the request's time-out.
    pub async fn bytes(self, timer: Timer) -> Result<Vec<u8>, String> {
        let body = self.response.array_buffer().map_err(|e| timer.failed(&e))?;
        let buffer = JsFuture::from(body).await.map_err(|e| timer.failed(&e))?;
        timer.clear();
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }
}

/// Sends `request` and reads its answer as text: `(status, Retry-After, body)`.
#[cfg(feature = "graph")]
pub async fn send(request: &Request<'_>) -> Result<(u16, Option<String>, String), String> {
    let (answer, timer) = start(request)?.answer().await?;
    answer.text(timer).await
}

/// `cannot load {path}: {error}`.
fn cannot_load(path: &str, error: &dyn std::fmt::Display) -> String {
    crate::tr!("fetch-cannot-load", path = path, error = error)
}

/// `cannot read {path}: {error}`.
fn cannot_read(path: &str, error: &dyn std::fmt::Display) -> String {
    crate::tr!("fetch-cannot-read", path = path, error = error)
}

/// `the web server answered HTTP {status} {text}`.
fn http_status(status: u16, text: &str) -> String {
    crate::tr!("fetch-http-status", status = status, text = text)
}

/// `cannot load {path}: the web server answered HTTP 404 Not Found` (for 410 too).
fn not_found(path: &str) -> String {
    cannot_load(path, &http_status(404, "Not Found"))
}

/// Fetches a file beside the page: its bytes, or why not (naming the file).
async fn file(path: &str, cache: RequestCache) -> Result<(Answer, Timer), String> {
    file_or_missing(path, cache)
        .await?
        .ok_or_else(|| not_found(path))
}

/// Like [`file`], but `None` when the server says the file is not there (404, 410).
async fn file_or_missing(
    path: &str,
    cache: RequestCache,
) -> Result<Option<(Answer, Timer)>, String> {
    let request = Request {
        cache,
        ..Request::get(path)
    };
    let started = start(&request).map_err(|e| cannot_load(path, &e))?;
    let (answer, timer) = started.answer().await.map_err(|e| cannot_load(path, &e))?;
    let content_type = answer.response.headers().get("Content-Type").ok().flatten();
    let found = judge(
        path,
        answer.status,
        &answer.response.status_text(),
        content_type.as_deref(),
    );
    match found {
        Ok(true) => Ok(Some((answer, timer))),
        Ok(false) => {
            timer.clear();
            Ok(None)
        }
        Err(e) => {
            timer.clear();
            Err(e)
        }
    }
}

/// What an answer for the file `path` says: `Ok(true)`, the file; `Ok(false)`, not
/// there (404, 410); an error naming the file otherwise: another status than 2xx, or an
/// HTML page (an IIS custom error page, or a fallback to index.html, answered 200).
fn judge(
    path: &str,
    status: u16,
    status_text: &str,
    content_type: Option<&str>,
) -> Result<bool, String> {
    if matches!(status, 404 | 410) {
        return Ok(false);
    }
    if !(200..300).contains(&status) {
        return Err(cannot_load(path, &http_status(status, status_text)));
    }
    let html =
        content_type.is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if html {
        return Err(cannot_load(
            path,
            &crate::tr!("fetch-html-page", path = path),
        ));
    }
    Ok(true)
}

/// The file `boot.js` reads before the module starts (see `www/boot.js`).
pub const READ_BY_BOOT: &str = "config.json";

/// [`READ_BY_BOOT`] as `boot.js` read it, handed over by `main.js`: an object with the
/// answer's `status`, `statusText`, `type` and `text`, or `timeout` (seconds) or
/// `error` (a description) when there is no answer. Its text, or the error the module's
/// own fetch would give ([`text`]); `None` when `read` is not such an object (boot.js did
/// not read it: then fetch it).
pub fn read_by_boot(read: &JsValue) -> Option<Result<String, String>> {
    if !read.is_object() {
        return None;
    }
    let path = READ_BY_BOOT;
    let field = |name: &str| js_sys::Reflect::get(read, &JsValue::from_str(name)).ok();
    if let Some(seconds) = field("timeout").and_then(|v| v.as_f64()) {
        let timeout = crate::tr!("fetch-timeout", seconds = seconds.round() as u32);
        return Some(Err(cannot_load(path, &timeout)));
    }
    if let Some(error) = field("error").and_then(|v| v.as_string()) {
        return Some(Err(cannot_load(path, &error)));
    }
    let status = field("status").and_then(|v| v.as_f64())?;
    let status = u16::try_from(status as u32).unwrap_or(0);
    let status_text = field("statusText")
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let content_type = field("type").and_then(|v| v.as_string());
    let text = field("text").and_then(|v| v.as_string());
    Some(
        match judge(path, status, &status_text, content_type.as_deref()) {
            Ok(true) => text.ok_or_else(|| cannot_read(path, &crate::tr!("fetch-not-text"))),
            Ok(false) => Err(not_found(path)),
            Err(e) => Err(e),
        },
    )
}

/// Fetches a file's bytes with the given cache mode.
pub async fn bytes(path: &str, cache: RequestCache) -> Result<Vec<u8>, String> {
    let (answer, timer) = file(path, cache).await?;
    answer.bytes(timer).await.map_err(|e| cannot_read(path, &e))
}

/// Fetches a file's bytes, or `None` when the server says it is not there.
pub async fn bytes_or_missing(path: &str, cache: RequestCache) -> Result<Option<Vec<u8>>, String> {
    match file_or_missing(path, cache).await? {
        None => Ok(None),
        Some((answer, timer)) => answer
            .bytes(timer)
            .await
            .map(Some)
            .map_err(|e| cannot_read(path, &e)),
    }
}

/// Fetches a text file, revalidating with the server (`config.json` changes).
pub async fn text(path: &str) -> Result<String, String> {
    let (answer, timer) = file(path, RequestCache::NoCache).await?;
    answer
        .text(timer)
        .await
        .map(|(_, _, t)| t)
        .map_err(|e| cannot_read(path, &e))
}

/// Waits `ms` milliseconds.
#[cfg(feature = "graph")]
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}
