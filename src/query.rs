//! The page's own query string: `contactId`, `userId`, `profile` and `dryrun`.
//!
//! Lync substitutes `%contact-id%` raw, so its value carries `=`, `;` and `,`, and
//! Microsoft documents `;` as the separator before it
//! (`?userId=%user-id%;contactId=%contact-id%`). Form decoding would also turn the `+`
//! of `tel:+33...` or `john+it@contoso.com` into a space. So the query is split here by
//! hand: `&` always separates parameters, `;` only when a parameter name this page
//! knows follows it, and each value is percent-decoded exactly once, keeping `+`.

use std::fmt;

use percent_encoding::percent_decode_str;

use crate::contact::{printable, Contact, ContactError};

/// The parameter names the page reads (compared case-insensitively).
const KNOWN: [&str; 4] = ["contactid", "userid", "profile", "dryrun"];

/// What the page was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageQuery {
    /// The contacts of the conversation, without the signed-in technician.
    pub contacts: Vec<Contact>,
    /// The signed-in technician (`userId`), when given and readable.
    pub user: Option<Contact>,
    /// The profile asked for with `profile=`.
    pub profile: Option<String>,
    /// `dryrun=1`: show the decision instead of navigating.
    pub dry_run: bool,
    /// Contacts that were dropped because they are the signed-in technician.
    pub removed_self: bool,
}

/// Why the page's query could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryError {
    /// No `contactId` parameter.
    MissingContact,
    /// A parameter appears twice (a way to smuggle a second value past a check).
    Duplicate {
        /// The parameter name.
        name: String,
    },
    /// A value is not valid percent-encoded UTF-8.
    BadEncoding {
        /// The parameter name.
        name: String,
    },
    /// The `contactId` value is not a contact list.
    Contact(ContactError),
    /// The only contact left is the signed-in technician.
    OnlySelf {
        /// The technician's address.
        user: String,
    },
    /// `profile=` names something that is not a profile name.
    BadProfileName {
        /// The value given.
        value: String,
    },
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::MissingContact => f.write_str(&crate::tr!("query-no-contact")),
            QueryError::Duplicate { name } => {
                f.write_str(&crate::tr!("query-duplicate", name = name))
            }
            QueryError::BadEncoding { name } => {
                f.write_str(&crate::tr!("query-encoding", name = name))
            }
            QueryError::Contact(e) => write!(f, "{e}"),
            QueryError::OnlySelf { user } => {
                f.write_str(&crate::tr!("query-only-self", user = user))
            }
            QueryError::BadProfileName { value } => {
                f.write_str(&crate::tr!("query-profile-name", value = value))
            }
        }
    }
}

impl std::error::Error for QueryError {}

impl From<ContactError> for QueryError {
    fn from(e: ContactError) -> Self {
        QueryError::Contact(e)
    }
}

/// How a contact list's angle brackets at `bytes[i..]` change the nesting: `<` or
/// `%3C` opens, `>` or `%3E` closes (browsers send Lync's raw `<`/`>` either way).
fn bracket(bytes: &[u8], i: usize) -> i32 {
    match bytes[i] {
        b'<' => 1,
        b'>' => -1,
        b'%' => match bytes.get(i + 1..i + 3) {
            Some(h) if h.eq_ignore_ascii_case(b"3c") => 1,
            Some(h) if h.eq_ignore_ascii_case(b"3e") => -1,
            _ => 0,
        },
        _ => 0,
    }
}

/// Whether `raw` ends inside a contact's `<...>`: the list was cut, by a `#` the
/// browser took for the start of a fragment.
fn ends_inside_brackets(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    (0..bytes.len()).fold(0i32, |depth, i| (depth + bracket(bytes, i)).max(0)) > 0
}

