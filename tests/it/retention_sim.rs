//! The retention simulation: planted effects are recovered (adjusted ≈ truth, naive biased),
//! encouragement ITT/Wald match their true values, common random numbers hold.

use engagement::retention::sim::{simulate, PlacementEmployer, RetentionStudy};
use engagement::retention::{Policy, RetentionDesign};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// 600 employers in 3 zones × 4 sectors; labelled ones are truly more inclusive and keep
/// people longer (the planted effect), by `gap`.
fn employers(seed: u64, gap: f64) -> Vec<PlacementEmployer> {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    (0..600)
        .map(|i| {
            let labelled = r.random::<f64>() < 0.3;
            let incl: f64 = r.random::<f64>() * 2.0 - 1.0 + if labelled { gap } else { 0.0 };
            PlacementEmployer {
                siret: 10_000_000_000_000 + i,
                zone: format!("z{}", i % 3),
                sector: format!("s{}", (i / 3) % 4),
                labelled,
                label_level: u8::from(labelled),
                true_inclusiveness: incl,
                true_separation_multiplier: (-0.4 * incl).exp(),
                vacancies: 1.0 + r.random::<f64>() * 4.0,
            }
        })
        .collect()
}

fn design(policy: Policy, bootstrap: i64) -> RetentionDesign {
    let raw: engagement::retention::RawRetentionDesign = toml::from_str(&format!(
        "policy = \"{}\"\nipw_bootstrap = {bootstrap}\n",
        policy.name()
    ))
    .unwrap();
    raw.validate().unwrap()
}

#[test]
fn status_quo_naive_is_biased_and_ipw_recovers_the_planted_effect() {
    let d = design(Policy::StatusQuo, 100);
    let sim = simulate(&employers(1, 0.8), &d, 42).unwrap();
    let study = RetentionStudy::run(&sim, &d, 7).unwrap();
    assert!(study.hires > 3000, "{} hires", study.hires);
    for c in &study.labelled_effect {
        let adj = c.adjusted.unwrap();
        eprintln!(
            "t={} truth={:.4} naive={:.4} (bias {:+.4}) adjusted={:.4} se={:.4} (bias {:+.4})",
            c.t,
            c.truth,
            c.naive.difference,
            c.naive_bias,
            adj.estimate,
            adj.se,
            c.adjusted_bias.unwrap()
        );
        assert!(
            c.truth > 0.02,
            "planted effect should be positive: {}",
            c.truth
        );
        assert!(
            c.naive_bias > 0.02,
            "naive should be biased upward: {}",
            c.naive_bias
        );
        assert!(
            c.adjusted_bias.unwrap().abs() < 3.0 * adj.se.max(0.01),
            "adjusted off truth"
        );
        assert!(c.adjusted_bias.unwrap().abs() < 0.5 * c.naive_bias);
    }
    let cox = study.cox.as_ref().unwrap();
    assert_eq!(cox.terms[0].name, "group=labelled");
    assert!(cox.terms[0].hazard_ratio < 1.0);
}

#[test]
fn encouragement_itt_and_wald_match_truth() {
    let d = design(Policy::Encouragement, 0);
    let sim = simulate(&employers(2, 0.8), &d, 43).unwrap();
    let study = RetentionStudy::run(&sim, &d, 8).unwrap();
    assert!(!study.encouragement.is_empty());
    for e in &study.encouragement {
        eprintln!(
            "t={} n={} itt={:.4}±{:.4} true {:.4}; first stage {:.3}; wald={:.4}±{:.4} true {:?}",
            e.t,
            e.n,
            e.estimate.itt.estimate,
            e.estimate.itt.se,
            e.true_itt,
            e.estimate.first_stage.estimate,
            e.estimate.wald.estimate,
            e.estimate.wald.se,
            e.true_wald
        );
        assert!(
            e.estimate.first_stage.estimate > 0.15,
            "first stage (hired at a labelled employer) too weak"
        );
        assert!((e.estimate.itt.estimate - e.true_itt).abs() < 3.5 * e.estimate.itt.se);
        assert!((e.estimate.wald.estimate - e.true_wald.unwrap()).abs() < 3.5 * e.estimate.wald.se);
    }
    assert_eq!(study.return_to_employment.len(), 2 * d.horizons.len());
}

#[test]
fn common_random_numbers_and_determinism() {
    let d = design(Policy::LabelPriority, 0);
    let emp = employers(3, 0.8);
    let a = simulate(&emp, &d, 44).unwrap();
    let b = simulate(&emp, &d, 44).unwrap();
    assert_eq!(a, b);
    // label priority only moves people towards labelled employers (monotone, same draws)
    for t in &a.truth {
        assert!(!t.status_quo.labelled || t.label_priority.labelled);
        if t.status_quo.labelled == t.label_priority.labelled {
            assert_eq!(t.status_quo, t.label_priority);
        }
    }
    let sq = &a.policies[0];
    let lp = &a.policies[1];
    assert!(lp.labelled_share_of_hires > sq.labelled_share_of_hires + 0.3);
    assert!(lp.retention["365"] > sq.retention["365"]);
    // calibration E8: 12-month retention of hires about 50–60% (we allow 40–75%)
    assert!(
        (0.4..0.75).contains(&sq.retention["365"]),
        "{}",
        sq.retention["365"]
    );
    // calibration E3/E5: about half back in a job within a year (we allow 30–65%)
    assert!(
        (0.3..0.65).contains(&sq.hired_within["365"]),
        "{}",
        sq.hired_within["365"]
    );
}

