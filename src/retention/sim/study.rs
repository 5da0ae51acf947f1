//! The estimators on a simulated cohort, set against the truth: naive and IPW differences
//! of retention between labelled and other employers, Cox, return to employment by arm, and
//! the ITT and Wald estimates of the encouragement design.

use super::io::{hires_table, LABELLED, OTHER};
use super::{Outcome, PersonTruth, PolicyTruth, SimOutput, SimPerson};
use crate::retention::compare::{self, Estimate, HorizonDifference, Proportion};
use crate::retention::cox::CoxFit;
use crate::retention::design::{Policy, RetentionDesign};
use crate::retention::{estimate_retention, RetentionError, RetentionOptions, RetentionResult};
use serde::{Deserialize, Serialize};

/// Estimated vs true effect of a labelled employer on retention at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectCheck {
    /// Horizon (days).
    pub t: f64,
    /// True average effect among observed hires: mean of 1{T(1) > t} − 1{T(0) > t}.
    pub truth: f64,
    /// Naive KM difference labelled − other.
    pub naive: HorizonDifference,
    /// IPW-adjusted difference (None if it could not be computed).
    pub adjusted: Option<Estimate>,
    /// naive − truth.
    pub naive_bias: f64,
    /// adjusted − truth.
    pub adjusted_bias: Option<f64>,
}

/// ITT and Wald at one horizon with their true values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncouragementCheck {
    /// Horizon (days).
    pub t: f64,
    /// Persons with complete follow-up (entry + 365 + t ≤ extraction).
    pub n: usize,
    /// Estimated ITT, first stage and Wald.
    pub estimate: compare::EncouragementEstimate,
    /// True ITT on the same persons: mean of Y(priority) − Y(status quo).
    pub true_itt: f64,
    /// True Wald: Σ [Y(priority) − Y(status quo)] / Σ [D(priority) − D(status quo)].
    pub true_wald: Option<f64>,
}

/// Back in a job within t days, by arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnToEmployment {
    /// Horizon (days).
    pub t: f64,
    /// Arm: "all", or "encouraged"/"not_encouraged" under the encouragement design.
    pub arm: String,
    /// Proportion among persons with entry + t ≤ extraction.
    pub proportion: Proportion,
}

/// Selects the persons of one arm.
type ArmFilter = Box<dyn Fn(&SimPerson) -> bool>;

/// What the estimators find on a simulated cohort, next to the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionStudy {
    /// Policy simulated.
    pub policy: Policy,
    /// Persons in the cohort.
    pub persons: usize,
    /// Hires observed by the extraction date.
    pub hires: usize,
    /// Population truth per policy.
    pub policies: Vec<PolicyTruth>,
    /// Naive and IPW-adjusted differences vs the true effect, per horizon.
    pub labelled_effect: Vec<EffectCheck>,
    /// Cox model of separation on the labelled indicator and covariates.
    pub cox: Option<CoxFit>,
    /// ITT and Wald (encouragement design only).
    pub encouragement: Vec<EncouragementCheck>,
    /// Return to employment within each horizon.
    pub return_to_employment: Vec<ReturnToEmployment>,
    /// Warnings of the estimators.
    pub warnings: Vec<String>,
}

/// Naive and IPW differences labelled − other at each horizon, beside the true average effect
/// among observed hires: the mean of 1{T(1) > t} − 1{T(0) > t}.
fn labelled_effects(sim: &SimOutput, res: &RetentionResult) -> Vec<EffectCheck> {
    let hired_truth: Vec<&PersonTruth> = sim
        .persons
        .iter()
        .zip(&sim.truth)
        .filter(|(p, _)| p.hired)
        .map(|(_, t)| t)
        .collect();
    let nh = hired_truth.len().max(1) as f64;
    let mut out = Vec::new();
    for (k, &h) in res.horizons.iter().enumerate() {
        let truth = hired_truth
            .iter()
            .map(|t| {
                f64::from(u8::from(t.tenure_if_labelled > h))
                    - f64::from(u8::from(t.tenure_if_other > h))
            })
            .sum::<f64>()
            / nh;
        let Some(naive) = res
            .risk_difference
            .iter()
            .find(|r| r.t == h && r.group == LABELLED)
            .cloned()
        else {
            continue;
        };
        let adjusted = res.adjusted.as_ref().map(|a| a.horizons[k].difference);
        out.push(EffectCheck {
            t: h,
            truth,
            naive_bias: naive.difference - truth,
            adjusted_bias: adjusted.map(|a| a.estimate - truth),
            naive,
            adjusted,
        });
    }
    out
}

