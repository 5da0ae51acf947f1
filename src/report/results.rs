//! `results.json`: every number a run reports, as plain serde data with no display text.
//!
//! The report is a rendering of this struct and of nothing else: `engagement report RUN_DIR`
//! re-renders a run from its `results.json` without recomputing. Results are data: every
//! name is a key (a criterion, a label, an estimator, a policy, a cohort...) that
//! `report::i18n` turns into words in the reader's language, so the same run renders in French
//! or English and two runs compare key by key whatever language they were rendered in. The
//! only text kept is proper names from the reference data (NAF labels, place names), the
//! estimators' named conventions and the stages' technical warnings, which are the same in
//! every language.
//!
//! The schema is strict: [`RunResults::parse`] refuses another `schema_version`, a missing
//! field and an unknown field, with the JSON path of the problem, so a tampered or foreign
//! file is refused rather than rendered as zeros. Optional sections (`null`) are stages that
//! did not run.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the `results.json` layout written by this crate.
pub const RESULTS_SCHEMA_VERSION: u32 = 3;

/// The content of `results.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Agreement of weightings with the generator's outcome truth (synthetic data only).
    pub validity: Option<ValiditySection>,
}

// ---------------------------------------------------------------------------------------------
// Manifest

/// Provenance of a run (cookiecutter-data-science: data, code version, parameters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Run identifier (the name of the run folder).
    pub run_id: String,
    /// Experiment name (`[experiment] name`).
    pub experiment: String,
    /// Path of the experiment file, as given on the command line.
    pub experiment_file: String,
    /// SHA-256 of the canonical experiment.
    pub experiment_sha256: String,
    /// Fingerprint of the data the run scored (same data ⇔ same fingerprint).
    pub data_fingerprint: String,
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
pub struct StageTiming {
    /// Stage name (`generate`, `score`, ...).
    pub stage: String,
    /// Seconds of wall time.
    pub seconds: f64,
}

// ---------------------------------------------------------------------------------------------
// Keys: the vocabulary of results, turned into words by `report::i18n` only.

pub use crate::exposure::Design;
pub use crate::indicators::Criterion;
pub use crate::retention::sim::Cohort;
pub use crate::retention::Policy;
pub use crate::score::peers::{Rung, SizeBand};
pub use crate::score::{Label, Position, Trend};

/// An effect estimator of the exposure study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Difference between exposed and comparison means after exposure (a caution, not an
    /// estimate of the effect).
    NaivePostDifference,
    /// Two-way fixed effects difference in differences.
    Twfe,
    /// Callaway–Sant'Anna, simple aggregation.
    CsSimple,
    /// Callaway–Sant'Anna, dynamic aggregation.
    CsDynamic,
    /// Difference in means of the changes (randomised design).
    DifferenceInMeansChange,
    /// Difference in differences on propensity-score matched pairs.
    MatchedDid,
}

impl Estimator {
    /// Every estimator.
    pub const ALL: [Estimator; 6] = [
        Estimator::NaivePostDifference,
        Estimator::Twfe,
        Estimator::CsSimple,
        Estimator::CsDynamic,
        Estimator::DifferenceInMeansChange,
        Estimator::MatchedDid,
    ];

    /// From the stage's key (`twfe`, `cs_simple`...).
    pub fn from_key(k: &str) -> Option<Estimator> {
        serde_json::from_value(serde_json::Value::String(k.to_string())).ok()
    }

    /// The estimate that answers the exposure question for a design: the design-based
    /// difference in means for a randomised trial, Callaway–Sant'Anna for staggered or
    /// observational adoption.
    pub fn primary_for(design: Design) -> [Estimator; 2] {
        match design {
            Design::Randomised => [Estimator::DifferenceInMeansChange, Estimator::Twfe],
            Design::Staggered | Design::Observational => [Estimator::CsSimple, Estimator::Twfe],
        }
    }
}

/// Where the data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataSource {
    /// Calibrated synthetic data.
    #[default]
    Synthetic,
    /// Ingested DSN declarations.
    Dsn,
}

/// A group of the exposure trajectories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExposureGroup {
    Exposed,
    Comparison,
}

