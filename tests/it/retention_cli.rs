//! `engagement estimate retention` end to end, and the documented bad-input cases.

use crate::common::bin;
use engagement::retention::cox::CoxError;
use engagement::retention::{estimate_retention, PersonTable, RetentionError, RetentionOptions};
use std::path::Path;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/retention")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn cli_writes_the_documented_json_on_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let st = bin()
        .args([
            "estimate",
            "retention",
            "--input",
            &fixture("small.csv"),
            "--duration",
            "duration",
        ])
        .args([
            "--event",
            "event",
            "--group",
            "group",
            "--covariates",
            "x1,x2",
            "--horizons",
            "182,365",
        ])
        .args(["--ties", "efron", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    for g in ["A", "B", "lab_2"] {
        let rows = v["km"][g].as_array().unwrap();
        for key in [
            "t",
            "survival",
            "ci_lower",
            "ci_upper",
            "ci_log_lower",
            "ci_log_upper",
            "at_risk",
        ] {
            assert!(rows[0].get(key).is_some(), "missing {key}");
        }
        for h in [182.0, 365.0] {
            assert!(rows.iter().any(|r| r["t"].as_f64() == Some(h)));
        }
    }
    assert_eq!(v["logrank"]["df"], 2);
    assert_eq!(v["cox"]["ties"], "efron");
    assert_eq!(v["cox"]["terms"].as_array().unwrap().len(), 4);
    assert_eq!(v["risk_difference"].as_array().unwrap().len(), 4);
    assert!(v["convention"]["km_ci"]
        .as_str()
        .unwrap()
        .contains("log(-log)"));
}

#[test]
fn cli_reads_parquet_and_keeps_group_labels() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.parquet");
    let mut df = df!(
        "d" => [10.0, 20.0, 30.0, 40.0, 15.0, 25.0, 35.0, 45.0],
        "e" => [1i64, 1, 0, 1, 1, 0, 1, 1],
        "g" => ["Oui", "Oui", "Oui", "Oui", "Non", "Non", "Non", "Non"],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(&p).unwrap())
        .finish(&mut df)
        .unwrap();
    let st = bin()
        .args([
            "estimate",
            "retention",
            "--input",
            p.to_str().unwrap(),
            "--duration",
            "d",
            "--event",
            "e",
            "--group",
            "g",
        ])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap();
    assert!(v["km"]["Oui"].is_array() && v["km"]["Non"].is_array());
    assert_eq!(v["reference"], "Non");
}

#[test]
fn cli_rejects_bad_event_values_with_row_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.csv");
    std::fs::write(&p, "d,e,g\n1,1,a\n2,2,b\n").unwrap();
    let st = bin()
        .args([
            "estimate",
            "retention",
            "--input",
            p.to_str().unwrap(),
            "--duration",
            "d",
            "--event",
            "e",
            "--group",
            "g",
        ])
        .output()
        .unwrap();
    assert!(!st.status.success());
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(
        err.contains("row 1") && err.contains("event value 2"),
        "{err}"
    );
}

fn table(d: &[f64], e: &[f64], g: &[&str]) -> Result<PersonTable, RetentionError> {
    let d: Vec<Option<f64>> = d.iter().map(|v| Some(*v)).collect();
    let e: Vec<Option<f64>> = e.iter().map(|v| Some(*v)).collect();
    let g: Vec<Option<String>> = g.iter().map(|v| Some(v.to_string())).collect();
    PersonTable::from_raw(&d, &e, &g)
}

#[test]
fn negative_and_missing_durations_are_errors() {
    assert_eq!(
        table(&[1.0, -2.0], &[1.0, 0.0], &["a", "b"]),
        Err(RetentionError::BadDuration {
            row: 1,
            value: -2.0
        })
    );
    let r = PersonTable::from_raw(
        &[Some(1.0), None],
        &[Some(1.0), Some(0.0)],
        &[Some("a".into()), Some("b".into())],
    );
    assert_eq!(
        r,
        Err(RetentionError::Missing {
            column: "duration".into(),
            row: 1
        })
    );
    assert!(matches!(
        table(&[f64::NAN], &[1.0], &["a"]),
        Err(RetentionError::BadDuration { row: 0, .. })
    ));
}

#[test]
fn all_censored_is_an_error() {
    let t = table(&[1.0, 2.0, 3.0], &[0.0, 0.0, 0.0], &["a", "b", "a"]).unwrap();
    assert_eq!(
        estimate_retention(&t, &RetentionOptions::default()),
        Err(RetentionError::AllCensored(3))
    );
}

#[test]
fn single_group_and_group_without_events_are_documented_warnings() {
    let t = table(&[1.0, 2.0, 3.0], &[1.0, 0.0, 1.0], &["a", "a", "a"]).unwrap();
    let r = estimate_retention(&t, &RetentionOptions::default()).unwrap();
    assert!(r.logrank.is_none() && r.risk_difference.is_empty() && r.cox.is_none());
    assert!(r.warnings.iter().any(|w| w.contains("single group")));
    let t = table(
        &[1.0, 2.0, 3.0, 4.0, 5.0],
        &[1.0, 1.0, 0.0, 0.0, 1.0],
        &["a", "a", "b", "b", "a"],
    )
    .unwrap();
    let r = estimate_retention(&t, &RetentionOptions::default()).unwrap();
    assert!(r.warnings.iter().any(|w| w.contains("\"b\" has no events")));
    assert!(r.logrank.is_some());
    assert!(r.groups["b"].median.estimate.is_none());
    // nothing undefined is left as NaN in the serialised result
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("NaN"));
}

#[test]
fn constant_and_collinear_covariates_are_errors() {
    let base = table(
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        &[1.0; 6],
        &["a", "b", "a", "b", "a", "b"],
    )
    .unwrap();
    let t = base.clone().with_covariate("c", vec![1.0; 6]).unwrap();
    assert_eq!(
        estimate_retention(&t, &RetentionOptions::default()),
        Err(RetentionError::Cox(CoxError::Constant("c".into())))
    );
    let x = vec![0.5, 1.0, 3.0, 2.0, 0.0, 1.5];
    let t = base.with_covariate("x", x.clone()).unwrap();
    let t = t
        .with_covariate("y", x.iter().map(|v| 2.0 * v - 1.0).collect())
        .unwrap();
    let e = estimate_retention(&t, &RetentionOptions::default()).unwrap_err();
    assert_eq!(e, RetentionError::Cox(CoxError::Collinear("y".into())));
    assert!(e.to_string().contains("`y` is collinear"));
}
