use std::collections::HashMap;

use ed25519_dalek::SigningKey;

use super::*;
use crate::outcome::resolve_all;
use crate::signed::{sign, Context};

const NOW: u64 = 1_750_000_000; // 2025-06-15
const DAY: u64 = 86_400;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn trust(keys: &[&SigningKey]) -> TrustedKeys {
    TrustedKeys::new(keys.iter().map(|k| PublicKey::of(k)).collect()).unwrap()
}

fn fresh(seed: u8) -> Fresh {
    Fresh::fixed([seed; 16], [seed.wrapping_add(100); 32])
}

fn contact(s: &str) -> Contact {
    Contact::parse(s).unwrap()
}

/// A small directory: John (SIP differs from mail), Hélène sharing his number, Marc.
fn entries() -> DirectoryEntries {
    let users = vec![
        ExportUser {
            user_id: "john.doe@contoso.com".into(),
            display_name: Some("Doe, John".into()),
        },
        ExportUser {
            user_id: "helene.lefevre@contoso.com".into(),
            display_name: Some("Lefèvre, Hélène \"Lena\"".into()),
        },
        ExportUser {
            user_id: "marc.martin@contoso.com".into(),
            display_name: None,
        },
    ];
    let attributes = vec![
        "msRTCSIP-PrimaryUserAddress".to_string(),
        "mail".to_string(),
        "telephoneNumber".to_string(),
    ];
    let m = |user, attribute| Match { user, attribute };
    let mut keys = HashMap::new();
    keys.insert(contact("sip:jdoe@contoso.com"), vec![m(0, 0)]);
    keys.insert(contact("john.doe@contoso.com"), vec![m(0, 1)]);
    keys.insert(contact("helene.lefevre@contoso.com"), vec![m(1, 1)]);
    keys.insert(contact("marc.martin@contoso.com"), vec![m(2, 1)]);
    keys.insert(contact("tel:+33123456789"), vec![m(0, 2), m(1, 2)]);
    DirectoryEntries {
        users,
        attributes,
        keys,
    }
}

fn options() -> BuildOptions {
    BuildOptions::new(NOW, 7)
}

/// A directory of `n` users with 2 keys each, big enough for several shards.
fn big_entries(n: usize) -> DirectoryEntries {
    let mut e = DirectoryEntries {
        attributes: vec!["mail".into(), "msRTCSIP-PrimaryUserAddress".into()],
        ..DirectoryEntries::default()
    };
    for i in 0..n {
        e.users.push(ExportUser {
            user_id: format!("user{i}@contoso.com"),
            display_name: Some(format!("User {i}")),
        });
        e.keys.insert(
            contact(&format!("user{i}@contoso.com")),
            vec![Match {
                user: i,
                attribute: 0,
            }],
        );
        e.keys.insert(
            contact(&format!("sip:u{i}@lync.contoso.com")),
            vec![Match {
                user: i,
                attribute: 1,
            }],
        );
    }
    e
}

/// The files of an export, as a web server would serve them.
struct Served {
    files: HashMap<String, Vec<u8>>,
}

impl Served {
    fn new(dir: &PublishedDirectory) -> Served {
        let mut files: HashMap<String, Vec<u8>> = dir.shards.iter().cloned().collect();
        files.insert(MANIFEST_FILE.into(), dir.manifest.clone());
        Served { files }
    }

    fn get(&self, path: &str) -> &[u8] {
        self.files
            .get(path)
            .unwrap_or_else(|| panic!("no file {path}"))
    }

    /// What the page does: open the manifest, fetch and open the contacts' shards,
    /// build the directory, resolve.
    fn resolve(
        &self,
        keys: &TrustedKeys,
        now: u64,
        contacts: &[Contact],
    ) -> Result<Vec<Lookup>, DirectoryError> {
        let m = VerifiedManifest::open(self.get(MANIFEST_FILE), keys, now)?;
        let mut shards = Vec::new();
        for r in m.shards_for(contacts) {
            shards.push(m.open_shard(&r, self.get(r.path()), keys)?);
        }
        let d = m.directory(contacts, &shards)?;
        Ok(resolve_all(contacts, &d)
            .into_iter()
            .map(|r| r.lookup)
            .collect())
    }
}

fn served() -> (Served, TrustedKeys) {
    let k = key(1);
    let dir = build(&entries(), &options(), fresh(1), &k).unwrap();
    (Served::new(&dir), trust(&[&k]))
}

