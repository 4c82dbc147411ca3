//! Sealing an entry as the export tool does (the format of `src/published/mod.rs`), so
//! that a fuzzed entry decrypts and reaches the reader's parser:
//!
//! - lookup id: `SHA-256("lync-quickcall/1\0" || salt || key)[0..16]`, base64url;
//! - shard index: the id's first four bytes, big-endian, shifted right by
//!   `32 - shard_bits`;
//! - ciphertext: ChaCha20-Poly1305 under `SHA-256("lync-quickcall/enc\0" || salt || key)`
//!   with an all-zero nonce, base64.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use lync_quickcall::published::lookup_key;
use lync_quickcall::Contact;
use sha2::{Digest, Sha256};

fn salted(domain: &[u8], salt: &[u8; 32], contact: &Contact) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(domain);
    h.update(salt);
    h.update(lookup_key(contact).as_bytes());
    h.finalize().into()
}

/// The lookup id of `contact` under `salt`.
pub fn lookup_id(salt: &[u8; 32], contact: &Contact) -> [u8; 16] {
    let d = salted(b"lync-quickcall/1\0", salt, contact);
    let mut id = [0u8; 16];
    id.copy_from_slice(&d[..16]);
    id
}

/// The shard an id belongs to with `bits` shard bits.
pub fn shard_of(id: &[u8; 16], bits: u8) -> u32 {
    let prefix = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
    if bits == 0 {
        0
    } else {
        prefix >> (32 - u32::from(bits.min(32)))
    }
}

/// `[lookup id, ciphertext]` of `plaintext` sealed for `contact`, as a shard lists it.
pub fn entry(salt: &[u8; 32], contact: &Contact, plaintext: &[u8]) -> (String, String) {
    let key = salted(b"lync-quickcall/enc\0", salt, contact);
    let ciphertext = ChaCha20Poly1305::new(Key::from_slice(&key))
        .encrypt(Nonce::from_slice(&[0; 12]), plaintext)
        .unwrap_or_default();
    (
        URL_SAFE_NO_PAD.encode(lookup_id(salt, contact)),
        STANDARD.encode(ciphertext),
    )
}
