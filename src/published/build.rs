//! Writing a published directory (native only: the export tool).
//!
//! Three passes; the two heavy ones run on every core:
//!
//! 1. per key: check its matches, hash it (its lookup id, hence its shard) and measure
//!    its entry, without encrypting anything yet;
//! 2. from the measured sizes, choose the fewest shards whose biggest file fits
//!    [`BuildOptions::max_shard_bytes`], and group the keys by shard;
//! 3. per shard: sort its keys by lookup id, write each entry's JSON, encrypt it and
//!    base64 it straight into the shard's payload, then sign the shard.
//!
//! Each user's part of an entry (`"<user id>",<display name>,`) is serialised once, not
//! once per key.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use ed25519_dalek::SigningKey;
use rand_core::CryptoRngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{
    shard_index, Locator, ENC_DOMAIN, FORMAT, ID_DOMAIN, MAX_ATTRIBUTES, MAX_ATTRIBUTE_LEN,
    MAX_PEOPLE_PER_KEY, MAX_SHARD_BITS, NONCE,
};
use crate::contact::Contact;
use crate::signed::{self, Context};

/// One user of the export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportUser {
    /// The ITSM user id.
    pub user_id: String,
    /// The name the chooser shows.
    pub display_name: Option<String>,
}

/// One person a key maps to: indexes into [`DirectoryEntries::users`] and
/// [`DirectoryEntries::attributes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    /// The user.
    pub user: usize,
    /// The attribute whose value gave the key.
    pub attribute: usize,
}

/// What an export publishes: users, and for each lookup key the people it maps to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirectoryEntries {
    /// The users.
    pub users: Vec<ExportUser>,
    /// Attribute names (`msRTCSIP-PrimaryUserAddress`, ...), shown by `?dryrun=1`; the
    /// manifest lists them, and entries name them by index.
    pub attributes: Vec<String>,
    /// Each key and the people it maps to, in the order found; at most
    /// [`MAX_PEOPLE_PER_KEY`].
    pub keys: HashMap<Contact, Vec<Match>>,
}

/// The random values of one export, for exactly one [`build`].
///
/// Every entry is encrypted under a key derived from the salt with a fixed nonce, which
/// is safe only because no two exports share a salt. So a `Fresh` can only be drawn
/// from a cryptographic generator, cannot be copied, and is consumed by the `build`
/// that uses it: the same salt cannot encrypt two exports by mistake.
///
/// ```
/// use lync_quickcall::published::{build, BuildOptions, DirectoryEntries, Fresh};
/// let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
/// let fresh = Fresh::generate(&mut rand_core::OsRng);
/// // (Fails here only because there are no users.)
/// assert!(build(&DirectoryEntries::default(), &BuildOptions::new(0, 7), fresh, &key).is_err());
/// ```
///
/// Using the same values for a second export does not compile:
///
/// ```compile_fail
/// use lync_quickcall::published::{build, BuildOptions, DirectoryEntries, Fresh};
/// let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
/// let fresh = Fresh::generate(&mut rand_core::OsRng);
/// let _ = build(&DirectoryEntries::default(), &BuildOptions::new(0, 7), fresh, &key);
/// let _ = build(&DirectoryEntries::default(), &BuildOptions::new(0, 7), fresh, &key);
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Fresh {
    export_id: [u8; 16],
    salt: [u8; 32],
}

impl Fresh {
    /// Draws both from a cryptographic random generator (the CLI uses the OS's).
    pub fn generate(rng: &mut impl CryptoRngCore) -> Fresh {
        let mut f = Fresh {
            export_id: [0; 16],
            salt: [0; 32],
        };
        rng.fill_bytes(&mut f.export_id);
        rng.fill_bytes(&mut f.salt);
        f
    }

    /// Fixed values, for this crate's tests (the committed fixture export must not
    /// change from run to run).
    #[cfg(test)]
    pub(crate) fn fixed(export_id: [u8; 16], salt: [u8; 32]) -> Fresh {
        Fresh { export_id, salt }
    }

    fn export_id_hex(&self) -> String {
        self.export_id.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// How to build an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildOptions {
    /// When it is made, Unix seconds.
    pub created: u64,
    /// How long it stays valid, in seconds.
    pub valid_for_secs: u64,
    /// The biggest shard file allowed, in bytes: the export uses the fewest shards
    /// (a power of two) whose biggest file stays within it. (Only a single entry bigger
    /// than this, twenty people with long names, can exceed it.)
    pub max_shard_bytes: usize,
}

impl BuildOptions {
    /// The default limit on a shard file: 13 KB, so that one lookup (the manifest and
    /// one shard) stays well under 16 KB.
    pub const DEFAULT_MAX_SHARD_BYTES: usize = 13 * 1024;

