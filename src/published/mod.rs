//! The published directory: a signed, hashed, sharded export of Active Directory that
//! the page reads without a server.
//!
//! # Files
//!
//! Under the directory folder (`config.json`'s `directory.path`, e.g. `directory/`):
//!
//! - `manifest.json`: a [signed] file ([`Context::Manifest`]) whose
//!   payload is
//!   `{"format":"lync-quickcall-directory/1","export_id":"<32 hex>","created":<unix secs>,
//!   "expires":<unix secs>,"salt":"<32 bytes, base64>","shard_bits":<0..=16>,"users":<n>,"keys":<n>,
//!   "attributes":["msRTCSIP-PrimaryUserAddress","mail",...]}`: `attributes` names the
//!   Active Directory attributes keys come from, which entries refer to by index.
//!   It changes with every export: serve it with `Cache-Control: no-cache`.
//! - `<export_id>/<index, 4 lowercase hex digits>.json`, `2^shard_bits` shards, each a
//!   signed file ([`Context::Shard`]) whose payload is
//!   `{"export_id":"..","index":N,"entries":[["<lookup id>","<ciphertext>"],...]}`.
//!   Every export has a fresh export id, so a shard URL never changes content: shards can
//!   be cached forever.
//!
//! # Keys, hashing and encryption
//!
//! A lookup key is a normalised [`Contact`]: `addr:` + the lowercase address for SIP
//! addresses, `proxyAddresses`, `mail` and `userPrincipalName`; `tel:` + the digits (with
//! `+` for E.164 numbers, see [`crate::PhoneNumber::normalize`]) for phone numbers. With
//! the export's random 32-byte salt:
//!
//! - `d = SHA-256("lync-quickcall/1\0" || salt || key)`; the **lookup id** is `d[0..16]`
//!   (base64url, no padding, in the shard) and the **shard index** is the first four bytes
//!   of `d`, big-endian, shifted right by `32 - shard_bits`;
//! - the **entry key** is `SHA-256("lync-quickcall/enc\0" || salt || key)`, and the
//!   entry is the ChaCha20-Poly1305 encryption, under that key, of the JSON list
//!   `[["<user id>","<display name>" or null,<attribute>],...]` of every person the key
//!   maps to (several: the page offers a chooser), `<attribute>` being the index in the
//!   manifest's `attributes` of the attribute that gave the key. (Lists rather than
//!   objects, and an index rather than the name, keep 100,000 users' shards small.)
//!
//! So the files list neither addresses, user ids nor names in clear: reading an entry
//! takes its key (the address or number), which the page has and a bystander must guess.
//! Addresses are guessable, though; see the README's section "What the signature and
//! hashing protect against, and what they do not".
//!
//! # Reading
//!
//! Everything is verified before it is parsed, and the only way to a [`Directory`] is
//! through verification: [`VerifiedManifest::open`] (signature, format, expiry), then
//! [`VerifiedManifest::shards_for`] the contacts, then [`VerifiedManifest::open_shard`]
//! for each (signature, export id, index), then [`VerifiedManifest::directory`], which
//! decrypts the contacts' entries into an [`ExportDirectory`].

#[cfg(not(target_arch = "wasm32"))]
mod build;

#[cfg(not(target_arch = "wasm32"))]
pub use build::{
    build, BuildError, BuildOptions, BuildStats, DirectoryEntries, ExportUser, Fresh, Match,
    PublishedDirectory,
};

use std::fmt;

use base64ct::{Base64, Base64UrlUnpadded, Encoding as _};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

use crate::contact::{printable, Contact};
use crate::directory::{Directory, Lookup, Person};
use crate::json::{FieldError, Fields, Json};
use crate::signed::{self, Context, PublicKey, SignedError, TrustedKeys};

/// The manifest's `format`.
pub const FORMAT: &str = "lync-quickcall-directory/1";
/// The manifest's file name, in the directory folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The most shard bits a manifest may declare (65,536 shards; 4 hex digits).
pub const MAX_SHARD_BITS: u8 = 16;
/// How far in the future a manifest's `created` may be, for clocks that disagree.
pub const MAX_CLOCK_SKEW_SECS: u64 = 24 * 3600;
/// The longest validity an export may have, in days: the export tool writes at most
/// this, and the page refuses a longer one (an export valid "for ever" is not one of
/// ours, or one made to outlive a key rotation).
pub const MAX_VALID_DAYS: u64 = 366;
/// The most attribute names a manifest may list.
pub const MAX_ATTRIBUTES: usize = 64;
/// The longest attribute name a manifest may list, in bytes.
pub const MAX_ATTRIBUTE_LEN: usize = 256;