fn found(l: &Lookup) -> Vec<(String, Option<String>, String)> {
    match l {
        Lookup::Found(p) => p
            .iter()
            .map(|p| {
                (
                    p.user_id.clone(),
                    p.display_name.clone(),
                    p.matched_by.clone().unwrap_or_default(),
                )
            })
            .collect(),
        Lookup::Unknown => panic!("expected people, got Unknown"),
    }
}

#[test]
fn round_trip_known_shared_and_unknown_contacts() {
    let (served, keys) = served();
    let contacts = [
        contact("<sip:JDoe@Contoso.com>"),
        contact("tel:+33 1 23 45 67 89"),
        contact("sip:nobody@contoso.com"),
        contact("tel:+33 9 99 99 99 99"),
        contact("<sip:marc.martin@contoso.com;transport=tls>"),
    ];
    let got = served.resolve(&keys, NOW + DAY, &contacts).unwrap();
    assert_eq!(
        found(&got[0]),
        [(
            "john.doe@contoso.com".into(),
            Some("Doe, John".into()),
            "msRTCSIP-PrimaryUserAddress".into()
        )]
    );
    // A shared number: both people, in order, for the chooser.
    assert_eq!(
        found(&got[1]),
        [
            (
                "john.doe@contoso.com".into(),
                Some("Doe, John".into()),
                "telephoneNumber".into()
            ),
            (
                "helene.lefevre@contoso.com".into(),
                Some("Lefèvre, Hélène \"Lena\"".into()),
                "telephoneNumber".into()
            )
        ]
    );
    assert_eq!(got[2], Lookup::Unknown);
    assert_eq!(got[3], Lookup::Unknown);
    assert_eq!(
        found(&got[4]),
        [("marc.martin@contoso.com".into(), None, "mail".into())]
    );
}

#[test]
fn the_three_phone_forms_meet() {
    let (served, keys) = served();
    for form in [
        "tel:+33 1 23 45 67 89",
        "tel:+33123456789",
        "tel:+33123456789;phone-context=contoso.com",
        "<tel:+33 (0)1 23 45 67 89>",
    ] {
        let got = served.resolve(&keys, NOW, &[contact(form)]).unwrap();
        assert_eq!(found(&got[0]).len(), 2, "{form}");
    }
}

#[test]
fn the_files_hide_addresses_ids_and_names() {
    let k = key(1);
    let dir = build(&entries(), &options(), fresh(1), &k).unwrap();
    // The manifest names the attributes keys come from, and nothing about anyone.
    let manifest = String::from_utf8(dir.manifest.clone()).unwrap();
    let (_, payload) = manifest.split_once('\n').unwrap();
    let mut v: serde_json::Value = serde_json::from_str(payload).unwrap();
    assert_eq!(
        v["attributes"],
        serde_json::json!(["msRTCSIP-PrimaryUserAddress", "mail", "telephoneNumber"])
    );
    v["attributes"] = serde_json::Value::Null;
    let mut all = v.to_string().into_bytes();
    for (_, b) in &dir.shards {
        all.extend_from_slice(b);
    }
    let text = String::from_utf8(all).unwrap().to_lowercase();
    for secret in [
        "jdoe",
        "john",
        "contoso",
        "helene",
        "lefèvre",
        "marc",
        "33123456789",
        "telephonenumber",
        "msrtcsip",
    ] {
        assert!(!text.contains(secret), "{secret} is readable in the files");
    }
}

#[test]
fn the_manifest_and_shards_have_the_documented_shape() {
    let k = key(1);
    let dir = build(&entries(), &options(), fresh(1), &k).unwrap();
    let manifest = String::from_utf8(dir.manifest.clone()).unwrap();
    let (header, payload) = manifest.split_once('\n').unwrap();
    assert!(header.starts_with("lync-quickcall-signed/1 "));
    let v: serde_json::Value = serde_json::from_str(payload).unwrap();
    assert_eq!(v["format"], "lync-quickcall-directory/1");
    assert_eq!(v["export_id"], "01010101010101010101010101010101");
    assert_eq!(v["created"], NOW);
    assert_eq!(v["expires"], NOW + 7 * DAY);
    assert_eq!(v["users"], 3);
    assert_eq!(v["keys"], 5);
    assert_eq!(v["shard_bits"], 0);
    assert_eq!(dir.shards.len(), 1);
    assert_eq!(
        dir.shards[0].0,
        "01010101010101010101010101010101/0000.json"
    );
    let shard = String::from_utf8(dir.shards[0].1.clone()).unwrap();
    let (_, payload) = shard.split_once('\n').unwrap();
    let v: serde_json::Value = serde_json::from_str(payload).unwrap();
    assert_eq!(v["index"], 0);
    assert_eq!(v["entries"].as_array().unwrap().len(), 5);
    assert_eq!(v["entries"][0][0].as_str().unwrap().len(), 22);
    // The same inputs give the same bytes.
    assert_eq!(build(&entries(), &options(), fresh(1), &k).unwrap(), dir);
    // The stats add up.
    let s = dir.stats;
    assert_eq!(s.total_bytes, dir.manifest.len() + dir.shards[0].1.len());
    assert_eq!(s.biggest_shard_bytes, dir.shards[0].1.len());
    assert_eq!(
        (s.users, s.keys, s.shards, s.expires),
        (3, 5, 1, NOW + 7 * DAY)
    );
}

