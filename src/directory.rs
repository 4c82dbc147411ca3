//! The directory: how a Lync contact becomes an ITSM user id.
//!
//! Every source answers the same question through [`Directory::lookup`]: for this
//! contact, which people (zero, one or several) does the ITSM know? Sources:
//! - `none` ([`PassThrough`]): the normalised SIP address is the user id; `tel:`
//!   contacts are unknown.
//! - `export`: a signed export of Active Directory published beside the page (see
//!   [`crate::published`]), read through [`crate::published::ExportDirectory`].
//! - `graph`: Entra ID through Microsoft Graph (see [`crate::graph`]), and `endpoint`:
//!   a lookup service of the company's own (see [`crate::endpoint`]). The page asks
//!   them, then hands their answers to [`Answers`].
//!
//! Sources that need the network (a signed export, Microsoft Graph) are fetched by the
//! page, then verified and read here into a value that implements [`Directory`], so
//! the decision logic in [`crate::outcome`] never sees where the answer came from.

use crate::config::{no_unknown_fields, ConfigError};
use crate::contact::{printable, Contact};
use crate::endpoint::EndpointSettings;
use crate::graph::{GraphSettings, RawGraph};
use crate::json::Fields;
use crate::signed::{PublicKey, TrustedKeys};

/// Where contacts are resolved, as configured in `config.json`'s `directory`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DirectorySource {
    /// `{"source": "none"}`: the SIP address is the user id.
    None,
    /// `{"source": "export", "path": "directory/", "public_keys": ["..."]}`: a signed
    /// export published beside the page.
    Export {
        /// The folder holding `manifest.json`, relative to the page, ending with `/`.
        path: String,
        /// The keys an export may be signed with.
        keys: TrustedKeys,
    },
    /// `{"source": "graph", "tenant": "...", "client_id": "...", ...}`: Entra ID, through
    /// Microsoft Graph, as the signed-in technician (see [`crate::graph`]).
    Graph(GraphSettings),
    /// `{"source": "endpoint", "url": "...?contact={contact}"}`: a lookup service of the
    /// company's own (see [`crate::endpoint`]).
    Endpoint(EndpointSettings),
}

/// The directory folder when `directory.path` is not given.
pub const DEFAULT_EXPORT_PATH: &str = "directory/";

/// `config.json`'s `directory` as read, before validation.
pub(crate) struct RawDirectory {
    source: String,
    path: Option<String>,
    public_keys: Option<Vec<String>>,
    tenant: Option<String>,
    client_id: Option<String>,
    userid_attribute: Option<String>,
    match_on: Option<Vec<String>>,
    authority: Option<String>,
    graph_url: Option<String>,
    url: Option<String>,
    credentials: Option<String>,
}

/// Every `directory` field but `source`, and the sources that use it.
const FIELDS: [(&str, &str); 10] = [
    ("path", "export"),
    ("public_keys", "export"),
    ("tenant", "graph"),
    ("client_id", "graph"),
    ("userid_attribute", "graph"),
    ("match", "graph"),
    ("authority", "graph"),
    ("graph_url", "graph"),
    ("url", "endpoint"),
    ("credentials", "endpoint"),
];

impl RawDirectory {
    pub(crate) fn read(f: &Fields<'_>) -> Result<RawDirectory, ConfigError> {
        let mut known: Vec<&str> = vec!["source"];
        known.extend(FIELDS.iter().map(|(f, _)| *f));
        no_unknown_fields(f, &known)?;
        let s = |name: &str| f.str(name).map(|v| v.map(str::to_string));
        Ok(RawDirectory {
            source: f.required("source", f.str("source"))?.to_string(),
            path: s("path")?,
            public_keys: f.strings("public_keys")?,
            tenant: s("tenant")?,
            client_id: s("client_id")?,
            userid_attribute: s("userid_attribute")?,
            match_on: f.strings("match")?,
            authority: s("authority")?,
            graph_url: s("graph_url")?,
            url: s("url")?,
            credentials: s("credentials")?,
        })
    }

