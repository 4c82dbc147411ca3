//! The decision: given the contacts, what the directory said of each, and the profile,
//! go straight to one quick call, offer a chooser, or fall back.
//!
//! The policy, as in other "screen pop" integrations, never silently takes a first hit:
//! - one contact, one person: straight to that person's quick call;
//! - one contact, several people (a shared number, a duplicate address): the chooser;
//! - one contact, nobody: the profile's unknown-contact page, or an error without one;
//! - several contacts: the chooser, listing every person found and every contact not
//!   found (leading to the unknown-contact page); when nobody at all was found, straight
//!   to the unknown-contact page.

use crate::config::{Config, Profile};
use crate::contact::Contact;
use crate::directory::{Directory, DirectorySource, Lookup, PassThrough, Person};
use crate::query::PageQuery;
use crate::target::Target;

/// The most entries the chooser shows (Zammad shows 20, Znuny 10).
pub const MAX_CHOICES: usize = 20;

/// One contact and what the directory said of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The contact.
    pub contact: Contact,
    /// The directory's answer.
    pub lookup: Lookup,
}

/// Looks every contact up in `directory`.
pub fn resolve_all(contacts: &[Contact], directory: &dyn Directory) -> Vec<Resolution> {
    contacts
        .iter()
        .map(|c| Resolution {
            contact: c.clone(),
            lookup: directory.lookup(c),
        })
        .collect()
}

/// One line of the chooser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// What the technician reads: the person's name and id, or the contact.
    pub label: String,
    /// The contact this line comes from.
    pub contact: Contact,
    /// Where the line leads; `None` when it leads nowhere (unknown, no fallback).
    pub target: Option<Target>,
    /// A short remark (`not in the directory`, `matched by ...`), in the page's language.
    pub note: String,
}

/// What the page does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Go to this URL (a quick call, or the unknown-contact page).
    Navigate {
        /// Where.
        target: Target,
        /// Why, in a sentence (shown on dry runs).
        reason: String,
    },
    /// Let the technician pick.
    Choose {
        /// The lines, at most [`MAX_CHOICES`].
        choices: Vec<Choice>,
        /// How many more were left out.
        hidden: usize,
    },
    /// Nowhere to go: show the message (with a link to `fallback` when there is one).
    Failed {
        /// What went wrong, for the technician.
        message: String,
        /// A page that still helps, when there is one.
        fallback: Option<Target>,
    },
}

fn person_choice(profile: &Profile, contact: &Contact, p: &Person) -> Choice {
    match profile.quick_call(&p.user_id) {
        Ok(t) => Choice {
            label: p.label(),
            contact: contact.clone(),
            target: Some(t),
            note: p
                .matched_by
                .as_ref()
                .map(|m| crate::tr!("outcome-matched-by", key = m))
                .unwrap_or_default(),
        },
        Err(e) => Choice {
            label: p.label(),
            contact: contact.clone(),
            target: None,
            note: e.to_string(),
        },
    }
}

/// Decides what to do with `resolutions` under `profile`.
pub fn decide(profile: &Profile, resolutions: &[Resolution]) -> Outcome {
    let unknown_target = profile.unknown_contact();
    if let [only] = resolutions {
        return match &only.lookup {
            Lookup::Found(people) if people.len() == 1 => {
                match profile.quick_call(&people[0].user_id) {
                    Ok(target) => Outcome::Navigate {
                        target,
                        reason: match &people[0].matched_by {
                            Some(m) => crate::tr!(
                                "outcome-is-matched",
                                contact = only.contact,
                                person = people[0].label(),
                                key = m
                            ),
                            None => crate::tr!(
                                "outcome-is",
                                contact = only.contact,
                                person = people[0].label()
                            ),
                        },
                    },
                    Err(e) => Outcome::Failed {
                        message: crate::tr!(
                            "outcome-entry-unusable",
                            contact = only.contact,
                            error = e
                        ),
                        fallback: unknown_target,
                    },
                }
            }
            Lookup::Found(people) => choose(
                people
                    .iter()
                    .map(|p| person_choice(profile, &only.contact, p))
                    .collect(),
            ),
            Lookup::Unknown => unknown(&only.contact.to_string(), unknown_target),
        };
    }
    let mut choices = Vec::new();
    for r in resolutions {
        match &r.lookup {
            Lookup::Found(people) => {
                choices.extend(people.iter().map(|p| person_choice(profile, &r.contact, p)))
            }
            Lookup::Unknown => choices.push(Choice {
                label: r.contact.to_string(),
                contact: r.contact.clone(),
                target: unknown_target.clone(),
                note: crate::tr!("outcome-not-in-directory"),
            }),
        }
    }
    let any_found = resolutions
        .iter()
        .any(|r| matches!(r.lookup, Lookup::Found(_)));
    if !any_found {
        let names: Vec<String> = resolutions.iter().map(|r| r.contact.to_string()).collect();
        return unknown(&names.join(", "), unknown_target);
    }
    choose(choices)
}

