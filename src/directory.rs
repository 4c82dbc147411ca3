//! The directory: how a Lync contact becomes an ITSM user id.
//!
//! Every source answers the same question through [`Directory::lookup`]: for this
//! contact, which people (zero, one or several) does the ITSM know? Sources:
//! - `none` ([`PassThrough`]): the normalised SIP address is the user id; `tel:`
//!   contacts are unknown.
//! - `export`: a signed export of Active Directory published beside the page (see
//!   [`crate::published`]), read through [`crate::published::ExportDirectory`].
//!
//! Sources that need the network (a signed export, Microsoft Graph) are fetched by the
//! page, then verified and read here into a value that implements [`Directory`], so
//! the decision logic in [`crate::outcome`] never sees where the answer came from.

use serde::Deserialize;

use crate::config::ConfigError;
use crate::contact::{printable, Contact};
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
}

/// The directory folder when `directory.path` is not given.
pub const DEFAULT_EXPORT_PATH: &str = "directory/";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDirectory {
    source: String,
    path: Option<String>,
    public_keys: Option<Vec<String>>,
}

impl DirectorySource {
    pub(crate) fn from_raw(raw: Option<RawDirectory>) -> Result<DirectorySource, ConfigError> {
        let Some(raw) = raw else {
            return Ok(DirectorySource::None);
        };
        match raw.source.as_str() {
            "none" => {
                for (field, present) in [
                    ("directory.path", raw.path.is_some()),
                    ("directory.public_keys", raw.public_keys.is_some()),
                ] {
                    if present {
                        return Err(ConfigError::field(
                            field,
                            "is only used with \"source\": \"export\"",
                        ));
                    }
                }
                Ok(DirectorySource::None)
            }
            "export" => {
                let path = export_path(raw.path.as_deref().unwrap_or(DEFAULT_EXPORT_PATH))?;
                let keys = raw.public_keys.unwrap_or_default();
                let keys = keys
                    .iter()
                    .enumerate()
                    .map(|(i, k)| {
                        k.parse::<PublicKey>().map_err(|e| {
                            ConfigError::field(
                                format!("directory.public_keys[{i}]"),
                                format!("'{}' is not a usable public key: {e}", printable(k)),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let keys = TrustedKeys::new(keys).ok_or_else(|| {
                    ConfigError::field(
                        "directory.public_keys",
                        "source \"export\" needs at least one public key, as printed by \
                         `lync-quickcall keygen`",
                    )
                })?;
                Ok(DirectorySource::Export { path, keys })
            }
            other => Err(ConfigError::field(
                "directory.source",
                format!(
                    "'{}' is not a directory source; use \"none\" or \"export\"",
                    printable(other)
                ),
            )),
        }
    }
}

/// Validates `directory.path`: a relative path on the page's own site (so the export
/// is always fetched from the page's origin), made of plain folder names; a trailing
/// `/` is added.
fn export_path(value: &str) -> Result<String, ConfigError> {
    let bad = |problem: &str| {
        ConfigError::field(
            "directory.path",
            format!("'{}' {problem}", printable(value)),
        )
    };
    if value.is_empty() {
        return Err(bad("is empty; use \"directory/\""));
    }
    if value.starts_with('/') || value.starts_with('\\') || value.contains(':') {
        return Err(bad(
            "must be a folder relative to the page, such as \"directory/\" (no scheme, no leading /): \
             the export is read from the page's own site",
        ));
    }
    let trimmed = value.strip_suffix('/').unwrap_or(value);
    for segment in trimmed.split('/') {
        if segment == "." || segment == ".." {
            return Err(bad("must not contain '.' or '..' folders"));
        }
        if segment.is_empty() {
            return Err(bad("has an empty folder name ('//')"));
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(bad(
                "may only use letters, digits, '-', '_', '.' and '/' in folder names",
            ));
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
                matched_by: Some("the SIP address itself (directory source \"none\")".into()),
            }]),
            Contact::Tel(_) => Lookup::Unknown,
        }
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
        let raw: RawDirectory = crate::json::from_str(json).unwrap();
        DirectorySource::from_raw(Some(raw))
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
                "use \"none\" or \"export\"",
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
