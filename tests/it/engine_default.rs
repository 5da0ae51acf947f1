//! A build without the `engine` feature asked for the out-of-core path says which feature
//! it needs and why, exits as bad usage of this binary (65), and writes nothing.

use crate::common::{bin, fixture};

fn score_fails(extra: &[&str], why: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = bin()
        .args(["-q", "score", "--data"])
        .arg(dir.path())
        .arg("-e")
        .arg(fixture("score/small.toml"))
        .arg("-o")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(65), "{err}");
    assert!(err.contains(why), "{err}");
    assert!(err.contains("--features engine"), "{err}");
    assert!(!out.exists(), "no output");
}

#[test]
fn engine_path_without_the_feature_is_named() {
    score_fails(
        &["--engine", "engine"],
        "--engine engine asks for the out-of-core engine",
    );
    score_fails(
        &["--cluster", "df://127.0.0.1:1"],
        "--cluster runs the out-of-core engine",
    );
}
