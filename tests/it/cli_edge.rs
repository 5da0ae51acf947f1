//! The CLI edge: exit codes by kind, each error cause said once, and a closed pipe ends the
//! program quietly.

use crate::common::{bin, fixture};
use std::io::Read;
use std::process::Stdio;

#[test]
fn a_closed_pipe_ends_quietly() {
    // `estimate did` prints a long JSON document on stdout; the reader goes away at once.
    let mut child = bin()
        .args(["estimate", "did", "--input"])
        .arg(fixture("estimate/balanced.csv"))
        .args(["--unit", "unit", "--time", "time", "--outcome", "y"])
        .args(["--cohort", "cohort", "--bootstrap-iterations", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(status.code(), Some(101), "{err}");
}

#[test]
fn an_os_error_is_said_once_with_the_io_code() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.csv");
    let o = bin()
        .args(["estimate", "did", "--input"])
        .arg(&missing)
        .args([
            "--unit",
            "u",
            "--time",
            "t",
            "--outcome",
            "y",
            "--cohort",
            "c",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let os = std::io::Error::from(std::io::ErrorKind::NotFound).to_string();
    let said = err
        .matches("No such file")
        .count()
        .max(err.matches(&os).count());
    assert_eq!(said, 1, "{err}");
    assert!(err.contains("missing.csv"), "{err}");
    assert!(
        matches!(o.status.code(), Some(65 | 74)),
        "{:?}",
        o.status.code()
    );
}

#[test]
fn usage_errors_have_their_own_code() {
    let o = bin().args(["run", "--no-such-flag"]).output().unwrap();
    assert_eq!(o.status.code(), Some(64));
    let o = bin().arg("--help").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let o = bin()
        .args(["run", "no/such/experiment.toml"])
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(65 | 74)),
        "{:?}",
        o.status.code()
    );
}
