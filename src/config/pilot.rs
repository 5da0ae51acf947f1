//! The keys of a real pilot: the evaluator's files and how they are read.
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `exposure.register` | — | who was sent their results, and when (`siret`, `exposed_on`, optional `wave`, `arm`, `stratum`) |
//! | `exposure.eligible` | `"unlabelled"` | who enters the evaluation: scored and not labelled at the baseline, or `"scored"` |
//! | `score.awarded` | — | labels actually awarded (`siret`, `level`, `from`, `to`) |
//! | `retention.cohort` | — | pseudonymised job seekers (`person`, `oriented_on`, optional `oriented_to`, `arm`, `cluster`, covariates) |
//! | `retention.label_source` | `"awarded"` with `score.awarded`, else `"computed"` | labels grouping the hiring employers |
//! | `retention.hire_window_days` | 365 | hires counted for retention: at most this many days after orientation (1..=3650) |
//! | `retention.return_horizons` | `[91, 182, 365]` | return-to-work horizons in days (1..=3650) |
//! | `retention.extraction_date` | the end of the data | censoring date, on or before the end of the data |
//!
//! Paths are relative to the experiment file. These keys need `data.source = "tables"`, and
//! with it the keys that describe a simulation (`exposure.effect_size`, `retention.policy`,
//! cohort sizes...) are refused: the exposure and the cohort are then real. The design of a
//! real exposure is read from the register: randomised when it has an `arm` column.

use super::RawExperiment;
use crate::date::Date;
use crate::params::{check_int, ConfigError};
use crate::pilot::followup::LabelSource;
use crate::pilot::panel::Eligibility;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Return-to-work horizons (days) by default: 3, 6 and 12 months. The simulated cohort of a
/// synthetic run reports these.
pub const DEFAULT_RETURN_HORIZONS: [i64; 3] = [91, 182, 365];

/// The real exposure register and who may enter its evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisterPlan {
    pub path: PathBuf,
    pub eligible: Eligibility,
}

/// The linked cohort and how it is followed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortPlan {
    pub path: PathBuf,
    pub label_source: LabelSource,
    pub hire_window_days: i32,
    pub return_horizons: Vec<f64>,
    /// Censoring date when set (else the end of the data).
    pub extraction_date: Option<Date>,
}

/// The evaluator's files of a real pilot (all `None` on generated data).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PilotPlan {
    pub register: Option<RegisterPlan>,
    pub awarded: Option<PathBuf>,
    pub cohort: Option<CohortPlan>,
}

/// Keys of a section given in the file (non-null after serialisation), except `allowed`.
fn given(section: &impl Serialize, allowed: &[&str]) -> Vec<String> {
    match serde_json::to_value(section) {
        Ok(serde_json::Value::Object(m)) => m
            .into_iter()
            .filter(|(k, v)| !v.is_null() && !allowed.contains(&k.as_str()))
            .map(|(k, _)| k)
            .collect(),
        _ => Vec::new(),
    }
}

