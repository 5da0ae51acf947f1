//! Independent, reproducible random streams.
//!
//! Every draw comes from a ChaCha8 stream keyed by (experiment seed, purpose, a, b), for
//! example (seed, HIRES, establishment, month). Changing one parameter therefore only
//! changes the draws of the purpose it feeds, the exposure counterfactual reuses the
//! same numbers for everything else (common random numbers), and the output does not
//! depend on thread count or processing order.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub const ESTABLISHMENTS: u64 = 1;
pub const TRAITS: u64 = 2;
pub const HIRES: u64 = 3;
pub const EXITS: u64 = 4;
pub const ACCIDENTS: u64 = 5;
pub const PERSONS: u64 = 6;
pub const EXPOSURE: u64 = 7;
pub const SHORT_CDD: u64 = 8;
pub const INTERNSHIPS: u64 = 9;
pub const STOCK: u64 = 10;
pub const RETENTION: u64 = 11;

/// SplitMix64 finaliser: a bijective mix of 64 bits.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Key of a stream.
pub fn key(seed: u64, purpose: u64, a: u64, b: u64) -> u64 {
    mix(mix(mix(seed ^ mix(purpose)) ^ a) ^ b.wrapping_mul(0xD6E8_FEB8_6659_FD93))
}

/// A stream for one purpose and one (a, b) cell.
pub fn stream(seed: u64, purpose: u64, a: u64, b: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(key(seed, purpose, a, b))
}
