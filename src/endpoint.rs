//! `"source": "endpoint"`: contacts looked up by a lookup service of the company's own
//! (an HR, CMDB or ITSM REST API behind the intranet).
//!
//! ```json
//! "directory": {
//!   "source": "endpoint",
//!   "url": "https://intranet.contoso.com/api/lync-lookup?contact={contact}",
//!   "credentials": "include"
//! }
//! ```
//!
//! The page sends `GET url` with `{contact}` replaced by the normalised contact
//! (`john.doe@contoso.com`, or `+33123456789` for a `tel:` contact), percent-encoded;
//! the placeholder may only stand in the query, so the value can never change the
//! host or path. The answer must be `{"users":[{"userid":"...","name":"..."}]}` with
//! zero, one or several users (`name` may be omitted).

use std::fmt;

use percent_encoding::utf8_percent_encode;

use crate::config::{check_placeholder_in_query, http_url, ConfigError, QUERY_VALUE};
use crate::contact::{printable, Contact};
use crate::directory::Person;
use crate::json::{FieldError, Fields};
use crate::weburl::{Origin, Url};

/// The placeholder the endpoint URL carries for the contact.
pub const CONTACT_PLACEHOLDER: &str = "{contact}";
/// At most this many people are read from one answer (the chooser shows 20).
pub const MAX_USERS: usize = 20;
/// How long one lookup may take, in milliseconds.
pub const TIMEOUT_MS: u32 = 10_000;

/// Which cookies and Windows authentication the browser sends with the lookup
/// (`fetch`'s `credentials`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// `omit`: none.
    Omit,
    /// `same-origin` (the default): only when the endpoint is on the page's own site.
    SameOrigin,
    /// `include`: always (an intranet API with Windows authentication on another host;
    /// it must answer CORS with `Access-Control-Allow-Credentials: true`).
    Include,
}

impl Credentials {
    /// The `fetch` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Credentials::Omit => "omit",
            Credentials::SameOrigin => "same-origin",
            Credentials::Include => "include",
        }
    }
}

/// A validated `"source": "endpoint"` directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointSettings {
    template: String,
    origin: Origin,
    /// What the browser sends along.
    pub credentials: Credentials,
}

impl EndpointSettings {
    pub(crate) fn from_raw(
        url: Option<&str>,
        credentials: Option<&str>,
    ) -> Result<EndpointSettings, ConfigError> {
        let template = url.ok_or_else(|| {
            ConfigError::field(
                "directory.url",
                crate::tr!(
                    "endpoint-url-missing",
                    placeholder = CONTACT_PLACEHOLDER,
                    example = "https://intranet.contoso.com/api/lync-lookup?contact={contact}"
                ),
            )
        })?;
        check_placeholder_in_query("directory.url", template, CONTACT_PLACEHOLDER)?;
        let sample = http_url("directory.url", &template.replace(CONTACT_PLACEHOLDER, "x"))?;
        let credentials = match credentials {
            None | Some("same-origin") => Credentials::SameOrigin,
            Some("omit") => Credentials::Omit,
            Some("include") => Credentials::Include,
            Some(other) => {
                return Err(ConfigError::field(
                    "directory.credentials",
                    crate::tr!("endpoint-credentials-invalid", value = printable(other)),
                ))
            }
        };
        Ok(EndpointSettings {
            template: template.to_string(),
            origin: sample.origin(),
            credentials,
        })
    }

    /// The endpoint's origin (for `connect-src`).
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The URL as configured, with its placeholder (for messages and the dry run).
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The request URL for `contact`; `None` if it would leave the endpoint's origin
    /// (it cannot: the contact is encoded into the query).
    pub fn url_for(&self, contact: &Contact) -> Option<Url> {
        let value = match contact {
            Contact::Sip(a) => a.as_str(),
            Contact::Tel(n) => n.as_str(),
        };
        let text = self.template.replace(
            CONTACT_PLACEHOLDER,
            &utf8_percent_encode(value, QUERY_VALUE).to_string(),
        );
        Url::parse(&text).ok().filter(|u| u.origin() == self.origin)
    }

    /// Reads the answer to a lookup: HTTP `status`, `content` as received.
    pub fn read_answer(&self, status: u16, content: &str) -> Result<Vec<Person>, EndpointError> {
        if !(200..300).contains(&status) {
            return Err(EndpointError::Status {
                endpoint: self.template.clone(),
                status,
            });
        }
        let shape = |detail: String| EndpointError::Shape {
            endpoint: self.template.clone(),
            detail,
        };
        let json = crate::json::parse(content).map_err(shape)?;
        let users = Fields::of(&json, "")
            .and_then(|f| f.required("users", f.array("users")))
            .map_err(|e| shape(e.to_string()))?;
        users
            .iter()
            .take(MAX_USERS)
            .enumerate()
            .map(|(i, u)| {
                let f = Fields::of(u, &format!("users[{i}]."))?;
                let userid = f.required("userid", f.str("userid"))?.trim();
                if userid.is_empty() {
                    return Err(FieldError {
                        field: f.path("userid"),
                        problem: crate::tr!("endpoint-userid-empty"),
                    });
                }
                Ok(Person {
                    user_id: userid.to_string(),
                    display_name: f.str("name")?.map(str::to_string),
                    matched_by: Some(crate::tr!("endpoint-matched-by")),
                })
            })
            .collect::<Result<Vec<_>, FieldError>>()
            .map_err(|e| shape(e.to_string()))
    }
}

