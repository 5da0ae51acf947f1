//! Conversions from the evaluations of a real pilot into the report's `results.json`
//! sections: the same rows as a synthetic run, with no truth and no Monte Carlo, plus the
//! evaluator's files, the awarded labels and the linked cohort's return to work.

use crate::model::Dataset;
use crate::pilot::awarded::LabelComparison;
use crate::pilot::evaluate::ExposureEvaluation;
use crate::pilot::followup::{CohortStudy, ItOutcome, ReturnToWork};
use crate::pilot::register::Arm as RegisterArm;
use crate::report::results as r;
use crate::retention::sim::LABELLED;
use crate::retention::RetentionResult;
use std::collections::BTreeMap;

fn month(d: crate::date::Date) -> String {
    d.to_string()[..7].to_string()
}

/// What was read: the tables' coverage and counts, and the evaluator's files.
pub fn data_section(ds: &Dataset, inputs: Vec<r::InputCount>) -> r::DataSection {
    let mut deps: Vec<String> = ds
        .establishments
        .iter()
        .map(|e| e.departement.clone())
        .filter(|d| !d.is_empty())
        .collect();
    deps.sort();
    deps.dedup();
    r::DataSection {
        source: super::real::data_source(ds),
        inputs,
        period_start: month(ds.coverage.start),
        period_end: month(ds.coverage.end),
        departements: deps,
        years: None,
        burn_in_months: None,
        n_establishments: ds.establishments.len() as u64,
        n_persons: ds.persons.len() as u64,
        n_contracts: ds.contracts.len() as u64,
        n_stoppages: ds.stoppages.len() as u64,
        calibration: Vec::new(),
    }
}

/// Awarded against computed labels, per period.
pub fn awarded(c: &LabelComparison) -> Vec<r::AwardedAgreement> {
    c.periods
        .iter()
        .map(|p| r::AwardedAgreement {
            period: p.period.clone(),
            n: p.n,
            agreement: p.agreement,
            kappa: p.kappa,
            labelled_awarded: p.labelled_awarded,
            labelled_computed: p.labelled_computed,
            awarded_not_computed: p.awarded_not_computed,
            computed_not_awarded: p.computed_not_awarded,
            awarded_not_calculable: p.awarded_not_calculable,
        })
        .collect()
}

fn estimates(ev: &ExposureEvaluation) -> Vec<r::NamedEstimate> {
    let twfe = &ev.did.twfe;
    ev.estimates
        .iter()
        .filter_map(|e| {
            let key = r::Estimator::from_key(&e.estimator)?;
            let is_twfe = key == r::Estimator::Twfe;
            let p_value = match key {
                r::Estimator::Twfe => Some(twfe.p_value),
                r::Estimator::DifferenceInMeansChange => ev.randomisation_p_value,
                _ => None,
            };
            Some(r::NamedEstimate {
                key,
                estimate: e.estimate,
                se: e.se,
                ci_lower: if is_twfe { twfe.ci95[0] } else { e.ci95[0] },
                ci_upper: if is_twfe { twfe.ci95[1] } else { e.ci95[1] },
                p_value,
                n_obs: is_twfe.then_some(twfe.n_obs as u64),
                n_clusters: is_twfe.then_some(twfe.n_clusters as u64),
                truth: None,
                estimand: None,
            })
        })
        .collect()
}

/// The exposure evaluation on the register's assignment: no truth, no Monte Carlo.
pub fn exposure_section(ev: &ExposureEvaluation) -> r::ExposureSection {
    let (event_study, cs_dynamic) = super::sections::dynamic_points(&ev.did);
    r::ExposureSection {
        design: r::ExposureDesignInfo {
            kind: ev.design,
            baseline_period: ev.baseline_period.clone(),
            waves: ev.waves.clone(),
            n_eligible: ev.eligible,
            n_exposed: ev.exposed,
            n_responders: 0,
            n_comparison: ev.comparison,
            effect_size: 0.0,
            lag_months: 0,
            ramp_months: 0,
            true_effect: None,
            true_effect_on_exposed: None,
            true_effect_on_comparison: None,
            comparison_cells_affected: None,
            shared_pool: None,
            power: None,
        },
        balance: ev
            .balance
            .iter()
            .map(|b| r::BalanceRow {
                covariate: b.covariate.clone(),
                mean_exposed: b.mean_exposed,
                mean_comparison: b.mean_comparison,
                smd_before: b.smd,
                smd_after: b.smd_after_matching,
            })
            .collect(),
        trajectories: super::sections::trajectories(&ev.periods, &ev.trajectories),
        estimates: estimates(ev),
        event_study,
        pretrend: super::sections::pretrend_headline(&ev.did),
        pretrend_all_leads: super::sections::pretrend_all_leads(&ev.did),
        cs_dynamic,
        monte_carlo: Vec::new(),
        monte_carlo_replications: 0,
        example_sheets: Vec::new(),
    }
}

fn group_arm(g: &str) -> r::Arm {
    if g == LABELLED {
        r::Arm::Labelled
    } else {
        r::Arm::Other
    }
}

