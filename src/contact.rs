//! Lync contacts: what `%contact-id%` and `%user-id%` carry, parsed and normalised.
//!
//! Lync substitutes its tokens raw. A contact token looks like
//! `Contacts=<sip:John.Doe@contoso.com>` for one person and
//! `Contacts=<sip:a@x>,<tel:1234;phone-context=y>,<sip:b@x>` for a conversation with
//! several. This module turns such text into [`Contact`] values that can only hold a
//! normalised, validated address ([`SipAddress`]) or phone number ([`PhoneNumber`]).
//!
//! Parsing is strict on purpose: whatever is not plainly an address is rejected with a
//! [`ContactError`] naming the value, because the result ends up in a URL.
//!
//! The same parsing serves `sip:` and `tel:` links a browser hands to the page once it
//! is their protocol handler (`navigator.registerProtocolHandler`): the browser puts
//! the whole link, percent-encoded, in `?contactId=%s`, and after the query's one
//! decoding it is an ordinary contact. A `sip:` URI keeps only `user@host`: its URI
//! parameters (`;transport=tls`, RFC 3261 section 19.1.1) and headers (`?subject=x`)
//! say how to call, not whom, and are dropped (`;user=phone` excepted, see
//! [`Contact::parse`]); a password or a port (`sip:a:pw@b.com`, `sip:a@b.com:5061`)
//! is refused, as is anything else that is not plainly an address. A `tel:` URI keeps
//! its number: its parameters are dropped, and percent-encoded separators
//! (`tel:+33%201%2023...`, as web pages write spaces) are decoded, since only digits
//! and separators pass [`PhoneNumber::normalize`].

use std::fmt;
use std::str::FromStr;

use percent_encoding::percent_decode_str;

/// The longest address accepted, in bytes (RFC 5321's path limit).
pub const MAX_ADDRESS_LEN: usize = 254;
/// The longest local part (before `@`) accepted, in bytes.
const MAX_LOCAL_LEN: usize = 64;
/// The most contacts one token may carry; Lync conferences stay far below this.
pub const MAX_CONTACTS: usize = 50;
/// The longest contact token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 8192;

/// A SIP address reduced to `local@domain`, lowercase, without scheme or parameters.
///
/// The only way to get one is [`SipAddress::from_str`] (or [`Contact::parse`]), which
/// validates it, so a `SipAddress` is always safe to put (encoded) into a URL.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SipAddress(String);

/// A phone number from a `tel:` URI, reduced to its digits.
///
/// Global numbers (`+33 1 23 45 67 89`) keep their leading `+`: `+33123456789`, the
/// E.164 form. Local numbers (`tel:1234;phone-context=...`) are kept as their digits
/// only, since their context names a private dial plan rather than a country.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhoneNumber(String);

/// One person in a Lync conversation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Contact {
    /// A `sip:` (or `sips:`) URI, or a bare address.
    Sip(SipAddress),
    /// A `tel:` URI.
    Tel(PhoneNumber),
}

/// Why a contact could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContactError {
    /// The token was empty (the `%contact-id%` placeholder was probably not substituted).
    Empty,
    /// The token or one address is longer than any real address.
    TooLong {
        /// How long it was, in bytes.
        len: usize,
    },
    /// More contacts than [`MAX_CONTACTS`].
    TooMany {
        /// How many there were.
        count: usize,
    },
    /// A control character (CR, LF, NUL, ...) in the value.
    ControlCharacter {
        /// The value, with control characters escaped.
        value: String,
    },
    /// The URI scheme is neither `sip:`, `sips:` nor `tel:`.
    UnsupportedScheme {
        /// The value at fault.
        value: String,
    },
    /// The value is not a well-formed `user@domain` address.
    NotAnAddress {
        /// The value at fault.
        value: String,
        /// What is wrong with it: the id of a catalogue message (`contact-reason-...`,
        /// see [`crate::i18n`]), shown in the page's language.
        reason: &'static str,
    },
    /// The value is not a well-formed phone number.
    NotAPhoneNumber {
        /// The value at fault.
        value: String,
    },
    /// An opening `<` without its `>` (or the other way round).
    UnbalancedBrackets {
        /// The token at fault.
        value: String,
    },
}

