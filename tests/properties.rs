//! Property tests: the invariants the fuzz targets (`fuzz/`) check, on random inputs in
//! every `cargo test`, natively.
//!
//! - the page's query string: any text is read or refused, never a panic, and every
//!   contact read prints as text that reads back as itself;
//! - quick call URLs, for configurations drawn from pieces and any user id: on a
//!   configured origin, one `url_requestor` / `field6`, `do_quickcall=1` intact, the
//!   user id nowhere but in one query value (`fuzz/src/invariants.rs`, shared with the
//!   fuzz targets);
//! - the signed export: small random user sets built, signed and read back, every key
//!   found with exactly its people.
//!
//! The checks live in `fuzz/src/invariants.rs`, included here, so that both run the same
//! rules. proptest's default seed is random; a failure prints the minimal input (and
//! proptest keeps it in `tests/properties.proptest-regressions`, to commit with a fix).
#![cfg(not(target_arch = "wasm32"))]
// Helpers outside `#[test]` functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

#[path = "../fuzz/src/invariants.rs"]
mod invariants;

use std::collections::HashMap;

use ed25519_dalek::SigningKey;
use lync_quickcall::published::{BuildOptions, DirectoryEntries, ExportUser, Match};
use lync_quickcall::{query, Config, Contact, PageQuery};
use proptest::prelude::*;
use proptest::test_runner::Config as Cases;

/// Text shaped like the page's query: known names, `&`/`;` separators, brackets,
/// encodings, and some noise.
fn query_text() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("contactId"),
        Just("CONTACTID"),
        Just("userId"),
        Just("profile"),
        Just("dryrun"),
        Just("other"),
    ];
    let value = prop_oneof![
        Just("Contacts=<sip:John.Doe@contoso.com>".to_string()),
        Just("Contacts=%3Csip:a@x.com%3E,%3Ctel:+33%201%2023%2045%2067%2089%3E".to_string()),
        Just("<sip:r&d@x.com>".to_string()),
        Just("sip:+14255550100@contoso.com;user=phone".to_string()),
        "[a-zA-Z0-9@.:;,<>%&=#+ -]{0,30}",
        any::<String>(),
    ];
    let pair = (name, value).prop_map(|(n, v)| format!("{n}={v}"));
    (
        prop::collection::vec((pair, prop_oneof![Just("&"), Just(";")]), 0..4),
        any::<bool>(),
    )
        .prop_map(|(pairs, mark)| {
            let body: String = pairs.into_iter().map(|(p, sep)| p + sep).collect();
            if mark {
                format!("?{body}")
            } else {
                body
            }
        })
}

#[track_caller]
fn reads_back(contacts: &[Contact]) {
    for c in contacts {
        assert_eq!(Contact::parse(&c.to_string()).as_ref(), Ok(c), "{c:?}");
    }
}

proptest! {
    #![proptest_config(Cases::with_cases(512))]

    #[test]
    fn any_query_is_read_or_refused(text in prop_oneof![query_text(), any::<String>()]) {
        let (search, hash) = text.split_at(text.find('#').unwrap_or(text.len()));
        let joined = query::with_fragment(search, hash);
        prop_assert!(joined.starts_with(search));
        for raw in [&joined[..], &text[..]] {
            if let Ok(q) = PageQuery::parse(raw) {
                prop_assert!(!q.contacts.is_empty());
                reads_back(&q.contacts);
                reads_back(q.user.as_slice());
            }
        }
        if let Ok(list) = Contact::parse_list(&text) {
            reads_back(&list);
        }
    }
}

/// A base URL of the ITSM, from a small set, with a path.
fn base() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("https://companyname.easyvista.com"),
            Just("https://ev.contoso.com/easyvista"),
            Just("http://itsm.example:8080"),
            Just("https://xn--bcher-kva.example"),
            Just("https://[::1]"),
        ],
        "(/[a-zA-Z0-9._~%-]{0,8}){0,2}",
    )
        .prop_map(|(origin, path)| format!("{origin}{path}"))
}

/// Query pairs: EasyVista's link fields, or names and values already encoded.
fn pairs() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            Just("field1=5C0F051E580F056F19".to_string()),
            Just("field2=".to_string()),
            Just("field4=%7B90D54E77-40A5-4F0F-8029-5A7A05F5814D%7D".to_string()),
            "[a-zA-Z0-9_]{1,8}=[a-zA-Z0-9._~%+-]{0,12}",
        ],
        0..3,
    )
}

