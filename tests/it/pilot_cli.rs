//! `engagement panel` end to end: a score folder and a register with bad rows give a panel
//! that `engagement estimate did` reads, rejects that reconcile, and clear errors.

use crate::common::bin;
use engagement::config::Experiment;
use engagement::model::siret_string;
use engagement::reference::Reference;
use engagement::{score, synth};
use std::path::Path;

/// Scores of a small generated territory, written as `engagement score` does.
fn scores(dir: &Path) -> score::ScoreOutput {
    let r = Reference::load();
    let text = "[experiment]\nname = \"p\"\nseed = 3\n[territory]\ndepartements = [\"35\"]\n\
                [generator]\nestablishments = 500\nyears = 3\n";
    let exp = Experiment::from_toml(text, Path::new("p.toml"), &r).unwrap();
    let data = synth::generate(&exp, &r, false).unwrap();
    let s = score::run(&data.dataset, &exp.score, &r).unwrap();
    score::io::write_outputs(&s, dir).unwrap();
    s
}

#[test]
fn panel_reads_a_register_and_feeds_estimate_did() {
    let tmp = tempfile::tempdir().unwrap();
    let sdir = tmp.path().join("scores");
    let s = scores(&sdir);
    let periods = s.periods();
    let mid = &periods[periods.len() / 2];
    // Eligible at the baseline: calculable and not labelled in the period before `mid`.
    let base = mid.index - 1;
    let eligible: Vec<u64> = s
        .scores
        .iter()
        .filter(|r| r.period == base && r.composite.is_some() && r.label == Some(0))
        .map(|r| r.siret)
        .collect();
    assert!(eligible.len() > 20, "{}", eligible.len());
    let on = periods[base as usize].end.add_days(10);
    let mut csv = String::from("siret,exposed_on,wave\n");
    for s in eligible.iter().step_by(2) {
        csv.push_str(&format!("{},{on},w1\n", siret_string(*s)));
    }
    let first = siret_string(eligible[0]);
    csv.push_str(&format!("{first},{on},w1\n")); // duplicate
    csv.push_str("99999999999999,2024-01-01,w1\n"); // unknown
    csv.push_str(&format!("{first},31/02/2024,w1\n")); // impossible date
    csv.push_str(&format!("{},1999-01-01,w1\n", siret_string(eligible[1]))); // outside
    let reg = tmp.path().join("register.csv");
    std::fs::write(&reg, &csv).unwrap();
    let out = tmp.path().join("panel.parquet");
    let o = bin()
        .args(["panel", "--scores"])
        .arg(&sdir)
        .arg("--register")
        .arg(&reg)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let kept = eligible.len().div_ceil(2);
    assert!(
        err.contains(&format!(
            "{} rows read = {kept} kept + 4 rejected",
            kept + 4
        )),
        "{err}"
    );
    let rejects = std::fs::read_to_string(tmp.path().join("panel.parquet.rejects.csv")).unwrap();
    for reason in [
        "duplicate",
        "unknown_siret",
        "malformed_date",
        "outside_window",
    ] {
        assert!(rejects.contains(reason), "{reason}: {rejects}");
    }
    let o = bin()
        .args(["estimate", "did", "--input"])
        .arg(&out)
        .args(["--unit", "siret", "--time", "period", "--outcome", "score"])
        .args(["--cohort", "cohort", "--bootstrap-iterations", "0"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["twfe"]["att"].as_f64().unwrap().is_finite());
    // Every eligible establishment is a TWFE cluster (CS drops the unbalanced ones).
    assert_eq!(
        v["twfe"]["n_clusters"].as_u64().unwrap() as usize,
        eligible.len()
    );
}

#[test]
fn panel_errors_name_the_file_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let sdir = tmp.path().join("scores");
    scores(&sdir);
    let reg = tmp.path().join("register.csv");
    std::fs::write(&reg, "siret,date\n12345678900012,2024-01-01\n").unwrap();
    let o = bin()
        .args(["panel", "--scores"])
        .arg(&sdir)
        .arg("--register")
        .arg(&reg)
        .args(["--out", "x.csv"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(65), "{err}");
    assert!(
        err.contains("register.csv") && err.contains("`date`"),
        "{err}"
    );
    let o = bin()
        .args(["panel", "--scores"])
        .arg(&sdir)
        .args(["--register", "missing.csv", "--out", "x.csv"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(74));
}
