//! Signed files: an Ed25519 signature over the exact bytes that follow it.
//!
//! A signed file is text. Its first line names the format, the signer's public key and
//! the signature; everything after that first `\n` is the payload, byte for byte:
//!
//! ```text
//! lync-quickcall-signed/1 <public key, base64> <signature, base64>
//! {"format":"lync-quickcall-directory/1",...}
//! ```
//!
//! The signature covers a domain-separation string naming the kind of file
//! ([`Context`]) followed by the payload bytes, so a shard can never pass for a manifest.
//! [`open`] checks, in this order and before anything reads the payload: the header's
//! shape, that the key is one `config.json` trusts ([`TrustedKeys`]), then the signature
//! with [`VerifyingKey::verify_strict`]. Only then does it hand out the payload, as a
//! [`Verified`] value: the payload is never parsed before it is verified, and never
//! re-serialised to be verified.

use std::fmt;
use std::str::FromStr;

use base64ct::{Base64, Encoding as _};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use crate::contact::printable;

/// The first word of every signed file.
pub const MAGIC: &str = "lync-quickcall-signed/1";

/// The longest first line accepted, in bytes (the real one is about 160).
const MAX_HEADER_LEN: usize = 512;

/// What kind of file is signed. Each kind signs under its own domain-separation string,
/// so a signature made for one kind never verifies as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Context {
    /// `directory/manifest.json`.
    Manifest,
    /// `directory/<export id>/<index>.json`.
    Shard,
}

impl Context {
    const ALL: [Context; 2] = [Context::Manifest, Context::Shard];

    /// The bytes prefixed to the payload before it is signed.
    fn domain(self) -> &'static [u8] {
        match self {
            Context::Manifest => b"lync-quickcall manifest v1\0",
            Context::Shard => b"lync-quickcall shard v1\0",
        }
    }

    /// How an administrator calls this kind of file, in the current language (a noun
    /// without article: the messages that name it supply theirs).
    pub fn describe(self) -> String {
        match self {
            Context::Manifest => crate::tr!("signed-kind-manifest"),
            Context::Shard => crate::tr!("signed-kind-shard"),
        }
    }

    fn message(self, payload: &[u8]) -> Vec<u8> {
        let domain = self.domain();
        let mut m = Vec::with_capacity(domain.len() + payload.len());
        m.extend_from_slice(domain);
        m.extend_from_slice(payload);
        m
    }
}

/// An Ed25519 public key that is a valid, non-weak curve point.
///
/// Written as the standard base64 of its 32 bytes (44 characters), as in `config.json`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// The key as `ed25519-dalek` uses it.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }

    /// The 32 bytes of the key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public half of a secret key.
    pub fn of(secret: &SigningKey) -> PublicKey {
        PublicKey(secret.verifying_key())
    }

    fn from_bytes(bytes: &[u8]) -> Result<PublicKey, KeyError> {
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::WrongLength { len: bytes.len() })?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::NotAPoint)?;
        if key.is_weak() {
            return Err(KeyError::Weak);
        }
        Ok(PublicKey(key))
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Base64::encode_string(self.0.as_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

/// Why a text is not a usable public key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Not standard base64 (`A-Z a-z 0-9 + /`, `=` padding).
    NotBase64,
    /// Base64, but not of 32 bytes.
    WrongLength {
        /// How many bytes it decodes to.
        len: usize,
    },
    /// 32 bytes that are not an Ed25519 public key (not a point on the curve).
    NotAPoint,
    /// A small-order point, which anyone can forge signatures for.
    Weak,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problem = match self {
            KeyError::NotBase64 => crate::tr!("signed-key-not-base64"),
            KeyError::WrongLength { len } => crate::tr!("signed-key-length", len = len),
            KeyError::NotAPoint => crate::tr!("signed-key-not-a-point"),
            KeyError::Weak => return f.write_str(&crate::tr!("signed-key-weak")),
        };
        f.write_str(&crate::tr!("signed-key-copy", problem = problem))
    }
}

impl std::error::Error for KeyError {}

impl FromStr for PublicKey {
    type Err = KeyError;

    /// Parses the standard base64 of a 32-byte Ed25519 public key.
    fn from_str(s: &str) -> Result<PublicKey, KeyError> {
        let bytes = Base64::decode_vec(s).map_err(|_| KeyError::NotBase64)?;
        PublicKey::from_bytes(&bytes)
    }
}

/// The public keys `config.json` trusts (`directory.public_keys`): at least one; several
/// during a key rotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedKeys(Vec<PublicKey>);

