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
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use sha2::{Digest, Sha256};
use tiny_http::{Header, Method, Request, Response, Server};

/// A tiny_http server answering from a thread; stops when dropped.
struct Running {
    server: Arc<Server>,
    port: u16,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    /// Listens on `127.0.0.1:port` (0: any free port) and hands every request to
    /// `handle`, one at a time.
    fn start(port: u16, handle: impl Fn(Request) + Send + 'static) -> Result<Running> {
        let server = Server::http(("127.0.0.1", port))
            .map_err(|e| anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| anyhow!("the server has no IP address"))?;
        let server = Arc::new(server);
        let accept = Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for request in accept.incoming_requests() {
                handle(request);
            }
        });
        Ok(Running {
            server,
            port,
            thread: Some(thread),
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in a handler thread cannot leave these values half-updated.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
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
        "txt" => "text/plain; charset=utf-8",
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

fn serve_file(state: &StaticState, request: Request) {
    let at = Instant::now();
    let target = request.url().to_string();
    let method_ok = matches!(request.method(), Method::Get | Method::Head);
    let etag_sent = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("If-None-Match"))
        .map(|h| h.value.as_str().to_string());
    let found = if method_ok {
        route(&target).and_then(|r| lookup(state, &r).map(|found| (r, found)))
    } else {
        None
    };
    let (status, response) = match found {
        None if !method_ok => (405, Response::from_string("method not allowed\n")),
        None => (404, Response::from_string("not found\n")),
        Some((route, (content_type, body))) => {
            let digest = Sha256::digest(&body);
            let etag: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
            let etag = format!("\"{etag}\"");
            let response = if etag_sent.as_deref() == Some(etag.as_str()) {
                (304, Response::from_data(Vec::new()))
            } else {
                (200, Response::from_data(body))
            };
            let (status, mut response) = response;
            for h in [
                header("Content-Type", &content_type),
                header("Cache-Control", cache_control(&route)),
                header("ETag", &etag),
            ]
            .into_iter()
            .flatten()
            {
                response.add_header(h);
            }
            (status, response)
        }
    };
    let mut response = response.with_status_code(status);
    if status >= 400 {
        if let Some(h) = header("Cache-Control", "no-store") {
            response.add_header(h);
        }
    }
    for (name, value) in &state.headers {
        if let Some(h) = header(name, value) {
            response.add_header(h);
        }
    }
    lock(&state.hits).push(Hit {
        url: target,
        status,
        at,
    });
    let _ = request.respond(response);
}

/// The content type and body for `route`: an override, or a file under the root.
fn lookup(state: &StaticState, route: &str) -> Option<(String, Vec<u8>)> {
    if let Some(o) = lock(&state.overrides).get(route) {
        return match o {
            Override::Body { content_type, body } => Some((content_type.clone(), body.clone())),
            Override::NotFound => None,
        };
    }
    let path = state.root.join(route.trim_start_matches('/'));
    // Symbolic links could still point outside: compare the real paths.
    let real = path.canonicalize().ok()?;
    if !real.starts_with(&state.root) || !real.is_file() {
        return None;
    }
    let body = fs::read(&real).ok()?;
    Some((mime_type(route).to_string(), body))
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
            let target = request.url().to_string();
            // Browsers ask for an icon on their own; it is not a landing.
            if target == "/favicon.ico" {
                let _ = request.respond(Response::from_string("").with_status_code(404));
                return;
            }
            lock(&log).push(Landing {
                target: target.clone(),
                at,
            });
            let page = format!(
                "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>Mock ITSM</title></head>\n<body><p id=\"landed\">Mock ITSM: landed on {}</p></body></html>\n",
                html_escape(&target)
            );
            let mut response = Response::from_string(page);
            for h in [
                header("Content-Type", "text/html; charset=utf-8"),
                header("Cache-Control", "no-store"),
            ]
            .into_iter()
            .flatten()
            {
                response.add_header(h);
            }
            let _ = request.respond(response);
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
        assert!(server.hits().iter().any(|h| h.status == 304));
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
}