impl fmt::Display for ContactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&match self {
            ContactError::Empty => crate::tr!("contact-empty"),
            ContactError::TooLong { len } => crate::tr!("contact-too-long", len = len),
            ContactError::TooMany { count } => {
                crate::tr!("contact-too-many", count = count, max = MAX_CONTACTS)
            }
            ContactError::ControlCharacter { value } => {
                crate::tr!("contact-control", value = value)
            }
            ContactError::UnsupportedScheme { value } => {
                crate::tr!("contact-scheme", value = value)
            }
            ContactError::NotAnAddress { value, reason } => crate::tr!(
                "contact-not-address",
                value = value,
                reason = crate::i18n::text(reason, &[])
            ),
            ContactError::NotAPhoneNumber { value } => {
                crate::tr!("contact-not-phone", value = value)
            }
            ContactError::UnbalancedBrackets { value } => {
                crate::tr!("contact-brackets", value = value)
            }
        })
    }
}

impl std::error::Error for ContactError {}

/// Escapes control characters so a hostile value can be shown safely in a message.
pub(crate) fn printable(s: &str) -> String {
    const SHOWN: usize = 120;
    // Most values are short printable ASCII, which escaping leaves as it is: the page
    // validates several on every load, and the escaping code then stays uncompiled.
    if s.len() <= SHOWN
        && s.bytes()
            .all(|b| (b' '..=b'~').contains(&b) && !matches!(b, b'\\' | b'\'' | b'"'))
    {
        return s.to_string();
    }
    let mut out: String = s.chars().take(SHOWN).flat_map(char::escape_debug).collect();
    if s.chars().count() > SHOWN {
        out.push('…');
    }
    out
}

impl SipAddress {
    /// The address as `local@domain`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl fmt::Display for SipAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SipAddress {
    type Err = ContactError;

    /// Validates and normalises a bare `user@domain` address (no scheme, no brackets).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| ContactError::NotAnAddress {
            value: printable(s),
            reason,
        };
        if s.len() > MAX_ADDRESS_LEN {
            return Err(ContactError::TooLong { len: s.len() });
        }
        if s.chars().any(char::is_control) {
            return Err(ContactError::ControlCharacter {
                value: printable(s),
            });
        }
        let (local, domain) = s
            .split_once('@')
            .ok_or_else(|| bad("contact-reason-no-at"))?;
        if domain.contains('@') {
            return Err(bad("contact-reason-two-at"));
        }
        if local.is_empty() {
            return Err(bad("contact-reason-no-local"));
        }
        if local.len() > MAX_LOCAL_LEN {
            return Err(bad("contact-reason-long-local"));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(bad("contact-reason-local-dot"));
        }
        if let Some(c) = local.chars().find(|c| !is_local_char(*c)) {
            return Err(if c.is_whitespace() {
                bad("contact-reason-space")
            } else if c == '/' || c == '\\' {
                bad("contact-reason-slash")
            } else if c == '%' {
                bad("contact-reason-percent")
            } else {
                bad("contact-reason-local-char")
            });
        }
        validate_domain(domain).map_err(bad)?;
        Ok(SipAddress(s.to_ascii_lowercase()))
    }
}

/// Characters allowed in the local part: RFC 5322 `atext` and `.`, minus `/` and `%`
/// (legal in theory, never seen in directory addresses, and the stuff of smuggling).
fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$&'*+-=?^_`{|}~.".contains(c)
}

fn validate_domain(domain: &str) -> Result<(), &'static str> {
    if domain.is_empty() {
        return Err("contact-reason-no-domain");
    }
    if domain.contains(['/', '\\']) {
        return Err("contact-reason-slash");
    }
    if domain.chars().any(char::is_whitespace) {
        return Err("contact-reason-space");
    }
    if !domain.contains('.') {
        return Err("contact-reason-domain-dot");
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err("contact-reason-empty-label");
        }
        if label.len() > 63 {
            return Err("contact-reason-long-label");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("contact-reason-label-hyphen");
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err("contact-reason-domain-char");
        }
    }
    Ok(())
}

