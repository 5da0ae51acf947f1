//! `results.json`: every number a run reports, as plain serde data.
//!
//! The report is a rendering of this struct and of nothing else (style guide, practice 8):
//! `engagement report RUN_DIR` re-renders a run from its `results.json` without recomputing.
//! The sections are plain numbers, strings and small tables, deliberately decoupled from the
//! stage modules' own result types: `pipeline` converts `score`, `estimate` and
//! `retention` outputs into these structs, so a stage can change its internals without
//! breaking old runs' reports. Every section is optional, so a run that skipped a stage
//! still renders. Unknown fields are ignored (no `deny_unknown_fields`) so that a newer
//! `results.json` still renders with an older binary; missing fields take their default.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the `results.json` layout written by this crate.
pub const RESULTS_SCHEMA_VERSION: u32 = 2;

/// The content of `results.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunResults {
    /// Layout version ([`RESULTS_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Provenance of the run: experiment, seed, code version, inputs, timings.
    pub manifest: Option<Manifest>,
    /// What was simulated or ingested, and calibration targets vs realised values.
    pub data: Option<DataSection>,
    /// Score: criteria, weights, peer groups, distributions, labels, example explanations.
    pub score: Option<ScoreSection>,
    /// Exposure evaluation: design, balance, trajectories, event study, CS, Monte Carlo.
    pub exposure: Option<ExposureSection>,
    /// Retention of people placed: Kaplan–Meier, risk differences, Cox.
    pub retention: Option<RetentionSection>,
    /// Method notes and named conventions.
    pub methods: Option<MethodsSection>,
}

// ---------------------------------------------------------------------------------------------
// Manifest

/// Provenance of a run (cookiecutter-data-science: data, code version, parameters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Manifest {
    /// Run identifier (the name of the run folder).
    pub run_id: String,
    /// Experiment name (`[experiment] name`).
    pub experiment: String,
    /// Path of the experiment file, as given on the command line.
    pub experiment_file: String,
    /// SHA-256 of the canonical experiment.
    pub experiment_sha256: String,
    /// Master seed.
    pub seed: u64,
    /// `engagement` crate version.
    pub crate_version: String,
    /// Git commit of the code, when known.
    pub git_commit: Option<String>,
    /// Start of the run, ISO 8601 UTC.
    pub created_at: String,
    /// The command line that reruns this experiment.
    pub command: String,
    /// Input files and their fingerprints.
    pub inputs: Vec<InputFile>,
    /// Wall time per stage.
    pub timings: Vec<StageTiming>,
}

/// One input file of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InputFile {
    /// Path as read.
    pub path: String,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Wall time of one stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageTiming {
    /// Stage name (`generate`, `score`, ...).
    pub stage: String,
    /// Seconds of wall time.
    pub seconds: f64,
}

// ---------------------------------------------------------------------------------------------
// Data

/// What was simulated or ingested.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataSection {
    /// `synthetic` (generated) or `dsn` (ingested declarations).
    pub source: String,
    /// One-sentence description (free text written by `pipeline`).
    pub description: String,
    /// First month covered, `AAAA-MM`.
    pub period_start: String,
    /// Last month covered, `AAAA-MM`.
    pub period_end: String,
    /// Départements of the territory.
    pub departements: Vec<String>,
    /// Number of establishments.
    pub n_establishments: u64,
    /// Number of persons.
    pub n_persons: u64,
    /// Number of contracts.
    pub n_contracts: u64,
    /// Number of work stoppages.
    pub n_stoppages: u64,
    /// Calibration targets vs realised values (synthetic data only).
    pub calibration: Vec<CalibrationRow>,
}

/// A calibration target (`docs/calibration.md`) and the value realised in the data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CalibrationRow {
    /// Row of the calibration table, e.g. `B2`.
    pub id: String,
    /// What is measured.
    pub name: String,
    /// Unit, e.g. `%`, `days`, `per 1,000 employees`.
    pub unit: String,
    /// Published target.
    pub target: f64,
    /// Value realised in the generated data.
    pub realised: f64,
    /// Accepted absolute deviation, when one is set.
    pub tolerance: Option<f64>,
}

// ---------------------------------------------------------------------------------------------
// Score

