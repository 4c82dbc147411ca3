//! The decisions of `lync-quickcall check`, as plain functions of what the server
//! answered: content types, caching, the Content-Security-Policy, the long query Lync
//! may send. No network here; `check.rs` fetches and hands the answers over.

use lync_quickcall::contact::MAX_CONTACTS;
use lync_quickcall::csp;

use super::html::Kind;
use super::report::Status;

/// The `<mimeMap>` line of the shipped `web.config` for the WebAssembly module.
pub const IIS_WASM_MIME: &str = r#"<mimeMap fileExtension=".wasm" mimeType="application/wasm" />"#;
/// The `<mimeMap>` line of the shipped `web.config` for JSON files.
pub const IIS_JSON_MIME: &str = r#"<mimeMap fileExtension=".json" mimeType="application/json" />"#;
/// The `<requestLimits>` line of the shipped `web.config`: room for the long query
/// of a conversation with many people.
pub const IIS_REQUEST_LIMITS: &str = r#"<requestLimits maxQueryString="16384" maxUrl="20480" />"#;
/// IIS's default `maxQueryString`, in bytes.
pub const IIS_DEFAULT_MAX_QUERY: usize = 2048;

/// A content type's essence: `text/html; charset=utf-8` gives `text/html`.
pub fn essence(content_type: Option<&str>) -> String {
    content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether an essence is a JavaScript MIME type (the HTML standard's list).
pub fn is_javascript(essence: &str) -> bool {
    matches!(
        essence,
        "text/javascript"
            | "application/javascript"
            | "application/x-javascript"
            | "application/ecmascript"
            | "application/x-ecmascript"
            | "text/ecmascript"
            | "text/x-ecmascript"
            | "text/x-javascript"
            | "text/jscript"
            | "text/livescript"
            | "text/javascript1.0"
            | "text/javascript1.1"
            | "text/javascript1.2"
            | "text/javascript1.3"
            | "text/javascript1.4"
            | "text/javascript1.5"
    )
}

/// Whether an essence is JSON (`application/json`, or any `+json` type).
pub fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

/// Whether an essence is HTML.
pub fn is_html(essence: &str) -> bool {
    essence == "text/html" || essence == "application/xhtml+xml"
}

/// `'text/plain'`, or `no Content-Type` when there was none.
fn shown_type(content_type: Option<&str>) -> String {
    match content_type {
        Some(t) if !t.trim().is_empty() => format!("'{}'", t.trim()),
        _ => "no Content-Type".into(),
    }
}

/// The magic number every WebAssembly module starts with.
const WASM_MAGIC: &[u8] = b"\0asm";

/// Judges one loaded file (answered 200) by its content type and first bytes: a
/// status and a message naming `url`, with the fix when it is wrong.
pub fn judge_file(
    kind: Kind,
    url: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> (Status, String) {
    let e = essence(content_type);
    let size = crate::cli::human_bytes(body.len());
    match kind {
        Kind::Wasm if e != "application/wasm" => (
            Status::Failed,
            format!(
                "{url} is served with {} instead of application/wasm, which the page's deployment \
                 requires: browsers refuse to compile the module as it downloads \
                 (WebAssembly.instantiateStreaming), so the page starts late, or not at all. \
                 IIS: deploy the shipped web.config, which has {IIS_WASM_MIME} \
                 (or add .wasm in IIS Manager > MIME Types); nginx: add \
                 `types {{ application/wasm wasm; }}` (or a recent mime.types)",
                shown_type(content_type)
            ),
        ),
        Kind::Wasm if !body.starts_with(WASM_MAGIC) => (
            Status::Failed,
            format!(
                "{url} is not a WebAssembly module (it does not start with \\0asm; {}): \
                 the server answers something else for it, such as an error or a login page; \
                 copy the dist folder again",
                describe_start(body)
            ),
        ),
        Kind::Script | Kind::Module if !is_javascript(&e) => (
            Status::Failed,
            format!(
                "{url} is served with {} instead of a JavaScript type (text/javascript): \
                 browsers refuse to run it{}; map .js to text/javascript (IIS: MIME Types; \
                 nginx: mime.types)",
                shown_type(content_type),
                if kind == Kind::Module {
                    " (module scripts are checked strictly)"
                } else {
                    " when X-Content-Type-Options is nosniff"
                }
            ),
        ),
        Kind::Style if e != "text/css" => (
            Status::Warning,
            format!(
                "{url} is served with {} instead of text/css: browsers ignore the style sheet \
                 and the page shows unstyled; map .css to text/css",
                shown_type(content_type)
            ),
        ),
        _ => (Status::Ok, format!("{url}: HTTP 200, {e}, {size}")),
    }
}

/// The start of a body, for a message: `it starts with '<!DOCTYPE html>...'`.
pub fn describe_start(body: &[u8]) -> String {
    if body.is_empty() {
        return "it is empty".into();
    }
    let text: String = String::from_utf8_lossy(&body[..body.len().min(40)])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("it starts with '{}'", text.trim())
}

/// The hint for a file that is not found, by kind: on IIS a missing MIME map answers
/// 404 (404.3) for a file that is there.
pub fn not_found_hint(kind: Kind, path: &str) -> String {
    let lower = path.to_ascii_lowercase();
    if kind == Kind::Wasm || lower.ends_with(".wasm") {
        format!(
            "copy every file of the dist folder; on IIS, a 404 (404.3) for a .wasm file that \
             is there means IIS has no MIME type for .wasm: deploy the shipped web.config ({IIS_WASM_MIME})"
        )
    } else if lower.ends_with(".json") {
        format!(
            "on IIS, a 404 (404.3) for a .json file that is there means IIS has no MIME type \
             for .json: deploy the shipped web.config ({IIS_JSON_MIME})"
        )
    } else {
        "copy every file of the dist folder (`cargo xtask dist`), index.html last".into()
    }
}

/// How a response may be cached, from its `Cache-Control`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caching {
    /// Revalidated (or not stored) every time: `no-cache`, `no-store`, `max-age=0`.
    Revalidated,
    /// No `Cache-Control` (or none that says how long): browsers guess
    /// (heuristic freshness, a fraction of the file's age).
    Heuristic,
    /// Fresh for this many seconds without asking the server.
    For(u64),
}

/// Reads `Cache-Control` (all the header's values, joined by commas).
pub fn caching(cache_control: Option<&str>) -> Caching {
    let Some(cc) = cache_control else {
        return Caching::Heuristic;
    };
    let mut max_age = None;
    for directive in cc.split(',') {
        let d = directive.trim().to_ascii_lowercase();
        let (name, value) = d.split_once('=').unwrap_or((d.as_str(), ""));
        match name.trim() {
            "no-cache" | "no-store" => return Caching::Revalidated,
            "max-age" => max_age = value.trim().trim_matches('"').parse::<u64>().ok(),
            _ => {}
        }
    }
    match max_age {
        Some(0) => Caching::Revalidated,
        Some(n) => Caching::For(n),
        None => Caching::Heuristic,
    }
}

/// `365 days`, `2 days 3 h`, `5 h`, `12 min`, `30 s`.
pub fn duration_words(secs: u64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    let days = |d: u64| format!("{d} day{}", if d == 1 { "" } else { "s" });
    match (d, h) {
        (0, 0) if m == 0 => format!("{secs} s"),
        (0, 0) => format!("{m} min"),
        (0, h) => format!("{h} h"),
        (d, 0) => days(d),
        (d, h) if d < 7 => format!("{} {h} h", days(d)),
        (d, _) => days(d),
    }
}

/// What a file is for, in the caching messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changing {
    /// `index.html`: a stale copy names scripts a later deployment removed.
    Page,
    /// `config.json` or the export's `manifest.json`: the page asks for a fresh copy
    /// itself (`cache: "no-cache"`), but nothing else does.
    Data,
}

/// Judges the caching of a file that changes in place (`index.html`, `config.json`,
/// `manifest.json`), served from `url` with `cache_control`; `fix` says where to set
/// `no-cache` for it.
pub fn judge_changing(
    what: Changing,
    url: &str,
    cache_control: Option<&str>,
    fix: &str,
) -> (Status, String) {
    let shown = cache_control.unwrap_or("none");
    match (caching(cache_control), what) {
        (Caching::Revalidated, _) => (
            Status::Ok,
            format!("{url} is revalidated on every load (Cache-Control: {shown})"),
        ),
        (Caching::For(secs), Changing::Page) => (
            Status::Failed,
            format!(
                "{url} may be kept for {} without asking the server (Cache-Control: {shown}): \
                 after the next deployment, browsers that kept it load script names that no \
                 longer exist, and the page breaks; serve it with Cache-Control: no-cache ({fix})",
                duration_words(secs)
            ),
        ),
        (Caching::Heuristic, Changing::Page) => (
            Status::Warning,
            format!(
                "{url} has no Cache-Control: browsers may keep it for a while on their own \
                 (heuristic caching), and after the next deployment load scripts that are gone; \
                 serve it with Cache-Control: no-cache ({fix})"
            ),
        ),
        (caching, Changing::Data) => (
            Status::Warning,
            format!(
                "{url} {} (Cache-Control: {shown}): the page asks for a fresh copy anyway, but \
                 proxies and other tools may keep an old one; serve it with Cache-Control: \
                 no-cache, as documented ({fix})",
                match caching {
                    Caching::For(secs) => format!("may be kept for {}", duration_words(secs)),
                    _ => "says nothing of caching".into(),
                }
            ),
        ),
    }
}

/// Whether a file name carries a content hash (`name-0123456789.ext`, as `cargo
/// xtask dist` names them): such a file never changes and may be cached forever.
pub fn is_hashed(name: &str) -> bool {
    let name = name.split(['?', '#']).next().unwrap_or(name);
    let name = name.rsplit('/').next().unwrap_or(name);
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The sources of directive `name` in `policy`, when it has it.
pub fn directive<'a>(policy: &'a str, name: &str) -> Option<Vec<&'a str>> {
    policy.split(';').find_map(|d| {
        let mut words = d.split_ascii_whitespace();
        words
            .next()
            .filter(|n| n.eq_ignore_ascii_case(name))
            .map(|_| words.collect())
    })
}