    /// Made at `created`, valid for `days`, shards of at most 13 KB.
    pub fn new(created: u64, days: u64) -> BuildOptions {
        BuildOptions {
            created,
            valid_for_secs: days.saturating_mul(86_400),
            max_shard_bytes: Self::DEFAULT_MAX_SHARD_BYTES,
        }
    }
}

/// The files of an export, ready to be written under the directory folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedDirectory {
    /// The export id (the shards' folder name).
    pub export_id: String,
    /// `manifest.json`.
    pub manifest: Vec<u8>,
    /// `(path relative to the directory folder, content)`, every shard in index order,
    /// empty ones too.
    pub shards: Vec<(String, Vec<u8>)>,
    /// Figures for the summary.
    pub stats: BuildStats,
}

/// Figures about an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildStats {
    /// Users.
    pub users: usize,
    /// Lookup keys.
    pub keys: usize,
    /// `shard_bits`.
    pub shard_bits: u8,
    /// Shards (`2^shard_bits`).
    pub shards: usize,
    /// The biggest shard file, in bytes.
    pub biggest_shard_bytes: usize,
    /// The manifest, in bytes.
    pub manifest_bytes: usize,
    /// The manifest and every shard, in bytes.
    pub total_bytes: usize,
    /// When it was made, Unix seconds.
    pub created: u64,
    /// When it expires, Unix seconds.
    pub expires: u64,
}

/// Why an export could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// There is no lookup key at all.
    Empty,
    /// The validity is zero, or longer than [`super::MAX_VALID_DAYS`].
    NoValidity,
    /// A key maps to more than [`MAX_PEOPLE_PER_KEY`] people, or to a user or an
    /// attribute that does not exist.
    BadKey {
        /// The key.
        key: String,
    },
    /// More than [`MAX_ATTRIBUTES`] attribute names, or one that is empty, longer than
    /// [`MAX_ATTRIBUTE_LEN`] or has control characters.
    BadAttributes {
        /// How many there are.
        count: usize,
    },
    /// A file could not be serialised.
    Json {
        /// The serialiser's message.
        message: String,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Empty => f.write_str("there is no user with a usable key to export"),
            BuildError::NoValidity => write!(
                f,
                "the validity must be from one day to {} days",
                super::MAX_VALID_DAYS
            ),
            BuildError::BadKey { key } => write!(
                f,
                "the key {key} maps to no user or to more than {MAX_PEOPLE_PER_KEY}"
            ),
            BuildError::BadAttributes { count } => write!(
                f,
                "the {count} key columns cannot be listed: an export names at most \
                 {MAX_ATTRIBUTES}, each of 1 to {MAX_ATTRIBUTE_LEN} bytes without control characters"
            ),
            BuildError::Json { message } => write!(f, "cannot write JSON: {message}"),
        }
    }
}

impl std::error::Error for BuildError {}

#[derive(Serialize)]
struct ManifestOut<'a> {
    format: &'a str,
    export_id: &'a str,
    created: u64,
    expires: u64,
    salt: String,
    shard_bits: u8,
    users: usize,
    keys: usize,
    attributes: &'a [String],
}

fn json_error(e: serde_json::Error) -> BuildError {
    BuildError::Json {
        message: e.to_string(),
    }
}

/// [`super::salted`] of [`super::lookup_key`]`(contact)`, without building the string.
fn salted_contact(domain: &[u8], salt: &[u8; 32], contact: &Contact) -> [u8; 32] {
    let (scheme, value) = match contact {
        Contact::Sip(a) => ("addr:", a.as_str()),
        Contact::Tel(n) => ("tel:", n.as_str()),
    };
    let mut h = Sha256::new();
    h.update(domain);
    h.update(salt);
    h.update(scheme.as_bytes());
    h.update(value.as_bytes());
    h.finalize().into()
}

/// One key's entry, sealed (pass 1): its lookup id, and where its ciphertext is.
#[derive(Clone, Copy)]
struct Sealed {
    id: [u8; 16],
    /// The task (of pass 1) whose arena holds the ciphertext, in base64.
    arena: u32,
    /// Where in the arena.
    start: u32,
    /// How many bytes.
    len: u32,
}

impl Sealed {
    fn prefix(&self) -> u32 {
        Locator::from_id(self.id).prefix
    }

