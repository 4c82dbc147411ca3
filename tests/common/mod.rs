//! Helpers shared by the integration tests.

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
