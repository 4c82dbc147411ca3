//! Local HTTP servers for the demo, the end-to-end tests and the benchmarks, both on
//! `127.0.0.1`, each on its own port (so, two origins), each answering from a
//! background thread until dropped.
//!
//! - [`StaticServer`] serves a directory the way a careful production server would:
//!   the right MIME types (`application/wasm` above all, or the browser refuses to
//!   stream-compile), `Cache-Control: no-cache` for `index.html` and `config.json`,
//!   hashed names cached forever, `ETag` revalidation, the headers `web.config` asks
//!   IIS to add, 404 for anything missing, and no way out of the directory. A path can
//!   be overridden (another `config.json`, or none) without touching the files.
//! - [`MockItsm`] stands in for EasyVista: it records the path and raw query of every
//!   request and answers a small page saying where the browser landed.

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// One request, as a handler sees it.
pub(crate) struct Incoming {
    /// The method, as sent (`GET`, `POST`, `OPTIONS`, ...).
    pub(crate) method: String,
    /// The request target (path and query), exactly as sent.
    pub(crate) url: String,
    /// The header fields, names as sent, values trimmed.
    pub(crate) headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes, at most [`MAX_BODY`]; empty when none was sent).
    pub body: Vec<u8>,
}

impl Incoming {
    /// The first header field of that name (compared case-insensitively).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A handler's answer.
pub(crate) struct Reply {
    /// The status code.
    pub(crate) status: u16,
    /// The header fields (`Content-Length` and `Connection` are added when sent).
    pub(crate) headers: Vec<(String, String)>,
    /// The body.
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// An answer with this status and body, and no header yet.
    pub(crate) fn new(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header; one with a line break (from a hand-edited `web.config`) is left out.
    pub(crate) fn header(&mut self, name: &str, value: &str) {
        if !(name.is_empty() || name.contains(['\r', '\n', ':']) || value.contains(['\r', '\n'])) {
            self.headers.push((name.to_string(), value.to_string()));
        }
    }
}

type Handler = dyn Fn(&Incoming) -> Reply + Send + Sync;

/// How long a connection waits for data before checking whether the server stopped.
const POLL: Duration = Duration::from_millis(100);
/// The longest request head (request line and headers) accepted.
const MAX_HEAD: usize = 64 * 1024;
/// The longest request body accepted; a longer one is answered 413 and the connection
/// closed.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// An HTTP/1.1 server answering from background threads, one per connection, with
/// keep-alive; stops when dropped.
///
/// (It used to be tiny_http, whose thread pool can leave a new connection unserved
/// when a browser opens several at once: a page load then hung until the page-load
/// timeout, about one run in two of the benchmarks.)
pub(crate) struct Running {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    /// Listens on `127.0.0.1:port` (0: any free port) and hands every request to
    /// `handle`.
    pub(crate) fn start(
        port: u16,
        handle: impl Fn(&Incoming) -> Reply + Send + Sync + 'static,
    ) -> Result<Running> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let handle: Arc<Handler> = Arc::new(handle);
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                match stream {
                    Ok(stream) => {
                        let (handle, stopped) = (Arc::clone(&handle), Arc::clone(&stopped));
                        std::thread::spawn(move || serve_connection(stream, &*handle, &stopped));
                    }
                    // Out of file descriptors, say: let some connections end.
                    Err(_) => std::thread::sleep(POLL),
                }
            }
        });
        Ok(Running {
            port,
            stop,
            thread: Some(thread),
        })
    }

    /// The port listened on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread up.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads up to and including the blank line that ends a request head; `None` when the