/// Whether `name` may be listed as an attribute: not empty, at most
/// [`MAX_ATTRIBUTE_LEN`] bytes, no control character.
fn valid_attribute(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_ATTRIBUTE_LEN && !name.chars().any(char::is_control)
}

/// The most people one key may map to. A number shared by more people (a switchboard)
/// identifies nobody; the export tool leaves such keys out and reports them.
pub const MAX_PEOPLE_PER_KEY: usize = 20;

const ID_DOMAIN: &[u8] = b"lync-quickcall/1\0";
const ENC_DOMAIN: &[u8] = b"lync-quickcall/enc\0";

/// The lookup key of a contact: `addr:local@domain` or `tel:+33123456789`.
pub fn lookup_key(contact: &Contact) -> String {
    match contact {
        Contact::Sip(a) => format!("addr:{a}"),
        Contact::Tel(n) => format!("tel:{n}"),
    }
}

/// `SHA-256(domain || salt || key)`, `key` from [`lookup_key`].
fn salted(domain: &[u8], salt: &[u8; 32], key: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(domain);
    h.update(salt);
    h.update(key.as_bytes());
    h.finalize().into()
}

/// Where a contact's entry lives: its lookup id and its 32-bit shard prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Locator {
    id: [u8; 16],
    prefix: u32,
}

impl Locator {
    fn of(salt: &[u8; 32], key: &str) -> Locator {
        let d = salted(ID_DOMAIN, salt, key);
        let mut id = [0u8; 16];
        id.copy_from_slice(&d[..16]);
        Locator::from_id(id)
    }

    fn from_id(id: [u8; 16]) -> Locator {
        Locator {
            id,
            prefix: u32::from_be_bytes([id[0], id[1], id[2], id[3]]),
        }
    }

    fn shard(&self, bits: u8) -> u32 {
        shard_index(self.prefix, bits)
    }
}

fn shard_index(prefix: u32, bits: u8) -> u32 {
    if bits == 0 {
        0
    } else {
        prefix >> (32 - u32::from(bits))
    }
}

/// The cipher for one key's entry.
///
/// The nonce is fixed (all zeros), which is safe because every entry key encrypts
/// exactly one message: the key is derived from the salt and the lookup key, an export
/// writes one entry per lookup key, and every export draws a fresh random salt. A
/// (key, nonce) pair is therefore never reused.
fn entry_cipher(salt: &[u8; 32], key: &str) -> ChaCha20Poly1305 {
    let key = salted(ENC_DOMAIN, salt, key);
    ChaCha20Poly1305::new(Key::from_slice(&key))
}

const NONCE: [u8; 12] = [0; 12];