    /// The fields given (besides `source`).
    fn present(&self) -> [(&'static str, bool); 10] {
        let p = [
            self.path.is_some(),
            self.public_keys.is_some(),
            self.tenant.is_some(),
            self.client_id.is_some(),
            self.userid_attribute.is_some(),
            self.match_on.is_some(),
            self.authority.is_some(),
            self.graph_url.is_some(),
            self.url.is_some(),
            self.credentials.is_some(),
        ];
        let mut out = [("", false); 10];
        for (i, ((name, _), given)) in FIELDS.iter().zip(p).enumerate() {
            out[i] = (name, given);
        }
        out
    }
}

impl DirectorySource {
    pub(crate) fn from_raw(raw: Option<RawDirectory>) -> Result<DirectorySource, ConfigError> {
        let Some(raw) = raw else {
            return Ok(DirectorySource::None);
        };
        let source = match raw.source.as_str() {
            s @ ("none" | "export" | "graph" | "endpoint") => s,
            other => {
                return Err(ConfigError::field(
                    "directory.source",
                    crate::tr!("directory-source-unknown", value = printable(other)),
                ))
            }
        };
        for ((field, given), (_, owner)) in raw.present().into_iter().zip(FIELDS) {
            if given && owner != source {
                return Err(ConfigError::field(
                    format!("directory.{field}"),
                    crate::tr!("directory-field-other-source", source = owner),
                ));
            }
        }
        // Each source's reading in a function of its own, never inlined here: the
        // browser compiles a WebAssembly function on its first call, so a page without
        // a directory does not compile the others' (see README: Page size and speed).
        match source {
            "export" => export_source(raw),
            "graph" => graph_source(raw),
            "endpoint" => endpoint_source(raw),
            _ => Ok(DirectorySource::None),
        }
    }

