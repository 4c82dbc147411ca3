//! WHATWG URLs for the core: the `url` crate natively, the browser's own `URL` in the
//! page; both implement the same spec, and the same unit tests run against both
//! (natively and in headless Chromium through wasm-bindgen-test).
//!
//! A [`Url`] is plain Rust: the serialized URL (`href`) and its components, as owned
//! strings, read once from whichever parser built it. The `url` crate (with `idna` and
//! `smallvec`) is about 15 KB gzipped of WebAssembly that the browser already has, so
//! the page's module does not link it: `native.rs` parses with the `url` crate (the
//! tool, the tests), `browser.rs` with `new URL(...)` through `web_sys::Url`.
//!
//! Changing a URL gives a new one: [`Url::with_query`], [`Url::with_fragment`] and
//! [`Url::with_appended_query_pairs`] serialize the new part as the URL Standard's
//! `search` and `hash` setters (and the `url` crate's `set_query`, `set_fragment`) do,
//! which cannot fail; [`Url::with_path`] and [`Url::join`] go through the parser.
//!
//! Where the two sides differ (the tests in `tests.rs` found these), and what is done:
//!
//! - a query or fragment that is present but empty (`https://a/?`): the browser's
//!   `search` and `hash` are `""` for it as for none, so the browser side reads both
//!   from `href`, and [`Url::query`] is `Some("")` on both;
//! - a host that is not ASCII (`https://bücher.example/`), or has a character the URL
//!   Standard forbids in a domain (`https://a b/`, `https://a%20b/`): the `url` crate
//!   (its IDNA back end, `idna_adapter` 1.0, is ASCII-only) refuses it, Chromium
//!   converts it to punycode or percent-encodes it; the browser side refuses it too
//!   ("invalid international domain name"), so the page and `lync-quickcall
//!   check-config` accept the same `config.json`;
//! - the origin of a `file:` URL: opaque for the `url` crate (and the URL Standard,
//!   "when in doubt"), `file://` for Chromium; the browser side makes it opaque;
//! - a host with `*` (`https://a*b/`): kept by the `url` crate, as the URL Standard
//!   says, escaped by Chromium (`a%2Ab`). Both accept it, and each side only compares
//!   origins it parsed itself, so this one is left as it is;
//! - a host with a label that is not valid punycode (`https://xn--/`,
//!   `https://xn--a-/`): refused by the `url` crate, kept as it is by Chromium. Telling
//!   them apart would take the IDNA rules the page leaves out; no such host resolves,
//!   and the checks compare only origins each side parsed itself, so this is left too;
//! - why a text is not a URL: the `url` crate says it ("empty host"), the browser only
//!   throws a `TypeError`, so the browser side names the likely cause itself, in the
//!   `url` crate's words, or says "invalid URL".

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(test)]
mod tests;

#[cfg(target_arch = "wasm32")]
use browser as backend;
#[cfg(not(target_arch = "wasm32"))]
use native as backend;

/// The schemes the URL Standard calls special (with a host, and a default port but for
/// `file`).
const SPECIAL_SCHEMES: [&str; 6] = ["http", "https", "ws", "wss", "ftp", "file"];

/// The URL Standard's query percent-encode set (a non-ASCII character is always
/// encoded).
const QUERY: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'<').add(b'>');
/// The special-query percent-encode set: the query set and `'`, for special schemes.
const SPECIAL_QUERY: &AsciiSet = &QUERY.add(b'\'');
/// The fragment percent-encode set.
const FRAGMENT: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`');

/// An absolute URL, parsed and serialized as the URL Standard says.
#[derive(Clone)]
pub struct Url(Box<Parts>);

/// A URL's serialization and components (boxed: a [`Url`] is one pointer, as small in
/// the configuration's enums as the `url` crate's was).
#[derive(Clone)]
struct Parts {
    /// The serialization.
    href: String,
    /// Lowercase, without `:`.
    scheme: String,
    /// Percent-encoded; empty when there is none.
    username: String,
    /// Percent-encoded; `None` when there is none (or it is empty).
    password: Option<String>,
    /// The host as serialized (an IPv6 address in brackets); `None` when there is none
    /// or it is empty.
    host: Option<String>,
    /// `None` when there is none or it is the scheme's default.
    port: Option<u16>,
    /// The path as serialized (an opaque path, `sip:a@b.c`'s `a@b.c`, included).
    path: String,
    /// Without `?`.
    query: Option<String>,
    /// Without `#`.
    fragment: Option<String>,
    /// The ASCII serialization of a tuple origin; `None` for an opaque one.
    origin: Option<String>,
}