/// `2025-06-01 14:05 UTC`, from Unix seconds.
pub fn format_utc(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// Why the published directory could not be used. The page shows the message and does
/// not navigate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DirectoryError {
    /// A file's signature (or its first line) is refused.
    Signed {
        /// The file, relative to the directory folder.
        file: String,
        /// Why.
        error: SignedError,
    },
    /// A verified file's content cannot be read (not UTF-8, not the expected JSON, a bad
    /// value): the signer wrote something this page does not understand.
    Unreadable {
        /// The file, relative to the directory folder.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// The manifest is of another format (a newer export tool than this page).
    UnknownFormat {
        /// The `format` found.
        found: String,
    },
    /// The export is past its expiry date.
    Expired {
        /// When it expired, Unix seconds.
        expires: u64,
        /// The current time, Unix seconds.
        now: u64,
    },
    /// The export claims to be created in the future: a clock is wrong.
    NotYetValid {
        /// The `created` time, Unix seconds.
        created: u64,
        /// The current time, Unix seconds.
        now: u64,
    },
    /// A shard is not the one asked for: another index, or another export (files from
    /// two exports mixed, or a shard served in place of another).
    WrongShard {
        /// The file asked for.
        file: String,
        /// What the shard says it is: `<export id>/<index>`.
        found: String,
    },
    /// A signed entry does not decrypt or decode: the export is damaged.
    Corrupt {
        /// The file.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// A contact was looked up without its shard having been opened (a bug in the page).
    ShardNotLoaded {
        /// The shard that is missing.
        file: String,
    },
}

impl fmt::Display for DirectoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            DirectoryError::Signed { file, error } => {
                crate::tr!("export-file-error", file = file, error = error)
            }
            DirectoryError::Unreadable { file, problem } => {
                crate::tr!("export-unreadable", file = file, problem = problem)
            }
            DirectoryError::UnknownFormat { found } => crate::tr!(
                "export-unknown-format",
                file = MANIFEST_FILE,
                found = found,
                format = FORMAT
            ),
            DirectoryError::Expired { expires, now } => crate::tr!(
                "export-expired",
                expires = format_utc(*expires),
                now = format_utc(*now)
            ),
            DirectoryError::NotYetValid { created, now } => crate::tr!(
                "export-not-yet-valid",
                created = format_utc(*created),
                now = format_utc(*now)
            ),
            DirectoryError::WrongShard { file, found } => {
                crate::tr!("export-wrong-shard", file = file, found = found)
            }
            DirectoryError::Corrupt { file, problem } => {
                crate::tr!("export-corrupt", file = file, problem = problem)
            }
            DirectoryError::ShardNotLoaded { file } => {
                crate::tr!("export-shard-not-loaded", file = file)
            }
        };
        f.write_str(&text)
    }
}

impl std::error::Error for DirectoryError {}

/// The manifest's payload as read, before validation.
struct RawManifest {
    export_id: String,
    created: u64,
    expires: u64,
    salt: String,
    shard_bits: u64,
    users: u64,
    keys: u64,
    attributes: Vec<String>,
}

impl RawManifest {
    fn read(f: &Fields<'_>) -> Result<RawManifest, FieldError> {
        let text = |name: &str| f.required(name, f.str(name)).map(str::to_string);
        let number = |name: &str| f.required(name, f.u64(name));
        Ok(RawManifest {
            export_id: text("export_id")?,
            created: number("created")?,
            expires: number("expires")?,
            salt: text("salt")?,
            shard_bits: number("shard_bits")?,
            users: number("users")?,
            keys: number("keys")?,
            attributes: f.required("attributes", f.strings("attributes"))?,
        })
    }
}

/// Verifies `bytes` (the file `file`, of kind `context`) against `keys` and returns its
/// payload as text, with the key that signed it. Nothing is read before this succeeds.
fn verified_text<'a>(
    file: &str,
    bytes: &'a [u8],
    context: Context,
    keys: &TrustedKeys,
) -> Result<(&'a str, PublicKey), DirectoryError> {
    let verified = signed::open(bytes, context, keys).map_err(|error| DirectoryError::Signed {
        file: file.to_string(),
        error,
    })?;
    let text = std::str::from_utf8(verified.payload()).map_err(|_| DirectoryError::Unreadable {
        file: file.to_string(),
        problem: crate::tr!("export-not-utf8"),
    })?;
    Ok((text, *verified.key()))
}

fn valid_export_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A manifest whose signature, format and dates were checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedManifest {
    export_id: String,
    created: u64,
    expires: u64,
    salt: [u8; 32],
    shard_bits: u8,
    users: u64,
    keys: u64,
    attributes: Vec<String>,
    signer: PublicKey,
}

/// One shard to fetch: its index and its path under the directory folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardRef {
    index: u32,
    path: String,
}