/// One profile's JSON (a `template` always carries `{userid}` once, as a whole value).
fn profile() -> impl Strategy<Value = String> {
    let sso = (any::<bool>(), prop::option::of(base())).prop_map(|(sandbox, itsm)| {
        let itsm = itsm.map_or(String::new(), |u| format!(r#", "itsm_url": "{u}""#));
        format!(r#"{{ "method": "sso", "sandbox": {sandbox}{itsm} }}"#)
    });
    let autoconnect =
        (base(), pairs(), "[a-z0-9]{0,8}", pairs()).prop_map(|(b, before, v, after)| {
            let mut q = before;
            q.push(format!("field6={v}"));
            q.extend(after);
            format!(
                r#"{{ "method": "autoconnect", "link": "{b}/autoconnect_mail.php?{}" }}"#,
                q.join("&")
            )
        });
    let template =
        (base(), pairs(), "[a-zA-Z_]{1,12}", pairs()).prop_map(|(b, before, name, after)| {
            let mut q = before;
            q.push(format!("{name}={{userid}}"));
            q.extend(after);
            format!(
                r#"{{ "method": "template", "url": "{b}/cti.do?{}" }}"#,
                q.join("&")
            )
        });
    prop_oneof![sso, autoconnect, template]
}

/// A whole `config.json` of one to three profiles (`p0` the default).
fn config() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(profile(), 1..4),
        prop::option::of(base()),
    )
        .prop_map(|(profiles, fallback)| {
            let profiles: Vec<String> = profiles
                .iter()
                .enumerate()
                .map(|(i, p)| format!(r#""p{i}": {p}"#))
                .collect();
            let fallback =
                fallback.map_or(String::new(), |f| format!(r#""fallback_url": "{f}/help","#));
            format!(
                r#"{{ "itsm_url": "https://companyname.easyvista.com", {fallback}
                     "default_profile": "p0", "profiles": {{ {} }} }}"#,
                profiles.join(", ")
            )
        })
}

/// User ids: addresses, hostile text, and anything at all.
fn user_id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9._+-]{1,12}@[a-z]{1,8}\\.com",
        Just("x&url_requestor=evil@evil.com".to_string()),
        Just("a@b.com#@evil.com".to_string()),
        Just("//evil.com/?field6=x".to_string()),
        Just("%2F%2Fevil.com".to_string()),
        "[ -~]{0,40}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(Cases::with_cases(512))]

    #[test]
    fn quick_call_urls_keep_the_user_id_in_one_query_value(
        text in config(),
        user_id in user_id(),
    ) {
        let config = match Config::from_json(&text) {
            Ok(c) => c,
            Err(e) => panic!("{e}\n{text}"),
        };
        if let Err(e) = invariants::check_config(&config, &user_id, true) {
            panic!("{e}\nconfig: {text}");
        }
    }
}

/// A small export: users, and keys each mapping to one to three of them.
fn entries() -> impl Strategy<Value = DirectoryEntries> {
    let user = (
        prop_oneof!["[a-z]{1,8}\\.[a-z]{1,8}@contoso\\.com", "[!-~][ -~]{0,20}"],
        prop::option::of(any::<String>()),
    )
        .prop_map(|(user_id, display_name)| ExportUser {
            user_id,
            display_name,
        });
    let key = prop_oneof![
        "[a-z0-9]{1,10}@(contoso|lync\\.contoso)\\.com".prop_map(|a| format!("sip:{a}")),
        "\\+33[1-9][0-9]{8}".prop_map(|n| format!("tel:{n}")),
        "[0-9]{4}".prop_map(|n| format!("tel:{n};phone-context=contoso")),
    ];
    (
        prop::collection::vec(user, 1..8),
        prop::collection::vec(
            (
                key,
                prop::collection::vec((any::<prop::sample::Index>(), 0..3usize), 1..4),
            ),
            1..12,
        ),
    )
        .prop_map(|(users, keys)| {
            let attributes = vec![
                "msRTCSIP-PrimaryUserAddress".to_string(),
                "mail".to_string(),
                "telephoneNumber".to_string(),
            ];
            let mut map = HashMap::new();
            for (key, matches) in keys {
                let contact = Contact::parse(&key).unwrap();
                let matches = matches
                    .into_iter()
                    .map(|(user, attribute)| Match {
                        user: user.index(users.len()),
                        attribute,
                    })
                    .collect();
                map.insert(contact, matches);
            }
            DirectoryEntries {
                users,
                attributes,
                keys: map,
            }
        })
}

proptest! {
    // Each case signs and verifies a few shards in a debug build: fewer cases.
    #![proptest_config(Cases::with_cases(32))]

    #[test]
    fn exports_read_back_every_key(
        entries in entries(),
        seed in any::<u8>(),
        days in 1u64..=366,
        max_shard_bytes in prop_oneof![Just(BuildOptions::DEFAULT_MAX_SHARD_BYTES), 300usize..2000],
    ) {
        let options = BuildOptions {
            max_shard_bytes,
            ..BuildOptions::new(1_760_000_000, days)
        };
        let absent = [Contact::parse("sip:absent@contoso.com").unwrap()];
        let key = SigningKey::from_bytes(&[7; 32]);
        if let Err(e) = invariants::check_round_trip(&entries, &options, seed, &key, &absent) {
            panic!("{e}\nentries: {entries:?}");
        }
    }
}
