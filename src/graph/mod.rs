//! `"source": "graph"`: contacts looked up in Entra ID through Microsoft Graph, as the
//! technician who clicked.
//!
//! The page signs the technician in with the authorization code flow and PKCE, exactly
//! as the Microsoft identity platform documents it for single-page applications (a
//! public client: no secret; the token request is a cross-origin `POST`), then asks
//! `GET {graph_url}/v1.0/users?$filter=...&$select=...` who each contact is. This module
//! and its children are the pure half: settings, the sign-in's URLs, bodies and
//! answers ([`signin`]), PKCE ([`pkce`]), and the lookups' filters and answers
//! ([`users`]). The browser glue does the redirects, storage and fetches.
//!
//! ```json
//! "directory": {
//!   "source": "graph",
//!   "tenant": "contoso.onmicrosoft.com",
//!   "client_id": "00000000-0000-0000-0000-000000000000",
//!   "userid_attribute": "mail",
//!   "match": ["imAddresses", "proxyAddresses", "mail", "userPrincipalName"],
//!   "authority": "https://login.microsoftonline.com",
//!   "graph_url": "https://graph.microsoft.com"
//! }
//! ```

pub mod pkce;
pub mod signin;
pub mod users;

use std::fmt;

use crate::config::{base_url, ConfigError};
use crate::contact::printable;
use crate::weburl::Url;

/// The identity platform when `authority` is not given.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
/// Microsoft Graph when `graph_url` is not given.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";

/// The Graph user property that holds the ITSM user id (`userid_attribute`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserIdAttribute {
    /// `mail` (the default: EasyVista knows people by their e-mail address).
    Mail,
    /// `userPrincipalName`.
    UserPrincipalName,
    /// `onPremisesSamAccountName` (the `sAMAccountName` synchronised from AD).
    OnPremisesSamAccountName,
    /// `employeeId`.
    EmployeeId,
}

impl UserIdAttribute {
    const ALL: [UserIdAttribute; 4] = [
        UserIdAttribute::Mail,
        UserIdAttribute::UserPrincipalName,
        UserIdAttribute::OnPremisesSamAccountName,
        UserIdAttribute::EmployeeId,
    ];

    /// The property name, as Graph spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            UserIdAttribute::Mail => "mail",
            UserIdAttribute::UserPrincipalName => "userPrincipalName",
            UserIdAttribute::OnPremisesSamAccountName => "onPremisesSamAccountName",
            UserIdAttribute::EmployeeId => "employeeId",
        }
    }
}

/// A property a SIP contact is looked up by (`match`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchProperty {
    /// `imAddresses/any(i:i eq 'address')`: the Skype for Business / Teams address.
    ImAddresses,
    /// `proxyAddresses/any(p:p eq 'SIP:address')`: the SIP entry of the proxy addresses.
    ProxyAddresses,
    /// `mail eq 'address'`.
    Mail,
    /// `userPrincipalName eq 'address'`.
    UserPrincipalName,
}

impl MatchProperty {
    const ALL: [MatchProperty; 4] = [
        MatchProperty::ImAddresses,
        MatchProperty::ProxyAddresses,
        MatchProperty::Mail,
        MatchProperty::UserPrincipalName,
    ];

    /// The property name, as Graph spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchProperty::ImAddresses => "imAddresses",
            MatchProperty::ProxyAddresses => "proxyAddresses",
            MatchProperty::Mail => "mail",
            MatchProperty::UserPrincipalName => "userPrincipalName",
        }
    }
}

/// A validated `"source": "graph"` directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphSettings {
    /// The tenant: its id (a GUID) or a verified domain, lowercase.
    pub tenant: String,
    /// The app registration's application (client) id, lowercase.
    pub client_id: String,
    /// The property holding the ITSM user id.
    pub userid_attribute: UserIdAttribute,
    /// The properties a SIP contact is looked up by, in order of preference.
    pub match_on: Vec<MatchProperty>,
    /// The identity platform, ending with `/`.
    pub authority: Url,
    /// Microsoft Graph, ending with `/`.
    pub graph_url: Url,
    /// The URLs below those two, built once.
    endpoints: Endpoints,
}

/// The URLs the sign-in and the lookups start from (their queries are added).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Endpoints {
    /// `{authority}/{tenant}/oauth2/v2.0/authorize`.
    authorize: Url,
    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    token: Url,
    /// `{authority}/{tenant}/v2.0/adminconsent`.
    admin_consent: Url,
    /// `{graph_url}/v1.0/users`.
    users: Url,
}

