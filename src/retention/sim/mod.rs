//! Simulated cohorts of job seekers oriented to employers, with known retention.
//!
//! **Input.** `pipeline` passes a slice of [`PlacementEmployer`] built from the
//! generator's truth table (latent traits, never shown to the estimators) and the scores
//! (label), plus the validated [`RetentionDesign`] and a seed (use [`stream_seed`] on the
//! experiment seed so this stream is independent of the other stages).
//!
//! **Persons** (cohort sizes from the design; calibration block E):
//! - IAE exits (E2): age 22–60, 10% BOETH, unemployment before entry ~ Exp(mean 8 months);
//! - long-term unemployed (E1: ≥ 12 months by definition): age 25–62, 12% BOETH,
//!   12 + Exp(mean 18) months, 15% with an IAE history;
//! - under-26s without qualification: age 16–25, 3% BOETH, Exp(mean 6) months, 5% IAE history.
//!
//! Shares of women (45%) and BOETH are assumptions (U; D4 gives 5.3% of headcount in firms).
//!
//! **Employability** (observed by the estimators through its ingredients):
//! `s = c_cohort − 0.015 (age − 40) − 0.03 (months − 12) − 0.4 boeth + 0.3 iae_history`,
//! centred on the cohort mean, with `c` = 0 (IAE), −0.3 (long-term), −0.2 (young).
//!
//! **Orientation.** Each person targets a zone and sector (drawn ∝ vacancies). The class of
//! employer (labelled or not) is chosen with `p_sq = σ(logit(L) + γ s)` under the status quo,
//! where L is the labelled share of vacancies and γ = `selection_strength` (stronger
//! candidates reach labelled employers more often: **selection**), and with
//! `p_lp = c + (1 − c) p_sq` under label priority (c = `priority_compliance`). Under the
//! encouragement design a random half of counsellors apply label priority. The employer is
//! then drawn ∝ vacancies in the class within the zone and sector (else zone, else anywhere).
//!
//! **Hiring** with probability `σ(0.4 + s) · σ(1.5 + 0.5 incl_e)` (≈ 45–50% hired within a
//! year, calibration E3/E5), after Exp(mean 60·e^{−0.3 s}) days, within 365 days.
//! **Contract**: CDI with probability `σ(−0.6 + 0.6 incl_e + 0.3 s)`, else a CDD of 6 or 12
//! months renewed or converted at term with probability `σ(0.8 incl_e)`.
//! **Retention**: Weibull separation, shape 0.7, scale 953 days (S(182) ≈ 0.73,
//! S(365) ≈ 0.60 for a reference person, calibration E8 and B6), hazard multiplied by
//! `e^{−0.4 s} · sep_mult_e · 1.2^{CDD}`; an unrenewed CDD ends at its term.
//!
//! **Truth.** Every person has one set of uniform draws (common random numbers), reused under
//! each policy and for the potential outcomes at a labelled and at an other employer (drawn
//! ∝ vacancies × hiring propensity in the class, i.e. the employer mix among hires). Truth
//! needs no censoring; the observed table is censored at the extraction date.
//!
//! **Layout.** [`simulator`] draws the cohort and its truth, [`study`] runs the estimators on
//! it and sets them against the truth, [`io`] turns the observed table into the estimators'
//! [`PersonTable`](super::PersonTable) and a DataFrame.

pub mod io;
pub mod simulator;
pub mod study;

pub use io::{hires_table, persons_df, COVARIATES, LABELLED, OTHER};
pub use simulator::simulate;
pub use study::{EffectCheck, EncouragementCheck, RetentionStudy, ReturnToEmployment};

use super::design::Policy;
use crate::date::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Stream constant of the retention simulation ("retent" in ASCII).
pub const STREAM: u64 = 0x7265_7465_6e74;

/// Seed of the retention stream derived from the experiment seed.
pub fn stream_seed(experiment_seed: u64) -> u64 {
    experiment_seed ^ STREAM.rotate_left(17)
}