/// A curve or row of the retention section: an employer group or an orientation policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    /// People hired by labelled employers.
    Labelled,
    /// People hired by other employers.
    Other,
    /// Orientation policy.
    StatusQuo,
    LabelPriority,
    Encouragement,
    /// A linked cohort as a whole.
    Everyone,
    /// Randomised orientation: the treatment arm.
    Treatment,
    /// Randomised orientation: the control arm.
    Control,
}

impl Arm {
    /// The arm of a policy.
    pub fn of_policy(p: Policy) -> Arm {
        match p {
            Policy::StatusQuo => Arm::StatusQuo,
            Policy::LabelPriority => Arm::LabelPriority,
            Policy::Encouragement => Arm::Encouragement,
        }
    }
}

/// What a retention difference compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contrast {
    /// Simulated cohort: hired by labelled minus other employers.
    LabelledVsOther,
    /// Encouraged minus not encouraged counsellors: hired and still in the job.
    EncouragedVsNot,
    /// Labelled placement instrumented by the encouragement: hired and still in the job.
    LabelledPlacementIv,
    /// Hires flagged in the DSN data (IAE, long unemployment): labelled minus other.
    FlaggedHires,
    /// Linked cohort: hired by labelled minus other employers.
    CohortLabelledVsOther,
    /// Linked cohort, randomised orientation: back to work, treatment minus control.
    ReturnTreatmentVsControl,
}

/// How a retention difference is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Naive,
    Ipw,
    Itt,
    WaldIv,
}

/// A method note of a run: a key and the numbers it quotes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case", deny_unknown_fields)]
pub enum Note {
    /// Exposure reaches the comparison group (shared pool, peer-relative scores): the DiD
    /// truth is exposed minus comparison effects.
    RelativeScores,
    /// Whether the job-seeker pool was shared, and how to switch that channel off.
    PoolSpillover { shared_pool: bool },
    /// Dynamic TWFE leads are contaminated under heterogeneous effects (Sun & Abraham).
    SunAbraham,
    /// How scores are normalised against peers.
    PeerNormalisation,
    /// How the exposure truth is defined.
    TruthDefinition,
    /// An IPW difference without a standard error was left out of the table.
    IpwWithoutSe { horizon_days: u32, estimate: f64 },
    /// No IPW-adjusted difference at a horizon.
    NoIpw { horizon_days: u32 },
    /// Wald estimate undefined (weak first stage).
    WaldUndefined { horizon_days: u32 },
    /// A stage's technical warning, verbatim (the same in every language).
    Technical { stage: String, text: String },
}

// ---------------------------------------------------------------------------------------------
// Data

/// An evaluator's file of a real pilot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PilotInput {
    /// Who was sent their results, and when.
    Register,
    /// Labels actually awarded.
    Awarded,
    /// Pseudonymised job seekers.
    Cohort,
}

/// Rows of one input file: read = kept + rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputCount {
    /// Which file.
    pub input: PilotInput,
    /// Rows read.
    pub read: u64,
    /// Rows kept.
    pub kept: u64,
    /// Rows set aside (listed in `rejects/`).
    pub rejected: u64,
}

