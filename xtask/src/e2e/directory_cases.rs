//! End-to-end cases for the signed directory export (`"source": "export"`): exports
//! made with the real command-line tool from `xtask/fixtures/demo-ad-users.csv`, served
//! beside the page, and damaged, expired or foreign ones that the page must refuse.

use std::fs;
use std::path::Path;

use anyhow::{ensure, Context, Result};

use super::{case, with_directory, Case, Suite, P};
use crate::cmd::{self, project_root, TempDir};
use crate::directory;

/// The quick calls the demo directory leads to.
const JOHN: &str = "/sso_samlindexlync.php?do_quickcall=1&url_requestor=john.doe%40contoso.com";
const ANNA: &str = "/sso_samlindexlync.php?do_quickcall=1&url_requestor=anna.smith%40contoso.com";
const BRUNO: &str =
    "/sso_samlindexlync.php?do_quickcall=1&url_requestor=bruno.martin%40contoso.com";
const CHLOE: &str =
    "/sso_samlindexlync.php?do_quickcall=1&url_requestor=chloe.lefevre%40contoso.com";
const LOGIN: &str = "/sso_samlindex.php";

/// The exports the cases use, written into the served distribution, and their keys.
pub struct Exports {
    /// The key that signed `directory/`, `directory-tampered/`.
    pub key: String,
    /// A second key, that signed `directory-otherkey/`.
    pub other: String,
    /// The key of the committed test fixture, long expired, in `directory-expired/`.
    pub fixture: String,
    /// The manifest of `directory-next/`: a later export signed with `key`.
    pub next_manifest: Vec<u8>,
}

/// Builds the exports under `dist` with the command-line tool.
pub fn prepare(dist: &Path) -> Result<Exports> {
    let cli = directory::cli(false)?;
    let keys = TempDir::new("e2e-keys")?;
    let key = directory::keygen(&cli, &keys.path().join("secret.key"))?;
    let other = directory::keygen(&cli, &keys.path().join("other.key"))?;
    let csv = project_root().join(directory::DEMO_CSV);
    for (name, secret) in [
        ("directory", "secret.key"),
        ("directory-otherkey", "other.key"),
        // A later export with the same key, for an export replaced mid-click.
        ("directory-next", "secret.key"),
    ] {
        let out = dist.join(name);
        if out.exists() {
            fs::remove_dir_all(&out).with_context(|| format!("cannot remove {}", out.display()))?;
        }
        directory::export(&cli, &csv, &keys.path().join(secret), &out, &[])?;
    }
    // The same export with one byte of every shard's signed content changed.
    let tampered = dist.join("directory-tampered");
    if tampered.exists() {
        fs::remove_dir_all(&tampered)?;
    }
    cmd::copy_dir(&dist.join("directory"), &tampered)?;
    let mut flipped = 0;
    for folder in fs::read_dir(&tampered)? {
        let folder = folder?.path();
        if !folder.is_dir() {
            continue;
        }
        for shard in fs::read_dir(&folder)? {
            let shard = shard?.path();
            let mut bytes = fs::read(&shard)?;
            let body = bytes
                .iter()
                .position(|&b| b == b'\n')
                .context("no header line")?
                + 1;
            // The last byte before the closing `]}`: inside the entries.
            let at = body + (bytes.len() - body) / 2;
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            fs::write(&shard, bytes)?;
            flipped += 1;
        }
    }
    ensure!(flipped > 0, "the demo export has no shard to tamper with");
    // The committed fixture export expired long ago.
    let fixture_dir = project_root().join("tests/fixtures/export");
    let expired = dist.join("directory-expired");
    if expired.exists() {
        fs::remove_dir_all(&expired)?;
    }
    cmd::copy_dir(&fixture_dir, &expired)?;
    let manifest = fs::read_to_string(fixture_dir.join("manifest.json"))?;
    let fixture = manifest
        .split_whitespace()
        .nth(1)
        .context("the fixture manifest has no key")?
        .to_string();
    let next_manifest = fs::read(dist.join("directory-next/manifest.json"))?;
    Ok(Exports {
        key,
        other,
        fixture,
        next_manifest,
    })
}

/// Runs `check` with config.json's directory set to an export under `path` signed by
/// one of `keys`.
pub(super) fn with_export(
    s: &Suite,
    path: &str,
    keys: &[&str],
    check: impl FnOnce() -> Result<()>,
) -> Result<()> {
    with_directory(s, &directory::config_json_at(path, keys), check)
}

