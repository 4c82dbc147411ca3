//! Exports written by the tool's Windows build (under Wine) and by its Linux build from
//! the same Active Directory files mean the same: every key of the input finds the
//! same people, and nothing else is in them. Byte for byte they differ (each export
//! has its own salt and id), so this reads them as the page does.
//!
//! Run by `cargo xtask wine-test`, which writes the exports and sets:
//! - `LQC_COMPARE_EXPORTS`: the directory folders (each holding `manifest.json`),
//!   separated like `PATH`;
//! - `LQC_COMPARE_INPUTS`: the CSV files they were made from (all the same users);
//! - `LQC_COMPARE_PUBLIC_KEY`: the public key they must be signed with.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lync_quickcall::adexport::{self, MapOptions};
use lync_quickcall::published::{DirectoryEntries, VerifiedManifest, MANIFEST_FILE};
use lync_quickcall::{Contact, Lookup, Person, PublicKey, TrustedKeys};

fn paths(var: &str) -> Vec<PathBuf> {
    let value = std::env::var_os(var).unwrap_or_else(|| panic!("{var} is not set"));
    let paths: Vec<PathBuf> = std::env::split_paths(&value).collect();
    assert!(!paths.is_empty(), "{var} is empty");
    paths
}

fn entries(csv: &Path) -> DirectoryEntries {
    let bytes = std::fs::read(csv).unwrap();
    let (_, table) = adexport::read(&bytes, None).unwrap();
    adexport::map(&table, &MapOptions::default(), &mut |_| {})
        .unwrap()
        .0
}

/// Whom `contact` finds in `entries`, as the page shows it.
fn expected(entries: &DirectoryEntries, contact: &Contact) -> Vec<Person> {
    entries.keys[contact]
        .iter()
        .map(|m| Person {
            user_id: entries.users[m.user].user_id.clone(),
            display_name: entries.users[m.user].display_name.clone(),
            matched_by: Some(entries.attributes[m.attribute].clone()),
        })
        .collect()
}

#[test]
#[ignore = "reads the exports `cargo xtask wine-test` writes"]
fn windows_and_linux_exports_of_the_same_users_mean_the_same() {
    let key: PublicKey = std::env::var("LQC_COMPARE_PUBLIC_KEY")
        .expect("LQC_COMPARE_PUBLIC_KEY is not set")
        .parse()
        .unwrap();
    let keys = TrustedKeys::new(vec![key]).unwrap();
    let inputs = paths("LQC_COMPARE_INPUTS");
    let want = entries(&inputs[0]);
    for other in &inputs[1..] {
        assert_eq!(entries(other), want, "{} has other users", other.display());
    }
    assert!(want.keys.len() > 5, "the input maps too few keys");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let nobody = Contact::parse("sip:nobody.at.all@contoso.com").unwrap();
    let exports = paths("LQC_COMPARE_EXPORTS");
    assert!(exports.len() >= 2);
    for dir in &exports {
        let what = dir.display();
        let m =
            VerifiedManifest::open(&std::fs::read(dir.join(MANIFEST_FILE)).unwrap(), &keys, now)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(m.users(), want.users.len() as u64, "{what}: users");
        assert_eq!(m.keys(), want.keys.len() as u64, "{what}: keys");
        assert_eq!(
            m.attributes(),
            want.attributes.as_slice(),
            "{what}: attributes"
        );
        let mut contacts: Vec<&Contact> = want.keys.keys().collect();
        contacts.push(&nobody);
        for contact in contacts {
            let r = m.shard_for(contact);
            let bytes = std::fs::read(dir.join(r.path()))
                .unwrap_or_else(|e| panic!("{what}/{}: {e}", r.path()));
            let shard = m.open_shard(&r, &bytes, &keys).unwrap();
            let found = shard.lookup(contact).unwrap();
            if contact == &nobody {
                assert_eq!(found, Lookup::Unknown, "{what}: {nobody:?}");
            } else {
                assert_eq!(
                    found,
                    Lookup::Found(expected(&want, contact)),
                    "{what}: {contact:?}"
                );
            }
        }
        println!(
            "{what}: {} users and {} keys, each found as in the input",
            m.users(),
            m.keys()
        );
    }
}