/// What was simulated or ingested.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// Synthetic (generated) or ingested declarations.
    pub source: DataSource,
    /// The evaluator's files of a real pilot: rows read, kept and rejected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<InputCount>,
    /// First month covered, `AAAA-MM`.
    pub period_start: String,
    /// Last month covered, `AAAA-MM`.
    pub period_end: String,
    /// Départements of the territory.
    pub departements: Vec<String>,
    /// Observed years of generated data (synthetic data only).
    pub years: Option<u32>,
    /// Burn-in months before the observed years (synthetic data only).
    pub burn_in_months: Option<u32>,
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
#[serde(deny_unknown_fields)]
pub struct CalibrationRow {
    /// Row of the calibration table, e.g. `B2`.
    pub id: String,
    /// Key of what is measured, e.g. `cdd_share_of_hires`.
    pub key: String,
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
#[serde(deny_unknown_fields)]
pub struct ScoreSection {
    /// Period the distributions and tables refer to, e.g. `2025T4`.
    pub reference_period: String,
    /// Criteria with direction and weight.
    pub criteria: Vec<CriterionWeight>,
    /// Peer-group rules.
    pub peer_groups: PeerGroupRules,
    /// Label levels and their rules, level 0 first.
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
    /// `results.json` (a run keeps them in its research folder, where `compare` reads them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_scores: Vec<EstablishmentScore>,
    /// Label changes between consecutive periods: (from, to) counts.
    pub label_transitions: Vec<Transition>,
    /// Awarded against computed labels, per period (real pilot with awarded labels).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub awarded: Vec<AwardedAgreement>,
}

/// Awarded against computed labels at one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwardedAgreement {
    /// Period label, e.g. `2025T4`.
    pub period: String,
    /// Establishments with a calculable score.
    pub n: u64,
    /// Share with the same level.
    pub agreement: f64,
    /// Cohen's kappa on the four levels.
    pub kappa: Option<f64>,
    /// Labelled by the award.
    pub labelled_awarded: u64,
    /// Labelled by the score.
    pub labelled_computed: u64,
    /// Awarded a label the score does not give.
    pub awarded_not_computed: u64,
    /// Given a label by the score that was not awarded.
    pub computed_not_awarded: u64,
    /// Holding an awarded label with a score not calculable.
    pub awarded_not_calculable: u64,
}

/// One criterion of the composite score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionWeight {
    /// The criterion (its config key).
    pub key: Criterion,
    /// +1 when more is better (hiring, contracts), −1 when less is better (turnover, accidents).
    pub direction: i8,
    /// Weight in the composite (weights sum to 1).
    pub weight: f64,
}

/// How peer groups are formed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerGroupRules {
    /// The finest group (always crossed with the size band).
    pub base: Option<Rung>,
    /// Minimum number of establishments in a peer group before falling back.
    pub min_size: u64,
    /// Fallback hierarchy, in order.
    pub fallback: Vec<Rung>,
    /// Share of establishments scored in their base group (not a fallback), 0–1.
    pub share_in_base_group: Option<f64>,
}

/// A label level and its rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelDef {
    /// The label.
    pub label: Label,
    /// Peer-group percentile (0–1) the score must reach; for level 0, the first threshold
    /// it stays below.
    pub percentile: f64,
    /// Gates capping this level.
    pub gates: Vec<GateDef>,
}

/// A gate: a criterion in the peers' worst share caps the label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateDef {
    /// The criterion.
    pub criterion: Criterion,
    /// Worst share of the peers (0–1) that triggers the gate.
    pub worst_share: f64,
    /// Highest level then allowed.
    pub max_level: u8,
}

/// Summary statistics of a distribution.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

/// A histogram: `counts[i]` values in `[edges[i], edges[i+1])`; `None` = hidden by
/// statistical secrecy (drawn as hidden, never as 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Histogram {
    /// Bin edges, increasing, `counts.len() + 1` of them.
    pub edges: Vec<f64>,
    /// Count per bin, `None` when secret.
    pub counts: Vec<Option<u64>>,
}

/// Label counts in one sector or zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupLevels {
    /// Code (NAF section or division, zone code).
    pub code: String,
    /// Name from the reference data (NAF label, place name).
    pub name: String,
    /// Count per level, level 0 first; `None` where the cell is secret (never 0).
    pub counts: Vec<Option<u64>>,
    /// Establishments of the row (all levels); `None` where secret.
    pub total: Option<u64>,
    /// True when at least one count of the row is secret.
    pub suppressed: bool,
}

/// The explanation of one establishment's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    /// Anonymised letter (A, B, C...).
    pub letter: String,
    /// Sector name (NAF label).
    pub sector: String,
    /// Size band.
    pub size_band: SizeBand,
    /// Zone name.
    pub zone: String,
    /// Composite score (0–100).
    pub score: Option<f64>,
    /// Lower bound of the 95% interval.
    pub score_lower: Option<f64>,
    /// Upper bound of the 95% interval.
    pub score_upper: Option<f64>,
    /// Label.
    pub label: Label,
    /// One row per criterion.
    pub criteria: Vec<ExplanationRow>,
}

