//! The exposure evaluation on generated data, with known truth.
//!
//! 1. Score the unexposed world; establishments scored and not labelled in the last period
//!    before the first exposure are eligible.
//! 2. Assign exposure by the design, and generate the exposed world with the response as a
//!    trait shift. Both worlds share every other random number (common random numbers), so
//!    the true effect of exposure on each establishment's score in each period is the
//!    difference of the two scores.
//! 3. Estimate the effect from the exposed world only, as an evaluator would: naive post
//!    comparison, TWFE, event study with pre-trend test, Callaway–Sant'Anna, difference in
//!    means with randomisation inference (randomised designs), and report each estimate
//!    beside the truth.

use super::{assign, Assignment, Candidate, Design, ExposureDesign, Response};
use crate::config::Experiment;
use crate::estimate::{self, matching, randomised, trajectories, DidOptions, DidResult, Panel};
use crate::reference::Reference;
use crate::score::{self, ScoreOutput};
use crate::synth::{self, Synthetic};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    #[error(transparent)]
    Exposure(#[from] super::ExposureError),
    #[error(transparent)]
    Score(#[from] score::ScoreError),
    #[error(transparent)]
    Estimate(#[from] estimate::EstimateError),
    #[error(transparent)]
    Synth(#[from] synth::SynthError),
    #[error("no scored period ends before the first exposure ({0})")]
    NoBaseline(String),
}

/// An estimate with its interval, beside the truth it targets.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EstimateVsTruth {
    /// Estimator name.
    pub estimator: String,
    pub estimate: f64,
    pub se: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// The true value of the estimand, from the counterfactual world.
    pub truth: f64,
    /// Whether the interval covers the truth.
    pub covers: Option<bool>,
}

/// Standardised mean difference of a pre-exposure covariate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Balance {
    pub covariate: String,
    pub mean_exposed: f64,
    pub mean_comparison: f64,
    /// (mean_e − mean_c) / sqrt((var_e + var_c) / 2).
    pub smd: f64,
    /// The same after nearest-neighbour matching on the propensity score.
    pub smd_after_matching: Option<f64>,
}

/// True effect of exposure on one establishment's score in one period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TruthRow {
    pub siret: u64,
    pub period: String,
    pub exposed: bool,
    /// Score with exposure minus score without, both calculable.
    pub effect: f64,
}

/// Everything the exposure evaluation produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExposureStudy {
    pub design: ExposureDesign,
    /// Label of the last scored period before the first exposure.
    pub baseline_period: String,
    pub eligible: usize,
    pub exposed: usize,
    pub responders: usize,
    /// Period labels, index i ↔ panel time i + 1.
    pub periods: Vec<String>,
    /// Naive and design-based estimates beside the truth.
    pub estimates: Vec<EstimateVsTruth>,
    /// True mean effect by event time (periods since exposure), exposed units.
    pub true_dynamic: BTreeMap<i64, f64>,
    /// TWFE, event study, pre-trend test and Callaway–Sant'Anna on the exposed world.
    pub did: DidResult,
    /// Randomisation-inference p-value of the change in score (randomised designs).
    pub randomisation_p_value: Option<f64>,
    /// True mean post-exposure effect on exposed establishments' scores.
    pub true_att_exposed: f64,
    /// True mean post-exposure effect on the comparison group (through peer norms).
    pub true_effect_comparison: f64,
    /// Mean score by group and period with 95% intervals.
    pub trajectories: Vec<trajectories::TrajectoryPoint>,
    /// Balance of pre-exposure covariates, exposed vs comparison.
    pub balance: Vec<Balance>,
    /// Estimators that could not run, and why.
    pub warnings: Vec<String>,
    /// Per establishment and period true effects.
    #[serde(skip)]
    pub truth_rows: Vec<TruthRow>,
    /// Exposure assignments.
    #[serde(skip)]
    pub assignments: Vec<Assignment>,
    /// The evaluation panel (exposed world, eligible establishments).
    #[serde(skip)]
    pub panel: Option<Panel>,
    /// True relative effect (exposed minus comparison), the DiD estimand.
    pub true_effect: f64,
    /// The same on Callaway–Sant'Anna's analysis sample (units observed in every period).
    #[serde(default)]
    pub true_effect_cs: f64,
    /// Scores of the exposed world (for the report's example sheets).
    #[serde(skip)]
    pub exposed_scores: Option<ScoreOutput>,
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn var(v: &[f64]) -> f64 {
    let m = mean(v);
    if v.len() < 2 {
        return f64::NAN;
    }
    v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64
}

