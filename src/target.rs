//! Where the browser goes: the ITSM quick call URL for a user id, or the page for an
//! unknown contact.
//!
//! A [`Target`] can only be built here, from a validated [`Profile`] and a user id
//! that is always percent-encoded into a query value. The user id never touches the
//! scheme, host or path, so no contact or directory entry can move the browser to
//! another origin (the page also checks [`crate::config::Config::allows`] before it
//! navigates).

use std::fmt;

use form_urlencoded::byte_serialize;

use crate::config::{ConfigError, Method, Profile, USERID_PLACEHOLDER};
use crate::contact::printable;
use crate::weburl::Url;

/// The query parameter of an auto connection link that carries the user id.
const FIELD6: &str = "field6";
/// The longest user id accepted.
const MAX_USER_ID_LEN: usize = 256;

/// A URL the page may send the browser to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target(Url);

impl Target {
    /// The URL.
    pub fn url(&self) -> &Url {
        &self.0
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

/// Why no URL could be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetError {
    /// The user id is empty, too long or has control characters.
    BadUserId {
        /// The user id, escaped.
        value: String,
    },
    /// The URL built is not on the profile's origin (a template that is not what
    /// validation let through; should not happen).
    OffOrigin {
        /// The URL built.
        url: String,
    },
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetError::BadUserId { value } => {
                f.write_str(&crate::tr!("target-bad-user-id", value = value))
            }
            TargetError::OffOrigin { url } => {
                f.write_str(&crate::tr!("target-off-origin", url = url))
            }
        }
    }
}

impl std::error::Error for TargetError {}

/// Percent-encodes a value for a query string: everything but `A-Z a-z 0-9 * - . _`
/// is encoded (`@` as `%40`, space as `+`, `+` as `%2B`, `&` as `%26`...).
fn encode(value: &str) -> String {
    byte_serialize(value.as_bytes()).collect()
}

fn check_user_id(user_id: &str) -> Result<(), TargetError> {
    if user_id.trim().is_empty()
        || user_id.len() > MAX_USER_ID_LEN
        || user_id.chars().any(char::is_control)
    {
        return Err(TargetError::BadUserId {
            value: printable(user_id),
        });
    }
    Ok(())
}

/// Checks an auto connection link: it must carry exactly one `field6` parameter.
pub(crate) fn check_autoconnect_link(link: &Url) -> Result<(), String> {
    // A name that a server decodes to field6 (`%66ield6`) would be left in place by the
    // literal replacement and win over it (PHP keeps the last value).
    let disguised = link.query().unwrap_or("").split('&').any(|p| {
        let name = p.split('=').next().unwrap_or("");
        // Without `%`, a name decodes to itself (and decoding is left uncompiled).
        name != FIELD6
            && name.contains('%')
            && percent_encoding::percent_decode_str(name).decode_utf8_lossy() == FIELD6
    });
    // Only in messages (see `config::http_url`).
    let value = || printable(link.as_str());
    if disguised {
        return Err(crate::tr!("target-field6-encoded", value = value()));
    }
    let count = link
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| p.split('=').next() == Some(FIELD6))
        .count();
    match count {
        1 => Ok(()),
        0 => Err(crate::tr!("target-field6-missing", value = value())),
        _ => Err(crate::tr!("target-field6-repeated", value = value())),
    }
}

/// Checks a template URL: absolute http(s), `{userid}` present, and only in the query,
/// where an encoded value cannot change where the URL points.
pub(crate) fn check_template(field: &str, template: &str) -> Result<(), ConfigError> {
    crate::config::check_placeholder_in_query(field, template, USERID_PLACEHOLDER)
}

