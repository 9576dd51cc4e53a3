//! A tiny deterministic pseudo-random generator for the synthetic people.
//!
//! Why hand-rolled instead of `rand::rngs::StdRng`: `StdRng` documents that its algorithm may
//! change between `rand` releases, and the simulator's output must stay byte-identical for a
//! given seed forever (tests and cross-provider comparisons pin it). SplitMix64 is ten lines,
//! public-domain, passes BigCrush for this kind of use, and is fast enough to generate
//! thousands of person-days per millisecond. It is NOT for secrets: tokens and codes use UUID v4.

use sha2::{Digest, Sha256};

/// Stream tags keep independent aspects of a day (sleep, activity, meals, ...) on separate
/// sequences, so generating one never shifts the numbers of another.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    Profile = 1,
    Sleep = 2,
    Activity = 3,
    Workout = 4,
    Body = 5,
    Meals = 6,
}

/// SplitMix64 (Steele, Lea & Flood 2014; constants from Vigna's reference implementation).
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator for one stream of one day of one person.
    pub(crate) fn for_day(person_seed: u64, stream: Stream, day_number: i64) -> Self {
        let mixed = person_seed
            ^ (stream as u64).wrapping_mul(0xA076_1D64_78BD_642F)
            ^ (day_number as u64).wrapping_mul(0xE703_7ED1_A0B4_28DB);
        let mut warmup = Self::new(mixed);
        Self::new(warmup.next_u64())
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [low, high).
    pub(crate) fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Uniform integer in [low, high] (inclusive); `low` when the range is empty.
    pub(crate) fn int(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = (high - low) as u64 + 1;
        low + (self.next_u64() % span) as i64
    }

    pub(crate) fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// Normal variate by Box–Muller.
    pub(crate) fn normal(&mut self, mean: f64, std_dev: f64) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        mean + std_dev * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Picks one element; `None` only for an empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let index = (self.next_u64() % items.len() as u64) as usize;
        items.get(index)
    }
}

/// Stable 64-bit seed from a string (SHA-256, first 8 bytes). `DefaultHasher` is not used
/// because its algorithm is explicitly unspecified across Rust releases.
pub(crate) fn seed_from_str(text: &str) -> u64 {
    let digest = Sha256::digest(text.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_sequence_and_different_seeds_differ() {
        let mut a = SplitMix64::new(seed_from_str("alice"));
        let mut b = SplitMix64::new(seed_from_str("alice"));
        let mut c = SplitMix64::new(seed_from_str("bob"));
        let seq_a: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let seq_b: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let seq_c: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(seq_a, seq_b);
        assert_ne!(seq_a, seq_c);
    }

    #[test]
    fn splitmix_matches_reference_vector() {
        // Reference output of Vigna's splitmix64.c for seed 1234567.
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..10_000 {
            let x = rng.range(2.0, 3.0);
            assert!((2.0..3.0).contains(&x));
            let n = rng.int(-3, 3);
            assert!((-3..=3).contains(&n));
        }
        assert_eq!(rng.int(5, 5), 5);
        assert_eq!(rng.pick::<u8>(&[]), None);
    }
}