#[test]
fn many_users_are_sharded_and_every_key_is_found_in_its_shard() {
    let k = key(1);
    let keys = trust(&[&k]);
    let e = big_entries(1_200);
    let dir = build(&e, &options(), fresh(2), &k).unwrap();
    assert!(dir.stats.shard_bits >= 4, "{:?}", dir.stats);
    assert_eq!(dir.shards.len(), 1 << dir.stats.shard_bits);
    assert!(
        dir.stats.biggest_shard_bytes <= BuildOptions::DEFAULT_MAX_SHARD_BYTES,
        "{:?}",
        dir.stats
    );
    // The fewest shards: with half as many, some shard would be too big.
    let average = (dir.stats.total_bytes - dir.stats.manifest_bytes) / dir.shards.len();
    assert!(
        average * 2 > BuildOptions::DEFAULT_MAX_SHARD_BYTES / 2,
        "{average}"
    );
    let served = Served::new(&dir);
    let m = VerifiedManifest::open(served.get(MANIFEST_FILE), &keys, NOW).unwrap();
    let mut opened = HashMap::new();
    for (c, ms) in &e.keys {
        let r = m.shard_for(c);
        let shard = opened
            .entry(r.index())
            .or_insert_with(|| m.open_shard(&r, served.get(r.path()), &keys).unwrap());
        let l = shard.lookup(c).unwrap();
        assert_eq!(found(&l)[0].0, e.users[ms[0].user].user_id);
    }
    let total: usize = opened.values().map(VerifiedShard::len).sum();
    assert_eq!(total, e.keys.len());
    // Three contacts in at most three shards, one directory.
    let contacts: Vec<Contact> = ["user1@contoso.com", "sip:u2@lync.contoso.com", "x@y.com"]
        .iter()
        .map(|s| contact(s))
        .collect();
    let got = served.resolve(&keys, NOW, &contacts).unwrap();
    assert_eq!(found(&got[0])[0].0, "user1@contoso.com");
    assert_eq!(found(&got[1])[0].0, "user2@contoso.com");
    assert_eq!(got[2], Lookup::Unknown);
}

#[test]
fn every_shard_fits_the_limit_asked_for() {
    let k = key(1);
    let e = big_entries(500);
    for max in [1_500, 3_000, 6_000, 50_000] {
        let options = BuildOptions {
            max_shard_bytes: max,
            ..options()
        };
        let dir = build(&e, &options, fresh(7), &k).unwrap();
        assert!(
            dir.shards.iter().all(|(_, b)| b.len() <= max),
            "{max}: {:?}",
            dir.stats
        );
        assert!(dir.stats.biggest_shard_bytes <= max);
        // A limit twice as big takes fewer shards.
        if dir.stats.shard_bits > 0 {
            let bigger = build(
                &e,
                &BuildOptions {
                    max_shard_bytes: dir.stats.biggest_shard_bytes * 2 + 500,
                    ..options
                },
                fresh(7),
                &k,
            )
            .unwrap();
            assert!(bigger.stats.shard_bits < dir.stats.shard_bits);
        }
    }
}

