//! Writing a published directory (native only: the export tool).

use std::collections::HashMap;
use std::fmt;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chacha20poly1305::aead::Aead;
use chacha20poly1305::Nonce;
use ed25519_dalek::SigningKey;
use rand_core::CryptoRngCore;
use serde::Serialize;

use super::{
    entry_cipher, shard_index, Locator, FORMAT, MAX_PEOPLE_PER_KEY, MAX_SHARD_BITS, NONCE,
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
    /// Attribute names (`msRTCSIP-PrimaryUserAddress`, ...), shown by `?dryrun=1`.
    pub attributes: Vec<String>,
    /// Each key and the people it maps to, in the order found; at most
    /// [`MAX_PEOPLE_PER_KEY`].
    pub keys: HashMap<Contact, Vec<Match>>,
}

/// The random values of one export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fresh {
    /// The export id, also the shards' folder name.
    pub export_id: [u8; 16],
    /// The salt of every hash.
    pub salt: [u8; 32],
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
    /// The average shard size aimed at, in bytes (the biggest is then about twice as
    /// big at 100,000 users).
    pub target_shard_bytes: usize,
}

impl BuildOptions {
    /// The default average shard size: about 6 KB.
    pub const DEFAULT_SHARD_BYTES: usize = 6 * 1024;