impl Endpoints {
    fn new(authority: &Url, graph_url: &Url, tenant: &str) -> Result<Endpoints, ConfigError> {
        // `base` ends with '/'; `tenant` is a GUID or a domain name.
        let below = |field: &str, base: &Url, path: &str| {
            base.with_path(&format!("{}{path}", base.path()))
                .map_err(|e| {
                    ConfigError::field(
                        field,
                        crate::tr!(
                            "graph-url-not-absolute",
                            value = printable(base.as_str()),
                            error = e
                        ),
                    )
                })
        };
        let authority_field = "directory.authority";
        Ok(Endpoints {
            authorize: below(
                authority_field,
                authority,
                &format!("{tenant}/oauth2/v2.0/authorize"),
            )?,
            token: below(
                authority_field,
                authority,
                &format!("{tenant}/oauth2/v2.0/token"),
            )?,
            admin_consent: below(
                authority_field,
                authority,
                &format!("{tenant}/v2.0/adminconsent"),
            )?,
            users: below("directory.graph_url", graph_url, "v1.0/users")?,
        })
    }
}

/// The `directory` fields of a graph source, as read from `config.json`.
pub(crate) struct RawGraph<'a> {
    pub tenant: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub userid_attribute: Option<&'a str>,
    pub match_on: Option<&'a [String]>,
    pub authority: Option<&'a str>,
    pub graph_url: Option<&'a str>,
}

