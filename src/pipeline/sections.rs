//! Conversions from the stages' outputs into the report's `results.json` sections.
//!
//! The report renders [`crate::report::RunResults`] only; these functions are the single
//! place where live stage outputs become those plain rows.

use crate::config::{Experiment, Lang};
use crate::exposure::montecarlo::ExposureMonteCarlo;
use crate::exposure::study::ExposureStudy;
use crate::exposure::Design;
use crate::model::Dataset;
use crate::provenance::Manifest;
use crate::report::results as r;
use crate::synth::calibration::Calibration;
use std::collections::BTreeMap;

const Z95: f64 = 1.959_963_984_540_054;

fn month(d: crate::date::Date) -> String {
    d.to_string()[..7].to_string()
}

/// Unit of a calibration row, for display.
fn calibration_unit(key: &str, lang: Lang) -> &'static str {
    let (fr, en) = if key.ends_with("_days") {
        ("jours", "days")
    } else if key.starts_with("accidents") {
        ("pour 1 000 salariés", "per 1,000 employees")
    } else if key.ends_with("rate") {
        ("par salarié et par an", "per employee-year")
    } else {
        ("part", "share")
    };
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

/// French name of a calibration target (the English one is the row's own label).
fn calibration_name_fr(key: &str) -> Option<&'static str> {
    Some(match key {
        "cdd_share_of_hires" => "Part des CDD dans les embauches (hors intérim)",
        "cdd_under_one_month" => "Part des CDD de moins d'un mois",
        "cdd_median_days" => "Durée médiane des CDD (jours)",
        "cdd_mean_days" => "Durée moyenne des CDD (jours)",
        "cdi_ended_within_year" => "CDI rompus dans leur première année",
        "cdi_trial_end_within_year" => "CDI rompus en période d'essai la première année",
        "cdi_resignation_within_year" => "CDI rompus par démission la première année",
        "cdi_ended_within_year_hotels" => "CDI rompus la première année, hébergement-restauration",
        "cdi_ended_within_year_construction" => "CDI rompus la première année, construction",
        "cdi_ended_within_year_industry" => "CDI rompus la première année, industrie",
        "cdi_ended_within_year_under_25" => {
            "CDI rompus la première année, embauches de moins de 25 ans"
        }
        "apprenticeship_broken" => "Contrats d'apprentissage rompus avant leur terme",
        "entry_rate" => "Taux d'entrée (embauches par salarié et par an)",
        "turnover_rate" => "Taux de rotation (moyenne des taux d'entrée et de sortie)",
        "accidents_per_1000" => "Accidents du travail pour 1 000 salariés",
        "accidents_per_1000_construction" => {
            "Accidents du travail pour 1 000 salariés, construction"
        }
        "women_share" => "Part des femmes (ETP)",
        "women_share_construction" => "Part des femmes, construction",
        "women_share_health" => "Part des femmes, santé et action sociale",
        "part_time_share" => "Part des salariés à temps partiel",
        "boeth_share_20plus" => "Part des BOETH, établissements de 20 salariés ou plus",
        "size_band_1-9" => "Établissements de 1 à 9 salariés",
        "size_band_10-49" => "Établissements de 10 à 49 salariés",
        "size_band_50-249" => "Établissements de 50 à 249 salariés",
        "size_band_250+" => "Établissements de 250 salariés ou plus",
        _ => return None,
    })
}

