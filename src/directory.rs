//! The directory: how a Lync contact becomes an ITSM user id.
//!
//! Every source answers the same question through [`Directory::lookup`]: for this
//! contact, which people (zero, one or several) does the ITSM know? Sources:
//! - `none` ([`PassThrough`]): the normalised SIP address is the user id; `tel:`
//!   contacts are unknown.
//!
//! Sources that need the network (a signed export, Microsoft Graph) are fetched by the
//! page, then verified and read here into a value that implements [`Directory`], so
//! the decision logic in [`crate::outcome`] never sees where the answer came from.

use serde::Deserialize;

use crate::config::ConfigError;
use crate::contact::{printable, Contact};

/// Where contacts are resolved, as configured in `config.json`'s `directory`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DirectorySource {
    /// `{"source": "none"}`: the SIP address is the user id.
    None,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDirectory {
    source: String,
}

impl DirectorySource {
    pub(crate) fn from_raw(raw: Option<RawDirectory>) -> Result<DirectorySource, ConfigError> {
        let Some(raw) = raw else {
            return Ok(DirectorySource::None);
        };
        match raw.source.as_str() {
            "none" => Ok(DirectorySource::None),
            other => Err(ConfigError::field(
                "directory.source",
                format!(
                    "'{}' is not a directory source; use \"none\"",
                    printable(other)
                ),
            )),
        }
    }
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