impl TrustedKeys {
    /// The trusted keys; `None` when the list is empty (nothing could ever verify).
    pub fn new(keys: Vec<PublicKey>) -> Option<TrustedKeys> {
        (!keys.is_empty()).then_some(TrustedKeys(keys))
    }

    /// The keys, in the order configured.
    pub fn keys(&self) -> &[PublicKey] {
        &self.0
    }

    fn find(&self, bytes: &[u8]) -> Option<&PublicKey> {
        self.0.iter().find(|k| k.0.as_bytes().as_slice() == bytes)
    }
}

/// A payload whose signature was verified, with the key that signed it.
#[derive(Clone, Copy, Debug)]
pub struct Verified<'a> {
    payload: &'a [u8],
    key: PublicKey,
}

impl<'a> Verified<'a> {
    /// The signed bytes (after the first line), exactly as verified.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The trusted key that signed them.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }
}

/// Why a signed file was refused. Each message names the kind of file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedError {
    /// The file does not start with `lync-quickcall-signed/1` (an HTML error page, an
    /// unsigned file, another format).
    NotSigned {
        /// The kind of file expected.
        context: Context,
        /// The start of what was found, escaped.
        found: String,
    },
    /// The first line is not `lync-quickcall-signed/1 <key> <signature>`.
    MalformedHeader {
        /// The kind of file expected.
        context: Context,
        /// What is wrong with it.
        problem: String,
    },
    /// The signer's key is not one of `directory.public_keys`; checked before the
    /// signature, whatever the signature is.
    UntrustedKey {
        /// The kind of file.
        context: Context,
        /// The signer's key, base64 (or what the file claims it is).
        key: String,
    },
    /// The signature does not match the bytes: the file was changed after signing.
    BadSignature {
        /// The kind of file.
        context: Context,
    },
    /// The file is validly signed, but as another kind of file (a shard offered as the
    /// manifest, say).
    WrongKind {
        /// The kind of file expected.
        expected: Context,
        /// The kind of file it is.
        found: Context,
    },
}

impl fmt::Display for SignedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            SignedError::NotSigned { context, found } => crate::tr!(
                "signed-not-signed",
                kind = context.describe(),
                found = found
            ),
            SignedError::MalformedHeader { context, problem } => crate::tr!(
                "signed-malformed",
                kind = context.describe(),
                problem = problem
            ),
            SignedError::UntrustedKey { context, key } => {
                crate::tr!("signed-untrusted", kind = context.describe(), key = key)
            }
            SignedError::BadSignature { context } => {
                crate::tr!("signed-bad-signature", kind = context.describe())
            }
            SignedError::WrongKind { expected, found } => crate::tr!(
                "signed-wrong-kind",
                expected = expected.describe(),
                found = found.describe()
            ),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for SignedError {}

/// Verifies a signed file and returns its payload.
///
/// The key must be in `keys` (checked first: an unknown key is refused whatever its
/// signature), and the signature must verify under [`VerifyingKey::verify_strict`] over
/// `context`'s domain string and the exact bytes after the first `\n`.
pub fn open<'a>(
    bytes: &'a [u8],
    context: Context,
    keys: &TrustedKeys,
) -> Result<Verified<'a>, SignedError> {
    let not_signed = || SignedError::NotSigned {
        context,
        found: printable(&String::from_utf8_lossy(&bytes[..bytes.len().min(40)])),
    };
    // The problem in the current language (set before anything is verified).
    let malformed = |problem: String| SignedError::MalformedHeader { context, problem };
    if !bytes.starts_with(MAGIC.as_bytes()) {
        return Err(not_signed());
    }
    let head = &bytes[..bytes.len().min(MAX_HEADER_LEN)];
    let newline = head
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| malformed(crate::tr!("signed-header-too-long", max = MAX_HEADER_LEN)))?;
    let (header, payload) = (&bytes[..newline], &bytes[newline + 1..]);
    if header.ends_with(b"\r") {
        return Err(malformed(crate::tr!("signed-header-crlf")));
    }
    let header = std::str::from_utf8(header)
        .map_err(|_| malformed(crate::tr!("signed-header-not-ascii")))?;
    let mut fields = header.split(' ');
    let (Some(magic), Some(key), Some(signature), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(malformed(crate::tr!("signed-header-shape", magic = MAGIC)));
    };
    if magic != MAGIC {
        return Err(not_signed());
    }
    let key_bytes = Base64::decode_vec(key)
        .map_err(|_| malformed(crate::tr!("signed-header-key-not-base64")))?;
    let Some(trusted) = keys.find(&key_bytes) else {
        return Err(SignedError::UntrustedKey {
            context,
            key: printable(key),
        });
    };
    let signature = Base64::decode_vec(signature)
        .map_err(|_| malformed(crate::tr!("signed-header-signature-not-base64")))?;
    let signature = Signature::from_slice(&signature)
        .map_err(|_| malformed(crate::tr!("signed-header-signature-length")))?;
    let verify = |c: Context| {
        trusted
            .0
            .verify_strict(&c.message(payload), &signature)
            .is_ok()
    };
    if verify(context) {
        return Ok(Verified {
            payload,
            key: *trusted,
        });
    }
    // Refused either way; only the message differs, to help whoever mixed the files up.
    match Context::ALL
        .into_iter()
        .find(|&c| c != context && verify(c))
    {
        Some(found) => Err(SignedError::WrongKind {
            expected: context,
            found,
        }),
        None => Err(SignedError::BadSignature { context }),
    }
}