/// The query string the page works on: `search` (`location.search`), followed by
/// `hash` (`location.hash`, with its `#`) when the contact list was cut there. Lync
/// substitutes `%contact-id%` raw, so a `#` in an address (`<sip:r#d@x.com>`, legal in
/// its user part) starts a fragment in the browser's eyes.
pub fn with_fragment(search: &str, hash: &str) -> String {
    if hash.len() > 1 && ends_inside_brackets(search) {
        format!("{search}{hash}")
    } else {
        search.to_string()
    }
}

/// Splits a raw query string (with or without its leading `?`) into raw
/// `(name, value)` pairs, names lowercased, values still percent-encoded.
fn split_params(raw: &str) -> Vec<(String, &str)> {
    let raw = raw.strip_prefix('?').unwrap_or(raw);
    // Positions where a parameter starts: 0, then after every '&' and after a ';'
    // that is followed by a known name and '=', unless inside a contact's `<...>`:
    // Lync substitutes addresses raw, and `&` is legal in their user part
    // (`<sip:r&d@x.com>`).
    let mut starts = vec![0usize];
    let bytes = raw.as_bytes();
    let mut depth = 0i32;
    for (i, &b) in bytes.iter().enumerate() {
        depth = (depth + bracket(bytes, i)).max(0);
        let next = i + 1;
        let separates = b == b'&' || (b == b';' && starts_known_param(&raw[next..]));
        if separates && depth == 0 {
            starts.push(next);
        }
    }
    let mut out = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(raw.len(), |&n| n - 1);
        let part = &raw[start..end];
        if part.is_empty() {
            continue;
        }
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        out.push((name.to_ascii_lowercase(), value));
    }
    out
}

/// Whether `rest` starts with a known parameter name and `=`. Compares bytes: `rest`
/// may hold any UTF-8 after the name.
fn starts_known_param(rest: &str) -> bool {
    let rest = rest.as_bytes();
    KNOWN.iter().any(|k| {
        rest.get(..k.len() + 1).is_some_and(|head| {
            head[..k.len()].eq_ignore_ascii_case(k.as_bytes()) && head[k.len()] == b'='
        })
    })
}

fn decode(name: &str, value: &str) -> Result<String, QueryError> {
    percent_decode_str(value)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| QueryError::BadEncoding {
            name: name.to_string(),
        })
}

impl PageQuery {
    /// Reads the page's query string (`location.search`).
    pub fn parse(raw: &str) -> Result<PageQuery, QueryError> {
        let mut contact_raw = None;
        let mut user_raw = None;
        let mut profile = None;
        let mut dry_run = false;
        for (name, value) in split_params(raw) {
            let slot = match name.as_str() {
                "contactid" => &mut contact_raw,
                "userid" => &mut user_raw,
                "profile" => &mut profile,
                "dryrun" => {
                    let v = decode(&name, value)?;
                    dry_run = matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes");
                    continue;
                }
                _ => continue,
            };
            if slot.is_some() {
                return Err(QueryError::Duplicate {
                    name: original_name(&name).to_string(),
                });
            }
            *slot = Some(decode(&name, value)?);
        }
        if let Some(p) = &profile {
            if !is_profile_name(p) {
                return Err(QueryError::BadProfileName {
                    value: printable(p),
                });
            }
        }
        let contact_raw = contact_raw.ok_or(QueryError::MissingContact)?;
        let all = Contact::parse_list(&contact_raw)?;
        // The technician's own address is ignored if it cannot be read: it only ever
        // serves to leave the technician out of the list.
        let user = user_raw
            .as_deref()
            .and_then(|u| Contact::parse_list(u).ok())
            .and_then(|mut v| (v.len() == 1).then(|| v.remove(0)));
        let before = all.len();
        let contacts: Vec<Contact> = all
            .into_iter()
            .filter(|c| Some(c) != user.as_ref())
            .collect();
        let removed_self = contacts.len() != before;
        if contacts.is_empty() {
            return Err(QueryError::OnlySelf {
                user: user.map(|u| u.to_string()).unwrap_or_default(),
            });
        }
        Ok(PageQuery {
            contacts,
            user,
            profile,
            dry_run,
            removed_self,
        })
    }
}

