//! Fuzz target for the DSN line and block parser: any byte string, plain or
//! gzip-looking, in lenient and strict mode, must return without panicking, lenient
//! counts must reconcile, and no reject text or message may hold a run of 13 digits or
//! more (a possible NIR).
//!
//! Run: `cd tests/fuzz && cargo +nightly fuzz run dsn_parse ../fixtures/dsn`
#![no_main]

use engagement::dsn::{read_bytes, PseudoKey, ReadOptions};
use libfuzzer_sys::fuzz_target;

fn has_long_run(b: &[u8]) -> bool {
    b.split(|c| !c.is_ascii_digit()).any(|run| run.len() >= 13)
}

fuzz_target!(|data: &[u8]| {
    let mut opts = ReadOptions::new(PseudoKey::demo());
    if let Ok(ing) = read_bytes("fuzz.dsn", data, &opts) {
        assert!(ing.report.reconciles());
        for r in &ing.rejects {
            assert!(!has_long_run(&r.text));
            assert!(!has_long_run(r.problem.to_string().as_bytes()));
        }
    }
    opts.strict = true;
    if let Err(e) = read_bytes("fuzz.dsn", data, &opts) {
        assert!(!has_long_run(e.to_string().as_bytes()));
    }
});
