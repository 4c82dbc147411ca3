//! `lync-quickcall check` against deployments served on loopback: a good one, and one
//! broken variant per failure the command must explain. Each case runs the real binary.
//!
//! The deployment is built from `www/` the way `cargo xtask dist` builds it (the same
//! content-hashed names and rewritten references), except for the two files only the
//! WebAssembly build makes: the module is eight bytes with the WebAssembly magic
//! number and the glue a few lines naming it. That is enough: `check` fetches and
//! classifies them, it never runs them. The server is a minimal one written here (the
//! xtask server is not reachable from this crate's tests): the content types a careful
//! server sends, `Cache-Control` as the shipped `web.config` asks, its custom headers,
//! and the faults each case needs.
#![cfg(not(target_arch = "wasm32"))]
// Helpers outside `#[test]` functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{www, Fixed, TempDir};

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use lync_quickcall::published::{
    build, BuildOptions, DirectoryEntries, ExportUser, Fresh, Match, MANIFEST_FILE,
};
use lync_quickcall::{Contact, PublicKey};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------------
// The deployment.

/// The example config.json with the example's placeholders replaced, as an
/// administrator would deploy it (`check` fails on placeholders).
fn good_config() -> String {
    www("config.json")
        .replace("companyname.easyvista.com", "contoso.easyvista.com")
        .replace("itsm.example", "itsm.contoso.com")
        .replace("field1=5C0F051E580F056F19", "field1=7A0F051E580F056F42")
}

/// `stem-<10 hex digits of SHA-256>.ext`, as `cargo xtask dist` names files.
fn hashed(name: &str, content: &[u8]) -> String {
    let hex: String = Sha256::digest(content)[..5]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (stem, ext) = name.rsplit_once('.').unwrap();
    format!("{stem}-{hex}.{ext}")
}

/// The names of the hashed files of a deployment.
struct Names {
    boot: String,
    wasm: String,
}