#[test]
fn no_planted_effect_gives_a_null_truth_and_an_unbiased_adjusted_estimate() {
    let d = design(Policy::StatusQuo, 100);
    let sim = simulate(&employers(4, 0.0), &d, 45).unwrap();
    let study = RetentionStudy::run(&sim, &d, 9).unwrap();
    for c in &study.labelled_effect {
        let adj = c.adjusted.unwrap();
        eprintln!(
            "null: t={} truth={:.4} naive={:.4} adjusted={:.4}±{:.4}",
            c.t, c.truth, c.naive.difference, adj.estimate, adj.se
        );
        assert!(c.truth.abs() < 0.03);
        assert!(adj.ci_lower < c.truth && c.truth < adj.ci_upper + 0.01);
    }
}

#[test]
fn person_table_dataframe_has_one_row_per_person() {
    let d = design(Policy::StatusQuo, 0);
    let sim = simulate(&employers(5, 0.5), &d, 46).unwrap();
    let df = engagement::retention::sim::persons_df(&sim.persons).unwrap();
    assert_eq!(df.height(), 10_000);
    let hired = sim.persons.iter().filter(|p| p.hired).count();
    assert_eq!(df.column("duration").unwrap().null_count(), 10_000 - hired);
}

#[test]
fn bad_employers_are_rejected() {
    let d = design(Policy::StatusQuo, 0);
    assert!(simulate(&[], &d, 1).is_err());
    let mut e = employers(6, 0.0);
    e[3].vacancies = 0.0;
    let err = simulate(&e, &d, 1).unwrap_err().to_string();
    assert!(
        err.contains("vacancies") && err.contains(&e[3].siret.to_string()),
        "{err}"
    );
}

/// Coverage of the 95% intervals over replications: KM log(−log) interval of S(182), the
/// log-rank size under the null, and the IPW-adjusted difference against the simulated truth.
/// Run: `cargo test --test it retention_sim::coverage -- --ignored --nocapture`
#[test]
#[ignore = "slow: 500 KM/log-rank replications and 100 simulated cohorts with bootstrap"]
fn coverage_and_size() {
    use engagement::retention::{estimate_retention, PersonTable, RetentionOptions};
    let reps = 500;
    let (mut cover, mut reject) = (0, 0);
    let truth = (-182.0f64 / 300.0).exp();
    for rep in 0..reps {
        let mut r = ChaCha8Rng::seed_from_u64(rep);
        let n = 300;
        let (mut d, mut e, mut g) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            let t: f64 = -300.0 * (1.0 - r.random::<f64>()).ln();
            let c: f64 = r.random_range(50.0..700.0);
            d.push(t.min(c).ceil());
            e.push(t <= c);
            g.push(if i % 2 == 0 { "a" } else { "b" }.to_string());
        }
        // truth on the day grid: S(182) = P(ceil(T) > 182) = P(T > 182)
        let tab = PersonTable::new(d, e, g).unwrap();
        let res = estimate_retention(&tab, &RetentionOptions::default()).unwrap();
        let row = &res.groups["a"].horizons[0];
        if row.ci_lower <= truth && truth <= row.ci_upper {
            cover += 1;
        }
        if res.logrank.unwrap().p_value < 0.05 {
            reject += 1;
        }
    }
    let (cov, size) = (cover as f64 / reps as f64, reject as f64 / reps as f64);
    eprintln!(
        "KM S(182) log(-log) coverage {cov:.3}, log-rank size {size:.3} over {reps} replications"
    );
    assert!((0.93..=0.97).contains(&cov));
    assert!((0.03..=0.07).contains(&size));

    let d = design(Policy::StatusQuo, 100);
    let emp = employers(7, 0.8);
    let sims = 100;
    let (mut cov_adj, mut bias_adj, mut bias_naive) = (vec![0; 2], vec![0.0; 2], vec![0.0; 2]);
    for s in 0..sims {
        let sim = simulate(&emp, &d, 1000 + s).unwrap();
        let study = RetentionStudy::run(&sim, &d, s).unwrap();
        for (k, c) in study.labelled_effect.iter().enumerate() {
            let a = c.adjusted.unwrap();
            if a.ci_lower <= c.truth && c.truth <= a.ci_upper {
                cov_adj[k] += 1;
            }
            bias_adj[k] += c.adjusted_bias.unwrap() / sims as f64;
            bias_naive[k] += c.naive_bias / sims as f64;
        }
    }
    eprintln!(
        "IPW over {sims} cohorts: coverage {:?}, mean bias adjusted {:?}, naive {:?}",
        cov_adj
            .iter()
            .map(|c| *c as f64 / sims as f64)
            .collect::<Vec<_>>(),
        bias_adj,
        bias_naive
    );
    for k in 0..2 {
        assert!(cov_adj[k] as f64 / sims as f64 >= 0.88);
        assert!(bias_adj[k].abs() < 0.3 * bias_naive[k].abs());
    }
}