impl Profile {
    /// The quick call URL for `user_id`.
    pub fn quick_call(&self, user_id: &str) -> Result<Target, TargetError> {
        check_user_id(user_id)?;
        let url =
            match &self.method {
                Method::Sso { itsm, sandbox } => {
                    let page = if *sandbox {
                        "sso_samlindexlyncsbox.php"
                    } else {
                        "sso_samlindexlync.php"
                    };
                    join(itsm, page).with_query(Some(&format!(
                        "do_quickcall=1&url_requestor={}",
                        encode(user_id)
                    )))
                }
                Method::AutoConnect { link, .. } => {
                    // Only field6 changes; every other field is kept byte for byte.
                    let query = link
                        .query()
                        .unwrap_or("")
                        .split('&')
                        .map(|p| {
                            if p.split('=').next() == Some(FIELD6) {
                                format!("{FIELD6}={}", encode(user_id))
                            } else {
                                p.to_string()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("&");
                    link.with_query(Some(&query))
                }
                Method::Template { template } => {
                    let text = template.replace(USERID_PLACEHOLDER, &encode(user_id));
                    let url = Url::parse(&text).map_err(|_| TargetError::OffOrigin {
                        url: printable(&text),
                    })?;
                    let reference = Url::parse(&template.replace(USERID_PLACEHOLDER, "x"))
                        .map_err(|_| TargetError::OffOrigin {
                            url: printable(&text),
                        })?;
                    if url.origin() != reference.origin() {
                        return Err(TargetError::OffOrigin {
                            url: printable(&text),
                        });
                    }
                    url
                }
            };
        self.checked(url)
    }

    /// Where an unknown contact goes: `fallback_url` when set; else the EasyVista login
    /// page for `sso` (`sso_samlindex.php`), the ITSM for `autoconnect`, and nowhere
    /// for `template` (the page then shows an error with no link).
    pub fn unknown_contact(&self) -> Option<Target> {
        let url = match (&self.fallback, &self.method) {
            (Some(f), _) => f.clone(),
            (None, Method::Sso { itsm, sandbox }) => join(
                itsm,
                if *sandbox {
                    "sso_samlindexsbox.php"
                } else {
                    "sso_samlindex.php"
                },
            ),
            (None, Method::AutoConnect { itsm, .. }) => itsm.clone()?,
            (None, Method::Template { .. }) => return None,
        };
        self.checked(url).ok()
    }

    fn checked(&self, url: Url) -> Result<Target, TargetError> {
        if !self.origins().contains(&url.origin()) {
            return Err(TargetError::OffOrigin {
                url: printable(url.as_str()),
            });
        }
        Ok(Target(url))
    }
}

/// Joins a page name under a base URL that ends with `/`.
fn join(base: &Url, page: &str) -> Url {
    base.join(page).unwrap_or_else(|_| base.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    // The same tests run in headless Chromium under `cargo xtask test`.
    use crate::config::Config;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const LINK: &str = "https://companyname.easyvista.com/autoconnect_mail.php?field1=5C0F051E580F056F19&field2=&field4=%7B90D54E77-40A5-4F0F-8029-5A7A05F5814D%7D&field5=ViewDialog&field6=morley";

    fn config() -> Config {
        Config::from_json(&format!(
            r#"{{
              "itsm_url": "https://companyname.easyvista.com",
              "default_profile": "production",
              "profiles": {{
                "production": {{ "method": "sso" }},
                "sandbox":    {{ "method": "sso", "sandbox": true }},
                "fb":         {{ "method": "sso", "fallback_url": "https://help.contoso.com/new" }},
                "path":       {{ "method": "sso", "itsm_url": "https://ev.contoso.com/easyvista" }},
                "db50004":    {{ "method": "autoconnect", "link": "{LINK}" }},
                "other-itsm": {{ "method": "template",
                                 "url": "https://itsm.example/cti.do?sysparm_caller_email={{userid}}&x=1",
                                 "fallback_url": "https://itsm.example/" }},
                "bare":       {{ "method": "template", "url": "https://itsm.example/cti.do?e={{userid}}" }}
              }}
            }}"#
        ))
        .unwrap()
    }

    #[track_caller]
    fn check(profile: &str, user: &str, expected: &str) {
        let c = config();
        let target = c.profile(Some(profile)).unwrap().quick_call(user).unwrap();
        assert_eq!(target.as_str(), expected);
        assert!(c.allows(target.url()));
    }

    #[track_caller]
    fn unknown(profile: &str, expected: Option<&str>) {
        let c = config();
        let t = c.profile(Some(profile)).unwrap().unknown_contact();
        assert_eq!(t.as_ref().map(Target::as_str), expected);
    }

    #[test]
    fn sso_method_1() {
        check(
            "production",
            "john.doe@contoso.com",
            "https://companyname.easyvista.com/sso_samlindexlync.php?do_quickcall=1&url_requestor=john.doe%40contoso.com",
        );
        check(
            "sandbox",
            "john.doe@contoso.com",
            "https://companyname.easyvista.com/sso_samlindexlyncsbox.php?do_quickcall=1&url_requestor=john.doe%40contoso.com",
        );
        check(
            "path",
            "a@b.com",
            "https://ev.contoso.com/easyvista/sso_samlindexlync.php?do_quickcall=1&url_requestor=a%40b.com",
        );
        unknown(
            "production",
            Some("https://companyname.easyvista.com/sso_samlindex.php"),
        );
        unknown(
            "sandbox",
            Some("https://companyname.easyvista.com/sso_samlindexsbox.php"),
        );
        unknown("fb", Some("https://help.contoso.com/new"));
    }

    #[test]
    fn autoconnect_method_2_changes_only_field6() {
        check(
            "db50004",
            "john.doe@contoso.com",
            "https://companyname.easyvista.com/autoconnect_mail.php?field1=5C0F051E580F056F19&field2=&field4=%7B90D54E77-40A5-4F0F-8029-5A7A05F5814D%7D&field5=ViewDialog&field6=john.doe%40contoso.com",
        );
        unknown("db50004", Some("https://companyname.easyvista.com/"));
    }

    #[test]
    fn template() {
        check(
            "other-itsm",
            "john+it@contoso.com",
            "https://itsm.example/cti.do?sysparm_caller_email=john%2Bit%40contoso.com&x=1",
        );
        unknown("other-itsm", Some("https://itsm.example/"));
        unknown("bare", None);
    }

    #[test]
    fn hostile_user_ids_stay_inside_the_query_value() {
        let c = config();
        for profile in ["production", "db50004", "other-itsm"] {
            let p = c.profile(Some(profile)).unwrap();
            for evil in [
                "x&url_requestor=evil@evil.com",
                "//evil.com",
                "/\\evil.com",
                "http:evil.com",
                "javascript:alert(1)",
                "a@b.com#@evil.com",
                "a@b.com?x=1",
                "%2F%2Fevil.com",
                "a b@c.com",
                "../../admin",
            ] {
                let t = p.quick_call(evil).unwrap();
                let url = t.url();
                assert!(c.allows(url), "{profile} {evil}: {url}");
                assert_eq!(url.fragment(), None, "{profile} {evil}: {url}");
                // The value decodes back to exactly what went in, in exactly one pair.
                let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
                let hits: Vec<_> = pairs.iter().filter(|(_, v)| v == evil).collect();
                assert_eq!(hits.len(), 1, "{profile} {evil}: {url}");
                let names = ["url_requestor", "field6", "sysparm_caller_email"];
                let carriers = pairs
                    .iter()
                    .filter(|(k, _)| names.contains(&k.as_str()))
                    .count();
                assert_eq!(carriers, 1, "{profile} {evil}: {url}");
            }
            for bad in ["", "  ", "a\r\nb", &"x".repeat(300)] {
                assert!(matches!(
                    p.quick_call(bad),
                    Err(TargetError::BadUserId { .. })
                ));
            }
        }
    }

    #[test]
    fn errors_in_french() {
        let c = config();
        crate::i18n::set_language("fr");
        let bad = c
            .profile(None)
            .unwrap()
            .quick_call("a\nb")
            .unwrap_err()
            .to_string();
        let link = Url::parse("https://x.com/autoconnect_mail.php?field1=a").unwrap();
        let missing = check_autoconnect_link(&link).unwrap_err();
        crate::i18n::set_language("en");
        assert_eq!(
            bad,
            "« a\\nb » ne peut pas servir d’identifiant utilisateur ITSM \
             (vide, trop long ou avec des caractères de contrôle)"
        );
        assert_eq!(
            missing,
            "« https://x.com/autoconnect_mail.php?field1=a » n’a pas de paramètre field6 ; \
             collez le lien complet généré par EasyVista"
        );
    }

    #[test]
    fn double_encoding_is_not_undone() {
        check(
            "production",
            "a%40b.com",
            "https://companyname.easyvista.com/sso_samlindexlync.php?do_quickcall=1&url_requestor=a%2540b.com",
        );
    }
}