/// Writes a deployment of the page into `dir`, with `config` as `config.json`.
fn deploy(dir: &Path, config: &str) -> Names {
    let put = |name: &str, content: &[u8]| std::fs::write(dir.join(name), content).unwrap();
    // A stand-in for the module: the WebAssembly magic number and version.
    let wasm: &[u8] = b"\0asm\x01\0\0\0";
    let wasm_name = hashed("lync_quickcall_bg.wasm", wasm);
    // A stand-in for main.js as `cargo xtask dist` bundles it with wasm-bindgen's glue
    // (esbuild, minified): both name the module.
    let main = format!(
        "function r(){{}}async function i(m){{m===void 0&&(m=new URL(\"{wasm_name}\",import.meta.url))}}\
         i({{module_or_path:new URL(\"./{wasm_name}\",import.meta.url)}}).then(r);export{{r as __panicForTest}};\n"
    );
    let main_name = hashed("main.js", main.as_bytes());
    let boot = www("boot.js");
    let boot_name = hashed("boot.js", boot.as_bytes());
    let style = www("style.css");
    let style_name = hashed("style.css", style.as_bytes());
    let index = www("index.html")
        .replace("\"style.css\"", &format!("\"{style_name}\""))
        .replace("\"boot.js\"", &format!("\"{boot_name}\""))
        .replace("\"main.js\"", &format!("\"{main_name}\""))
        .replace("\"lync_quickcall_bg.wasm\"", &format!("\"{wasm_name}\""));
    for name in [&style_name, &boot_name, &main_name, &wasm_name] {
        assert!(index.contains(name.as_str()) || main.contains(name.as_str()));
    }
    put("index.html", index.as_bytes());
    put(&style_name, style.as_bytes());
    put(&boot_name, boot.as_bytes());
    put(&main_name, main.as_bytes());
    put(&wasm_name, wasm);
    put("config.json", config.as_bytes());
    put("web.config", www("web.config").as_bytes());
    std::fs::create_dir_all(dir.join("locales")).unwrap();
    for code in ["en", "fr"] {
        let catalogue = format!("{}/locales/{code}.ftl", env!("CARGO_MANIFEST_DIR"));
        put(
            &format!("locales/{code}.ftl"),
            &std::fs::read(catalogue).unwrap(),
        );
    }
    Names {
        boot: boot_name,
        wasm: wasm_name,
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The key that signs the tests' exports, and its public half.
fn signing_key() -> (SigningKey, String) {
    let k = SigningKey::from_bytes(&[42; 32]);
    let public = PublicKey::of(&k).to_string();
    (k, public)
}

/// Signs a small export, made `age` seconds ago and valid `days`, into
/// `dir/directory/`: `sip:jdoe@contoso.com` is `john.doe@contoso.com`, and two people
/// share `tel:+33140000000`.
fn publish_export(dir: &Path, age: u64, days: u64) {
    let (key, _) = signing_key();
    let mut keys = HashMap::new();
    keys.insert(
        Contact::parse("sip:jdoe@contoso.com").unwrap(),
        vec![Match {
            user: 0,
            attribute: 0,
        }],
    );
    keys.insert(
        Contact::parse("tel:+33140000000").unwrap(),
        vec![
            Match {
                user: 0,
                attribute: 1,
            },
            Match {
                user: 1,
                attribute: 1,
            },
        ],
    );
    let entries = DirectoryEntries {
        users: vec![
            ExportUser {
                user_id: "john.doe@contoso.com".into(),
                display_name: Some("John Doe".into()),
            },
            ExportUser {
                user_id: "helene.lefevre@contoso.com".into(),
                display_name: Some("Hélène Lefèvre".into()),
            },
        ],
        attributes: vec![
            "msRTCSIP-PrimaryUserAddress".into(),
            "telephoneNumber".into(),
        ],
        keys,
    };
    // Export id and salt 0x5c...: the export folder is 5c5c...5c.
    let fresh = Fresh::generate(&mut Fixed(0x5c));
    let published = build(&entries, &BuildOptions::new(now() - age, days), fresh, &key).unwrap();
    let folder = dir.join("directory");
    for (path, bytes) in &published.shards {
        let file = folder.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, bytes).unwrap();
    }
    std::fs::write(folder.join(MANIFEST_FILE), &published.manifest).unwrap();
}

/// Copies the committed (long expired) export of `tests/fixtures/export/`.
fn copy_fixture_export(dir: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/export");
    let to = dir.join("directory");
    let shards = "01010101010101010101010101010101";
    std::fs::create_dir_all(to.join(shards)).unwrap();
    std::fs::copy(from.join(MANIFEST_FILE), to.join(MANIFEST_FILE)).unwrap();
    for i in 0..4 {
        let name = format!("{shards}/{i:04}.json");
        std::fs::copy(from.join(&name), to.join(&name)).unwrap();
    }
}

/// The example config.json with another `directory`.
fn config_with_directory(directory: &str) -> String {
    let example = good_config();
    let at = example.find("\"directory\"").unwrap();
    let end = at + example[at..].find('}').unwrap() + 1;
    format!(
        "{}\"directory\": {directory}{}",
        &example[..at],
        &example[end..]
    )
}

fn export_config(public_key: &str) -> String {
    config_with_directory(&format!(
        r#"{{ "source": "export", "path": "directory/", "public_keys": ["{public_key}"] }}"#
    ))
}

// ---------------------------------------------------------------------------------
// The server.

/// What the server does differently from a careful production server.
#[derive(Clone, Default)]
struct Faults {
    /// `Content-Type` by file extension, instead of the right one.
    types: Vec<(&'static str, &'static str)>,
    /// `Cache-Control` by path, instead of what `web.config` asks.
    cache: Vec<(&'static str, &'static str)>,
    /// Answer 404 to a query longer than this, as IIS does over its `maxQueryString`.
    max_query: Option<usize>,
    /// Replace the `web.config` headers by these.
    headers: Option<Vec<(&'static str, &'static str)>>,
}

/// A static file server on `127.0.0.1`, one thread per connection, one request per
/// connection; stops when dropped.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(root: &Path, faults: Faults) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let root = root.to_path_buf();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let (root, faults) = (root.clone(), faults.clone());
                    std::thread::spawn(move || serve(stream, &root, &faults));
                }
            }
        });
        Server {
            port,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map_or("", |(_, e)| e) {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// The `<add name="..." value="..." />` of `web.config`'s `<customHeaders>`.
fn web_config_headers(root: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root.join("web.config")).unwrap_or_default();
    let Some(start) = text.find("<customHeaders>") else {
        return Vec::new();
    };
    let section = &text[start..text.find("</customHeaders>").unwrap_or(text.len())];
    let attr = |tag: &str, name: &str| {
        let key = format!("{name}=\"");
        let from = tag.find(&key)? + key.len();
        let len = tag[from..].find('"')?;
        Some(
            tag[from..from + len]
                .replace("&apos;", "'")
                .replace("&quot;", "\""),
        )
    };
    section
        .split("<add ")
        .skip(1)
        .filter_map(|t| Some((attr(t, "name")?, attr(t, "value")?)))
        .collect()
}

fn serve(mut stream: TcpStream, root: &Path, faults: &Faults) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        // Not HTTP (a TLS handshake, say): answer at once, as a server would.
        if !head.starts_with(b"GET ") && head.len() >= 4 {
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return;
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let target = head.split(' ').nth(1).unwrap_or("/").to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut path = path.to_string();
    if path.ends_with('/') {
        path.push_str("index.html");
    }
    let file = root.join(path.trim_start_matches('/'));
    let mut headers: Vec<(String, String)> = match &faults.headers {
        Some(h) => h
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        None => web_config_headers(root),
    };
    let too_long = faults.max_query.is_some_and(|max| query.len() > max);
    let (status, body) = match std::fs::read(&file) {
        Ok(body) if !too_long && !path.contains("..") => {
            let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
            let ct = faults
                .types
                .iter()
                .find(|(e, _)| *e == ext)
                .map_or(content_type(&path), |(_, t)| *t);
            let hashed = path
                .rsplit_once('.')
                .and_then(|(stem, _)| stem.rsplit_once('-'))
                .is_some_and(|(_, h)| h.len() == 10 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            let cache = faults
                .cache
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, c)| c.to_string())
                .unwrap_or_else(|| {
                    if hashed {
                        "public, max-age=31536000, immutable".into()
                    } else {
                        "no-cache".into()
                    }
                });
            headers.push(("Content-Type".into(), ct.into()));
            headers.push(("Cache-Control".into(), cache));
            ("200 OK", body)
        }
        _ if too_long => (
            "404 Not Found",
            b"<h3>HTTP Error 404.15 - Not Found</h3> The request filtering module is configured to deny a request where the query string is too long.".to_vec(),
        ),
        _ => ("404 Not Found", b"not found".to_vec()),
    };
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (n, v) in &headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    let _ = stream.write_all(&bytes);
}