impl PhoneNumber {
    /// The number as digits, with a leading `+` for global (E.164) numbers.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Normalises a phone number as written in a directory or a `tel:` URI body:
    /// drops visual separators (space, `-`, `.`, `(`, `)`), keeps a leading `+`, and
    /// accepts 2 to 15 digits (E.164's limit). In an international number, a `(0)`
    /// group (`+33 (0)1 23 45 67 89`, the usual way directories note the national trunk
    /// prefix) is dropped, as dialling from abroad drops it. A leading `00`
    /// international prefix is NOT rewritten to `+`: national and prefixed formats
    /// depend on a dial plan, so they are compared as written (digits only).
    pub fn normalize(s: &str) -> Result<PhoneNumber, ContactError> {
        let bad = || ContactError::NotAPhoneNumber {
            value: printable(s),
        };
        let t = s.trim();
        let (plus, rest) = match t.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, t),
        };
        let without_trunk;
        let rest = if plus && rest.contains("(0)") {
            without_trunk = rest.replacen("(0)", "", 1);
            without_trunk.as_str()
        } else {
            rest
        };
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
                _ => return Err(bad()),
            }
        }
        if digits.len() < 2 || digits.len() > 15 {
            return Err(bad());
        }
        Ok(PhoneNumber(if plus {
            format!("+{digits}")
        } else {
            digits
        }))
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Contact {
    /// `sip:user@domain` or `tel:+123`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contact::Sip(a) => write!(f, "sip:{a}"),
            Contact::Tel(n) => write!(f, "tel:{n}"),
        }
    }
}

impl FromStr for Contact {
    type Err = ContactError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Contact::parse(s)
    }
}

/// Strips an ASCII case-insensitive prefix.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

impl Contact {
    /// Parses one contact: `sip:user@domain`, `sips:`, `SIP:`, `<sip:...>`, a bare
    /// `user@domain`, with URI parameters (`;transport=tls`) and surrounding spaces
    /// ignored, or a `tel:` URI (`tel:+33 1 23 45 67 89`, `tel:1234;phone-context=x`).
    /// A SIP URI with `;user=phone` (`sip:+14255550100@contoso.com;user=phone`) is the
    /// phone number of its user part.
    pub fn parse(s: &str) -> Result<Contact, ContactError> {
        if s.len() > MAX_TOKEN_LEN {
            return Err(ContactError::TooLong { len: s.len() });
        }
        if s.chars().any(char::is_control) {
            return Err(ContactError::ControlCharacter {
                value: printable(s),
            });
        }
        let t = s.trim();
        let t = match t.strip_prefix('<') {
            Some(inner) => inner
                .strip_suffix('>')
                .ok_or_else(|| ContactError::UnbalancedBrackets {
                    value: printable(s),
                })?
                .trim(),
            None if t.ends_with('>') => {
                return Err(ContactError::UnbalancedBrackets {
                    value: printable(s),
                })
            }
            None => t,
        };
        if t.is_empty() {
            return Err(ContactError::Empty);
        }
        if let Some(body) = strip_prefix_ci(t, "tel:") {
            let number = body.split(';').next().unwrap_or("");
            // `tel:+33%201%2023...`: a web page's link with its spaces encoded. Decoding
            // them is safe: only digits and separators are kept.
            if number.contains('%') {
                let decoded = percent_decode_str(number).decode_utf8().map_err(|_| {
                    ContactError::NotAPhoneNumber {
                        value: printable(number),
                    }
                })?;
                return PhoneNumber::normalize(&decoded).map(Contact::Tel);
            }
            return PhoneNumber::normalize(number).map(Contact::Tel);
        }
        let body = strip_prefix_ci(t, "sips:")
            .or_else(|| strip_prefix_ci(t, "sip:"))
            .unwrap_or(t);
        // A scheme we do not know (`javascript:`, `http:`, `mailto:`...) before any '@'.
        if let Some(colon) = body.find(':') {
            if body.find('@').is_none_or(|at| colon < at) {
                return Err(ContactError::UnsupportedScheme {
                    value: printable(s),
                });
            }
        }
        // URI parameters (`;transport=tls`) and headers (`?subject=...`) are not part
        // of the address.
        let mut parts = body.split('?').next().unwrap_or("").split(';');
        let address = parts.next().unwrap_or("").trim();
        // `sip:+14255550100@contoso.com;user=phone` is a phone number in SIP form
        // (RFC 3261, section 19.1.6): its user part is the number.
        let user_phone = parts.any(|p| p.trim().eq_ignore_ascii_case("user=phone"));
        if user_phone {
            if let Some((number, _)) = address.split_once('@') {
                return PhoneNumber::normalize(number).map(Contact::Tel);
            }
        }
        address.parse().map(Contact::Sip)
    }