#[test]
fn choose_bits_takes_the_fewest_shards_whose_biggest_fits() {
    let mut sizes = vec![0usize; 1 << MAX_SHARD_BITS];
    assert_eq!(build::choose_bits(&sizes, 1000), 0);
    // 600 bytes in the first and in the last of 65,536: together in one shard they
    // would be too big, one bit splits them.
    sizes[0] = 600;
    sizes[0xffff] = 600;
    assert_eq!(build::choose_bits(&sizes, 1000), 1);
    assert_eq!(build::choose_bits(&sizes, 1200), 0);
    // Neighbours at 16 bits only part with 16 bits.
    sizes[1] = 600;
    assert_eq!(build::choose_bits(&sizes, 1000), 16);
    // One entry bigger than the limit: as few shards as make the biggest smallest.
    let mut sizes = vec![0usize; 1 << MAX_SHARD_BITS];
    sizes[5] = 5000;
    assert_eq!(build::choose_bits(&sizes, 1000), 0);
    sizes[0x8000] = 10;
    assert_eq!(build::choose_bits(&sizes, 1000), 1);
    // Evenly spread: 100 bytes in each of 65,536 need 2^10 shards of 6,400 bytes.
    let sizes = vec![100usize; 1 << MAX_SHARD_BITS];
    assert_eq!(build::choose_bits(&sizes, 6400), 10);
    assert_eq!(build::choose_bits(&sizes, 6399), 11);
    assert_eq!(shard_index(0xffff_ffff, 0), 0);
    assert_eq!(shard_index(0xffff_ffff, 16), 0xffff);
    assert_eq!(shard_index(0x8000_0000, 1), 1);
}

#[test]
fn expiry_and_clock_skew() {
    let (served, keys) = served();
    let c = [contact("sip:jdoe@contoso.com")];
    assert!(served.resolve(&keys, NOW + 7 * DAY, &c).is_ok());
    let e = served.resolve(&keys, NOW + 7 * DAY + 1, &c).unwrap_err();
    assert_eq!(
        e,
        DirectoryError::Expired {
            expires: NOW + 7 * DAY,
            now: NOW + 7 * DAY + 1
        }
    );
    assert!(
        e.to_string().starts_with(
            "the directory export expired on 2025-06-22 15:06 UTC (it is now 2025-06-22 15:06 UTC)"
        ),
        "{e}"
    );
    // Made "in the future": fine within a day of skew, refused beyond.
    assert!(served.resolve(&keys, NOW - DAY, &c).is_ok());
    let e = served.resolve(&keys, NOW - DAY - 1, &c).unwrap_err();
    assert!(matches!(e, DirectoryError::NotYetValid { .. }), "{e:?}");
    assert!(e.to_string().contains("clock"), "{e}");
}

#[test]
fn dates_format() {
    assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
    assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
    assert_eq!(format_utc(1_750_000_000), "2025-06-15 15:06 UTC");
    assert_eq!(format_utc(4_102_444_799), "2099-12-31 23:59 UTC");
}

#[test]
fn key_rotation() {
    let (old, new) = (key(1), key(2));
    let both = trust(&[&old, &new]);
    let c = [contact("sip:jdoe@contoso.com")];
    for signer in [&old, &new] {
        let dir = build(&entries(), &options(), fresh(3), signer).unwrap();
        let got = Served::new(&dir).resolve(&both, NOW, &c).unwrap();
        assert_eq!(found(&got[0])[0].0, "john.doe@contoso.com");
        let m = VerifiedManifest::open(&dir.manifest, &both, NOW).unwrap();
        assert_eq!(*m.signer(), PublicKey::of(signer));
    }
    // Once the old key is removed from config.json, its exports are refused.
    let dir = build(&entries(), &options(), fresh(3), &old).unwrap();
    let e = Served::new(&dir)
        .resolve(&trust(&[&new]), NOW, &c)
        .unwrap_err();
    assert!(
        matches!(&e, DirectoryError::Signed { file, error: SignedError::UntrustedKey { .. } } if file == MANIFEST_FILE),
        "{e:?}"
    );
}

#[test]
fn a_manifest_signed_by_an_untrusted_key() {
    let dir = build(&entries(), &options(), fresh(1), &key(9)).unwrap();
    let e = VerifiedManifest::open(&dir.manifest, &trust(&[&key(1)]), NOW).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "manifest.json: the directory manifest is signed by a key not listed in config.json: "
        ),
        "{msg}"
    );
    assert!(msg.contains(&PublicKey::of(&key(9)).to_string()), "{msg}");
}

/// `bytes` with the byte at `at` flipped.
fn flipped(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at] ^= 0x01;
    b
}

