//! Reading the export in `tests/fixtures/export/` (kept in step with the export tool by
//! `tests::the_fixture_export_is_up_to_date`), natively and, under `cargo xtask test`,
//! in headless Chromium, where JSON goes through the browser's `JSON.parse`.

use super::*;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The public key of the fixture's signing key (`SigningKey::from_bytes(&[1; 32])`).
const PUBLIC_KEY: &str = "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=";
/// When the fixture was made.
const CREATED: u64 = 1_750_000_000;
const DAY: u64 = 86_400;

macro_rules! fixture {
    ($path:literal) => {
        (
            $path.to_string(),
            include_bytes!(concat!("../../tests/fixtures/export/", $path)).to_vec(),
        )
    };
}

/// The fixture's files: the manifest, then the shards in order.
pub(super) fn files() -> Vec<(String, Vec<u8>)> {
    vec![
        fixture!("manifest.json"),
        fixture!("01010101010101010101010101010101/0000.json"),
        fixture!("01010101010101010101010101010101/0001.json"),
        fixture!("01010101010101010101010101010101/0002.json"),
        fixture!("01010101010101010101010101010101/0003.json"),
    ]
}

fn file(path: &str) -> Vec<u8> {
    files()
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("no fixture {path}"))
}

fn trusted() -> TrustedKeys {
    TrustedKeys::new(vec![PUBLIC_KEY.parse().unwrap()]).unwrap()
}

fn contacts(token: &str) -> Vec<Contact> {
    Contact::parse_list(token).unwrap()
}

/// The page's steps, with `serve` answering each shard path.
fn resolve(
    manifest: &[u8],
    serve: &dyn Fn(&str) -> Vec<u8>,
    keys: &TrustedKeys,
    now: u64,
    contacts: &[Contact],
) -> Result<Vec<Lookup>, DirectoryError> {
    let m = VerifiedManifest::open(manifest, keys, now)?;
    let shards = m
        .shards_for(contacts)
        .iter()
        .map(|r| m.open_shard(r, &serve(r.path()), keys))
        .collect::<Result<Vec<_>, _>>()?;
    let d = m.directory(contacts, &shards)?;
    Ok(contacts.iter().map(|c| d.lookup(c)).collect())
}

fn ids(l: &Lookup) -> Vec<(String, Option<String>, Option<String>)> {
    match l {
        Lookup::Found(p) => p
            .iter()
            .map(|p| {
                (
                    p.user_id.clone(),
                    p.display_name.clone(),
                    p.matched_by.clone(),
                )
            })
            .collect(),
        Lookup::Unknown => Vec::new(),
    }
}

#[test]
fn the_fixture_resolves_known_shared_and_unknown_contacts() {
    let m = VerifiedManifest::open(&file(MANIFEST_FILE), &trusted(), CREATED + DAY).unwrap();
    assert_eq!(m.export_id(), "01010101010101010101010101010101");
    assert_eq!((m.users(), m.keys(), m.shard_count()), (3, 5, 4));
    assert_eq!(m.expires(), CREATED + 7 * DAY);
    assert_eq!(m.signer().to_string(), PUBLIC_KEY);
    let cs = contacts(
        "Contacts=<sip:JDoe@contoso.com>,<tel:+33 1 23 45 67 89>,<sip:nobody@contoso.com>,<sip:marc.martin@contoso.com>",
    );
    let got = resolve(&file(MANIFEST_FILE), &file, &trusted(), CREATED + DAY, &cs).unwrap();
    let person = |u: &str, n: Option<&str>, m: &str| {
        (u.to_string(), n.map(str::to_string), Some(m.to_string()))
    };
    assert_eq!(
        ids(&got[0]),
        [person(
            "john.doe@contoso.com",
            Some("Doe, John"),
            "msRTCSIP-PrimaryUserAddress"
        )]
    );
    assert_eq!(
        ids(&got[1]),
        [
            person("john.doe@contoso.com", Some("Doe, John"), "telephoneNumber"),
            person(
                "helene.lefevre@contoso.com",
                Some("Lefèvre, Hélène \"Lena\""),
                "telephoneNumber"
            )
        ]
    );
    assert_eq!(got[2], Lookup::Unknown);
    assert_eq!(
        ids(&got[3]),
        [person("marc.martin@contoso.com", None, "mail")]
    );
}

#[test]
fn the_fixture_expires() {
    let cs = contacts("sip:jdoe@contoso.com");
    let now = CREATED + 7 * DAY + 1;
    let e = resolve(&file(MANIFEST_FILE), &file, &trusted(), now, &cs).unwrap_err();
    assert_eq!(
        e,
        DirectoryError::Expired {
            expires: CREATED + 7 * DAY,
            now
        }
    );
}

#[test]
fn the_fixture_refuses_tampering() {
    let cs = contacts("sip:jdoe@contoso.com");
    let now = CREATED + DAY;
    let m = VerifiedManifest::open(&file(MANIFEST_FILE), &trusted(), now).unwrap();
    let wanted = m.shard_for(&cs[0]).path().to_string();
    // One flipped byte in the manifest's payload.
    let mut manifest = file(MANIFEST_FILE);
    let last = manifest.len() - 3;
    manifest[last] ^= 1;
    let e = resolve(&manifest, &file, &trusted(), now, &cs).unwrap_err();
    assert!(
        matches!(
            e,
            DirectoryError::Signed {
                error: SignedError::BadSignature { .. },
                ..
            }
        ),
        "{e:?}"
    );
    // One flipped byte in the shard.
    let flipped = |p: &str| {
        let mut b = file(p);
        let at = b.len() - 10;
        b[at] ^= 1;
        b
    };
    let e = resolve(&file(MANIFEST_FILE), &flipped, &trusted(), now, &cs).unwrap_err();
    assert!(
        matches!(&e, DirectoryError::Signed { file, error: SignedError::BadSignature { .. } } if *file == wanted),
        "{e:?}"
    );
    // Another shard served in its place.
    let swapped = |p: &str| {
        let other = files()
            .into_iter()
            .find(|(q, _)| q != p && q != MANIFEST_FILE)
            .unwrap();
        other.1
    };
    let e = resolve(&file(MANIFEST_FILE), &swapped, &trusted(), now, &cs).unwrap_err();
    assert!(matches!(e, DirectoryError::WrongShard { .. }), "{e:?}");
    // A shard served as the manifest.
    let e = resolve(&file(&wanted), &file, &trusted(), now, &cs).unwrap_err();
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
    // Not signed by a key in config.json.
    let other = PublicKey::of(&ed25519_dalek::SigningKey::from_bytes(&[2; 32]));
    let keys = TrustedKeys::new(vec![other]).unwrap();
    let e = resolve(&file(MANIFEST_FILE), &file, &keys, now, &cs).unwrap_err();
    assert!(
        matches!(
            e,
            DirectoryError::Signed {
                error: SignedError::UntrustedKey { .. },
                ..
            }
        ),
        "{e:?}"
    );
    // An HTML error page where the manifest should be.
    let e = resolve(
        b"<!DOCTYPE html><title>404</title>",
        &file,
        &trusted(),
        now,
        &cs,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("not a signed lync-quickcall file"),
        "{e}"
    );
}