impl PilotPlan {
    /// Validates the pilot keys; `base` is the experiment's folder.
    pub fn validate(
        raw: &RawExperiment,
        base: &Path,
        tables: bool,
    ) -> Result<PilotPlan, ConfigError> {
        let (e, r) = (&raw.exposure, &raw.retention);
        if !tables {
            let keys = [
                ("exposure.register", e.register.is_some()),
                ("exposure.eligible", e.eligible.is_some()),
                ("score.awarded", raw.score.awarded.is_some()),
                ("retention.cohort", r.cohort.is_some()),
                ("retention.label_source", r.label_source.is_some()),
                ("retention.hire_window_days", r.hire_window_days.is_some()),
                ("retention.return_horizons", r.return_horizons.is_some()),
            ];
            if let Some((k, _)) = keys.iter().find(|(_, set)| *set) {
                return Err(ConfigError::invalid(
                    *k,
                    "describes a real pilot; it needs data.source = \"tables\"",
                ));
            }
            return Ok(PilotPlan::default());
        }
        if let Some(k) = given(e, &["register", "eligible"]).first() {
            return Err(ConfigError::invalid(
                format!("exposure.{k}"),
                "describes a simulated exposure; with data.source = \"tables\" the exposure is read from exposure.register (randomised when it has an `arm` column)",
            ));
        }
        let real_retention = [
            "cohort",
            "label_source",
            "hire_window_days",
            "return_horizons",
            "horizons",
            "ipw_bootstrap",
            "extraction_date",
        ];
        if let Some(k) = given(r, &real_retention).first() {
            return Err(ConfigError::invalid(
                format!("retention.{k}"),
                "describes the simulated cohort; with data.source = \"tables\" the cohort is read from retention.cohort",
            ));
        }
        let register = Self::register(raw, base)?;
        let awarded = raw.score.awarded.as_ref().map(|p| base.join(p));
        let cohort = Self::cohort(raw, base, awarded.is_some())?;
        Ok(PilotPlan {
            register,
            awarded,
            cohort,
        })
    }

    fn register(raw: &RawExperiment, base: &Path) -> Result<Option<RegisterPlan>, ConfigError> {
        let e = &raw.exposure;
        let eligible = match e.eligible.as_deref() {
            None | Some("unlabelled") => Eligibility::Unlabelled,
            Some("scored") => Eligibility::Scored,
            Some(other) => {
                return Err(ConfigError::invalid(
                    "exposure.eligible",
                    format!("got {other:?}, allowed \"unlabelled\" or \"scored\""),
                ))
            }
        };
        match &e.register {
            Some(p) => Ok(Some(RegisterPlan {
                path: base.join(p),
                eligible,
            })),
            None if e.eligible.is_some() => Err(ConfigError::invalid(
                "exposure.eligible",
                "applies to the evaluation of exposure.register, which is not set",
            )),
            None => Ok(None),
        }
    }

