//! The exposure evaluation on a real assignment: the estimators of the synthetic study,
//! without a truth to set them against.
//!
//! On the [`ExposurePanel`](super::panel::ExposurePanel) (scores of eligible establishments,
//! cohorts from the register's exposure dates):
//! - trajectories of the mean score, exposed vs comparison;
//! - TWFE, event study with its pre-trend test, Callaway–Sant'Anna ([`estimate::did_report`],
//!   never-treated controls, varying base, multiplier bootstrap);
//! - the naive post-exposure difference (a caution, not an effect);
//! - matched DiD: nearest-neighbour matching on the propensity of exposure given the
//!   baseline covariates, outcome = change in mean score (post − pre), with its balance table;
//! - with an `arm` column (randomised): the difference in means of the changes, stratified by
//!   the register's stratum (strata with fewer than two units per arm pooled), and its
//!   randomisation-inference p-value under the same stratified assignment.
//!
//! Pre and post are split at each exposed unit's cohort and, for comparison units, at the
//! first cohort, exactly as the synthetic study does, so that the same scores and assignment
//! give the same numbers on both paths.

use super::panel::{ExposurePanel, BASELINE_COVARIATES};
use super::register::Arm;
use crate::estimate::{self, matching, randomised, trajectories, DidOptions, Panel};
use crate::exposure::Design;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One estimate of the exposure effect, in score points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectEstimate {
    /// Estimator key: `naive_post_difference`, `twfe`, `cs_simple`,
    /// `difference_in_means_change`, `matched_did`.
    pub estimator: String,
    pub estimate: f64,
    pub se: f64,
    pub ci95: [f64; 2],
}

/// Baseline balance of one covariate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceRow {
    pub covariate: String,
    pub mean_exposed: f64,
    pub mean_comparison: f64,
    pub smd: f64,
    pub smd_after_matching: Option<f64>,
}

/// What the evaluation finds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureEvaluation {
    /// Randomised (register with arms), staggered (several cohorts) or observational.
    pub design: Design,
    pub baseline_period: String,
    pub periods: Vec<String>,
    /// Distinct exposure months, `AAAA-MM`.
    pub waves: Vec<String>,
    pub eligible: u64,
    pub exposed: u64,
    pub comparison: u64,
    pub registered_not_eligible: u64,
    pub estimates: Vec<EffectEstimate>,
    pub did: estimate::DidResult,
    pub randomisation_p_value: Option<f64>,
    pub trajectories: Vec<trajectories::TrajectoryPoint>,
    pub balance: Vec<BalanceRow>,
    pub warnings: Vec<String>,
}

/// Options: bootstrap and randomisation draws, and their seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvaluationOptions {
    /// Multiplier-bootstrap draws of CS (0: none); randomisation inference draws
    /// `2 × draws + 1` assignments.
    pub draws: usize,
    pub seed: u64,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn var(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64
}

fn estimate(name: &str, est: f64, se: f64) -> EffectEstimate {
    let z = 1.959_963_984_540_054;
    EffectEstimate {
        estimator: name.into(),
        estimate: est,
        se,
        ci95: [est - z * se, est + z * se],
    }
}

/// Per unit: mean score before and after exposure (comparison units split at the first
/// cohort), for units seen on both sides.
struct Changes {
    units: Vec<usize>,
    pre: HashMap<usize, Vec<f64>>,
    post: HashMap<usize, Vec<f64>>,
}

fn changes(p: &ExposurePanel) -> Changes {
    let first_g = p
        .units
        .iter()
        .filter_map(|u| u.cohort)
        .min()
        .unwrap_or(i64::MAX);
    let (mut pre, mut post): (HashMap<usize, Vec<f64>>, HashMap<usize, Vec<f64>>) =
        Default::default();
    for &(k, t, y) in &p.rows {
        let g = p.units[k].cohort.unwrap_or(first_g);
        if t < g { &mut pre } else { &mut post }
            .entry(k)
            .or_default()
            .push(y);
    }
    let mut units: Vec<usize> = p.rows.iter().map(|r| r.0).collect();
    units.dedup();
    Changes { units, pre, post }
}

