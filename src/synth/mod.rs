//! The calibrated synthetic DSN generator, the embedded default of every command.
//!
//! A monthly simulation of a territory's establishments over a burn-in period and the
//! scored years. Each establishment has latent HR traits driven by one latent
//! *inclusiveness* factor (plus noise); hires are drawn from a shared job-seeker pool whose
//! members carry their real history (time without contract, IAE spells, long sick leave),
//! so that history flags derived from the corpus (`history`) are meaningful. Contracts,
//! ends, conversions, internships, immersions and stoppages use real DSN codes.
//!
//! The latent traits are written to a separate ground-truth table ([`EstablishmentTruth`])
//! that the scoring code never reads; later stages are checked against it.
//!
//! Exposure to a score enters through [`TraitShift`]: a shift of the latent
//! inclusiveness of an establishment from a given month. Running the same experiment with
//! [`NoShift`] reuses the same random numbers for everything else (see [`rng`]).

pub mod calibration;
mod engine;
pub mod rng;
pub mod sectors;

use crate::config::Experiment;
use crate::model::Dataset;
use crate::reference::Reference;
use serde::{Deserialize, Serialize};

pub use engine::generate_with_shift;

/// SHA-256 of the generator's source, part of the data-cache key: a cached dataset made by
/// other generator code is never reused.
pub fn code_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for src in [
        include_str!("engine.rs"),
        include_str!("sectors.rs"),
        include_str!("rng.rs"),
        include_str!("mod.rs"),
        include_str!("../history.rs"),
        include_str!("../tables.rs"),
    ] {
        h.update(src.as_bytes());
    }
    hex::encode(h.finalize())
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("territory has no commune with a population in départements {0:?}")]
    EmptyTerritory(Vec<String>),
}

/// A shift of an establishment's latent inclusiveness (in standard deviations) in a month.
///
/// `month` counts from the first simulated month (0 = coverage start).
pub trait TraitShift: Sync {
    fn shift(&self, establishment: usize, month: u32) -> f64;
}

/// No exposure: the counterfactual world.
pub struct NoShift;

impl TraitShift for NoShift {
    fn shift(&self, _establishment: usize, _month: u32) -> f64 {
        0.0
    }
}

/// The latent traits of one establishment: the ground truth of the scoring stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstablishmentTruth {
    pub siret: u64,
    /// Index of the establishment in generation order.
    pub index: u32,
    /// Latent inclusiveness θ ~ N(0, 1): the quantity the score should rank by.
    pub inclusiveness: f64,
    /// Number of job slots (target headcount).
    pub slots: u32,
    /// Drawn size band: 0 = 1–9, 1 = 10–49, 2 = 50–249, 3 = 250+.
    pub size_band: u8,
    /// IAE structure (ACI or EI).
    pub iae_structure: bool,
    /// Log-odds shifts of hiring propensities at θ (without exposure).
    pub women_shift: f64,
    pub no_experience_shift: f64,
    pub long_unemployed_shift: f64,
    pub young_shift: f64,
    pub senior_shift: f64,
    pub boeth_shift: f64,
    pub iae_shift: f64,
    pub work_study_shift: f64,
    pub cdi_shift: f64,
    pub conversion_shift: f64,
    /// Multipliers on separations, accidents, internships, CDD length and short-CDD use.
    pub separation_multiplier: f64,
    pub accident_multiplier: f64,
    pub internship_multiplier: f64,
    pub cdd_length_multiplier: f64,
    pub short_cdd_multiplier: f64,
}

/// A generated dataset and its ground truth.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub dataset: Dataset,
    pub truth: Vec<EstablishmentTruth>,
}

/// Generates the experiment's dataset without exposure.
pub fn generate(
    exp: &Experiment,
    reference: &Reference,
    progress: bool,
) -> Result<Synthetic, SynthError> {
    generate_with_shift(exp, reference, &NoShift, progress)
}