impl Url {
    /// Parses an absolute URL.
    pub fn parse(input: &str) -> Result<Url, ParseError> {
        backend::parse(input, None)
    }

    /// Parses `input` relative to this URL (an absolute `input` replaces it).
    pub fn join(&self, input: &str) -> Result<Url, ParseError> {
        backend::parse(input, Some(self))
    }

    /// The serialization.
    pub fn as_str(&self) -> &str {
        &self.0.href
    }

    /// The scheme, lowercase, without `:` (`https`).
    pub fn scheme(&self) -> &str {
        &self.0.scheme
    }

    /// The user name, percent-encoded; empty when there is none.
    pub fn username(&self) -> &str {
        &self.0.username
    }

    /// The password, percent-encoded, when there is one.
    pub fn password(&self) -> Option<&str> {
        self.0.password.as_deref()
    }

    /// The host as serialized: a domain (lowercase, punycode), an IPv4 address, or an
    /// IPv6 address in brackets (`[::1]`); `None` when the URL has none (`sip:a@b.c`).
    pub fn host_str(&self) -> Option<&str> {
        self.0.host.as_deref()
    }

    /// The port, unless it is the scheme's default (`https://a:443/` has none).
    pub fn port(&self) -> Option<u16> {
        self.0.port
    }

    /// The path, percent-encoded; for a URL without a host and `/`, its whole opaque
    /// path (`mailto:x@y` gives `x@y`).
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// The query, without `?`; `Some("")` for `https://a/?`.
    pub fn query(&self) -> Option<&str> {
        self.0.query.as_deref()
    }

    /// The fragment, without `#`; `Some("")` for `https://a/#`.
    pub fn fragment(&self) -> Option<&str> {
        self.0.fragment.as_deref()
    }

    /// The query's `application/x-www-form-urlencoded` pairs, decoded as a server reads
    /// them (`+` is a space).
    pub fn query_pairs(&self) -> form_urlencoded::Parse<'_> {
        form_urlencoded::parse(self.query().unwrap_or("").as_bytes())
    }

    /// The origin: scheme, host and port for `http(s)`, `ws(s)` and `ftp` (and `blob:`
    /// URLs of those); for the others a new opaque origin at each call, equal to no
    /// other origin (as `url::Url::origin`).
    pub fn origin(&self) -> Origin {
        match &self.0.origin {
            Some(serialization) => Origin(OriginKind::Tuple(serialization.clone())),
            None => Origin::new_opaque(),
        }
    }

    /// This URL with `query` as its query (`None`: without one), percent-encoded as the
    /// URL Standard's `search` setter does (`url::Url::set_query`): `#`, spaces, quotes,
    /// `<`, `>`, control and non-ASCII characters.
    pub fn with_query(&self, query: Option<&str>) -> Url {
        let set = if self.is_special() {
            SPECIAL_QUERY
        } else {
            QUERY
        };
        let query = query.map(|q| encode(q, set));
        let fragment = self.0.fragment.clone();
        self.with_tail(query, fragment)
    }

    /// This URL with `fragment` as its fragment (`None`: without one), percent-encoded
    /// as the URL Standard's `hash` setter does (`url::Url::set_fragment`).
    pub fn with_fragment(&self, fragment: Option<&str>) -> Url {
        let fragment = fragment.map(|f| encode(f, FRAGMENT));
        let query = self.0.query.clone();
        self.with_tail(query, fragment)
    }

    /// This URL with `pairs` appended to its query, `application/x-www-form-urlencoded`
    /// (as `url::Url::query_pairs_mut().append_pair(...)`).
    pub fn with_appended_query_pairs<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Url {
        let mut query = form_urlencoded::Serializer::new(self.query().unwrap_or("").to_string());
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        self.with_query(Some(&query.finish()))
    }

    /// This URL with `path` as its path, parsed as the URL Standard's `pathname` setter
    /// does (`url::Url::set_path`: `?` and `#` are encoded, `.` and `..` segments
    /// resolved). Only for a URL with a host; the scheme, credentials, host, port,
    /// query and fragment are kept.
    pub fn with_path(&self, path: &str) -> Result<Url, ParseError> {
        if self.0.host.is_none() {
            return Err(ParseError::new(
                "only a URL with a host can have its path set",
            ));
        }
        let path = path.replace('?', "%3F").replace('#', "%23");
        let rooted = path.starts_with('/') || (self.is_special() && path.starts_with('\\'));
        let slash = if rooted { "" } else { "/" };
        let before = &self.0.href[..self.0.href.len() - self.tail_len() - self.0.path.len()];
        let href = format!(
            "{before}{slash}{path}{}",
            &self.0.href[self.0.href.len() - self.tail_len()..]
        );
        let url = Url::parse(&href)?;
        // The path cannot reach anything else (it starts with '/', and '?' and '#' are
        // encoded); checked all the same.
        let kept = url.0.scheme == self.0.scheme
            && url.0.username == self.0.username
            && url.0.password == self.0.password
            && url.0.host == self.0.host
            && url.0.port == self.0.port
            && url.0.query == self.0.query
            && url.0.fragment == self.0.fragment;
        if !kept {
            return Err(ParseError::new("the path would change the rest of the URL"));
        }
        Ok(url)
    }

    /// Whether the scheme is one of the URL Standard's special ones.
    fn is_special(&self) -> bool {
        SPECIAL_SCHEMES.contains(&self.0.scheme.as_str())
    }

    /// The length of `?query#fragment` at the end of the serialization.
    fn tail_len(&self) -> usize {
        self.0.query.as_ref().map_or(0, |q| q.len() + 1)
            + self.0.fragment.as_ref().map_or(0, |f| f.len() + 1)
    }

    /// This URL with its query and fragment replaced by serialized ones.
    fn with_tail(&self, query: Option<String>, fragment: Option<String>) -> Url {
        let mut url = self.clone();
        url.0.href.truncate(self.0.href.len() - self.tail_len());
        // An opaque path (`sip:a `) loses its trailing spaces with its query and
        // fragment, as the URL Standard says, or the serialization would not parse
        // back to the same URL.
        let opaque = !self.0.href[self.0.scheme.len() + 1..].starts_with('/');
        if opaque && query.is_none() && fragment.is_none() {
            let trimmed = url.0.path.trim_end_matches(' ').len();
            url.0
                .href
                .truncate(url.0.href.len() - (url.0.path.len() - trimmed));
            url.0.path.truncate(trimmed);
        }
        if let Some(q) = &query {
            url.0.href.push('?');
            url.0.href.push_str(q);
        }
        if let Some(f) = &fragment {
            url.0.href.push('#');
            url.0.href.push_str(f);
        }
        url.0.query = query;
        url.0.fragment = fragment;
        url
    }
}