/// The engagement score and labels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScoreSection {
    /// Period the distributions and tables refer to, e.g. `2025-T4`.
    pub reference_period: String,
    /// Criteria with direction and weight.
    pub criteria: Vec<Criterion>,
    /// Peer-group rules.
    pub peer_groups: PeerGroupRules,
    /// Label level names and score thresholds, level 0 first.
    pub levels: Vec<LevelDef>,
    /// Establishments with a calculable score in the reference period.
    pub n_scored: u64,
    /// Establishments whose score is not calculable in the reference period.
    pub n_not_calculable: u64,
    /// Summary of the composite score (0–100).
    pub summary: Option<Distribution>,
    /// Histogram of the composite score.
    pub histogram: Option<Histogram>,
    /// Number of establishments per label level (level 0 first); `None` where secret.
    pub labels_by_level: Vec<Option<u64>>,
    /// Label counts per sector (statistical secrecy applied cell by cell upstream).
    pub labels_by_sector: Vec<GroupLevels>,
    /// Label counts per employment zone.
    pub labels_by_zone: Vec<GroupLevels>,
    /// A few anonymised example explanations.
    pub examples: Vec<Explanation>,
    /// Per-establishment scores: research data, never written to a published
    /// `results.json` (the run keeps them in its research folder, where `compare` reads them).
    /// Old results files that carry them are still read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reference_scores: Vec<EstablishmentScore>,
    /// Label changes between consecutive periods: (from level, to level) counts.
    pub label_transitions: Vec<Transition>,
}

/// One criterion of the composite score.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Criterion {
    /// Stable key, e.g. `cdi_share`.
    pub key: String,
    /// Human label (in the run's language).
    pub label: String,
    /// +1 when more is better (hiring, contracts), −1 when less is better (turnover, accidents).
    pub direction: i8,
    /// Weight in the composite (weights sum to 1).
    pub weight: f64,
}

/// How peer groups are formed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerGroupRules {
    /// Definition, e.g. "NAF division × size band × employment zone".
    pub definition: String,
    /// Minimum number of establishments in a peer group before falling back.
    pub min_size: u64,
    /// Fallback hierarchy, in order.
    pub fallback: Vec<String>,
    /// Share of establishments scored in their base group (not a fallback), 0–1.
    pub share_in_base_group: Option<f64>,
}

/// A label level.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LevelDef {
    /// Level number, 0 = none.
    pub level: u8,
    /// Name, e.g. `engagée`.
    pub name: String,
    /// Rule, e.g. "score ≥ peer-group 60th percentile, no accident gate".
    pub rule: String,
}

/// Summary statistics of a distribution.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Distribution {
    /// Number of values.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// 10th percentile.
    pub p10: f64,
    /// First quartile.
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub p75: f64,
    /// 90th percentile.
    pub p90: f64,
}

/// A histogram: `counts[i]` values in `[edges[i], edges[i+1])`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Histogram {
    /// Bin edges, increasing, `counts.len() + 1` of them.
    pub edges: Vec<f64>,
    /// Count per bin; `None` for a bin hidden by statistical secrecy (never drawn as 0).
    pub counts: Vec<Option<u64>>,
}

/// Label counts in one sector or zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupLevels {
    /// Code (NAF section or division, zone code).
    pub code: String,
    /// Label.
    pub label: String,
    /// Count per level, level 0 first; `None` where the cell is secret.
    pub counts: Vec<Option<u64>>,
    /// Establishments of the row (all levels); `None` where secret.
    pub total: Option<u64>,
    /// True when at least one count of the row is secret.
    pub suppressed: bool,
}

/// The explanation of one establishment's score.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Explanation {
    /// Display name (anonymised in reports).
    pub name: String,
    /// Sector label.
    pub sector: String,
    /// Size band, e.g. `10–49`.
    pub size_band: String,
    /// Zone label.
    pub zone: String,
    /// Composite score (0–100).
    pub score: Option<f64>,
    /// Lower bound of the 95% interval.
    pub score_lower: Option<f64>,
    /// Upper bound of the 95% interval.
    pub score_upper: Option<f64>,
    /// Label level.
    pub level: u8,
    /// One row per criterion.
    pub criteria: Vec<ExplanationRow>,
}

/// One criterion of an explanation. `None` = not calculable (never a silent zero).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExplanationRow {
    /// Criterion key.
    pub key: String,
    /// Criterion label.
    pub label: String,
    /// Establishment value, rounded to a band (5 points for shares), where its counts allow.
    pub value: Option<f64>,
    /// Peer median (a protected median: never one establishment's value), rounded.
    pub peer_median: Option<f64>,
    /// Sub-score (position against peers, 0–100).
    pub sub_score: Option<f64>,
    /// Contribution to the composite, in score points.
    pub contribution: Option<f64>,
}

