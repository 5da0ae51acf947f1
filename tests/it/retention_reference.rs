//! Retention estimators against lifelines 0.30.3 / statsmodels reference values, to 1e-6.
//! Fixtures and reference JSON: `tests/reference/retention/make_reference.py`.

use engagement::retention::cox::{CoxVariance, Ties};
use engagement::retention::km::KaplanMeier;
use engagement::retention::{estimate_retention, PersonTable, RetentionOptions};
use serde_json::Value;
use std::path::PathBuf;

const TOL: f64 = 1e-6;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/retention")
        .join(name)
}

struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(name: &str) -> Csv {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap().split(',').map(String::from).collect();
        let rows = lines
            .map(|l| l.split(',').map(String::from).collect())
            .collect();
        Csv { header, rows }
    }
    fn col(&self, name: &str) -> Vec<String> {
        let k = self.header.iter().position(|h| h == name).unwrap();
        self.rows.iter().map(|r| r[k].clone()).collect()
    }
    fn num(&self, name: &str) -> Vec<f64> {
        self.col(name).iter().map(|v| v.parse().unwrap()).collect()
    }
    fn table(&self, covs: &[&str]) -> PersonTable {
        let ev: Vec<Option<f64>> = self.num("event").into_iter().map(Some).collect();
        let d: Vec<Option<f64>> = self.num("duration").into_iter().map(Some).collect();
        let g: Vec<Option<String>> = self.col("group").into_iter().map(Some).collect();
        let mut t = PersonTable::from_raw(&d, &ev, &g).unwrap();
        for c in covs {
            t = t.with_covariate(c, self.num(c)).unwrap();
        }
        t
    }
}

fn reference(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= TOL * (1.0 + b.abs()),
        "{what}: ours {a}, reference {b}"
    );
}

fn opt_close(a: Option<f64>, b: &Value, what: &str) {
    match (a, b.as_f64()) {
        (Some(a), Some(b)) => close(a, b, what),
        (None, None) => {}
        _ => panic!("{what}: ours {a:?}, reference {b}"),
    }
}

fn check_km(csv: &Csv, refkm: &Value, weights: Option<&str>) {
    let d = csv.num("duration");
    let e: Vec<bool> = csv.num("event").iter().map(|&v| v == 1.0).collect();
    let g = csv.col("group");
    let w = weights.map(|c| csv.num(c));
    let z = engagement::retention::critical_value(0.95);
    for (label, r) in refkm.as_object().unwrap() {
        let rows: Vec<usize> = (0..g.len()).filter(|&i| &g[i] == label).collect();
        let km = KaplanMeier::fit(&d, &e, w.as_deref(), Some(&rows));
        let ours = km.rows(&[182.0, 365.0], z);
        for row in r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .chain(r["horizons"].as_array().unwrap())
        {
            let t = row["t"].as_f64().unwrap();
            let o = km.row_at(t, z);
            assert!(
                ours.iter().any(|x| x.t == t),
                "group {label}: no row at t = {t}"
            );
            let what = format!("group {label} t={t}");
            close(
                o.survival,
                row["survival"].as_f64().unwrap(),
                &format!("{what} S"),
            );
            close(
                o.ci_lower,
                row["ci_lower"].as_f64().unwrap(),
                &format!("{what} lower"),
            );
            close(
                o.ci_upper,
                row["ci_upper"].as_f64().unwrap(),
                &format!("{what} upper"),
            );
            close(
                o.at_risk,
                row["at_risk"].as_f64().unwrap(),
                &format!("{what} at risk"),
            );
            if let Some(v) = row.get("ci_log_lower").and_then(Value::as_f64) {
                close(o.ci_log_lower, v, &format!("{what} log lower"));
                close(
                    o.ci_log_upper,
                    row["ci_log_upper"].as_f64().unwrap(),
                    &format!("{what} log upper"),
                );
            }
        }
        let m = km.median(z);
        opt_close(m.estimate, &r["median"], &format!("group {label} median"));
        opt_close(
            m.ci_lower,
            &r["median_ci_lower"],
            &format!("group {label} median lower"),
        );
        opt_close(
            m.ci_upper,
            &r["median_ci_upper"],
            &format!("group {label} median upper"),
        );
    }
}

