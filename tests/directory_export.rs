//! From an Active Directory export to the page's answer, through the public API only:
//! read (CSV, LDIF) → map → build and sign → (files) → verify → look up.
#![cfg(not(target_arch = "wasm32"))]
// Helpers outside `#[test]` functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod common;
use common::Fixed;

use std::collections::HashMap;

use ed25519_dalek::SigningKey;
use lync_quickcall::adexport::{self, MapOptions};
use lync_quickcall::published::{
    build, BuildOptions, Fresh, PublishedDirectory, VerifiedManifest, MANIFEST_FILE,
};
use lync_quickcall::{
    decide, resolve_all, Config, Contact, DirectoryError, Lookup, Outcome, PublicKey, TrustedKeys,
};

const NOW: u64 = 1_760_000_000;

fn export(input: &[u8], signer: &SigningKey, seed: u8) -> PublishedDirectory {
    let (_, table) = adexport::read(input, None).unwrap();
    let (entries, _) = adexport::map(&table, &MapOptions::default(), &mut |_| {}).unwrap();
    // A fixed generator, so that each test's export is the same from run to run.
    let fresh = Fresh::generate(&mut Fixed(seed));
    build(&entries, &BuildOptions::new(NOW, 7), fresh, signer).unwrap()
}

/// The page's steps over the files of `dir`.
fn lookup(
    dir: &PublishedDirectory,
    keys: &TrustedKeys,
    token: &str,
) -> Result<Vec<Lookup>, DirectoryError> {
    let files: HashMap<&str, &[u8]> = dir
        .shards
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let contacts = Contact::parse_list(token).unwrap();
    let m = VerifiedManifest::open(&dir.manifest, keys, NOW + 3600)?;
    let mut shards = Vec::new();
    for r in m.shards_for(&contacts) {
        shards.push(m.open_shard(&r, files[r.path()], keys)?);
    }
    let d = m.directory(&contacts, &shards)?;
    Ok(resolve_all(&contacts, &d)
        .into_iter()
        .map(|r| r.lookup)
        .collect())
}

fn user_ids(l: &Lookup) -> Vec<String> {
    match l {
        Lookup::Found(p) => p.iter().map(|p| p.user_id.clone()).collect(),
        Lookup::Unknown => vec![],
    }
}

#[test]
fn powershell_csv_to_answers() {
    let k = SigningKey::from_bytes(&[11; 32]);
    let keys = TrustedKeys::new(vec![PublicKey::of(&k)]).unwrap();
    let dir = export(include_bytes!("fixtures/ad-users-ps51.csv"), &k, 1);
    assert_eq!(dir.manifest.len(), dir.stats.manifest_bytes);
    for (token, expected) in [
        ("sip:jdoe@contoso.com", vec!["John.Doe@contoso.com"]),
        ("SIP:John.Doe@CONTOSO.com", vec!["John.Doe@contoso.com"]),
        ("john.doe@contoso.com", vec!["John.Doe@contoso.com"]),
        ("sip:jdoe@contoso.local", vec!["John.Doe@contoso.com"]),
        (
            "tel:+33 1 23 45 67 89",
            vec!["John.Doe@contoso.com", "helene.lefevre@contoso.com"],
        ),
        (
            "tel:+33123456789",
            vec!["John.Doe@contoso.com", "helene.lefevre@contoso.com"],
        ),
        (
            "tel:+33123456789;phone-context=contoso.com",
            vec!["John.Doe@contoso.com", "helene.lefevre@contoso.com"],
        ),
        ("tel:0140000000", vec!["marc.martin@contoso.com"]),
        ("sip:nobody@contoso.com", vec![]),
        ("tel:+33999999999", vec![]),
    ] {
        let got = lookup(&dir, &keys, token).unwrap();
        assert_eq!(user_ids(&got[0]), expected, "{token}");
    }
}

