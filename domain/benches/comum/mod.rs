//! What the benchmarks share: a deterministic generator, so inputs are the same on every run
//! without extra dependencies.

/// A linear congruential generator with Knuth's MMIX constants; the high bits are the useful
/// ones.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    /// The next 53-bit value.
    pub(crate) fn proximo(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }
}