/// One criterion of an explanation. `None` = not calculable or not shown (never a zero).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplanationRow {
    /// Criterion.
    pub key: Criterion,
    /// Position against the peers.
    pub position: Position,
    /// Sub-score (position against peers, 0–100).
    pub sub_score: Option<f64>,
    /// Contribution to the composite, in score points.
    pub contribution: Option<f64>,
}

/// Score and label of one establishment in the reference period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstablishmentScore {
    /// SIRET, 14 digits.
    pub siret: String,
    /// Sector code.
    pub sector: String,
    /// Zone code.
    pub zone: String,
    /// Composite score, `None` if not calculable.
    pub score: Option<f64>,
    /// Label (`not_calculable` when the score is not).
    pub label: Label,
}

/// Number of establishments moving from one label to another between consecutive periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// Label before.
    pub from: Label,
    /// Label after.
    pub to: Label,
    /// Number of establishment-period pairs; `None` where secret.
    pub count: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Exposure

/// Exposure evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureSection {
    /// The exposure design.
    pub design: ExposureDesignInfo,
    /// Covariate balance between exposed and comparison establishments.
    pub balance: Vec<BalanceRow>,
    /// Mean score by group over time with 95% intervals.
    pub trajectories: Vec<Trajectory>,
    /// Headline estimates (naive, TWFE, CS simple, difference in means, matched DiD...).
    pub estimates: Vec<NamedEstimate>,
    /// TWFE event study, reference period −1.
    pub event_study: Vec<DynamicPoint>,
    /// The headline pre-trend test: joint Wald test of the event-study leads, with the early
    /// leads binned (which ones, and the convention, are in the test).
    pub pretrend: Option<PretrendTest>,
    /// The same test on every lead, unbinned (secondary: it over-rejects with many leads).
    pub pretrend_all_leads: Option<PretrendTest>,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureDesignInfo {
    /// Randomised, staggered or observational.
    pub kind: Design,
    /// Last scored period before the first exposure.
    pub baseline_period: String,
    /// Exposure dates (months), one per wave.
    pub waves: Vec<String>,
    /// Establishments eligible (scored and not labelled at baseline).
    pub n_eligible: u64,
    /// Exposed establishments.
    pub n_exposed: u64,
    /// Of which responded to their sheet.
    pub n_responders: u64,
    /// Comparison establishments.
    pub n_comparison: u64,
    /// Targeted relative effect on inclusive hiring shares (0.075 = +7.5%).
    pub effect_size: f64,
    /// Months between exposure and the first response.
    pub lag_months: u32,
    /// Months of ramp-up of the response.
    pub ramp_months: u32,
    /// True effect on the score in points (synthetic data), when known: the effect on the
    /// exposed minus the effect on the comparison group, the estimand of the DiD estimators.
    pub true_effect: Option<f64>,
    /// True mean effect on the exposed establishments' scores after exposure.
    pub true_effect_on_exposed: Option<f64>,
    /// True mean effect on the comparison establishments' scores after exposure (spillover
    /// through the shared job-seeker pool and through peer-relative scoring).
    pub true_effect_on_comparison: Option<f64>,
    /// Share of comparison establishment-periods after exposure whose true effect is not 0.
    pub comparison_cells_affected: Option<f64>,
    /// Whether exposed and comparison establishments hired from one job-seeker pool.
    pub shared_pool: Option<bool>,
    /// Power of the primary estimator against the true effect at 5% (two-sided, normal
    /// approximation with its standard error), when both are known.
    pub power: Option<f64>,
}

/// One row of a balance table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceRow {
    /// Covariate key (`baseline_score`, `log_headcount`...).
    pub covariate: String,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trajectory {
    /// Group.
    pub group: ExposureGroup,
    /// One point per period.
    pub points: Vec<TrajectoryPoint>,
}

/// Mean and 95% interval at one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrajectoryPoint {
    /// Period label, e.g. `2024T1`.
    pub period: String,
    /// Position on the time axis (period index).
    pub t: f64,
    /// Mean score.
    pub mean: f64,
    /// Lower 95% bound.
    pub ci_lower: f64,
    /// Upper 95% bound.
    pub ci_upper: f64,
}

