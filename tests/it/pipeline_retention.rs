//! The retention stage of `engagement run` on a small generated territory: the report section
//! is filled, its curves are proper survival curves, the truth is there, and the stage is
//! deterministic.

use engagement::config::Experiment;
use engagement::pipeline::retention::{retention_stage, RetentionStageOutput};
use engagement::reference::Reference;
use engagement::report::results::{Contrast, KmCurve, Method};
use std::path::Path;

const EXPERIMENT: &str = r#"
[experiment]
name = "retention-small"
seed = 7

[territory]
departements = ["22", "29", "35", "56"]

[generator]
establishments = 800
start_year = 2021
years = 3
burn_in_months = 12

[retention]
policy = "encouragement"
iae_exits = 600
long_term_unemployed = 900
young_unqualified = 500
counsellors = 40
ipw_bootstrap = 20
"#;

fn run_stage() -> RetentionStageOutput {
    let reference = Reference::load();
    let exp = Experiment::from_toml(EXPERIMENT, Path::new("small.toml"), &reference).unwrap();
    let synthetic = engagement::synth::generate(&exp, &reference, false).unwrap();
    let scores = engagement::score::run(&synthetic.dataset, &exp.score, &reference).unwrap();
    retention_stage(&exp, &reference, &synthetic, &scores).unwrap()
}

fn check_curve(c: &KmCurve) {
    assert!(!c.points.is_empty(), "{:?}: empty curve", c.arm);
    assert!(
        c.points.len() <= 160,
        "{:?}: {} points",
        c.arm,
        c.points.len()
    );
    for h in [182.0, 365.0] {
        assert!(
            c.points.iter().any(|p| p.t == h),
            "{:?}: no row at {h}",
            c.arm
        );
    }
    assert_eq!(c.points[0].t, 0.0);
    assert_eq!(c.points[0].survival, 1.0);
    for w in c.points.windows(2) {
        assert!(w[0].t < w[1].t, "{:?}: times not increasing", c.arm);
        assert!(
            w[1].survival <= w[0].survival + 1e-12,
            "{:?}: survival rises at t = {}",
            c.arm,
            w[1].t
        );
        assert!(w[1].at_risk <= w[0].at_risk, "{:?}: at risk rises", c.arm);
    }
    for p in &c.points {
        assert!(
            (0.0..=1.0).contains(&p.survival),
            "{:?}: S = {}",
            c.arm,
            p.survival
        );
        assert!(
            p.ci_lower <= p.survival + 1e-12 && p.survival <= p.ci_upper + 1e-12,
            "{:?}: t = {}: band [{}, {}] misses S = {}",
            c.arm,
            p.t,
            p.ci_lower,
            p.ci_upper,
            p.survival
        );
        assert!(p.ci_lower >= 0.0 && p.ci_upper <= 1.0);
    }
}

#[test]
fn retention_section_is_filled_sound_and_deterministic() {
    let out = run_stage();
    let s = &out.section;
    assert!(out.employers > 0 && out.labelled_employers > 0);
    assert!(out.labelled_employers < out.employers);

    // Cohorts: the three groups with their sizes; some but not all hired.
    let sizes: Vec<u64> = s.cohorts.iter().map(|c| c.n).collect();
    assert_eq!(sizes, vec![600, 900, 500]);
    assert!(s.cohorts.iter().all(|c| c.n_hired > 0 && c.n_hired < c.n));

    // Curves: two employer groups and three policies, each a proper survival curve.
    assert_eq!(s.km_by_group.len(), 2);
    assert_eq!(s.km_by_policy.len(), 3);
    for c in s.km_by_group.iter().chain(&s.km_by_policy) {
        check_curve(c);
    }

    // Retention by policy at both horizons, with the simulation's truth.
    assert_eq!(s.by_policy.len(), 6);
    for r in &s.by_policy {
        let t = r.truth.expect("policy truth");
        assert!((0.0..=1.0).contains(&t));
        assert!(r.ci_lower <= r.survival && r.survival <= r.ci_upper);
    }

    // Risk differences: naive and IPW (with truth) at both horizons, ITT and Wald.
    for m in [Method::Naive, Method::Ipw, Method::Itt, Method::WaldIv] {
        let rows: Vec<_> = s
            .risk_differences
            .iter()
            .filter(|r| r.method == m && r.truth.is_some())
            .collect();
        assert!(
            rows.iter().any(|r| r.horizon_days == 182)
                && rows.iter().any(|r| r.horizon_days == 365),
            "method {m:?}: {rows:?}"
        );
        for r in rows {
            assert!(r.se.is_finite() && r.se > 0.0, "{r:?}");
            assert!(
                r.ci_lower < r.difference && r.difference < r.ci_upper,
                "{r:?}"
            );
        }
    }
    // Labelled employers keep people longer in the simulation: the true effect is positive.
    assert!(s
        .risk_differences
        .iter()
        .filter(|r| r.method == Method::Naive && r.truth.is_some())
        .all(|r| r.truth.unwrap() > 0.0));

    // On the generated dataset itself: flagged hires by label at hire, without truth.
    let f = out
        .flagged_hires
        .as_ref()
        .expect("flagged hires on the dataset");
    assert!(f.selection.kept > 0 && f.result.groups.len() == 2);
    assert!(s.risk_differences.iter().any(|r| r.method == Method::Naive
        && r.truth.is_none()
        && r.comparison == Contrast::FlaggedHires));

    let lr = s.logrank.as_ref().expect("log-rank");
    assert_eq!(lr.df, 1.0);
    assert!((0.0..=1.0).contains(&lr.p_value));
    let cox = s.cox.as_ref().expect("Cox");
    assert_eq!(cox.ties, "efron");
    assert!(cox.terms.iter().any(|t| t.name == "group=labelled"));
    assert!(cox.events > 0 && cox.events <= cox.n);

    // Determinism: a second call gives the same section, byte for byte once serialised.
    let again = run_stage();
    assert_eq!(
        serde_json::to_string(&out.section).unwrap(),
        serde_json::to_string(&again.section).unwrap()
    );
    assert_eq!(out.section, again.section);
}
