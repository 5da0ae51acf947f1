//! Run manifest: experiment hash, seed, input fingerprints, crate version, timings.