/// Whether `p` may name a profile: 1 to 64 ASCII letters, digits, `-`, `_` or `.`.
fn is_profile_name(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 64
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// The profile a query asks for (`profile=`), when it names one validly and once,
/// whether or not the query has contacts: the page opened without a contact keeps it
/// in the links it registers (see [`handler_url`]).
pub fn requested_profile(raw: &str) -> Option<String> {
    let mut found = None;
    for (name, value) in split_params(raw) {
        if name == "profile" {
            if found.is_some() {
                return None;
            }
            found = Some(decode(&name, value).ok()?);
        }
    }
    found.filter(|p| is_profile_name(p))
}

/// The address a browser opens for a `sip:` or `tel:` link once the page is their
/// protocol handler (`navigator.registerProtocolHandler(scheme, url)`): the page's
/// address `page` without its query and fragment, then `?contactId=%s`, after
/// `profile=NAME&` when the page was opened with a profile. The browser replaces `%s`
/// with the whole link, percent-encoded (`?contactId=sip%3Ajohn.doe%40contoso.com`),
/// which [`PageQuery::parse`] reads like any contact; `%s` comes last, so that nothing
/// a link carries can reach another parameter.
pub fn handler_url(page: &str, profile: Option<&str>) -> String {
    let base = page.split(['?', '#']).next().unwrap_or(page);
    match profile.filter(|p| is_profile_name(p)) {
        Some(p) => format!("{base}?profile={p}&contactId=%s"),
        None => format!("{base}?contactId=%s"),
    }
}

fn original_name(lower: &str) -> &'static str {
    match lower {
        "contactid" => "contactId",
        "userid" => "userId",
        "profile" => "profile",
        _ => "dryrun",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The same tests run in headless Chromium under `cargo xtask test`.
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn sip(s: &str) -> Contact {
        Contact::parse(s).unwrap()
    }

    #[track_caller]
    fn contacts(raw: &str) -> Vec<Contact> {
        match PageQuery::parse(raw) {
            Ok(q) => q.contacts,
            Err(e) => panic!("{raw:?}: {e}"),
        }
    }

    #[test]
    fn raw_ampersands_and_hashes_inside_addresses() {
        let rd = vec![sip("sip:r&d@x.com")];
        for raw in [
            "?contactId=Contacts=<sip:r&d@x.com>",
            "?contactId=Contacts=%3Csip:r&d@x.com%3E",
            "?userId=sip:t@x.com;contactId=Contacts=<sip:r&d@x.com>",
            "?contactId=Contacts=<sip:r&d@x.com>&dryrun=1",
        ] {
            assert_eq!(contacts(raw), rd, "{raw}");
        }
        let q = PageQuery::parse("?contactId=Contacts=<sip:r&d@x.com>&dryrun=1").unwrap();
        assert!(q.dry_run);
        // Several contacts, one with '&'.
        assert_eq!(
            contacts("?contactId=Contacts=%3Csip:a@x.com%3E,%3Csip:r&d@x.com%3E"),
            vec![sip("sip:a@x.com"), sip("sip:r&d@x.com")]
        );
        // '&' outside brackets still separates, and what it smuggles stays out.
        let q = PageQuery::parse("?contactId=sip:a@x.com&profile=p").unwrap();
        assert_eq!(q.profile.as_deref(), Some("p"));
        // A '&' inside an unclosed bracket cannot add a parameter: the list is refused.
        assert!(PageQuery::parse("?contactId=%3Csip:a@x.com&dryrun=1").is_err());
        // A '#': the browser cut the list there; the page joins the fragment back.
        let search = "?contactId=Contacts=%3Csip:r";
        let joined = with_fragment(search, "#d@x.com%3E");
        assert_eq!(joined, "?contactId=Contacts=%3Csip:r#d@x.com%3E");
        assert_eq!(contacts(&joined), vec![sip("sip:r#d@x.com")]);
        // A fragment after a whole list is not part of it.
        assert_eq!(
            with_fragment("?contactId=sip:a@x.com", "#top"),
            "?contactId=sip:a@x.com"
        );
        assert_eq!(with_fragment(search, ""), search);
        // Double-encoded brackets are not brackets.
        assert_eq!(
            with_fragment("?contactId=%253Csip:r", "#d"),
            "?contactId=%253Csip:r"
        );
    }

    #[test]
    fn non_ascii_after_a_separator_does_not_panic() {
        // Each once panicked, slicing inside a multi-byte character.
        for raw in [
            "?contactId=sip:a@x.com;aaaaaé",
            "?contactId=sip:a@x.com;dryruné=1",
            "?contactId=sip:a@x.com;contactié=1",
            "?contactId=sip:a@x.com;aaaa€",
            "?contactId=sip:a@x.com;é",
            "?contactId=sip:a@x.com;useridé",
        ] {
            // Refused (the contact is not an address) or read: never a panic.
            let _ = PageQuery::parse(raw);
        }
        // A known name after ';' still separates, whatever follows its value.
        let q = PageQuery::parse("?contactId=sip:a@x.com;dryrun=é").unwrap();
        assert_eq!(q.contacts, vec![sip("sip:a@x.com")]);
    }

    #[test]
    fn every_lync_form_gives_the_same_contact() {
        let john = vec![sip("sip:john.doe@contoso.com")];
        for raw in [
            // Raw, as Lync substitutes it; a browser encodes < and >.
            "?contactId=Contacts=<sip:John.Doe@contoso.com>",
            "?contactId=Contacts=%3Csip:John.Doe@contoso.com%3E",
            // Fully percent-encoded.
            "?contactId=Contacts%3D%3Csip%3AJohn.Doe%40contoso.com%3E",
            "?contactid=Contacts%3d%3csip%3aJohn.Doe%40contoso.com%3e",
            "?contactId=sip:john.doe@contoso.com",
            "?contactId=SIP:john.doe@contoso.com",
            "?contactId=sips:john.doe@contoso.com",
            "?contactId=john.doe@contoso.com",
            "?contactId=%20sip:john.doe@contoso.com%20",
            "?contactId=sip:john.doe@contoso.com;transport=tls",
            "?contactId=Contacts=<sip:john.doe@contoso.com;transport=tls>",
            // Microsoft's documented form.
            "?userId=sip:tech@contoso.com;contactId=Contacts=<sip:john.doe@contoso.com>",
            "?userId=%3Csip:tech@contoso.com%3E;contactId=Contacts=%3Csip:john.doe@contoso.com%3E",
            // A profile first, contactId last.
            "?profile=sandbox&contactId=Contacts=<sip:john.doe@contoso.com>",
            "?profile=sandbox;contactId=Contacts=<sip:john.doe@contoso.com>",
            // Parameters after contactId still work.
            "?contactId=Contacts=<sip:john.doe@contoso.com>&dryrun=1",
            "contactId=sip:john.doe@contoso.com",
        ] {
            assert_eq!(contacts(raw), john, "{raw}");
        }
    }

    #[test]
    fn several_contacts_and_the_signed_in_user() {
        let q = PageQuery::parse(
            "?userId=sip:user0@fusion4.net;contactId=Contacts=<sip:user1@fusion4.net>,<tel:1234;phone-context=labda>,<sip:User0@fusion4.net>,<sip:user2@fusion4.net>",
        )
        .unwrap();
        assert_eq!(
            q.contacts,
            vec![
                sip("sip:user1@fusion4.net"),
                sip("tel:1234"),
                sip("sip:user2@fusion4.net")
            ]
        );
        assert_eq!(q.user, Some(sip("sip:user0@fusion4.net")));
        assert!(q.removed_self);
        // Only the technician left: an error, not a quick call for oneself.
        let e =
            PageQuery::parse("?userId=sip:a@x.com;contactId=Contacts=<sip:A@x.com>").unwrap_err();
        assert!(matches!(e, QueryError::OnlySelf { .. }), "{e:?}");
        // An unreadable userId is ignored.
        let q = PageQuery::parse("?userId=%user-id%;contactId=sip:a@x.com").unwrap();
        assert_eq!(q.contacts, vec![sip("sip:a@x.com")]);
        assert_eq!(q.user, None);
    }

    #[test]
    fn plus_signs_survive() {
        assert_eq!(
            contacts("?contactId=tel:+33123456789"),
            vec![sip("tel:+33123456789")]
        );
        assert_eq!(
            contacts("?contactId=tel:+33%201%2023%2045%2067%2089"),
            vec![sip("tel:+33123456789")]
        );
        assert_eq!(
            contacts("?contactId=sip:john+it@contoso.com"),
            vec![sip("sip:john+it@contoso.com")]
        );
    }

    #[test]
    fn profile_and_dry_run() {
        let q = PageQuery::parse("?profile=db50004&dryrun=1&contactId=sip:a@x.com").unwrap();
        assert_eq!(q.profile.as_deref(), Some("db50004"));
        assert!(q.dry_run);
        let q = PageQuery::parse("?dryrun=0&contactId=sip:a@x.com").unwrap();
        assert!(!q.dry_run);
        assert!(matches!(
            PageQuery::parse("?profile=../x&contactId=sip:a@x.com"),
            Err(QueryError::BadProfileName { .. })
        ));
    }

    #[test]
    fn hostile_queries() {
        // Smuggling a second value.
        assert!(matches!(
            PageQuery::parse("?contactId=sip:a@x.com&contactId=sip:b@x.com"),
            Err(QueryError::Duplicate { .. })
        ));
        assert!(matches!(
            PageQuery::parse("?contactId=sip:a@x.com;contactId=sip:b@x.com"),
            Err(QueryError::Duplicate { .. })
        ));
        // An encoded '&' stays inside the value, which then is not an address.
        assert!(
            PageQuery::parse("?contactId=sip:a@x.com%26url_requestor%3Devil@evil.com").is_err()
        );
        // Double encoding is decoded once, and what is left is not an address.
        assert!(matches!(
            PageQuery::parse("?contactId=Contacts%253D%253Csip%253Aa%2540x.com%253E"),
            Err(QueryError::Contact(_))
        ));
        assert!(matches!(
            PageQuery::parse("?contactId=sip%3Aa%2540x.com"),
            Err(QueryError::Contact(_))
        ));
        // CR/LF, encoded.
        assert!(matches!(
            PageQuery::parse("?contactId=sip:a@x.com%0D%0ALocation:%20http://evil"),
            Err(QueryError::Contact(ContactError::ControlCharacter { .. }))
        ));
        for raw in [
            "?contactId=//evil.com",
            "?contactId=/%5Cevil.com",
            "?contactId=http:evil.com",
            "?contactId=javascript:alert(1)",
            "?contactId=https://evil.com/@x.com",
        ] {
            assert!(
                matches!(PageQuery::parse(raw), Err(QueryError::Contact(_))),
                "{raw}"
            );
        }
        assert!(matches!(
            PageQuery::parse("?contactId=%FF%FE"),
            Err(QueryError::BadEncoding { .. })
        ));
    }

    #[test]
    fn links_a_browser_opens_as_protocol_handler() {
        // `?contactId=%s`, %s the whole link encoded as a query value.
        let john = vec![sip("sip:john.doe@contoso.com")];
        for raw in [
            "?contactId=sip%3Ajohn.doe%40contoso.com",
            "?contactId=sip%3AJohn.Doe%40contoso.com%3Btransport%3Dtls%3Fsubject%3Dx",
            "?contactId=sips%3Ajohn.doe%40contoso.com%3Fsubject%3Dx%2520y",
            "?profile=sandbox&contactId=sip%3Ajohn.doe%40contoso.com",
        ] {
            assert_eq!(contacts(raw), john, "{raw}");
        }
        let phone = vec![sip("tel:+33123456789")];
        for raw in [
            "?contactId=tel%3A%2B33%201%2023%2045%2067%2089",
            "?contactId=tel%3A%2B33123456789",
            // A web page's link with its spaces already encoded, encoded again.
            "?contactId=tel%3A%2B33%25201%252023%252045%252067%252089",
        ] {
            assert_eq!(contacts(raw), phone, "{raw}");
        }
        // What a link carries stays inside contactId.
        let q =
            PageQuery::parse("?contactId=sip%3Aa%40x.com%3Fprofile%3Devil%26dryrun%3D1").unwrap();
        assert_eq!(q.contacts, vec![sip("sip:a@x.com")]);
        assert_eq!(q.profile, None);
        assert!(!q.dry_run);
        // Smuggling attempts are refused as from Lync.
        for raw in [
            "?contactId=sip%3Aa%2540x.com",
            "?contactId=javascript%3Aalert(1)",
            "?contactId=sip%3Ajohn%40evil.com%2Fcontoso.com",
        ] {
            assert!(
                matches!(PageQuery::parse(raw), Err(QueryError::Contact(_))),
                "{raw}"
            );
        }
    }

    #[test]
    fn the_address_to_register_as_protocol_handler() {
        let page = "https://intranet.contoso.com/quickcall/index.html";
        assert_eq!(
            handler_url(page, None),
            "https://intranet.contoso.com/quickcall/index.html?contactId=%s"
        );
        assert_eq!(
            handler_url(&format!("{page}?profile=sandbox#top"), Some("sandbox")),
            "https://intranet.contoso.com/quickcall/index.html?profile=sandbox&contactId=%s"
        );
        assert_eq!(
            handler_url("http://127.0.0.1:8080/", None),
            "http://127.0.0.1:8080/?contactId=%s"
        );
        assert_eq!(
            handler_url(page, Some("../x")),
            format!("{page}?contactId=%s")
        );
        assert_eq!(
            requested_profile("?profile=sandbox"),
            Some("sandbox".into())
        );
        assert_eq!(
            requested_profile("?dryrun=1;profile=db50004"),
            Some("db50004".into())
        );
        assert_eq!(requested_profile(""), None);
        assert_eq!(requested_profile("?profile=../x"), None);
        assert_eq!(requested_profile("?profile=a&profile=b"), None);
        // The registered address, once the browser fills it in, reads back.
        let url = handler_url(page, Some("sandbox")).replace("%s", "tel%3A%2B33%201%2023");
        let q = PageQuery::parse(&url[url.find('?').unwrap()..]).unwrap();
        assert_eq!(q.profile.as_deref(), Some("sandbox"));
        assert_eq!(q.contacts, vec![sip("tel:+33123")]);
    }

    #[test]
    fn messages_in_french_keep_their_values() {
        crate::i18n::set_language("fr");
        let twice = PageQuery::parse("?contactId=sip:a@x.com&contactId=sip:b@x.com")
            .unwrap_err()
            .to_string();
        let me = PageQuery::parse("?userId=sip:t@x.com;contactId=sip:t@x.com")
            .unwrap_err()
            .to_string();
        crate::i18n::set_language("en");
        assert!(
            twice.contains("contactId") && twice.contains("plusieurs fois"),
            "{twice}"
        );
        assert!(me.contains("t@x.com") && me.contains("vous"), "{me}");
    }

    #[test]
    fn missing_contact() {
        for raw in ["", "?", "?profile=x", "?contactId=", "?contactId=Contacts="] {
            assert!(PageQuery::parse(raw).is_err(), "{raw}");
        }
        assert_eq!(
            PageQuery::parse("?profile=x").unwrap_err(),
            QueryError::MissingContact
        );
    }
}
