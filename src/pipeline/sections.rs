//! Conversions from the stages' outputs into the report's `results.json` sections.
//!
//! The report renders [`crate::report::RunResults`] only; these functions are the single
//! place where live stage outputs become those plain rows. They produce keys and numbers,
//! never display text: `report::i18n` names everything at render time.

use crate::config::Experiment;
use crate::estimate::event_study::WaldTest;
use crate::estimate::DidResult;
use crate::exposure::montecarlo::ExposureMonteCarlo;
use crate::exposure::study::ExposureStudy;
use crate::model::Dataset;
use crate::provenance::Manifest;
use crate::report::results as r;
use crate::synth::calibration::Calibration;
use std::collections::BTreeMap;

const Z95: f64 = 1.959_963_984_540_054;

fn month(d: crate::date::Date) -> String {
    d.to_string()[..7].to_string()
}

/// What was simulated, with calibration targets against realised values.
pub fn data_section(ds: &Dataset, exp: &Experiment, calibration: &Calibration) -> r::DataSection {
    r::DataSection {
        source: r::DataSource::Synthetic,
        inputs: Vec::new(),
        period_start: month(calibration.window_start),
        period_end: month(ds.coverage.end),
        departements: exp.territory.departements.clone(),
        years: Some(exp.generator.years),
        burn_in_months: Some(exp.generator.burn_in_months),
        n_establishments: ds.establishments.len() as u64,
        n_persons: ds.persons.len() as u64,
        n_contracts: ds.contracts.len() as u64,
        n_stoppages: ds.stoppages.len() as u64,
        calibration: calibration
            .rows
            .iter()
            .map(|c| r::CalibrationRow {
                id: c.source.clone(),
                key: c.key.clone(),
                target: c.target,
                realised: c.realised,
                tolerance: Some(c.tolerance),
            })
            .collect(),
    }
}

/// Two-sided power at 5% of an estimator with standard error `se` against `effect`
/// (normal approximation).
pub fn power(effect: f64, se: f64) -> Option<f64> {
    if !(effect.is_finite() && se.is_finite() && se > 0.0) {
        return None;
    }
    let z = effect.abs() / se;
    let cdf = crate::stats::describe::normal_cdf;
    Some(cdf(z - Z95) + cdf(-z - Z95))
}

/// Mean score per group and period, with the period labels of `periods` (1-based `t`);
/// shared by the synthetic study and the evaluation on a real register.
pub(crate) fn trajectories(
    periods: &[String],
    points: &[crate::estimate::trajectories::TrajectoryPoint],
) -> Vec<r::Trajectory> {
    let period_label = |t: i64| {
        periods
            .get((t - 1).max(0) as usize)
            .cloned()
            .unwrap_or_default()
    };
    let mut groups: BTreeMap<r::ExposureGroup, Vec<r::TrajectoryPoint>> = BTreeMap::new();
    for p in points {
        let g = match p.group.as_str() {
            "exposed" => r::ExposureGroup::Exposed,
            _ => r::ExposureGroup::Comparison,
        };
        let (lo, hi) = p.ci95.map_or((p.mean, p.mean), |c| (c[0], c[1]));
        groups.entry(g).or_default().push(r::TrajectoryPoint {
            period: period_label(p.period),
            t: p.period as f64,
            mean: p.mean,
            ci_lower: lo,
            ci_upper: hi,
        });
    }
    groups
        .into_iter()
        .map(|(group, points)| r::Trajectory { group, points })
        .collect()
}

fn estimates(s: &ExposureStudy) -> Vec<r::NamedEstimate> {
    let twfe = &s.did.twfe;
    s.estimates
        .iter()
        .filter_map(|e| {
            let key = r::Estimator::from_key(&e.estimator)?;
            let (lo, hi) = e.ci95.map_or((f64::NAN, f64::NAN), |c| (c[0], c[1]));
            let is_twfe = key == r::Estimator::Twfe;
            Some(r::NamedEstimate {
                key,
                estimate: e.estimate,
                se: e.se.unwrap_or(f64::NAN),
                ci_lower: if is_twfe { twfe.ci95[0] } else { lo },
                ci_upper: if is_twfe { twfe.ci95[1] } else { hi },
                // Randomisation inference for the difference in means, as on a real register.
                p_value: match key {
                    r::Estimator::Twfe => Some(twfe.p_value),
                    r::Estimator::DifferenceInMeansChange => s.randomisation_p_value,
                    _ => None,
                },
                n_obs: is_twfe.then_some(twfe.n_obs as u64),
                n_clusters: is_twfe.then_some(twfe.n_clusters as u64),
                truth: Some(e.truth),
                estimand: Some(e.estimand),
            })
        })
        .collect()
}