    /// Parses a whole `%contact-id%` token: `Contacts=<sip:a@x>,<tel:1;phone-context=y>`
    /// (the `Contacts=` prefix is optional), or one bare contact. Duplicates are removed,
    /// the first occurrence keeping its place. Any malformed entry rejects the token.
    pub fn parse_list(token: &str) -> Result<Vec<Contact>, ContactError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(ContactError::TooLong { len: token.len() });
        }
        if token.chars().any(char::is_control) {
            return Err(ContactError::ControlCharacter {
                value: printable(token),
            });
        }
        let t = token.trim();
        let t = strip_prefix_ci(t, "contacts=").unwrap_or(t).trim();
        if t.is_empty() {
            return Err(ContactError::Empty);
        }
        let items = split_list(t).ok_or_else(|| ContactError::UnbalancedBrackets {
            value: printable(token),
        })?;
        if items.len() > MAX_CONTACTS {
            return Err(ContactError::TooMany { count: items.len() });
        }
        let mut out: Vec<Contact> = Vec::with_capacity(items.len());
        for item in items {
            let c = Contact::parse(item)?;
            if !out.contains(&c) {
                out.push(c);
            }
        }
        Ok(out)
    }
}

/// Splits a contact list on the commas that are outside `<...>`.
fn split_list(s: &str) -> Option<Vec<&str>> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '<' => {
                if depth > 0 {
                    return None;
                }
                depth += 1;
            }
            '>' => depth = depth.checked_sub(1)?,
            ',' if depth == 0 => {
                items.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return None;
    }
    items.push(&s[start..]);
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    // The same tests run in headless Chromium under `cargo xtask test`.
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn sip(s: &str) -> Contact {
        Contact::Sip(SipAddress(s.to_string()))
    }

    #[test]
    fn printable_escapes_exactly_as_escape_debug_does() {
        let slow = |s: &str| {
            let mut out: String = s.chars().take(120).flat_map(char::escape_debug).collect();
            if s.chars().count() > 120 {
                out.push('…');
            }
            out
        };
        // Every ASCII character alone, inside a value, and at the length limit.
        for b in 0u8..128 {
            let c = char::from(b);
            for s in [
                c.to_string(),
                format!("a{c}b"),
                format!("{}{c}", "x".repeat(119)),
            ] {
                assert_eq!(printable(&s), slow(&s), "{b}");
            }
        }
        for s in [
            "",
            "john.doe@contoso.com",
            "https://ev.example/?a=1&b=2",
            "é\u{202e}x",
            &"y".repeat(121),
        ] {
            assert_eq!(printable(s), slow(s), "{s}");
        }
        assert_eq!(printable("a\nb"), "a\\nb");
        assert_eq!(printable("it's"), "it\\'s");
    }

    fn tel(s: &str) -> Contact {
        Contact::Tel(PhoneNumber(s.to_string()))
    }

    #[track_caller]
    fn check(input: &str, expected: &[Contact]) {
        match Contact::parse_list(input) {
            Ok(got) => assert_eq!(got, expected, "input {input:?}"),
            Err(e) => panic!("input {input:?}: unexpected error {e}"),
        }
    }

    #[track_caller]
    fn reject(input: &str) -> ContactError {
        match Contact::parse_list(input) {
            Ok(got) => panic!("input {input:?} should be rejected, got {got:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn single_contact_forms() {
        let john = [sip("john.doe@contoso.com")];
        for input in [
            "Contacts=<sip:John.Doe@contoso.com>",
            "contacts=<sip:john.doe@contoso.com>",
            "Contacts=<SIP:John.Doe@Contoso.COM>",
            "Contacts=<sips:john.doe@contoso.com>",
            "<sip:john.doe@contoso.com>",
            "sip:john.doe@contoso.com",
            "john.doe@contoso.com",
            "  sip:john.doe@contoso.com  ",
            "Contacts= <sip:john.doe@contoso.com> ",
            "Contacts=< sip:john.doe@contoso.com >",
            "sip:john.doe@contoso.com;transport=tls",
            "Contacts=<sip:john.doe@contoso.com;transport=tls;maddr=10.0.0.1>",
            "sip:john.doe@contoso.com?subject=hello",
        ] {
            check(input, &john);
        }
    }

    #[test]
    fn several_contacts() {
        check(
            "Contacts=<sip:user1@fusion4.net>,<tel:1234;phone-context=labda>,<sip:user2@fusion4.net>",
            &[sip("user1@fusion4.net"), tel("1234"), sip("user2@fusion4.net")],
        );
        check(
            "Contacts=<sip:a@x.com>, <sip:b@x.com>",
            &[sip("a@x.com"), sip("b@x.com")],
        );
        check("sip:a@x.com,sip:b@x.com", &[sip("a@x.com"), sip("b@x.com")]);
        // Duplicates, whatever their case, are one contact.
        check(
            "Contacts=<sip:a@x.com>,<sip:A@X.com>,<sip:b@x.com>",
            &[sip("a@x.com"), sip("b@x.com")],
        );
    }

    #[test]
    fn sip_uris_with_user_phone_are_phone_numbers() {
        for (uri, number) in [
            ("sip:+14255550100@contoso.com;user=phone", "+14255550100"),
            (
                "<sip:+1-425-555-0100@contoso.com;user=phone>",
                "+14255550100",
            ),
            (
                "SIP:+33123456789@contoso.com;transport=tls;USER=PHONE",
                "+33123456789",
            ),
        ] {
            match Contact::parse(uri) {
                Ok(Contact::Tel(n)) => assert_eq!(n.as_str(), number, "{uri}"),
                other => panic!("{uri}: {other:?}"),
            }
        }
        // Without user=phone it is an address like any other.
        assert!(matches!(
            Contact::parse("sip:+14255550100@contoso.com"),
            Ok(Contact::Sip(_))
        ));
        // user=phone with a user part that is not a number is refused.
        assert!(Contact::parse("sip:john@contoso.com;user=phone").is_err());
        // In a list, next to an address.
        let list =
            Contact::parse_list("Contacts=<sip:a@x.com>,<sip:+14255550100@x.com;user=phone>")
                .unwrap();
        assert!(matches!(list[1], Contact::Tel(_)));
    }

    #[test]
    fn phone_numbers() {
        check("tel:+33 1 23 45 67 89", &[tel("+33123456789")]);
        check(
            "<tel:+33123456789;phone-context=example.com>",
            &[tel("+33123456789")],
        );
        check("TEL:+1-(425)-555-0100", &[tel("+14255550100")]);
        check("tel:1234;phone-context=labda", &[tel("1234")]);
        // The trunk prefix noted "(0)" in international numbers is not dialled.
        check("tel:+33 (0)1 23 45 67 89", &[tel("+33123456789")]);
        check("tel:+44 (0)20 7946 0000", &[tel("+442079460000")]);
        // In a national number, "(0)" is an ordinary digit.
        check("tel:(0)1 23 45 67 89", &[tel("0123456789")]);
        for same in [
            "+33 1 23 45 67 89",
            "+33123456789",
            "+33 (0)1 23 45 67 89",
            "+33-1-23-45-67-89",
        ] {
            assert_eq!(
                PhoneNumber::normalize(same).unwrap(),
                PhoneNumber("+33123456789".into()),
                "{same}"
            );
        }
        assert!(matches!(
            reject("tel:+33abc"),
            ContactError::NotAPhoneNumber { .. }
        ));
        assert!(matches!(
            reject("tel:+"),
            ContactError::NotAPhoneNumber { .. }
        ));
        assert!(matches!(
            reject("tel:+1234567890123456"),
            ContactError::NotAPhoneNumber { .. }
        ));
    }

    #[test]
    fn addresses_keep_legal_characters() {
        check("sip:john+it@contoso.com", &[sip("john+it@contoso.com")]);
        check("sip:o'neil@contoso.co.uk", &[sip("o'neil@contoso.co.uk")]);
        check(
            "sip:a_b-c@sub-1.contoso.com",
            &[sip("a_b-c@sub-1.contoso.com")],
        );
    }

    #[test]
    fn hostile_and_malformed_inputs_are_rejected() {
        let not_address = [
            "",
            "Contacts=",
            "Contacts=<>",
            "sip:",
            "sip:john.doe",
            "sip:@contoso.com",
            "sip:john@",
            "sip:john@localhost",
            "sip:a@b@c.com",
            "sip:john doe@contoso.com",
            "sip:john/doe@contoso.com",
            "sip:john@contoso.com/evil",
            "sip:john@evil.com\\@contoso.com",
            "//evil.com",
            "/\\evil.com",
            "sip:john%40contoso.com@x.com",
            "sip:%3Cjohn@contoso.com",
            "sip:john@contoso..com",
            "sip:.john@contoso.com",
            "sip:john@-contoso.com",
            "sip:john@contoso.com&url_requestor=evil@evil.com",
            "sip:john@cont<oso.com",
            "sip:jöhn@contoso.com",
        ];
        for input in not_address {
            let e = reject(input);
            assert!(
                matches!(
                    e,
                    ContactError::Empty
                        | ContactError::NotAnAddress { .. }
                        | ContactError::UnbalancedBrackets { .. }
                ),
                "{input:?}: {e:?}"
            );
        }
        for input in [
            "javascript:alert(1)",
            "http://evil.com",
            "http:evil.com",
            "mailto:john@contoso.com",
            "Contacts=<javascript:alert(1)//@contoso.com>",
        ] {
            assert!(
                matches!(reject(input), ContactError::UnsupportedScheme { .. }),
                "{input:?}"
            );
        }
        for input in [
            "sip:john@contoso.com\r\nLocation: http://evil",
            "sip:john@contoso.com\n",
            "sip:jo\u{0}hn@contoso.com",
        ] {
            assert!(
                matches!(reject(input), ContactError::ControlCharacter { .. }),
                "{input:?}"
            );
        }
        for input in [
            "<sip:a@x.com",
            "sip:a@x.com>",
            "<<sip:a@x.com>>",
            "<sip:a@x.com>>",
        ] {
            assert!(
                matches!(reject(input), ContactError::UnbalancedBrackets { .. }),
                "{input:?}"
            );
        }
    }

    #[test]
    fn one_bad_entry_rejects_the_list() {
        reject("Contacts=<sip:a@x.com>,<javascript:alert(1)>");
        reject("Contacts=<sip:a@x.com>,<sip:nope>");
    }

    #[test]
    fn absurd_lengths() {
        let long_local = format!("sip:{}@contoso.com", "a".repeat(65));
        assert!(matches!(
            reject(&long_local),
            ContactError::NotAnAddress { .. }
        ));
        let long = format!("sip:a@{}.com", "b".repeat(300));
        assert!(matches!(reject(&long), ContactError::TooLong { .. }));
        let huge = "a".repeat(MAX_TOKEN_LEN + 1);
        assert!(matches!(reject(&huge), ContactError::TooLong { .. }));
        let many = (0..=MAX_CONTACTS)
            .map(|i| format!("<sip:u{i}@x.com>"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(matches!(reject(&many), ContactError::TooMany { .. }));
    }

    #[test]
    fn display_and_round_trip() {
        let c = Contact::parse("SIP:John.Doe@Contoso.com;transport=tls").unwrap();
        assert_eq!(c.to_string(), "sip:john.doe@contoso.com");
        assert_eq!(Contact::parse(&c.to_string()).unwrap(), c);
        let t = Contact::parse("tel:+33 1 23 45 67 89").unwrap();
        assert_eq!(t.to_string(), "tel:+33123456789");
        let a: SipAddress = "John@Contoso.com".parse().unwrap();
        assert_eq!(a.domain(), "contoso.com");
    }

    #[test]
    fn links_a_browser_hands_over_as_protocol_handler() {
        // What is left of `?contactId=%s` once the query is decoded: the whole link.
        check("sip:john.doe@contoso.com", &[sip("john.doe@contoso.com")]);
        // URI parameters and headers (RFC 3261) say how to call, not whom: dropped.
        for link in [
            "sip:John.Doe@contoso.com;transport=tls?subject=x",
            "sip:john.doe@contoso.com?subject=x%20y&priority=urgent",
            "sips:john.doe@contoso.com;maddr=10.0.0.1;lr",
        ] {
            check(link, &[sip("john.doe@contoso.com")]);
        }
        // A password or a port is not part of an address: refused, with the value.
        for link in ["sip:john:secret@contoso.com", "sip:john@contoso.com:5061"] {
            let e = reject(link);
            assert!(
                matches!(
                    e,
                    ContactError::UnsupportedScheme { .. } | ContactError::NotAnAddress { .. }
                ),
                "{link}: {e:?}"
            );
        }
        // tel: links as the browser serialises them (spaces kept), or as web pages
        // write them (spaces encoded).
        for link in [
            "tel:+33 1 23 45 67 89",
            "tel:+33%201%2023%2045%2067%2089",
            "tel:%2B33-1-23-45-67-89;phone-context=x",
        ] {
            check(link, &[tel("+33123456789")]);
        }
        // Decoding a tel: number lets nothing else in.
        for link in [
            "tel:+33%0A123",
            "tel:+33%25201",
            "tel:+33%FF1",
            "tel:+33%2F1",
        ] {
            assert!(
                matches!(reject(link), ContactError::NotAPhoneNumber { .. }),
                "{link}"
            );
        }
    }

    #[test]
    fn messages_in_french_keep_their_values() {
        crate::i18n::set_language("fr");
        let address = reject("sip:john.doe").to_string();
        let scheme = reject("javascript:alert(1)").to_string();
        let many = ContactError::TooMany { count: 51 }.to_string();
        crate::i18n::set_language("en");
        assert!(address.contains("john.doe"), "{address}");
        assert!(
            address.contains("adresse") && address.contains('@'),
            "{address}"
        );
        assert!(scheme.contains("javascript:alert(1)"), "{scheme}");
        assert!(scheme.contains("sip:, sips: et tel:"), "{scheme}");
        assert!(many.contains("51") && many.contains("50"), "{many}");
        // And back in English.
        assert_eq!(
            reject("sip:john.doe").to_string(),
            "'john.doe' is not a valid address: it has no '@'"
        );
    }

    #[test]
    fn messages_name_the_value_and_escape_it() {
        let e = reject("sip:john@contoso.com\r\nX");
        assert_eq!(
            e.to_string(),
            "the contact 'sip:john@contoso.com\\r\\nX' contains a control character"
        );
        let e = reject("sip:john.doe");
        assert_eq!(
            e.to_string(),
            "'john.doe' is not a valid address: it has no '@'"
        );
    }
}