/// A GUID in its usual 8-4-4-4-12 hexadecimal form.
fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A DNS name with at least one dot.
fn is_domain(s: &str) -> bool {
    s.contains('.')
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// A base URL for the identity platform or Graph: `https://`, or `http://` on the
/// loopback address only (a local stand-in, for tests); no query; ends with `/`.
fn service_url(field: &str, value: &str) -> Result<Url, ConfigError> {
    let url = base_url(field, value)?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if url.scheme() != "https" && !loopback {
        return Err(ConfigError::field(
            field,
            crate::tr!("graph-url-not-https", value = printable(value)),
        ));
    }
    Ok(url)
}

impl GraphSettings {
    pub(crate) fn from_raw(raw: RawGraph<'_>) -> Result<GraphSettings, ConfigError> {
        let tenant = raw.tenant.ok_or_else(|| {
            ConfigError::field("directory.tenant", crate::tr!("graph-tenant-missing"))
        })?;
        let lower = tenant.to_ascii_lowercase();
        if matches!(lower.as_str(), "common" | "consumers" | "organizations") {
            return Err(ConfigError::field(
                "directory.tenant",
                crate::tr!("graph-tenant-shared", value = printable(tenant)),
            ));
        }
        if !is_guid(&lower) && !is_domain(&lower) {
            return Err(ConfigError::field(
                "directory.tenant",
                crate::tr!("graph-tenant-invalid", value = printable(tenant)),
            ));
        }
        let client_id = raw.client_id.ok_or_else(|| {
            ConfigError::field("directory.client_id", crate::tr!("graph-client-id-missing"))
        })?;
        if !is_guid(client_id) {
            return Err(ConfigError::field(
                "directory.client_id",
                crate::tr!("graph-client-id-invalid", value = printable(client_id)),
            ));
        }
        let userid_attribute = match raw.userid_attribute {
            None => UserIdAttribute::Mail,
            Some(v) => UserIdAttribute::ALL
                .into_iter()
                .find(|a| a.as_str() == v)
                .ok_or_else(|| {
                    ConfigError::field(
                        "directory.userid_attribute",
                        crate::tr!(
                            "graph-userid-attribute-unsupported",
                            value = printable(v),
                            values = names(UserIdAttribute::ALL.map(UserIdAttribute::as_str))
                        ),
                    )
                })?,
        };
        let match_on = match raw.match_on {
            None => MatchProperty::ALL.to_vec(),
            Some([]) => {
                return Err(ConfigError::field(
                    "directory.match",
                    crate::tr!(
                        "graph-match-empty",
                        values = names(MatchProperty::ALL.map(MatchProperty::as_str))
                    ),
                ))
            }
            Some(list) => {
                let mut out = Vec::new();
                for (i, v) in list.iter().enumerate() {
                    let p = MatchProperty::ALL
                        .into_iter()
                        .find(|p| p.as_str() == v)
                        .ok_or_else(|| {
                            ConfigError::field(
                                format!("directory.match[{i}]"),
                                crate::tr!(
                                    "graph-match-unsupported",
                                    value = printable(v),
                                    values = names(MatchProperty::ALL.map(MatchProperty::as_str))
                                ),
                            )
                        })?;
                    if out.contains(&p) {
                        return Err(ConfigError::field(
                            format!("directory.match[{i}]"),
                            crate::tr!("graph-match-twice", value = v),
                        ));
                    }
                    out.push(p);
                }
                out
            }
        };
        let authority = service_url(
            "directory.authority",
            raw.authority.unwrap_or(DEFAULT_AUTHORITY),
        )?;
        let graph_url = service_url(
            "directory.graph_url",
            raw.graph_url.unwrap_or(DEFAULT_GRAPH_URL),
        )?;
        Ok(GraphSettings {
            endpoints: Endpoints::new(&authority, &graph_url, &lower)?,
            tenant: lower,
            client_id: client_id.to_ascii_lowercase(),
            userid_attribute,
            match_on,
            authority,
            graph_url,
        })
    }

    /// The delegated permission the page asks for: `User.Read.All` on this Graph
    /// (`https://graph.microsoft.com/User.Read.All` in the global cloud).
    pub fn scope(&self) -> String {
        format!(
            "{}/User.Read.All",
            self.graph_url.as_str().trim_end_matches('/')
        )
    }

    /// A one-line description for the dry run (no token, ever).
    pub fn summary(&self) -> String {
        crate::tr!(
            "graph-summary",
            url = self.graph_url.as_str().trim_end_matches('/'),
            tenant = self.tenant,
            attribute = self.userid_attribute.as_str(),
            properties = names(self.match_on.iter().map(|m| m.as_str()))
        )
    }
}

impl fmt::Display for GraphSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

fn names<'a>(list: impl IntoIterator<Item = &'a str>) -> String {
    list.into_iter().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    pub(crate) const CLIENT: &str = "11111111-2222-3333-4444-555555555555";

    /// Settings for tests: tenant contoso.onmicrosoft.com, the defaults otherwise.
    pub(crate) fn settings() -> GraphSettings {
        GraphSettings::from_raw(RawGraph {
            tenant: Some("contoso.onmicrosoft.com"),
            client_id: Some(CLIENT),
            userid_attribute: None,
            match_on: None,
            authority: None,
            graph_url: None,
        })
        .unwrap()
    }

    #[test]
    fn defaults() {
        let s = settings();
        assert_eq!(s.userid_attribute, UserIdAttribute::Mail);
        assert_eq!(s.match_on, MatchProperty::ALL);
        assert_eq!(s.authority.as_str(), "https://login.microsoftonline.com/");
        assert_eq!(s.graph_url.as_str(), "https://graph.microsoft.com/");
        assert_eq!(s.scope(), "https://graph.microsoft.com/User.Read.All");
        assert_eq!(
            s.endpoints.token.as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }

    #[test]
    fn tenants() {
        for ok in [
            "contoso.onmicrosoft.com",
            "Contoso.COM",
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
        ] {
            let s = GraphSettings::from_raw(RawGraph {
                tenant: Some(ok),
                client_id: Some(CLIENT),
                userid_attribute: None,
                match_on: None,
                authority: None,
                graph_url: None,
            });
            assert!(s.is_ok(), "{ok}: {s:?}");
        }
    }

    #[test]
    fn settings_errors_and_summary_in_french() {
        assert!(crate::i18n::set_language("fr"));
        let e = GraphSettings::from_raw(RawGraph {
            tenant: Some("common"),
            client_id: Some(CLIENT),
            userid_attribute: None,
            match_on: None,
            authority: None,
            graph_url: None,
        })
        .unwrap_err();
        match e {
            ConfigError::Field { field, problem } => {
                assert_eq!(field, "directory.tenant");
                assert!(
                    problem.starts_with("«\u{a0}common\u{a0}» accepte la connexion"),
                    "{problem}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            settings().summary(),
            "Microsoft Graph (https://graph.microsoft.com), locataire contoso.onmicrosoft.com, \
             identifiant utilisateur lu dans mail, contacts recherchés par imAddresses, \
             proxyAddresses, mail, userPrincipalName"
        );
        crate::i18n::set_language("en");
    }
}