fn design(s: &ExposureStudy, est: &[r::NamedEstimate]) -> r::ExposureDesignInfo {
    let primary = r::Estimator::primary_for(s.design.design)
        .iter()
        .find_map(|k| est.iter().find(|x| x.key == *k));
    r::ExposureDesignInfo {
        kind: s.design.design,
        baseline_period: s.baseline_period.clone(),
        waves: s.design.waves.iter().map(|w| month(*w)).collect(),
        n_eligible: s.eligible as u64,
        n_exposed: s.exposed as u64,
        n_responders: s.responders as u64,
        n_comparison: (s.eligible - s.exposed) as u64,
        effect_size: s.design.effect_size,
        lag_months: s.design.lag_months,
        ramp_months: s.design.ramp_months,
        true_effect: Some(s.true_effect),
        true_effect_on_exposed: Some(s.true_att_exposed),
        true_effect_on_comparison: Some(s.true_effect_comparison),
        comparison_cells_affected: Some(s.comparison_cells_affected),
        shared_pool: Some(s.design.shared_pool),
        power: primary.and_then(|p| power(s.true_effect, p.se)),
    }
}

/// A pre-trend test as results data (`bin`: the threshold and the event times binned).
fn pretrend_test(w: &WaldTest, leads: Vec<i64>, bin: Option<(i64, &[i64])>) -> r::PretrendTest {
    r::PretrendTest {
        statistic: w.statistic,
        df: w.df as f64,
        df2: w.df2 as f64,
        p_value: w.p_value,
        convention: r::WaldConvention::FixestWald,
        leads: leads.into_iter().map(|e| e as i32).collect(),
        binned_below: bin.map(|(below, _)| below as i32),
        binned: bin.map_or_else(Vec::new, |(_, b)| b.iter().map(|e| *e as i32).collect()),
    }
}

/// The headline pre-trend test: the leads before the binning threshold binned.
/// The event-study points and Callaway–Sant'Anna's event-time points of a DiD fit, as the
/// report reads them (CS points without a standard error are left out).
pub fn dynamic_points(did: &DidResult) -> (Vec<r::DynamicPoint>, Vec<r::DynamicPoint>) {
    let es = did
        .event_study
        .iter()
        .map(|c| r::DynamicPoint {
            rel_time: c.rel_time as i32,
            estimate: c.estimate,
            se: c.se,
            ci_lower: c.ci95[0],
            ci_upper: c.ci95[1],
        })
        .collect();
    let cs = did
        .cs
        .dynamic
        .by_event_time
        .iter()
        .filter_map(|e| {
            let se = e.se?;
            Some(r::DynamicPoint {
                rel_time: e.event_time as i32,
                estimate: e.att,
                se,
                ci_lower: e.att - Z95 * se,
                ci_upper: e.att + Z95 * se,
            })
        })
        .collect();
    (es, cs)
}

pub fn pretrend_headline(did: &DidResult) -> Option<r::PretrendTest> {
    did.pretrend_binned.as_ref().map(|b| {
        let bin = (!b.binned.is_empty()).then_some((b.below, b.binned.as_slice()));
        pretrend_test(&b.wald, b.leads.clone(), bin)
    })
}

/// The secondary pre-trend test on every lead, unbinned.
pub fn pretrend_all_leads(did: &DidResult) -> Option<r::PretrendTest> {
    let leads = did
        .event_study
        .iter()
        .map(|c| c.rel_time)
        .filter(|e| *e <= -2)
        .collect();
    did.pretrend_wald
        .as_ref()
        .map(|w| pretrend_test(w, leads, None))
}