/// `'sha256-<base64>'`: the source that allows an inline `<script>` or `<style>` whose
/// text is exactly `text` (what `cargo xtask dist` puts in the shipped policies).
pub fn csp_hash(text: &str) -> String {
    use base64ct::Encoding as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!("'sha256-{}'", base64ct::Base64::encode_string(&digest))
}

/// Whether `sources` let an inline element with hash `hash` run: the hash itself, or
/// `'unsafe-inline'` when the sources name no hash or nonce (browsers then ignore it).
fn allows_inline(sources: &[&str], hash: &str) -> bool {
    let is_hash_or_nonce = |s: &&str| {
        let s = s.to_ascii_lowercase();
        ["'sha256-", "'sha384-", "'sha512-", "'nonce-"]
            .iter()
            .any(|p| s.starts_with(p))
    };
    sources.contains(&hash)
        || (!sources.iter().any(is_hash_or_nonce)
            && sources
                .iter()
                .any(|s| s.eq_ignore_ascii_case("'unsafe-inline'")))
}

/// `policy` whose directive `name` allows exactly the inline elements with `hashes`:
/// other `'sha256-...'` sources there (an earlier version's) dropped, these added.
fn with_hashes(policy: &str, name: &str, hashes: &[String]) -> String {
    let pruned: String = policy
        .split(';')
        .map(|d| {
            let mut words = d.split_ascii_whitespace();
            match words.next() {
                Some(n) if n.eq_ignore_ascii_case(name) => {
                    let kept: Vec<&str> = words
                        .filter(|w| {
                            !w.to_ascii_lowercase().starts_with("'sha256-")
                                || hashes.iter().any(|h| h == w)
                        })
                        .collect();
                    format!(" {n} {}", kept.join(" ")).trim_end().to_string()
                }
                _ => d.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(";");
    let pruned = pruned.trim_start().to_string();
    let refs: Vec<&str> = hashes.iter().map(String::as_str).collect();
    add_sources(&pruned, name, &refs)
}

/// The sources that govern `name` (`script-src`, `connect-src`): the directive, else
/// `default-src`; `None` when neither is set (nothing is restricted).
fn effective<'a>(policy: &'a str, name: &str) -> Option<Vec<&'a str>> {
    directive(policy, name).or_else(|| directive(policy, "default-src"))
}

/// `policy` with `sources` added to directive `name` (created, after `'self'`, when
/// the policy has none).
pub fn add_sources(policy: &str, name: &str, sources: &[&str]) -> String {
    let present = directive(policy, name);
    let missing: Vec<&str> = sources
        .iter()
        .copied()
        .filter(|s| {
            !present
                .as_ref()
                .is_some_and(|p| p.iter().any(|q| q.eq_ignore_ascii_case(s)))
        })
        .collect();
    if missing.is_empty() {
        return policy.to_string();
    }
    if present.is_none() {
        let mut all = vec!["'self'"];
        all.extend(missing.iter().filter(|s| **s != "'self'"));
        return format!(
            "{}; {name} {}",
            policy.trim().trim_end_matches([';', ' ']),
            all.join(" ")
        );
    }
    policy
        .split(';')
        .map(|d| {
            let first = d.split_ascii_whitespace().next().unwrap_or("");
            if first.eq_ignore_ascii_case(name) {
                format!("{} {}", d.trim_end(), missing.join(" "))
            } else {
                d.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Where a policy came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyFrom {
    /// A `Content-Security-Policy` response header of `index.html`.
    Header,
    /// The `<meta http-equiv="Content-Security-Policy">` of `index.html`.
    Meta,
}

/// What is wrong with one policy, and the policy that would work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyProblem {
    /// Where the policy came from.
    pub from: PolicyFrom,
    /// What it blocks, in sentences.
    pub problems: Vec<String>,
    /// The policy with what is missing added.
    pub fixed: String,
}

/// Checks one policy the browser enforces on the page: WebAssembly may be compiled
/// (`'wasm-unsafe-eval'` in `script-src`), and `connect-src` lets the page fetch its
/// own files (`'self'`: `config.json`, the export) and `origins` (what
/// [`lync_quickcall::DirectorySource::connect_origins`] says the directory needs).
pub fn judge_policy(
    from: PolicyFrom,
    policy: &str,
    page_origin: &str,
    origins: &[String],
    inline: &[(Kind, String)],
) -> Option<PolicyProblem> {
    let mut problems = Vec::new();
    let mut fixed = policy.trim().to_string();
    for (directive_name, kinds, what, effect) in [
        (
            "script-src",
            &[Kind::Script, Kind::Module][..],
            "scripts",
            "browsers do not run them, and the page stays on \"Opening the quick call…\"",
        ),
        (
            "style-src",
            &[Kind::Style][..],
            "style sheet",
            "browsers ignore it, and the page shows unstyled",
        ),
    ] {
        let hashes: Vec<String> = inline
            .iter()
            .filter(|(k, _)| kinds.contains(k))
            .map(|(_, text)| csp_hash(text))
            .collect();
        let Some(sources) = effective(policy, directive_name) else {
            continue;
        };
        let missing: Vec<&String> = hashes
            .iter()
            .filter(|h| !allows_inline(&sources, h))
            .collect();
        if missing.is_empty() {
            continue;
        }
        problems.push(format!(
            "{directive_name} does not allow the page's inline {what} by its hash {}: {effect} \
             (the hashes change with the page: copy them from the web.config of the version \
             deployed)",
            missing
                .iter()
                .map(|h| h.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ));
        fixed = with_hashes(&fixed, directive_name, &hashes);
    }
    if let Some(scripts) = effective(policy, "script-src") {
        let wasm = scripts.iter().any(|s| {
            s.eq_ignore_ascii_case("'wasm-unsafe-eval'") || s.eq_ignore_ascii_case("'unsafe-eval'")
        });
        if !wasm {
            problems.push(
                "script-src does not allow 'wasm-unsafe-eval': browsers refuse to compile the \
                 WebAssembly module, and the page never starts"
                    .to_string(),
            );
            fixed = add_sources(&fixed, "script-src", &["'self'", "'wasm-unsafe-eval'"]);
        }
    }
    if let Some(connect) = effective(policy, "connect-src") {
        // As `connect-src`, whichever directive it came from, for the shared helpers.
        let as_connect = format!("connect-src {}", connect.join(" "));
        let own = connect.iter().any(|s| s.eq_ignore_ascii_case("'self'"))
            || csp::missing(&as_connect, &[page_origin.to_string()]).is_empty();
        if !own {
            problems.push(format!(
                "connect-src does not allow 'self': the page cannot fetch its own config.json \
                 (or the directory export) from {page_origin}"
            ));
            fixed = add_sources(&fixed, "connect-src", &["'self'"]);
        }
        let missing = csp::missing(&as_connect, origins);
        if !missing.is_empty() {
            problems.push(format!(
                "connect-src does not let the page reach {}, which config.json's directory needs",
                missing.join(", ")
            ));
            fixed = if directive(&fixed, "connect-src").is_some() {
                csp::with_origins(&fixed, origins)
            } else {
                add_sources(
                    &fixed,
                    "connect-src",
                    &missing.iter().map(|s| &**s).collect::<Vec<_>>(),
                )
            };
        }
    }
    (!problems.is_empty()).then_some(PolicyProblem {
        from,
        problems,
        fixed,
    })
}

/// The query string (without `?`) of a conversation with [`MAX_CONTACTS`] people,
/// as a browser sends Lync's `%contact-id%` (`<` and `>` percent-encoded): about
/// 2.7 KB, more than IIS's default `maxQueryString` of 2048 bytes.
pub fn long_query() -> String {
    let contacts: Vec<String> = (1..=MAX_CONTACTS)
        .map(|n| format!("%3Csip:firstname.lastname{n:02}@subsidiary.contoso.com%3E"))
        .collect();
    format!("contactId=Contacts={}", contacts.join(","))
}

/// Judges the answer to `index.html` with [`long_query`]: `status`, and the start
/// of the body (IIS names its sub-status, 404.15, in its error page).
pub fn judge_long_query(url: &str, query_len: usize, status: u16, body: &[u8]) -> (Status, String) {
    let what = format!(
        "a {query_len}-byte query ({MAX_CONTACTS} contacts, as Lync sends for a large conference)"
    );
    if status == 200 {
        return (Status::Ok, format!("{url} accepts {what}: HTTP 200"));
    }
    let text = String::from_utf8_lossy(body);
    let iis = text.contains("404.15") || text.contains("maxQueryString");
    let fix_iis = format!(
        "raise it as the shipped web.config does, under <system.webServer>: \
         <security><requestFiltering>{IIS_REQUEST_LIMITS}</requestFiltering></security>"
    );
    let message =
        match status {
            404 => format!(
            "{url} refuses {what}: HTTP 404{}. IIS answers 404.15 when a query string is longer \
             than requestLimits maxQueryString (by default {IIS_DEFAULT_MAX_QUERY} bytes): \
             right-clicking a conference would fail; {fix_iis}",
            if iis { " (404.15, query string too long)" } else { "" }
        ),
            414 => format!(
            "{url} refuses {what}: HTTP 414 URI Too Long; nginx: raise large_client_header_buffers \
             (e.g. `large_client_header_buffers 4 16k;`); IIS: {fix_iis}"
        ),
            400 => format!(
            "{url} refuses {what}: HTTP 400; the server (or a proxy in front of it) limits the \
             request line: on IIS, {fix_iis}; for http.sys, MaxFieldLength and MaxRequestBytes"
        ),
            other => format!(
                "{url} answers {what} with HTTP {other}, though it answers the page without it: \
             a server or proxy limit refuses long queries; on IIS, {fix_iis}"
            ),
        };
    (Status::Failed, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixes_quoted_are_those_of_the_shipped_web_config() {
        let web = include_str!("../../../www/web.config");
        for line in [IIS_WASM_MIME, IIS_JSON_MIME, IIS_REQUEST_LIMITS] {
            assert!(web.contains(line), "{line}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(essence(Some("Text/HTML; charset=utf-8")), "text/html");
        assert_eq!(essence(None), "");
        assert!(is_javascript("application/javascript"));
        assert!(is_javascript("text/javascript"));
        assert!(!is_javascript("text/plain"));
        assert!(!is_javascript("application/octet-stream"));
        assert!(is_json("application/json"));
        assert!(is_json("application/manifest+json"));
        assert!(!is_json("text/plain"));
        assert!(is_html("text/html"));
    }

    #[test]
    fn files_are_judged_by_type_and_content() {
        let wasm = b"\0asm\x01\0\0\0";
        let u = "https://intranet/qc/m-0123456789.wasm";
        assert_eq!(
            judge_file(Kind::Wasm, u, Some("application/wasm"), wasm).0,
            Status::Ok
        );
        let (s, m) = judge_file(Kind::Wasm, u, Some("application/octet-stream"), wasm);
        assert_eq!(s, Status::Failed);
        assert!(
            m.contains(u) && m.contains("'application/octet-stream'"),
            "{m}"
        );
        assert!(m.contains(IIS_WASM_MIME) && m.contains("types {"), "{m}");
        let (s, m) = judge_file(Kind::Wasm, u, None, wasm);
        assert_eq!(s, Status::Failed);
        assert!(m.contains("no Content-Type"), "{m}");
        let (s, m) = judge_file(
            Kind::Wasm,
            u,
            Some("application/wasm"),
            b"<!DOCTYPE html><title>Sign in</title>",
        );
        assert_eq!(s, Status::Failed);
        assert!(
            m.contains("it starts with '<!DOCTYPE html><title>Sign in</title>'"),
            "{m}"
        );
        for kind in [Kind::Script, Kind::Module] {
            assert_eq!(
                judge_file(kind, "x.js", Some("application/javascript"), b"").0,
                Status::Ok
            );
            let (s, m) = judge_file(kind, "https://h/x.js", Some("text/plain"), b"");
            assert_eq!(s, Status::Failed);
            assert!(
                m.contains("https://h/x.js") && m.contains("text/javascript"),
                "{m}"
            );
        }
        assert_eq!(
            judge_file(Kind::Style, "s.css", Some("text/plain"), b"").0,
            Status::Warning
        );
        assert_eq!(
            judge_file(Kind::Style, "s.css", Some("text/css"), b"").0,
            Status::Ok
        );
        assert_eq!(
            judge_file(Kind::Other, "d.bin", Some("x/y"), b"").0,
            Status::Ok
        );
        assert!(not_found_hint(Kind::Wasm, "m.wasm").contains(IIS_WASM_MIME));
        assert!(not_found_hint(Kind::Other, "config.json").contains(IIS_JSON_MIME));
        assert!(not_found_hint(Kind::Script, "a.js").contains("dist"));
        assert_eq!(describe_start(b""), "it is empty");
    }

    #[test]
    fn cache_control_is_read() {
        for (cc, expected) in [
            (None, Caching::Heuristic),
            (Some("no-cache"), Caching::Revalidated),
            (Some("No-Store"), Caching::Revalidated),
            (Some("public, max-age=0"), Caching::Revalidated),
            (Some("max-age=0, must-revalidate"), Caching::Revalidated),
            (
                Some("public, max-age=31536000, immutable"),
                Caching::For(31_536_000),
            ),
            (Some("max-age=\"60\""), Caching::For(60)),
            (Some("private"), Caching::Heuristic),
            (Some("max-age=x"), Caching::Heuristic),
            (Some("max-age=600, no-cache"), Caching::Revalidated),
        ] {
            assert_eq!(caching(cc), expected, "{cc:?}");
        }
        assert_eq!(duration_words(31_536_000), "365 days");
        assert_eq!(duration_words(86_400 + 7200), "1 day 2 h");
        assert_eq!(duration_words(3600 * 5), "5 h");
        assert_eq!(duration_words(600), "10 min");
        assert_eq!(duration_words(30), "30 s");
    }

    #[test]
    fn what_changes_in_place_must_be_revalidated() {
        let u = "https://intranet/qc/index.html";
        let fix = "web.config: <location path=\"index.html\">";
        assert_eq!(
            judge_changing(Changing::Page, u, Some("no-cache"), fix).0,
            Status::Ok
        );
        let (s, m) = judge_changing(Changing::Page, u, Some("max-age=31536000"), fix);
        assert_eq!(s, Status::Failed);
        assert!(
            m.contains("365 days") && m.contains(u) && m.contains(fix),
            "{m}"
        );
        assert_eq!(
            judge_changing(Changing::Page, u, None, fix).0,
            Status::Warning
        );
        let (s, m) = judge_changing(Changing::Data, u, Some("max-age=3600"), fix);
        assert_eq!(s, Status::Warning);
        assert!(m.contains("1 h"), "{m}");
        assert_eq!(
            judge_changing(Changing::Data, u, None, fix).0,
            Status::Warning
        );
    }

    #[test]
    fn hashed_names() {
        assert!(is_hashed("main-0123456789.js"));
        assert!(is_hashed("https://h/q/lync_quickcall_bg-abcdef0123.wasm?x"));
        assert!(!is_hashed("main.js"));
        assert!(!is_hashed("main-01234567.js"));
        assert!(!is_hashed("main-012345678g.js"));
    }

    const SHIPPED: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'";
    const ORIGIN: &str = "https://intranet";

    fn graph() -> Vec<String> {
        vec![
            "https://login.microsoftonline.com".into(),
            "https://graph.microsoft.com".into(),
        ]
    }

    #[test]
    fn the_shipped_policies_are_fine_for_none_and_export() {
        let html = include_str!("../../../www/index.html");
        let web = include_str!("../../../www/web.config");
        for policy in [
            csp::from_html(html).unwrap(),
            csp::from_web_config(web).unwrap(),
        ] {
            assert_eq!(
                judge_policy(PolicyFrom::Meta, &policy, ORIGIN, &[], &[]),
                None
            );
        }
        // No restriction at all is not a problem for the page.
        assert_eq!(
            judge_policy(
                PolicyFrom::Header,
                "frame-ancestors 'none'",
                ORIGIN,
                &graph(),
                &[]
            ),
            None
        );
        // 'unsafe-eval' allows WebAssembly too.
        assert_eq!(
            judge_policy(
                PolicyFrom::Header,
                "script-src 'self' 'unsafe-eval'",
                ORIGIN,
                &[],
                &[]
            ),
            None
        );
    }

    #[test]
    fn inline_script_and_style_must_be_allowed_by_hash() {
        let inline = vec![
            (Kind::Script, "boot()".to_string()),
            (Kind::Style, "p{}".to_string()),
        ];
        let (script, style) = (csp_hash("boot()"), csp_hash("p{}"));
        let good = format!(
            "default-src 'none'; script-src 'self' {script} 'wasm-unsafe-eval'; connect-src 'self'; style-src {style}"
        );
        assert_eq!(
            judge_policy(PolicyFrom::Meta, &good, ORIGIN, &[], &inline),
            None
        );
        // An earlier version's hashes: both refused, and replaced in the fix.
        let old = "default-src 'none'; script-src 'self' 'sha256-b2xk' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'sha256-b2xk'";
        let p = judge_policy(PolicyFrom::Header, old, ORIGIN, &[], &inline).unwrap();
        assert_eq!(p.problems.len(), 2, "{:?}", p.problems);
        assert!(p.problems[0].contains(&script) && p.problems[0].contains("scripts"));
        assert!(p.problems[1].contains(&style) && p.problems[1].contains("unstyled"));
        assert_eq!(
            p.fixed,
            format!("default-src 'none'; script-src 'self' 'wasm-unsafe-eval' {script}; connect-src 'self'; style-src {style}")
        );
        assert_eq!(
            judge_policy(PolicyFrom::Header, &p.fixed, ORIGIN, &[], &inline),
            None
        );
        // The shipped policy of the sources (no hashes): through default-src too.
        let p = judge_policy(PolicyFrom::Meta, SHIPPED, ORIGIN, &[], &inline).unwrap();
        assert_eq!(p.problems.len(), 2, "{:?}", p.problems);
        let p = judge_policy(PolicyFrom::Meta, "default-src 'none'", ORIGIN, &[], &inline).unwrap();
        assert!(
            p.fixed.contains(&format!("style-src 'self' {style}")),
            "{}",
            p.fixed
        );
        // 'unsafe-inline' allows them, unless the directive also names a hash.
        let lax = "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'";
        assert_eq!(
            judge_policy(PolicyFrom::Meta, lax, ORIGIN, &[], &inline),
            None
        );
        let mixed = format!(
            "script-src 'self' 'unsafe-inline' 'sha256-b2xk' 'wasm-unsafe-eval'; style-src {style}"
        );
        assert!(judge_policy(PolicyFrom::Meta, &mixed, ORIGIN, &[], &inline).is_some());
        // No restriction on scripts or styles: nothing to allow.
        assert_eq!(
            judge_policy(
                PolicyFrom::Header,
                "frame-ancestors 'none'",
                ORIGIN,
                &[],
                &inline
            ),
            None
        );
        // SHA-256("") in base64, as browsers compute it.
        assert_eq!(
            csp_hash(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
    }

    #[test]
    fn policies_that_break_the_page_are_fixed() {
        let p = judge_policy(
            PolicyFrom::Header,
            "default-src 'none'; script-src 'self'; connect-src 'self'",
            ORIGIN,
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(p.problems.len(), 1);
        assert!(
            p.problems[0].contains("'wasm-unsafe-eval'"),
            "{:?}",
            p.problems
        );
        assert_eq!(
            p.fixed,
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'"
        );
        // Through default-src: both directives are added.
        let p = judge_policy(
            PolicyFrom::Meta,
            "default-src 'none'",
            ORIGIN,
            &graph(),
            &[],
        )
        .unwrap();
        assert_eq!(p.problems.len(), 3, "{:?}", p.problems);
        assert_eq!(
            p.fixed,
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' https://login.microsoftonline.com https://graph.microsoft.com"
        );
        assert_eq!(
            judge_policy(PolicyFrom::Meta, &p.fixed, ORIGIN, &graph(), &[]),
            None
        );
        // Graph's origins missing from the shipped policy.
        let p = judge_policy(PolicyFrom::Header, SHIPPED, ORIGIN, &graph(), &[]).unwrap();
        assert_eq!(p.problems.len(), 1);
        assert!(
            p.problems[0]
                .contains("https://login.microsoftonline.com, https://graph.microsoft.com"),
            "{:?}",
            p.problems
        );
        assert_eq!(p.fixed, csp::with_origins(SHIPPED, &graph()));
        // The page's own origin, written out, is as good as 'self'.
        assert_eq!(
            judge_policy(
                PolicyFrom::Header,
                "script-src 'self' 'wasm-unsafe-eval'; connect-src https://intranet",
                ORIGIN,
                &[],
                &[]
            ),
            None
        );
        let p = judge_policy(
            PolicyFrom::Header,
            "script-src 'self' 'wasm-unsafe-eval'; connect-src https://other",
            ORIGIN,
            &[],
            &[],
        )
        .unwrap();
        assert!(p.problems[0].contains("'self'"), "{:?}", p.problems);
        assert_eq!(
            p.fixed,
            "script-src 'self' 'wasm-unsafe-eval'; connect-src https://other 'self'"
        );
    }

    #[test]
    fn add_sources_creates_or_extends() {
        assert_eq!(
            add_sources("default-src 'none';", "script-src", &["'wasm-unsafe-eval'"]),
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'"
        );
        assert_eq!(
            add_sources(
                "script-src 'self'",
                "script-src",
                &["'self'", "'wasm-unsafe-eval'"]
            ),
            "script-src 'self' 'wasm-unsafe-eval'"
        );
        assert_eq!(
            add_sources(
                "script-src 'self' 'WASM-unsafe-eval'",
                "script-src",
                &["'wasm-unsafe-eval'"]
            ),
            "script-src 'self' 'WASM-unsafe-eval'"
        );
    }

    #[test]
    fn the_long_query_is_what_lync_sends_for_a_large_conference() {
        let q = long_query();
        assert!(
            (2500..=3500).contains(&q.len()) && q.len() > IIS_DEFAULT_MAX_QUERY,
            "{}",
            q.len()
        );
        // The page reads it: all the contacts, none refused.
        let parsed = lync_quickcall::PageQuery::parse(&format!("?{q}")).unwrap();
        assert_eq!(parsed.contacts.len(), MAX_CONTACTS);
        assert_eq!(
            parsed.contacts[0].to_string(),
            "sip:firstname.lastname01@subsidiary.contoso.com"
        );
        // Nothing in it that a URL parser would re-encode.
        let url = url::Url::parse(&format!("https://h/?{q}")).unwrap();
        assert_eq!(url.query(), Some(q.as_str()));
    }

    #[test]
    fn long_query_answers() {
        let u = "https://intranet/qc/";
        assert_eq!(judge_long_query(u, 2700, 200, b"").0, Status::Ok);
        let (s, m) = judge_long_query(
            u,
            2700,
            404,
            b"<h3>HTTP Error 404.15 - Not Found</h3><p>The request filtering module is configured to deny a request where the query string is too long.",
        );
        assert_eq!(s, Status::Failed);
        assert!(m.contains("404.15, query string too long"), "{m}");
        assert!(m.contains(IIS_REQUEST_LIMITS) && m.contains(u), "{m}");
        let (s, m) = judge_long_query(u, 2700, 404, b"not found");
        assert_eq!(s, Status::Failed);
        assert!(
            !m.contains("(404.15") && m.contains("maxQueryString"),
            "{m}"
        );
        assert!(judge_long_query(u, 2700, 414, b"")
            .1
            .contains("large_client_header_buffers"));
        assert!(judge_long_query(u, 2700, 400, b"")
            .1
            .contains("MaxFieldLength"));
        assert!(judge_long_query(u, 2700, 500, b"").1.contains("HTTP 500"));
    }
}