    /// The bytes this entry takes in a shard file: `["<id>","<ciphertext>"]` and a
    /// comma.
    fn shard_bytes(&self) -> usize {
        ID_B64_LEN + self.len as usize + ENTRY_OVERHEAD
    }

    fn ciphertext<'a>(&self, arenas: &'a [String]) -> &'a str {
        let start = self.start as usize;
        &arenas[self.arena as usize][start..start + self.len as usize]
    }
}

/// A key and the people it maps to.
type KeyRef<'a> = (&'a Contact, &'a Vec<Match>);

/// Pass 1 for a run of keys: each key's entry JSON is written, encrypted and base64'd
/// into one arena, so that nothing is allocated per key.
fn seal_keys(
    keys: &[KeyRef],
    arena_index: u32,
    parts: &[String],
    attributes: usize,
    salt: &[u8; 32],
    plain: &mut Vec<u8>,
) -> Result<(Vec<Sealed>, String), BuildError> {
    let mut sealed = Vec::with_capacity(keys.len());
    let mut arena = String::with_capacity(keys.len() * 160);
    for (contact, matches) in keys {
        let bad = || BuildError::BadKey {
            key: super::lookup_key(contact),
        };
        if !matches_are_valid(parts.len(), attributes, matches) {
            return Err(bad());
        }
        plain.clear();
        write_entry(plain, parts, matches);
        let cipher =
            ChaCha20Poly1305::new(Key::from_slice(&salted_contact(ENC_DOMAIN, salt, contact)));
        let tag = cipher
            .encrypt_in_place_detached(Nonce::from_slice(&NONCE), b"", plain)
            .map_err(|_| bad())?;
        plain.extend_from_slice(&tag);
        let start = arena.len();
        STANDARD.encode_string(&plain, &mut arena);
        let d = salted_contact(ID_DOMAIN, salt, contact);
        let mut id = [0u8; 16];
        id.copy_from_slice(&d[..16]);
        sealed.push(Sealed {
            id,
            arena: arena_index,
            start: start as u32,
            len: (arena.len() - start) as u32,
        });
    }
    Ok((sealed, arena))
}

/// The length of a lookup id in base64url without padding.
const ID_B64_LEN: usize = 22;
/// The JSON around one entry in a shard: `["",""]` and a comma.
const ENTRY_OVERHEAD: usize = 8;
/// A shard payload's frame, `{"export_id":"<32>","index":<up to 5 digits>,"entries":[]}`.
const SHARD_FRAME: usize = 75;

/// Each user's part of an entry, `"<user id>",<display name or null>,`, as JSON.
fn user_parts(users: &[ExportUser]) -> Vec<String> {
    users
        .iter()
        .map(|u| {
            let mut s = String::with_capacity(u.user_id.len() + 40);
            push_json_string(&mut s, &u.user_id);
            s.push(',');
            match &u.display_name {
                Some(n) => push_json_string(&mut s, n),
                None => s.push_str("null"),
            }
            s.push(',');
            s
        })
        .collect()
}

/// Appends `text` as a JSON string, escaped as `serde_json` escapes it.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// The entry of a key, `[["<user id>","<name>"|null,<attribute>],...]`, appended to `out`.
fn write_entry(out: &mut Vec<u8>, parts: &[String], matches: &[Match]) {
    out.push(b'[');
    for (i, m) in matches.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        out.extend_from_slice(parts[m.user].as_bytes());
        push_decimal(out, m.attribute);
        out.push(b']');
    }
    out.push(b']');
}

/// Whether `matches` name one to [`MAX_PEOPLE_PER_KEY`] existing users, by existing
/// attributes.
fn matches_are_valid(users: usize, attributes: usize, matches: &[Match]) -> bool {
    (1..=MAX_PEOPLE_PER_KEY).contains(&matches.len())
        && matches
            .iter()
            .all(|m| m.user < users && m.attribute < attributes)
}

