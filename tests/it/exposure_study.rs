//! The exposure evaluation on generated data: common random numbers give an exact
//! counterfactual, exposed establishments gain, and every estimator returns a finite value.

use engagement::config::Experiment;
use engagement::exposure::study;
use engagement::reference::Reference;
use engagement::{score, synth};
use std::path::Path;

fn small(establishments: u32, design: &str) -> (Experiment, Reference) {
    let r = Reference::load();
    let text = format!(
        "[experiment]\nname = \"t\"\nseed = 7\n[territory]\ndepartements = [\"35\", \"56\"]\n\
         [generator]\nestablishments = {establishments}\nyears = 4\n[exposure]\n{design}\n"
    );
    (
        Experiment::from_toml(&text, Path::new("t.toml"), &r).unwrap(),
        r,
    )
}

fn run(exp: &Experiment, r: &Reference) -> study::ExposureStudy {
    let base = synth::generate(exp, r, false).unwrap();
    let scores = score::run(&base.dataset, &exp.score, r).unwrap();
    study::run(exp, r, &base, &scores).unwrap()
}

#[test]
fn counterfactual_is_exact_before_exposure_and_effect_is_positive_after() {
    let (exp, r) = small(2500, "effect_size = 0.3\nnonresponder_share = 0.0");
    let s = run(&exp, &r);
    let t0 = exp.exposure.waves[0];
    let first_post = s
        .periods
        .iter()
        .position(|p| p.as_str() >= format!("{}T{}", t0.year(), (t0.ymd().1 - 1) / 3 + 1).as_str())
        .unwrap();
    let pre: Vec<_> = s
        .truth_rows
        .iter()
        .filter(|t| s.periods.iter().position(|p| *p == t.period).unwrap() < first_post)
        .collect();
    assert!(!pre.is_empty());
    assert!(
        pre.iter().all(|t| t.effect == 0.0),
        "same random numbers before exposure: scores must be identical"
    );
    assert!(
        s.true_att_exposed > 0.0,
        "exposed gain: {}",
        s.true_att_exposed
    );
    assert!(s.true_effect > 0.0);
    for e in &s.estimates {
        assert!(e.estimate.is_finite() && e.se.unwrap().is_finite(), "{e:?}");
    }
    assert!(s.estimates.iter().any(|e| e.estimator == "matched_did"));
    assert!(
        s.estimates
            .iter()
            .any(|e| e.estimator == "difference_in_means_change"),
        "{:?}",
        s.warnings
    );
    assert!(s.did.pretrend_wald.is_some());
}

#[test]
fn observational_design_selects_on_traits_and_is_deterministic() {
    let (exp, r) = small(1500, "design = \"observational\"");
    let a = run(&exp, &r);
    let b = run(&exp, &r);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert!(!a
        .estimates
        .iter()
        .any(|e| e.estimator == "difference_in_means_change"));
    assert!(a.exposed > 0 && a.exposed < a.eligible);
}
