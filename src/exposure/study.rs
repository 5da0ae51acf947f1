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
//!    means with randomisation inference (randomised designs), matched DiD — and report each
//!    estimate beside the true value of the estimand it targets.
//!
//! **Estimands** ([`Estimand`]). Exposure reaches the comparison group in two ways: the
//! exposed hire more of the long-term unemployed, BOETH and IAE leavers from the job-seeker
//! pool they share with everyone (fewer are left for the others), and scores are relative to
//! peers (when the exposed improve, their peers' positions fall). The truth is therefore
//! reported three ways: the mean effect on the exposed after exposure, the mean effect on the
//! comparison group after exposure (the spillover), and their difference, which is what
//! every estimator comparing exposed with comparison units identifies — on its own analysis
//! sample: Callaway–Sant'Anna keeps only the units scored in every period. With
//! `exposure.shared_pool = false` the exposed arm hires from its own pool in both worlds
//! (the counterfactual world is generated again with the same pools), so only peer-relative
//! scoring moves the comparison group's scores.

use super::{assign, Assignment, Candidate, Design, Response};
use crate::config::Experiment;
use crate::estimate::{self, matching, randomised, trajectories, DidOptions, DidResult, Panel};
use crate::indicators::Period;
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

/// A true quantity an estimator can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimand {
    /// Mean true effect on the exposed establishments' scores after exposure.
    EffectOnExposed,
    /// Mean true effect on the comparison establishments' scores after exposure (spillover).
    EffectOnComparison,
    /// Effect on the exposed minus effect on the comparison group: what a comparison of
    /// exposed with comparison units identifies.
    Difference,
    /// The same difference on the units scored in every period, the analysis sample of
    /// Callaway–Sant'Anna (which drops units with a missing period).
    DifferenceBalanced,
}

impl Estimand {
    pub fn key(self) -> &'static str {
        match self {
            Estimand::EffectOnExposed => "effect_on_exposed",
            Estimand::EffectOnComparison => "effect_on_comparison",
            Estimand::Difference => "difference",
            Estimand::DifferenceBalanced => "difference_balanced",
        }
    }
}

/// An estimate with its interval, beside the truth it targets.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EstimateVsTruth {
    /// Estimator name.
    pub estimator: String,
    pub estimate: f64,
    pub se: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// The estimand this estimator targets.
    pub estimand: Estimand,
    /// The true value of that estimand, from the counterfactual world.
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
    pub design: super::ExposureDesign,
    /// Label of the last scored period before the first exposure.
    pub baseline_period: String,
    pub eligible: usize,
    pub exposed: usize,
    pub responders: usize,
    /// Period labels, index i ↔ panel time i + 1.
    pub periods: Vec<String>,
    /// Naive and design-based estimates beside the truth of their estimand.
    pub estimates: Vec<EstimateVsTruth>,
    /// True mean effect by event time (periods since exposure), exposed units.
    pub true_dynamic: BTreeMap<i64, f64>,
    /// TWFE, event study, pre-trend test and Callaway–Sant'Anna on the exposed world.
    pub did: DidResult,
    /// Randomisation-inference p-value of the change in score (randomised designs).
    pub randomisation_p_value: Option<f64>,
    /// True mean post-exposure effect on exposed establishments' scores.
    pub true_att_exposed: f64,
    /// True mean post-exposure effect on the comparison group (pool and peer spillover).
    pub true_effect_comparison: f64,
    /// Share of comparison establishment-periods after exposure with a non-zero true effect.
    pub comparison_cells_affected: f64,
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

