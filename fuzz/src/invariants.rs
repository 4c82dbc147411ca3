//! What must hold for any input: the quick call URL for any configuration and user id,
//! and an export read back after it was built.
//!
//! Shared by the fuzz targets (`fuzz/fuzz_targets/`) and the property tests of
//! `cargo test` (`tests/properties.rs` includes this file with `#[path]`), so it only
//! uses what the crate itself depends on: `lync_quickcall`, `ed25519_dalek` and
//! `rand_core`. Each check returns `Err` with a description instead of panicking, so
//! that the caller says which input broke it.

use std::collections::HashMap;

use ed25519_dalek::SigningKey;
use lync_quickcall::published::{
    build, BuildOptions, DirectoryEntries, Fresh, VerifiedManifest, VerifiedShard,
};
use lync_quickcall::weburl::Url;
use lync_quickcall::{
    Config, Contact, Directory, Lookup, Method, Person, Profile, PublicKey, TargetError,
    TrustedKeys,
};

/// Two stand-in user ids, of one length, differing only in their last character: where
/// the URLs built for them differ is where a user id goes.
pub const REFERENCES: [&str; 2] = ["fuzzrefa", "fuzzrefb"];

/// Whether `src/target.rs` must accept `user_id`: not blank, at most 256 bytes, no
/// control character (its `check_user_id`).
pub fn acceptable_user_id(user_id: &str) -> bool {
    !user_id.trim().is_empty() && user_id.len() <= 256 && !user_id.chars().any(char::is_control)
}

/// The query's pairs, percent-decoded as a server reads them (`+` is a space).
fn pairs(url: &Url) -> Vec<(String, String)> {
    url.query_pairs().into_owned().collect()
}

/// Everything but the query, which a user id must never change: the URL up to the end
/// of its path (scheme, credentials, host, port, path), and its fragment.
fn outside_query(url: &Url) -> (&str, Option<&str>) {
    // In a serialized URL the first '?' or '#' ends the path (elsewhere they are
    // percent-encoded).
    let end = url.as_str().find(['?', '#']).unwrap_or(url.as_str().len());
    (&url.as_str()[..end], url.fragment())
}

/// The value `value_a` (built with `REFERENCES[0]`) would have been with `user_id`:
/// the placeholders are where `value_a` and `value_b` differ (their last characters).
fn expected_value(value_a: &str, value_b: &str, user_id: &str) -> Option<String> {
    let (a, b) = (value_a.as_bytes(), value_b.as_bytes());
    if a.len() != b.len() {
        return None;
    }
    let len = REFERENCES[0].len();
    let mut out = Vec::with_capacity(a.len());
    let mut from = 0;
    for end in (0..a.len()).filter(|&i| a[i] != b[i]) {
        let start = (end + 1).checked_sub(len)?;
        if start < from || a[start..=end] != *REFERENCES[0].as_bytes() {
            return None;
        }
        out.extend_from_slice(&a[from..start]);
        out.extend_from_slice(user_id.as_bytes());
        from = end + 1;
    }
    out.extend_from_slice(&a[from..]);
    String::from_utf8(out).ok()
}