/// `value` percent-encoded with `set`, tabs and line breaks removed first (as every
/// URL parser does).
fn encode(value: &str, set: &'static AsciiSet) -> String {
    let value: String = value
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    utf8_percent_encode(&value, set).to_string()
}

impl PartialEq for Url {
    fn eq(&self, other: &Url) -> bool {
        self.0.href == other.0.href
    }
}

impl Eq for Url {}

impl std::hash::Hash for Url {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.href.hash(state);
    }
}

impl AsRef<str> for Url {
    fn as_ref(&self) -> &str {
        &self.0.href
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.href)
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Url").field(&self.0.href).finish()
    }
}

/// A URL's origin, as the same-origin checks compare them: scheme, host and port, or
/// an opaque origin, which (like `url::Origin`) is equal only to its own copies, never
/// to the origin of another URL, not even one with the same text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin(OriginKind);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum OriginKind {
    /// `https://host[:port]`, the port only when it is not the scheme's default.
    Tuple(String),
    /// A number no other opaque origin has.
    Opaque(usize),
}

impl Origin {
    fn new_opaque() -> Origin {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        Origin(OriginKind::Opaque(NEXT.fetch_add(1, Ordering::Relaxed)))
    }

    /// Whether the origin is scheme, host and port (not opaque).
    pub fn is_tuple(&self) -> bool {
        matches!(self.0, OriginKind::Tuple(_))
    }

    /// `https://host[:port]`, or `null` for an opaque origin.
    pub fn ascii_serialization(&self) -> String {
        match &self.0 {
            OriginKind::Tuple(s) => s.clone(),
            OriginKind::Opaque(_) => "null".to_string(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            OriginKind::Tuple(s) => f.write_str(s),
            OriginKind::Opaque(_) => f.write_str("null"),
        }
    }
}

/// Why a text is not a URL, in the `url` crate's words (`relative URL without a base`,
/// `empty host`, `invalid port number`...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(String);

impl ParseError {
    fn new(message: impl Into<String>) -> ParseError {
        ParseError(message.into())
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}
