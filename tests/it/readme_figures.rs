//! Every figure the README quotes comes from a committed output of a documented command
//! (`reports/figures/*.json`, `reports/simulate/*.json`), and this test compares them.
//!
//! In README.md a quoted number is followed by a marker naming its source:
//! `0.63<!-- fig figures/validate-baseline.json validity.weightings.0.spearman -->` (add
//! ` pct` when the README shows a share as a percentage), and a generated table sits between
//! `<!-- table figures/validate-baseline.json calibration -->` and `<!-- /table -->`. The
//! number must equal the source value rounded to the README's decimals; a table must equal its
//! rendering. Further tests check that the committed outputs are those the commands produce
//! today, and that the Monte Carlo summaries are internally consistent.

use crate::synth_generator::baseline_world;
use engagement::commands::validate::ValidateOutput;
use engagement::synth::calibration::Calibration;
use engagement::validity::{self, ValidityReport, Weighting};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn source(file: &str) -> Value {
    let path = root().join("reports").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("README cites {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The value at a dotted path (`a.b.0.c`; numbers index arrays).
fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(v, |v, k| match k.parse::<usize>() {
            Ok(i) if v.is_array() => v.get(i),
            _ => v.get(k),
        })
}

/// The number written just before byte `end` of `text` (digits, `,`, `.`, sign, `%`).
fn number_before(text: &str, end: usize) -> &str {
    let head = &text[..end];
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || matches!(c, ',' | '.' | '%' | '+' | '-' | '−'))
        .last()
        .map_or(end, |(i, _)| i);
    head[start..].trim_start_matches([',', '.'])
}

/// `expected` formatted like `written` (same decimals, percent, sign) equals `written`.
fn same_number(written: &str, value: f64, pct: bool) -> bool {
    let w = written
        .replace([',', '+'], "")
        .replace('−', "-")
        .trim_end_matches('%')
        .to_string();
    let decimals = w.split_once('.').map_or(0, |(_, d)| d.len());
    let v = if pct { 100.0 * value } else { value };
    let mut f = format!("{v:.decimals$}");
    if f.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        f = f.trim_start_matches('-').to_string();
    }
    let w = if w
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        w.trim_start_matches('-').to_string()
    } else {
        w
    };
    f == w
}

/// Checks every inline marker of `text`; returns the number checked.
fn check_inline(text: &str, errors: &mut Vec<String>) -> usize {
    let mut n = 0;
    for (pos, _) in text.match_indices("<!-- fig ") {
        let close = text[pos..]
            .find("-->")
            .map(|k| pos + k)
            .expect("closed marker");
        let spec: Vec<&str> = text[pos + 9..close].split_whitespace().collect();
        let (file, path, pct) = (spec[0], spec[1], spec.get(2) == Some(&"pct"));
        let written = number_before(text, pos);
        let line = text[..pos].lines().count();
        let Some(value) = at(&source(file), path).and_then(Value::as_f64) else {
            errors.push(format!("README.md:{line}: no number at {file} {path}"));
            continue;
        };
        if written.is_empty() || !same_number(written, value, pct) {
            errors.push(format!(
                "README.md:{line}: README says {written:?}, {file} {path} gives {value}"
            ));
        }
        n += 1;
    }
    n
}

/// A generated table, rendered from its source.
fn render(file: &str, kind: &str) -> String {
    let v = source(file);
    match kind {
        "calibration" => {
            let c: Calibration = serde_json::from_value(v["calibration"].clone()).unwrap();
            c.markdown()
        }
        "validity" => {
            let r: ValidityReport = serde_json::from_value(v["validity"].clone()).unwrap();
            validity::markdown(&r)
        }
        other => panic!("unknown table kind {other}"),
    }
}