impl ShardRef {
    /// The shard's index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Its path relative to the directory folder, e.g. `0123...cdef/00af.json`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl VerifiedManifest {
    /// Verifies and reads `manifest.json`: signed by a trusted key, of this format,
    /// created no later than [`MAX_CLOCK_SKEW_SECS`] after `now` and not expired at `now`
    /// (Unix seconds).
    pub fn open(
        bytes: &[u8],
        keys: &TrustedKeys,
        now: u64,
    ) -> Result<VerifiedManifest, DirectoryError> {
        let file = MANIFEST_FILE;
        let (text, signer) = verified_text(file, bytes, Context::Manifest, keys)?;
        let unreadable = |problem: String| DirectoryError::Unreadable {
            file: file.into(),
            problem,
        };
        let json = crate::json::parse(text).map_err(unreadable)?;
        let f = Fields::of(&json, "").map_err(|e| unreadable(e.to_string()))?;
        match f.str("format") {
            Ok(Some(FORMAT)) => {}
            Ok(Some(other)) => {
                return Err(DirectoryError::UnknownFormat {
                    found: printable(other),
                })
            }
            _ => return Err(unreadable(crate::tr!("export-no-format"))),
        }
        let raw = RawManifest::read(&f).map_err(|e| unreadable(e.to_string()))?;
        if !valid_export_id(&raw.export_id) {
            return Err(unreadable(crate::tr!(
                "export-bad-id",
                id = printable(&raw.export_id)
            )));
        }
        let salt: [u8; 32] = Base64::decode_vec(&raw.salt)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| unreadable(crate::tr!("export-bad-salt")))?;
        let shard_bits = u8::try_from(raw.shard_bits)
            .ok()
            .filter(|b| *b <= MAX_SHARD_BITS)
            .ok_or_else(|| {
                unreadable(crate::tr!(
                    "export-shard-bits",
                    value = raw.shard_bits,
                    max = MAX_SHARD_BITS
                ))
            })?;
        if raw.attributes.len() > MAX_ATTRIBUTES
            || !raw.attributes.iter().all(|a| valid_attribute(a))
        {
            return Err(unreadable(crate::tr!("export-bad-attributes")));
        }
        if raw.expires <= raw.created {
            return Err(unreadable(crate::tr!("export-expires-before-created")));
        }
        if raw.expires - raw.created > MAX_VALID_DAYS * 86_400 {
            return Err(unreadable(crate::tr!(
                "export-too-long",
                days = MAX_VALID_DAYS
            )));
        }
        if raw.created > now.saturating_add(MAX_CLOCK_SKEW_SECS) {
            return Err(DirectoryError::NotYetValid {
                created: raw.created,
                now,
            });
        }
        if now > raw.expires {
            return Err(DirectoryError::Expired {
                expires: raw.expires,
                now,
            });
        }
        Ok(VerifiedManifest {
            export_id: raw.export_id,
            created: raw.created,
            expires: raw.expires,
            salt,
            shard_bits,
            users: raw.users,
            keys: raw.keys,
            attributes: raw.attributes,
            signer,
        })
    }

    /// The export id (32 lowercase hex digits), also the shards' folder name.
    pub fn export_id(&self) -> &str {
        &self.export_id
    }

    /// When the export was made, Unix seconds.
    pub fn created(&self) -> u64 {
        self.created
    }

    /// When it expires, Unix seconds.
    pub fn expires(&self) -> u64 {
        self.expires
    }

    /// How many users the export holds.
    pub fn users(&self) -> u64 {
        self.users
    }

    /// How many lookup keys it holds.
    pub fn keys(&self) -> u64 {
        self.keys
    }

    /// The names of the attributes keys come from (`msRTCSIP-PrimaryUserAddress`...).
    pub fn attributes(&self) -> &[String] {
        &self.attributes
    }

    /// How many shards it has (`2^shard_bits`).
    pub fn shard_count(&self) -> u32 {
        1 << self.shard_bits
    }

    /// The key that signed the manifest.
    pub fn signer(&self) -> &PublicKey {
        &self.signer
    }

    /// One line for the dry-run report and `check-config`.
    pub fn summary(&self) -> String {
        crate::tr!(
            "export-summary",
            id = self.export_id,
            users = self.users,
            keys = self.keys,
            created = format_utc(self.created),
            expires = format_utc(self.expires),
            signer = self.signer
        )
    }

    fn shard_ref(&self, index: u32) -> ShardRef {
        ShardRef {
            index,
            path: format!("{}/{index:04x}.json", self.export_id),
        }
    }

    /// The shard that holds `contact`'s entry, if it has one.
    pub fn shard_for(&self, contact: &Contact) -> ShardRef {
        self.shard_ref(Locator::of(&self.salt, &lookup_key(contact)).shard(self.shard_bits))
    }

    /// The distinct shards `contacts` need, in the order of first need.
    pub fn shards_for(&self, contacts: &[Contact]) -> Vec<ShardRef> {
        let mut out: Vec<ShardRef> = Vec::new();
        for c in contacts {
            let s = self.shard_for(c);
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// Verifies and reads a shard fetched from `shard.path()`: signed by a trusted key,
    /// of this export and of the index asked for, every entry well formed and in its
    /// right shard.
    pub fn open_shard(
        &self,
        shard: &ShardRef,
        bytes: &[u8],
        keys: &TrustedKeys,
    ) -> Result<VerifiedShard, DirectoryError> {
        let file = shard.path.as_str();
        let (text, _) = verified_text(file, bytes, Context::Shard, keys)?;
        let unreadable = |problem: String| DirectoryError::Unreadable {
            file: file.into(),
            problem,
        };
        let json = crate::json::parse(text).map_err(unreadable)?;
        let f = Fields::of(&json, "").map_err(|e| unreadable(e.to_string()))?;
        let header = (|| {
            Ok::<_, FieldError>((
                f.required("export_id", f.str("export_id"))?,
                f.required("index", f.u64("index"))?,
                f.required("entries", f.array("entries"))?,
            ))
        })();
        let (export_id, index, raw_entries) = header.map_err(|e| unreadable(e.to_string()))?;
        if export_id != self.export_id || index != u64::from(shard.index) {
            return Err(DirectoryError::WrongShard {
                file: file.into(),
                found: format!("{}/{index:04x}", printable(export_id)),
            });
        }
        // A list, not a map: a shard holds a few hundred entries and the page looks up a
        // handful, and each map type costs the module kilobytes of code.
        let mut entries: Vec<([u8; 16], Vec<u8>)> = Vec::with_capacity(raw_entries.len());
        for (n, entry) in raw_entries.iter().enumerate() {
            let (id, ciphertext) = match entry.as_array() {
                Some([Json::String(id), Json::String(c)]) => (id, c),
                _ => return Err(unreadable(crate::tr!("export-entry-not-pair", n = n))),
            };
            let id: [u8; 16] = Base64UrlUnpadded::decode_vec(id)
                .ok()
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| unreadable(crate::tr!("export-entry-bad-id", n = n)))?;
            if Locator::from_id(id).shard(self.shard_bits) != shard.index {
                return Err(unreadable(crate::tr!("export-entry-other-shard", n = n)));
            }
            let ciphertext = Base64::decode_vec(ciphertext)
                .map_err(|_| unreadable(crate::tr!("export-entry-not-base64", n = n)))?;
            if entries.iter().any(|(known, _)| *known == id) {
                return Err(unreadable(crate::tr!("export-entry-repeated", n = n)));
            }
            entries.push((id, ciphertext));
        }
        Ok(VerifiedShard {
            file: file.into(),
            export_id: self.export_id.clone(),
            index: shard.index,
            salt: self.salt,
            shard_bits: self.shard_bits,
            attributes: self.attributes.clone(),
            entries,
        })
    }

    /// Looks `contacts` up in their verified shards. Every contact's shard must be among
    /// `shards` (opened from this manifest); any entry that fails to decrypt is an error.
    pub fn directory(
        &self,
        contacts: &[Contact],
        shards: &[VerifiedShard],
    ) -> Result<ExportDirectory, DirectoryError> {
        let mut answers = Vec::with_capacity(contacts.len());
        for c in contacts {
            let wanted = self.shard_for(c);
            let shard = shards
                .iter()
                .find(|s| s.export_id == self.export_id && s.index == wanted.index)
                .ok_or_else(|| DirectoryError::ShardNotLoaded {
                    file: wanted.path.clone(),
                })?;
            answers.push((c.clone(), shard.lookup(c)?));
        }
        Ok(ExportDirectory { answers })
    }
}