// ---------------------------------------------------------------------------------
// Running the command.

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn check(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_lync-quickcall"))
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

impl Run {
    /// The line of check `name` (the first whose name starts so).
    fn line(&self, name: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l.get(9..).is_some_and(|rest| rest.starts_with(name)))
            .unwrap_or_else(|| panic!("no line for {name}:\n{}", self.stdout))
    }

    #[track_caller]
    fn failed_with(&self, name: &str, words: &[&str]) {
        assert_eq!(self.code, 1, "{}\n{}", self.stdout, self.stderr);
        let line = self.line(name);
        assert!(line.starts_with("FAILED   "), "{line}\n\n{}", self.stdout);
        let text = self.block(name);
        for w in words {
            assert!(text.contains(w), "{w:?} not in:\n{text}\n\n{}", self.stdout);
        }
        assert!(self.stderr.contains("checks failed"), "{}", self.stderr);
    }

    /// The line of check `name` with its continuation lines.
    fn block(&self, name: &str) -> String {
        let mut lines = self
            .stdout
            .lines()
            .skip_while(|l| !l.get(9..).is_some_and(|rest| rest.starts_with(name)));
        let mut out = lines.next().unwrap_or("").to_string();
        for l in lines.take_while(|l| l.starts_with("           ")) {
            out.push('\n');
            out.push_str(l);
        }
        out
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

// ---------------------------------------------------------------------------------
// The cases.

#[test]
fn a_good_deployment_passes_every_check() {
    let dir = TempDir::new("good");
    let names = deploy(&dir.0, &good_config());
    let server = Server::start(&dir.0, Faults::default());
    for page in [server.url("/"), server.url("/index.html")] {
        let run = check(&[&page]);
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        assert!(
            !run.stdout.contains("FAILED") && !run.stdout.contains("warning  "),
            "{}",
            run.stdout
        );
        for name in [
            "page",
            "style style-",
            "module main-",
            &format!("wasm {}", names.wasm),
            &format!("script {}", names.boot),
            "config.json",
            "words",
            "profile production",
            "profile db50004",
            "directory",
            "content-security-policy",
            "nosniff",
            "cache index.html",
            "cache config.json",
            "cache files",
            "long query",
        ] {
            assert!(
                run.line(name).starts_with("ok       "),
                "{name}: {}",
                run.stdout
            );
        }
        assert!(run.line("long query").contains("2"), "{}", run.stdout);
    }
    // The contact, and the JSON document for monitoring.
    let run = check(&[
        &server.url("/"),
        "--contact",
        "sip:John.Doe@contoso.com",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["status"], "ok", "{v:#}");
    assert_eq!(v["counts"]["failed"], 0);
    let checks = v["checks"].as_array().unwrap();
    assert!(checks.len() >= 18, "{v:#}");
    for c in checks {
        assert!(c["name"].is_string() && c["message"].is_string(), "{c}");
        assert_eq!(c["status"], "ok", "{c}");
    }
    assert_eq!(
        v["sample"]["target"],
        "https://contoso.easyvista.com/sso_samlindexlync.php?do_quickcall=1&url_requestor=john.doe%40contoso.com"
    );
    assert_eq!(v["sample"]["profile"], "production");
    // Another profile.
    let run = check(&[
        &server.url("/"),
        "--contact",
        "sip:john.doe@contoso.com",
        "--profile",
        "db50004",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("would open https://contoso.easyvista.com/autoconnect_mail.php?field1=7A0F051E580F056F42&field2=&field4=%7B90D54E77-40A5-4F0F-8029-5A7A05F5814D%7D&field5=ViewDialog&field6=john.doe%40contoso.com"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_signed_export_is_verified_and_resolves_the_contact() {
    let dir = TempDir::new("export");
    let (_, public) = signing_key();
    deploy(&dir.0, &export_config(&public));
    publish_export(&dir.0, 1800, 7);
    let server = Server::start(&dir.0, Faults::default());
    let run = check(&[&server.url("/"), "--contact", "sip:jdoe@contoso.com"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let manifest = run.line("export manifest");
    assert!(manifest.starts_with("ok       "), "{manifest}");
    for w in [
        "signature valid",
        &public,
        "directory.public_keys[0]",
        "5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c",
        "2 users (2 keys)",
        "1 shard(s)",
        "6 days 23 h left",
    ] {
        assert!(manifest.contains(w), "{w}: {manifest}");
    }
    assert!(
        run.line("export shard").starts_with("ok       "),
        "{}",
        run.stdout
    );
    assert!(
        run.line("cache manifest.json").starts_with("ok       "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("would open https://contoso.easyvista.com/sso_samlindexlync.php?do_quickcall=1&url_requestor=john.doe%40contoso.com"),
        "{}",
        run.stdout
    );
    assert!(
        run.line("contact")
            .contains("matched by msRTCSIP-PrimaryUserAddress"),
        "{}",
        run.stdout
    );
    // A shared number: the chooser.
    let run = check(&[
        &server.url("/"),
        "--contact",
        "tel:+33 1 40 00 00 00",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let v = run.json();
    let message = v["sample"]["message"].as_str().unwrap();
    assert!(
        message.contains("chooser") && message.contains("Hélène Lefèvre"),
        "{message}"
    );
    assert!(v["sample"]["target"].is_null());
    // Unknown: the profile's unknown-contact page.
    let run = check(&[&server.url("/"), "--contact", "sip:nobody@contoso.com"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let line = run.line("contact");
    assert!(
        line.contains("not in the directory")
            && line.ends_with("https://contoso.easyvista.com/sso_samlindex.php"),
        "{line}"
    );
}

#[test]
fn an_export_about_to_expire_is_a_warning() {
    let dir = TempDir::new("expiring");
    let (_, public) = signing_key();
    deploy(&dir.0, &export_config(&public));
    // Made almost six days ago, valid seven: a day and half an hour left.
    publish_export(&dir.0, 6 * 86_400 - 1800, 7);
    let server = Server::start(&dir.0, Faults::default());
    let run = check(&[&server.url("/")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let line = run.line("export manifest");
    assert!(line.starts_with("warning  "), "{line}");
    assert!(
        line.contains("only 1 day left") && line.contains("scheduled task"),
        "{line}"
    );
}

#[test]
fn a_wasm_module_of_the_wrong_content_type_fails() {
    let dir = TempDir::new("wasm-type");
    let names = deploy(&dir.0, &good_config());
    let server = Server::start(
        &dir.0,
        Faults {
            types: vec![("wasm", "application/octet-stream")],
            ..Faults::default()
        },
    );
    let run = check(&[&server.url("/")]);
    run.failed_with(
        &format!("wasm {}", names.wasm),
        &[
            &server.url(&format!("/{}", names.wasm)),
            "'application/octet-stream' instead of application/wasm",
            r#"<mimeMap fileExtension=".wasm" mimeType="application/wasm" />"#,
            "types { application/wasm wasm; }",
        ],
    );
    assert_eq!(run.stdout.matches("FAILED").count(), 1, "{}", run.stdout);
}

#[test]
fn a_missing_script_or_page_fails() {
    let dir = TempDir::new("missing-script");
    let names = deploy(&dir.0, &good_config());
    std::fs::remove_file(dir.0.join(&names.boot)).unwrap();
    let server = Server::start(&dir.0, Faults::default());
    let run = check(&[&server.url("/")]);
    run.failed_with(
        &format!("script {}", names.boot),
        &[
            &server.url(&format!("/{}", names.boot)),
            "HTTP 404 Not Found (loaded by index.html)",
        ],
    );
    // The wrong folder: nothing else is checked.
    let run = check(&[&server.url("/elsewhere/")]);
    run.failed_with(
        "page",
        &[
            &server.url("/elsewhere/"),
            "HTTP 404",
            "nothing else was checked",
        ],
    );
    assert_eq!(run.stdout.matches("\n").count(), 4, "{}", run.stdout);
}

#[test]
fn missing_words_fail() {
    let dir = TempDir::new("missing-words");
    deploy(&dir.0, &good_config());
    std::fs::remove_file(dir.0.join("locales/fr.ftl")).unwrap();
    let server = Server::start(&dir.0, Faults::default());
    let run = check(&[&server.url("/")]);
    run.failed_with(
        "words",
        &[
            &server.url("/locales/fr.ftl"),
            "HTTP 404",
            "copy the `locales` folder",
        ],
    );
}

#[test]
fn a_bad_config_fails_with_check_configs_message() {
    let dir = TempDir::new("bad-config");
    let config = good_config().replace("&field6=morley", "");
    deploy(&dir.0, &config);
    let server = Server::start(&dir.0, Faults::default());
    let run = check(&[&server.url("/"), "--contact", "sip:a@contoso.com"]);
    run.failed_with(
        "config.json",
        &[
            &format!(
                "{} is not usable: config.json, field 'profiles.db50004.link'",
                server.url("/config.json")
            ),
            "has no field6 parameter; paste the whole link that EasyVista generated",
        ],
    );
    assert!(
        run.line("contact").starts_with("FAILED   "),
        "{}",
        run.stdout
    );
    // Not JSON at all.
    std::fs::write(dir.0.join("config.json"), "{ \"itsm_url\": ").unwrap();
    let run = check(&[&server.url("/")]);
    run.failed_with("config.json", &["config.json is not valid"]);
}

#[test]
fn an_expired_export_fails() {
    let dir = TempDir::new("expired");
    // The committed fixture, signed by SigningKey::from_bytes(&[1; 32]), expired in 2025.
    deploy(
        &dir.0,
        &export_config("iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w="),
    );
    copy_fixture_export(&dir.0);
    let server = Server::start(&dir.0, Faults::default());
    let run = check(&[
        &server.url("/index.html"),
        "--contact",
        "sip:jdoe@contoso.com",
    ]);
    run.failed_with(
        "export manifest",
        &[
            &server.url("/directory/manifest.json"),
            "the directory export expired on 2025-06-22",
            "run `lync-quickcall export` again",
        ],
    );
    assert!(
        run.line("contact").contains("could not be verified"),
        "{}",
        run.stdout
    );
    // Its caching is checked all the same.
    assert!(
        run.line("cache manifest.json").starts_with("ok       "),
        "{}",
        run.stdout
    );
}

#[test]
fn a_tampered_or_foreign_export_fails() {
    let dir = TempDir::new("tampered");
    let (_, public) = signing_key();
    deploy(&dir.0, &export_config(&public));
    publish_export(&dir.0, 3600, 7);
    let manifest = dir.0.join("directory").join(MANIFEST_FILE);
    let good = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, good.replace("\"users\":2", "\"users\":3")).unwrap();
    let server = Server::start(&dir.0, Faults::default());
    let run = check(&[&server.url("/")]);
    run.failed_with(
        "export manifest",
        &[
            &server.url("/directory/manifest.json"),
            "signature does not match its content",
        ],
    );
    // A shard changed after signing.
    std::fs::write(&manifest, &good).unwrap();
    let shard = dir
        .0
        .join("directory/5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c/0000.json");
    let text = std::fs::read_to_string(&shard).unwrap();
    std::fs::write(&shard, text.replace("\"index\":0", "\"index\":00")).unwrap();
    let run = check(&[&server.url("/")]);
    run.failed_with(
        "export shard",
        &[
            &server.url("/directory/5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c/0000.json"),
            "signature does not match",
        ],
    );
    // Signed by a key config.json does not list.
    std::fs::write(&shard, &text).unwrap();
    let other = PublicKey::of(&SigningKey::from_bytes(&[9; 32])).to_string();
    std::fs::write(dir.0.join("config.json"), export_config(&other)).unwrap();
    let run = check(&[&server.url("/")]);
    run.failed_with(
        "export manifest",
        &["signed by a key not listed in config.json"],
    );
}

#[test]
fn a_missing_export_fails() {
    let dir = TempDir::new("no-export");
    let (_, public) = signing_key();
    deploy(&dir.0, &export_config(&public));
    let server = Server::start(&dir.0, Faults::default());
    let run = check(&[&server.url("/")]);
    run.failed_with(
        "export manifest",
        &[
            &server.url("/directory/manifest.json"),
            "HTTP 404",
            "there is no directory export there",
            "lync-quickcall export --out",
        ],
    );
}

#[test]
fn a_server_refusing_long_queries_fails() {
    let dir = TempDir::new("long-query");
    deploy(&dir.0, &good_config());
    let server = Server::start(
        &dir.0,
        Faults {
            max_query: Some(2048),
            ..Faults::default()
        },
    );
    let run = check(&[&server.url("/")]);
    run.failed_with(
        "long query",
        &[
            &server.url("/"),
            "HTTP 404 (404.15, query string too long)",
            r#"<requestLimits maxQueryString="16384" maxUrl="20480" />"#,
            "50 contacts",
        ],
    );
    assert_eq!(run.stdout.matches("FAILED").count(), 1, "{}", run.stdout);
}

#[test]
fn a_policy_that_blocks_the_page_fails_with_the_policy_to_use() {
    let dir = TempDir::new("csp");
    deploy(&dir.0, &good_config());
    let server = Server::start(
        &dir.0,
        Faults {
            headers: Some(vec![
                (
                    "Content-Security-Policy",
                    "default-src 'none'; script-src 'self'; connect-src 'self'",
                ),
                ("X-Content-Type-Options", "nosniff"),
            ]),
            ..Faults::default()
        },
    );
    let run = check(&[&server.url("/")]);
    run.failed_with(
        "content-security-policy",
        &[
            "script-src does not allow 'wasm-unsafe-eval'",
            "<add name=\"Content-Security-Policy\" value=\"default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'\" />",
            "script-src 'self' 'wasm-unsafe-eval'",
        ],
    );
    // Graph: the shipped policies lack its origins; the contact's requests are shown.
    let graph = config_with_directory(
        r#"{ "source": "graph", "tenant": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555" }"#,
    );
    std::fs::write(dir.0.join("config.json"), graph).unwrap();
    drop(server);
    let server = Server::start(&dir.0, Faults::default());
    let run = check(&[&server.url("/"), "--contact", "sip:jdoe@contoso.com"]);
    run.failed_with(
        "content-security-policy",
        &[
            "connect-src does not let the page reach https://login.microsoftonline.com, https://graph.microsoft.com",
            "the Content-Security-Policy header of",
            "the <meta> policy of",
            "connect-src 'self' https://login.microsoftonline.com https://graph.microsoft.com",
        ],
    );
    assert!(
        run.line("contact").contains("cannot sign in"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("GET https://graph.microsoft.com/v1.0/users?$filter=imAddresses"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("dryrun=1&contactId=sip%3Ajdoe%40contoso%2Ecom"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_page_cached_for_a_year_fails() {
    let dir = TempDir::new("cached");
    deploy(&dir.0, &good_config());
    let server = Server::start(
        &dir.0,
        Faults {
            cache: vec![
                ("/index.html", "public, max-age=31536000"),
                ("/config.json", "max-age=3600"),
            ],
            ..Faults::default()
        },
    );
    let run = check(&[&server.url("/index.html")]);
    run.failed_with(
        "cache index.html",
        &[
            "may be kept for 365 days",
            "Cache-Control: no-cache",
            "<location path=\"index.html\">",
        ],
    );
    assert!(
        run.line("cache config.json").starts_with("warning  "),
        "{}",
        run.stdout
    );
}

#[test]
fn unreachable_servers_say_why() {
    // A port nobody listens on.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let run = check(&[&format!("http://127.0.0.1:{port}/quickcall/")]);
    run.failed_with(
        "page",
        &[
            &format!("http://127.0.0.1:{port}/quickcall/"),
            &format!("the connection to 127.0.0.1:{port} was refused"),
        ],
    );
    // HTTPS to a server that speaks plain HTTP.
    let dir = TempDir::new("tls");
    deploy(&dir.0, &good_config());
    let server = Server::start(&dir.0, Faults::default());
    let https = server.url("/").replace("http://", "https://");
    let run = check(&[&https]);
    run.failed_with(
        "page",
        &[
            &format!("the TLS connection with 127.0.0.1:{} failed", server.port),
            "try http://",
        ],
    );
    // Not a web address at all.
    let run = check(&["intranet/quickcall"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("not an absolute URL"), "{}", run.stderr);
}

#[test]
fn the_examples_placeholders_fail_and_a_link_on_another_host_warns() {
    // The example config.json as shipped: its placeholders are errors, each named.
    let dir = TempDir::new("placeholders");
    deploy(&dir.0, &www("config.json"));
    let server = Server::start(&dir.0, Faults::default());
    let run = check(&[&server.url("/")]);
    run.failed_with(
        "config.json itsm_url",
        &[
            "config.json, field 'itsm_url': https://companyname.easyvista.com is a placeholder",
            "your EasyVista address",
        ],
    );
    for field in [
        "config.json profiles.db50004.link",
        "config.json profiles.other-itsm.url",
        "config.json profiles.other-itsm.fallback_url",
    ] {
        assert!(run.line(field).starts_with("FAILED   "), "{}", run.stdout);
    }
    assert!(
        run.line("config.json profiles.other-itsm.url")
            .contains("itsm.example is a name reserved for examples"),
        "{}",
        run.stdout
    );
    // Only the example's auto connection link left: still an error.
    std::fs::write(
        dir.0.join("config.json"),
        www("config.json")
            .replace("companyname.easyvista.com", "contoso.easyvista.com")
            .replace("itsm.example", "itsm.contoso.com"),
    )
    .unwrap();
    let run = check(&[&server.url("/")]);
    run.failed_with(
        "config.json profiles.db50004.link",
        &["the example's auto connection link (field1=5C0F051E580F056F19)"],
    );
    assert_eq!(run.stdout.matches("FAILED").count(), 1, "{}", run.stdout);
    // An auto connection link on another host than itsm_url: a warning with the fix.
    std::fs::write(
        dir.0.join("config.json"),
        good_config().replace(
            "https://contoso.easyvista.com/autoconnect_mail.php",
            "https://ev2.contoso.com/autoconnect_mail.php",
        ),
    )
    .unwrap();
    let run = check(&[&server.url("/")]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let line = run.block("config.json profiles.db50004.link");
    assert!(line.starts_with("warning  "), "{line}");
    for w in [
        "the auto connection link is on ev2.contoso.com but itsm_url is https://contoso.easyvista.com/",
        "unknown contacts contoso.easyvista.com",
        "set itsm_url to https://ev2.contoso.com",
    ] {
        assert!(line.contains(w), "{w}: {line}");
    }
}