    /// The origins other than the page's own that the page fetches from with this
    /// source (the identity platform and Graph, or the endpoint): what the page's
    /// Content-Security-Policy `connect-src` must list.
    pub fn connect_origins(&self) -> Vec<String> {
        match self {
            DirectorySource::None | DirectorySource::Export { .. } => Vec::new(),
            DirectorySource::Graph(g) => {
                let mut out = vec![g.authority.origin().ascii_serialization()];
                let graph = g.graph_url.origin().ascii_serialization();
                if !out.contains(&graph) {
                    out.push(graph);
                }
                out
            }
            DirectorySource::Endpoint(e) => vec![e.origin().ascii_serialization()],
        }
    }
}

/// The `export` source of `raw`: its folder and trusted keys, checked.
#[inline(never)]
fn export_source(raw: RawDirectory) -> Result<DirectorySource, ConfigError> {
    let path = export_path(raw.path.as_deref().unwrap_or(DEFAULT_EXPORT_PATH))?;
    let keys = raw.public_keys.unwrap_or_default();
    let keys = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            k.parse::<PublicKey>().map_err(|e| {
                ConfigError::field(
                    format!("directory.public_keys[{i}]"),
                    crate::tr!("directory-key-unusable", value = printable(k), error = e),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let keys = TrustedKeys::new(keys).ok_or_else(|| {
        ConfigError::field(
            "directory.public_keys",
            crate::tr!("directory-keys-missing"),
        )
    })?;
    Ok(DirectorySource::Export { path, keys })
}

/// The `graph` source of `raw`, checked.
#[inline(never)]
fn graph_source(raw: RawDirectory) -> Result<DirectorySource, ConfigError> {
    Ok(DirectorySource::Graph(GraphSettings::from_raw(RawGraph {
        tenant: raw.tenant.as_deref(),
        client_id: raw.client_id.as_deref(),
        userid_attribute: raw.userid_attribute.as_deref(),
        match_on: raw.match_on.as_deref(),
        authority: raw.authority.as_deref(),
        graph_url: raw.graph_url.as_deref(),
    })?))
}

/// The `endpoint` source of `raw`, checked.
#[inline(never)]
fn endpoint_source(raw: RawDirectory) -> Result<DirectorySource, ConfigError> {
    Ok(DirectorySource::Endpoint(EndpointSettings::from_raw(
        raw.url.as_deref(),
        raw.credentials.as_deref(),
    )?))
}

/// Validates `directory.path`: a relative path on the page's own site (so the export
/// is always fetched from the page's origin), made of plain folder names; a trailing
/// `/` is added.
fn export_path(value: &str) -> Result<String, ConfigError> {
    let v = printable(value);
    let bad = |problem: String| ConfigError::field("directory.path", problem);
    if value.is_empty() {
        return Err(bad(crate::tr!("directory-path-empty", value = v)));
    }
    if value.starts_with('/') || value.starts_with('\\') || value.contains(':') {
        return Err(bad(crate::tr!("directory-path-not-relative", value = v)));
    }
    let trimmed = value.strip_suffix('/').unwrap_or(value);
    for segment in trimmed.split('/') {
        if segment == "." || segment == ".." {
            return Err(bad(crate::tr!("directory-path-dots", value = v)));
        }
        if segment.is_empty() {
            return Err(bad(crate::tr!("directory-path-empty-folder", value = v)));
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(bad(crate::tr!("directory-path-characters", value = v)));
        }
    }
    Ok(format!("{trimmed}/"))
}

/// A person the ITSM knows, as a directory returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// The ITSM user id (the e-mail address EasyVista knows).
    pub user_id: String,
    /// A name to show in the chooser, when the directory has one.
    pub display_name: Option<String>,
    /// Which directory key matched (for `?dryrun=1`), e.g. `msRTCSIP-PrimaryUserAddress`.
    pub matched_by: Option<String>,
}

impl Person {
    /// `Display Name <user id>`, or the user id alone.
    pub fn label(&self) -> String {
        match &self.display_name {
            Some(n) if !n.trim().is_empty() => format!("{} <{}>", n.trim(), self.user_id),
            _ => self.user_id.clone(),
        }
    }
}

/// What a directory knows of one contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// One or more people match (more than one: the technician chooses).
    Found(Vec<Person>),
    /// Nobody matches.
    Unknown,
}

/// A source of contact-to-user-id answers.
pub trait Directory {
    /// The people that `contact` resolves to.
    fn lookup(&self, contact: &Contact) -> Lookup;
}

/// The `none` source: a SIP address is its own user id.
#[derive(Clone, Copy, Debug, Default)]
pub struct PassThrough;

impl Directory for PassThrough {
    fn lookup(&self, contact: &Contact) -> Lookup {
        match contact {
            Contact::Sip(a) => Lookup::Found(vec![Person {
                user_id: a.as_str().to_string(),
                display_name: None,
                matched_by: Some(crate::tr!("directory-matched-sip")),
            }]),
            Contact::Tel(_) => Lookup::Unknown,
        }
    }
}

/// The answers a network source gave, contact by contact (Graph, the endpoint): the
/// page asks, then looks the contacts up here. A contact it has no answer for is
/// unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers(Vec<(Contact, Lookup)>);

impl Answers {
    /// Records what the source said of `contact`, replacing an earlier answer. (A list,
    /// not a map: a conversation has a few dozen contacts at most, and each map type
    /// costs the page's module kilobytes of code.)
    pub fn insert(&mut self, contact: Contact, lookup: Lookup) {
        match self.0.iter_mut().find(|(c, _)| *c == contact) {
            Some((_, known)) => *known = lookup,
            None => self.0.push((contact, lookup)),
        }
    }
}

impl Directory for Answers {
    fn lookup(&self, contact: &Contact) -> Lookup {
        self.0
            .iter()
            .find(|(c, _)| c == contact)
            .map_or(Lookup::Unknown, |(_, l)| l.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The same tests run in headless Chromium under `cargo xtask test`.
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn pass_through() {
        let c = Contact::parse("sip:John.Doe@Contoso.com").unwrap();
        match PassThrough.lookup(&c) {
            Lookup::Found(p) => {
                assert_eq!(p.len(), 1);
                assert_eq!(p[0].user_id, "john.doe@contoso.com");
                assert_eq!(p[0].label(), "john.doe@contoso.com");
            }
            Lookup::Unknown => panic!("should be found"),
        }
        let t = Contact::parse("tel:+33123456789").unwrap();
        assert_eq!(PassThrough.lookup(&t), Lookup::Unknown);
    }

    fn key(seed: u8) -> String {
        PublicKey::of(&ed25519_dalek::SigningKey::from_bytes(&[seed; 32])).to_string()
    }

    fn directory(json: &str) -> Result<DirectorySource, ConfigError> {
        let value = crate::json::parse(json).unwrap();
        let fields = Fields::of(&value, "directory.").unwrap();
        DirectorySource::from_raw(Some(RawDirectory::read(&fields)?))
    }

    #[track_caller]
    fn field_error(json: &str) -> (String, String) {
        match directory(json) {
            Err(ConfigError::Field { field, problem }) => (field, problem),
            other => panic!("{json}: expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn export_source() {
        let (key1, key2) = (key(1), key(2));
        let d = directory(&format!(
            r#"{{"source":"export","path":"directory","public_keys":["{key1}","{key2}"]}}"#
        ))
        .unwrap();
        let DirectorySource::Export { path, keys } = d else {
            panic!("{d:?}")
        };
        assert_eq!(path, "directory/");
        let keys: Vec<String> = keys.keys().iter().map(|k| k.to_string()).collect();
        assert_eq!(keys, [key1.clone(), key2]);
        // The path defaults to directory/ and may be nested.
        for (given, expected) in [
            (None, "directory/"),
            (Some("data/ad-export/"), "data/ad-export/"),
            (Some("v1.2_x"), "v1.2_x/"),
        ] {
            let path = given.map_or(String::new(), |p| format!(r#","path":"{p}""#));
            let d = directory(&format!(
                r#"{{"source":"export"{path},"public_keys":["{key1}"]}}"#
            ))
            .unwrap();
            assert!(
                matches!(&d, DirectorySource::Export { path, .. } if path == expected),
                "{d:?}"
            );
        }
    }

    #[test]
    fn export_source_errors_name_the_field() {
        let key1 = key(1);
        let cases = [
            (
                format!(r#"{{"source":"export","public_keys":["{key1}","AAAA"]}}"#),
                "directory.public_keys[1]",
                "decodes to 3 bytes",
            ),
            (
                r#"{"source":"export","public_keys":["not base64!"]}"#.to_string(),
                "directory.public_keys[0]",
                "not base64",
            ),
            (
                r#"{"source":"export","public_keys":[]}"#.to_string(),
                "directory.public_keys",
                "at least one public key",
            ),
            (
                r#"{"source":"export"}"#.to_string(),
                "directory.public_keys",
                "at least one public key",
            ),
            (
                format!(r#"{{"source":"none","public_keys":["{key1}"]}}"#),
                "directory.public_keys",
                "only used with",
            ),
            (
                r#"{"source":"none","path":"directory/"}"#.to_string(),
                "directory.path",
                "only used with",
            ),
            (
                r#"{"source":"ldap"}"#.to_string(),
                "directory.source",
                "use \"none\", \"export\", \"graph\" or \"endpoint\"",
            ),
        ];
        for (json, field, problem) in cases {
            let (f, p) = field_error(&json);
            assert_eq!(f, field, "{json}: {p}");
            assert!(p.contains(problem), "{json}: {p}");
        }
    }

    #[test]
    fn export_path_stays_on_the_page_site() {
        let key1 = key(1);
        for bad in [
            "",
            "/directory/",
            "//evil.example/directory/",
            "\\\\evil\\share",
            "https://evil.example/directory/",
            "javascript:alert(1)",
            "../directory/",
            "directory/../../etc",
            "./directory",
            "a//b",
            "dir ectory",
            "dir%2e%2e",
            "dir?x=1",
            "dir#x",
            "répertoire",
        ] {
            let json = format!(r#"{{"source":"export","path":{bad:?},"public_keys":["{key1}"]}}"#);
            let (f, _) = field_error(&json);
            assert_eq!(f, "directory.path", "{bad:?}");
        }
    }

    const CLIENT: &str = "11111111-2222-3333-4444-555555555555";

    #[test]
    fn graph_source() {
        let d = directory(&format!(
            r#"{{"source":"graph","tenant":"contoso.onmicrosoft.com","client_id":"{CLIENT}",
                "userid_attribute":"userPrincipalName","match":["proxyAddresses","mail"],
                "authority":"https://login.microsoftonline.us","graph_url":"https://graph.microsoft.us/"}}"#
        ))
        .unwrap();
        let DirectorySource::Graph(g) = &d else {
            panic!("{d:?}")
        };
        assert_eq!(g.userid_attribute.as_str(), "userPrincipalName");
        assert_eq!(g.match_on.len(), 2);
        assert_eq!(g.scope(), "https://graph.microsoft.us/User.Read.All");
        assert_eq!(
            d.connect_origins(),
            [
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us"
            ]
        );
        let e = directory(
            r#"{"source":"endpoint","url":"https://lookup.contoso.com/api?c={contact}"}"#,
        )
        .unwrap();
        assert_eq!(e.connect_origins(), ["https://lookup.contoso.com"]);
        assert!(directory(r#"{"source":"none"}"#)
            .unwrap()
            .connect_origins()
            .is_empty());
    }

    #[test]
    fn graph_and_endpoint_errors_name_the_field() {
        let g = |extra: &str| {
            format!(r#"{{"source":"graph","tenant":"contoso.com","client_id":"{CLIENT}"{extra}}}"#)
        };
        let cases = [
            (
                r#"{"source":"graph","client_id":"x"}"#.to_string(),
                "directory.tenant",
                "needs the tenant",
            ),
            (
                format!(r#"{{"source":"graph","tenant":"common","client_id":"{CLIENT}"}}"#),
                "directory.tenant",
                "work directory",
            ),
            (
                format!(r#"{{"source":"graph","tenant":"Consumers","client_id":"{CLIENT}"}}"#),
                "directory.tenant",
                "work directory",
            ),
            (
                format!(r#"{{"source":"graph","tenant":"contoso","client_id":"{CLIENT}"}}"#),
                "directory.tenant",
                "neither a tenant id",
            ),
            (
                r#"{"source":"graph","tenant":"contoso.com"}"#.to_string(),
                "directory.client_id",
                "application (client) id",
            ),
            (
                r#"{"source":"graph","tenant":"contoso.com","client_id":"my-app"}"#.to_string(),
                "directory.client_id",
                "not a GUID",
            ),
            (
                g(r#","userid_attribute":"sAMAccountName""#),
                "directory.userid_attribute",
                "onPremisesSamAccountName",
            ),
            (g(r#","match":[]"#), "directory.match", "is empty"),
            (
                g(r#","match":["mail","telephoneNumber"]"#),
                "directory.match[1]",
                "not supported",
            ),
            (
                g(r#","match":["mail","mail"]"#),
                "directory.match[1]",
                "twice",
            ),
            (
                g(r#","authority":"http://login.evil.example""#),
                "directory.authority",
                "https://",
            ),
            (
                g(r#","graph_url":"https://graph.microsoft.com/?x=1""#),
                "directory.graph_url",
                "query",
            ),
            (
                g(r#","graph_url":"graph.microsoft.com""#),
                "directory.graph_url",
                "absolute",
            ),
            (
                g(r#","path":"directory/""#),
                "directory.path",
                "\"source\": \"export\"",
            ),
            (
                g(r#","url":"https://x.com/?c={contact}""#),
                "directory.url",
                "\"source\": \"endpoint\"",
            ),
            (
                g(r#","Tenant":"x""#),
                "directory.Tenant",
                "not a known field",
            ),
            (
                r#"{"source":"export","Path":"ad/","public_keys":["x"]}"#.to_string(),
                "directory.Path",
                "not a known field",
            ),
            (
                format!(
                    r#"{{"source":"endpoint","url":"https://x.com/?c={{contact}}","tenant":"t","client_id":"{CLIENT}"}}"#
                ),
                "directory.tenant",
                "\"source\": \"graph\"",
            ),
            (
                r#"{"source":"endpoint","url":"https://x.com/lookup"}"#.to_string(),
                "directory.url",
                "{contact}",
            ),
            (
                r#"{"source":"endpoint","url":"https://x.com/?c={contact}","credentials":"yes"}"#
                    .to_string(),
                "directory.credentials",
                "include",
            ),
        ];
        for (json, field, problem) in cases {
            let (f, p) = field_error(&json);
            assert_eq!(f, field, "{json}: {p}");
            assert!(p.contains(problem), "{json}: {p}");
        }
        // The loopback stand-ins of the tests may use http://.
        let local = directory(&g(
            r#","authority":"http://127.0.0.1:9000","graph_url":"http://localhost:9001""#,
        ))
        .unwrap();
        assert_eq!(
            local.connect_origins(),
            ["http://127.0.0.1:9000", "http://localhost:9001"]
        );
    }

    #[test]
    fn errors_in_french() {
        crate::i18n::set_language("fr");
        let (field, problem) = field_error(r#"{"source":"export","path":"../ad/"}"#);
        let (_, source) = field_error(r#"{"source":"ldap"}"#);
        let c = Contact::parse("sip:a@x.com").unwrap();
        let Lookup::Found(people) = PassThrough.lookup(&c) else {
            panic!("should be found")
        };
        crate::i18n::set_language("en");
        assert_eq!(field, "directory.path");
        assert_eq!(
            problem,
            "« ../ad/ » ne doit pas contenir de dossiers « . » ou « .. »"
        );
        assert!(
            source.starts_with("« ldap » n’est pas une source d’annuaire"),
            "{source}"
        );
        assert_eq!(
            people[0].matched_by.as_deref(),
            Some("l’adresse SIP elle-même (source d’annuaire \"none\")")
        );
    }

    #[test]
    fn labels() {
        let p = Person {
            user_id: "j@x.com".into(),
            display_name: Some(" John ".into()),
            matched_by: None,
        };
        assert_eq!(p.label(), "John <j@x.com>");
    }
}