#[test]
fn ldif_and_use_culture_csv_to_answers() {
    let k = SigningKey::from_bytes(&[12; 32]);
    let keys = TrustedKeys::new(vec![PublicKey::of(&k)]).unwrap();
    let ldif = export(include_bytes!("fixtures/ad-users-ldapsearch.ldif"), &k, 2);
    let got = lookup(
        &ldif,
        &keys,
        "Contacts=<sip:jmueller@contoso.com>,<sip:anna.smith@contoso.com>,<tel:+49301234567>",
    )
    .unwrap();
    assert_eq!(user_ids(&got[0]), ["juergen.mueller@contoso.com"]);
    assert_eq!(user_ids(&got[1]), ["anna.smith@contoso.com"]);
    assert_eq!(
        user_ids(&got[2]),
        ["juergen.mueller@contoso.com", "anna.smith@contoso.com"]
    );
    let fr = export(include_bytes!("fixtures/ad-users-useculture-fr.csv"), &k, 3);
    let got = lookup(&fr, &keys, "sip:chloe.garcia@lync.contoso.com").unwrap();
    assert_eq!(user_ids(&got[0]), ["chloe.garcia@contoso.com"]);
}

#[test]
fn the_decision_uses_the_directory() {
    let k = SigningKey::from_bytes(&[13; 32]);
    let dir = export(include_bytes!("fixtures/ad-users-ps51.csv"), &k, 4);
    let config = Config::from_json(&format!(
        r#"{{"itsm_url":"https://contoso.easyvista.com","fallback_url":"https://contoso.easyvista.com/help",
            "profiles":{{"production":{{"method":"sso"}}}},
            "directory":{{"source":"export","public_keys":["{}"]}}}}"#,
        PublicKey::of(&k)
    ))
    .unwrap();
    let lync_quickcall::DirectorySource::Export { path, keys } = &config.directory else {
        panic!("{:?}", config.directory)
    };
    assert_eq!(path, "directory/");
    let profile = config.profile(None).unwrap();
    let decide_for = |token: &str| {
        let contacts = Contact::parse_list(token).unwrap();
        let files: HashMap<&str, &[u8]> = dir
            .shards
            .iter()
            .map(|(p, b)| (p.as_str(), b.as_slice()))
            .collect();
        let m = VerifiedManifest::open(&dir.manifest, keys, NOW).unwrap();
        let shards: Vec<_> = m
            .shards_for(&contacts)
            .iter()
            .map(|r| m.open_shard(r, files[r.path()], keys).unwrap())
            .collect();
        let d = m.directory(&contacts, &shards).unwrap();
        decide(profile, &resolve_all(&contacts, &d))
    };
    // Known SIP contact whose mail differs: straight to the mail's quick call.
    match decide_for("Contacts=<sip:jdoe@contoso.com>") {
        Outcome::Navigate { target, .. } => assert!(
            target
                .as_str()
                .ends_with("url_requestor=John.Doe%40contoso.com"),
            "{target}"
        ),
        other => panic!("{other:?}"),
    }
    // A shared number: the chooser.
    assert!(matches!(
        decide_for("Contacts=<tel:+33123456789>"),
        Outcome::Choose { .. }
    ));
    // Unknown: the fallback.
    match decide_for("Contacts=<sip:nobody@contoso.com>") {
        Outcome::Navigate { target, .. } => {
            assert_eq!(target.as_str(), "https://contoso.easyvista.com/help")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_100k_style_export_keeps_lookups_small() {
    // 5,000 generated users: the shard size limit does not depend on the user count.
    let k = SigningKey::from_bytes(&[14; 32]);
    let csv = adexport::synthetic::synthetic_ad_csv(5_000, 42);
    let dir = export(csv.as_bytes(), &k, 5);
    assert!(
        dir.stats.biggest_shard_bytes <= BuildOptions::DEFAULT_MAX_SHARD_BYTES,
        "{:?}",
        dir.stats
    );
    assert!(dir.stats.manifest_bytes < 1024, "{:?}", dir.stats);
    assert!(dir.stats.manifest_bytes + dir.stats.biggest_shard_bytes < 16 * 1024);
    assert_eq!(dir.shards.len(), 1 << dir.stats.shard_bits);
    assert!(dir.shards.iter().all(|(p, _)| p.len() == 32 + 1 + 4 + 5));
    assert_eq!(MANIFEST_FILE, "manifest.json");
}