/// Back in a job within each horizon, by arm, among persons followed that long.
fn return_to_employment(
    sim: &SimOutput,
    design: &RetentionDesign,
    horizons: &[f64],
    z: f64,
) -> Vec<ReturnToEmployment> {
    let arms: Vec<(&str, ArmFilter)> = if sim.policy == Policy::Encouragement {
        vec![
            ("encouraged", Box::new(|p: &SimPerson| p.encouraged)),
            ("not_encouraged", Box::new(|p: &SimPerson| !p.encouraged)),
        ]
    } else {
        vec![("all", Box::new(|_: &SimPerson| true))]
    };
    let mut out = Vec::new();
    for &h in horizons {
        for (arm, keep) in &arms {
            let eligible: Vec<&SimPerson> = sim
                .persons
                .iter()
                .filter(|p| keep(p) && f64::from(p.entry.days_until(design.extraction_date)) >= h)
                .collect();
            let k = eligible
                .iter()
                .filter(|p| p.hired && p.hire_delay.is_some_and(|d| d <= h))
                .count();
            out.push(ReturnToEmployment {
                t: h,
                arm: arm.to_string(),
                proportion: compare::proportion(k, eligible.len(), z),
            });
        }
    }
    out
}

/// ITT and Wald of the encouragement at horizon `h` (hired within a year and still in that
/// job), on persons with complete follow-up, beside their true values.
fn encouragement_check(
    sim: &SimOutput,
    design: &RetentionDesign,
    h: f64,
    z: f64,
) -> Option<EncouragementCheck> {
    let rows: Vec<usize> = (0..sim.persons.len())
        .filter(|&i| {
            f64::from(sim.persons[i].entry.days_until(design.extraction_date)) >= 365.0 + h
        })
        .collect();
    let y_of = |o: &Outcome| f64::from(u8::from(o.hired && o.tenure > h));
    let d_of = |o: &Outcome| f64::from(u8::from(o.hired && o.labelled));
    let (mut y, mut d, mut zs, mut cl) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut dy, mut dd) = (0.0, 0.0);
    for &i in &rows {
        let (p, t) = (&sim.persons[i], &sim.truth[i]);
        let o = if p.encouraged {
            t.label_priority
        } else {
            t.status_quo
        };
        y.push(y_of(&o));
        d.push(d_of(&o));
        zs.push(p.encouraged);
        cl.push(u64::from(p.counsellor));
        dy += y_of(&t.label_priority) - y_of(&t.status_quo);
        dd += d_of(&t.label_priority) - d_of(&t.status_quo);
    }
    let estimate = compare::encouragement(&y, &d, &zs, &cl, z).ok()?;
    Some(EncouragementCheck {
        t: h,
        n: rows.len(),
        estimate,
        true_itt: dy / rows.len().max(1) as f64,
        true_wald: (dd != 0.0).then(|| dy / dd),
    })
}

impl RetentionStudy {
    /// Runs the estimators on the simulated cohort and sets them against the truth.
    ///
    /// # Errors
    /// Estimator errors (e.g. no hire observed, all hires censored).
    pub fn run(
        sim: &SimOutput,
        design: &RetentionDesign,
        seed: u64,
    ) -> Result<RetentionStudy, RetentionError> {
        let table = hires_table(&sim.persons)?;
        let opts = RetentionOptions {
            horizons: design.horizons.clone(),
            reference: table
                .group_levels()
                .contains(&OTHER.to_string())
                .then(|| OTHER.to_string()),
            ipw: compare::IpwOptions {
                bootstrap: design.ipw_bootstrap,
                seed,
                ..Default::default()
            },
            ..Default::default()
        };
        let res = estimate_retention(&table, &opts)?;
        let z = crate::retention::critical_value(0.95);
        let encouragement = if sim.policy == Policy::Encouragement {
            res.horizons
                .iter()
                .filter_map(|&h| encouragement_check(sim, design, h, z))
                .collect()
        } else {
            Vec::new()
        };
        Ok(RetentionStudy {
            policy: sim.policy,
            persons: sim.persons.len(),
            hires: table.len(),
            policies: sim.policies.clone(),
            labelled_effect: labelled_effects(sim, &res),
            return_to_employment: return_to_employment(sim, design, &res.horizons, z),
            cox: res.cox,
            encouragement,
            warnings: res.warnings,
        })
    }
}