/// Signs `payload` as a file of kind `context`: the first line, then the payload.
///
/// Signing needs no randomness (Ed25519 signatures are deterministic).
pub fn sign(payload: &[u8], context: Context, key: &SigningKey) -> Vec<u8> {
    let signature = key.sign(&context.message(payload));
    let header = format!(
        "{MAGIC} {} {}\n",
        PublicKey::of(key),
        Base64::encode_string(&signature.to_bytes())
    );
    let mut out = Vec::with_capacity(header.len() + payload.len());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    // The same tests run in headless Chromium under `cargo xtask test`.
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn trust(keys: &[&SigningKey]) -> TrustedKeys {
        TrustedKeys::new(keys.iter().map(|k| PublicKey::of(k)).collect()).unwrap()
    }

    #[test]
    fn round_trip() {
        let k = key(1);
        let file = sign(b"{\"a\":1}\n", Context::Manifest, &k);
        assert!(file.starts_with(b"lync-quickcall-signed/1 "));
        let v = open(&file, Context::Manifest, &trust(&[&k])).unwrap();
        assert_eq!(v.payload(), b"{\"a\":1}\n");
        assert_eq!(*v.key(), PublicKey::of(&k));
        // An empty payload is still signed.
        let empty = sign(b"", Context::Shard, &k);
        assert_eq!(
            open(&empty, Context::Shard, &trust(&[&k]))
                .unwrap()
                .payload(),
            b""
        );
    }

    #[test]
    fn rotation_either_trusted_key_verifies() {
        let (old, new) = (key(1), key(2));
        let keys = trust(&[&old, &new]);
        for k in [&old, &new] {
            let file = sign(b"x", Context::Manifest, k);
            assert_eq!(
                *open(&file, Context::Manifest, &keys).unwrap().key(),
                PublicKey::of(k)
            );
        }
    }

    #[test]
    fn untrusted_key_is_refused_even_with_a_valid_signature() {
        let (mine, theirs) = (key(1), key(3));
        let file = sign(b"x", Context::Manifest, &theirs);
        let e = open(&file, Context::Manifest, &trust(&[&mine])).unwrap_err();
        assert_eq!(
            e,
            SignedError::UntrustedKey {
                context: Context::Manifest,
                key: PublicKey::of(&theirs).to_string()
            }
        );
        assert!(e
            .to_string()
            .contains("signed by a key not listed in config.json"));
        // A file claiming a trusted key but signed by another is a bad signature.
        let text = String::from_utf8(file).unwrap();
        let forged = text.replace(
            &PublicKey::of(&theirs).to_string(),
            &PublicKey::of(&mine).to_string(),
        );
        assert_eq!(
            open(forged.as_bytes(), Context::Manifest, &trust(&[&mine])).unwrap_err(),
            SignedError::BadSignature {
                context: Context::Manifest
            }
        );
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let k = key(1);
        let keys = trust(&[&k]);
        let file = sign(b"{\"expires\":1700000000}", Context::Shard, &k);
        for i in 0..file.len() {
            for bit in [0x01, 0x20, 0x80] {
                let mut bad = file.clone();
                bad[i] ^= bit;
                assert!(
                    open(&bad, Context::Shard, &keys).is_err(),
                    "byte {i} bit {bit:#x} flipped still verifies"
                );
            }
        }
        // Appended or removed bytes too.
        let mut longer = file.clone();
        longer.push(b' ');
        assert_eq!(
            open(&longer, Context::Shard, &keys).unwrap_err(),
            SignedError::BadSignature {
                context: Context::Shard
            }
        );
        assert!(open(&file[..file.len() - 1], Context::Shard, &keys).is_err());
    }

    #[test]
    fn a_shard_is_never_a_manifest() {
        let k = key(1);
        let file = sign(b"{}", Context::Shard, &k);
        let e = open(&file, Context::Manifest, &trust(&[&k])).unwrap_err();
        assert_eq!(
            e,
            SignedError::WrongKind {
                expected: Context::Manifest,
                found: Context::Shard
            }
        );
        assert_eq!(
            e.to_string(),
            "the directory manifest is in fact a directory shard: the files are mixed up; copy the export folder again"
        );
    }

    #[test]
    fn malformed_files() {
        let k = key(1);
        let keys = trust(&[&k]);
        let good = String::from_utf8(sign(b"{}", Context::Manifest, &k)).unwrap();
        let (header, _) = good.split_once('\n').unwrap();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"<!DOCTYPE html><html>".to_vec(), "not a signed"),
            (b"".to_vec(), "not a signed"),
            (b"{\"format\":1}".to_vec(), "not a signed"),
            (
                format!("{MAGIC} only-two-fields\n{{}}").into_bytes(),
                "damaged first line",
            ),
            (
                format!("{MAGIC} a b c\n{{}}").into_bytes(),
                "damaged first line",
            ),
            (format!("{MAGIC}x a b\n{{}}").into_bytes(), "not a signed"),
            (
                format!("{MAGIC} !!! abc\n{{}}").into_bytes(),
                "public key is not base64",
            ),
            (
                format!("{header}\r\n{{}}").into_bytes(),
                "line endings converted",
            ),
            (
                format!("{MAGIC} {} AAAA\n{{}}", PublicKey::of(&k)).into_bytes(),
                "not 64 bytes",
            ),
            (
                format!("{MAGIC} {}", " ".repeat(600)).into_bytes(),
                "within 512 bytes",
            ),
            (header.as_bytes().to_vec(), "within 512 bytes"),
        ];
        for (bytes, expected) in cases {
            let e = open(&bytes, Context::Manifest, &keys).unwrap_err();
            assert!(
                e.to_string().contains(expected),
                "{:?}: {e} (expected '{expected}')",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn public_keys_parse_strictly() {
        let k = PublicKey::of(&key(1));
        assert_eq!(k.to_string().parse::<PublicKey>().unwrap(), k);
        assert_eq!(k.to_string().len(), 44);
        assert_eq!("not base64!".parse::<PublicKey>(), Err(KeyError::NotBase64));
        assert_eq!(
            "AAAA".parse::<PublicKey>(),
            Err(KeyError::WrongLength { len: 3 })
        );
        // The identity point (small order) decodes but is weak.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            Base64::encode_string(&identity).parse::<PublicKey>(),
            Err(KeyError::Weak)
        );
        // About half of all y coordinates are not on the curve.
        let off = (2u8..=255)
            .map(|y| {
                let mut b = [0u8; 32];
                b[0] = y;
                b
            })
            .find(|b| VerifyingKey::from_bytes(b).is_err())
            .unwrap();
        assert_eq!(
            Base64::encode_string(&off).parse::<PublicKey>(),
            Err(KeyError::NotAPoint)
        );
        assert!(TrustedKeys::new(vec![]).is_none());
    }

    #[test]
    fn messages_in_french_keep_their_values() {
        assert!(crate::i18n::set_language("fr"));
        let (mine, theirs) = (key(1), key(3));
        let file = sign(b"x", Context::Manifest, &theirs);
        let e = open(&file, Context::Manifest, &trust(&[&mine])).unwrap_err();
        let text = e.to_string();
        let theirs = PublicKey::of(&theirs).to_string();
        assert!(
            text.starts_with("le manifeste de l’annuaire est signé par une clé absente"),
            "{text}"
        );
        assert!(text.contains(&theirs), "{text}");
        assert!(text.contains("directory.public_keys"), "{text}");
        let shard = sign(b"{}", Context::Shard, &mine);
        let text = open(&shard, Context::Manifest, &trust(&[&mine]))
            .unwrap_err()
            .to_string();
        assert!(
            text.starts_with("le manifeste de l’annuaire est en réalité un fragment de l’annuaire"),
            "{text}"
        );
        let text = KeyError::WrongLength { len: 3 }.to_string();
        assert!(text.contains("elle fait 3 octets"), "{text}");
        assert!(text.contains("`lync-quickcall keygen`"), "{text}");
        crate::i18n::set_language("en");
    }
}