/// client closed the connection, sent something too long, or the server stops.
fn read_head(reader: &mut BufReader<TcpStream>, stop: &AtomicBool) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    loop {
        // On a time-out, what was read stays in `head` and reading goes on.
        match reader.read_until(b'\n', &mut head) {
            Ok(0) => return None,
            Ok(_) => {
                if head == b"\r\n" || head == b"\n" {
                    // A stray line break between requests.
                    head.clear();
                } else if head.ends_with(b"\n\r\n") || head.ends_with(b"\n\n") {
                    return Some(head);
                } else if head.len() > MAX_HEAD {
                    return None;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) =>
            {
                if stop.load(Ordering::SeqCst) {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
}

/// Reads a request body of `len` bytes; `None` when the connection broke or the server
/// stops.
fn read_body(reader: &mut BufReader<TcpStream>, len: usize, stop: &AtomicBool) -> Option<Vec<u8>> {
    let mut body = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        match reader.read(&mut body[filled..]) {
            Ok(0) => return None,
            Ok(n) => filled += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if stop.load(Ordering::SeqCst) {
                    return None;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(body)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Answers the requests of one connection until the client closes it, asks for it to
/// be closed (`Connection: close`, or HTTP/1.0), or the server stops.
fn serve_connection(stream: TcpStream, handle: &Handler, stop: &AtomicBool) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(POLL));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(head) = read_head(&mut reader, stop) {
        let head = String::from_utf8_lossy(&head);
        let mut lines = head.lines();
        let mut request_line = lines.next().unwrap_or("").split(' ');
        let (Some(method), Some(url), Some(version)) = (
            request_line.next(),
            request_line.next(),
            request_line.next(),
        ) else {
            let _ = writer.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return;
        };
        let mut request = Incoming {
            method: method.to_string(),
            url: url.to_string(),
            headers: lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
                .collect(),
            body: Vec::new(),
        };
        let len = request
            .header("Content-Length")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        if len > MAX_BODY {
            let _ = writer.write_all(
                b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return;
        }
        match read_body(&mut reader, len, stop) {
            Some(body) => request.body = body,
            None => return,
        }
        let connection = request
            .header("Connection")
            .unwrap_or("")
            .to_ascii_lowercase();
        let keep_alive = if version == "HTTP/1.1" {
            !connection.contains("close")
        } else {
            connection.contains("keep-alive")
        };
        let reply = handle(&request);
        let mut out = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
        for (name, value) in &reply.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        let bodiless = reply.status == 304 || reply.status == 204;
        if !bodiless {
            out.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
        }
        if !keep_alive {
            out.push_str("Connection: close\r\n");
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if !bodiless && !request.method.eq_ignore_ascii_case("HEAD") {
            bytes.extend_from_slice(&reply.body);
        }
        if writer
            .write_all(&bytes)
            .and_then(|()| writer.flush())
            .is_err()
            || !keep_alive
        {
            return;
        }
    }
}

/// Locks `m`, even if a thread panicked while holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in a handler thread cannot leave these values half-updated.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What an overridden path answers.
#[derive(Clone, Debug)]
pub enum Override {
    /// This body, with this `Content-Type`.
    Body {
        /// The `Content-Type`.
        content_type: String,
        /// The body.
        body: Vec<u8>,
    },
    /// 404, as if the file did not exist.
    NotFound,
    /// This error status, with a short text body.
    Status(u16),
    /// No answer for this long (at most 30 s), or until the override is replaced, then
    /// 404: a server that hangs.
    Hang(Duration),
    /// The inner answer once, then the file (or the override before it) again.
    Once(Box<Override>),
}

/// The longest an [`Override::Hang`] waits.
const MAX_HANG: Duration = Duration::from_secs(30);

/// What a route answers: a body with its type, or a status.
enum Found {
    File(String, Vec<u8>),
    Status(u16),
}

/// One request the static server answered.
#[derive(Clone, Debug)]
pub struct Hit {
    /// The request target (path and query), as sent.
    pub url: String,
    /// The status answered.
    pub status: u16,
    /// When the request was read (the monotonic clock of this process).
    pub at: Instant,
}

struct StaticState {
    root: PathBuf,
    headers: Vec<(String, String)>,
    overrides: Mutex<HashMap<String, Override>>,
    hits: Mutex<Vec<Hit>>,
}

/// A static file server for one directory.
pub struct StaticServer {
    running: Running,
    state: Arc<StaticState>,
}

impl StaticServer {
    /// Serves `root` on `127.0.0.1:port` (0: any free port).
    pub fn start(root: &Path, port: u16) -> Result<StaticServer> {
        let root = root
            .canonicalize()
            .with_context(|| format!("cannot serve {}", root.display()))?;
        let headers = fs::read_to_string(root.join("web.config"))
            .map(|text| custom_headers(&text))
            .unwrap_or_default();
        let state = Arc::new(StaticState {
            root,
            headers,
            overrides: Mutex::new(HashMap::new()),
            hits: Mutex::new(Vec::new()),
        });
        let handler_state = Arc::clone(&state);
        let running = Running::start(port, move |request| serve_file(&handler_state, request))?;
        Ok(StaticServer { running, state })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.running.port)
    }

    /// Makes `path` (e.g. `/config.json`) answer `what` instead of the file; `None`
    /// restores the file.
    pub fn set_override(&self, path: &str, what: Option<Override>) {
        let mut map = lock(&self.state.overrides);
        match what {
            Some(o) => map.insert(path.to_string(), o),
            None => map.remove(path),
        };
    }

    /// Serves `text` as `/config.json`.
    pub fn set_config(&self, text: &str) {
        self.set_override(
            "/config.json",
            Some(Override::Body {
                content_type: "application/json".into(),
                body: text.as_bytes().to_vec(),
            }),
        );
    }

    /// The requests answered so far.
    pub fn hits(&self) -> Vec<Hit> {
        lock(&self.state.hits).clone()
    }
}

/// The headers in a `web.config`'s `<customHeaders>`: every `<add name="..." value="..."/>`.
pub fn custom_headers(web_config: &str) -> Vec<(String, String)> {
    let Some(start) = web_config.find("<customHeaders>") else {
        return Vec::new();
    };
    let section = &web_config[start..];
    let section = &section[..section.find("</customHeaders>").unwrap_or(section.len())];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let from = tag.find(&key)? + key.len();
        let len = tag[from..].find('"')?;
        Some(xml_unescape(&tag[from..from + len]))
    };
    section
        .split("<add ")
        .skip(1)
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value")?)))
        .collect()
}

fn xml_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Decodes `%XX` escapes; `None` on a malformed escape.
fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The path a request target names under the served directory, as `/`-joined
/// segments (`/` gives `/index.html`); `None` when it could leave the directory or is
/// not a plain name: `.` or `..` segments, an encoded `/` or `\`, NUL, a bad escape,
/// invalid UTF-8.
pub fn route(target: &str) -> Option<String> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let path = path.strip_prefix('/')?;
    let mut segments = Vec::new();
    for raw in path.split('/') {
        if raw.is_empty() {
            continue;
        }
        let segment = String::from_utf8(percent_decode(raw)?).ok()?;
        if segment == "."
            || segment == ".."
            || segment.contains(['/', '\\', '\0', ':'])
            || segment.chars().any(char::is_control)
        {
            return None;
        }
        segments.push(segment);
    }
    if path.is_empty() || path.ends_with('/') {
        segments.push("index.html".into());
    }
    Some(format!("/{}", segments.join("/")))
}

/// The `Content-Type` for a file name.
pub fn mime_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "css" => "text/css; charset=utf-8",
        "config" | "xml" => "application/xml",
        "txt" | "ftl" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// Whether a file name carries a content hash (`name-0123456789.ext`): such files never
/// change, so they may be cached forever.
fn is_hashed(name: &str) -> bool {
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Cache-Control` for a route.
fn cache_control(route: &str) -> &'static str {
    let name = route.rsplit('/').next().unwrap_or(route);
    if is_hashed(name) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

fn serve_file(state: &StaticState, request: &Incoming) -> Reply {
    let at = Instant::now();
    let target = request.url.clone();
    let method_ok = matches!(request.method.as_str(), "GET" | "HEAD");
    let etag_sent = request.header("If-None-Match").map(str::to_string);
    let found = if method_ok {
        route(&target).and_then(|r| lookup(state, &r).map(|found| (r, found)))
    } else {
        None
    };
    let mut reply = match found {
        None if !method_ok => Reply::new(405, "method not allowed\n"),
        None => Reply::new(404, "not found\n"),
        Some((_, Found::Status(status))) => Reply::new(status, "error\n"),
        Some((route, Found::File(content_type, body))) => {
            let digest = Sha256::digest(&body);
            let etag: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
            let etag = format!("\"{etag}\"");
            let mut reply = if etag_sent.as_deref() == Some(etag.as_str()) {
                Reply::new(304, Vec::new())
            } else {
                Reply::new(200, body)
            };
            reply.header("Content-Type", &content_type);
            reply.header("Cache-Control", cache_control(&route));
            reply.header("ETag", &etag);
            reply
        }
    };
    if reply.status >= 400 {
        reply.header("Content-Type", "text/plain; charset=utf-8");
        reply.header("Cache-Control", "no-store");
    }
    for (name, value) in &state.headers {
        reply.header(name, value);
    }
    lock(&state.hits).push(Hit {
        url: target,
        status: reply.status,
        at,
    });
    reply
}

/// The content type and body for `route`: an override, or a file under the root.
fn lookup(state: &StaticState, route: &str) -> Option<Found> {
    let taken = {
        let mut overrides = lock(&state.overrides);
        match overrides.get(route) {
            Some(Override::Once(_)) => match overrides.remove(route) {
                Some(Override::Once(inner)) => Some(*inner),
                other => other,
            },
            other => other.cloned(),
        }
    };
    if let Some(o) = taken {
        return match o {
            Override::Body { content_type, body } => Some(Found::File(content_type, body)),
            Override::NotFound => None,
            Override::Status(status) => Some(Found::Status(status)),
            Override::Hang(d) => {
                // Until the time is up or the case replaces the override: a browser may
                // still hold this request (a `<link rel="preload">` outlives the page's
                // own aborted fetch), and its HTTP cache makes the next request for the
                // same URL wait for it.
                let end = std::time::Instant::now() + d.min(MAX_HANG);
                while std::time::Instant::now() < end
                    && matches!(lock(&state.overrides).get(route), Some(Override::Hang(_)))
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                None
            }
            Override::Once(inner) => match *inner {
                Override::Body { content_type, body } => Some(Found::File(content_type, body)),
                Override::Status(status) => Some(Found::Status(status)),
                _ => None,
            },
        };
    }
    let path = state.root.join(route.trim_start_matches('/'));
    // Symbolic links could still point outside: compare the real paths.
    let real = path.canonicalize().ok()?;
    if !real.starts_with(&state.root) || !real.is_file() {
        return None;
    }
    let body = fs::read(&real).ok()?;
    Some(Found::File(mime_type(route).to_string(), body))
}

/// Escapes text for HTML content and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One request the mock ITSM received.
#[derive(Clone, Debug)]
pub struct Landing {
    /// The request target: path and raw query, exactly as the browser sent them.
    pub target: String,
    /// When the request was read (the monotonic clock of this process).
    pub at: Instant,
}

/// A stand-in for the ITSM: records every request, answers "Mock ITSM: landed on ...".
pub struct MockItsm {
    running: Running,
    landings: Arc<Mutex<Vec<Landing>>>,
}

impl MockItsm {
    /// Listens on `127.0.0.1:port` (0: any free port).
    pub fn start(port: u16) -> Result<MockItsm> {
        let landings = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&landings);
        let running = Running::start(port, move |request| {
            let at = Instant::now();
            let target = request.url.clone();
            // Browsers ask for an icon on their own; it is not a landing.
            if target == "/favicon.ico" {
                return Reply::new(404, Vec::new());
            }
            lock(&log).push(Landing {
                target: target.clone(),
                at,
            });
            let page = format!(
                "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>Mock ITSM</title></head>\n<body><p id=\"landed\">Mock ITSM: landed on {}</p></body></html>\n",
                html_escape(&target)
            );
            let mut reply = Reply::new(200, page);
            reply.header("Content-Type", "text/html; charset=utf-8");
            reply.header("Cache-Control", "no-store");
            reply
        })?;
        Ok(MockItsm { running, landings })
    }

    /// `http://127.0.0.1:<port>`, the origin `config.json` points at.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.running.port)
    }

    /// Every request received so far.
    pub fn landings(&self) -> Vec<Landing> {
        lock(&self.landings).clone()
    }

    /// How many requests were received so far.
    pub fn count(&self) -> usize {
        lock(&self.landings).len()
    }
}

/// What the tests of the servers built on [`Running`] share.
#[cfg(test)]
pub(crate) mod testing {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    /// An answer as a test sees it.
    pub(crate) struct Answer {
        pub(crate) status: u16,
        pub(crate) headers: Vec<(String, String)>,
        pub(crate) body: String,
    }

    impl Answer {
        /// The first header field of that name (compared case-insensitively).
        pub(crate) fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }

        /// The body as JSON.
        pub(crate) fn json(&self) -> serde_json::Value {
            serde_json::from_str(&self.body).unwrap()
        }
    }

    /// One raw HTTP/1.1 request on its own connection, so that nothing normalises the
    /// target on the way.
    pub(crate) fn request(
        port: u16,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Answer {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut head =
            format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if !body.is_empty() {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        s.write_all(format!("{head}\r\n{body}").as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8(raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let mut lines = head.lines();
        let status = lines.next().unwrap()[9..12].parse().unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        Answer {
            status,
            headers,
            body: body.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    /// A raw HTTP/1.0 GET, so that nothing normalises the path on the way.
    fn get(port: u16, target: &str, extra: &str) -> (u16, String, Vec<u8>) {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "GET {target} HTTP/1.0\r\nHost: x\r\n{extra}\r\n").unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let status = head[9..12].parse().unwrap();
        (status, head, raw[split + 4..].to_vec())
    }

    #[test]
    fn routes() {
        for (target, expected) in [
            ("/", Some("/index.html")),
            ("/?contactId=x", Some("/index.html")),
            ("/index.html?a=b#c", Some("/index.html")),
            ("/main-0123456789.js", Some("/main-0123456789.js")),
            ("//a///b.js", Some("/a/b.js")),
            ("/dir/", Some("/dir/index.html")),
            ("/a%20b.txt", Some("/a b.txt")),
            ("/..", None),
            ("/../Cargo.toml", None),
            ("/a/../../b", None),
            ("/%2e%2e/Cargo.toml", None),
            ("/%2E%2E%2fCargo.toml", None),
            ("/a%2Fb", None),
            ("/..%5cCargo.toml", None),
            ("/a%00", None),
            ("/a%zz", None),
            ("/a%", None),
            ("/%ff", None),
            ("/./index.html", None),
            ("/C:/x", None),
            ("index.html", None),
            ("http://evil/", None),
        ] {
            assert_eq!(route(target).as_deref(), expected, "{target}");
        }
    }

    #[test]
    fn mime_types_and_caching() {
        for (name, mime) in [
            ("lync_quickcall_bg-0123456789.wasm", "application/wasm"),
            ("main.js", "text/javascript; charset=utf-8"),
            ("config.json", "application/json"),
            ("index.html", "text/html; charset=utf-8"),
            ("style-abcdef0123.css", "text/css; charset=utf-8"),
            ("README", "application/octet-stream"),
        ] {
            assert_eq!(mime_type(name), mime, "{name}");
        }
        assert_eq!(cache_control("/index.html"), "no-cache");
        assert_eq!(cache_control("/config.json"), "no-cache");
        assert_eq!(
            cache_control("/main-0123456789.js"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_control("/main-01234567.js"), "no-cache");
    }

    #[test]
    fn web_config_headers() {
        let h = custom_headers(
            r#"<customHeaders>
                 <add name="X-Content-Type-Options" value="nosniff" />
                 <add name="Content-Security-Policy" value="default-src &apos;none&apos;" />
               </customHeaders><add name="Other" value="no" />"#,
        );
        assert_eq!(
            h,
            vec![
                ("X-Content-Type-Options".into(), "nosniff".into()),
                (
                    "Content-Security-Policy".into(),
                    "default-src 'none'".into()
                ),
            ]
        );
    }

    #[test]
    fn serves_a_directory_and_nothing_else() {
        let tmp = crate::cmd::TempDir::new("serve-test").unwrap();
        let root = tmp.path().join("site");
        fs::create_dir_all(&root).unwrap();
        fs::write(tmp.path().join("secret.txt"), "secret").unwrap();
        fs::write(root.join("index.html"), "<p>hi</p>").unwrap();
        fs::write(root.join("m-0123456789.wasm"), b"\0asm").unwrap();
        fs::write(root.join("config.json"), "{}").unwrap();
        fs::write(
            root.join("web.config"),
            r#"<customHeaders><add name="X-Content-Type-Options" value="nosniff" /></customHeaders>"#,
        )
        .unwrap();
        let server = StaticServer::start(&root, 0).unwrap();
        let port = server.running.port;

        let (status, head, body) = get(port, "/?contactId=sip:a@b.c", "");
        assert_eq!(status, 200);
        assert_eq!(body, b"<p>hi</p>");
        assert!(head.contains("text/html"), "{head}");
        assert!(head.contains("Cache-Control: no-cache"), "{head}");
        assert!(head.contains("X-Content-Type-Options: nosniff"), "{head}");

        let (status, head, _) = get(port, "/m-0123456789.wasm", "");
        assert_eq!(status, 200);
        assert!(head.contains("Content-Type: application/wasm"), "{head}");
        assert!(head.contains("immutable"), "{head}");

        let (status, head, _) = get(port, "/config.json", "");
        assert_eq!(status, 200);
        assert!(head.contains("Cache-Control: no-cache"), "{head}");
        let etag = head
            .lines()
            .find_map(|l| l.strip_prefix("ETag: "))
            .unwrap()
            .to_string();
        let (status, _, body) = get(port, "/config.json", &format!("If-None-Match: {etag}\r\n"));
        assert_eq!((status, body.len()), (304, 0));

        for evil in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/missing.js",
        ] {
            let (status, _, body) = get(port, evil, "");
            assert_eq!(status, 404, "{evil}");
            assert!(!String::from_utf8_lossy(&body).contains("secret"));
        }

        server.set_config(r#"{"x":1}"#);
        assert_eq!(get(port, "/config.json", "").2, br#"{"x":1}"#);
        server.set_override("/config.json", Some(Override::NotFound));
        assert_eq!(get(port, "/config.json", "").0, 404);
        server.set_override("/config.json", None);
        assert_eq!(get(port, "/config.json", "").2, b"{}");
        // A status; an answer given once; a hang, then 404.
        server.set_override("/config.json", Some(Override::Status(500)));
        assert_eq!(get(port, "/config.json", "").0, 500);
        server.set_override(
            "/config.json",
            Some(Override::Once(Box::new(Override::Status(503)))),
        );
        assert_eq!(get(port, "/config.json", "").0, 503);
        assert_eq!(get(port, "/config.json", "").2, b"{}");
        server.set_override(
            "/config.json",
            Some(Override::Hang(std::time::Duration::from_millis(300))),
        );
        let t = Instant::now();
        assert_eq!(get(port, "/config.json", "").0, 404);
        assert!(t.elapsed() >= std::time::Duration::from_millis(300));
        server.set_override("/config.json", None);
        assert!(server.hits().iter().any(|h| h.status == 304));
    }

    #[test]
    fn many_connections_at_once_and_keep_alive() {
        let mock = MockItsm::start(0).unwrap();
        let port = mock.running.port;
        // A browser opens several connections at once; every one is answered.
        let mut conns: Vec<TcpStream> = (0..12)
            .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
            .collect();
        for (i, c) in conns.iter_mut().enumerate() {
            c.set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .unwrap();
            write!(c, "GET /a{i} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        }
        for c in &mut conns {
            let mut buf = [0u8; 12];
            c.read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"HTTP/1.1 200");
        }
        // Two requests on one kept-alive connection, the second asking to close.
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(c, "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut raw = String::new();
        c.read_to_string(&mut raw).unwrap();
        assert_eq!(raw.matches("HTTP/1.1 200 OK").count(), 2, "{raw}");
        assert!(raw.contains("landed on /one") && raw.contains("landed on /two"));
        assert_eq!(mock.count(), 14);
        // HEAD: the headers only.
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(c, "HEAD /h HTTP/1.0\r\n\r\n").unwrap();
        let mut raw = String::new();
        c.read_to_string(&mut raw).unwrap();
        assert!(
            raw.starts_with("HTTP/1.1 200 OK\r\n") && raw.ends_with("\r\n\r\n"),
            "{raw}"
        );
    }

    #[test]
    fn the_mock_records_and_escapes() {
        let mock = MockItsm::start(0).unwrap();
        let (status, _, body) = get(
            mock.running.port,
            "/sso_samlindexlync.php?do_quickcall=1&url_requestor=a%40b.com&x=<b>",
            "",
        );
        assert_eq!(status, 200);
        let body = String::from_utf8(body).unwrap();
        assert!(
            body.contains("landed on /sso_samlindexlync.php?do_quickcall=1&amp;url_requestor=a%40b.com&amp;x=&lt;b&gt;"),
            "{body}"
        );
        get(mock.running.port, "/favicon.ico", "");
        let landings = mock.landings();
        assert_eq!(landings.len(), 1);
        assert_eq!(
            landings[0].target,
            "/sso_samlindexlync.php?do_quickcall=1&url_requestor=a%40b.com&x=<b>"
        );
    }

    #[test]
    fn bodies_are_read_and_bounded() {
        let server = Running::start(0, |r| Reply::new(200, r.body.clone())).unwrap();
        let port = server.port();
        let answer = testing::request(port, "POST", "/", &[], "a=1&b=2");
        assert_eq!((answer.status, answer.body.as_str()), (200, "a=1&b=2"));
        // Two requests with bodies on one kept-alive connection.
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(c, "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\noneGET / HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\ntwo").unwrap();
        let mut raw = String::new();
        c.read_to_string(&mut raw).unwrap();
        assert!(
            raw.contains("\r\n\r\none") && raw.ends_with("\r\n\r\ntwo"),
            "{raw}"
        );
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            c,
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        )
        .unwrap();
        let mut raw = String::new();
        c.read_to_string(&mut raw).unwrap();
        assert!(raw.starts_with("HTTP/1.1 413 "), "{raw}");
    }
}
