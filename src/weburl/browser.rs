//! The browser's parser, `new URL(input[, base])` (in the page).
//!
//! The components are read from the `URL` object, but for the query and fragment,
//! which are read from `href`: `search` and `hash` are `""` both for none and for an
//! empty one (`https://a/?`), where `href` keeps the `?` or `#`. In a serialized URL
//! the first `#` starts the fragment and the first `?` before it the query (everywhere
//! else they are percent-encoded).

use percent_encoding::percent_decode_str;

use super::{ParseError, Parts, Url, SPECIAL_SCHEMES};

/// Parses `input`, relative to `base` when given.
pub(super) fn parse(input: &str, base: Option<&Url>) -> Result<Url, ParseError> {
    let raw = Raw::read(input, base);
    if raw.special
        && raw
            .host()
            .is_some_and(|h| !h.starts_with('[') && !ascii_domain(h))
    {
        // The `url` crate refuses these; so does the page.
        return Err(ParseError::new("invalid international domain name"));
    }
    let parsed = match base {
        None => web_sys::Url::new(input),
        Some(base) => web_sys::Url::new_with_base(input, base.as_str()),
    }
    .map_err(|_| raw.why_not())?;
    let href = parsed.href();
    let protocol = parsed.protocol();
    let scheme = protocol.strip_suffix(':').unwrap_or(&protocol).to_string();
    let (before_fragment, fragment) = match href.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment.to_string())),
        None => (href.as_str(), None),
    };
    let query = before_fragment
        .split_once('?')
        .map(|(_, query)| query.to_string());
    let non_empty = |s: String| (!s.is_empty()).then_some(s);
    // Chromium gives `file://` for a `file:` URL, where the `url` crate (and the URL
    // Standard, when in doubt) make an opaque origin.
    let origin = parsed.origin();
    let tuple = origin
        .split_once("://")
        .is_some_and(|(scheme, _)| TUPLE_SCHEMES.contains(&scheme));
    Ok(Url(Box::new(Parts {
        scheme,
        username: parsed.username(),
        password: non_empty(parsed.password()),
        host: non_empty(parsed.hostname()),
        port: parsed.port().parse().ok(),
        path: parsed.pathname(),
        query,
        fragment,
        origin: tuple.then_some(origin),
        href,
    })))
}

/// The schemes whose URLs have a tuple origin (scheme, host, port): the special ones
/// but `file`.
const TUPLE_SCHEMES: [&str; 5] = ["http", "https", "ws", "wss", "ftp"];

/// What an input says before it is parsed: enough to refuse a host that is not ASCII
/// and to say why the browser refused an input.
struct Raw {
    /// A scheme, the input's or the base's.
    scheme: Option<String>,
    /// The scheme is special.
    special: bool,
    /// The authority (`user:password@host:port`), when the input has one.
    authority: Option<String>,
}

impl Raw {
    fn read(input: &str, base: Option<&Url>) -> Raw {
        // As the parser: no leading or trailing C0 controls and spaces, no tabs or line
        // breaks anywhere.
        let input: String = input
            .trim_matches(|c: char| c <= ' ')
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        let own = scheme_of(&input);
        let scheme = own
            .map(|(s, _)| s.to_ascii_lowercase())
            .or_else(|| base.map(|b| b.scheme().to_string()));
        let special = scheme
            .as_deref()
            .is_some_and(|s| SPECIAL_SCHEMES.contains(&s));
        let slash = |c: char| c == '/' || (special && c == '\\');
        let rest = own.map_or(input.as_str(), |(_, rest)| rest);
        let after_slashes = match own {
            // `https:host` and `https:///host` are `https://host`, unless relative to a
            // base of the same scheme (then `https:path` is a path).
            Some(_) if special && scheme.as_deref() != Some("file") => {
                let same_as_base = base.is_some_and(|b| Some(b.scheme()) == scheme.as_deref());
                if same_as_base && !rest.starts_with(slash) {
                    None
                } else {
                    Some(rest.trim_start_matches(slash))
                }
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(a), Some(b)) if slash(a) && slash(b) => Some(chars.as_str()),
                    _ => None,
                }
            }
        };
        let authority = after_slashes.map(|a| {
            let end = a
                .find(|c: char| slash(c) || c == '?' || c == '#')
                .unwrap_or(a.len());
            a[..end].to_string()
        });
        Raw {
            scheme,
            special,
            authority,
        }
    }

    /// The host and the port, as written.
    fn host_and_port(&self) -> Option<(&str, Option<&str>)> {
        let authority = self.authority.as_deref()?;
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if hostport.starts_with('[') {
            return Some(match hostport.split_once(']') {
                Some((host, rest)) => (&hostport[..host.len() + 1], rest.strip_prefix(':')),
                None => (hostport, None),
            });
        }
        Some(match hostport.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        })
    }

    fn host(&self) -> Option<&str> {
        self.host_and_port().map(|(host, _)| host)
    }

    /// Why the browser refused the input, in the `url` crate's words when the cause is
    /// plain.
    fn why_not(&self) -> ParseError {
        let Some(scheme) = &self.scheme else {
            return ParseError::new("relative URL without a base");
        };
        let message = match self.host_and_port() {
            Some(("", _)) if self.special && scheme != "file" => "empty host",
            Some((host, _)) if host.starts_with('[') => "invalid IPv6 address",
            Some((_, Some(port)))
                if !port.is_empty()
                    && (!port.bytes().all(|b| b.is_ascii_digit())
                        || port.parse::<u16>().is_err()) =>
            {
                "invalid port number"
            }
            Some((host, _)) if ends_in_a_number(host) => "invalid IPv4 address",
            _ => "invalid URL",
        };
        ParseError::new(message)
    }
}

/// The scheme of `input` and what follows its `:`, when it starts with one.
fn scheme_of(input: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = input.split_once(':')?;
    let mut bytes = scheme.bytes();
    let valid = bytes.next()?.is_ascii_alphabetic()
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    valid.then_some((scheme, rest))
}

/// Whether a host as written (percent-escapes and all) is one the `url` crate accepts
/// for a special scheme: once decoded, ASCII without the URL Standard's forbidden
/// domain code points. The `url` crate's IDNA back end (`idna_adapter` 1.0) refuses
/// anything else; Chromium converts a non-ASCII host to punycode, and takes some
/// forbidden characters (`https://a b/` is `https://a%20b/` there).
fn ascii_domain(host: &str) -> bool {
    percent_decode_str(host)
        .all(|b| b.is_ascii() && b > b' ' && b != 0x7f && !b" #%/:<>?@[\\]^|".contains(&b))
}

/// The URL Standard's "ends in a number": the host's last label (before a trailing
/// dot) is decimal, or `0x` and hexadecimal; such a host must be an IPv4 address.
fn ends_in_a_number(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or("");
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    hex || (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
}