fn check_cox(fit: &engagement::retention::cox::CoxFit, r: &Value, full: bool) {
    close(
        fit.log_likelihood,
        r["log_likelihood"].as_f64().unwrap(),
        "log-likelihood",
    );
    let terms = r["terms"].as_array().unwrap();
    assert_eq!(fit.terms.len(), terms.len());
    for (o, t) in fit.terms.iter().zip(terms) {
        assert_eq!(o.name, t["name"].as_str().unwrap());
        close(
            o.coef,
            t["coef"].as_f64().unwrap(),
            &format!("{} coef", o.name),
        );
        close(o.se, t["se"].as_f64().unwrap(), &format!("{} se", o.name));
        if full {
            close(
                o.hazard_ratio,
                t["hazard_ratio"].as_f64().unwrap(),
                &format!("{} HR", o.name),
            );
            close(
                o.ci_lower,
                t["ci_lower"].as_f64().unwrap(),
                &format!("{} HR lower", o.name),
            );
            close(
                o.ci_upper,
                t["ci_upper"].as_f64().unwrap(),
                &format!("{} HR upper", o.name),
            );
            close(
                o.p_value,
                t["p_value"].as_f64().unwrap(),
                &format!("{} p", o.name),
            );
        }
    }
}

fn run(
    name: &str,
    covs: &[&str],
    ties: Ties,
    variance: CoxVariance,
) -> engagement::retention::RetentionResult {
    let csv = Csv::read(&format!("{name}.csv"));
    let opts = RetentionOptions {
        ties,
        variance,
        ipw: engagement::retention::compare::IpwOptions {
            bootstrap: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    estimate_retention(&csv.table(covs), &opts).unwrap()
}

#[test]
fn small_three_groups_km_logrank_cox_match_lifelines() {
    let csv = Csv::read("small.csv");
    let r = reference("small_reference.json");
    check_km(&csv, &r["km"], None);
    let res = run("small", &["x1", "x2"], Ties::Efron, CoxVariance::Observed);
    let lr = res.logrank.as_ref().unwrap();
    close(
        lr.statistic,
        r["logrank"]["statistic"].as_f64().unwrap(),
        "log-rank",
    );
    close(
        lr.p_value,
        r["logrank"]["p_value"].as_f64().unwrap(),
        "log-rank p",
    );
    assert_eq!(lr.df, 2);
    check_cox(res.cox.as_ref().unwrap(), &r["cox_efron"], true);
    let names: Vec<&str> = r["cox_design"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let ours: Vec<&str> = res
        .cox
        .as_ref()
        .unwrap()
        .terms
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ours);
}

#[test]
fn small_two_group_logrank_matches_lifelines_logrank_test() {
    let csv = Csv::read("small.csv");
    let r = reference("small_reference.json");
    let g = csv.col("group");
    let rows: Vec<usize> = (0..g.len())
        .filter(|&i| g[i] == "A" || g[i] == "B")
        .collect();
    let t = csv.table(&[]).subset(&rows);
    let opts = RetentionOptions::default();
    let res = estimate_retention(&t, &opts).unwrap();
    close(
        res.logrank.unwrap().statistic,
        r["logrank_first_two"]["statistic"].as_f64().unwrap(),
        "log-rank A vs B",
    );
}

#[test]
fn weighted_km_with_integer_weights_matches_lifelines() {
    let csv = Csv::read("small.csv");
    check_km(
        &csv,
        &reference("small_reference.json")["km_weighted"],
        Some("w"),
    );
}

#[test]
fn breslow_ties_match_statsmodels_phreg() {
    let r = reference("small_reference.json");
    let res = run("small", &["x1", "x2"], Ties::Breslow, CoxVariance::Observed);
    check_cox(res.cox.as_ref().unwrap(), &r["cox_breslow"], false);
    let r = reference("medium_reference.json");
    let res = run(
        "medium",
        &["age", "boeth", "unemp"],
        Ties::Breslow,
        CoxVariance::Observed,
    );
    check_cox(res.cox.as_ref().unwrap(), &r["cox_breslow"], false);
}

#[test]
fn medium_many_ties_matches_lifelines() {
    let csv = Csv::read("medium.csv");
    let r = reference("medium_reference.json");
    check_km(&csv, &r["km"], None);
    let res = run(
        "medium",
        &["age", "boeth", "unemp"],
        Ties::Efron,
        CoxVariance::Observed,
    );
    close(
        res.logrank.as_ref().unwrap().statistic,
        r["logrank"]["statistic"].as_f64().unwrap(),
        "log-rank",
    );
    check_cox(res.cox.as_ref().unwrap(), &r["cox_efron"], true);
}

#[test]
fn robust_variance_without_ties_matches_lifelines() {
    let csv = Csv::read("notie.csv");
    let r = reference("notie_reference.json");
    check_km(&csv, &r["km"], None);
    let res = run("notie", &["x1", "x2"], Ties::Efron, CoxVariance::Robust);
    check_cox(res.cox.as_ref().unwrap(), &r["cox_robust"], true);
    let res = run("notie", &["x1", "x2"], Ties::Efron, CoxVariance::Observed);
    check_cox(res.cox.as_ref().unwrap(), &r["cox_efron"], true);
}