    fn cohort(
        raw: &RawExperiment,
        base: &Path,
        awarded: bool,
    ) -> Result<Option<CohortPlan>, ConfigError> {
        let r = &raw.retention;
        let Some(path) = &r.cohort else {
            let orphan = [
                ("retention.label_source", r.label_source.is_some()),
                ("retention.hire_window_days", r.hire_window_days.is_some()),
                ("retention.return_horizons", r.return_horizons.is_some()),
            ];
            if let Some((k, _)) = orphan.iter().find(|(_, set)| *set) {
                return Err(ConfigError::invalid(
                    *k,
                    "applies to the follow-up of retention.cohort, which is not set",
                ));
            }
            return Ok(None);
        };
        let label_source = match (r.label_source.as_deref(), awarded) {
            (None, true) | (Some("awarded"), true) => LabelSource::Awarded,
            (None, false) | (Some("computed"), _) => LabelSource::Computed,
            (Some("awarded"), false) => {
                return Err(ConfigError::invalid(
                    "retention.label_source",
                    "\"awarded\" needs the awarded labels: set score.awarded",
                ))
            }
            (Some(other), _) => {
                return Err(ConfigError::invalid(
                    "retention.label_source",
                    format!("got {other:?}, allowed \"awarded\" or \"computed\""),
                ))
            }
        };
        let hire_window_days = check_int(
            "retention.hire_window_days",
            r.hire_window_days.unwrap_or(365),
            1,
            3650,
        )? as i32;
        let mut return_horizons = Vec::new();
        for (i, h) in r
            .return_horizons
            .clone()
            .unwrap_or(DEFAULT_RETURN_HORIZONS.to_vec())
            .into_iter()
            .enumerate()
        {
            return_horizons
                .push(check_int(&format!("retention.return_horizons[{i}]"), h, 1, 3650)? as f64);
        }
        if return_horizons.is_empty() {
            return Err(ConfigError::invalid(
                "retention.return_horizons",
                "got an empty list, allowed one or more horizons in days",
            ));
        }
        return_horizons.sort_by(f64::total_cmp);
        return_horizons.dedup();
        let extraction_date = match &r.extraction_date {
            None => None,
            Some(s) => Some(Date::parse_iso(s).ok_or_else(|| {
                ConfigError::invalid(
                    "retention.extraction_date",
                    format!("got {s:?}, allowed an ISO date such as \"2025-06-30\""),
                )
            })?),
        };
        Ok(Some(CohortPlan {
            path: base.join(path),
            label_source,
            hire_window_days,
            return_horizons,
            extraction_date,
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{DataSource, Experiment};
    use crate::pilot::followup::LabelSource;
    use crate::reference::Reference;
    use std::path::Path;

    fn parse(extra: &str) -> Result<Experiment, String> {
        let text = format!("[experiment]\nname = \"p\"\nseed = 1\n{extra}");
        Experiment::from_toml(&text, Path::new("exp/p.toml"), &Reference::load())
            .map_err(|e| e.to_string())
    }

    const TABLES: &str = "[data]\nsource = \"tables\"\npath = \"ingested\"\n";

    #[test]
    fn a_real_pilot_reads_its_files_relative_to_the_experiment() {
        let e = parse(&format!(
            "{TABLES}[exposure]\nregister = \"r.csv\"\n[score]\nawarded = \"a.csv\"\n\
             [retention]\ncohort = \"c.parquet\"\nhorizons = [182]\nextraction_date = \"2025-06-30\"\n"
        ))
        .unwrap();
        assert_eq!(
            e.data,
            DataSource::Tables {
                path: Path::new("exp/ingested").into()
            }
        );
        assert!(e.territory.departements.is_empty());
        assert_eq!(e.pilot.register.unwrap().path, Path::new("exp/r.csv"));
        let c = e.pilot.cohort.unwrap();
        assert_eq!(c.label_source, LabelSource::Awarded);
        assert_eq!(c.return_horizons, vec![91.0, 182.0, 365.0]);
        assert_eq!(c.hire_window_days, 365);
        assert!(c.extraction_date.is_some());
        // The hash of an experiment without the new keys is unchanged by their existence.
        let plain = parse("[territory]\ndepartements = [\"35\"]\n").unwrap();
        assert!(!serde_json::to_string(&plain.raw)
            .unwrap()
            .contains("register"));
    }

    #[test]
    fn simulation_keys_on_tables_and_pilot_keys_on_synthetic_data_are_refused() {
        for (extra, key) in [
            ("[exposure]\neffect_size = 0.1\n", "exposure.effect_size"),
            (
                "[retention]\npolicy = \"label_priority\"\n",
                "retention.policy",
            ),
            ("[retention]\niae_exits = 10\n", "retention.iae_exits"),
            ("[generator]\nestablishments = 100\n", "generator"),
            ("[exposure]\neligible = \"scored\"\n", "exposure.eligible"),
            (
                "[retention]\nhire_window_days = 100\n",
                "retention.hire_window_days",
            ),
            (
                "[retention]\ncohort = \"c.csv\"\nlabel_source = \"awarded\"\n",
                "retention.label_source",
            ),
            (
                "[retention]\ncohort = \"c.csv\"\nreturn_horizons = [0]\n",
                "retention.return_horizons[0]",
            ),
        ] {
            let e = parse(&format!("{TABLES}{extra}")).unwrap_err();
            assert!(e.contains(&format!("`{key}`")), "{extra}: {e}");
        }
        let e = parse("[territory]\ndepartements = [\"35\"]\n[exposure]\nregister = \"r.csv\"\n")
            .unwrap_err();
        assert!(
            e.contains("`exposure.register`") && e.contains("tables"),
            "{e}"
        );
        let e = parse("[data]\nsource = \"tables\"\n").unwrap_err();
        assert!(e.contains("`data.path`"), "{e}");
    }
}