impl ExposureStudy {
    /// The true value of an estimand.
    pub fn truth(&self, e: Estimand) -> f64 {
        match e {
            Estimand::EffectOnExposed => self.true_att_exposed,
            Estimand::EffectOnComparison => self.true_effect_comparison,
            Estimand::Difference => self.true_effect,
            Estimand::DifferenceBalanced => self.true_effect_cs,
        }
    }
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

/// Last scored period ending before the first exposure.
fn baseline_period(exp: &Experiment, scores: &ScoreOutput) -> Result<u32, StudyError> {
    let t0 = exp.exposure.waves[0];
    scores
        .periods()
        .iter()
        .filter(|p| p.end < t0)
        .map(|p| p.index)
        .max()
        .ok_or_else(|| StudyError::NoBaseline(t0.to_string()))
}

/// Every establishment of the unexposed world as a candidate for exposure, in generation
/// order (the generator's shift is indexed by it).
fn candidates(base: &Synthetic, base_scores: &ScoreOutput, p0: u32) -> Vec<Candidate> {
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
    let mut out: Vec<Candidate> = base
        .truth
        .iter()
        .map(|t| {
            let row = at_p0.get(&t.siret);
            let est = est_by_siret.get(&t.siret);
            Candidate {
                index: t.index as usize,
                siret: t.siret,
                eligible: row.is_some_and(|r| r.composite.is_some() && r.label == Some(0)),
                stratum: row.map_or_else(String::new, |r| format!("g{}", r.peer_group)),
                spill_group: format!(
                    "{}|{}",
                    est.map_or("", |e| e.zone.as_str()),
                    est.map_or("", |e| e.naf_division())
                ),
                slots: t.slots,
                inclusiveness: t.openness,
            }
        })
        .collect();
    out.sort_by_key(|c| c.index);
    out
}

/// Scores of the counterfactual world, and the exposed world with its scores. With a shared
/// pool the counterfactual is the unexposed world itself; with separate pools it is
/// generated again with the exposed arm's own pool and no response.
fn worlds(
    exp: &Experiment,
    reference: &Reference,
    response: &Response,
) -> Result<(Option<ScoreOutput>, Synthetic, ScoreOutput), StudyError> {
    let counterfactual = if exp.exposure.shared_pool {
        None
    } else {
        let world = synth::generate_with_shift(exp, reference, &response.without_effect(), false)?;
        Some(score::run(&world.dataset, &exp.score, reference)?)
    };
    let exposed_world = synth::generate_with_shift(exp, reference, response, false)?;
    let exposed_scores = score::run(&exposed_world.dataset, &exp.score, reference)?;
    Ok((counterfactual, exposed_world, exposed_scores))
}

/// Composite scores by (siret, period).
fn composites(s: &ScoreOutput) -> HashMap<(u64, u32), f64> {
    s.scores
        .iter()
        .filter_map(|r| r.composite.map(|c| ((r.siret, r.period), c)))
        .collect()
}

/// Panel time of the period containing a date (the first period ending on or after it).
fn cohort_time(periods: &[Period], d: crate::date::Date) -> Option<i64> {
    periods
        .iter()
        .find(|p| p.end >= d)
        .map(|p| p.index as i64 + 1)
}

/// The evaluation panel and the truth, from the two worlds' composites.
#[derive(Default)]
struct Evaluation {
    unit: Vec<u64>,
    time: Vec<i64>,
    y: Vec<f64>,
    cohort: Vec<Option<i64>>,
    truth_rows: Vec<TruthRow>,
    post_exposed: Vec<f64>,
    post_comparison: Vec<f64>,
    /// Post-exposure cells of eligible units: (unit, exposed, true effect).
    post_cells: Vec<(u64, bool, f64)>,
    dynamic: BTreeMap<i64, Vec<f64>>,
}

impl Evaluation {
    /// Effect on the exposed minus effect on the comparison group, over the post cells of
    /// the units in `units` (panel indices): Callaway–Sant'Anna's analysis sample.
    fn sample_difference(&self, units: &[usize], panel: &Panel) -> f64 {
        let keep: std::collections::HashSet<&str> = units
            .iter()
            .map(|&u| panel.unit_labels[u].as_str())
            .collect();
        let pick = |exposed: bool| -> Vec<f64> {
            self.post_cells
                .iter()
                .filter(|(u, e, _)| *e == exposed && keep.contains(u.to_string().as_str()))
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
}

fn evaluation(
    periods: &[Period],
    assignments: &[Assignment],
    y0: &HashMap<(u64, u32), f64>,
    y1: &HashMap<(u64, u32), f64>,
) -> Evaluation {
    let by_siret: HashMap<u64, &Assignment> = assignments.iter().map(|a| (a.siret, a)).collect();
    let first_wave = assignments
        .iter()
        .filter_map(|a| a.exposed_from)
        .min()
        .and_then(|d| cohort_time(periods, d));
    let mut keys: Vec<&(u64, u32)> = y1.keys().collect();
    keys.sort();
    let mut ev = Evaluation::default();
    for &&(siret, period) in &keys {
        let Some(a) = by_siret.get(&siret) else {
            continue;
        };
        let g = a.exposed_from.and_then(|d| cohort_time(periods, d));
        let t = period as i64 + 1;
        if let Some(&base_y) = y0.get(&(siret, period)) {
            let effect = y1[&(siret, period)] - base_y;
            ev.truth_rows.push(TruthRow {
                siret,
                period: periods[period as usize].label.clone(),
                exposed: g.is_some(),
                effect,
            });
            match g {
                Some(g) => {
                    ev.dynamic.entry(t - g).or_default().push(effect);
                    if t >= g {
                        ev.post_exposed.push(effect);
                        ev.post_cells.push((siret, true, effect));
                    }
                }
                None if a.eligible && first_wave.is_some_and(|f| t >= f) => {
                    ev.post_comparison.push(effect);
                    ev.post_cells.push((siret, false, effect));
                }
                None => {}
            }
        }
        if a.eligible {
            ev.unit.push(siret);
            ev.time.push(t);
            ev.y.push(y1[&(siret, period)]);
            ev.cohort.push(g);
        }
    }
    ev
}

/// Per-unit pre and post means, for the naive and randomised comparisons and matching.
struct UnitMeans {
    units: Vec<u64>,
    pre: HashMap<u64, Vec<f64>>,
    post: HashMap<u64, Vec<f64>>,
}

fn unit_means(ev: &Evaluation) -> UnitMeans {
    let mut m = UnitMeans {
        units: ev.unit.clone(),
        pre: HashMap::new(),
        post: HashMap::new(),
    };
    let first_g = ev
        .cohort
        .iter()
        .flatten()
        .min()
        .copied()
        .unwrap_or(i64::MAX);
    for i in 0..ev.unit.len() {
        let g = ev.cohort[i].unwrap_or(first_g);
        let side = if ev.time[i] < g {
            &mut m.pre
        } else {
            &mut m.post
        };
        side.entry(ev.unit[i]).or_default().push(ev.y[i]);
    }
    m.units.sort_unstable();
    m.units.dedup();
    m
}

/// Adds an estimate of the difference estimand.
fn push(out: &mut Vec<EstimateVsTruth>, name: &str, est: f64, se: f64, truth: f64) {
    push_for(out, name, (est, se), Estimand::Difference, truth);
}

/// Adds an estimate with the estimand it targets and that estimand's true value.
fn push_for(
    out: &mut Vec<EstimateVsTruth>,
    name: &str,
    (est, se): (f64, f64),
    estimand: Estimand,
    truth: f64,
) {
    let (ci, cov) = covers(est, Some(se), truth);
    out.push(EstimateVsTruth {
        estimator: name.into(),
        estimate: est,
        se: Some(se),
        ci95: ci,
        estimand,
        truth,
        covers: cov,
    });
}

/// The naive post-exposure difference in mean scores.
fn naive(
    m: &UnitMeans,
    by: &HashMap<u64, &Assignment>,
    truth: f64,
    out: &mut Vec<EstimateVsTruth>,
) {
    let (mut post_e, mut post_c) = (Vec::new(), Vec::new());
    for u in &m.units {
        if let Some(p) = m.post.get(u) {
            if by[u].exposed_from.is_some() {
                post_e.push(mean(p));
            } else {
                post_c.push(mean(p));
            }
        }
    }
    let est = mean(&post_e) - mean(&post_c);
    let se = (var(&post_e) / post_e.len() as f64 + var(&post_c) / post_c.len() as f64).sqrt();
    push(out, "naive_post_difference", est, se, truth);
}

/// Difference in means of the change in score (randomised designs), with its
/// randomisation-inference p-value when `draws` > 0.
fn randomised_estimate(
    exp: &Experiment,
    m: &UnitMeans,
    by: &HashMap<u64, &Assignment>,
    truth: f64,
    draws: usize,
    out: &mut Vec<EstimateVsTruth>,
    warnings: &mut Vec<String>,
) -> Option<f64> {
    let (mut chg, mut treated, mut strata) = (Vec::new(), Vec::new(), Vec::new());
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for u in &m.units {
        if let (Some(p), Some(b)) = (m.post.get(u), m.pre.get(u)) {
            chg.push(mean(p) - mean(b));
            treated.push(by[u].exposed_from.is_some());
            let n = ids.len();
            strata.push(*ids.entry(by[u].stratum.as_str()).or_insert(n));
        }
    }
    // Strata too small for the Neyman variance (fewer than 2 units per arm) are pooled.
    let pooled = pool_small_strata(&treated, &strata);
    match randomised::diff_in_means(&chg, &treated, Some(&pooled)) {
        Ok(dm) => push(out, "difference_in_means_change", dm.estimate, dm.se, truth),
        Err(e) => warnings.push(format!("difference in means not computed: {e}")),
    }
    (draws > 0)
        .then(|| {
            randomised::randomisation_test(&chg, &treated, Some(&pooled), 2 * draws + 1, exp.seed)
        })
        .and_then(|r| r.ok())
        .map(|r| r.p_value)
}

/// Matched DiD: nearest-neighbour matching on the propensity of exposure given pre-exposure
/// covariates of the observed (exposed) world, outcome = change in mean score (post − pre).
/// Returns its balance table (standardised mean differences before and after matching).
#[allow(clippy::too_many_arguments)] // the panel pieces the matching reads
fn matched(
    observed: &ScoreOutput,
    p0: u32,
    y1: &HashMap<(u64, u32), f64>,
    m: &UnitMeans,
    by: &HashMap<u64, &Assignment>,
    truth: f64,
    out: &mut Vec<EstimateVsTruth>,
    warnings: &mut Vec<String>,
) -> Vec<Balance> {
    let ind_p0: HashMap<u64, &crate::indicators::IndicatorRow> = observed
        .indicators
        .rows
        .iter()
        .filter(|r| r.period == p0)
        .map(|r| (r.siret, r))
        .collect();
    let cov_names = ["baseline_score", "log_headcount", "hires", "exit_rate"];
    let (mut my, mut mt, mut mx) = (Vec::new(), Vec::new(), Vec::new());
    for u in &m.units {
        let (Some(r), Some(s0), Some(p), Some(b)) = (
            ind_p0.get(u),
            y1.get(&(*u, p0)),
            m.post.get(u),
            m.pre.get(u),
        ) else {
            continue;
        };
        my.push(mean(p) - mean(b));
        mt.push(by[u].exposed_from.is_some());
        mx.push(vec![
            *s0,
            r.headcount.max(0.5).ln(),
            r.hires as f64,
            r.exits as f64 / r.headcount.max(0.5),
        ]);
    }
    let result = crate::stats::linalg::Matrix::from_rows(&mx)
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
    match result {
        Ok(r) => {
            push(out, "matched_did", r.att, r.se, truth);
            r.balance
                .iter()
                .map(|b| Balance {
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

/// [`run`] with a chosen number of multiplier-bootstrap and randomisation draws (0: none,
/// as in Monte Carlo replications where only the analytic intervals are assessed).
pub fn run_with(
    exp: &Experiment,
    reference: &Reference,
    base: &Synthetic,
    base_scores: &ScoreOutput,
    draws: usize,
) -> Result<ExposureStudy, StudyError> {
    run_with_world(exp, reference, base, base_scores, draws).map(|(study, _)| study)
}

/// [`run_with`], also returning the exposed world the estimates were computed on: the
/// establishments the design assigned respond from their exposure date, every other random
/// number is the unexposed world's. A synthetic pilot writes this world as its DSN.
pub fn run_with_world(
    exp: &Experiment,
    reference: &Reference,
    base: &Synthetic,
    base_scores: &ScoreOutput,
    draws: usize,
) -> Result<(ExposureStudy, Synthetic), StudyError> {
    let design = &exp.exposure;
    let periods = base_scores.periods();
    let p0 = baseline_period(exp, base_scores)?;
    let cands = candidates(base, base_scores, p0);
    let assignments = assign(design, &cands, exp.seed)?;
    let loading = exp.generator.trait_loading;
    let start = base.dataset.coverage.start;
    let response = Response::new(design, &assignments, &cands, start, loading);
    let (counterfactual, exposed_world, exposed_scores) = worlds(exp, reference, &response)?;
    let y0 = composites(counterfactual.as_ref().unwrap_or(base_scores));
    let y1 = composites(&exposed_scores);
    let ev = evaluation(periods, &assignments, &y0, &y1);
    let panel = Panel::new(&ev.unit, &ev.time, &ev.y, &ev.cohort, Vec::new())?;
    let true_att_exposed = mean(&ev.post_exposed);
    let true_effect_comparison = if ev.post_comparison.is_empty() {
        0.0
    } else {
        mean(&ev.post_comparison)
    };
    let true_att = true_att_exposed - true_effect_comparison;
    let did = estimate::did_report(
        &panel,
        &DidOptions {
            bootstrap: (draws > 0).then_some(estimate::cs::BootstrapOptions {
                iterations: draws,
                seed: exp.seed,
            }),
            pretrend_bin_below: Some(estimate::event_study::HEADLINE_BIN_BELOW),
            ..DidOptions::default()
        },
    )?;
    let by: HashMap<u64, &Assignment> = assignments.iter().map(|a| (a.siret, a)).collect();
    let m = unit_means(&ev);
    let (mut estimates, mut warnings) = (Vec::new(), Vec::new());
    naive(&m, &by, true_att, &mut estimates);
    push(&mut estimates, "twfe", did.twfe.att, did.twfe.se, true_att);
    // Callaway–Sant'Anna keeps the units observed in every period: its estimand is the
    // same difference on that sample.
    let true_effect_cs = ev.sample_difference(&did.cs.units, &panel);
    push_for(
        &mut estimates,
        "cs_simple",
        (did.cs.simple.att, did.cs.simple.se),
        Estimand::DifferenceBalanced,
        true_effect_cs,
    );
    let randomisation_p_value = if design.design != Design::Observational {
        randomised_estimate(exp, &m, &by, true_att, draws, &mut estimates, &mut warnings)
    } else {
        None
    };
    let balance = matched(
        &exposed_scores,
        p0,
        &y1,
        &m,
        &by,
        true_att,
        &mut estimates,
        &mut warnings,
    );
    let groups: Vec<String> = ev
        .cohort
        .iter()
        .map(|c| if c.is_some() { "exposed" } else { "comparison" }.to_string())
        .collect();
    let traj = trajectories::trajectories(&ev.y, &groups, &ev.time)?;
    let affected = ev.post_comparison.iter().filter(|e| **e != 0.0).count();
    let study = ExposureStudy {
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
        true_dynamic: ev.dynamic.into_iter().map(|(k, v)| (k, mean(&v))).collect(),
        did,
        randomisation_p_value,
        true_att_exposed,
        true_effect_comparison,
        comparison_cells_affected: affected as f64 / ev.post_comparison.len().max(1) as f64,
        trajectories: traj,
        balance,
        warnings,
        truth_rows: ev.truth_rows,
        assignments,
        panel: Some(panel),
        true_effect: true_att,
        true_effect_cs,
        exposed_scores: Some(exposed_scores),
    };
    Ok((study, exposed_world))
}

/// Merges strata lacking two treated and two control units into one pooled stratum (shared
/// by the synthetic study and the evaluation on a real register).
pub(crate) fn pool_small_strata(treated: &[bool], strata: &[usize]) -> Vec<usize> {
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
