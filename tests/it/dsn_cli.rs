//! `engagement ingest` end to end: key handling, outputs, rejects, strict mode.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    let mut c = crate::common::bin();
    c.env_remove("ENGAGEMENT_KEY");
    c
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dsn")
}

fn all_text(dir: &Path) -> String {
    let mut s = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            s.push_str(&all_text(&p));
        } else {
            s.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    s
}

#[test]
fn refuses_without_key() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["ingest", "--out"])
        .arg(tmp.path().join("o"))
        .arg(fixtures().join("sample_hand.dsn"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ENGAGEMENT_KEY"), "{err}");
    assert!(!tmp.path().join("o").exists());
}

#[test]
fn lenient_ingest_writes_tables_report_and_rejects() {
    let tmp = tempfile::tempdir().unwrap();
    let o = tmp.path().join("o");
    let out = bin()
        .args(["ingest", "--demo-key", "--format", "csv", "--out"])
        .arg(&o)
        .arg(fixtures().join("bad"))
        .arg(fixtures().join("sample_hand.dsn"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("25 read = 15 ingested + 10 rejected"), "{err}");
    for f in [
        "contracts.csv",
        "persons.csv",
        "establishments.csv",
        "stoppages.csv",
    ] {
        assert!(o.join(f).exists(), "{f}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(o.join("ingest_report.json")).unwrap())
            .unwrap();
    assert_eq!(report["demo_key"], true);
    assert_eq!(report["declarations_rejected"], 10);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(o.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["demo"], true);
    let rejects: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(o.join("rejects/rejects.json")).unwrap())
            .unwrap();
    assert_eq!(rejects.as_array().unwrap().len(), 10);
    assert_eq!(std::fs::read_dir(o.join("rejects")).unwrap().count(), 11);
    let text = all_text(&o);
    for nir in [
        "1850175123456",
        "2900269123789",
        "1750313456001",
        "2801075111222",
    ] {
        assert!(!text.contains(nir), "NIR {nir} leaked into the outputs");
    }
    // A second run into the same directory is refused without --force.
    let again = bin()
        .args(["ingest", "--demo-key", "--out"])
        .arg(&o)
        .arg(fixtures().join("sample_hand.dsn"))
        .output()
        .unwrap();
    assert!(!again.status.success());
}

#[test]
fn strict_stops_with_location() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["ingest", "--strict", "--out"])
        .arg(tmp.path().join("o"))
        .arg(fixtures().join("bad/impossible_date.dsn"))
        .env("ENGAGEMENT_KEY", "a-secret-key-of-32-bytes-or-more!!")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("impossible_date.dsn:54: S21.G00.62.001: invalid_date"),
        "{err}"
    );
    assert!(!tmp.path().join("o").exists(), "nothing written on failure");
}

#[test]
fn key_from_env_is_not_demo() {
    let tmp = tempfile::tempdir().unwrap();
    let o = tmp.path().join("o");
    let out = bin()
        .args(["ingest", "-q", "--out"])
        .arg(&o)
        .arg(fixtures().join("sample_hand.dsn"))
        .env("ENGAGEMENT_KEY", "a-secret-key-of-32-bytes-or-more!!")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(o.join("ingest_report.json")).unwrap();
    assert!(report.contains("\"demo_key\": false"));
    assert!(o.join("contracts.parquet").exists());
}