#[test]
fn one_flipped_byte_anywhere_is_refused() {
    let k = key(1);
    let keys = trust(&[&k]);
    let dir = build(&entries(), &options(), fresh(1), &k).unwrap();
    let newline = dir.manifest.iter().position(|&b| b == b'\n').unwrap();
    // In the manifest's payload, and in its signature.
    for at in [
        newline + 1,
        newline + 20,
        dir.manifest.len() - 2,
        newline - 5,
    ] {
        let e = VerifiedManifest::open(&flipped(&dir.manifest, at), &keys, NOW).unwrap_err();
        assert!(
            matches!(
                e,
                DirectoryError::Signed {
                    error: SignedError::BadSignature { .. } | SignedError::MalformedHeader { .. },
                    ..
                }
            ),
            "byte {at}: {e:?}"
        );
    }
    // In a shard's payload (an entry's ciphertext) and in its signature.
    let m = VerifiedManifest::open(&dir.manifest, &keys, NOW).unwrap();
    let r = m.shard_for(&contact("sip:jdoe@contoso.com"));
    let shard = &dir.shards[r.index() as usize].1;
    let nl = shard.iter().position(|&b| b == b'\n').unwrap();
    for at in [nl + 1, nl + 80, shard.len() - 10, nl - 3] {
        let e = m.open_shard(&r, &flipped(shard, at), &keys).unwrap_err();
        assert!(
            matches!(
                &e,
                DirectoryError::Signed { file, error: SignedError::BadSignature { context: Context::Shard } | SignedError::MalformedHeader { .. } }
                    if file == r.path()
            ),
            "byte {at}: {e:?}"
        );
    }
    let e = m
        .open_shard(&r, &flipped(shard, nl + 80), &keys)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("signature does not match its content"),
        "{e}"
    );
}

#[test]
fn a_swapped_shard_is_refused() {
    let k = key(1);
    let keys = trust(&[&k]);
    let dir = build(&big_entries(500), &options(), fresh(4), &k).unwrap();
    assert!(dir.shards.len() >= 2);
    let m = VerifiedManifest::open(&dir.manifest, &keys, NOW).unwrap();
    let wanted = m.shard_for(&contact("user1@contoso.com"));
    let other = (wanted.index() as usize + 1) % dir.shards.len();
    let e = m
        .open_shard(&wanted, &dir.shards[other].1, &keys)
        .unwrap_err();
    assert_eq!(
        e,
        DirectoryError::WrongShard {
            file: wanted.path().to_string(),
            found: format!("{}/{other:04x}", m.export_id()),
        }
    );
    assert!(e.to_string().contains("not the one asked for"), "{e}");
}

#[test]
fn a_shard_from_another_export_is_refused() {
    let k = key(1);
    let keys = trust(&[&k]);
    let first = build(&entries(), &options(), fresh(5), &k).unwrap();
    let second = build(&entries(), &options(), fresh(6), &k).unwrap();
    let m = VerifiedManifest::open(&second.manifest, &keys, NOW).unwrap();
    let r = m.shard_for(&contact("sip:jdoe@contoso.com"));
    let e = m.open_shard(&r, &first.shards[0].1, &keys).unwrap_err();
    assert!(matches!(e, DirectoryError::WrongShard { .. }), "{e:?}");
    // And a shard opened through another manifest cannot be used through this one.
    let m1 = VerifiedManifest::open(&first.manifest, &keys, NOW).unwrap();
    let r1 = m1.shard_for(&contact("sip:jdoe@contoso.com"));
    let s1 = m1.open_shard(&r1, &first.shards[0].1, &keys).unwrap();
    let e = m
        .directory(&[contact("sip:jdoe@contoso.com")], &[s1])
        .unwrap_err();
    assert!(matches!(e, DirectoryError::ShardNotLoaded { .. }), "{e:?}");
}

#[test]
fn a_shard_offered_as_the_manifest_is_refused() {
    let k = key(1);
    let dir = build(&entries(), &options(), fresh(1), &k).unwrap();
    let e = VerifiedManifest::open(&dir.shards[0].1, &trust(&[&k]), NOW).unwrap_err();
    assert_eq!(
        e,
        DirectoryError::Signed {
            file: MANIFEST_FILE.into(),
            error: SignedError::WrongKind {
                expected: Context::Manifest,
                found: Context::Shard
            }
        }
    );
    // And the manifest as a shard.
    let m = VerifiedManifest::open(&dir.manifest, &trust(&[&k]), NOW).unwrap();
    let r = m.shard_for(&contact("sip:jdoe@contoso.com"));
    let e = m.open_shard(&r, &dir.manifest, &trust(&[&k])).unwrap_err();
    assert!(
        matches!(
            e,
            DirectoryError::Signed {
                error: SignedError::WrongKind { .. },
                ..
            }
        ),
        "{e:?}"
    );
}

