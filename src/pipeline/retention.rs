//! The retention stage of `engagement run`: placement employers from the generator
//! truth and the scores, the simulated cohort under each orientation policy, the estimators,
//! and their conversion into the report's [`RetentionSection`].
//!
//! **Employers.** Every establishment scored in the last period ending before
//! `[retention] cohort_start` (the label counsellors would see when the cohort starts) is an
//! employer: label level at that period, zone, NAF section, vacancies ∝ its mean headcount in
//! that period (floored at [`MIN_VACANCIES`]), and its truth from the generator, which the
//! estimators never see: its openness to people far from employment, and the separation
//! hazard of its fragile hires relative to the average employer, `ln S_e(365) / mean ln S(365)`
//! from the simulated 12-month retention of its fragile hires (the outcome truth).
//!
//! **Policies.** The cohort is simulated under the status quo and label priority, plus the
//! randomised encouragement when it is the experiment's policy, all with the same seed
//! ([`sim::stream_seed`]): common random numbers, so policy curves differ only through
//! orientation. [`RetentionStudy::run`] runs on the experiment's own policy.
//!
//! **Return to work.** The simulated cohort's return to work at 3, 6 and 12 months is
//! estimated as a linked cohort's is ([`crate::pilot::followup::incidence`]), so that a
//! synthetic pilot evaluated from its DSN reports the same figures.
//!
//! **Real-data part.** On the dataset itself, hires flagged as coming from IAE or long
//! unemployment ([`hires::flagged_hires`]) are compared by the label of the hiring
//! establishment at hire (the last period ending before the hire). Its naive and IPW
//! differences go into `risk_differences` (no truth: these are observational estimates on the
//! dataset, not the simulated cohort), its full result into [`RetentionStageOutput`].
//!
//! Only aggregates leave this module: the person-level simulated table is never written.

