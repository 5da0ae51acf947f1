//! The calibrated synthetic DSN generator, the embedded default of every command.
//!
//! A monthly simulation of a territory's establishments over a burn-in period and the
//! scored years ([`engine`]). Each establishment ([`population`]) has three correlated latent
//! traits — openness to people far from employment, job quality, working conditions — that
//! drive different criteria, plus sector- and size-driven trade-offs (seasonal hiring of the
//! young on very short CDDs, BOETH hired to meet the 6% obligation and not kept) and a share
//! of "gamers" whose indicators look good while their fragile hires are let go. Hires come
//! from a shared job-seeker pool ([`pool`]) whose members carry their real history (time
//! without contract, IAE spells, long sick leave), so that history flags derived from the
//! corpus (`history`) are meaningful. Each contract's course is drawn at hire ([`courses`])
//! with real DSN codes.
//!
//! The ground truth ([`EstablishmentTruth`], [`truth`]) is written to a separate table that
//! the scoring code never reads. Besides the latent traits it holds the *outcome* the score
//! is checked against: the simulated retention of the fragile people each establishment
//! hires, times how many it hires.
//!
//! Exposure to a score enters through [`TraitShift`]: a shift of the latent traits of an
//! establishment from a given month. Running the same experiment with [`NoShift`] reuses the
//! same random numbers for everything else (see [`rng`]).

pub mod calibration;
mod courses;
mod engine;
mod pool;
mod population;
pub mod rng;
pub mod sectors;
pub mod truth;

use crate::config::Experiment;
use crate::model::Dataset;
use crate::reference::Reference;

pub use engine::generate_with_shift;
pub use truth::{read_truth, truth_df, EstablishmentTruth};

/// SHA-256 of the generator's source, part of the data-cache key: a cached dataset made by
/// other generator code is never reused.
pub fn code_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for src in [
        include_str!("engine.rs"),
        include_str!("population.rs"),
        include_str!("pool.rs"),
        include_str!("courses.rs"),
        include_str!("truth.rs"),
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

/// A shift of an establishment's latent traits (in standard deviations) in a month, and the
/// job-seeker pool it hires from.
///
/// `month` counts from the first simulated month (0 = coverage start).
pub trait TraitShift: Sync {
    fn shift(&self, establishment: usize, month: u32) -> f64;

    /// The job-seeker pool of an establishment: 0 for everyone (one shared pool) unless an
    /// exposure study isolates its exposed arm.
    fn pool_arm(&self, _establishment: usize) -> u8 {
        0
    }
}

/// No exposure: the counterfactual world.
pub struct NoShift;

impl TraitShift for NoShift {
    fn shift(&self, _establishment: usize, _month: u32) -> f64 {
        0.0
    }
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