/// A manifest signed by `k` with this payload.
fn manifest_with(payload: &str, k: &SigningKey) -> Vec<u8> {
    sign(payload.as_bytes(), Context::Manifest, k)
}

#[test]
fn validly_signed_but_unusable_manifests() {
    let k = key(1);
    let keys = trust(&[&k]);
    let good = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = serde_json::json!({
            "format": FORMAT, "export_id": "0123456789abcdef0123456789abcdef",
            "created": NOW, "expires": NOW + DAY,
            "salt": Base64::encode_string(&[7u8; 32]), "shard_bits": 3, "users": 1, "keys": 1,
            "attributes": ["mail"]
        });
        f(&mut v);
        manifest_with(&v.to_string(), &k)
    };
    assert!(VerifiedManifest::open(&good(&|_| {}), &keys, NOW).is_ok());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            good(&|v| v["format"] = "lync-quickcall-directory/2".into()),
            "'lync-quickcall-directory/2' is not one this page reads",
        ),
        (good(&|v| v["export_id"] = "../../evil".into()), "export id"),
        (
            good(&|v| v["export_id"] = "0123456789ABCDEF0123456789ABCDEF".into()),
            "export id",
        ),
        (good(&|v| v["salt"] = "AAAA".into()), "salt"),
        (good(&|v| v["shard_bits"] = 17.into()), "shard_bits"),
        (good(&|v| v["expires"] = NOW.into()), "expires before"),
        (
            good(&|v| v["expires"] = u64::MAX.into()),
            "'expires' must be a whole number from 0 to 2^53",
        ),
        (
            good(&|v| v["expires"] = (NOW + MAX_VALID_DAYS * DAY + 1).into()),
            "more than 366 days",
        ),
        (good(&|v| v["keys"] = "many".into()), "cannot be read"),
        (
            good(&|v| v["attributes"] = serde_json::json!(["mail\n"])),
            "attribute names",
        ),
        (
            good(&|v| v["attributes"] = serde_json::json!([""])),
            "attribute names",
        ),
        (
            good(&|v| v["attributes"] = serde_json::json!(vec!["a"; MAX_ATTRIBUTES + 1])),
            "attribute names",
        ),
        (
            good(&|v| {
                v.as_object_mut().unwrap().remove("attributes");
            }),
            "attributes",
        ),
        (manifest_with("not json", &k), "cannot be read"),
        (manifest_with("{}", &k), "no \"format\""),
        (sign(b"\xff\xfe", Context::Manifest, &k), "not UTF-8"),
    ];
    for (bytes, expected) in cases {
        let e = VerifiedManifest::open(&bytes, &keys, NOW).unwrap_err();
        assert!(
            e.to_string().contains(expected),
            "{e} (expected '{expected}')"
        );
    }
}

/// A shard signed by `k` with this payload.
fn shard_with(payload: &str, k: &SigningKey) -> Vec<u8> {
    sign(payload.as_bytes(), Context::Shard, k)
}

