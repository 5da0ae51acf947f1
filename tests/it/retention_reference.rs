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

/// Text covariates (sex F/M, sector C/F/G/Q) expanded as patsy does: the Cox model agrees with
/// lifelines on the same indicators, and the IPW comparison (propensity and weighted curves)
/// with statsmodels + lifelines, to 1e-6.
#[test]
fn categorical_covariates_match_lifelines() {
    use engagement::stats::design::{expand, RawColumn};
    let csv = Csv::read("categorical.csv");
    let re = reference("categorical_reference.json");
    let raw = vec![
        ("age".to_string(), RawColumn::Numeric(csv.num("age"))),
        ("sex".to_string(), RawColumn::Categorical(csv.col("sex"))),
        (
            "sector".to_string(),
            RawColumn::Categorical(csv.col("sector")),
        ),
    ];
    let table = csv
        .table(&[])
        .with_design(expand(raw, &Default::default()).unwrap())
        .unwrap();
    let opts = RetentionOptions {
        reference: Some("labelled".into()),
        ..Default::default()
    };
    let res = estimate_retention(&table, &opts).unwrap();
    let cox = res.cox.unwrap();
    let names: Vec<&str> = cox.terms.iter().map(|t| t.name.as_str()).collect();
    let design: Vec<&str> = re["cox_design"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(names, design);
    for (t, r) in cox
        .terms
        .iter()
        .zip(re["cox_efron"]["terms"].as_array().unwrap())
    {
        close(
            t.coef,
            r["coef"].as_f64().unwrap(),
            &format!("{} coef", t.name),
        );
        close(t.se, r["se"].as_f64().unwrap(), &format!("{} se", t.name));
    }
    close(
        cox.log_likelihood,
        re["cox_efron"]["log_likelihood"].as_f64().unwrap(),
        "loglik",
    );
    let adj = res.adjusted.unwrap();
    assert_eq!(adj.treated, "other");
    for (a, b) in adj
        .propensity_coefficients
        .iter()
        .zip(re["ipw"]["propensity_coefficients"].as_array().unwrap())
    {
        close(*a, b.as_f64().unwrap(), "propensity coefficient");
    }
    for (h, r) in adj
        .horizons
        .iter()
        .zip(re["ipw"]["horizons"].as_array().unwrap())
    {
        close(
            h.survival_treated,
            r["survival_treated"].as_f64().unwrap(),
            "IPW S treated",
        );
        close(
            h.survival_reference,
            r["survival_reference"].as_f64().unwrap(),
            "IPW S reference",
        );
        assert!(h.difference.se > 0.0 && h.difference.se < 0.1, "{h:?}");
    }
}

/// The analytic (influence-function) SE of the IPW difference agrees with the bootstrap that
/// refits the propensity in every replicate.
#[test]
fn ipw_analytic_se_agrees_with_the_bootstrap() {
    use engagement::retention::compare::{IpwOptions, IpwVariance};
    let csv = Csv::read("medium.csv");
    let table = csv.table(&["age", "boeth", "unemp"]);
    let run = |variance| {
        let opts = RetentionOptions {
            ipw: IpwOptions {
                variance,
                bootstrap: 400,
                seed: 5,
                ..Default::default()
            },
            ..Default::default()
        };
        estimate_retention(&table, &opts).unwrap().adjusted.unwrap()
    };
    let (a, b) = (run(IpwVariance::Analytic), run(IpwVariance::Bootstrap));
    for (x, y) in a.horizons.iter().zip(&b.horizons) {
        assert_eq!(x.difference.estimate, y.difference.estimate);
        let ratio = x.difference.se / y.difference.se;
        assert!(
            (0.88..1.12).contains(&ratio),
            "analytic {x:?} vs bootstrap {y:?}"
        );
    }
}

/// Many groups: past --max-groups a clear error before any allocation; 2,000 groups answer
/// (curves, differences and the log-rank test; the Cox model is skipped with a warning).
#[test]
fn many_groups_are_bounded_and_fast() {
    let n = 50_001;
    let d: Vec<Option<f64>> = (0..n).map(|i| Some((i % 300) as f64)).collect();
    let e: Vec<Option<f64>> = (0..n).map(|i| Some((i % 3 != 0) as u8 as f64)).collect();
    let g: Vec<Option<String>> = (0..n).map(|i| Some(format!("g{}", i % 50_000))).collect();
    let t = PersonTable::from_raw(&d, &e, &g).unwrap();
    let err = estimate_retention(&t, &RetentionOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("50000 groups") && err.contains("--max-groups"),
        "{err}"
    );
    let opts = RetentionOptions {
        max_groups: 100_000,
        ..Default::default()
    };
    let err = estimate_retention(&t, &opts).unwrap_err().to_string();
    assert!(
        err.contains("log-rank") || err.contains("needs about"),
        "{err}"
    );

    let n = 20_000;
    let d: Vec<Option<f64>> = (0..n).map(|i| Some(((i * 7919) % 700) as f64)).collect();
    let e: Vec<Option<f64>> = (0..n).map(|i| Some((i % 4 != 0) as u8 as f64)).collect();
    let g: Vec<Option<String>> = (0..n).map(|i| Some(format!("g{:04}", i % 2_000))).collect();
    let t = PersonTable::from_raw(&d, &e, &g).unwrap();
    let res = estimate_retention(&t, &RetentionOptions::default()).unwrap();
    assert_eq!(res.groups.len(), 2_000);
    assert_eq!(res.logrank.as_ref().unwrap().df, 1_999);
    assert!(res.cox.is_none());
    assert!(res
        .warnings
        .iter()
        .any(|w| w.contains("Cox model not fitted")));
}