fn covers(est: f64, se: Option<f64>, truth: f64) -> (Option<[f64; 2]>, Option<bool>) {
    match se {
        Some(s) if s.is_finite() => {
            let ci = [
                est - 1.959_963_984_540_054 * s,
                est + 1.959_963_984_540_054 * s,
            ];
            (Some(ci), Some(ci[0] <= truth && truth <= ci[1]))
        }
        _ => (None, None),
    }
}

/// Runs the exposure evaluation on an already generated and scored unexposed world.
pub fn run(
    exp: &Experiment,
    reference: &Reference,
    base: &Synthetic,
    base_scores: &ScoreOutput,
) -> Result<ExposureStudy, StudyError> {
    run_with(exp, reference, base, base_scores, 499)
}

/// [`run`] with a chosen number of multiplier-bootstrap and randomisation draws (0: none,
/// as in Monte Carlo replications where only the analytic intervals are assessed).
pub fn run_with(
    exp: &Experiment,
    reference: &Reference,
    base: &Synthetic,
    base_scores: &ScoreOutput,
    draws: usize,
) -> Result<ExposureStudy, StudyError> {
    let design = &exp.exposure;
    let periods = base_scores.periods();
    let t0 = design.waves[0];
    let p0 = periods
        .iter()
        .filter(|p| p.end < t0)
        .map(|p| p.index)
        .max()
        .ok_or_else(|| StudyError::NoBaseline(t0.to_string()))?;

    // Eligibility and strata at the baseline period.
    let at_p0: HashMap<u64, &score::ScoreRow> = base_scores
        .scores
        .iter()
        .filter(|r| r.period == p0)
        .map(|r| (r.siret, r))
        .collect();
    let est_by_siret: HashMap<u64, &crate::model::Establishment> = base
        .dataset
        .establishments
        .iter()
        .map(|e| (e.siret, e))
        .collect();
    let mut candidates: Vec<Candidate> = base
        .truth
        .iter()
        .map(|t| {
            let row = at_p0.get(&t.siret);
            let eligible = row.is_some_and(|r| r.composite.is_some() && r.label == Some(0));
            let est = est_by_siret.get(&t.siret);
            let naf2 = est.map_or("", |e| e.naf_division());
            let zone = est.map_or("", |e| e.zone.as_str());
            Candidate {
                index: t.index as usize,
                siret: t.siret,
                eligible,
                stratum: row.map_or_else(String::new, |r| format!("g{}", r.peer_group)),
                spill_group: format!("{zone}|{naf2}"),
                slots: t.slots,
                inclusiveness: t.inclusiveness,
            }
        })
        .collect();
    // The generator's shift is indexed by generation order.
    candidates.sort_by_key(|c| c.index);
    let sorted = candidates;
    let assignments = assign(design, &sorted, exp.seed)?;
    let response = Response::new(
        design,
        &assignments,
        &sorted,
        base.dataset.coverage.start,
        exp.generator.inclusiveness_loading,
    );
    let exposed_world = synth::generate_with_shift(exp, reference, &response, false)?;
    let exposed_scores = score::run(&exposed_world.dataset, &exp.score, reference)?;

    // Composite scores of both worlds by (siret, period).
    let composite = |s: &ScoreOutput| -> HashMap<(u64, u32), f64> {
        s.scores
            .iter()
            .filter_map(|r| r.composite.map(|c| ((r.siret, r.period), c)))
            .collect()
    };
    let (y0, y1) = (composite(base_scores), composite(&exposed_scores));
    let by_siret: HashMap<u64, &Assignment> = assignments.iter().map(|a| (a.siret, a)).collect();
    let cohort_of = |a: &Assignment| -> Option<i64> {
        a.exposed_from.and_then(|d| {
            periods
                .iter()
                .find(|p| p.end >= d)
                .map(|p| p.index as i64 + 1)
        })
    };

    // The evaluation panel: eligible establishments, exposed world, calculable periods.
    let mut unit = Vec::new();
    let mut time = Vec::new();
    let mut y = Vec::new();
    let mut cohort = Vec::new();
    let mut truth_rows = Vec::new();
    let mut post_truth = Vec::new();
    let mut post_truth_comparison = Vec::new();
    let mut post_cells: Vec<(u64, bool, f64)> = Vec::new();
    let first_wave = cohort_of_first(&assignments, periods);
    let mut dyn_truth: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    let mut keys: Vec<&(u64, u32)> = y1.keys().collect();
    keys.sort();
    for &&(siret, period) in &keys {
        let Some(a) = by_siret.get(&siret) else {
            continue;
        };
        let g = cohort_of(a);
        if let Some(&base_y) = y0.get(&(siret, period)) {
            let effect = y1[&(siret, period)] - base_y;
            truth_rows.push(TruthRow {
                siret,
                period: periods[period as usize].label.clone(),
                exposed: g.is_some(),
                effect,
            });
            if g.is_none() && a.eligible && first_wave.is_some_and(|f| period as i64 + 1 >= f) {
                post_truth_comparison.push(effect);
                post_cells.push((siret, false, effect));
            }
            if let Some(g) = g {
                let t = period as i64 + 1;
                dyn_truth.entry(t - g).or_default().push(effect);
                if t >= g {
                    post_truth.push(effect);
                    post_cells.push((siret, true, effect));
                }
            }
        }
        if !a.eligible {
            continue;
        }
        unit.push(siret);
        time.push(period as i64 + 1);
        y.push(y1[&(siret, period)]);
        cohort.push(g);
    }
    let panel = Panel::new(&unit, &time, &y, &cohort, Vec::new())?;
    // Scores are relative to peers: when exposed establishments improve, their peers'
    // positions fall. Difference-in-differences identifies the effect on the exposed minus
    // the (spillover) effect on the comparison group; both are reported.
    let true_att_exposed = mean(&post_truth);
    let true_effect_comparison = if post_truth_comparison.is_empty() {
        0.0
    } else {
        mean(&post_truth_comparison)
    };
    let true_att = true_att_exposed - true_effect_comparison;
    let did = estimate::did_report(
        &panel,
        &DidOptions {
            bootstrap: (draws > 0).then_some(estimate::cs::BootstrapOptions {
                iterations: draws,
                seed: exp.seed,
            }),
            ..DidOptions::default()
        },
    )?;

    // Unit-level pre and post means for the naive and randomised comparisons.
    let mut pre: HashMap<u64, Vec<f64>> = HashMap::new();
    let mut post: HashMap<u64, Vec<f64>> = HashMap::new();
    let first_g = cohort.iter().flatten().min().copied().unwrap_or(i64::MAX);
    for i in 0..unit.len() {
        let g = cohort[i].unwrap_or(first_g);
        if time[i] < g {
            pre.entry(unit[i]).or_default().push(y[i]);
        } else {
            post.entry(unit[i]).or_default().push(y[i]);
        }
    }
    let mut units: Vec<u64> = unit.clone();
    units.sort_unstable();
    units.dedup();
    let (mut post_e, mut post_c) = (Vec::new(), Vec::new());
    let (mut chg, mut chg_treated, mut chg_strata) = (Vec::new(), Vec::new(), Vec::new());
    let mut stratum_ids: BTreeMap<&str, usize> = BTreeMap::new();
    for u in &units {
        let a = by_siret[u];
        let exposed = a.exposed_from.is_some();
        if let Some(p) = post.get(u) {
            if exposed {
                post_e.push(mean(p))
            } else {
                post_c.push(mean(p))
            }
            if let Some(b) = pre.get(u) {
                chg.push(mean(p) - mean(b));
                chg_treated.push(exposed);
                let n = stratum_ids.len();
                chg_strata.push(*stratum_ids.entry(a.stratum.as_str()).or_insert(n));
            }
        }
    }
    let mut estimates = Vec::new();
    let mut warnings = Vec::new();
    let naive = mean(&post_e) - mean(&post_c);
    let naive_se = (var(&post_e) / post_e.len() as f64 + var(&post_c) / post_c.len() as f64).sqrt();
    let (ci, cov) = covers(naive, Some(naive_se), true_att);
    estimates.push(EstimateVsTruth {
        estimator: "naive_post_difference".into(),
        estimate: naive,
        se: Some(naive_se),
        ci95: ci,
        truth: true_att,
        covers: cov,
    });
    let push = |estimates: &mut Vec<EstimateVsTruth>, name: &str, est: f64, se: f64| {
        let (ci, cov) = covers(est, Some(se), true_att);
        estimates.push(EstimateVsTruth {
            estimator: name.into(),
            estimate: est,
            se: Some(se),
            ci95: ci,
            truth: true_att,
            covers: cov,
        });
    };
    push(&mut estimates, "twfe", did.twfe.att, did.twfe.se);
    // Callaway–Sant'Anna keeps the units observed in every period: its truth is the same
    // relative effect on that analysis sample.
    let true_effect_cs = sample_truth(&post_cells, &did.cs.units, &panel);
    let (ci, cov) = covers(did.cs.simple.att, Some(did.cs.simple.se), true_effect_cs);
    estimates.push(EstimateVsTruth {
        estimator: "cs_simple".into(),
        estimate: did.cs.simple.att,
        se: Some(did.cs.simple.se),
        ci95: ci,
        truth: true_effect_cs,
        covers: cov,
    });
    let mut randomisation_p_value = None;
    if design.design != Design::Observational {
        // Change in mean score, post minus pre; the truth is the mean post effect.
        // Strata too small for the Neyman variance (fewer than 2 units per arm) are pooled.
        let pooled = pool_small_strata(&chg_treated, &chg_strata);
        match randomised::diff_in_means(&chg, &chg_treated, Some(&pooled)) {
            Ok(dm) => push(
                &mut estimates,
                "difference_in_means_change",
                dm.estimate,
                dm.se,
            ),
            Err(e) => warnings.push(format!("difference in means not computed: {e}")),
        }
        if draws > 0 {
            randomisation_p_value = randomised::randomisation_test(
                &chg,
                &chg_treated,
                Some(&pooled),
                2 * draws + 1,
                exp.seed,
            )
            .ok()
            .map(|r| r.p_value);
        }
    }

    // Trajectories and baseline balance.
    let groups: Vec<String> = cohort
        .iter()
        .map(|c| if c.is_some() { "exposed" } else { "comparison" }.to_string())
        .collect();
    let traj = trajectories::trajectories(&y, &groups, &time)?;
    let ind_p0: HashMap<u64, &crate::indicators::IndicatorRow> = base_scores
        .indicators
        .rows
        .iter()
        .filter(|r| r.period == p0)
        .map(|r| (r.siret, r))
        .collect();
    // Matched DiD: nearest-neighbour matching on the propensity of exposure given
    // pre-exposure covariates, outcome = change in mean score (post − pre); its balance
    // table (standardised mean differences before and after matching) is the report's.
    let cov_names = ["baseline_score", "log_headcount", "hires", "exit_rate"];
    let (mut my, mut mt, mut mx) = (Vec::new(), Vec::new(), Vec::new());
    for u in &units {
        let (Some(r), Some(s0), Some(p), Some(b)) =
            (ind_p0.get(u), y0.get(&(*u, p0)), post.get(u), pre.get(u))
        else {
            continue;
        };
        my.push(mean(p) - mean(b));
        mt.push(by_siret[u].exposed_from.is_some());
        mx.push(vec![
            *s0,
            r.headcount.max(0.5).ln(),
            r.hires as f64,
            r.exits as f64 / r.headcount.max(0.5),
        ]);
    }
    let mut balance = Vec::new();
    let matched = crate::stats::linalg::Matrix::from_rows(&mx)
        .map_err(estimate::EstimateError::from)
        .and_then(|x| {
            matching::match_att(
                &matching::MatchData {
                    y: my,
                    treated: mt,
                    x,
                    names: cov_names.iter().map(|s| s.to_string()).collect(),
                    strata: None,
                },
                &matching::MatchOptions::default(),
            )
        });
    match matched {
        Ok(m) => {
            push(&mut estimates, "matched_did", m.att, m.se);
            balance = m
                .balance
                .iter()
                .map(|b| Balance {
                    covariate: b.covariate.clone(),
                    mean_exposed: b.mean_treated,
                    mean_comparison: b.mean_control_before,
                    smd: b.smd_before,
                    smd_after_matching: Some(b.smd_after),
                })
                .collect();
        }
        Err(e) => warnings.push(format!("matched DiD not computed: {e}")),
    }

    Ok(ExposureStudy {
        design: design.clone(),
        baseline_period: periods[p0 as usize].label.clone(),
        eligible: assignments.iter().filter(|a| a.eligible).count(),
        exposed: assignments
            .iter()
            .filter(|a| a.exposed_from.is_some())
            .count(),
        responders: assignments.iter().filter(|a| a.responder).count(),
        periods: periods.iter().map(|p| p.label.clone()).collect(),
        estimates,
        true_dynamic: dyn_truth.into_iter().map(|(k, v)| (k, mean(&v))).collect(),
        did,
        randomisation_p_value,
        true_att_exposed,
        true_effect_comparison,
        trajectories: traj,
        balance,
        warnings,
        truth_rows,
        assignments,
        panel: Some(panel),
        true_effect: true_att,
        true_effect_cs,
        exposed_scores: Some(exposed_scores),
    })
}

