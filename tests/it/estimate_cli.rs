//! `engagement estimate did` end to end: the documented JSON on a fixture, and a clear error
//! (non-zero exit, message naming the problem) for each documented bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/estimate")
        .join(name)
}

fn run(input: &Path, extra: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_engagement"))
        .args(["estimate", "did", "--input"])
        .arg(input)
        .args([
            "--unit",
            "unit",
            "--time",
            "time",
            "--outcome",
            "y",
            "--cohort",
            "cohort",
        ])
        .args(if extra.contains(&"--bootstrap-iterations") {
            &[][..]
        } else {
            &["--bootstrap-iterations", "49"][..]
        })
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn did_writes_the_documented_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("result.json");
    let (ok, _, err) = run(
        &fixture("balanced.csv"),
        &[
            "--control",
            "notyet",
            "--covariates",
            "x1,x2",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    for key in ["att", "se", "ci95", "n_obs", "n_clusters"] {
        assert!(!v["twfe"][key].is_null(), "twfe.{key}");
    }
    for key in ["rel_time", "estimate", "se"] {
        assert!(!v["event_study"][0][key].is_null(), "event_study.{key}");
    }
    for key in ["statistic", "df", "p_value"] {
        assert!(!v["pretrend_wald"][key].is_null(), "pretrend_wald.{key}");
    }
    for key in ["group", "time", "att", "se"] {
        assert!(
            !v["cs"]["group_time"][0][key].is_null(),
            "cs.group_time.{key}"
        );
    }
    for agg in ["simple", "group", "dynamic", "calendar"] {
        assert!(
            v["cs"][agg]["att"].is_f64() && v["cs"][agg]["se"].is_f64(),
            "cs.{agg}"
        );
    }
    assert!(v["cs"]["dynamic"]["by_event_time"][0]["event_time"].is_i64());
    assert!(v["convention"]["cs_control"]
        .as_str()
        .unwrap()
        .contains("not yet"));
    assert!(v["convention"]["cs_estimator"]
        .as_str()
        .unwrap()
        .contains("doubly robust"));
    assert!(!std::fs::read_to_string(&out).unwrap().contains("NaN"));
}

#[test]
fn bad_inputs_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let header = "unit,time,y,cohort,x1,x2\n";
    let good_rows = |extra: &str| -> String {
        let mut s = String::from(header);
        for u in 1..=6 {
            for t in 1..=4 {
                let g = if u <= 3 { 3 } else { 0 };
                let x1 = u as f64 * 0.7 - 2.0;
                s.push_str(&format!(
                    "{u},{t},{},{g},{x1},{}\n",
                    (u * t) as f64 * 0.3 + (t % 2) as f64,
                    u % 2
                ));
            }
        }
        s.push_str(extra);
        s
    };
    let cases: Vec<(&str, String, Vec<&str>, &str)> = vec![
        (
            "missing_col.csv",
            good_rows("").replacen("unit,time,y,", "unit,time,score,", 1),
            vec![],
            "missing column `y`",
        ),
        (
            "text_outcome.csv",
            good_rows("7,1,abc,0,0.1,1\n"),
            vec![],
            "is not a finite number",
        ),
        (
            "dup.csv",
            good_rows("1,2,0.5,3,-1.3,1\n"),
            vec![],
            "duplicate row for unit `1` at time 2",
        ),
        (
            "cohort_varies.csv",
            good_rows("1,5,0.5,4,-1.3,1\n"),
            vec![],
            "cohort varies within unit `1`",
        ),
        (
            "no_never.csv",
            good_rows("").replace(",0,", ",4,"),
            vec![],
            "no never-treated unit",
        ),
        (
            "one_cluster.csv",
            format!("{header}1,1,0.1,2,0,0\n1,2,0.4,2,0,0\n1,3,0.2,2,0,0\n"),
            vec![],
            "at least 2 units",
        ),
        (
            "collinear.csv",
            good_rows(""),
            vec!["--covariates", "x1,x1"],
            "collinear",
        ),
    ];
    for (name, text, extra, expect) in cases {
        let p = write(d, name, &text);
        let (ok, out, err) = run(&p, &extra);
        assert!(!ok, "{name}: should fail, got {out}");
        assert!(
            err.contains(expect),
            "{name}: expected `{expect}` in:\n{err}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

/// The same panel as Parquet (typed columns) gives the same estimates as the CSV.
#[test]
fn parquet_input_matches_csv() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let csv = fixture("balanced.csv");
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(csv.clone()))
        .unwrap()
        .finish()
        .unwrap();
    let pq = dir.path().join("balanced.parquet");
    ParquetWriter::new(std::fs::File::create(&pq).unwrap())
        .finish(&mut df)
        .unwrap();
    let (ok_a, out_a, err_a) = run(&csv, &[]);
    let (ok_b, out_b, err_b) = run(&pq, &[]);
    assert!(ok_a && ok_b, "{err_a}\n{err_b}");
    let a: serde_json::Value = serde_json::from_str(&out_a).unwrap();
    let b: serde_json::Value = serde_json::from_str(&out_b).unwrap();
    assert_eq!(a["twfe"], b["twfe"]);
    assert_eq!(a["cs"]["simple"], b["cs"]["simple"]);
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap()
}

/// Text covariates on the command line: the doubly robust CS agrees with csdid
/// (`xformla = "~ size_class + sector + region"`), and a bad reference level is named.
#[test]
fn did_expands_text_covariates_like_csdid() {
    let (ok, out, err) = run(
        &fixture("categorical.csv"),
        &[
            "--covariates",
            "size_class,sector,region",
            "--bootstrap-iterations",
            "0",
        ],
    );
    assert!(ok, "{err}");
    let v = json(&out);
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/estimate/reference.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let re = &reference["categorical"]["cs_never_varying_dr"]["simple"];
    for key in ["att", "se"] {
        let (a, b) = (
            v["cs"]["simple"][key].as_f64().unwrap(),
            re[key].as_f64().unwrap(),
        );
        assert!((a - b).abs() < 1e-6 * (1.0 + b.abs()), "{key}: {a} vs {b}");
    }
    let (ok, _, err) = run(
        &fixture("categorical.csv"),
        &[
            "--covariates",
            "size_class,sector",
            "--reference-level",
            "sector=Z",
        ],
    );
    assert!(
        !ok && err.contains("`Z`") && err.contains("sector"),
        "{err}"
    );
}

/// Quarter labels and ISO dates as time and cohort give the integer-period results, and the
/// output names the conversion.
#[test]
fn did_reads_quarter_labels_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("balanced.csv")).unwrap();
    let (mut q, mut d) = (String::new(), String::new());
    let quarter = |t: i64| format!("{}T{}", 2020 + (t - 1) / 4, (t - 1) % 4 + 1);
    let date = |t: i64| format!("{}-{:02}-01", 2020 + (t - 1) / 4, 3 * ((t - 1) % 4) + 1);
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        if i == 0 {
            q.push_str(line);
            d.push_str(line);
        } else {
            let t: i64 = f[1].parse().unwrap();
            let g: i64 = f[3].parse().unwrap();
            let (gq, gd) = if g == 0 {
                ("0".into(), "".into())
            } else {
                (quarter(g), date(g))
            };
            q.push_str(&format!(
                "{},{},{},{},{},{}",
                f[0],
                quarter(t),
                f[2],
                gq,
                f[4],
                f[5]
            ));
            d.push_str(&format!(
                "{},{},{},{},{},{}",
                f[0],
                date(t),
                f[2],
                gd,
                f[4],
                f[5]
            ));
        }
        q.push('\n');
        d.push('\n');
    }
    let base = json(&run(&fixture("balanced.csv"), &[]).1);
    for (name, body, word) in [("q.csv", q, "quarter"), ("d.csv", d, "ISO dates")] {
        let (ok, out, err) = run(&write(dir.path(), name, &body), &[]);
        assert!(ok, "{name}: {err}");
        let v = json(&out);
        for path in [["twfe", "att"], ["twfe", "se"]] {
            assert!(
                (v[path[0]][path[1]].as_f64().unwrap() - base[path[0]][path[1]].as_f64().unwrap())
                    .abs()
                    < 1e-9
            );
        }
        assert!(
            (v["cs"]["simple"]["att"].as_f64().unwrap()
                - base["cs"]["simple"]["att"].as_f64().unwrap())
            .abs()
                < 1e-9
        );
        assert!(
            v["convention"]["time"].as_str().unwrap().contains(word),
            "{v}"
        );
    }
}

/// Absurd bootstrap sizes are refused before allocating, naming the option.
#[test]
fn did_refuses_a_bootstrap_that_cannot_fit() {
    let (ok, _, err) = run(
        &fixture("balanced.csv"),
        &["--bootstrap-iterations", "1000000000000"],
    );
    assert!(
        !ok && err.contains("--bootstrap-iterations") && err.contains("needs about"),
        "{err}"
    );
}
