//! The establishment × period panel of a real exposure: scores over time, with the cohort
//! (first exposed period) of each establishment taken from the register.
//!
//! - Periods are numbered `1..=P` in order (`time = period index + 1`), the integer time
//!   `engagement estimate did` and the estimators read; the period label (`2025T4`) and its
//!   last day are kept next to it.
//! - The *baseline* is the last scored period ending before the first exposure.
//! - *Eligible* establishments have a calculable score at the baseline and, under
//!   [`Eligibility::Unlabelled`] (the default, as the pilot exposes employers without a label),
//!   no label then. Exposed establishments come from the register; the comparison group is
//!   the register's control arm when it has one, every other eligible establishment
//!   otherwise. Registered establishments that are not eligible are counted, not used.
//! - An establishment's cohort is the first period whose window ends on or after its
//!   exposure date (`0` in the file: never exposed).
//! - Rows: every period where an eligible establishment's score is calculable. Time-invariant
//!   covariates come from the baseline period: score, log headcount, hires and exit rate.

use super::register::{Arm, Register};
use crate::date::Date;
use crate::indicators::Period;
use crate::score::ScoreOutput;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Who may enter the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eligibility {
    /// Calculable and not labelled at the baseline.
    #[default]
    Unlabelled,
    /// Calculable at the baseline, labelled or not.
    Scored,
}

/// Why no panel can be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PanelError {
    #[error("the register exposes no establishment (every kept row is a control)")]
    NoExposure,
    #[error("no scored period ends before the first exposure ({0}): no baseline")]
    NoBaseline(Date),
    #[error("no registered establishment is eligible at the baseline {baseline} ({registered} registered: scored and{unlabelled} at the baseline is required)")]
    NoneEligible {
        baseline: String,
        registered: usize,
        unlabelled: &'static str,
    },
}

/// One eligible establishment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelUnit {
    pub siret: u64,
    /// First exposed period (1-based time), `None` never.
    pub cohort: Option<i64>,
    pub exposed_on: Option<Date>,
    pub arm: Option<Arm>,
    pub wave: Option<String>,
    /// Randomisation stratum (the register's `stratum`, else its `wave`), when given.
    pub stratum: Option<String>,
    /// Baseline covariates: score, log headcount, hires, exit rate.
    pub baseline: [f64; 4],
}

/// One (establishment, period) score: unit index, 1-based time, score.
pub type PanelRow = (usize, i64, f64);

/// Names of [`PanelUnit::baseline`].
pub const BASELINE_COVARIATES: [&str; 4] =
    ["baseline_score", "log_headcount", "hires", "exit_rate"];

/// The panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposurePanel {
    pub eligibility: Eligibility,
    /// Baseline period index.
    pub baseline: u32,
    pub periods: Vec<Period>,
    /// Eligible establishments, by SIRET.
    pub units: Vec<PanelUnit>,
    /// Rows by unit then time.
    pub rows: Vec<PanelRow>,
    /// Registered (exposed or control) but not eligible at the baseline.
    pub registered_not_eligible: u64,
}

impl ExposurePanel {
    pub fn exposed(&self) -> usize {
        self.units.iter().filter(|u| u.cohort.is_some()).count()
    }
    pub fn comparison(&self) -> usize {
        self.units.len() - self.exposed()
    }
    pub fn baseline_label(&self) -> &str {
        &self.periods[self.baseline as usize].label
    }
}

/// The cohort (1-based time) of an exposure date.
pub fn cohort_of(periods: &[Period], d: Date) -> Option<i64> {
    periods
        .iter()
        .find(|p| p.end >= d)
        .map(|p| i64::from(p.index) + 1)
}