/// Score and label of one establishment in the reference period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EstablishmentScore {
    /// SIRET, 14 digits.
    pub siret: String,
    /// Sector code.
    pub sector: String,
    /// Zone code.
    pub zone: String,
    /// Composite score, `None` if not calculable.
    pub score: Option<f64>,
    /// Label level.
    pub level: u8,
}

/// Number of establishments moving from one level to another between consecutive periods.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Transition {
    /// Level before.
    pub from: u8,
    /// Level after.
    pub to: u8,
    /// Number of establishment-period pairs; `None` where secret.
    pub count: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Exposure

/// Exposure evaluation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExposureSection {
    /// The exposure design.
    pub design: ExposureDesignInfo,
    /// Covariate balance between exposed and comparison establishments.
    pub balance: Vec<BalanceRow>,
    /// Mean score by group over time with 95% intervals.
    pub trajectories: Vec<Trajectory>,
    /// Headline estimates (TWFE, CS simple, difference in means, matched DiD...).
    pub estimates: Vec<NamedEstimate>,
    /// TWFE event study, reference period −1.
    pub event_study: Vec<DynamicPoint>,
    /// Joint Wald test of the event-study leads.
    pub pretrend: Option<TestResult>,
    /// Callaway–Sant'Anna dynamic aggregation θ(e).
    pub cs_dynamic: Vec<DynamicPoint>,
    /// Monte Carlo replications (when `simulate` was run).
    pub monte_carlo: Vec<MonteCarloRow>,
    /// Number of Monte Carlo replications (0 if none).
    pub monte_carlo_replications: u64,
    /// Example employer feedback sheets written with the run (relative links).
    pub example_sheets: Vec<SheetLink>,
}

/// What the exposure design was.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExposureDesignInfo {
    /// `randomised`, `staggered` or `observational`.
    pub kind: String,
    /// Free-text description.
    pub description: String,
    /// Exposure dates (periods), one per wave.
    pub waves: Vec<String>,
    /// Exposed establishments.
    pub n_exposed: u64,
    /// Comparison establishments.
    pub n_comparison: u64,
    /// Planted effect on the score in points (synthetic data), when known.
    pub true_effect: Option<f64>,
}

/// One row of a balance table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BalanceRow {
    /// Covariate name.
    pub variable: String,
    /// Mean among exposed.
    pub mean_exposed: f64,
    /// Mean among comparison units.
    pub mean_comparison: f64,
    /// Standardised mean difference before matching.
    pub smd_before: f64,
    /// Standardised mean difference after matching, when matching was used.
    pub smd_after: Option<f64>,
}

/// Mean score of one group over time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Trajectory {
    /// Group name (`exposed`, `comparison`).
    pub group: String,
    /// One point per period.
    pub points: Vec<TrajectoryPoint>,
}

/// Mean and 95% interval at one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrajectoryPoint {
    /// Period label, e.g. `2024-T1`.
    pub period: String,
    /// Position on the time axis (period index, or months since the first exposure).
    pub t: f64,
    /// Mean score.
    pub mean: f64,
    /// Lower 95% bound.
    pub ci_lower: f64,
    /// Upper 95% bound.
    pub ci_upper: f64,
}

/// A named point estimate with its interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamedEstimate {
    /// Stable key, e.g. `twfe`, `cs_simple`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Estimate (score points).
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// Lower 95% bound.
    pub ci_lower: f64,
    /// Upper 95% bound.
    pub ci_upper: f64,
    /// p-value of the null of no effect, when computed.
    pub p_value: Option<f64>,
    /// Observations used.
    pub n_obs: Option<u64>,
    /// Clusters (units) used.
    pub n_clusters: Option<u64>,
}

/// One point of a dynamic (event-time) estimate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DynamicPoint {
    /// Periods relative to exposure (−1 = reference for the event study).
    pub rel_time: i32,
    /// Estimate.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// Lower 95% bound.
    pub ci_lower: f64,
    /// Upper 95% bound.
    pub ci_upper: f64,
}

/// A test statistic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TestResult {
    /// Statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// p-value.
    pub p_value: f64,
}

