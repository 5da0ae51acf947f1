//! `[retention]`: job-seeker cohorts and orientation policies for the retention simulation.
//!
//! | key | default | meaning | range |
//! |---|---|---|---|
//! | `policy` | `"status_quo"` | orientation policy: `status_quo`, `label_priority`, `encouragement` | — |
//! | `iae_exits` | 3000 | persons leaving an IAE pathway (calibration E2: 173,400 IAE hires a year) | 0..=5,000,000 |
//! | `long_term_unemployed` | 5000 | job seekers unemployed ≥ 1 year (E1: 44% of 5.08 M) | 0..=5,000,000 |
//! | `young_unqualified` | 2000 | under-26s without qualification (assumption, U) | 0..=5,000,000 |
//! | `cohort_start` | `"2023-01-01"` | first entry date into the cohort | ISO date |
//! | `entry_window_days` | 365 | entries spread uniformly over this many days | 1..=3650 |
//! | `extraction_date` | `"2025-06-30"` | administrative censoring date (data extraction) | after `cohort_start` |
//! | `horizons` | `[182, 365]` | retention horizons in days | 1..=3650 each |
//! | `priority_compliance` | 0.85 | share of label-priority orientations that go to a labelled employer | 0..=1 |
//! | `selection_strength` | 1.0 | log-odds of a labelled placement per unit of the employability index (status quo) | 0..=5 |
//! | `counsellors` | 200 | counsellors (randomisation clusters of the encouragement design) | 2..=100,000 |
//! | `ipw_bootstrap` | 200 | bootstrap replicates of the IPW standard error | 0..=10,000 |
//!
//! The three cohort sizes are simulation sizes, not national counts; their defaults keep the
//! programme's target groups (IAE exits, long-term unemployed, young people without
//! qualification) each large enough to estimate retention by group.

use crate::date::Date;
use crate::params::{check_f64, check_int, ConfigError};
use serde::{Deserialize, Serialize};

/// Orientation policy of the counsellors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Orientation by proximity and vacancies, as today.
    #[default]
    StatusQuo,
    /// Labelled employers of the zone and sector first.
    LabelPriority,
    /// A random half of counsellors apply label priority.
    Encouragement,
}