/// Retention by label group: curves, horizon rows, naive and IPW differences, log-rank, Cox.
fn retention_parts(res: &RetentionResult, x: &mut r::RetentionSection) {
    let h = &res.horizons;
    for (g, rows) in &res.km {
        x.km_by_group.push(r::KmCurve {
            arm: group_arm(g),
            points: super::retention::thin(rows, h),
        });
    }
    for (g, s) in &res.groups {
        for k in &s.horizons {
            x.by_policy.push(r::HorizonRow {
                arm: group_arm(g),
                horizon_days: k.t as u32,
                survival: k.survival,
                ci_lower: k.ci_lower,
                ci_upper: k.ci_upper,
                truth: None,
            });
        }
    }
    let row = |method, t: f64, d: f64, se: f64, lo: f64, hi: f64| r::RiskDifferenceRow {
        comparison: r::Contrast::CohortLabelledVsOther,
        method,
        horizon_days: t as u32,
        difference: d,
        se,
        ci_lower: lo,
        ci_upper: hi,
        truth: None,
    };
    // The estimator's own interval, as the synthetic run reports it.
    for d in res.risk_difference.iter().filter(|d| d.group == LABELLED) {
        x.risk_differences.push(row(
            r::Method::Naive,
            d.t,
            d.difference,
            d.se,
            d.ci_lower,
            d.ci_upper,
        ));
    }
    for a in res.adjusted.iter().flat_map(|a| &a.horizons) {
        let e = &a.difference;
        if e.se.is_finite() {
            x.risk_differences.push(row(
                r::Method::Ipw,
                a.t,
                e.estimate,
                e.se,
                e.ci_lower,
                e.ci_upper,
            ));
        }
    }
    x.logrank = res.logrank.as_ref().map(|l| r::TestResult {
        statistic: l.statistic,
        df: l.df as f64,
        p_value: l.p_value,
    });
    x.cox = res.cox.as_ref().map(super::retention::cox_table);
}

/// ITT (and Wald for retention) of a randomised orientation.
fn encouragement_rows(s: &CohortStudy) -> Vec<r::RiskDifferenceRow> {
    let mut v = Vec::new();
    for e in &s.encouragement {
        let row =
            |comparison, method, x: &crate::retention::compare::Estimate| r::RiskDifferenceRow {
                comparison,
                method,
                horizon_days: e.horizon_days,
                difference: x.estimate,
                se: x.se,
                ci_lower: x.ci_lower,
                ci_upper: x.ci_upper,
                truth: None,
            };
        let est = &e.estimate;
        match e.outcome {
            ItOutcome::HiredAndRetained => {
                v.push(row(r::Contrast::EncouragedVsNot, r::Method::Itt, &est.itt));
                if est.wald.estimate.is_finite() && est.wald.se.is_finite() {
                    v.push(row(
                        r::Contrast::LabelledPlacementIv,
                        r::Method::WaldIv,
                        &est.wald,
                    ));
                }
            }
            ItOutcome::ReturnToWork => v.push(row(
                r::Contrast::ReturnTreatmentVsControl,
                r::Method::Itt,
                &est.itt,
            )),
        }
    }
    v
}

/// The report rows of a return-to-work curve at its horizons (linked or simulated cohort).
pub(crate) fn return_rows(rw: &ReturnToWork) -> Vec<r::ReturnRow> {
    let arm = match rw.arm {
        None => r::Arm::Everyone,
        Some(RegisterArm::Treatment) => r::Arm::Treatment,
        Some(RegisterArm::Control) => r::Arm::Control,
    };
    rw.horizons
        .iter()
        .map(|p| r::ReturnRow {
            arm,
            persons: rw.persons,
            hired: rw.hired,
            horizon_days: p.days as u32,
            incidence: p.incidence,
            ci_lower: p.ci_lower,
            ci_upper: p.ci_upper,
        })
        .collect()
}

/// The linked cohort: counts, return to work, retention by label group, ITT/Wald.
pub fn retention_section(s: &CohortStudy, extraction: crate::date::Date) -> r::RetentionSection {
    let mut x = r::RetentionSection {
        linked: Some(r::LinkedCohort {
            label_source: s.label_source,
            persons: s.persons,
            in_dsn: s.in_dsn,
            hired: s.hired,
            hired_in_window: s.hired_in_window,
            hires_labelled: s.hires_labelled,
            hires_unscored: s.hires_unscored,
            extraction: extraction.to_string(),
        }),
        ..Default::default()
    };
    x.return_to_work = s.return_to_work.iter().flat_map(return_rows).collect();
    if let Some(res) = &s.retention {
        retention_parts(res, &mut x);
    }
    x.risk_differences.extend(encouragement_rows(s));
    x
}

/// Named conventions, and this run's notes (no truth definition: nothing is planted).
pub fn methods_section(
    ev: Option<&ExposureEvaluation>,
    cohort: Option<&CohortStudy>,
) -> r::MethodsSection {
    let mut conventions = BTreeMap::new();
    let mut notes = vec![r::Note::RelativeScores, r::Note::PeerNormalisation];
    let technical = |stage: &str, text: &String| r::Note::Technical {
        stage: stage.into(),
        text: text.clone(),
    };
    if let Some(ev) = ev {
        for (k, v) in &ev.did.convention {
            conventions.insert(format!("did.{k}"), v.clone());
        }
        notes.insert(1, r::Note::SunAbraham);
        notes.extend(ev.warnings.iter().map(|t| technical("exposure", t)));
        notes.extend(ev.did.warnings.iter().map(|t| technical("exposure", t)));
    }
    if let Some(c) = cohort {
        if let Some(res) = &c.retention {
            for (k, v) in &res.convention {
                conventions.insert(format!("retention.{k}"), v.clone());
            }
            notes.extend(res.warnings.iter().map(|t| technical("retention", t)));
        }
        notes.extend(c.warnings.iter().map(|t| technical("retention", t)));
    }
    r::MethodsSection { conventions, notes }
}
