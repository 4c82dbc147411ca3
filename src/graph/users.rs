//! The lookups: one `GET {graph_url}/v1.0/users?$filter=...&$select=...` a contact and
//! property, and what Graph answers.
//!
//! Only filters that Graph supports without advanced-query headers are used for SIP
//! contacts, one property at a time:
//! `imAddresses/any(i:i eq '...')`, `proxyAddresses/any(p:p eq 'SIP:...')`,
//! `mail eq '...'`, `userPrincipalName eq '...'`. The value is an OData string literal
//! with `'` doubled, and the contact was validated before ([`crate::SipAddress`]), so no
//! contact can close the literal and widen the filter; the whole filter is then
//! percent-encoded into the query.
//!
//! `tel:` contacts: Graph cannot filter on `businessPhones`, and `mobilePhone` only as an
//! advanced query (`ConsistencyLevel: eventual` and `$count=true`). A global (E.164)
//! number is looked up as `mobilePhone eq '+33...'`, which finds the people whose mobile
//! number is stored in exactly that form; a local number is unknown.

use std::fmt;

use percent_encoding::utf8_percent_encode;

use super::{GraphSettings, MatchProperty, UserIdAttribute};
use crate::config::QUERY_VALUE;
use crate::contact::{printable, Contact};
use crate::directory::{Lookup, Person};
use crate::json::{FieldError, Fields};
use crate::weburl::Url;

/// At most this many people are read from one answer (the chooser shows 20).
pub const MAX_USERS: usize = 20;
/// Attempts at one request when Graph is busy (429) or failing (5xx).
pub const MAX_ATTEMPTS: u32 = 3;
/// The longest wait between attempts, in milliseconds, whatever `Retry-After` says.
pub const MAX_RETRY_WAIT_MS: u32 = 5_000;

/// An OData string literal: `'...'` with every `'` doubled.
pub fn odata_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// One request to make: a contact, the property it is looked up by, and the URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserQuery {
    /// The contact looked up.
    pub contact: Contact,
    /// The property, as Graph spells it (`imAddresses`, ..., `mobilePhone`).
    pub property: &'static str,
    /// The `$filter` expression, before encoding (shown by the dry run).
    pub filter: String,
    /// The request URL.
    pub url: Url,
    /// An advanced query: send `ConsistencyLevel: eventual`.
    pub advanced: bool,
}

/// The filter for `contact` on `property`.
pub fn filter(property: MatchProperty, address: &str) -> String {
    match property {
        MatchProperty::ImAddresses => format!("imAddresses/any(i:i eq {})", odata_string(address)),
        MatchProperty::ProxyAddresses => format!(
            "proxyAddresses/any(p:p eq {})",
            odata_string(&format!("SIP:{address}"))
        ),
        MatchProperty::Mail => format!("mail eq {}", odata_string(address)),
        MatchProperty::UserPrincipalName => {
            format!("userPrincipalName eq {}", odata_string(address))
        }
    }
}

impl GraphSettings {
    fn users_url(&self, filter: &str, advanced: bool) -> Url {
        let mut query = format!(
            "$filter={}&$select=id,displayName,{}",
            utf8_percent_encode(filter, QUERY_VALUE),
            self.userid_attribute.as_str()
        );
        if advanced {
            query.push_str("&$count=true");
        }
        self.endpoints.users.with_query(Some(&query))
    }

    /// The requests that look `contact` up, in order of preference.
    pub fn queries(&self, contact: &Contact) -> Vec<UserQuery> {
        match contact {
            Contact::Sip(address) => self
                .match_on
                .iter()
                .map(|&p| {
                    let filter = filter(p, address.as_str());
                    UserQuery {
                        contact: contact.clone(),
                        property: p.as_str(),
                        url: self.users_url(&filter, false),
                        filter,
                        advanced: false,
                    }
                })
                .collect(),
            Contact::Tel(number) if number.as_str().starts_with('+') => {
                let filter = format!("mobilePhone eq {}", odata_string(number.as_str()));
                vec![UserQuery {
                    contact: contact.clone(),
                    property: "mobilePhone",
                    url: self.users_url(&filter, true),
                    filter,
                    advanced: true,
                }]
            }
            Contact::Tel(_) => Vec::new(),
        }
    }
}

/// The user id attribute of one user of an answer, when it has a value.
fn attribute<'a>(user: &Fields<'a>, a: UserIdAttribute) -> Result<Option<&'a str>, FieldError> {
    Ok(user
        .str(a.as_str())?
        .map(str::trim)
        .filter(|v| !v.is_empty()))
}