/// Opening `query` with the demo export lands on `expected`, fetching the manifest and
/// exactly one shard.
fn lands(name: &str, query: &str, expected: &'static str) -> Case {
    let query = query.to_string();
    case(format!("directory: {name}: {query}"), move |s| {
        with_export(s, "directory/", &[&s.exports.key], || {
            let served = s.site.hits().len();
            let mark = s.open(&format!("{P}?{query}"))?;
            s.landed(mark, expected)?;
            let fetched: Vec<String> = s.site.hits()[served..]
                .iter()
                .filter(|h| h.url.starts_with("/directory/"))
                .map(|h| h.url.clone())
                .collect();
            ensure!(
                fetched.len() == 2 && fetched[0] == "/directory/manifest.json",
                "the lookup fetched {fetched:?}, expected the manifest and one shard"
            );
            Ok(())
        })
    })
}

/// Opening a link with the export under `path` (signed by `key`, see [`Exports`]) shows
/// an error mentioning `contains`, and goes nowhere.
fn refused(
    name: &str,
    path: &'static str,
    key: fn(&Exports) -> &str,
    contains: &'static str,
) -> Case {
    case(format!("directory: {name}"), move |s| {
        with_export(s, path, &[key(&s.exports)], || {
            let mark = s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
            let page = s.stayed(mark, "error")?;
            ensure!(
                page.message.contains(contains),
                "the message {:?} does not mention {contains:?}",
                page.message
            );
            Ok(())
        })
    })
}

/// The cases.
pub fn cases() -> Vec<Case> {
    vec![
        lands(
            "SIP address that differs from the mail",
            "contactId=Contacts=<sip:jdoe@contoso.com>",
            JOHN,
        ),
        lands(
            "the mail address as contact",
            "contactId=sip:John.Doe@contoso.com",
            JOHN,
        ),
        lands(
            "tel: contact with spaces",
            "contactId=tel:+33%201%2023%2045%2067%2089",
            JOHN,
        ),
        lands(
            "tel: contact from msRTCSIP-Line, with phone-context",
            "contactId=Contacts=<tel:+14255550100;phone-context=contoso.com>",
            CHLOE,
        ),
        lands(
            "a phone number in SIP form (user=phone)",
            "contactId=Contacts=<sip:+14255550100@contoso.com;user=phone>",
            CHLOE,
        ),
        lands(
            "unknown contact goes to the fallback",
            "contactId=sip:nobody@contoso.com",
            LOGIN,
        ),
        case("directory: a shared number gives the chooser", |s| {
            with_export(s, "directory/", &[&s.exports.key], || {
                let mark = s.open(&format!("{P}?contactId=tel:+33140000000"))?;
                let page = s.stayed(mark, "choose")?;
                let want: Vec<String> = [ANNA, BRUNO]
                    .iter()
                    .map(|p| format!("{}{p}", s.m))
                    .collect();
                ensure!(
                    page.links == want,
                    "links {:?}, expected {want:?}",
                    page.links
                );
                for name in ["Smith, Anna", "Martin, Bruno"] {
                    ensure!(page.text.contains(name), "the chooser does not name {name}");
                }
                Ok(())
            })
        }),
        case("directory: several contacts give the chooser", |s| {
            with_export(s, "directory/", &[&s.exports.key], || {
                let mark = s.open(&format!(
                    "{P}?contactId=Contacts=<sip:jdoe@contoso.com>,<sip:anna@contoso.com>"
                ))?;
                let page = s.stayed(mark, "choose")?;
                let want: Vec<String> =
                    [JOHN, ANNA].iter().map(|p| format!("{}{p}", s.m)).collect();
                ensure!(
                    page.links == want,
                    "links {:?}, expected {want:?}",
                    page.links
                );
                Ok(())
            })
        }),
        case("directory: a dry run shows the key that matched", |s| {
            with_export(s, "directory/", &[&s.exports.key], || {
                let mark = s.open(&format!("{P}?contactId=sip:jdoe@contoso.com&dryrun=1"))?;
                let page = s.stayed(mark, "done")?;
                let want = format!("{}{JOHN}", s.m);
                ensure!(
                    page.target.as_deref() == Some(want.as_str()),
                    "target {:?}",
                    page.target
                );
                for part in [
                    "msRTCSIP-PrimaryUserAddress",
                    "signed export",
                    &s.exports.key,
                ] {
                    ensure!(
                        page.text.contains(part),
                        "the report does not mention {part:?}"
                    );
                }
                Ok(())
            })
        }),
        case("directory: key rotation (two keys listed)", |s| {
            with_export(s, "directory/", &[&s.exports.other, &s.exports.key], || {
                let mark = s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
                s.landed(mark, JOHN)
            })
        }),
        refused(
            "an expired export is refused",
            "directory-expired/",
            |e| &e.fixture,
            "expired",
        ),
        refused(
            "a tampered shard is refused",
            "directory-tampered/",
            |e| &e.key,
            "signature does not match",
        ),
        refused(
            "an export signed by an unlisted key is refused",
            "directory-otherkey/",
            |e| &e.key,
            "not listed in config.json",
        ),
        refused(
            "a missing export is refused",
            "no-such-directory/",
            |e| &e.key,
            "404",
        ),
    ]
}