/// Checks every generated table of `text`; returns the number checked.
fn check_tables(text: &str, errors: &mut Vec<String>) -> usize {
    let mut n = 0;
    for (pos, _) in text.match_indices("<!-- table ") {
        let close = pos + text[pos..].find("-->").expect("closed marker");
        let spec: Vec<&str> = text[pos + 11..close].split_whitespace().collect();
        let body_start = close + 3 + 1;
        let end = body_start
            + text[body_start..]
                .find("<!-- /table -->")
                .expect("table end");
        let line = text[..pos].lines().count();
        if text[body_start..end] != render(spec[0], spec[1]) {
            errors.push(format!(
                "README.md:{line}: the {} table differs from {}; from the file it reads:\n{}",
                spec[1],
                spec[0],
                render(spec[0], spec[1])
            ));
        }
        n += 1;
    }
    n
}

#[test]
fn readme_figures_match_their_sources() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut errors = Vec::new();
    let inline = check_inline(&text, &mut errors);
    let tables = check_tables(&text, &mut errors);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(inline >= 30, "only {inline} figures carry their source");
    assert!(tables >= 2, "only {tables} generated tables");
}

/// The same text with the last digit of `written` (ending at byte `end`) changed.
fn with_changed_digit(text: &str, end: usize) -> String {
    let written = number_before(text, end);
    let (i, d) = written
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_ascii_digit())
        .map(|(i, c)| (end - written.len() + i, c))
        .expect("a digit");
    let other = char::from(b'0' + (d.to_digit(10).unwrap() as u8 + 1) % 10);
    format!("{}{other}{}", &text[..i], &text[i + 1..])
}

/// The check has teeth: one changed figure, or one changed table cell, is reported.
#[test]
fn a_changed_figure_or_table_cell_fails_the_check() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    for (pos, _) in text.match_indices("<!-- fig ").step_by(7) {
        let mut errors = Vec::new();
        check_inline(&with_changed_digit(&text, pos), &mut errors);
        assert_eq!(errors.len(), 1, "{errors:?}");
    }
    for (pos, _) in text.match_indices("<!-- table ") {
        let row = pos + text[pos..].find("\n|---").unwrap() + 1;
        let row = row + text[row..].find('\n').unwrap() + 1;
        // The end of the row's first cell that ends with a digit.
        let cell_end = (row..text.len())
            .find(|&k| text.as_bytes()[k].is_ascii_digit() && text[k + 1..].starts_with(" |"))
            .unwrap()
            + 1;
        let mut errors = Vec::new();
        check_tables(&with_changed_digit(&text, cell_end), &mut errors);
        assert_eq!(errors.len(), 1, "{errors:?}");
    }
}

#[test]
fn markers_are_read_as_written() {
    let t = "TWFE −0.006<!-- fig a b --> and 1,186<!-- fig a b --> and 86%<!-- fig a b pct -->";
    let p: Vec<usize> = t.match_indices("<!--").map(|(i, _)| i).collect();
    assert_eq!(number_before(t, p[0]), "−0.006");
    assert_eq!(number_before(t, p[1]), "1,186");
    assert_eq!(number_before(t, p[2]), "86%");
    assert!(same_number("−0.006", -0.0061, false));
    assert!(!same_number("−0.006", 0.0061, false));
    assert!(same_number("1,186", 1186.0, false));
    assert!(same_number("86%", 0.8612, true));
    assert!(!same_number("86%", 0.8412, true));
    assert!(same_number("0.00", -0.0004, false));
}

/// Compares two JSON values, numbers to a relative 1e-12.
fn close(a: &Value, b: &Value, path: &str, errors: &mut Vec<String>) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if (x - y).abs() > 1e-12 * x.abs().max(1.0) {
                errors.push(format!("{path}: committed {x}, now {y}"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                close(p, q, &format!("{path}.{i}"), errors);
            }
        }
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
            for (k, p) in x {
                match y.get(k) {
                    Some(q) => close(p, q, &format!("{path}.{k}"), errors),
                    None => errors.push(format!("{path}.{k}: missing now")),
                }
            }
        }
        _ if a == b => {}
        _ => errors.push(format!("{path}: committed {a}, now {b}")),
    }
}