/// Runs the evaluation (see the module docs).
///
/// # Errors
/// The DiD estimators' errors on an unusable panel (a single unit, no never-exposed unit).
pub fn evaluate(
    p: &ExposurePanel,
    randomised_arms: bool,
    opts: EvaluationOptions,
) -> Result<ExposureEvaluation, estimate::EstimateError> {
    let unit: Vec<u64> = p.rows.iter().map(|r| p.units[r.0].siret).collect();
    let time: Vec<i64> = p.rows.iter().map(|r| r.1).collect();
    let y: Vec<f64> = p.rows.iter().map(|r| r.2).collect();
    let cohort: Vec<Option<i64>> = p.rows.iter().map(|r| p.units[r.0].cohort).collect();
    let panel = Panel::new(&unit, &time, &y, &cohort, Vec::new())?;
    let did = estimate::did_report(
        &panel,
        &DidOptions {
            bootstrap: (opts.draws > 0).then_some(estimate::cs::BootstrapOptions {
                iterations: opts.draws,
                seed: opts.seed,
            }),
            pretrend_bin_below: Some(estimate::event_study::HEADLINE_BIN_BELOW),
            ..DidOptions::default()
        },
    )?;
    let ch = changes(p);
    let exposed = |k: usize| p.units[k].cohort.is_some();
    let mut warnings = Vec::new();
    let (mut post_e, mut post_c) = (Vec::new(), Vec::new());
    for &k in &ch.units {
        if let Some(v) = ch.post.get(&k) {
            if exposed(k) { &mut post_e } else { &mut post_c }.push(mean(v));
        }
    }
    let naive_se = (var(&post_e) / post_e.len() as f64 + var(&post_c) / post_c.len() as f64).sqrt();
    let mut estimates = vec![
        estimate(
            "naive_post_difference",
            mean(&post_e) - mean(&post_c),
            naive_se,
        ),
        estimate("twfe", did.twfe.att, did.twfe.se),
        estimate("cs_simple", did.cs.simple.att, did.cs.simple.se),
    ];
    let mut randomisation_p_value = None;
    if randomised_arms {
        randomisation_p_value = difference_in_means(p, &ch, opts, &mut estimates, &mut warnings);
    }
    let groups: Vec<String> = cohort
        .iter()
        .map(|c| if c.is_some() { "exposed" } else { "comparison" }.to_string())
        .collect();
    let traj = trajectories::trajectories(&y, &groups, &time)?;
    let balance = matched(p, &ch, &mut estimates, &mut warnings);
    let mut waves: Vec<String> = p
        .units
        .iter()
        .filter_map(|u| u.exposed_on.map(|d| d.to_string()[..7].to_string()))
        .collect();
    waves.sort();
    waves.dedup();
    let n_cohorts = {
        let mut c: Vec<i64> = p.units.iter().filter_map(|u| u.cohort).collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    Ok(ExposureEvaluation {
        design: match (randomised_arms, n_cohorts) {
            (true, _) => Design::Randomised,
            (false, 1) => Design::Observational,
            (false, _) => Design::Staggered,
        },
        baseline_period: p.baseline_label().to_string(),
        periods: p.periods.iter().map(|x| x.label.clone()).collect(),
        waves,
        eligible: p.units.len() as u64,
        exposed: p.exposed() as u64,
        comparison: p.comparison() as u64,
        registered_not_eligible: p.registered_not_eligible,
        estimates,
        did,
        randomisation_p_value,
        trajectories: traj,
        balance,
        warnings,
    })
}

/// Difference in means of the changes, stratified, and its randomisation p-value.
fn difference_in_means(
    p: &ExposurePanel,
    ch: &Changes,
    opts: EvaluationOptions,
    estimates: &mut Vec<EffectEstimate>,
    warnings: &mut Vec<String>,
) -> Option<f64> {
    let (mut chg, mut treated, mut strata) = (Vec::new(), Vec::new(), Vec::new());
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for &k in &ch.units {
        let (Some(post), Some(pre)) = (ch.post.get(&k), ch.pre.get(&k)) else {
            continue;
        };
        let u = &p.units[k];
        chg.push(mean(post) - mean(pre));
        treated.push(u.arm == Some(Arm::Treatment));
        let n = ids.len();
        strata.push(*ids.entry(u.stratum.as_deref().unwrap_or("")).or_insert(n));
    }
    let pooled = crate::exposure::study::pool_small_strata(&treated, &strata);
    match randomised::diff_in_means(&chg, &treated, Some(&pooled)) {
        Ok(dm) => estimates.push(estimate("difference_in_means_change", dm.estimate, dm.se)),
        Err(e) => warnings.push(format!("difference in means not computed: {e}")),
    }
    (opts.draws > 0)
        .then(|| {
            randomised::randomisation_test(
                &chg,
                &treated,
                Some(&pooled),
                2 * opts.draws + 1,
                opts.seed,
            )
            .ok()
            .map(|r| r.p_value)
        })
        .flatten()
}

/// Matched DiD on the baseline covariates; returns the balance table.
fn matched(
    p: &ExposurePanel,
    ch: &Changes,
    estimates: &mut Vec<EffectEstimate>,
    warnings: &mut Vec<String>,
) -> Vec<BalanceRow> {
    let (mut my, mut mt, mut mx) = (Vec::new(), Vec::new(), Vec::new());
    for &k in &ch.units {
        let (Some(post), Some(pre)) = (ch.post.get(&k), ch.pre.get(&k)) else {
            continue;
        };
        my.push(mean(post) - mean(pre));
        mt.push(p.units[k].cohort.is_some());
        mx.push(p.units[k].baseline.to_vec());
    }
    let result = crate::stats::linalg::Matrix::from_rows(&mx)
        .map_err(estimate::EstimateError::from)
        .and_then(|x| {
            matching::match_att(
                &matching::MatchData {
                    y: my,
                    treated: mt,
                    x,
                    names: BASELINE_COVARIATES.iter().map(|s| s.to_string()).collect(),
                    strata: None,
                },
                &matching::MatchOptions::default(),
            )
        });
    match result {
        Ok(m) => {
            estimates.push(estimate("matched_did", m.att, m.se));
            m.balance
                .iter()
                .map(|b| BalanceRow {
                    covariate: b.covariate.clone(),
                    mean_exposed: b.mean_treated,
                    mean_comparison: b.mean_control_before,
                    smd: b.smd_before,
                    smd_after_matching: Some(b.smd_after),
                })
                .collect()
        }
        Err(e) => {
            warnings.push(format!("matched DiD not computed: {e}"));
            Vec::new()
        }
    }
}