/// What was simulated, with calibration targets against realised values.
pub fn data_section(
    ds: &Dataset,
    exp: &Experiment,
    calibration: &Calibration,
    lang: Lang,
) -> r::DataSection {
    let description = match lang {
        Lang::Fr => format!(
            "Données DSN synthétiques calibrées : {} établissements des départements {}, {} années observées après {} mois de rodage, graine {}.",
            ds.establishments.len(),
            exp.territory.departements.join(", "),
            exp.generator.years,
            exp.generator.burn_in_months,
            exp.seed
        ),
        Lang::En => format!(
            "Calibrated synthetic DSN data: {} establishments in départements {}, {} observed years after a {}-month burn-in, seed {}.",
            ds.establishments.len(),
            exp.territory.departements.join(", "),
            exp.generator.years,
            exp.generator.burn_in_months,
            exp.seed
        ),
    };
    r::DataSection {
        source: "synthetic".into(),
        description,
        period_start: month(calibration.window_start),
        period_end: month(ds.coverage.end),
        departements: exp.territory.departements.clone(),
        n_establishments: ds.establishments.len() as u64,
        n_persons: ds.persons.len() as u64,
        n_contracts: ds.contracts.len() as u64,
        n_stoppages: ds.stoppages.len() as u64,
        calibration: calibration
            .rows
            .iter()
            .map(|c| r::CalibrationRow {
                id: c.source.clone(),
                name: match lang {
                    Lang::Fr => {
                        calibration_name_fr(&c.key).map_or_else(|| c.label.clone(), String::from)
                    }
                    Lang::En => c.label.clone(),
                },
                unit: calibration_unit(&c.key, lang).into(),
                target: c.target,
                realised: c.realised,
                tolerance: Some(c.tolerance),
            })
            .collect(),
    }
}

fn estimator_name(key: &str, lang: Lang) -> String {
    let (fr, en) = match key {
        "naive_post_difference" => (
            "Comparaison naïve après exposition",
            "Naive post-exposure difference",
        ),
        "twfe" => (
            "Doubles différences à effets fixes (TWFE)",
            "Two-way fixed effects DiD (TWFE)",
        ),
        "cs_simple" => (
            "Callaway–Sant'Anna, agrégation simple",
            "Callaway–Sant'Anna, simple aggregation",
        ),
        "difference_in_means_change" => (
            "Différence de moyennes des évolutions (aléatoire)",
            "Difference in means of changes (randomised)",
        ),
        "matched_did" => (
            "Doubles différences appariées (score de propension)",
            "Matched DiD (propensity score)",
        ),
        other => (other, other),
    };
    match lang {
        Lang::Fr => fr.into(),
        Lang::En => en.into(),
    }
}

/// Display name of a pre-exposure covariate.
fn covariate_name(key: &str, lang: Lang) -> String {
    let (fr, en) = match key {
        "baseline_score" => ("score avant exposition", "score before exposure"),
        "log_headcount" => ("effectif (log)", "headcount (log)"),
        "hires" => ("embauches sur 12 mois", "hires over 12 months"),
        "exit_rate" => ("taux de sortie", "exit rate"),
        other => (other, other),
    };
    match lang {
        Lang::Fr => fr.into(),
        Lang::En => en.into(),
    }
}