/// A shard whose signature, export id and index were checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedShard {
    file: String,
    export_id: String,
    index: u32,
    salt: [u8; 32],
    shard_bits: u8,
    attributes: Vec<String>,
    entries: Vec<([u8; 16], Vec<u8>)>,
}

impl VerifiedShard {
    /// The shard's index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The people `contact` maps to. An error when `contact` belongs to another shard,
    /// or when its entry does not decrypt (damage, or tampering by a trusted signer).
    pub fn lookup(&self, contact: &Contact) -> Result<Lookup, DirectoryError> {
        let material = lookup_key(contact);
        let loc = Locator::of(&self.salt, &material);
        if loc.shard(self.shard_bits) != self.index {
            return Err(DirectoryError::ShardNotLoaded {
                file: format!("{}/{:04x}.json", self.export_id, loc.shard(self.shard_bits)),
            });
        }
        let Some((_, ciphertext)) = self.entries.iter().find(|(id, _)| *id == loc.id) else {
            return Ok(Lookup::Unknown);
        };
        let corrupt = |problem: String| DirectoryError::Corrupt {
            file: self.file.clone(),
            problem,
        };
        let plain = entry_cipher(&self.salt, &material)
            .decrypt(Nonce::from_slice(&NONCE), ciphertext.as_slice())
            .map_err(|_| corrupt(crate::tr!("export-no-decrypt")))?;
        let text =
            std::str::from_utf8(&plain).map_err(|_| corrupt(crate::tr!("export-not-utf8")))?;
        let people = crate::json::parse(text)
            .map_err(|e| corrupt(crate::tr!("export-bad-json", error = e)))?;
        let people = people
            .as_array()
            .ok_or_else(|| corrupt(crate::tr!("export-not-people")))?;
        if people.is_empty() || people.len() > MAX_PEOPLE_PER_KEY {
            return Err(corrupt(crate::tr!("export-people-count")));
        }
        let mut out = Vec::with_capacity(people.len());
        for person in people {
            let (user_id, display_name, attribute) = match person.as_array() {
                Some([Json::String(u), name, a]) => {
                    let name = match name {
                        Json::String(n) => Some(n.clone()),
                        Json::Null => None,
                        _ => return Err(corrupt(crate::tr!("export-name-not-string"))),
                    };
                    (u.clone(), name, a.as_u64())
                }
                _ => return Err(corrupt(crate::tr!("export-person-shape"))),
            };
            if user_id.trim().is_empty() || user_id.chars().any(char::is_control) {
                return Err(corrupt(crate::tr!("export-user-id-bad")));
            }
            let attribute = attribute
                .and_then(|a| usize::try_from(a).ok())
                .and_then(|a| self.attributes.get(a))
                .ok_or_else(|| corrupt(crate::tr!("export-unknown-attribute")))?;
            out.push(Person {
                user_id,
                display_name,
                matched_by: Some(attribute.clone()),
            });
        }
        Ok(Lookup::Found(out))
    }
}