/// Mean true effect on the exposed minus that on the comparison units, over the post cells
/// of the units in `units` (panel indices).
fn sample_truth(cells: &[(u64, bool, f64)], units: &[usize], panel: &Panel) -> f64 {
    let keep: std::collections::HashSet<&str> = units
        .iter()
        .map(|&u| panel.unit_labels[u].as_str())
        .collect();
    let pick = |exposed: bool| -> Vec<f64> {
        cells
            .iter()
            .filter(|(s, e, _)| *e == exposed && keep.contains(s.to_string().as_str()))
            .map(|c| c.2)
            .collect()
    };
    let comparison = pick(false);
    let spill = if comparison.is_empty() {
        0.0
    } else {
        mean(&comparison)
    };
    mean(&pick(true)) - spill
}

/// Panel time of the first exposure wave.
fn cohort_of_first(
    assignments: &[Assignment],
    periods: &[crate::indicators::Period],
) -> Option<i64> {
    let first = assignments.iter().filter_map(|a| a.exposed_from).min()?;
    periods
        .iter()
        .find(|p| p.end >= first)
        .map(|p| p.index as i64 + 1)
}

/// Merges strata lacking two treated and two control units into one pooled stratum.
fn pool_small_strata(treated: &[bool], strata: &[usize]) -> Vec<usize> {
    let mut counts: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (t, s) in treated.iter().zip(strata) {
        let c = counts.entry(*s).or_default();
        if *t {
            c.0 += 1
        } else {
            c.1 += 1
        }
    }
    let ok = |s: &usize| counts[s].0 >= 2 && counts[s].1 >= 2;
    // The pooled stratum goes to the largest valid stratum when it is itself too small.
    let (pt, pc) = counts
        .iter()
        .filter(|(s, _)| !ok(s))
        .fold((0, 0), |a, (_, c)| (a.0 + c.0, a.1 + c.1));
    let largest = counts
        .iter()
        .filter(|(s, _)| ok(s))
        .max_by_key(|(s, c)| (c.0 + c.1, std::cmp::Reverse(**s)))
        .map(|(s, _)| *s);
    let pooled = match largest {
        Some(l) if pt < 2 || pc < 2 => l,
        _ => usize::MAX,
    };
    strata
        .iter()
        .map(|s| if ok(s) { *s } else { pooled })
        .collect()
}

/// The per establishment and period true effects as a table (`tables/exposure_truth.*`).
pub fn truth_df(s: &ExposureStudy) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let rows = &s.truth_rows;
    DataFrame::new_infer_height(vec![
        Column::new(
            "siret".into(),
            rows.iter()
                .map(|r| crate::model::siret_string(r.siret))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "period".into(),
            rows.iter().map(|r| r.period.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "exposed".into(),
            rows.iter().map(|r| r.exposed).collect::<Vec<_>>(),
        ),
        Column::new(
            "true_effect".into(),
            rows.iter().map(|r| r.effect).collect::<Vec<_>>(),
        ),
    ])
}