/// Reads a `200` answer to `query`: the people it names, each matched by the query's
/// property. People without the user id attribute are left out; when every one lacks
/// it, that is an error naming the attribute.
pub fn read_users(
    settings: &GraphSettings,
    query: &UserQuery,
    body: &str,
) -> Result<Vec<Person>, GraphError> {
    let bad = |detail: String| GraphError::BadAnswer {
        detail: crate::tr!("graph-not-users", detail = detail),
    };
    let json = crate::json::parse(body).map_err(bad)?;
    let value = Fields::of(&json, "")
        .and_then(|f| f.required("value", f.array("value")))
        .map_err(|e| bad(e.to_string()))?;
    let found = value.len();
    let mut people = Vec::new();
    for (i, user) in value.iter().take(MAX_USERS).enumerate() {
        let f = Fields::of(user, &format!("value[{i}].")).map_err(|e| bad(e.to_string()))?;
        let Some(user_id) =
            attribute(&f, settings.userid_attribute).map_err(|e| bad(e.to_string()))?
        else {
            continue;
        };
        people.push(Person {
            user_id: user_id.to_string(),
            display_name: f
                .str("displayName")
                .map_err(|e| bad(e.to_string()))?
                .map(str::to_string),
            matched_by: Some(format!("{} ($filter={})", query.property, query.filter)),
        });
    }
    if found > 0 && people.is_empty() {
        return Err(GraphError::NoUserId {
            contact: query.contact.to_string(),
            attribute: settings.userid_attribute.as_str(),
        });
    }
    Ok(people)
}

/// What one contact resolves to, given the people each of its queries found, in the
/// order of the queries: the first property that finds anybody wins.
pub fn pick(found: impl IntoIterator<Item = Vec<Person>>) -> Lookup {
    found
        .into_iter()
        .find(|people| !people.is_empty())
        .map_or(Lookup::Unknown, Lookup::Found)
}

/// How long to wait before attempt `attempt + 1` (attempts count from 1) after HTTP
/// `status`, honouring `Retry-After` (seconds) up to [`MAX_RETRY_WAIT_MS`]; `None`
/// when the request must not be retried.
pub fn retry_wait_ms(status: u16, retry_after: Option<&str>, attempt: u32) -> Option<u32> {
    let retryable = status == 429 || (500..600).contains(&status);
    if !retryable || attempt >= MAX_ATTEMPTS {
        return None;
    }
    let asked = retry_after
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map(|s| s.saturating_mul(1000));
    // Without Retry-After: 0.5 s, then 1 s.
    let backoff = 500u32.saturating_mul(1 << (attempt - 1).min(4));
    Some(asked.unwrap_or(backoff).min(MAX_RETRY_WAIT_MS))
}

/// Graph's `{"error":{"code":..,"message":..}}`, as one printable line.
fn error_text(body: &str) -> String {
    let Ok(json) = crate::json::parse(body) else {
        return String::new();
    };
    let error = Fields::of(&json, "")
        .ok()
        .and_then(|f| f.object("error").ok().flatten());
    let Some(error) = error else {
        return String::new();
    };
    let text = ["code", "message"]
        .iter()
        .filter_map(|k| error.str(k).ok().flatten())
        .collect::<Vec<_>>()
        .join(": ");
    printable(&text.chars().take(300).collect::<String>())
}

/// Why a lookup in Graph failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GraphError {
    /// The request did not get an answer (network down, blocked by the page's
    /// Content-Security-Policy or by CORS, or timed out).
    Network {
        /// Graph's origin.
        origin: String,
        /// What the browser said.
        detail: String,
    },
    /// HTTP 401 with a token fresh from a sign-in.
    Unauthorized {
        /// Graph's message.
        message: String,
    },
    /// HTTP 403: the permission is missing.
    Forbidden {
        /// Graph's message.
        message: String,
    },
    /// HTTP 429 or 5xx, still after [`MAX_ATTEMPTS`] attempts.
    Busy {
        /// The last status.
        status: u16,
    },
    /// Another error status.
    Refused {
        /// The status.
        status: u16,
        /// Graph's message.
        message: String,
    },
    /// A `200` answer that is not a list of users.
    BadAnswer {
        /// What was wrong.
        detail: String,
    },
    /// Users were found, but none has the user id attribute.
    NoUserId {
        /// The contact.
        contact: String,
        /// The attribute.
        attribute: &'static str,
    },
}