/// Builds the panel (see the module docs).
///
/// # Errors
/// No exposed row, no baseline period, no eligible registered establishment.
pub fn build(
    scores: &ScoreOutput,
    register: &Register,
    eligibility: Eligibility,
) -> Result<ExposurePanel, PanelError> {
    let first = register.first_exposure().ok_or(PanelError::NoExposure)?;
    let periods = scores.periods().to_vec();
    let p0 = periods
        .iter()
        .filter(|p| p.end < first)
        .map(|p| p.index)
        .max()
        .ok_or(PanelError::NoBaseline(first))?;
    let eligible = |siret: u64| -> Option<[f64; 4]> {
        let r = &scores.scores[scores.row_index(siret, p0)?];
        let ok =
            r.composite.is_some() && (eligibility == Eligibility::Scored || r.label == Some(0));
        let ind = scores
            .indicators
            .rows
            .binary_search_by_key(&(siret, p0), |x| (x.siret, x.period))
            .ok()
            .map(|i| &scores.indicators.rows[i])?;
        ok.then(|| {
            [
                r.composite.unwrap_or_default(),
                ind.headcount.max(0.5).ln(),
                f64::from(ind.hires),
                f64::from(ind.exits) / ind.headcount.max(0.5),
            ]
        })
    };
    let by_siret: HashMap<u64, &super::register::RegisterEntry> =
        register.entries.iter().map(|e| (e.siret, e)).collect();
    let mut units = Vec::new();
    let mut registered_not_eligible = 0;
    for e in &scores.establishments {
        let reg = by_siret.get(&e.siret);
        let in_design = match reg {
            Some(_) => true,
            None => !register.has_arm,
        };
        match (in_design, eligible(e.siret)) {
            (true, Some(baseline)) => {
                let exposed_on = reg.and_then(|r| r.exposure());
                units.push(PanelUnit {
                    siret: e.siret,
                    cohort: exposed_on.and_then(|d| cohort_of(&periods, d)),
                    exposed_on,
                    arm: reg.and_then(|r| r.arm),
                    wave: reg.and_then(|r| r.wave.clone()),
                    stratum: reg.and_then(|r| r.stratum.clone().or_else(|| r.wave.clone())),
                    baseline,
                });
            }
            (true, None) if reg.is_some() => registered_not_eligible += 1,
            _ => {}
        }
    }
    if units.iter().all(|u| u.cohort.is_none()) {
        return Err(PanelError::NoneEligible {
            baseline: periods[p0 as usize].label.clone(),
            registered: register.entries.len(),
            unlabelled: match eligibility {
                Eligibility::Unlabelled => " not labelled",
                Eligibility::Scored => "",
            },
        });
    }
    let mut rows = Vec::new();
    for (k, u) in units.iter().enumerate() {
        for p in &periods {
            if let Some(c) = scores
                .row_index(u.siret, p.index)
                .and_then(|i| scores.scores[i].composite)
            {
                rows.push((k, i64::from(p.index) + 1, c));
            }
        }
    }
    Ok(ExposurePanel {
        eligibility,
        baseline: p0,
        periods,
        units,
        rows,
        registered_not_eligible,
    })
}

/// The panel as a table, one row per (establishment, period): `siret`, `period` (integer),
/// `period_label`, `period_end`, `score`, `cohort` (0 = never exposed), `exposed_on`, `arm`,
/// `wave`, `stratum` and the baseline covariates.
pub fn panel_df(p: &ExposurePanel) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let unit = |k: usize| &p.units[k];
    let period = |t: i64| &p.periods[(t - 1) as usize];
    let dates = |f: &dyn Fn(&PanelRow) -> Option<Date>| -> Series {
        let ca: Int32Chunked = p.rows.iter().map(|r| f(r).map(|d| d.0)).collect();
        ca.into_date().into_series()
    };
    let mut cols = vec![
        Column::new(
            "siret".into(),
            p.rows
                .iter()
                .map(|r| crate::model::siret_string(unit(r.0).siret))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "period".into(),
            p.rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        ),
        Column::new(
            "period_label".into(),
            p.rows
                .iter()
                .map(|r| period(r.1).label.clone())
                .collect::<Vec<_>>(),
        ),
        dates(&|r| Some(period(r.1).end))
            .with_name("period_end".into())
            .into_column(),
        Column::new(
            "score".into(),
            p.rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        ),
        Column::new(
            "cohort".into(),
            p.rows
                .iter()
                .map(|r| unit(r.0).cohort.unwrap_or(0))
                .collect::<Vec<_>>(),
        ),
        dates(&|r| unit(r.0).exposed_on)
            .with_name("exposed_on".into())
            .into_column(),
        Column::new(
            "arm".into(),
            p.rows
                .iter()
                .map(|r| {
                    unit(r.0).arm.map(|a| match a {
                        Arm::Treatment => "treatment",
                        Arm::Control => "control",
                    })
                })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "wave".into(),
            p.rows
                .iter()
                .map(|r| unit(r.0).wave.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "stratum".into(),
            p.rows
                .iter()
                .map(|r| unit(r.0).stratum.clone())
                .collect::<Vec<_>>(),
        ),
    ];
    for (k, name) in BASELINE_COVARIATES.iter().enumerate() {
        cols.push(Column::new(
            (*name).into(),
            p.rows
                .iter()
                .map(|r| unit(r.0).baseline[k])
                .collect::<Vec<_>>(),
        ));
    }
    DataFrame::new_infer_height(cols)
}
