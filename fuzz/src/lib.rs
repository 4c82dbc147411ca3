//! Helpers shared by the fuzz targets in `fuzz_targets/`.
//!
//! - [`invariants`]: what must hold of a quick call URL and of an export read back, for
//!   any input; `tests/properties.rs` includes the same file, so the property tests of
//!   `cargo test` and the fuzz targets check one set of rules;
//! - [`seal`]: sealing a fuzzed entry as the export tool does, so that the fuzzer gets
//!   past decryption to the entry's parser;
//! - [`Bytes`]: a small reader of the fuzzer's bytes for structured inputs.
//!
//! Every file the targets sign is signed with [`signing_key`], a fixed test key, so the
//! fuzzer gets past the signature check to the readers behind it.

#![forbid(unsafe_code)]

pub mod invariants;
pub mod seal;

use ed25519_dalek::SigningKey;
use lync_quickcall::{PublicKey, TrustedKeys};

/// The test key every fuzzed file is signed with: the fixture export's
/// (`SigningKey::from_bytes(&[1; 32])`, see `src/published/fixture_tests.rs`), so that
/// the committed export in `tests/fixtures/export/` verifies too.
pub fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[1; 32])
}

/// The keys trusted by the targets: [`signing_key`]'s public half.
pub fn trusted() -> TrustedKeys {
    TrustedKeys::new(vec![PublicKey::of(&signing_key())]).unwrap_or_else(|| unreachable!())
}

/// A reader of the fuzzer's bytes: numbers and choices from the front, strings of a
/// length read first. Past the end every read gives zeros or empty strings, so any input
/// is a complete value (the fuzzer learns the layout from coverage).
pub struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    /// Reads `data`.
    pub fn new(data: &'a [u8]) -> Bytes<'a> {
        Bytes(data)
    }

    /// One byte (0 past the end).
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// A choice among `n` (`n` > 0).
    pub fn choose(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }

    /// Whether the next byte is odd.
    pub fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// A little-endian `u64` from the next eight bytes.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.byte();
        }
        u64::from_le_bytes(b)
    }

    /// `N` bytes.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut b = [0u8; N];
        for x in &mut b {
            *x = self.byte();
        }
        b
    }

    /// Up to `max` bytes, the count read first.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let len = usize::from(self.byte()).min(max).min(self.0.len());
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        head
    }

    /// A string of up to `max` bytes (invalid UTF-8 replaced).
    pub fn string(&mut self, max: usize) -> String {
        String::from_utf8_lossy(self.bytes(max)).into_owned()
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }

    /// Whether nothing is left.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A "random" generator that repeats one byte: deterministic exports
/// (`published::Fresh` can only be drawn from a generator, and is consumed by `build`).
pub use invariants::Fixed;
