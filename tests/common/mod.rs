//! Helpers shared by the integration tests: the binary under test and fixture paths.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate's root folder.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// The `engagement` binary built for these tests, run from the crate root.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_engagement"));
    c.current_dir(root());
    c
}