    /// Made at `created`, valid for `days`, average shards of about 6 KB.
    pub fn new(created: u64, days: u64) -> BuildOptions {
        BuildOptions {
            created,
            valid_for_secs: days.saturating_mul(86_400),
            target_shard_bytes: Self::DEFAULT_SHARD_BYTES,
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
    /// `(path relative to the directory folder, content)`, every shard, empty ones too.
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
    /// The validity is zero.
    NoValidity,
    /// A key maps to more than [`MAX_PEOPLE_PER_KEY`] people, or to a user that does
    /// not exist.
    BadKey {
        /// The key.
        key: String,
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
            BuildError::NoValidity => f.write_str("the validity must be at least one day"),
            BuildError::BadKey { key } => write!(
                f,
                "the key {key} maps to no user or to more than {MAX_PEOPLE_PER_KEY}"
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
}

#[derive(Serialize)]
struct PersonOut<'a> {
    u: &'a str,
    n: Option<&'a str>,
    m: &'a str,
}

struct Sealed {
    id: [u8; 16],
    prefix: u32,
    ciphertext: Vec<u8>,
}

impl Sealed {
    /// The bytes this entry takes in a shard file.
    fn shard_bytes(&self) -> usize {
        ID_B64_LEN + self.ciphertext.len().div_ceil(3) * 4 + ENTRY_OVERHEAD
    }
}

/// The length of a lookup id in base64url without padding.
const ID_B64_LEN: usize = 22;

/// Hashes and encrypts one key's entry.
fn seal(
    entries: &DirectoryEntries,
    salt: &[u8; 32],
    key: &Contact,
    matches: &[Match],
) -> Result<Sealed, BuildError> {
    let bad = || BuildError::BadKey {
        key: super::lookup_key(key),
    };
    if matches.is_empty() || matches.len() > MAX_PEOPLE_PER_KEY {
        return Err(bad());
    }
    let people = matches
        .iter()
        .map(|m| {
            let user = entries.users.get(m.user)?;
            Some(PersonOut {
                u: &user.user_id,
                n: user.display_name.as_deref(),
                m: entries.attributes.get(m.attribute)?,
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(bad)?;
    let plain = serde_json::to_vec(&people).map_err(json_error)?;
    let material = super::lookup_key(key);
    let ciphertext = entry_cipher(salt, &material)
        .encrypt(Nonce::from_slice(&NONCE), plain.as_slice())
        .map_err(|_| bad())?;
    let loc = Locator::of(salt, &material);
    Ok(Sealed {
        id: loc.id,
        prefix: loc.prefix,
        ciphertext,
    })
}

/// `f` over `items` on all cores, results in order; the first error wins.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, BuildError> + Sync,
) -> Result<Vec<R>, BuildError> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(16);
    let chunk = items.len().div_ceil(threads).max(256);
    let f = &f;
    let parts: Vec<Result<Vec<R>, BuildError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Result<Vec<R>, _>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(BuildError::Json {
                        message: "a worker thread panicked".into(),
                    })
                })
            })
            .collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

fn json_error(e: serde_json::Error) -> BuildError {
    BuildError::Json {
        message: e.to_string(),
    }
}

/// A shard's JSON, `{"export_id":"..","index":N,"entries":[["<id>","<ciphertext>"],...]}`,
/// written directly: every string in it is hex or base64, which JSON needs no escape for.
fn shard_payload(export_id: &str, index: u32, entries: &[Sealed]) -> Vec<u8> {
    let size: usize = entries.iter().map(Sealed::shard_bytes).sum();
    let mut out = String::with_capacity(size + 100);
    out.push_str("{\"export_id\":\"");
    out.push_str(export_id);
    out.push_str("\",\"index\":");
    out.push_str(&index.to_string());
    out.push_str(",\"entries\":[");
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("[\"");
        URL_SAFE_NO_PAD.encode_string(e.id, &mut out);
        out.push_str("\",\"");
        STANDARD.encode_string(&e.ciphertext, &mut out);
        out.push_str("\"]");
    }
    out.push_str("]}");
    out.into_bytes()
}

/// The JSON overhead of one entry in a shard: `["",""],`.
const ENTRY_OVERHEAD: usize = 8;
/// The size of a shard's envelope and JSON frame, about.
const SHARD_OVERHEAD: usize = 250;

/// Chooses the fewest shard bits that bring the average shard to `target` bytes.
pub(super) fn choose_bits(total_entry_bytes: usize, target: usize) -> u8 {
    let target = target.max(1);
    (0..=MAX_SHARD_BITS)
        .find(|&bits| total_entry_bytes / (1usize << bits) + SHARD_OVERHEAD <= target)
        .unwrap_or(MAX_SHARD_BITS)
}

/// Builds the manifest and every shard of an export, signed with `key`.
///
/// The output depends only on the arguments: the same entries, options, random values
/// and key give the same bytes.
pub fn build(
    entries: &DirectoryEntries,
    options: &BuildOptions,
    fresh: &Fresh,
    key: &SigningKey,
) -> Result<PublishedDirectory, BuildError> {
    if entries.keys.is_empty() {
        return Err(BuildError::Empty);
    }
    if options.valid_for_secs == 0 {
        return Err(BuildError::NoValidity);
    }
    let keys: Vec<(&Contact, &Vec<Match>)> = entries.keys.iter().collect();
    let mut sealed = parallel_map(&keys, |(k, m)| seal(entries, &fresh.salt, k, m))?;
    drop(keys);
    sealed.sort_unstable_by_key(|s| s.id);
    let total: usize = sealed.iter().map(Sealed::shard_bytes).sum();
    let bits = choose_bits(total, options.target_shard_bytes);
    let export_id = fresh.export_id_hex();

    // Sorted by id, so each shard's entries are one contiguous, sorted run.
    let mut runs: Vec<(u32, &[Sealed])> = Vec::with_capacity(1 << bits);
    let mut rest = sealed.as_slice();
    for index in 0..1u32 << bits {
        let n = rest
            .iter()
            .position(|s| shard_index(s.prefix, bits) != index)
            .unwrap_or(rest.len());
        let (mine, tail) = rest.split_at(n);
        runs.push((index, mine));
        rest = tail;
    }
    debug_assert!(rest.is_empty());
    let shards = parallel_map(&runs, |&(index, mine)| {
        let payload = shard_payload(&export_id, index, mine);
        Ok((
            format!("{export_id}/{index:04x}.json"),
            signed::sign(&payload, Context::Shard, key),
        ))
    })?;
    drop(runs);
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
        keys: sealed.len(),
    };
    let mut payload = serde_json::to_vec(&manifest).map_err(json_error)?;
    payload.push(b'\n');
    let manifest = signed::sign(&payload, Context::Manifest, key);
    total_bytes += manifest.len();
    Ok(PublishedDirectory {
        stats: BuildStats {
            users: entries.users.len(),
            keys: sealed.len(),
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