/// An establishment that counsellors can orient job seekers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacementEmployer {
    /// SIRET.
    pub siret: u64,
    /// Employment zone.
    pub zone: String,
    /// Sector (e.g. NAF section).
    pub sector: String,
    /// Labelled by the score at the time of the cohort.
    pub labelled: bool,
    /// Label level (0 = none); informational.
    pub label_level: u8,
    /// TRUE latent inclusiveness, standard-normal scale (0 = average); hidden from estimators.
    pub true_inclusiveness: f64,
    /// TRUE multiplier of the separation hazard (1 = average, < 1 keeps people longer).
    pub true_separation_multiplier: f64,
    /// Relative number of vacancies (orientation weight), > 0.
    pub vacancies: f64,
}

/// Cohort of a job seeker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cohort {
    /// Leaving an IAE pathway.
    IaeExit,
    /// Unemployed one year or more.
    LongTermUnemployed,
    /// Under 26 without qualification.
    YoungUnqualified,
}

/// Contract offered at hire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractKind {
    /// Open-ended.
    Cdi,
    /// Fixed-term of about 6 months.
    Cdd6,
    /// Fixed-term of about 12 months.
    Cdd12,
}

/// One row of the observed person table (what an evaluator would extract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimPerson {
    /// Person id (row number).
    pub person_id: u64,
    /// Cohort.
    pub cohort: Cohort,
    /// Age at entry (years).
    pub age: f64,
    /// Woman.
    pub female: bool,
    /// Recognised disabled worker.
    pub boeth: bool,
    /// Months of unemployment at entry.
    pub unemployment_months: f64,
    /// Past IAE pathway.
    pub iae_history: bool,
    /// Target zone.
    pub zone: String,
    /// Target sector.
    pub sector: String,
    /// Counsellor id.
    pub counsellor: u32,
    /// Counsellor applies label priority (encouragement arm; false outside that design).
    pub encouraged: bool,
    /// Entry into the cohort.
    pub entry: Date,
    /// Oriented to a labelled employer.
    pub oriented_labelled: bool,
    /// SIRET of the employer oriented to.
    pub siret: u64,
    /// Hired within 365 days of entry and on or before the extraction date.
    pub hired: bool,
    /// Days from entry to hire (hired only).
    pub hire_delay: Option<f64>,
    /// Contract at hire (hired only).
    pub contract: Option<ContractKind>,
    /// Days in the job, hire day and last day counted, up to the separation or the
    /// extraction date (hired only).
    pub duration: Option<f64>,
    /// Separation observed on or before the extraction date (hired only).
    pub event: Option<bool>,
}

/// Hidden truth for one person under one policy (no censoring).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Oriented to a labelled employer.
    pub labelled: bool,
    /// Hired within 365 days.
    pub hired: bool,
    /// Days to hire (if hired).
    pub delay: f64,
    /// Job duration in days (if hired).
    pub tenure: f64,
}

/// Hidden truth for one person.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PersonTruth {
    /// Centred employability index.
    pub employability: f64,
    /// Outcome under the status quo.
    pub status_quo: Outcome,
    /// Outcome under label priority.
    pub label_priority: Outcome,
    /// Job duration if hired at a labelled employer (potential outcome).
    pub tenure_if_labelled: f64,
    /// Job duration if hired at another employer (potential outcome).
    pub tenure_if_other: f64,
}

/// Population truth under one policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyTruth {
    /// Policy name.
    pub policy: String,
    /// Share of the cohort hired within each horizon (keyed by horizon in days).
    pub hired_within: BTreeMap<String, f64>,
    /// Retention of hires at each horizon.
    pub retention: BTreeMap<String, f64>,
    /// Share of the cohort hired within 365 days and still in that job at each horizon.
    pub retained_job: BTreeMap<String, f64>,
    /// Share of hires placed in a labelled employer.
    pub labelled_share_of_hires: f64,
}

/// Output of [`simulate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimOutput {
    /// Observed table.
    pub persons: Vec<SimPerson>,
    /// Hidden truth, row-aligned with `persons`.
    pub truth: Vec<PersonTruth>,
    /// Policy-level truth for the status quo, label priority and the design's policy.
    pub policies: Vec<PolicyTruth>,
    /// Policy simulated for the observed table.
    pub policy: Policy,
}

/// Why a simulation cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error("no placement employers were given")]
    NoEmployers,
    #[error("employer {siret}: {what} = {value} is invalid ({allowed})")]
    BadEmployer {
        siret: u64,
        what: &'static str,
        value: f64,
        allowed: &'static str,
    },
}