fn assert_fresh(committed: &str, now: &Value, command: &str) {
    let mut errors = Vec::new();
    close(&source(committed), now, "", &mut errors);
    assert!(
        errors.is_empty(),
        "reports/{committed} is not what `{command}` gives today:\n{}",
        errors[..errors.len().min(20)].join("\n")
    );
}

/// `engagement validate --out reports/figures/validate-baseline.json`
#[test]
fn committed_calibration_and_validity_are_current() {
    let (e, r, s, scores) = baseline_world();
    let out = ValidateOutput {
        experiment: e.name.clone(),
        seed: e.seed,
        establishments: e.generator.establishments,
        calibration: engagement::synth::calibration::check(&s.dataset, &e.generator, r),
        validity: validity::validate(scores, &s.truth, &Weighting::standard(&e.score)),
    };
    assert_fresh(
        "figures/validate-baseline.json",
        &serde_json::to_value(&out).unwrap(),
        "engagement validate --out reports/figures/validate-baseline.json",
    );
}

/// `engagement run --figures reports/figures/run-baseline.json`
#[test]
#[ignore = "runs the whole default pipeline (a minute or more in the dev profile)"]
fn committed_run_figures_are_current() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = engagement::pipeline::RunOptions {
        experiment_path: root().join("experiments/baseline.toml"),
        reports_root: tmp.path().join("reports"),
        cache_root: tmp.path().join("cache"),
        run_id: Some("figures".into()),
        lang: None,
        use_cache: false,
        progress: false,
        command: Vec::new(),
    };
    let outcome = engagement::pipeline::run(&opts).unwrap();
    let f = engagement::pipeline::figures::figures(&outcome.results);
    assert_fresh(
        "figures/run-baseline.json",
        &serde_json::to_value(&f).unwrap(),
        "engagement run --figures reports/figures/run-baseline.json",
    );
}

fn simulate_files() -> Vec<PathBuf> {
    let dir = root().join("reports/simulate");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|x| x == "json"));
    v.sort();
    v
}

/// The committed Monte Carlo summaries (`engagement simulate ... --out reports/simulate/…`)
/// are complete and consistent: counts add up, rates are shares, RMSE is at least |bias|.
#[test]
fn committed_monte_carlo_summaries_are_consistent() {
    let files = simulate_files();
    assert!(
        !files.is_empty(),
        "no Monte Carlo summary under reports/simulate/"
    );
    for f in files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let name = f.display();
        let s = &v["summary"];
        let reps = s["replications"].as_u64().unwrap_or(0);
        assert!(reps >= 100, "{name}: {reps} replications");
        let share = |x: &Value| x.as_f64().is_some_and(|x| (0.0..=1.0).contains(&x));
        assert!(share(&s["pretrend_rejection_rate"]), "{name}");
        let est = s["estimators"].as_array().expect("estimators");
        assert!(est.iter().any(|e| e["estimator"] == "twfe"), "{name}");
        for e in est {
            let k = &e["estimator"];
            let ok = e["n_ok"].as_u64().unwrap();
            let failed = e["n_failed"].as_u64().unwrap();
            assert_eq!(ok + failed, reps, "{name} {k}");
            assert!(
                share(&e["coverage"]) && share(&e["rejection_rate"]),
                "{name} {k}"
            );
            let (bias, rmse) = (e["bias"].as_f64().unwrap(), e["rmse"].as_f64().unwrap());
            assert!(
                rmse + 1e-12 >= bias.abs(),
                "{name} {k}: rmse {rmse} < |bias| {bias}"
            );
            assert!(e["mean_se"].as_f64().unwrap() > 0.0, "{name} {k}");
        }
        if let Some(p) = v.get("establishments") {
            assert!(p.as_u64().unwrap() >= 50, "{name}");
        }
    }
}
