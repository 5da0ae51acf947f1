//! Outputs cannot delete what they should not, and a run killed at any instant leaves
//! either the previous report or the new one, whole.

use crate::common::{bin, fixture};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every file under `dir` with its content: a before/after picture of a sandbox.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), Vec::new());
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    out
}

const TINY: &str = "[experiment]\nname = \"tiny\"\nseed = 11\n[territory]\n\
    departements = [\"35\"]\n[generator]\nestablishments = 300\nstart_year = 2021\n\
    years = 3\nburn_in_months = 12\n[score]\nmin_peers = 10\n[retention]\n\
    iae_exits = 150\nlong_term_unemployed = 200\nyoung_unqualified = 100\n\
    ipw_bootstrap = 10\n";

/// A sandbox `root/work` holding an experiment, a DSN input folder and an earlier report,
/// with a sibling `root/outside` that no command may touch.
fn sandbox() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let work = root.path().join("work");
    for d in ["reports/tiny/keep", "dsn/2023", "outside"] {
        std::fs::create_dir_all(work.join(d)).unwrap();
    }
    std::fs::create_dir_all(root.path().join("outside")).unwrap();
    std::fs::write(root.path().join("outside/precious.txt"), "do not delete").unwrap();
    std::fs::write(work.join("tiny.toml"), TINY).unwrap();
    std::fs::write(work.join("reports/tiny/keep/index.html"), "earlier run").unwrap();
    std::fs::copy(
        fixture("dsn/sample_hand.dsn"),
        work.join("dsn/2023/sample.dsn"),
    )
    .unwrap();
    (root, work)
}

fn run_in(work: &Path, args: &[&str]) -> std::process::Output {
    let mut c: Command = bin();
    c.current_dir(work).env_remove("ENGAGEMENT_KEY").arg("-q");
    c.args(args).output().unwrap()
}

#[test]
fn path_attacks_change_nothing_outside_the_intended_folder() {
    let (root, work) = sandbox();
    let abs = root.path().join("outside").display().to_string();
    let attacks: Vec<Vec<&str>> = vec![
        vec!["run", "tiny.toml", "--run-id", ""],
        vec!["run", "tiny.toml", "--run-id", "."],
        vec!["run", "tiny.toml", "--run-id", ".."],
        vec!["run", "tiny.toml", "--run-id", "../.."],
        vec!["run", "tiny.toml", "--run-id", "a/b"],
        vec!["run", "tiny.toml", "--run-id", &abs],
        vec![
            "ingest",
            "--demo-key",
            "dsn/2023",
            "--out",
            "dsn",
            "--force",
        ],
        vec![
            "ingest",
            "--demo-key",
            "dsn/2023",
            "--out",
            "dsn/2023",
            "--force",
        ],
        vec![
            "ingest",
            "--demo-key",
            "dsn",
            "--out",
            "dsn/2023/out",
            "--force",
        ],
        vec!["ingest", "--demo-key", "dsn/2023", "--out", ".", "--force"],
        vec!["ingest", "--demo-key", "dsn/2023", "--out", "..", "--force"],
        vec!["ingest", "--demo-key", "dsn/2023", "--out", "/", "--force"],
        vec!["generate", "-e", "tiny.toml", "--out", ".", "--force"],
        vec!["generate", "-e", "tiny.toml", "--out", "..", "--force"],
    ];
    for attack in &attacks {
        let before = tree(root.path());
        let o = run_in(&work, attack);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{attack:?} was accepted");
        assert!(
            matches!(o.status.code(), Some(64 | 65)),
            "{attack:?}: exit {:?}: {err}",
            o.status.code()
        );
        assert!(err.starts_with("error: "), "{attack:?}: {err}");
        assert_eq!(tree(root.path()), before, "{attack:?} changed files");
    }
}

/// The files of a complete report and which run wrote them (`fr` or `en`).
fn report_state(dir: &Path) -> Result<&'static str, String> {
    let results = std::fs::read_to_string(dir.join("results.json")).map_err(|e| e.to_string())?;
    let html = std::fs::read_to_string(dir.join("index.html")).map_err(|e| e.to_string())?;
    std::fs::read_to_string(dir.join("manifest.json")).map_err(|e| e.to_string())?;
    let tables = std::fs::read_dir(dir.join("tables"))
        .map_err(|e| e.to_string())?
        .count();
    if tables < 10 {
        return Err(format!("only {tables} tables"));
    }
    serde_json::from_str::<serde_json::Value>(&results).map_err(|e| e.to_string())?;
    match (html.contains("lang=\"fr\""), html.contains("lang=\"en\"")) {
        (true, false) => Ok("fr"),
        (false, true) => Ok("en"),
        _ => Err("cannot tell the report's language".into()),
    }
}

/// Hidden temporary siblings left in the experiment's report folder.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn a_run_killed_at_any_point_leaves_the_old_report_or_the_new_one() {
    let (_root, work) = sandbox();
    let report = work.join("reports/tiny/r1");
    let first = run_in(
        &work,
        &["run", "tiny.toml", "--run-id", "r1", "--lang", "fr"],
    );
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(report_state(&report), Ok("fr"));
    let points = [
        "run-after-data",
        "run-after-score",
        "run-after-exposure",
        "run-after-tables",
        "run-after-retention",
        "run-after-sheets",
        "run-after-report",
        "run-before-commit",
        "output-before-swap",
        "output-after-swap",
    ];
    for point in points {
        let mut c: Command = bin();
        c.current_dir(&work).arg("-q");
        c.args(["run", "tiny.toml", "--run-id", "r1", "--lang", "en"]);
        let o = c.env("ENGAGEMENT_CRASH_AT", point).output().unwrap();
        assert!(!o.status.success(), "{point}: the run was not stopped");
        let state = report_state(&report);
        let expected = if point == "output-after-swap" {
            "en"
        } else {
            "fr"
        };
        assert_eq!(state, Ok(expected), "after a crash at {point}");
        // Put the French report back for the next kill point.
        if expected == "en" {
            let o = run_in(
                &work,
                &["run", "tiny.toml", "--run-id", "r1", "--lang", "fr"],
            );
            assert!(o.status.success());
        }
    }
    // The next complete run removes what the crashed ones left behind.
    let last = run_in(
        &work,
        &["run", "tiny.toml", "--run-id", "r1", "--lang", "en"],
    );
    assert!(
        last.status.success(),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );
    assert_eq!(report_state(&report), Ok("en"));
    assert_eq!(leftovers(&work.join("reports/tiny")), Vec::<String>::new());
}