impl Policy {
    /// Name used in results.
    pub fn name(self) -> &'static str {
        match self {
            Policy::StatusQuo => "status_quo",
            Policy::LabelPriority => "label_priority",
            Policy::Encouragement => "encouragement",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetentionDesign {
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub iae_exits: Option<i64>,
    #[serde(default)]
    pub long_term_unemployed: Option<i64>,
    #[serde(default)]
    pub young_unqualified: Option<i64>,
    #[serde(default)]
    pub cohort_start: Option<String>,
    #[serde(default)]
    pub entry_window_days: Option<i64>,
    #[serde(default)]
    pub extraction_date: Option<String>,
    #[serde(default)]
    pub horizons: Option<Vec<i64>>,
    #[serde(default)]
    pub priority_compliance: Option<f64>,
    #[serde(default)]
    pub selection_strength: Option<f64>,
    #[serde(default)]
    pub counsellors: Option<i64>,
    #[serde(default)]
    pub ipw_bootstrap: Option<i64>,
    /// A pseudonymised job-seeker cohort (CSV or Parquet) linked to the DSN; with
    /// `data.source = "tables"` only (validated in `config`, read by `pilot::cohort`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort: Option<std::path::PathBuf>,
    /// Labels grouping the hiring employers: "awarded" or "computed".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_source: Option<String>,
    /// Hires counted for retention: at most this many days after orientation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hire_window_days: Option<i64>,
    /// Return-to-work horizons in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_horizons: Option<Vec<i64>>,
}

/// The validated `[retention]` section (see the module table for meanings and defaults).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RetentionDesign {
    /// Orientation policy.
    pub policy: Policy,
    /// Persons leaving an IAE pathway.
    pub iae_exits: usize,
    /// Long-term unemployed job seekers.
    pub long_term_unemployed: usize,
    /// Under-26s without qualification.
    pub young_unqualified: usize,
    /// First entry date.
    pub cohort_start: Date,
    /// Entry window (days).
    pub entry_window_days: i32,
    /// Administrative censoring date.
    pub extraction_date: Date,
    /// Horizons (days), sorted.
    pub horizons: Vec<f64>,
    /// Share of label-priority orientations that reach a labelled employer.
    pub priority_compliance: f64,
    /// Selection of stronger candidates into labelled employers (log-odds per index unit).
    pub selection_strength: f64,
    /// Number of counsellors.
    pub counsellors: usize,
    /// Bootstrap replicates of the IPW standard error.
    pub ipw_bootstrap: usize,
}

impl Default for RetentionDesign {
    fn default() -> Self {
        RawRetentionDesign::default()
            .validate()
            .expect("defaults are valid")
    }
}

fn date(key: &str, v: &Option<String>, default: &str) -> Result<Date, ConfigError> {
    let s = v.as_deref().unwrap_or(default);
    Date::parse_iso(s).ok_or_else(|| {
        ConfigError::invalid(
            key,
            format!("got {s:?}, allowed an ISO date such as \"2025-06-30\""),
        )
    })
}

impl RawRetentionDesign {
    pub fn validate(&self) -> Result<RetentionDesign, ConfigError> {
        let policy = match self.policy.as_deref().unwrap_or("status_quo") {
            "status_quo" => Policy::StatusQuo,
            "label_priority" => Policy::LabelPriority,
            "encouragement" => Policy::Encouragement,
            other => {
                return Err(ConfigError::invalid(
                    "retention.policy",
                    format!("got {other:?}, allowed \"status_quo\", \"label_priority\" or \"encouragement\""),
                ))
            }
        };
        let size = |key: &str, v: Option<i64>, d: i64| {
            check_int(key, v.unwrap_or(d), 0, 5_000_000).map(|v| v as usize)
        };
        let iae_exits = size("retention.iae_exits", self.iae_exits, 3000)?;
        let long_term_unemployed = size(
            "retention.long_term_unemployed",
            self.long_term_unemployed,
            5000,
        )?;
        let young_unqualified = size("retention.young_unqualified", self.young_unqualified, 2000)?;
        if iae_exits + long_term_unemployed + young_unqualified == 0 {
            return Err(ConfigError::invalid(
                "retention.iae_exits",
                "all three cohort sizes are 0, allowed a total of at least 1 person",
            ));
        }
        let cohort_start = date("retention.cohort_start", &self.cohort_start, "2023-01-01")?;
        let entry_window_days = check_int(
            "retention.entry_window_days",
            self.entry_window_days.unwrap_or(365),
            1,
            3650,
        )? as i32;
        let extraction_date = date(
            "retention.extraction_date",
            &self.extraction_date,
            "2025-06-30",
        )?;
        if extraction_date <= cohort_start {
            return Err(ConfigError::invalid(
                "retention.extraction_date",
                format!("got {extraction_date}, allowed a date after retention.cohort_start ({cohort_start})"),
            ));
        }
        let mut horizons = Vec::new();
        for (i, h) in self
            .horizons
            .clone()
            .unwrap_or(vec![182, 365])
            .into_iter()
            .enumerate()
        {
            horizons.push(check_int(&format!("retention.horizons[{i}]"), h, 1, 3650)? as f64);
        }
        if horizons.is_empty() {
            return Err(ConfigError::invalid(
                "retention.horizons",
                "got an empty list, allowed one or more horizons in days",
            ));
        }
        horizons.sort_by(f64::total_cmp);
        horizons.dedup();
        Ok(RetentionDesign {
            policy,
            iae_exits,
            long_term_unemployed,
            young_unqualified,
            cohort_start,
            entry_window_days,
            extraction_date,
            horizons,
            priority_compliance: check_f64(
                "retention.priority_compliance",
                self.priority_compliance.unwrap_or(0.85),
                0.0,
                1.0,
            )?,
            selection_strength: check_f64(
                "retention.selection_strength",
                self.selection_strength.unwrap_or(1.0),
                0.0,
                5.0,
            )?,
            counsellors: check_int(
                "retention.counsellors",
                self.counsellors.unwrap_or(200),
                2,
                100_000,
            )? as usize,
            ipw_bootstrap: check_int(
                "retention.ipw_bootstrap",
                self.ipw_bootstrap.unwrap_or(200),
                0,
                10_000,
            )? as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors_name_the_key() {
        let d = RetentionDesign::default();
        assert_eq!(d.policy, Policy::StatusQuo);
        assert_eq!(d.horizons, vec![182.0, 365.0]);
        let raw: RawRetentionDesign = toml::from_str("policy = \"lottery\"").unwrap();
        let e = raw.validate().unwrap_err().to_string();
        assert!(
            e.contains("retention.policy") && e.contains("lottery"),
            "{e}"
        );
        let raw: RawRetentionDesign = toml::from_str("extraction_date = \"2022-01-01\"").unwrap();
        assert!(raw
            .validate()
            .unwrap_err()
            .to_string()
            .contains("retention.extraction_date"));
        assert!(toml::from_str::<RawRetentionDesign>("typo = 1").is_err());
    }
}