/// The truth table as a DataFrame (written under `truth/`, never read by scoring).
pub fn truth_df(
    rows: &[EstablishmentTruth],
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let f = |name: &str, g: fn(&EstablishmentTruth) -> f64| {
        Column::new(name.into(), rows.iter().map(g).collect::<Vec<_>>())
    };
    DataFrame::new_infer_height(vec![
        Column::new(
            "siret".into(),
            rows.iter()
                .map(|t| crate::model::siret_string(t.siret))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "index".into(),
            rows.iter().map(|t| t.index).collect::<Vec<_>>(),
        ),
        f("inclusiveness", |t| t.inclusiveness),
        Column::new(
            "slots".into(),
            rows.iter().map(|t| t.slots).collect::<Vec<_>>(),
        ),
        Column::new(
            "size_band".into(),
            rows.iter()
                .map(|t| u32::from(t.size_band))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "iae_structure".into(),
            rows.iter().map(|t| t.iae_structure).collect::<Vec<_>>(),
        ),
        f("women_shift", |t| t.women_shift),
        f("no_experience_shift", |t| t.no_experience_shift),
        f("long_unemployed_shift", |t| t.long_unemployed_shift),
        f("young_shift", |t| t.young_shift),
        f("senior_shift", |t| t.senior_shift),
        f("boeth_shift", |t| t.boeth_shift),
        f("iae_shift", |t| t.iae_shift),
        f("work_study_shift", |t| t.work_study_shift),
        f("cdi_shift", |t| t.cdi_shift),
        f("conversion_shift", |t| t.conversion_shift),
        f("separation_multiplier", |t| t.separation_multiplier),
        f("accident_multiplier", |t| t.accident_multiplier),
        f("internship_multiplier", |t| t.internship_multiplier),
        f("cdd_length_multiplier", |t| t.cdd_length_multiplier),
        f("short_cdd_multiplier", |t| t.short_cdd_multiplier),
    ])
}

/// Reads a truth table written by [`truth_df`] (Parquet or CSV).
pub fn read_truth(
    dir: &std::path::Path,
) -> Result<Vec<EstablishmentTruth>, crate::tables::TableError> {
    use polars::prelude::*;
    let (df, path) = crate::tables::read_table(dir, "establishments_truth")?;
    let pl = |source| crate::tables::TableError::Polars {
        path: path.clone(),
        source,
    };
    let f64col = |name: &str| -> Result<Vec<f64>, crate::tables::TableError> {
        let s = df
            .column(name)
            .map_err(pl)?
            .as_materialized_series()
            .cast(&DataType::Float64)
            .map_err(pl)?;
        Ok(s.f64()
            .map_err(pl)?
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect())
    };
    let sirets: Vec<u64> = df
        .column("siret")
        .map_err(pl)?
        .as_materialized_series()
        .cast(&DataType::String)
        .map_err(pl)?
        .str()
        .map_err(pl)?
        .iter()
        .map(|s| s.and_then(|s| s.parse().ok()).unwrap_or(0))
        .collect();
    let iae: Vec<bool> = f64col("iae_structure")?.iter().map(|v| *v != 0.0).collect();
    let cols = [
        "index",
        "inclusiveness",
        "slots",
        "size_band",
        "women_shift",
        "no_experience_shift",
        "long_unemployed_shift",
        "young_shift",
        "senior_shift",
        "boeth_shift",
        "iae_shift",
        "work_study_shift",
        "cdi_shift",
        "conversion_shift",
        "separation_multiplier",
        "accident_multiplier",
        "internship_multiplier",
        "cdd_length_multiplier",
        "short_cdd_multiplier",
    ];
    let mut v = Vec::with_capacity(cols.len());
    for c in cols {
        v.push(f64col(c)?);
    }
    Ok((0..df.height())
        .map(|i| EstablishmentTruth {
            siret: sirets[i],
            index: v[0][i] as u32,
            inclusiveness: v[1][i],
            slots: v[2][i] as u32,
            size_band: v[3][i] as u8,
            iae_structure: iae[i],
            women_shift: v[4][i],
            no_experience_shift: v[5][i],
            long_unemployed_shift: v[6][i],
            young_shift: v[7][i],
            senior_shift: v[8][i],
            boeth_shift: v[9][i],
            iae_shift: v[10][i],
            work_study_shift: v[11][i],
            cdi_shift: v[12][i],
            conversion_shift: v[13][i],
            separation_multiplier: v[14][i],
            accident_multiplier: v[15][i],
            internship_multiplier: v[16][i],
            cdd_length_multiplier: v[17][i],
            short_cdd_multiplier: v[18][i],
        })
        .collect())
}
