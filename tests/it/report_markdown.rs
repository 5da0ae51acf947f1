//! Snapshot tests of the rendered Markdown (tables, headings, figure links) on the tiny fixed
//! fixture. Snapshots live in tests/fixtures/report/snapshots/; to accept a deliberate change,
//! rerun with `UPDATE_SNAPSHOTS=1 cargo test --test it report_markdown` and review the diff.

use engagement::config::Lang;
use engagement::report::{self, compare_runs, RunResults};
use std::path::Path;

const TINY: &str = include_str!("../fixtures/report/tiny_results.json");

fn fixture() -> RunResults {
    RunResults::from_json(TINY).unwrap()
}

fn check_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/report/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing snapshot {}: {e}", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "snapshot {name} differs at line {}:\n expected: {:?}\n   actual: {:?}",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

fn markdown(r: &RunResults, lang: Lang) -> String {
    let files = report::render_run_files(r, lang).unwrap();
    let md = files
        .iter()
        .find(|f| f.0 == Path::new("report.md"))
        .unwrap();
    String::from_utf8(md.1.clone()).unwrap()
}

#[test]
fn run_report_markdown_fr() {
    check_snapshot("report_fr.md", &markdown(&fixture(), Lang::Fr));
}

#[test]
fn run_report_markdown_en() {
    check_snapshot("report_en.md", &markdown(&fixture(), Lang::En));
}

#[test]
fn comparison_markdown() {
    let a = fixture();
    let mut b = fixture();
    let s = b.score.as_mut().unwrap();
    s.criteria[1].weight = 0.05;
    s.reference_scores[3].label = engagement::report::results::Label::Exemplary;
    s.reference_scores[4].score = Some(99.0);
    b.exposure.as_mut().unwrap().estimates[0].estimate = 3.5;
    let c = compare_runs("A", &a, "B", &b);
    let files = report::render_comparison_files(&c, Lang::Fr).unwrap();
    check_snapshot("compare_fr.md", std::str::from_utf8(&files[1].1).unwrap());
}

#[test]
fn markdown_tables_have_aligned_headers() {
    // Every table header row is followed by an alignment row with as many columns.
    let md = markdown(&fixture(), Lang::Fr);
    let lines: Vec<&str> = md.lines().collect();
    let mut n = 0;
    for w in lines.windows(2) {
        if w[1].starts_with("| :---") || w[1].starts_with("| ---:") {
            assert!(w[0].starts_with('|'), "{}", w[0]);
            let cols = |s: &str| s.matches(" |").count();
            assert_eq!(cols(w[0]), cols(w[1]), "{}", w[0]);
            n += 1;
        }
    }
    assert!(n >= 20, "{n} tables");
}