fn choose(mut choices: Vec<Choice>) -> Outcome {
    let hidden = choices.len().saturating_sub(MAX_CHOICES);
    choices.truncate(MAX_CHOICES);
    Outcome::Choose { choices, hidden }
}

fn unknown(who: &str, fallback: Option<Target>) -> Outcome {
    match fallback {
        Some(target) => Outcome::Navigate {
            target,
            reason: crate::tr!("outcome-unknown-fallback", who = who),
        },
        None => Outcome::Failed {
            message: crate::tr!("outcome-unknown-failed", who = who),
            fallback: None,
        },
    }
}

/// Where a page link leads at once, when deciding needs nothing to fetch and nothing to
/// show: contacts in `search` (the page's query), no directory (`"source": "none"`), no
/// dry run, and [`decide`] going to one place on an origin `config` names. It is what
/// the whole path (query, profile, [`resolve_all`], [`decide`], [`Config::allows`])
/// gives in that case, by the same functions; `None` whenever the page has more to do
/// (a lookup, the chooser, an error to explain, the home page), which the whole path
/// then does.
pub fn immediate(search: &str, config: &Config) -> Option<Target> {
    if !matches!(config.directory, DirectorySource::None) {
        return None;
    }
    let query = PageQuery::parse(search).ok()?;
    if query.dry_run {
        return None;
    }
    let profile = config.profile(query.profile.as_deref()).ok()?;
    match decide(profile, &resolve_all(&query.contacts, &PassThrough)) {
        Outcome::Navigate { target, .. } if config.allows(target.url()) => Some(target),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The same tests run in headless Chromium under `cargo xtask test`.
    use crate::config::Config;
    use crate::directory::PassThrough;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn config() -> Config {
        Config::from_json(
            r#"{"itsm_url":"https://ev.example","default_profile":"sso","profiles":{
                "sso":{"method":"sso"},
                "tpl":{"method":"template","url":"https://itsm.example/c?e={userid}"}}}"#,
        )
        .unwrap()
    }

    fn contacts(s: &str) -> Vec<Contact> {
        Contact::parse_list(s).unwrap()
    }

    fn person(id: &str, name: &str) -> Person {
        Person {
            user_id: id.into(),
            display_name: Some(name.into()),
            matched_by: Some("telephoneNumber".into()),
        }
    }

    #[test]
    fn one_contact_goes_straight_there() {
        let c = config();
        let r = resolve_all(&contacts("sip:John@x.com"), &PassThrough);
        match decide(c.profile(None).unwrap(), &r) {
            Outcome::Navigate { target, .. } => assert_eq!(
                target.as_str(),
                "https://ev.example/sso_samlindexlync.php?do_quickcall=1&url_requestor=john%40x.com"
            ),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn unknown_contact_falls_back_or_fails() {
        let c = config();
        let r = resolve_all(&contacts("tel:+331234"), &PassThrough);
        match decide(c.profile(None).unwrap(), &r) {
            Outcome::Navigate { target, .. } => {
                assert_eq!(target.as_str(), "https://ev.example/sso_samlindex.php")
            }
            o => panic!("{o:?}"),
        }
        match decide(c.profile(Some("tpl")).unwrap(), &r) {
            Outcome::Failed { message, fallback } => {
                assert!(message.contains("tel:+331234"), "{message}");
                assert_eq!(fallback, None);
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn several_contacts_give_the_chooser() {
        let c = config();
        let r = resolve_all(
            &contacts("Contacts=<sip:a@x.com>,<tel:1234;phone-context=y>,<sip:b@x.com>"),
            &PassThrough,
        );
        match decide(c.profile(None).unwrap(), &r) {
            Outcome::Choose { choices, hidden } => {
                assert_eq!(hidden, 0);
                let labels: Vec<_> = choices.iter().map(|c| c.label.as_str()).collect();
                assert_eq!(labels, ["a@x.com", "tel:1234", "b@x.com"]);
                assert_eq!(
                    choices[2].target.as_ref().unwrap().as_str(),
                    "https://ev.example/sso_samlindexlync.php?do_quickcall=1&url_requestor=b%40x.com"
                );
                assert_eq!(
                    choices[1].target.as_ref().unwrap().as_str(),
                    "https://ev.example/sso_samlindex.php"
                );
            }
            o => panic!("{o:?}"),
        }
        // Several contacts, none known: straight to the unknown-contact page.
        let r = resolve_all(&contacts("tel:1234,tel:5678"), &PassThrough);
        assert!(matches!(
            decide(c.profile(None).unwrap(), &r),
            Outcome::Navigate { .. }
        ));
    }

    #[test]
    fn several_people_for_one_contact_give_the_chooser() {
        let c = config();
        let r = vec![Resolution {
            contact: Contact::parse("tel:+33123456789").unwrap(),
            lookup: Lookup::Found(vec![person("a@x.com", "Ann"), person("b@x.com", "Bob")]),
        }];
        match decide(c.profile(None).unwrap(), &r) {
            Outcome::Choose { choices, .. } => {
                assert_eq!(choices.len(), 2);
                assert_eq!(choices[0].label, "Ann <a@x.com>");
                assert_eq!(choices[1].note, "matched by telephoneNumber");
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn the_chooser_speaks_french() {
        let c = config();
        crate::i18n::set_language("fr");
        let r = resolve_all(
            &contacts("Contacts=<sip:a@x.com>,<tel:1234;phone-context=y>"),
            &PassThrough,
        );
        let one = vec![Resolution {
            contact: Contact::parse("tel:+33123456789").unwrap(),
            lookup: Lookup::Found(vec![person("a@x.com", "Ann")]),
        }];
        let chooser = decide(c.profile(None).unwrap(), &r);
        let straight = decide(c.profile(None).unwrap(), &one);
        let unknown = decide(
            c.profile(Some("tpl")).unwrap(),
            &resolve_all(&contacts("tel:+331234"), &PassThrough),
        );
        crate::i18n::set_language("en");
        match chooser {
            Outcome::Choose { choices, .. } => {
                assert_eq!(choices[1].label, "tel:1234");
                assert_eq!(choices[1].note, "introuvable dans l’annuaire");
                assert!(choices[0]
                    .note
                    .starts_with("correspondance : l’adresse SIP"));
            }
            o => panic!("{o:?}"),
        }
        match straight {
            Outcome::Navigate { reason, .. } => assert_eq!(
                reason,
                "tel:+33123456789 est Ann <a@x.com> (correspondance : telephoneNumber)"
            ),
            o => panic!("{o:?}"),
        }
        match unknown {
            Outcome::Failed { message, .. } => assert_eq!(
                message,
                "tel:+331234 est introuvable dans l’annuaire, et ce profil n’a pas de fallback_url"
            ),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn the_chooser_is_capped() {
        let c = config();
        let people = (0..25)
            .map(|i| person(&format!("u{i}@x.com"), "U"))
            .collect();
        let r = vec![Resolution {
            contact: Contact::parse("tel:+33123456789").unwrap(),
            lookup: Lookup::Found(people),
        }];
        match decide(c.profile(None).unwrap(), &r) {
            Outcome::Choose { choices, hidden } => {
                assert_eq!(choices.len(), MAX_CHOICES);
                assert_eq!(hidden, 5);
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn an_unusable_user_id_is_an_error_not_a_navigation() {
        let c = config();
        let r = vec![Resolution {
            contact: Contact::parse("sip:a@x.com").unwrap(),
            lookup: Lookup::Found(vec![person("bad\nid", "Bad")]),
        }];
        assert!(matches!(
            decide(c.profile(None).unwrap(), &r),
            Outcome::Failed { .. }
        ));
    }

    #[test]
    fn immediate_goes_where_the_whole_path_goes() {
        let config = config();
        for (search, expected) in [
            (
                "?contactId=Contacts=%3Csip:John.Doe@contoso.com%3E",
                Some("https://ev.example/sso_samlindexlync.php?do_quickcall=1&url_requestor=john.doe%40contoso.com"),
            ),
            (
                "?contactId=sip:a@b.c&profile=tpl",
                Some("https://itsm.example/c?e=a%40b.c"),
            ),
            // Several people: the chooser, shown by the whole path.
            ("?contactId=Contacts=%3Csip:a@b.c%3E,%3Csip:d@e.f%3E", None),
            // A dry run, the home page, a profile that does not exist, a broken query.
            ("?contactId=sip:a@b.c&dryrun=1", None),
            ("", None),
            ("?contactId=sip:a@b.c&profile=nope", None),
            ("?contactId=sip:a@b.c&contactId=sip:d@e.f", None),
            // A telephone number without a directory: the unknown-contact page.
            (
                "?contactId=Contacts=%3Ctel:+33123%3E",
                Some("https://ev.example/sso_samlindex.php"),
            ),
        ] {
            let got = immediate(search, &config);
            assert_eq!(got.as_ref().map(Target::as_str), expected, "{search}");
            // Where it goes, the whole path goes too.
            if let Some(target) = got {
                let query = PageQuery::parse(search).unwrap();
                let profile = config.profile(query.profile.as_deref()).unwrap();
                match decide(profile, &resolve_all(&query.contacts, &PassThrough)) {
                    Outcome::Navigate { target: t, .. } => assert_eq!(t, target),
                    other => panic!("{search}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn immediate_leaves_lookups_to_the_whole_path() {
        let with_endpoint = Config::from_json(
            r#"{"itsm_url":"https://ev.example","profiles":{"sso":{"method":"sso"}},
                "directory":{"source":"endpoint","url":"https://lookup.example/u?sip={contact}"}}"#,
        )
        .unwrap();
        assert_eq!(immediate("?contactId=sip:a@b.c", &with_endpoint), None);
    }
}