/// One estimator's Monte Carlo performance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonteCarloRow {
    /// Estimator name.
    pub estimator: String,
    /// True effect in the replications.
    pub true_effect: f64,
    /// Mean estimate − truth.
    pub bias: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Share of 95% intervals containing the truth.
    pub coverage: f64,
    /// Share of replications rejecting the null at 5% (power, or size when the truth is 0).
    pub rejection_rate: f64,
}

/// A link to an example feedback sheet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SheetLink {
    /// Link text (an anonymised description, not a SIRET).
    pub label: String,
    /// Relative path inside the run folder, e.g. `sheets/example-1.html`.
    pub href: String,
}

// ---------------------------------------------------------------------------------------------
// Retention

/// Retention of people placed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetentionSection {
    /// Cohorts of job seekers and their sizes.
    pub cohorts: Vec<CohortRow>,
    /// Kaplan–Meier curves by employer group (labelled vs other).
    pub km_by_group: Vec<KmCurve>,
    /// Kaplan–Meier curves by orientation policy.
    pub km_by_policy: Vec<KmCurve>,
    /// Retention at 182 and 365 days, per policy.
    pub by_policy: Vec<HorizonRow>,
    /// Risk differences at the horizons (naive, adjusted, truth).
    pub risk_differences: Vec<RiskDifferenceRow>,
    /// Log-rank test between employer groups.
    pub logrank: Option<TestResult>,
    /// Cox model.
    pub cox: Option<CoxTable>,
}

/// A cohort of job seekers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CohortRow {
    /// Cohort name.
    pub name: String,
    /// Persons.
    pub n: u64,
    /// Persons hired.
    pub n_hired: u64,
}

/// A Kaplan–Meier curve (log(−log) 95% band).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KmCurve {
    /// Group value.
    pub group: String,
    /// Steps of the curve, in increasing time.
    pub points: Vec<KmPoint>,
}

/// One step of a Kaplan–Meier curve.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KmPoint {
    /// Days since hire.
    pub t: f64,
    /// Survival S(t).
    pub survival: f64,
    /// Lower 95% bound.
    pub ci_lower: f64,
    /// Upper 95% bound.
    pub ci_upper: f64,
    /// At risk at t.
    pub at_risk: u64,
}

/// Retention at the two horizons for one policy or group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HorizonRow {
    /// Policy or group.
    pub group: String,
    /// Horizon in days (182 or 365).
    pub horizon_days: u32,
    /// Estimated S(horizon).
    pub survival: f64,
    /// Lower 95% bound.
    pub ci_lower: f64,
    /// Upper 95% bound.
    pub ci_upper: f64,
    /// True value from the simulation, when known.
    pub truth: Option<f64>,
}

/// A difference in retention between two groups at a horizon.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RiskDifferenceRow {
    /// What is compared, e.g. `labelled − other`.
    pub comparison: String,
    /// Method: `naive`, `ipw`, `itt`, `wald_iv`.
    pub method: String,
    /// Horizon in days.
    pub horizon_days: u32,
    /// Difference in S(horizon).
    pub difference: f64,
    /// Standard error.
    pub se: f64,
    /// Lower 95% bound.
    pub ci_lower: f64,
    /// Upper 95% bound.
    pub ci_upper: f64,
    /// True difference from the simulation, when known.
    pub truth: Option<f64>,
}

/// A Cox model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CoxTable {
    /// Ties method (`efron` or `breslow`).
    pub ties: String,
    /// Observations.
    pub n: u64,
    /// Events.
    pub events: u64,
    /// One row per covariate.
    pub terms: Vec<CoxTerm>,
}

/// One Cox coefficient.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CoxTerm {
    /// Covariate.
    pub name: String,
    /// Coefficient β.
    pub coef: f64,
    /// Standard error of β.
    pub se: f64,
    /// exp(β).
    pub hazard_ratio: f64,
    /// Lower 95% bound of exp(β).
    pub ci_lower: f64,
    /// Upper 95% bound of exp(β).
    pub ci_upper: f64,
    /// p-value.
    pub p_value: f64,
}

// ---------------------------------------------------------------------------------------------
// Methods

/// Method notes and conventions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MethodsSection {
    /// Convention name per topic, e.g. `twfe_se` → `CRV1, fixest small-sample correction`.
    pub conventions: BTreeMap<String, String>,
    /// Free-text notes (warnings, fallbacks used in this run).
    pub notes: Vec<String>,
}

impl RunResults {
    /// Parses `results.json` text.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Serialises to pretty JSON (deterministic: struct order, `BTreeMap` keys).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        Ok(s)
    }
}
