//! The simulators' random values: codes, tokens and chaos draws that only need to look random
//! and not repeat, from one small generator.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// SplitMix64: a tiny, good-enough generator for values that only need to look random. Not
/// for anything secret.
#[derive(Debug)]
pub struct Gerador(u64);

impl Default for Gerador {
    fn default() -> Gerador {
        Gerador::novo()
    }
}

impl Gerador {
    /// Seeded from the clock and a process-wide counter, so two simulators started at the
    /// same instant still differ.
    pub fn novo() -> Gerador {
        static INSTANCIAS: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let n = INSTANCIAS.fetch_add(1, Ordering::Relaxed);
        // Truncation is fine: any 64 bits of the clock make a seed.
        Gerador((nanos as u64) ^ n.wrapping_mul(0xD6E8_FEB8_6659_FD93))
    }

    /// The next 64 bits.
    pub fn proximo(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `quantos` random bytes.
    pub fn bytes(&mut self, quantos: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(quantos + 8);
        while v.len() < quantos {
            v.extend_from_slice(&self.proximo().to_le_bytes());
        }
        v.truncate(quantos);
        v
    }

    /// A uniform draw in `[0, 1)` (53 random bits).
    pub fn fracao(&mut self) -> f64 {
        (self.proximo() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_in_range_and_two_generators_differ() {
        let (mut a, mut b) = (Gerador::novo(), Gerador::novo());
        assert_ne!(a.proximo(), b.proximo());
        assert_eq!(a.bytes(13).len(), 13);
        assert!(
            (0..1000)
                .map(|_| a.fracao())
                .all(|u| (0.0..1.0).contains(&u))
        );
    }
}