/// The exposure evaluation: design, balance, trajectories, estimates, dynamics, Monte Carlo.
pub fn exposure_section(s: &ExposureStudy, mc: Option<&ExposureMonteCarlo>) -> r::ExposureSection {
    let estimates = estimates(s);
    let (event_study, cs_dynamic) = dynamic_points(&s.did);
    r::ExposureSection {
        design: design(s, &estimates),
        balance: s
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
        trajectories: trajectories(&s.periods, &s.trajectories),
        estimates,
        event_study,
        pretrend: pretrend_headline(&s.did),
        pretrend_all_leads: pretrend_all_leads(&s.did),
        cs_dynamic,
        monte_carlo: mc
            .map(|m| {
                m.summary
                    .estimators
                    .iter()
                    .filter_map(|e| {
                        Some(r::MonteCarloRow {
                            estimator: r::Estimator::from_key(&e.estimator)?,
                            true_effect: m.summary.mean_true_att,
                            bias: e.bias,
                            rmse: e.rmse,
                            coverage: e.coverage,
                            rejection_rate: e.rejection_rate,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
        monte_carlo_replications: mc.map_or(0, |m| m.summary.replications as u64),
        example_sheets: Vec::new(),
    }
}

/// Named conventions of every estimator, and this run's notes.
pub fn methods_section(exposure: Option<&ExposureStudy>) -> r::MethodsSection {
    let mut conventions = BTreeMap::new();
    if let Some(s) = exposure {
        for (k, v) in &s.did.convention {
            conventions.insert(format!("did.{k}"), v.clone());
        }
    }
    let mut notes = vec![
        r::Note::RelativeScores,
        r::Note::PoolSpillover {
            shared_pool: exposure.is_none_or(|s| s.design.shared_pool),
        },
        r::Note::SunAbraham,
        r::Note::PeerNormalisation,
        r::Note::TruthDefinition,
    ];
    if let Some(s) = exposure {
        let technical = |text: &String| r::Note::Technical {
            stage: "exposure".into(),
            text: text.clone(),
        };
        notes.extend(s.warnings.iter().map(technical));
        notes.extend(s.did.warnings.iter().map(technical));
    }
    r::MethodsSection { conventions, notes }
}

/// The manifest as shown in the report. Timings stay in `manifest.json` only, so that
/// `results.json` and the rendered report are byte-identical for the same config and seed.
pub fn manifest_section(m: &Manifest, run_id: &str) -> r::Manifest {
    r::Manifest {
        run_id: run_id.to_string(),
        experiment: m.experiment_name.clone(),
        experiment_file: m.experiment_path.clone(),
        experiment_sha256: m.experiment_hash.clone(),
        data_fingerprint: m.data_fingerprint.clone(),
        seed: m.seed,
        crate_version: m.crate_version.clone(),
        git_commit: m.git_commit.clone(),
        created_at: String::new(),
        command: m.rerun.clone(),
        inputs: m
            .inputs
            .iter()
            .map(|f| r::InputFile {
                path: f.path.clone(),
                sha256: f.sha256.clone(),
                bytes: f.bytes,
            })
            .collect(),
        timings: Vec::new(),
    }
}

/// The validity of each weighting against the generator's outcome truth.
pub fn validity_section(v: &crate::validity::ValidityReport) -> r::ValiditySection {
    let groups = |g: &[crate::validity::GroupAgreement]| {
        g.iter()
            .map(|x| r::GroupValidity {
                group: x.group.clone(),
                n: x.n as u64,
                spearman: x.spearman,
            })
            .collect()
    };
    r::ValiditySection {
        period: v.period.clone(),
        weightings: v
            .weightings
            .iter()
            .map(|a| r::WeightingValidity {
                key: a.weighting.clone(),
                kind: a.kind,
                n: a.n as u64,
                spearman: a.spearman,
                spearman_mean_over_periods: a.spearman_mean_over_periods,
                precision: a
                    .precision
                    .iter()
                    .map(|p| r::PrecisionRow {
                        level: p.level,
                        top_share: p.top_share,
                        labelled: p.labelled as u64,
                        precision: p.precision,
                    })
                    .collect(),
                by_size_band: groups(&a.by_size_band),
                by_sector: groups(&a.by_sector),
            })
            .collect(),
    }
}