/// Checks `profile.quick_call(user_id)` (a profile of `config`):
///
/// - a user id is refused exactly when it is blank, too long or has control characters;
/// - the URL is on an origin the configuration names ([`Config::allows`], and the
///   profile's own origins);
/// - the user id changes nothing but the query: scheme, host, port, path and fragment
///   are those of the URL built for a stand-in id, and so are the query's other pairs;
/// - `sso`: the query starts with `do_quickcall=1`, has it once, and has exactly one
///   `url_requestor`, whose value is the user id;
/// - `autoconnect`: exactly one `field6` (as a server decodes names), whose value is the
///   user id;
/// - `template`, when `strict_template` (a template whose `{userid}` is a whole value,
///   once): exactly one pair carries the user id, as its whole value. Otherwise the
///   user id only has to stay inside the query.
pub fn check_quick_call(
    config: &Config,
    profile: &Profile,
    user_id: &str,
    strict_template: bool,
) -> Result<(), String> {
    let target = match profile.quick_call(user_id) {
        Err(TargetError::BadUserId { .. }) if !acceptable_user_id(user_id) => return Ok(()),
        Err(e) => return Err(format!("quick_call({user_id:?}) failed: {e}")),
        Ok(t) if !acceptable_user_id(user_id) => {
            return Err(format!(
                "quick_call({user_id:?}) accepted a bad user id: {t}"
            ))
        }
        Ok(t) => t,
    };
    let url = target.url();
    let context = || format!("profile {}, user id {user_id:?}: {url}", profile.name);
    if !config.allows(url) || !profile.origins().contains(&url.origin()) {
        return Err(format!("{}: not on a configured origin", context()));
    }
    let [a, b] = REFERENCES.map(|r| profile.quick_call(r));
    let (a, b) = match (a, b) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => return Err(format!("{}: the stand-in ids give {a:?}, {b:?}", context())),
    };
    if outside_query(url) != outside_query(a.url()) || outside_query(url) != outside_query(b.url())
    {
        return Err(format!(
            "{}: the user id changed more than the query (stand-in: {})",
            context(),
            a.url()
        ));
    }
    let (got, pa, pb) = (pairs(url), pairs(a.url()), pairs(b.url()));
    if got.len() != pa.len() || pa.len() != pb.len() {
        return Err(format!(
            "{}: the user id changed the number of query pairs (stand-in: {})",
            context(),
            a.url()
        ));
    }
    // The pairs that carry the user id: where the two stand-ins differ.
    let mut carriers = Vec::new();
    for (i, ((g, x), y)) in got.iter().zip(&pa).zip(&pb).enumerate() {
        if x == y {
            if g != x {
                return Err(format!(
                    "{}: the user id leaked into pair {i} {g:?}",
                    context()
                ));
            }
        } else {
            carriers.push(i);
        }
    }
    let strict = |name: &str| -> Result<(), String> {
        let [i] = carriers[..] else {
            return Err(format!(
                "{}: {} pairs carry the user id, not one",
                context(),
                carriers.len()
            ));
        };
        if got[i].0 != name && !name.is_empty() {
            return Err(format!(
                "{}: the user id is in {:?}, not {name}",
                context(),
                got[i].0
            ));
        }
        if pa[i].0 != pb[i].0 || got[i].0 != pa[i].0 {
            return Err(format!("{}: the user id is in a parameter name", context()));
        }
        if got[i].1 != user_id {
            return Err(format!(
                "{}: the value is {:?}, not the user id",
                context(),
                got[i].1
            ));
        }
        Ok(())
    };
    let count = |name: &str| got.iter().filter(|(k, _)| k == name).count();
    match &profile.method {
        Method::Sso { .. } => {
            strict("url_requestor")?;
            if count("url_requestor") != 1 {
                return Err(format!("{}: url_requestor is not there once", context()));
            }
            if !url.query().unwrap_or("").starts_with("do_quickcall=1&")
                || count("do_quickcall") != 1
            {
                return Err(format!("{}: do_quickcall=1 is not intact", context()));
            }
        }
        Method::AutoConnect { .. } => {
            strict("field6")?;
            if count("field6") != 1 {
                return Err(format!(
                    "{}: the link has {} field6 parameters once decoded",
                    context(),
                    count("field6")
                ));
            }
        }
        Method::Template { .. } if strict_template => strict("")?,
        Method::Template { .. } => {
            for &i in &carriers {
                if pa[i].0 == pb[i].0 {
                    let expected = expected_value(&pa[i].1, &pb[i].1, user_id);
                    // A '%' of the template just before {userid} can make an escape of
                    // the id's first characters: then only the pair itself is known.
                    if expected.as_ref().is_some_and(|e| *e != got[i].1) && !pa[i].1.contains('%') {
                        return Err(format!(
                            "{}: pair {i} is {:?}, expected {expected:?}",
                            context(),
                            got[i].1
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Checks every profile of `config` for `user_id` (see [`check_quick_call`]), and that
/// its unknown-contact page is on a configured origin.
pub fn check_config(config: &Config, user_id: &str, strict_template: bool) -> Result<(), String> {
    for profile in config.profiles.values() {
        check_quick_call(config, profile, user_id, strict_template)?;
        if let Some(t) = profile.unknown_contact() {
            if !config.allows(t.url()) {
                return Err(format!(
                    "profile {}: unknown contact page {t} is off origin",
                    profile.name
                ));
            }
        }
    }
    Ok(())
}

/// A "random" generator that repeats one byte: deterministic exports (a
/// `published::Fresh` can only be drawn from a generator, and `build` consumes it).
pub struct Fixed(pub u8);

impl rand_core::RngCore for Fixed {
    fn next_u32(&mut self) -> u32 {
        u32::from_ne_bytes([self.0; 4])
    }
    fn next_u64(&mut self) -> u64 {
        u64::from_ne_bytes([self.0; 8])
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.fill(self.0);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        dest.fill(self.0);
        Ok(())
    }
}

impl rand_core::CryptoRng for Fixed {}

/// The people a key of `entries` must read back as, in order.
fn expected_people(entries: &DirectoryEntries, contact: &Contact) -> Option<Vec<Person>> {
    let matches = entries.keys.get(contact)?;
    Some(
        matches
            .iter()
            .map(|m| Person {
                user_id: entries.users[m.user].user_id.clone(),
                display_name: entries.users[m.user].display_name.clone(),
                matched_by: Some(entries.attributes[m.attribute].clone()),
            })
            .collect(),
    )
}

/// Builds an export of `entries` (users as `adexport::map` hands them: valid keys,
/// user ids neither blank nor with control characters) signed by `key`, with the
/// random values drawn from [`Fixed`]`(seed)`, and reads it back as the page does:
/// the manifest verifies, every key is found with exactly its people, in order, and
/// `absent` (contacts that are not keys) are unknown.
pub fn check_round_trip(
    entries: &DirectoryEntries,
    options: &BuildOptions,
    seed: u8,
    key: &SigningKey,
    absent: &[Contact],
) -> Result<(), String> {
    let fresh = Fresh::generate(&mut Fixed(seed));
    let dir = build(entries, options, fresh, key).map_err(|e| format!("build failed: {e}"))?;
    let keys = TrustedKeys::new(vec![PublicKey::of(key)]).ok_or("no key")?;
    let now = options.created + 1;
    let manifest = VerifiedManifest::open(&dir.manifest, &keys, now)
        .map_err(|e| format!("the manifest does not open: {e}"))?;
    if manifest.users() != entries.users.len() as u64
        || manifest.keys() != entries.keys.len() as u64
    {
        return Err(format!(
            "the manifest counts are wrong: {}",
            manifest.summary()
        ));
    }
    let files: HashMap<&str, &[u8]> = dir
        .shards
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let mut contacts: Vec<Contact> = entries.keys.keys().cloned().collect();
    contacts.sort();
    contacts.extend(
        absent
            .iter()
            .filter(|c| !entries.keys.contains_key(c))
            .cloned(),
    );
    let mut shards: Vec<VerifiedShard> = Vec::new();
    for r in manifest.shards_for(&contacts) {
        let bytes = files
            .get(r.path())
            .ok_or_else(|| format!("no shard file {}", r.path()))?;
        let shard = manifest
            .open_shard(&r, bytes, &keys)
            .map_err(|e| format!("shard {} does not open: {e}", r.path()))?;
        shards.push(shard);
    }
    let directory = manifest
        .directory(&contacts, &shards)
        .map_err(|e| format!("the directory does not read: {e}"))?;
    for c in &contacts {
        let got = directory.lookup(c);
        match (expected_people(entries, c), got) {
            (Some(want), Lookup::Found(people)) if people == want => {}
            (None, Lookup::Unknown) => {}
            (want, got) => return Err(format!("{c}: expected {want:?}, read {got:?}")),
        }
    }
    Ok(())
}