/// Why a lookup through the endpoint failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointError {
    /// No answer: the network, CORS, the Content-Security-Policy, or the time-out.
    Network {
        /// The configured URL.
        endpoint: String,
        /// What the browser said.
        detail: String,
    },
    /// A status other than 2xx.
    Status {
        /// The configured URL.
        endpoint: String,
        /// The status.
        status: u16,
    },
    /// Not `{"users":[{"userid":"...","name":"..."}]}`.
    Shape {
        /// The configured URL.
        endpoint: String,
        /// What was wrong.
        detail: String,
    },
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            EndpointError::Network { endpoint, detail } => {
                crate::tr!("endpoint-network", endpoint = endpoint, detail = detail)
            }
            EndpointError::Status { endpoint, status } => {
                crate::tr!("endpoint-status", endpoint = endpoint, status = status)
            }
            EndpointError::Shape { endpoint, detail } => crate::tr!(
                "endpoint-shape",
                endpoint = endpoint,
                shape = r#"{"users":[{"userid":"...","name":"..."}]}"#,
                detail = printable(detail)
            ),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for EndpointError {}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn endpoint() -> EndpointSettings {
        EndpointSettings::from_raw(
            Some("https://intranet.contoso.com/api/lync-lookup?contact={contact}&v=1"),
            Some("include"),
        )
        .unwrap()
    }

    #[test]
    fn the_contact_is_encoded_into_the_query() {
        let e = endpoint();
        assert_eq!(e.credentials, Credentials::Include);
        for (contact, url) in [
            (
                "sip:John.Doe@contoso.com",
                "https://intranet.contoso.com/api/lync-lookup?contact=john.doe%40contoso.com&v=1",
            ),
            (
                "tel:+33 1 23 45 67 89",
                "https://intranet.contoso.com/api/lync-lookup?contact=%2B33123456789&v=1",
            ),
            (
                "sip:a&contact=b#c'd@contoso.com",
                "https://intranet.contoso.com/api/lync-lookup?contact=a%26contact%3Db%23c%27d%40contoso.com&v=1",
            ),
        ] {
            let got = e.url_for(&Contact::parse(contact).unwrap()).unwrap();
            assert_eq!(got.as_str(), url);
            let values: Vec<_> = got.query_pairs().filter(|(k, _)| k == "contact").collect();
            assert_eq!(values.len(), 1, "{got}");
        }
    }

    #[test]
    fn configuration_errors_name_the_field() {
        for (url, creds, field) in [
            (None, None, "directory.url"),
            (Some("https://x.example/lookup"), None, "directory.url"),
            (
                Some("https://{contact}.example/?a=1"),
                None,
                "directory.url",
            ),
            (
                Some("https://x.example/{contact}?a=1"),
                None,
                "directory.url",
            ),
            (Some("ftp://x.example/?c={contact}"), None, "directory.url"),
            (Some("/api?c={contact}"), None, "directory.url"),
            (
                Some("https://x.example/?c={contact}"),
                Some("all"),
                "directory.credentials",
            ),
        ] {
            match EndpointSettings::from_raw(url, creds) {
                Err(ConfigError::Field { field: f, .. }) => assert_eq!(f, field, "{url:?}"),
                other => panic!("{url:?}: {other:?}"),
            }
        }
        let d =
            EndpointSettings::from_raw(Some("http://intranet/lookup?c={contact}"), None).unwrap();
        assert_eq!(d.credentials, Credentials::SameOrigin);
        assert_eq!(d.origin().ascii_serialization(), "http://intranet");
    }

    #[test]
    fn answers() {
        let e = endpoint();
        let people = e
            .read_answer(
                200,
                r#"{"users":[{"userid":"anna@x.com","name":"Anna"},{"userid":"bruno@x.com"}]}"#,
            )
            .unwrap();
        assert_eq!(people.len(), 2);
        assert_eq!(people[0].label(), "Anna <anna@x.com>");
        assert_eq!(people[1].label(), "bruno@x.com");
        assert_eq!(e.read_answer(200, r#"{"users":[]}"#), Ok(vec![]));
        let status = e.read_answer(500, "oops").unwrap_err().to_string();
        assert!(
            status.contains("HTTP 500") && status.contains("intranet.contoso.com"),
            "{status}"
        );
        for bad in [
            "<html>",
            "{}",
            r#"{"users":{}}"#,
            r#"{"users":[{"name":"x"}]}"#,
            r#"{"users":[{"userid":""}]}"#,
            r#"{"users":[{"userid":5}]}"#,
        ] {
            let err = e.read_answer(200, bad).unwrap_err();
            assert!(matches!(err, EndpointError::Shape { .. }), "{bad}: {err:?}");
            assert!(err.to_string().contains("lync-lookup"), "{err}");
        }
    }

    #[test]
    fn errors_in_french_keep_their_values() {
        assert!(crate::i18n::set_language("fr"));
        let e = endpoint();
        let status = e.read_answer(500, "oops").unwrap_err().to_string();
        assert_eq!(
            status,
            "le service de recherche https://intranet.contoso.com/api/lync-lookup?contact={contact}&v=1 \
             a répondu HTTP 500 au lieu d’une liste d’utilisateurs"
        );
        let shape = e.read_answer(200, "{}").unwrap_err().to_string();
        assert!(
            shape.contains(r#"n’a pas répondu {"users":[{"userid":"...","name":"..."}]}"#),
            "{shape}"
        );
        match EndpointSettings::from_raw(None, None) {
            Err(ConfigError::Field { problem, .. }) => assert!(
                problem.contains("avec {contact} dans sa partie requête, par exemple \"https://intranet.contoso.com/api/lync-lookup?contact={contact}\""),
                "{problem}"
            ),
            other => panic!("{other:?}"),
        }
        crate::i18n::set_language("en");
    }
}