/// What a verified export says of the page's contacts, decrypted up front by
/// [`VerifiedManifest::directory`]. A contact it was not built for is
/// [`Lookup::Unknown`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportDirectory {
    answers: Vec<(Contact, Lookup)>,
}

impl Directory for ExportDirectory {
    fn lookup(&self, contact: &Contact) -> Lookup {
        self.answers
            .iter()
            .find(|(c, _)| c == contact)
            .map(|(_, l)| l.clone())
            .unwrap_or(Lookup::Unknown)
    }
}

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod french_tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn errors_in_french_keep_their_values() {
        assert!(crate::i18n::set_language("fr"));
        let expired = DirectoryError::Expired {
            expires: 1_750_000_000,
            now: 1_750_086_400,
        }
        .to_string();
        assert!(
            expired.starts_with(
                "l’export de l’annuaire a expiré le 2025-06-15 15:06 UTC (date actuelle\u{a0}: 2025-06-16 15:06 UTC)"
            ),
            "{expired}"
        );
        assert!(expired.contains("`lync-quickcall export`"), "{expired}");
        let corrupt = DirectoryError::Corrupt {
            file: "0123/00af.json".into(),
            problem: crate::tr!("export-no-decrypt"),
        }
        .to_string();
        assert_eq!(
            corrupt,
            "0123/00af.json\u{a0}: l’entrée de l’annuaire est endommagée (elle ne peut pas \
             être déchiffrée)\u{a0}; relancez l’export"
        );
        let format = DirectoryError::UnknownFormat {
            found: "lync-quickcall-directory/2".into(),
        }
        .to_string();
        assert!(
            format.starts_with("manifest.json\u{a0}: le format d’annuaire «\u{a0}lync-quickcall-directory/2\u{a0}»"),
            "{format}"
        );
        assert!(format.contains("(lync-quickcall-directory/1)"), "{format}");
        crate::i18n::set_language("en");
    }
}
#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests;