/// A point estimate with its interval, in score points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedEstimate {
    /// The estimator.
    pub key: Estimator,
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
    /// The true value this estimator targets, and its key (`difference`: exposed minus
    /// comparison; `effect_on_exposed`).
    pub truth: Option<f64>,
    pub estimand: Option<crate::exposure::study::Estimand>,
}

/// One point of a dynamic (event-time) estimate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

/// The p-value convention of a pre-trend test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaldConvention {
    /// fixest `wald()`: `F = W / q` against `F(q, nobs − nparams)`, every fixed effect counted
    /// in `nparams`, CRV1 covariance clustered by unit.
    FixestWald,
}

/// A joint Wald test that event-study leads are zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PretrendTest {
    /// `F = W / q`.
    pub statistic: f64,
    /// Numerator degrees of freedom `q` (leads tested).
    pub df: f64,
    /// Denominator degrees of freedom.
    pub df2: f64,
    /// p-value.
    pub p_value: f64,
    /// How the p-value is computed.
    pub convention: WaldConvention,
    /// Event times whose coefficients are tested.
    pub leads: Vec<i32>,
    /// Event times before this one are binned into it; `None` when no lead is binned.
    pub binned_below: Option<i32>,
    /// Event times folded into `binned_below` (empty when none).
    pub binned: Vec<i32>,
}

/// A test statistic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestResult {
    /// Statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// p-value.
    pub p_value: f64,
}

/// One estimator's Monte Carlo performance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonteCarloRow {
    /// The estimator.
    pub estimator: Estimator,
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

/// A link to an example feedback sheet, described without the employer's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetLink {
    /// What the example shows.
    pub case: crate::report::feedback::SheetCase,
    /// Sector name.
    pub sector: String,
    /// Size band.
    pub size_band: SizeBand,
    /// Zone name.
    pub zone: String,
    /// Label on the sheet.
    pub label: Label,
    /// Period of the sheet.
    pub period: String,
    /// Relative path inside the run folder, e.g. `sheets/example-1.html`.
    pub href: String,
}

// ---------------------------------------------------------------------------------------------
// Retention

/// Retention of people placed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSection {
    /// Cohorts of job seekers and their sizes.
    pub cohorts: Vec<CohortRow>,
    /// Kaplan–Meier curves by employer group (labelled vs other).
    pub km_by_group: Vec<KmCurve>,
    /// Kaplan–Meier curves by orientation policy.
    pub km_by_policy: Vec<KmCurve>,
    /// Retention at the horizons, per policy.
    pub by_policy: Vec<HorizonRow>,
    /// Risk differences at the horizons (naive, adjusted, truth).
    pub risk_differences: Vec<RiskDifferenceRow>,
    /// Log-rank test between employer groups.
    pub logrank: Option<TestResult>,
    /// Cox model.
    pub cox: Option<CoxTable>,
    /// Linked cohort: how many people were found in the DSN and hired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked: Option<LinkedCohort>,
    /// Return to work after orientation (cumulative incidence of the first hire): the linked
    /// cohort's, or the simulated cohort's on the experiment's policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub return_to_work: Vec<ReturnRow>,
}

/// Which labels grouped the hiring employers of a linked cohort.
pub use crate::pilot::followup::LabelSource;

/// A linked cohort of job seekers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedCohort {
    /// Awarded or computed labels.
    pub label_source: LabelSource,
    /// Persons kept from the cohort file.
    pub persons: u64,
    /// With at least one contract in the DSN.
    pub in_dsn: u64,
    /// First hires observed after orientation.
    pub hired: u64,
    /// Of which within the hire window (the retention sample).
    pub hired_in_window: u64,
    /// Of the latter, by labelled employers.
    pub hires_labelled: u64,
    /// Of the latter, by employers without a known label on the hire date.
    pub hires_unscored: u64,
    /// Extraction date (censoring), `AAAA-MM-JJ`.
    pub extraction: String,
}

