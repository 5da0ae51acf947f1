//! Inputs that cannot be trusted and commands that do what their help says: results.json is
//! validated, unrelated runs are not compared silently, `score --weights` scores with those
//! weights, `list` refuses unknown or ambiguous sectors and zones, `feedback` takes the
//! documented period format and writes a batch with its send log.

use crate::common::{bin, fixture};
use std::path::Path;

const TINY: &str = include_str!("../fixtures/report/tiny_results.json");

fn run_report(dir: &Path, json: &str) -> (bool, String) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("results.json"), json).unwrap();
    let o = bin().args(["report"]).arg(dir).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

#[test]
fn report_refuses_foreign_or_tampered_results() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, err) = run_report(&tmp.path().join("a"), "{}");
    assert!(!ok && err.contains("schema_version"), "{err}");
    let (ok, err) = run_report(
        &tmp.path().join("b"),
        &TINY.replacen("\"schema_version\": 3", "\"schema_version\": 99", 1),
    );
    assert!(
        !ok && err.contains("99") && err.contains("version 3"),
        "{err}"
    );
    let (ok, err) = run_report(
        &tmp.path().join("c"),
        &TINY.replacen("\"n_persons\": 61234,", "", 1),
    );
    assert!(!ok && err.contains("n_persons"), "{err}");
    let (ok, err) = run_report(
        &tmp.path().join("d"),
        &TINY.replacen(
            "\"n_persons\": 61234,",
            "\"n_persons\": 61234, \"extra\": 1,",
            1,
        ),
    );
    assert!(!ok && err.contains("extra"), "{err}");
    // No report was written for any of them.
    for d in ["a", "b", "c", "d"] {
        assert!(!tmp.path().join(d).join("index.html").exists());
    }
    let (ok, err) = run_report(&tmp.path().join("e"), TINY);
    assert!(ok, "{err}");
}

#[test]
fn unrelated_runs_compare_only_when_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("A"), tmp.path().join("B"));
    for (d, json) in [
        (&da, TINY.to_string()),
        (
            &db,
            TINY.replace("\"experiment\": \"tiny\"", "\"experiment\": \"other\"")
                .replace("7d1e2f3a4b5c", "000000000000"),
        ),
    ] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("results.json"), json).unwrap();
    }
    let o = bin().args(["compare"]).arg(&da).arg(&db).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("--allow-different"),
        "{err}"
    );
    let o = bin()
        .args(["-q", "compare"])
        .arg(&da)
        .arg(&db)
        .args(["--allow-different", "--out"])
        .arg(tmp.path().join("cmp"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(tmp.path().join("cmp/flips.csv").exists());
}

fn ok(args: &[&str], extra: &[&Path]) -> String {
    let mut c = bin();
    c.args(args);
    for p in extra {
        c.arg(p);
    }
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn fails(args: &[&str], scores: &Path) -> String {
    let o = bin()
        .args(args)
        .arg("--scores")
        .arg(scores)
        .output()
        .unwrap();
    assert!(!o.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn score_list_and_feedback_do_what_their_help_says() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, base, alt) = (
        tmp.path().join("data"),
        tmp.path().join("base"),
        tmp.path().join("alt"),
    );
    let exp = fixture("score/small.toml");
    ok(&["-q", "generate", "-e"], &[&exp, Path::new("-o"), &data]);
    ok(
        &["-q", "score", "--data"],
        &[&data, Path::new("-e"), &exp, Path::new("-o"), &base],
    );
    let weights = fixture("score/weights_hiring_only.toml");
    ok(
        &["-q", "score", "--data"],
        &[
            &data,
            Path::new("-e"),
            &exp,
            Path::new("-o"),
            &alt,
            Path::new("--weights"),
            &weights,
        ],
    );
    // `score --weights` scores with those weights.
    let (a, b) = (
        std::fs::read(base.join("scores.csv")).unwrap(),
        std::fs::read(alt.join("scores.csv")).unwrap(),
    );
    assert_ne!(a, b, "scores.csv must change with the weights");
    assert!(alt.join("sensitivity_weights.json").exists());

    // `list`: unknown sector and ambiguous zone are errors, not empty tables.
    let err = fails(&["list", "--sector", "restauration"], &base);
    assert!(err.contains("restauration") && err.contains("56"), "{err}");
    let err = fails(&["list", "--zone", "53"], &base);
    assert!(err.contains("ambiguous") && err.contains("reg:53"), "{err}");
    let err = fails(&["list", "--zone", "dep:53"], &base);
    assert!(err.contains("no scored establishment"), "{err}");
    let json = ok(
        &[
            "list", "--format", "json", "--all", "--size", "10-49", "--zone", "dep:35", "--scores",
        ],
        &[&base],
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r["size_band"] == "10-49"));
    let csv = ok(&["list", "--format", "csv", "--all", "--scores"], &[&base]);
    assert!(csv.lines().skip(1).all(|l| !l.starts_with('=')));
    // The table fits the terminal width unless --wide.
    let mut c = bin();
    let o = c
        .env("COLUMNS", "90")
        .args(["list", "--all", "--scores"])
        .arg(&base)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.lines().all(|l| l.chars().count() <= 90), "{text}");

    // `feedback --period 2024-T4` as documented, and a batch with its send log.
    let siret = rows[0]["siret"].as_str().unwrap();
    let sheet = tmp.path().join("sheet.html");
    ok(
        &[
            "-q", "feedback", "--siret", siret, "--period", "2024-T4", "--scores",
        ],
        &[&base, Path::new("--out"), &sheet],
    );
    assert!(std::fs::read_to_string(&sheet).unwrap().contains(siret));
    let batch = tmp.path().join("batch");
    ok(
        &["-q", "feedback", "--all", "--scores"],
        &[&base, Path::new("--out"), &batch],
    );
    let log = std::fs::read_to_string(batch.join("send_log.csv")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines[0], "siret,period,file,sha256");
    assert!(lines.len() > 100);
    for l in &lines[1..4] {
        let f: Vec<&str> = l.split(',').collect();
        assert!(batch.join(f[2]).exists() && f[3].len() == 64, "{l}");
    }
}