impl GraphError {
    /// The error for a non-2xx `status` with `body`, after the retries (401 is only an
    /// error once a fresh sign-in did not help; the page handles the first one).
    pub fn from_status(status: u16, body: &str) -> GraphError {
        let message = error_text(body);
        match status {
            401 => GraphError::Unauthorized { message },
            403 => GraphError::Forbidden { message },
            429 | 500..=599 => GraphError::Busy { status },
            _ => GraphError::Refused { status, message },
        }
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Graph's own message, when it gave one, after the status: " (Graph said: ...)".
        let said = |m: &str| {
            if m.is_empty() {
                String::new()
            } else {
                format!(" {}", crate::tr!("graph-said", message = m))
            }
        };
        let text = match self {
            GraphError::Network { origin, detail } => {
                crate::tr!("graph-network", origin = origin, detail = detail)
            }
            GraphError::Unauthorized { message } => {
                crate::tr!("graph-unauthorized", said = said(message))
            }
            GraphError::Forbidden { message } => {
                crate::tr!("graph-forbidden", said = said(message))
            }
            GraphError::Busy { status } => {
                crate::tr!("graph-busy", status = status, attempts = MAX_ATTEMPTS)
            }
            GraphError::Refused { status, message } => {
                crate::tr!("graph-refused", status = status, said = said(message))
            }
            GraphError::BadAnswer { detail } => crate::tr!("graph-unreadable", detail = detail),
            GraphError::NoUserId { contact, attribute } => {
                crate::tr!("graph-no-user-id", contact = contact, attribute = attribute)
            }
        };
        f.write_str(&text)
    }
}

