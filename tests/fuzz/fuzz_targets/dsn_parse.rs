//! Fuzz target for the DSN line and block parser: any byte string, plain or
//! gzip-looking, in lenient and strict mode, must return without panicking, and lenient
//! counts must reconcile.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run dsn_parse ../tests/fixtures/dsn`
#![no_main]

use engagement::dsn::{read_bytes, PseudoKey, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut opts = ReadOptions::new(PseudoKey::demo());
    if let Ok(ing) = read_bytes("fuzz.dsn", data, &opts) {
        assert!(ing.report.reconciles());
    }
    opts.strict = true;
    let _ = read_bytes("fuzz.dsn", data, &opts);
});
