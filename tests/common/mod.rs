//! Helpers shared by the integration tests. (Each test binary uses some of them.)
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A folder under the system's temporary directory, removed when dropped; `name` tells
/// the test's folders apart (the process id tells runs apart).
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// Creates `<tmp>/lqc-<pid>-<name>`, empty.
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("lqc-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The text of `www/<name>` (the page's sources).
pub fn www(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("www").join(name)).unwrap()
}

/// A "random" generator that repeats one byte: deterministic test exports (the same
/// export id and salt from run to run). Only tests may do this: `Fresh` values must
/// otherwise come from the operating system's generator.
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