impl std::error::Error for GraphError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::settings;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn contact(s: &str) -> Contact {
        Contact::parse(s).unwrap()
    }

    #[test]
    fn one_query_per_property_in_order() {
        let q = settings().queries(&contact("sip:John.Doe@contoso.com"));
        let filters: Vec<&str> = q.iter().map(|q| q.filter.as_str()).collect();
        assert_eq!(
            filters,
            [
                "imAddresses/any(i:i eq 'john.doe@contoso.com')",
                "proxyAddresses/any(p:p eq 'SIP:john.doe@contoso.com')",
                "mail eq 'john.doe@contoso.com'",
                "userPrincipalName eq 'john.doe@contoso.com'",
            ]
        );
        assert_eq!(
            q[2].url.as_str(),
            "https://graph.microsoft.com/v1.0/users?$filter=mail%20eq%20%27john.doe%40contoso.com%27&$select=id,displayName,mail"
        );
        assert!(q.iter().all(|q| !q.advanced));
    }

    #[test]
    fn phone_numbers() {
        let q = settings().queries(&contact("tel:+33 1 40 00 00 00"));
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].filter, "mobilePhone eq '+33140000000'");
        assert!(q[0].advanced);
        assert!(q[0].url.as_str().ends_with("&$count=true"), "{}", q[0].url);
        assert!(q[0].url.as_str().contains("%2B33140000000"), "{}", q[0].url);
        assert!(settings()
            .queries(&contact("tel:1234;phone-context=x"))
            .is_empty());
    }

    /// Decodes the `$filter` the URL carries, as Graph would.
    fn sent_filter(url: &Url) -> String {
        url.query_pairs()
            .find(|(k, _)| k == "$filter")
            .map(|(_, v)| v.into_owned())
            .unwrap()
    }

    #[test]
    fn hostile_values_stay_inside_one_literal() {
        for hostile in [
            "a'b",
            "x' or mail eq 'boss@contoso.com",
            "')",
            "x') or (mail eq 'y",
            "'' or true or ''",
            "a&$select=passwordProfile",
            "a#b+c%20d",
            "é'ü",
        ] {
            for p in MatchProperty::ALL {
                let f = filter(p, hostile);
                // Strip the literal: what is left is the fixed expression.
                let open = f.find('\'').unwrap();
                let close = f.rfind('\'').unwrap();
                let inner = &f[open + 1..close];
                assert!(
                    !inner.replace("''", "").contains('\''),
                    "{hostile:?} escapes the literal: {f}"
                );
                assert_eq!(
                    inner.replace("''", "'"),
                    if p == MatchProperty::ProxyAddresses {
                        format!("SIP:{hostile}")
                    } else {
                        hostile.to_string()
                    }
                );
                let url = settings().users_url(&f, false);
                assert_eq!(sent_filter(&url), f, "{hostile:?}");
                let params: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
                assert_eq!(params, ["$filter", "$select"], "{hostile:?}: {url}");
            }
        }
        // A contact with a quote, as Lync may send it.
        let q = settings().queries(&contact("sip:sean.o'brien@contoso.com"));
        assert_eq!(q[2].filter, "mail eq 'sean.o''brien@contoso.com'");
        assert_eq!(sent_filter(&q[2].url), q[2].filter);
    }

    #[test]
    fn answers() {
        let s = settings();
        let q = &s.queries(&contact("sip:jdoe@contoso.com"))[1];
        let people = read_users(
            &s,
            q,
            r#"{"@odata.context":"x","value":[{"id":"1","displayName":"John Doe","mail":"john.doe@contoso.com"}]}"#,
        )
        .unwrap();
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].user_id, "john.doe@contoso.com");
        assert_eq!(people[0].label(), "John Doe <john.doe@contoso.com>");
        assert_eq!(
            people[0].matched_by.as_deref(),
            Some("proxyAddresses ($filter=proxyAddresses/any(p:p eq 'SIP:jdoe@contoso.com'))")
        );
        assert_eq!(read_users(&s, q, r#"{"value":[]}"#), Ok(vec![]));
        // Some without the attribute: left out; all without: an error naming it.
        let two = read_users(
            &s,
            q,
            r#"{"value":[{"displayName":"A","mail":null},{"displayName":"B","mail":"b@x.com"}]}"#,
        )
        .unwrap();
        assert_eq!(two.len(), 1);
        let none = read_users(&s, q, r#"{"value":[{"displayName":"A","mail":" "}]}"#).unwrap_err();
        assert!(
            none.to_string().contains("directory.userid_attribute"),
            "{none}"
        );
        for bad in ["", "[]", r#"{"value":{}}"#, "<html>"] {
            assert!(
                matches!(read_users(&s, q, bad), Err(GraphError::BadAnswer { .. })),
                "{bad}"
            );
        }
        assert_eq!(pick([vec![], two.clone()]), Lookup::Found(two));
        assert_eq!(pick([vec![], vec![]]), Lookup::Unknown);
        assert_eq!(pick(Vec::<Vec<Person>>::new()), Lookup::Unknown);
    }

    #[test]
    fn retries_are_bounded() {
        assert_eq!(retry_wait_ms(429, Some("2"), 1), Some(2000));
        assert_eq!(retry_wait_ms(429, Some("3600"), 1), Some(MAX_RETRY_WAIT_MS));
        assert_eq!(retry_wait_ms(503, None, 1), Some(500));
        assert_eq!(retry_wait_ms(503, Some("soon"), 2), Some(1000));
        assert_eq!(retry_wait_ms(503, None, MAX_ATTEMPTS), None);
        for status in [200, 400, 401, 403, 404] {
            assert_eq!(retry_wait_ms(status, Some("1"), 1), None, "{status}");
        }
    }

    #[test]
    fn errors_say_what_to_do() {
        let forbidden = GraphError::from_status(
            403,
            r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
        );
        let text = forbidden.to_string();
        assert!(text.contains("User.Read.All"), "{text}");
        assert!(text.contains("Insufficient privileges"), "{text}");
        assert_eq!(
            GraphError::from_status(503, ""),
            GraphError::Busy { status: 503 }
        );
        assert_eq!(
            GraphError::from_status(429, "x"),
            GraphError::Busy { status: 429 }
        );
        assert!(matches!(
            GraphError::from_status(401, ""),
            GraphError::Unauthorized { .. }
        ));
        assert!(matches!(
            GraphError::from_status(400, "{}"),
            GraphError::Refused { status: 400, .. }
        ));
        let net = GraphError::Network {
            origin: "https://graph.microsoft.com".into(),
            detail: "Failed to fetch".into(),
        };
        assert!(net.to_string().contains("connect-src"), "{net}");
    }

    #[test]
    fn errors_in_french_keep_their_values() {
        assert!(crate::i18n::set_language("fr"));
        let forbidden = GraphError::from_status(
            403,
            r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges"}}"#,
        )
        .to_string();
        assert!(
            forbidden.starts_with("Microsoft Graph a refusé la recherche (HTTP 403) (réponse de Graph\u{a0}: Authorization_RequestDenied: Insufficient privileges)"),
            "{forbidden}"
        );
        assert!(forbidden.contains("User.Read.All"), "{forbidden}");
        let busy = GraphError::Busy { status: 503 }.to_string();
        assert!(busy.contains("HTTP 503, 3 tentatives"), "{busy}");
        let refused = GraphError::from_status(400, "").to_string();
        assert_eq!(refused, "Microsoft Graph a refusé la recherche (HTTP 400)");
        crate::i18n::set_language("en");
    }
}