/// Runs `f` on every item on all cores (each thread with its own `state`), handing the
/// items out one at a time; the results come back in the items' order.
fn parallel<T: Send, S, R: Send>(
    items: Vec<T>,
    state: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16)
        .min(items.len().max(1));
    let total = items.len();
    let queue = Mutex::new(items.into_iter().enumerate());
    let (state, f) = (&state, &f);
    let queue = &queue;
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut s = state();
                    let mut out = Vec::new();
                    loop {
                        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                        let Some((i, item)) = next else { break };
                        out.push((i, f(&mut s, item)));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    debug_assert_eq!(done.len(), total);
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// How many keys one task of pass 1 takes (each task fills one arena of about 1 MB).
const KEYS_PER_TASK: usize = 8192;

/// The fewest shard bits whose biggest shard, by the sizes of its entries at 16 bits
/// (`sizes[i]`: the bytes of the entries of shard `i` of 65,536), fits in `max_entries`
/// bytes; when no split fits (one huge entry), the fewest that make the biggest shard
/// as small as it gets.
pub(super) fn choose_bits(sizes: &[usize], max_entries: usize) -> u8 {
    debug_assert_eq!(sizes.len(), 1 << MAX_SHARD_BITS);
    // biggest[b]: the biggest shard with b bits. Halving the bits sums pairs.
    let mut biggest = [0usize; MAX_SHARD_BITS as usize + 1];
    let mut level = sizes.to_vec();
    for bits in (0..=MAX_SHARD_BITS).rev() {
        biggest[bits as usize] = level.iter().copied().max().unwrap_or(0);
        level = level.chunks(2).map(|p| p.iter().sum()).collect();
    }
    let limit = max_entries.max(biggest[MAX_SHARD_BITS as usize]);
    (0..=MAX_SHARD_BITS)
        .find(|&b| biggest[b as usize] <= limit)
        .unwrap_or(MAX_SHARD_BITS)
}

/// Builds the manifest and every shard of an export, signed with `key`.
///
/// The output depends only on the arguments: the same entries, options, random values
/// and key give the same bytes.
pub fn build(
    entries: &DirectoryEntries,
    options: &BuildOptions,
    fresh: Fresh,
    key: &SigningKey,
) -> Result<PublishedDirectory, BuildError> {
    if entries.keys.is_empty() {
        return Err(BuildError::Empty);
    }
    if options.valid_for_secs == 0 || options.valid_for_secs > super::MAX_VALID_DAYS * 86_400 {
        return Err(BuildError::NoValidity);
    }
    if entries.attributes.len() > MAX_ATTRIBUTES
        || !entries.attributes.iter().all(|a| super::valid_attribute(a))
    {
        return Err(BuildError::BadAttributes {
            count: entries.attributes.len(),
        });
    }
    let parts = user_parts(&entries.users);
    let keys: Vec<KeyRef> = entries.keys.iter().collect();
    let salt = &fresh.salt;

    // Pass 1: seal every key.
    let tasks: Vec<(u32, &[KeyRef])> = keys
        .chunks(KEYS_PER_TASK)
        .enumerate()
        .map(|(n, c)| (n as u32, c))
        .collect();
    let attributes = entries.attributes.len();
    let done = parallel(
        tasks,
        || Vec::with_capacity(1024),
        |plain, (n, chunk)| seal_keys(chunk, n, &parts, attributes, salt, plain),
    );
    let mut sealed = Vec::with_capacity(keys.len());
    let mut arenas = Vec::with_capacity(done.len());
    for part in done {
        let (s, arena) = part?;
        sealed.extend(s);
        arenas.push(arena);
    }

    // Pass 2: the shard count, then the keys grouped by shard.
    let mut sizes = vec![0usize; 1 << MAX_SHARD_BITS];
    for s in &sealed {
        sizes[shard_index(s.prefix(), MAX_SHARD_BITS) as usize] += s.shard_bytes();
    }
    let header = signed::sign(&[], Context::Shard, key).len();
    let bits = choose_bits(
        &sizes,
        options.max_shard_bytes.saturating_sub(header + SHARD_FRAME),
    );
    drop(sizes);
    let shard_count = 1usize << bits;
    let mut starts = vec![0usize; shard_count + 1];
    for s in &sealed {
        starts[shard_index(s.prefix(), bits) as usize + 1] += 1;
    }
    for i in 0..shard_count {
        starts[i + 1] += starts[i];
    }
    let mut next = starts.clone();
    let mut grouped = vec![
        Sealed {
            id: [0; 16],
            arena: 0,
            start: 0,
            len: 0,
        };
        sealed.len()
    ];
    for s in &sealed {
        let i = shard_index(s.prefix(), bits) as usize;
        grouped[next[i]] = *s;
        next[i] += 1;
    }
    drop(sealed);
    let mut runs: Vec<(u32, &mut [Sealed])> = Vec::with_capacity(shard_count);
    let mut rest = grouped.as_mut_slice();
    for index in 0..shard_count {
        let (mine, tail) = rest.split_at_mut(starts[index + 1] - starts[index]);
        runs.push((index as u32, mine));
        rest = tail;
    }

    // Pass 3: assemble and sign every shard, its entries in the order of their ids.
    let export_id = fresh.export_id_hex();
    let arenas = &arenas;
    let shards = parallel(
        runs,
        || (),
        |(), (index, mine)| {
            mine.sort_unstable_by_key(|s| s.id);
            let size: usize = mine.iter().map(Sealed::shard_bytes).sum();
            let mut payload = String::with_capacity(size + SHARD_FRAME);
            payload.push_str("{\"export_id\":\"");
            payload.push_str(&export_id);
            payload.push_str("\",\"index\":");
            payload.push_str(&index.to_string());
            payload.push_str(",\"entries\":[");
            for (n, s) in mine.iter().enumerate() {
                if n > 0 {
                    payload.push(',');
                }
                payload.push_str("[\"");
                URL_SAFE_NO_PAD.encode_string(s.id, &mut payload);
                payload.push_str("\",\"");
                payload.push_str(s.ciphertext(arenas));
                payload.push_str("\"]");
            }
            payload.push_str("]}");
            (
                format!("{export_id}/{index:04x}.json"),
                signed::sign(payload.as_bytes(), Context::Shard, key),
            )
        },
    );
    drop(grouped);

    let biggest = shards.iter().map(|(_, b)| b.len()).max().unwrap_or(0);
    let mut total_bytes: usize = shards.iter().map(|(_, b)| b.len()).sum();
    let expires = options.created.saturating_add(options.valid_for_secs);
    let manifest = ManifestOut {
        format: FORMAT,
        export_id: &export_id,
        created: options.created,
        expires,
        salt: STANDARD.encode(fresh.salt),
        shard_bits: bits,
        users: entries.users.len(),
        keys: keys.len(),
        attributes: &entries.attributes,
    };
    let mut payload = serde_json::to_vec(&manifest).map_err(json_error)?;
    payload.push(b'\n');
    let manifest = signed::sign(&payload, Context::Manifest, key);
    total_bytes += manifest.len();
    Ok(PublishedDirectory {
        stats: BuildStats {
            users: entries.users.len(),
            keys: keys.len(),
            shard_bits: bits,
            shards: shards.len(),
            biggest_shard_bytes: biggest,
            manifest_bytes: manifest.len(),
            total_bytes,
            created: options.created,
            expires,
        },
        export_id,
        manifest,
        shards,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_hashes_match_the_lookup_key_hashes() {
        let salt = [7u8; 32];
        for c in ["sip:John@X.com", "tel:+33 1 23 45 67 89", "tel:0123"] {
            let c = Contact::parse(c).unwrap();
            for domain in [ID_DOMAIN, ENC_DOMAIN] {
                assert_eq!(
                    salted_contact(domain, &salt, &c),
                    super::super::salted(domain, &salt, &super::super::lookup_key(&c))
                );
            }
        }
    }

    #[test]
    fn entries_are_written_as_documented() {
        let users = vec![
            ExportUser {
                user_id: "a@x.com".into(),
                display_name: Some("Émile \"E\" Zola\\\n\u{1}".into()),
            },
            ExportUser {
                user_id: "b@x.com".into(),
                display_name: None,
            },
        ];
        let parts = user_parts(&users);
        let matches = [
            Match {
                user: 0,
                attribute: 12,
            },
            Match {
                user: 1,
                attribute: 3,
            },
        ];
        let mut out = Vec::new();
        write_entry(&mut out, &parts, &matches);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"[["a@x.com","Émile \"E\" Zola\\\n\u0001",12],["b@x.com",null,3]]"#
        );
        // The same as serde_json writes.
        let expected =
            serde_json::json!([["a@x.com", users[0].display_name, 12], ["b@x.com", null, 3]]);
        assert_eq!(text, expected.to_string());
        assert!(matches_are_valid(2, 13, &matches));
        assert!(!matches_are_valid(2, 12, &matches));
        assert!(!matches_are_valid(1, 13, &matches));
        assert!(!matches_are_valid(2, 13, &[]));
        assert!(!matches_are_valid(
            2,
            13,
            &[matches[0]; MAX_PEOPLE_PER_KEY + 1]
        ));
        let mut n = Vec::new();
        for v in [0, 7, 10, 12345, usize::MAX] {
            n.clear();
            push_decimal(&mut n, v);
            assert_eq!(String::from_utf8(n.clone()).unwrap(), v.to_string());
        }
    }

    #[test]
    fn parallel_keeps_the_order() {
        let items: Vec<usize> = (0..1000).collect();
        let out = parallel(
            items,
            || 0usize,
            |calls, i| {
                *calls += 1;
                i * 2
            },
        );
        assert_eq!(out, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
        assert!(parallel(Vec::<u8>::new(), || (), |(), b| b).is_empty());
    }
}