#[test]
fn validly_signed_but_damaged_shards_and_entries() {
    let k = key(1);
    let keys = trust(&[&k]);
    let dir = build(&entries(), &options(), fresh(1), &k).unwrap();
    let m = VerifiedManifest::open(&dir.manifest, &keys, NOW).unwrap();
    let jdoe = contact("sip:jdoe@contoso.com");
    let r = m.shard_for(&jdoe);
    let id = {
        let material = lookup_key(&jdoe);
        Base64UrlUnpadded::encode_string(&Locator::of(&m.salt, &material).id)
    };
    let export = m.export_id().to_string();
    let payload = |entries: &str| {
        format!("{{\"export_id\":\"{export}\",\"index\":0,\"entries\":[{entries}]}}")
    };
    // Ciphertext that does not decrypt: tampering by someone holding the key, or damage.
    let garbage = Base64::encode_string(&[0u8; 40]);
    let shard = m
        .open_shard(
            &r,
            &shard_with(&payload(&format!("[\"{id}\",\"{garbage}\"]")), &k),
            &keys,
        )
        .unwrap();
    let e = shard.lookup(&jdoe).unwrap_err();
    assert!(matches!(e, DirectoryError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains("does not decrypt"), "{e}");
    let e = m
        .directory(std::slice::from_ref(&jdoe), &[shard])
        .unwrap_err();
    assert!(matches!(e, DirectoryError::Corrupt { .. }), "{e:?}");
    // Entries that decrypt but do not say who: signed by the trusted key, but not by
    // this export tool.
    for (plain, expected) in [
        (
            r#"[["a@x.com",null,3]]"#,
            "attribute the manifest does not list",
        ),
        (
            r#"[["a@x.com",null,-1]]"#,
            "attribute the manifest does not list",
        ),
        (
            r#"[{"u":"a@x.com","n":null,"m":"mail"}]"#,
            "not [user id, name, attribute]",
        ),
        (r#"[["a@x.com",null,0]"#, "bad JSON"),
        (r#"[["",null,0]]"#, "user id is empty"),
        ("[]", "no person"),
    ] {
        let ciphertext = entry_cipher(&m.salt, &lookup_key(&jdoe))
            .encrypt(Nonce::from_slice(&NONCE), plain.as_bytes())
            .unwrap();
        let entry = format!("[\"{id}\",\"{}\"]", Base64::encode_string(&ciphertext));
        let shard = m
            .open_shard(&r, &shard_with(&payload(&entry), &k), &keys)
            .unwrap();
        let e = shard.lookup(&jdoe).unwrap_err();
        assert!(
            e.to_string().contains(expected),
            "{e} (expected '{expected}')"
        );
    }
    // Malformed entries.
    for (entries, expected) in [
        (format!("[\"{id}\",\"***\"]"), "not base64"),
        ("[\"AAAA\",\"AAAA\"]".to_string(), "malformed lookup id"),
        (
            format!("[\"{id}\",\"AAAA\"],[\"{id}\",\"AAAA\"]"),
            "repeats a lookup id",
        ),
        (format!("[\"{id}\"]"), "cannot be read"),
    ] {
        let e = m
            .open_shard(&r, &shard_with(&payload(&entries), &k), &keys)
            .unwrap_err();
        assert!(
            e.to_string().contains(expected),
            "{e} (expected '{expected}')"
        );
    }
}

#[test]
fn an_entry_in_the_wrong_shard_is_refused() {
    let k = key(1);
    let keys = trust(&[&k]);
    let dir = build(&big_entries(500), &options(), fresh(4), &k).unwrap();
    let m = VerifiedManifest::open(&dir.manifest, &keys, NOW).unwrap();
    let c = contact("user1@contoso.com");
    let r = m.shard_for(&c);
    let other = m.shard_ref((r.index() + 1) % m.shard_count());
    // Move c's entry into the other shard, re-signed by the trusted key.
    let text = |i: u32| {
        let b = &dir.shards[i as usize].1;
        let nl = b.iter().position(|&x| x == b'\n').unwrap();
        String::from_utf8(b[nl + 1..].to_vec()).unwrap()
    };
    let mine: serde_json::Value = serde_json::from_str(&text(r.index())).unwrap();
    let mut theirs: serde_json::Value = serde_json::from_str(&text(other.index())).unwrap();
    let entry = mine["entries"][0].clone();
    theirs["entries"].as_array_mut().unwrap().push(entry);
    let e = m
        .open_shard(&other, &shard_with(&theirs.to_string(), &k), &keys)
        .unwrap_err();
    assert!(e.to_string().contains("belongs to another shard"), "{e}");
}

#[test]
fn lookups_need_their_own_shard() {
    let k = key(1);
    let keys = trust(&[&k]);
    let dir = build(&big_entries(500), &options(), fresh(4), &k).unwrap();
    let m = VerifiedManifest::open(&dir.manifest, &keys, NOW).unwrap();
    let a = contact("user1@contoso.com");
    let b = (2..500)
        .map(|i| contact(&format!("user{i}@contoso.com")))
        .find(|c| m.shard_for(c) != m.shard_for(&a))
        .unwrap();
    let ra = m.shard_for(&a);
    let sa = m
        .open_shard(&ra, &dir.shards[ra.index() as usize].1, &keys)
        .unwrap();
    assert!(matches!(
        sa.lookup(&b),
        Err(DirectoryError::ShardNotLoaded { .. })
    ));
    let e = m
        .directory(&[a.clone(), b.clone()], std::slice::from_ref(&sa))
        .unwrap_err();
    assert_eq!(
        e,
        DirectoryError::ShardNotLoaded {
            file: m.shard_for(&b).path().to_string()
        }
    );
    // shards_for lists each needed shard once, in order of need.
    let needed = m.shards_for(&[a.clone(), b.clone(), a.clone()]);
    assert_eq!(needed, vec![m.shard_for(&a), m.shard_for(&b)]);
    // A directory answers only for the contacts it was built for.
    let d = m.directory(std::slice::from_ref(&a), &[sa]).unwrap();
    assert!(matches!(d.lookup(&a), Lookup::Found(_)));
    assert_eq!(d.lookup(&b), Lookup::Unknown);
}

#[test]
fn build_refuses_nonsense() {
    let k = key(1);
    assert_eq!(
        build(&DirectoryEntries::default(), &options(), fresh(1), &k),
        Err(BuildError::Empty)
    );
    let mut o = options();
    o.valid_for_secs = 0;
    assert_eq!(
        build(&entries(), &o, fresh(1), &k),
        Err(BuildError::NoValidity)
    );
    for bad in [String::new(), "a\nb".into(), "x".repeat(257)] {
        let mut e = entries();
        e.attributes.push(bad);
        assert_eq!(
            build(&e, &options(), fresh(1), &k),
            Err(BuildError::BadAttributes { count: 4 })
        );
    }
    let mut e = entries();
    e.attributes = vec!["a".into(); MAX_ATTRIBUTES + 1];
    assert!(matches!(
        build(&e, &options(), fresh(1), &k),
        Err(BuildError::BadAttributes { .. })
    ));
    let mut e = entries();
    e.keys.insert(
        contact("x@y.com"),
        vec![Match {
            user: 7,
            attribute: 0,
        }],
    );
    assert_eq!(
        build(&e, &options(), fresh(1), &k),
        Err(BuildError::BadKey {
            key: "addr:x@y.com".into()
        })
    );
    let mut e = entries();
    e.keys.insert(
        contact("x@y.com"),
        vec![
            Match {
                user: 0,
                attribute: 0
            };
            MAX_PEOPLE_PER_KEY + 1
        ],
    );
    assert!(matches!(
        build(&e, &options(), fresh(1), &k),
        Err(BuildError::BadKey { .. })
    ));
}

#[test]
fn lookup_keys_and_their_hashes() {
    assert_eq!(lookup_key(&contact("SIP:John@X.com")), "addr:john@x.com");
    assert_eq!(
        lookup_key(&contact("john@x.com")),
        lookup_key(&contact("SIP:John@X.com"))
    );
    assert_eq!(
        lookup_key(&contact("tel:+33 1 23 45 67 89")),
        "tel:+33123456789"
    );
    // Pinned: the page and the export tool must agree on these bytes forever (format v1).
    let salt = [0u8; 32];
    let loc = Locator::of(&salt, "addr:john@x.com");
    let expected: [u8; 32] = {
        let mut h = Sha256::new();
        h.update(b"lync-quickcall/1\0");
        h.update([0u8; 32]);
        h.update(b"addr:john@x.com");
        h.finalize().into()
    };
    assert_eq!(loc.id, expected[..16]);
    assert_eq!(
        loc.prefix,
        u32::from_be_bytes([expected[0], expected[1], expected[2], expected[3]])
    );
    // A different salt gives unrelated ids.
    assert_ne!(Locator::of(&[1u8; 32], "addr:john@x.com").id, loc.id);
}

/// The export under `tests/fixtures/export/`, read by `fixture_tests` natively and in
/// Chromium: [`entries`] built at [`NOW`] with key 1, export id and salt 1, and small
/// shards so that there are several.
fn fixture_export() -> PublishedDirectory {
    let options = BuildOptions {
        max_shard_bytes: 600,
        ..options()
    };
    build(&entries(), &options, fresh(1), &key(1)).unwrap()
}

#[test]
fn the_fixture_export_is_up_to_date() {
    let dir = fixture_export();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/export");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join(&dir.export_id)).unwrap();
        std::fs::write(root.join(MANIFEST_FILE), &dir.manifest).unwrap();
        for (path, bytes) in &dir.shards {
            std::fs::write(root.join(path), bytes).unwrap();
        }
    }
    let fixtures = super::fixture_tests::files();
    assert_eq!(
        fixtures.len(),
        dir.shards.len() + 1,
        "run UPDATE_FIXTURES=1 cargo test the_fixture_export_is_up_to_date"
    );
    assert_eq!(
        fixtures[0],
        (MANIFEST_FILE.to_string(), dir.manifest.clone())
    );
    for (i, (path, bytes)) in dir.shards.iter().enumerate() {
        assert_eq!(
            fixtures[i + 1],
            (path.clone(), bytes.clone()),
            "run UPDATE_FIXTURES=1 cargo test the_fixture_export_is_up_to_date"
        );
    }
}
