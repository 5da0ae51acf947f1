//! `engagement compare`: label flips, Kendall τ-b and estimate changes between two runs.

use engagement::config::Lang;
use engagement::report::results::{Estimator, Label};
use engagement::report::{self, check, compare_runs, RunResults};
use std::process::Command;

const TINY: &str = include_str!("../fixtures/report/tiny_results.json");

fn fixture() -> RunResults {
    RunResults::from_json(TINY).unwrap()
}

/// Run B: two weights changed, some levels moved up or down, TWFE estimate changed.
fn variant() -> RunResults {
    let mut b = fixture();
    let s = b.score.as_mut().unwrap();
    s.criteria[0].weight = 0.2;
    s.criteria[5].weight = 0.1;
    for (i, e) in s.reference_scores.iter_mut().enumerate() {
        let Some(l) = e.label.level() else { continue };
        if i % 4 == 0 && l < 3 {
            e.label = Label::level_of(l + 1);
        } else if i % 7 == 0 && l > 0 {
            e.label = Label::level_of(l - 1);
        }
    }
    b.exposure.as_mut().unwrap().estimates[2].estimate = 2.0;
    b
}

#[test]
fn identical_runs_have_no_flips_and_tau_one() {
    let a = fixture();
    let c = compare_runs("a", &a, "b", &a);
    let n = a.score.as_ref().unwrap().reference_scores.len() as u64;
    assert_eq!((c.n_common, c.n_only_a, c.n_only_b), (n, 0, 0));
    assert_eq!(c.n_flips, 0);
    assert!(c.flips.is_empty());
    assert_eq!(c.kendall_tau_b, Some(1.0));
    assert!((c.spearman.unwrap() - 1.0).abs() < 1e-12);
    let diag: u64 = (0..c.flip_matrix.len()).map(|i| c.flip_matrix[i][i]).sum();
    assert_eq!(diag, n);
    // Scores not calculable (every 11th) are left out of τ and counted apart.
    assert_eq!(c.n_common_scored, n - 4);
    assert_eq!(c.n_not_calculable_either, 4);
}

#[test]
fn flips_weights_and_estimates_are_counted() {
    let (a, b) = (fixture(), variant());
    let c = compare_runs("a", &a, "b", &b);
    let ra = &a.score.as_ref().unwrap().reference_scores;
    let rb = &b.score.as_ref().unwrap().reference_scores;
    let lv = |l: Label| l.level();
    let up = ra
        .iter()
        .zip(rb)
        .filter(|(x, y)| lv(y.label) > lv(x.label) && lv(x.label).is_some())
        .count() as u64;
    let down = ra
        .iter()
        .zip(rb)
        .filter(|(x, y)| lv(y.label) < lv(x.label) && lv(y.label).is_some())
        .count() as u64;
    assert!(up > 0 && down > 0);
    assert_eq!((c.n_up, c.n_down, c.n_flips), (up, down, up + down));
    let by_sector: u64 = c.flips_by_sector.iter().map(|s| s.up + s.down).sum();
    assert_eq!(by_sector, up + down);
    // Scores are unchanged, so the rank correlation stays 1.
    assert_eq!(c.kendall_tau_b, Some(1.0));
    assert_eq!(c.flips.len() as u64, up + down);
    let csv = report::compare::flips_csv(&c);
    assert_eq!(csv.lines().count() as u64, 1 + up + down);
    let w = c
        .weights
        .iter()
        .find(|w| w.key.name() == "turnover")
        .unwrap();
    assert_eq!((w.a, w.b), (Some(0.2), Some(0.1)));
    let e = c
        .estimates
        .iter()
        .find(|e| {
            e.key
                == report::compare::EstimateKey::Exposure {
                    estimator: Estimator::Twfe,
                }
        })
        .unwrap();
    assert_eq!((e.a, e.b), (Some(2.41), Some(2.0)));
}

#[test]
fn reversed_scores_give_tau_minus_one_and_missing_sirets_are_counted() {
    let a = fixture();
    let mut b = fixture();
    let s = b.score.as_mut().unwrap();
    for e in s.reference_scores.iter_mut() {
        e.score = e.score.map(|v| 100.0 - v);
    }
    s.reference_scores.truncate(30);
    let c = compare_runs("a", &a, "b", &b);
    assert_eq!((c.n_common, c.n_only_a, c.n_only_b), (30, 10, 0));
    assert!((c.kendall_tau_b.unwrap() + 1.0).abs() < 1e-12);
}

#[test]
fn runs_without_scores_compare_without_panicking() {
    let c = compare_runs("a", &RunResults::default(), "b", &RunResults::default());
    assert_eq!(c.n_common, 0);
    assert_eq!(c.kendall_tau_b, None);
    let files = report::render_comparison_files(&c, Lang::En).unwrap();
    let html = String::from_utf8(files[0].1.clone()).unwrap();
    check::well_formed(&html).unwrap();
    assert!(html.contains("No establishment in common"));
}

#[test]
fn compare_command_writes_html_markdown_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("A"), tmp.path().join("B"));
    std::fs::create_dir_all(&da).unwrap();
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(da.join("results.json"), TINY).unwrap();
    std::fs::write(db.join("results.json"), variant().to_json().unwrap()).unwrap();
    let out = tmp.path().join("cmp");
    let o = Command::new(env!("CARGO_BIN_EXE_engagement"))
        .args(["--quiet", "compare"])
        .arg(&da)
        .arg(&db)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    check::well_formed(&html).unwrap();
    assert!(check::external_references(&html).is_empty());
    for id in ["runs", "flips", "rank", "weights", "estimates"] {
        assert!(html.contains(&format!("<section id=\"{id}\"")), "{id}");
    }
    assert!(out.join("report.md").exists());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("comparison.json")).unwrap())
            .unwrap();
    assert!(json["n_flips"].as_u64().unwrap() > 0);
}