use crate::config::Experiment;
use crate::reference::Reference;
use crate::report::results::{
    Arm, CohortRow, Contrast, CoxTable, CoxTerm, HorizonRow, KmCurve, KmPoint, Method, Note,
    RetentionSection, ReturnRow, RiskDifferenceRow, TestResult,
};
use crate::retention::hires::{self, HireSelection};
use crate::retention::km::{KaplanMeier, KmRow};
use crate::retention::sim::{
    self, Cohort, PlacementEmployer, RetentionStudy, SimError, SimOutput, SimPerson, LABELLED,
    OTHER,
};
use crate::retention::{
    estimate_retention, PersonTable, Policy, RetentionError, RetentionOptions, RetentionResult,
};
use crate::score::ScoreOutput;
use crate::synth::Synthetic;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Smallest orientation weight of an employer (a scored establishment whose mean headcount
/// in the period is 0 still hires a little).
pub const MIN_VACANCIES: f64 = 0.1;

/// Most points kept per Kaplan–Meier curve in the report (plus the horizon rows).
pub const MAX_CURVE_POINTS: usize = 150;

/// Whole months since the previous contract that count as long unemployment for the
/// flagged hires on the dataset (the long-term unemployment threshold, calibration E1).
pub const LONG_UNEMPLOYMENT_MONTHS: u16 = 12;

/// Why the retention stage could not run.
#[derive(Debug, thiserror::Error)]
pub enum RetentionStageError {
    #[error("no scored period ends before retention.cohort_start ({0}): no label to orient by")]
    NoBaseline(String),
    #[error("no establishment is scored in period {0}: no employer to orient job seekers to")]
    NoEmployers(String),
    #[error("retention simulation: {0}")]
    Sim(#[from] SimError),
    #[error("retention estimators: {0}")]
    Estimate(#[from] RetentionError),
}

/// Retention of flagged hires on the dataset, by label of the hiring establishment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlaggedHiresResult {
    /// Selection counts.
    pub selection: HireSelection,
    /// Kaplan–Meier, log-rank, Cox and differences (group `labelled` vs `other`).
    pub result: RetentionResult,
}

/// Everything the retention stage produces (aggregates only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionStageOutput {
    /// The report section.
    pub section: RetentionSection,
    /// The full study on the experiment's policy (estimates vs truth, Cox, ITT/Wald,
    /// return to employment).
    pub study: RetentionStudy,
    /// Score period whose labels orient the cohort.
    pub baseline_period: String,
    /// Placement employers.
    pub employers: usize,
    /// Of which labelled (level ≥ 1).
    pub labelled_employers: usize,
    /// Flagged hires on the dataset (`None`: see `notes`).
    pub flagged_hires: Option<FlaggedHiresResult>,
    /// Parts skipped or undefined, and the estimators' warnings.
    pub notes: Vec<Note>,
}

fn group_arm(g: &str) -> Arm {
    if g == LABELLED {
        Arm::Labelled
    } else {
        Arm::Other
    }
}

/// Builds the placement employers (see the module docs); also returns the period label.
pub fn placement_employers(
    exp: &Experiment,
    reference: &Reference,
    synthetic: &Synthetic,
    scores: &ScoreOutput,
) -> Result<(Vec<PlacementEmployer>, String), RetentionStageError> {
    let start = exp.retention.cohort_start;
    let period = scores
        .periods()
        .iter()
        .filter(|p| p.end < start)
        .max_by_key(|p| p.index)
        .ok_or_else(|| RetentionStageError::NoBaseline(start.to_string()))?;
    let truth: HashMap<u64, &crate::synth::EstablishmentTruth> =
        synthetic.truth.iter().map(|t| (t.siret, t)).collect();
    let rows = &scores.indicators.rows;
    // The separation hazard of an employer's fragile hires, relative to the average employer,
    // from the generator's outcome truth: S(365) = exp(−m · H(365)) gives m ∝ −ln S(365).
    let log_keep =
        |t: &crate::synth::EstablishmentTruth| t.fragile_retention_12m.clamp(0.01, 0.99).ln();
    let mean_log_keep =
        truth.values().map(|t| log_keep(t)).sum::<f64>() / truth.len().max(1) as f64;
    let mut employers = Vec::new();
    for s in scores.scores.iter().filter(|s| s.period == period.index) {
        let (Some(level), Some(t), Some(info)) =
            (s.label, truth.get(&s.siret), scores.establishment(s.siret))
        else {
            continue;
        };
        let headcount = rows
            .binary_search_by_key(&(s.siret, s.period), |r| (r.siret, r.period))
            .map_or(0.0, |i| rows[i].headcount);
        employers.push(PlacementEmployer {
            siret: s.siret,
            zone: info.zone.clone(),
            sector: reference
                .naf_section(&info.naf)
                .map_or_else(|| info.section.clone(), str::to_string),
            labelled: level >= 1,
            label_level: level,
            true_inclusiveness: t.openness,
            true_separation_multiplier: log_keep(t) / mean_log_keep,
            vacancies: headcount.max(MIN_VACANCIES),
        });
    }
    if employers.is_empty() {
        return Err(RetentionStageError::NoEmployers(period.label.clone()));
    }
    employers.sort_by_key(|e| e.siret);
    Ok((employers, period.label.clone()))
}

/// Keeps at most [`MAX_CURVE_POINTS`] evenly spaced rows, plus the first, the last and the
/// rows at the horizons. The curve stops where fewer than 11 persons remain at risk
/// (statistical secrecy: no published figure rests on fewer persons).
pub(crate) fn thin(rows: &[KmRow], horizons: &[f64]) -> Vec<KmPoint> {
    let min = crate::score::privacy::MIN_PERSONS as f64;
    let rows: Vec<&KmRow> = rows.iter().take_while(|r| r.at_risk >= min).collect();
    let step = rows.len().div_ceil(MAX_CURVE_POINTS).max(1);
    rows.iter()
        .enumerate()
        .filter(|(i, r)| i % step == 0 || *i + 1 == rows.len() || horizons.contains(&r.t))
        .map(|(_, r)| KmPoint {
            t: r.t,
            survival: r.survival,
            ci_lower: r.ci_lower,
            ci_upper: r.ci_upper,
            at_risk: r.at_risk.round().max(0.0) as u64,
        })
        .collect()
}

/// Duration, event and group columns of a table, without covariates (no IPW, cheap Cox).
fn groups_only(t: &PersonTable) -> Result<PersonTable, RetentionError> {
    PersonTable::new(
        t.duration().to_vec(),
        t.event().to_vec(),
        t.group().to_vec(),
    )
}

fn technical(text: String) -> Note {
    Note::Technical {
        stage: "retention".into(),
        text,
    }
}

/// Simulates the cohort under each policy compared, all with the same seed (common random
/// numbers), so policy curves differ only through orientation.
fn simulate_policies(
    employers: &[PlacementEmployer],
    design: &crate::retention::RetentionDesign,
    seed: u64,
) -> Result<Vec<(Policy, SimOutput)>, RetentionStageError> {
    let mut policies = vec![Policy::StatusQuo, Policy::LabelPriority];
    if design.policy == Policy::Encouragement {
        policies.push(Policy::Encouragement);
    }
    let mut sims: Vec<(Policy, SimOutput)> = Vec::new();
    for p in policies {
        let mut d = design.clone();
        d.policy = p;
        sims.push((p, sim::simulate(employers, &d, seed)?));
    }
    Ok(sims)
}

/// The `other` group as the reference of a comparison when the table has it.
fn other_as_reference(table: &PersonTable) -> Option<String> {
    table
        .group_levels()
        .contains(&OTHER.to_string())
        .then(|| OTHER.to_string())
}

/// Kaplan–Meier curves and log-rank test by employer group on one simulated policy.
struct GroupCurves {
    km: Vec<KmCurve>,
    logrank: Option<TestResult>,
}

/// Curves by employer group on the experiment's policy (groups only: no IPW, cheap Cox).
fn group_curves(own: &SimOutput, horizons: &[f64]) -> Result<GroupCurves, RetentionStageError> {
    let hires = sim::hires_table(&own.persons)?;
    let opts = RetentionOptions {
        horizons: horizons.to_vec(),
        reference: other_as_reference(&hires),
        ..Default::default()
    };
    let by_group = estimate_retention(&groups_only(&hires)?, &opts)?;
    let km = by_group
        .km
        .iter()
        .map(|(g, rows)| KmCurve {
            arm: group_arm(g),
            points: thin(rows, horizons),
        })
        .collect();
    let logrank = by_group.logrank.as_ref().map(|l| TestResult {
        statistic: l.statistic,
        df: l.df as f64,
        p_value: l.p_value,
    });
    Ok(GroupCurves { km, logrank })
}

/// Kaplan–Meier curves and horizon rows (with the truth) of every simulated policy.
struct PolicyCurves {
    km: Vec<KmCurve>,
    rows: Vec<HorizonRow>,
}

/// Curves and horizon rows by policy, each horizon row with the simulation's truth.
fn policy_curves(
    sims: &[(Policy, SimOutput)],
    horizons: &[f64],
    z: f64,
) -> Result<PolicyCurves, RetentionStageError> {
    let mut km = Vec::new();
    let mut rows = Vec::new();
    for (p, s) in sims {
        let t = sim::hires_table(&s.persons)?;
        let curve = KaplanMeier::fit(t.duration(), t.event(), None, None);
        km.push(KmCurve {
            arm: Arm::of_policy(*p),
            points: thin(&curve.rows(horizons, z), horizons),
        });
        let truth = s.policies.iter().find(|x| x.policy == p.name());
        for &h in horizons {
            let r = curve.row_at(h, z);
            rows.push(HorizonRow {
                arm: Arm::of_policy(*p),
                horizon_days: h as u32,
                survival: r.survival,
                ci_lower: r.ci_lower,
                ci_upper: r.ci_upper,
                truth: truth.and_then(|x| x.retention.get(&format!("{h}")).copied()),
            });
        }
    }
    Ok(PolicyCurves { km, rows })
}

/// Size and hires of each simulated cohort present on the experiment's policy.
fn cohort_rows(own: &SimOutput) -> Vec<CohortRow> {
    [
        Cohort::IaeExit,
        Cohort::LongTermUnemployed,
        Cohort::YoungUnqualified,
    ]
    .into_iter()
    .filter_map(|c| {
        let n = own.persons.iter().filter(|p| p.cohort == c).count() as u64;
        (n > 0).then(|| CohortRow {
            cohort: c,
            n,
            n_hired: own
                .persons
                .iter()
                .filter(|p| p.cohort == c && p.hired)
                .count() as u64,
        })
    })
    .collect()
}

/// Return to work of the simulated cohort on the experiment's policy, by the estimator of a
/// linked cohort (cumulative incidence of the first hire, people not hired censored at the
/// extraction date): everyone, then each arm of the encouragement design.
fn return_rows(own: &SimOutput, design: &crate::retention::RetentionDesign) -> Vec<ReturnRow> {
    use crate::pilot::register::Arm as RegisterArm;
    let horizons = crate::config::DEFAULT_RETURN_HORIZONS.map(|h| h as f64);
    let delay = |p: &SimPerson| match p.hire_delay.filter(|_| p.hired) {
        Some(d) => Ok(d),
        None => Err(f64::from(p.entry.days_until(design.extraction_date))),
    };
    type Keep = fn(&SimPerson) -> bool;
    let mut arms: Vec<(Option<RegisterArm>, Keep)> = vec![(None, |_| true)];
    if own.policy == Policy::Encouragement {
        arms.push((Some(RegisterArm::Treatment), |p| p.encouraged));
        arms.push((Some(RegisterArm::Control), |p| !p.encouraged));
    }
    arms.iter()
        .flat_map(|(arm, keep)| {
            let delays: Vec<Result<f64, f64>> =
                own.persons.iter().filter(|p| keep(p)).map(delay).collect();
            super::real_sections::return_rows(&crate::pilot::followup::incidence(
                *arm, &delays, &horizons,
            ))
        })
        .collect()
}

/// Naive and IPW labelled-vs-other differences against the truth; a note where IPW has no
/// row.
fn labelled_effect_rows(
    study: &RetentionStudy,
    risk_differences: &mut Vec<RiskDifferenceRow>,
    notes: &mut Vec<Note>,
) {
    for e in &study.labelled_effect {
        risk_differences.push(RiskDifferenceRow {
            comparison: Contrast::LabelledVsOther,
            method: Method::Naive,
            horizon_days: e.t as u32,
            difference: e.naive.difference,
            se: e.naive.se,
            ci_lower: e.naive.ci_lower,
            ci_upper: e.naive.ci_upper,
            truth: Some(e.truth),
        });
        match e.adjusted {
            Some(a) if a.se.is_finite() => risk_differences.push(RiskDifferenceRow {
                comparison: Contrast::LabelledVsOther,
                method: Method::Ipw,
                horizon_days: e.t as u32,
                difference: a.estimate,
                se: a.se,
                ci_lower: a.ci_lower,
                ci_upper: a.ci_upper,
                truth: Some(e.truth),
            }),
            Some(a) => notes.push(Note::IpwWithoutSe {
                horizon_days: e.t as u32,
                estimate: a.estimate,
            }),
            None => notes.push(Note::NoIpw {
                horizon_days: e.t as u32,
            }),
        }
    }
}

/// ITT and Wald rows of the encouragement design; a note where Wald is undefined.
fn encouragement_rows(
    study: &RetentionStudy,
    risk_differences: &mut Vec<RiskDifferenceRow>,
    notes: &mut Vec<Note>,
) {
    // Outcome of ITT and Wald: hired within a year and still in that job at the horizon,
    // over the whole cohort (not only hires), per the encouragement design.
    for e in &study.encouragement {
        let t = e.t as u32;
        let row =
            |method: Method, x: &crate::retention::compare::Estimate, truth| RiskDifferenceRow {
                comparison: if method == Method::Itt {
                    Contrast::EncouragedVsNot
                } else {
                    Contrast::LabelledPlacementIv
                },
                method,
                horizon_days: t,
                difference: x.estimate,
                se: x.se,
                ci_lower: x.ci_lower,
                ci_upper: x.ci_upper,
                truth,
            };
        risk_differences.push(row(Method::Itt, &e.estimate.itt, Some(e.true_itt)));
        if e.estimate.wald.estimate.is_finite() && e.estimate.wald.se.is_finite() {
            risk_differences.push(row(Method::WaldIv, &e.estimate.wald, e.true_wald));
        } else {
            notes.push(Note::WaldUndefined { horizon_days: t });
        }
    }
}

/// Retention of flagged hires on the dataset by label at hire; `None` with a note when it
/// cannot be estimated.
fn flagged_hires_on_dataset(
    synthetic: &Synthetic,
    scores: &ScoreOutput,
    design: &crate::retention::RetentionDesign,
    seed: u64,
    notes: &mut Vec<Note>,
) -> Option<FlaggedHiresResult> {
    match hires::flagged_hires(
        &synthetic.dataset,
        crate::pilot::followup::computed_labels(scores),
        LONG_UNEMPLOYMENT_MONTHS,
    ) {
        Ok((table, selection)) => {
            let opts = RetentionOptions {
                horizons: design.horizons.clone(),
                reference: other_as_reference(&table),
                ipw: crate::retention::compare::IpwOptions {
                    bootstrap: design.ipw_bootstrap,
                    seed,
                    ..Default::default()
                },
                ..Default::default()
            };
            match estimate_retention(&table, &opts) {
                Ok(result) => Some(FlaggedHiresResult { selection, result }),
                Err(e) => {
                    notes.push(technical(format!("flagged hires on the dataset: {e}")));
                    None
                }
            }
        }
        Err(e) => {
            notes.push(technical(format!("flagged hires on the dataset: {e}")));
            None
        }
    }
}

/// Naive and IPW rows of the flagged hires (no truth: observational), and their warnings.
fn flagged_hires_rows(
    f: &FlaggedHiresResult,
    risk_differences: &mut Vec<RiskDifferenceRow>,
    notes: &mut Vec<Note>,
) {
    for d in f
        .result
        .risk_difference
        .iter()
        .filter(|d| d.group == LABELLED)
    {
        risk_differences.push(RiskDifferenceRow {
            comparison: Contrast::FlaggedHires,
            method: Method::Naive,
            horizon_days: d.t as u32,
            difference: d.difference,
            se: d.se,
            ci_lower: d.ci_lower,
            ci_upper: d.ci_upper,
            truth: None,
        });
    }
    let ipw = f.result.adjusted.iter().flat_map(|a| &a.horizons);
    for a in ipw.filter(|a| a.difference.se.is_finite()) {
        risk_differences.push(RiskDifferenceRow {
            comparison: Contrast::FlaggedHires,
            method: Method::Ipw,
            horizon_days: a.t as u32,
            difference: a.difference.estimate,
            se: a.difference.se,
            ci_lower: a.difference.ci_lower,
            ci_upper: a.difference.ci_upper,
            truth: None,
        });
    }
    notes.extend(
        f.result
            .warnings
            .iter()
            .map(|w| technical(format!("flagged hires on the dataset: {w}"))),
    );
}

/// The report's Cox table from the study's fit (ties method as its serialised name).
pub(crate) fn cox_table(c: &crate::retention::cox::CoxFit) -> CoxTable {
    CoxTable {
        ties: serde_json::to_value(c.ties)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        n: c.n as u64,
        events: c.n_events as u64,
        terms: c
            .terms
            .iter()
            .map(|t| CoxTerm {
                name: t.name.clone(),
                coef: t.coef,
                se: t.se,
                hazard_ratio: t.hazard_ratio,
                ci_lower: t.ci_lower,
                ci_upper: t.ci_upper,
                p_value: t.p_value,
            })
            .collect(),
    }
}

/// Runs the retention stage (see the module docs).
///
/// # Errors
/// No scored period before the cohort start, no employer, or an estimator error on the
/// simulated cohort (e.g. no hire observed).
pub fn retention_stage(
    exp: &Experiment,
    reference: &Reference,
    synthetic: &Synthetic,
    scores: &ScoreOutput,
) -> Result<RetentionStageOutput, RetentionStageError> {
    let design = &exp.retention;
    let seed = sim::stream_seed(exp.seed);
    let z = crate::retention::critical_value(0.95);
    let horizons = design.horizons.clone();
    let (employers, baseline_period) = placement_employers(exp, reference, synthetic, scores)?;
    let mut notes = Vec::new();

    let sims = simulate_policies(&employers, design, seed)?;
    let own = sims
        .iter()
        .find(|(p, _)| *p == design.policy)
        .map(|(_, s)| s)
        .ok_or(RetentionStageError::Sim(SimError::NoEmployers))?;
    let study = RetentionStudy::run(own, design, seed)?;
    notes.extend(study.warnings.iter().cloned().map(technical));

    let by_group = group_curves(own, &horizons)?;
    let by_policy = policy_curves(&sims, &horizons, z)?;
    let cohorts = cohort_rows(own);

    // Risk differences: naive and IPW against the truth, then ITT and Wald, then the
    // flagged hires on the dataset itself (by label at hire).
    let mut risk_differences = Vec::new();
    labelled_effect_rows(&study, &mut risk_differences, &mut notes);
    encouragement_rows(&study, &mut risk_differences, &mut notes);
    let flagged_hires = flagged_hires_on_dataset(synthetic, scores, design, seed, &mut notes);
    if let Some(f) = &flagged_hires {
        flagged_hires_rows(f, &mut risk_differences, &mut notes);
    }

    let cox = study.cox.as_ref().map(cox_table);
    let labelled_employers = employers.iter().filter(|e| e.labelled).count();
    let section = RetentionSection {
        cohorts,
        km_by_group: by_group.km,
        km_by_policy: by_policy.km,
        by_policy: by_policy.rows,
        risk_differences,
        logrank: by_group.logrank,
        cox,
        return_to_work: return_rows(own, design),
        ..Default::default()
    };
    Ok(RetentionStageOutput {
        section,
        study,
        baseline_period,
        employers: employers.len(),
        labelled_employers,
        flagged_hires,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thin_keeps_horizons_ends_and_bounds_the_size() {
        let rows: Vec<KmRow> = (0..1000)
            .map(|i| KmRow {
                t: f64::from(i),
                survival: 1.0 - f64::from(i) / 1000.0,
                ci_lower: 0.0,
                ci_upper: 1.0,
                ci_log_lower: 0.0,
                ci_log_upper: 1.0,
                at_risk: f64::from(1000 - i),
                events: 1.0,
                censored: 0.0,
                std_error: 0.0,
            })
            .collect();
        let p = thin(&rows, &[182.0, 365.0]);
        assert!(p.len() <= MAX_CURVE_POINTS + 3, "{}", p.len());
        // The curve stops at the last time with 11 persons at risk (t = 989).
        for t in [0.0, 182.0, 365.0, 989.0] {
            assert!(p.iter().any(|x| x.t == t), "missing t = {t}");
        }
        assert!(
            p.iter().all(|x| x.at_risk >= 11),
            "a point on fewer than 11 persons"
        );
        assert!(p.windows(2).all(|w| w[0].t < w[1].t));
        assert_eq!(thin(&rows[..10], &[]).len(), 10);
    }
}