/// Return to work at one horizon: share hired within it (Kaplan–Meier complement, people
/// never hired censored at the extraction date).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnRow {
    /// Everyone, or an orientation arm.
    pub arm: Arm,
    /// Persons.
    pub persons: u64,
    /// First hires observed.
    pub hired: u64,
    /// Horizon in days.
    pub horizon_days: u32,
    /// Share back to work by the horizon.
    pub incidence: f64,
    /// Lower 95% bound.
    pub ci_lower: f64,
    /// Upper 95% bound.
    pub ci_upper: f64,
}

/// A cohort of job seekers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortRow {
    /// Cohort.
    pub cohort: Cohort,
    /// Persons.
    pub n: u64,
    /// Persons hired.
    pub n_hired: u64,
}

/// A Kaplan–Meier curve (log(−log) 95% band).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmCurve {
    /// Employer group or policy.
    pub arm: Arm,
    /// Steps of the curve, in increasing time.
    pub points: Vec<KmPoint>,
}

/// One step of a Kaplan–Meier curve.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

/// Retention at a horizon for one policy or group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HorizonRow {
    /// Policy or group.
    pub arm: Arm,
    /// Horizon in days.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskDifferenceRow {
    /// What is compared.
    pub comparison: Contrast,
    /// How.
    pub method: Method,
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
#[serde(deny_unknown_fields)]
pub struct CoxTable {
    /// Ties method key (`efron` or `breslow`).
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
#[serde(deny_unknown_fields)]
pub struct CoxTerm {
    /// Covariate key.
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
#[serde(deny_unknown_fields)]
pub struct MethodsSection {
    /// Convention per topic, e.g. `did.twfe` → the reference tool's call it reproduces.
    pub conventions: BTreeMap<String, String>,
    /// This run's notes.
    pub notes: Vec<Note>,
}

/// Why a `results.json` was refused.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("not a JSON object (line {line}, column {column}): {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("no schema_version: this is not a results.json written by engagement")]
    NoVersion,
    #[error("schema_version {found} is not supported: this engagement reads version {expected}")]
    Version { found: u64, expected: u32 },
    #[error("{message} (line {line}, column {column})")]
    Content {
        line: usize,
        column: usize,
        message: String,
    },
}

impl RunResults {
    /// Parses and validates `results.json` text: the version first, then every field.
    pub fn parse(text: &str) -> Result<Self, SchemaError> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| SchemaError::Syntax {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let version = v
            .as_object()
            .ok_or(SchemaError::NoVersion)?
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or(SchemaError::NoVersion)?;
        if version != u64::from(RESULTS_SCHEMA_VERSION) {
            return Err(SchemaError::Version {
                found: version,
                expected: RESULTS_SCHEMA_VERSION,
            });
        }
        serde_json::from_str(text).map_err(|e| SchemaError::Content {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })
    }

    /// Parses `results.json` text without the version check (tests and fixtures).
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

// ---------------------------------------------------------------------------------------------
// Validity

/// Agreement of weightings with the generator's outcome truth (fragile hires still in the job
/// a year later, per new hire), within peer groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValiditySection {
    /// Latest scored period, the one the correlations and precisions refer to.
    pub period: String,
    /// One row per weighting (the experiment's first).
    pub weightings: Vec<WeightingValidity>,
}

/// How one weighting agrees with the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightingValidity {
    /// `default`, `durability_reversed`, `equal`, or a weights file's name.
    pub key: String,
    /// Where the weighting comes from.
    pub kind: crate::validity::WeightingKind,
    /// Establishments scored in the latest period.
    pub n: u64,
    /// Spearman correlation of the composite with the truth's peer percentile.
    pub spearman: Option<f64>,
    /// Mean of the per-period Spearman correlations.
    pub spearman_mean_over_periods: Option<f64>,
    /// Label precision by level.
    pub precision: Vec<PrecisionRow>,
    /// Spearman by size band.
    pub by_size_band: Vec<GroupValidity>,
    /// Spearman by NAF section.
    pub by_sector: Vec<GroupValidity>,
}

/// Precision of one label level: the share of labelled establishments whose truth is in the
/// same top share of their peers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrecisionRow {
    pub level: u8,
    pub top_share: f64,
    pub labelled: u64,
    pub precision: Option<f64>,
}

/// Spearman correlation within one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupValidity {
    pub group: String,
    pub n: u64,
    pub spearman: Option<f64>,
}