/// The exposure evaluation: design, balance, trajectories, estimates, dynamics, Monte Carlo.
pub fn exposure_section(
    s: &ExposureStudy,
    mc: Option<&ExposureMonteCarlo>,
    lang: Lang,
) -> r::ExposureSection {
    let kind = match s.design.design {
        Design::Randomised => "randomised",
        Design::Staggered => "staggered",
        Design::Observational => "observational",
    };
    let description = match lang {
        Lang::Fr => format!(
            "Parmi les {} établissements notés et non labellisés en {}, {} ont reçu leur résultat ({} y ont réagi). Effet visé : +{:.1} % sur les parts d'embauches inclusives, après {} mois de délai et {} mois de montée en charge. L'effet vrai sur le score est connu grâce au contrefactuel simulé avec les mêmes nombres aléatoires.",
            s.eligible, s.baseline_period, s.exposed, s.responders, 100.0 * s.design.effect_size, s.design.lag_months, s.design.ramp_months
        ),
        Lang::En => format!(
            "Of the {} establishments scored and not labelled in {}, {} were shown their result ({} responded). Targeted effect: +{:.1}% on inclusive hiring shares, after a {}-month lag and a {}-month ramp. The true effect on the score is known from the counterfactual simulated with the same random numbers.",
            s.eligible, s.baseline_period, s.exposed, s.responders, 100.0 * s.design.effect_size, s.design.lag_months, s.design.ramp_months
        ),
    };
    let period_label = |t: i64| {
        s.periods
            .get((t - 1).max(0) as usize)
            .cloned()
            .unwrap_or_default()
    };
    let mut groups: BTreeMap<&str, Vec<r::TrajectoryPoint>> = BTreeMap::new();
    for p in &s.trajectories {
        let (lo, hi) = p.ci95.map_or((p.mean, p.mean), |c| (c[0], c[1]));
        groups
            .entry(p.group.as_str())
            .or_default()
            .push(r::TrajectoryPoint {
                period: period_label(p.period),
                t: p.period as f64,
                mean: p.mean,
                ci_lower: lo,
                ci_upper: hi,
            });
    }
    let twfe = &s.did.twfe;
    let estimates = s
        .estimates
        .iter()
        .map(|e| {
            let (lo, hi) = e.ci95.map_or((f64::NAN, f64::NAN), |c| (c[0], c[1]));
            let is_twfe = e.estimator == "twfe";
            r::NamedEstimate {
                key: e.estimator.clone(),
                name: estimator_name(&e.estimator, lang),
                estimate: e.estimate,
                se: e.se.unwrap_or(f64::NAN),
                ci_lower: if is_twfe { twfe.ci95[0] } else { lo },
                ci_upper: if is_twfe { twfe.ci95[1] } else { hi },
                p_value: is_twfe.then_some(twfe.p_value),
                n_obs: is_twfe.then_some(twfe.n_obs as u64),
                n_clusters: is_twfe.then_some(twfe.n_clusters as u64),
                truth: Some(e.truth),
                estimand: Some(e.estimand.key().to_string()),
            }
        })
        .collect();
    r::ExposureSection {
        design: r::ExposureDesignInfo {
            kind: kind.into(),
            description,
            waves: s.design.waves.iter().map(|w| month(*w)).collect(),
            n_exposed: s.exposed as u64,
            n_comparison: (s.eligible - s.exposed) as u64,
            true_effect: Some(s.true_effect),
            true_effect_on_exposed: Some(s.true_att_exposed),
            true_effect_on_comparison: Some(s.true_effect_comparison),
            comparison_cells_affected: Some(s.comparison_cells_affected),
            shared_pool: Some(s.design.shared_pool),
        },
        balance: s
            .balance
            .iter()
            .map(|b| r::BalanceRow {
                variable: covariate_name(&b.covariate, lang),
                mean_exposed: b.mean_exposed,
                mean_comparison: b.mean_comparison,
                smd_before: b.smd,
                smd_after: b.smd_after_matching,
            })
            .collect(),
        trajectories: groups
            .into_iter()
            .map(|(g, points)| r::Trajectory {
                group: match (g, lang) {
                    ("exposed", Lang::Fr) => "exposés".to_string(),
                    ("comparison", Lang::Fr) => "comparables non exposés".to_string(),
                    ("comparison", Lang::En) => "comparison (not exposed)".to_string(),
                    _ => g.to_string(),
                },
                points,
            })
            .collect(),
        estimates,
        event_study: s
            .did
            .event_study
            .iter()
            .map(|c| r::DynamicPoint {
                rel_time: c.rel_time as i32,
                estimate: c.estimate,
                se: c.se,
                ci_lower: c.ci95[0],
                ci_upper: c.ci95[1],
            })
            .collect(),
        pretrend: s.did.pretrend_wald.as_ref().map(|w| r::TestResult {
            statistic: w.statistic,
            df: w.df as f64,
            p_value: w.p_value,
        }),
        cs_dynamic: s
            .did
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
            .collect(),
        monte_carlo: mc
            .map(|m| {
                m.summary
                    .estimators
                    .iter()
                    .map(|e| r::MonteCarloRow {
                        estimator: e.estimator.clone(),
                        true_effect: m.summary.mean_true_att,
                        bias: e.bias,
                        rmse: e.rmse,
                        coverage: e.coverage,
                        rejection_rate: e.rejection_rate,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        monte_carlo_replications: mc.map_or(0, |m| m.summary.replications as u64),
        example_sheets: Vec::new(),
    }
}

/// Named conventions of every estimator, and this run's caveats.
pub fn methods_section(exposure: Option<&ExposureStudy>, lang: Lang) -> r::MethodsSection {
    let mut conventions = BTreeMap::new();
    if let Some(s) = exposure {
        for (k, v) in &s.did.convention {
            conventions.insert(format!("did.{k}"), v.clone());
        }
    }
    conventions.insert(
        "score.peer_normalisation".into(),
        "median and MAD of the peer group (NAF division × size band × zone, with fallbacks), beta-binomial shrinkage of small-count shares".into(),
    );
    conventions.insert(
        "exposure.truth".into(),
        "counterfactual world generated with the same random numbers; truth reported on the exposed, on the comparison group (spillover) and as their difference, which every estimator here targets".into(),
    );
    let shared = exposure.is_none_or(|s| s.design.shared_pool);
    let mut notes = vec![match lang {
        Lang::Fr => "L'exposition atteint aussi les comparables, par deux canaux. Les établissements exposés embauchent davantage de chômeurs de longue durée, de travailleurs handicapés et de sortants d'IAE dans le vivier de demandeurs d'emploi qu'ils partagent avec les autres, qui en trouvent moins ; et les scores sont relatifs aux pairs : quand les exposés progressent, la position de leurs pairs recule. Les doubles différences mesurent donc l'effet sur les exposés moins l'effet sur les comparables ; les deux effets et leur différence sont donnés, et chaque estimateur est comparé à la différence.".to_string(),
        Lang::En => "Exposure also reaches the comparison group, through two channels. Exposed establishments hire more of the long-term unemployed, disabled workers and IAE leavers from the job-seeker pool they share with the others, who find fewer of them; and scores are relative to peers: when the exposed improve, their peers' positions fall. Difference-in-differences therefore measures the effect on the exposed minus the effect on the comparison group; both effects and their difference are given, and every estimator is compared with the difference.".to_string(),
    }];
    notes.push(match (lang, shared) {
        (Lang::Fr, true) => "Vivier partagé (exposure.shared_pool = true) : `shared_pool = false` donne aux exposés leur propre vivier dans les deux mondes et coupe ce canal ; il ne reste alors que l'effet des scores relatifs.".to_string(),
        (Lang::En, true) => "Shared pool (exposure.shared_pool = true): `shared_pool = false` gives the exposed their own pool in both worlds and switches that channel off, leaving only the effect of peer-relative scores.".to_string(),
        (Lang::Fr, false) => "Viviers séparés (exposure.shared_pool = false) : les exposés embauchent dans leur propre vivier dans les deux mondes ; l'effet sur les comparables ne vient que des scores relatifs aux pairs.".to_string(),
        (Lang::En, false) => "Separate pools (exposure.shared_pool = false): the exposed hire from their own pool in both worlds; the effect on the comparison group comes only from peer-relative scores.".to_string(),
    });
    notes.push(match lang {
        Lang::Fr => "Avec des effets hétérogènes selon la cohorte, les coefficients avancés d'une étude d'événement TWFE sont contaminés (Sun et Abraham, 2021) : l'agrégation dynamique de Callaway et Sant'Anna est présentée à côté.".to_string(),
        Lang::En => "With effects that differ by cohort, dynamic TWFE leads are contaminated (Sun and Abraham, 2021): the Callaway–Sant'Anna dynamic aggregation is shown alongside.".to_string(),
    });
    if let Some(s) = exposure {
        notes.extend(s.warnings.iter().cloned());
        notes.extend(s.did.warnings.iter().cloned());
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
    let kind = |k: crate::validity::WeightingKind| {
        serde_json::to_value(k)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
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
                kind: kind(a.kind),
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
