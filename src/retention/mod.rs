//! Job retention of people placed in labelled vs other employers.
//!
//! Estimators work on any person-level [`PersonTable`] (duration, event, group, covariates,
//! weights) and match lifelines 0.30 to 1e-6 under the conventions named in
//! [`RetentionResult::convention`]:
//! - [`km`]: Kaplan–Meier with Greenwood variance, log(−log) and log intervals, median;
//! - [`logrank`]: k-group log-rank test;
//! - [`cox`]: Cox model (Efron/Breslow ties, observed or robust variance);
//! - [`compare`]: differences and ratios at horizons, IPW-adjusted curves, ITT/Wald;
//! - [`sim`]: the cohort simulation with known truth; [`bench`]: timings.
//!
//! [`estimate_retention`] runs them all, as `engagement estimate retention` does.

pub mod bench;
pub mod compare;
pub mod cox;
mod design;
pub mod hires;
pub mod ipw;
pub mod km;
pub mod logrank;
pub mod sim;
mod table;

pub use design::{Policy, RawRetentionDesign, RetentionDesign};
pub use table::{Covariate, PersonTable};

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};
use std::collections::BTreeMap;

/// Errors of the retention estimators on bad input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RetentionError {
    #[error("the person table is empty")]
    Empty,
    #[error("column `{column}` has {len} values, expected {expected}")]
    Length {
        column: String,
        len: usize,
        expected: usize,
    },
    #[error("row {row}: duration {value} is invalid (durations must be finite and ≥ 0)")]
    BadDuration { row: usize, value: f64 },
    #[error("row {row}: event value {value} is invalid (allowed 0 = censored, 1 = event)")]
    BadEvent { row: usize, value: f64 },
    #[error("row {row}: `{column}` is missing")]
    Missing { column: String, row: usize },
    #[error("row {row}: covariate `{name}` = {value} is not finite")]
    BadCovariate {
        name: String,
        row: usize,
        value: f64,
    },
    #[error("covariate `{0}` is given twice")]
    DuplicateCovariate(String),
    #[error("row {row}: weight {value} is invalid (weights must be finite and > 0)")]
    BadWeight { row: usize, value: f64 },
    #[error(
        "all {0} observations are censored: no retention curve, test or model can be estimated"
    )]
    AllCensored(usize),
    #[error("horizon {0} is invalid (horizons must be finite and > 0)")]
    BadHorizon(f64),
    #[error("confidence level {0} is invalid (allowed strictly between 0 and 1)")]
    BadConfidence(f64),
    #[error("reference group {0:?} does not occur in the group column")]
    UnknownReference(String),
    #[error("{groups} groups in the group column exceed --max-groups {max} (the log-rank covariance grows with the square of the number of groups); recode the groups or raise --max-groups")]
    TooManyGroups { groups: usize, max: usize },
    #[error(transparent)]
    Design(#[from] crate::stats::design::DesignError),
    #[error(transparent)]
    TooLarge(#[from] crate::stats::memory::TooLarge),
    #[error(transparent)]
    Cox(#[from] cox::CoxError),
    #[error(transparent)]
    Compare(#[from] compare::CompareError),
}

/// Options of [`estimate_retention`].
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionOptions {
    /// Horizons in days (default 182 and 365).
    pub horizons: Vec<f64>,
    /// Cox tie handling (default Efron).
    pub ties: cox::Ties,
    /// Cox variance (default observed information).
    pub variance: cox::CoxVariance,
    /// Confidence level (default 0.95).
    pub confidence: f64,
    /// Reference group of the comparisons (default: the first label in sorted order).
    pub reference: Option<String>,
    /// IPW settings, used when there are covariates and exactly two groups.
    pub ipw: compare::IpwOptions,
    /// Largest number of groups accepted (default [`MAX_GROUPS`]).
    pub max_groups: usize,
}

/// Default largest number of groups: the log-rank covariance is groups² (2,000 groups: 32 MB,
/// under a second).
pub const MAX_GROUPS: usize = 2_000;

/// Above this many group indicators the Cox model is not fitted (its Newton step costs
/// rows × indicators² per iteration); the log-rank test and the curves still are.
pub const MAX_COX_GROUPS: usize = 100;

impl Default for RetentionOptions {
    fn default() -> Self {
        RetentionOptions {
            horizons: vec![182.0, 365.0],
            ties: cox::Ties::Efron,
            variance: cox::CoxVariance::Observed,
            confidence: 0.95,
            reference: None,
            ipw: compare::IpwOptions::default(),
            max_groups: MAX_GROUPS,
        }
    }
}

/// Summary of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// Persons (total weight when weighted).
    pub n: f64,
    /// Events (job ends observed).
    pub events: f64,
    /// Median duration with its interval.
    pub median: km::Median,
    /// KM rows at the horizons.
    pub horizons: Vec<km::KmRow>,
}

/// Everything `engagement estimate retention` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionResult {
    /// Rows used.
    pub n: usize,
    /// Events observed.
    pub n_events: usize,
    /// Horizons (days).
    pub horizons: Vec<f64>,
    /// Confidence level of every interval.
    pub confidence: f64,
    /// Reference group of `risk_difference`, the Cox group indicators and `adjusted`.
    pub reference: String,
    /// Per-group counts, median and horizon rows.
    pub groups: BTreeMap<String, GroupSummary>,
    /// Kaplan–Meier curve per group, keyed by the label as it appears in the input.
    pub km: BTreeMap<String, Vec<km::KmRow>>,
    /// Log-rank test (`None` with a single group: see `warnings`).
    pub logrank: Option<logrank::LogRank>,
    /// Cox model on the group indicators and covariates (`None`: see `warnings`).
    pub cox: Option<cox::CoxFit>,
    /// Retention differences and ratios of each group against the reference at each horizon.
    pub risk_difference: Vec<compare::HorizonDifference>,
    /// IPW-adjusted difference (two groups and at least one covariate), else `None`.
    pub adjusted: Option<compare::AdjustedComparison>,
    /// Documented situations where a part was skipped or is undefined.
    pub warnings: Vec<String>,
    /// Name of each convention used.
    pub convention: BTreeMap<String, String>,
}

/// Errors when a categorical level has no event among the Cox rows (its coefficient diverges).
fn check_cox_levels(table: &PersonTable, rows: &[usize]) -> Result<(), RetentionError> {
    if table.references().is_empty() {
        return Ok(());
    }
    let terms: Vec<_> = table.covariates().iter().map(|c| c.term.clone()).collect();
    let cols: Vec<Vec<f64>> = table
        .covariates()
        .iter()
        .map(|c| rows.iter().map(|&i| c.values[i]).collect())
        .collect();
    let views: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let event: Vec<bool> = rows.iter().map(|&i| table.event()[i]).collect();
    crate::stats::design::check_levels_have_events(
        &terms,
        &views,
        table.references(),
        &event,
        " in the Cox model",
    )?;
    Ok(())
}

/// Errors when a categorical level occurs in only one of the two compared groups.
fn check_ipw_levels(
    table: &PersonTable,
    treated: &str,
    reference: &str,
) -> Result<(), RetentionError> {
    if table.references().is_empty() {
        return Ok(());
    }
    let terms: Vec<_> = table.covariates().iter().map(|c| c.term.clone()).collect();
    let views: Vec<&[f64]> = table
        .covariates()
        .iter()
        .map(|c| c.values.as_slice())
        .collect();
    let in_t: Vec<bool> = table.group().iter().map(|g| g == treated).collect();
    crate::stats::design::check_levels_in_both_groups(
        &terms,
        &views,
        table.references(),
        &in_t,
        (treated, reference),
        " (group column)",
    )?;
    Ok(())
}

/// Two-sided normal critical value for a confidence level.
pub fn critical_value(confidence: f64) -> f64 {
    Normal::standard().inverse_cdf(0.5 + confidence / 2.0)
}

/// Runs Kaplan–Meier per group, log-rank, Cox (group indicators + covariates), the
/// differences at each horizon and, with covariates and two groups, the IPW comparison.
///
/// # Errors
/// Invalid horizons or confidence, an unknown reference group, all observations censored,
/// and Cox errors that the user must fix (constant or collinear covariates).
pub fn estimate_retention(
    table: &PersonTable,
    opts: &RetentionOptions,
) -> Result<RetentionResult, RetentionError> {
    let n_events = check_options(table, opts)?;
    let mut horizons = opts.horizons.clone();
    horizons.sort_by(f64::total_cmp);
    horizons.dedup();
    let z = critical_value(opts.confidence);
    let levels = table.group_levels();
    let reference = choose_reference(&levels, opts)?;
    let mut warnings = Vec::new();
    let fitted = fit_curves(table, &horizons, z, &mut warnings);
    median_warnings(&fitted.groups, &mut warnings);
    let logrank = logrank_test(table, &levels, &mut warnings)?;
    let groups = CoxGroups {
        levels: &levels,
        reference: &reference,
        no_events: &fitted.no_event_groups,
    };
    let cox = cox_model(table, opts, &groups, &mut warnings)?;
    let risk_difference = compare::km_differences(&fitted.curves, &reference, &horizons, z);
    for r in &risk_difference {
        if r.ratio.is_none() || r.ratio_ci_lower.is_none() {
            warnings.push(format!(
                "t = {}: group {:?} vs {:?}: a retention of 0 makes the ratio or its interval undefined (null)",
                r.t, r.group, r.reference
            ));
        }
    }
    let adjusted = if levels.len() == 2 && !table.covariates().is_empty() {
        ipw_comparison(table, opts, &groups, &horizons, z, &mut warnings)?
    } else {
        None
    };
    Ok(RetentionResult {
        n: table.len(),
        n_events,
        horizons,
        confidence: opts.confidence,
        reference,
        groups: fitted.groups,
        km: fitted.km_rows,
        logrank,
        cox,
        risk_difference,
        adjusted,
        warnings,
        convention: conventions(opts),
    })
}

/// Checks the horizons and the confidence level and that some event occurs; returns the
/// number of events.
fn check_options(table: &PersonTable, opts: &RetentionOptions) -> Result<usize, RetentionError> {
    if let Some(&h) = opts.horizons.iter().find(|h| !(h.is_finite() && **h > 0.0)) {
        return Err(RetentionError::BadHorizon(h));
    }
    if !(opts.confidence > 0.0 && opts.confidence < 1.0) {
        return Err(RetentionError::BadConfidence(opts.confidence));
    }
    let n_events = table.event().iter().filter(|&&e| e).count();
    if n_events == 0 {
        return Err(RetentionError::AllCensored(table.len()));
    }
    Ok(n_events)
}

/// The reference group: the requested one if it exists, else the first label; also bounds
/// the number of groups.
fn choose_reference(levels: &[String], opts: &RetentionOptions) -> Result<String, RetentionError> {
    if levels.len() > opts.max_groups {
        return Err(RetentionError::TooManyGroups {
            groups: levels.len(),
            max: opts.max_groups,
        });
    }
    match &opts.reference {
        Some(r) if levels.contains(r) => Ok(r.clone()),
        Some(r) => Err(RetentionError::UnknownReference(r.clone())),
        None => Ok(levels[0].clone()),
    }
}

/// Kaplan–Meier curves per group with their summaries and reported rows.
struct Curves {
    curves: BTreeMap<String, km::KaplanMeier>,
    groups: BTreeMap<String, GroupSummary>,
    km_rows: BTreeMap<String, Vec<km::KmRow>>,
    /// Groups without any event (left out of the Cox model).
    no_event_groups: Vec<String>,
}

/// Fits a Kaplan–Meier curve per group, warning about groups without events.
fn fit_curves(table: &PersonTable, horizons: &[f64], z: f64, warnings: &mut Vec<String>) -> Curves {
    let mut out = Curves {
        curves: BTreeMap::new(),
        groups: BTreeMap::new(),
        km_rows: BTreeMap::new(),
        no_event_groups: Vec::new(),
    };
    for (g, rows) in &table.group_indices() {
        let c = km::KaplanMeier::fit(table.duration(), table.event(), table.weights(), Some(rows));
        if c.n_events() == 0.0 {
            out.no_event_groups.push(g.clone());
            warnings.push(format!(
                "group {g:?} has no events: its curve stays at 1, its median is undefined (null) and it is left out of the Cox model"
            ));
        }
        out.groups.insert(
            g.clone(),
            GroupSummary {
                n: c.n(),
                events: c.n_events(),
                median: c.median(z),
                horizons: horizons.iter().map(|&h| c.row_at(h, z)).collect(),
            },
        );
        out.km_rows.insert(g.clone(), c.rows(horizons, z));
        out.curves.insert(g.clone(), c);
    }
    out
}

/// Warns about medians, or their upper bounds, that are not reached.
fn median_warnings(groups: &BTreeMap<String, GroupSummary>, warnings: &mut Vec<String>) {
    for (g, s) in groups {
        if s.median.estimate.is_none() {
            warnings.push(format!(
                "group {g:?}: retention never falls to 0.5, median duration is null (not reached)"
            ));
        } else if s.median.ci_upper.is_none() {
            warnings.push(format!(
                "group {g:?}: the upper confidence bound of the median is not reached (null)"
            ));
        }
    }
}

/// Log-rank test across the groups (`None`, with a warning, for one group or when it
/// cannot be computed).
fn logrank_test(
    table: &PersonTable,
    levels: &[String],
    warnings: &mut Vec<String>,
) -> Result<Option<logrank::LogRank>, RetentionError> {
    if levels.len() < 2 {
        warnings.push(format!(
            "single group {:?}: no log-rank test, no group comparison",
            levels[0]
        ));
        return Ok(None);
    }
    if table.weights().is_some() {
        warnings.push("log-rank test ignores case weights".into());
    }
    let code: BTreeMap<&String, usize> = levels.iter().enumerate().map(|(i, g)| (g, i)).collect();
    let gi: Vec<usize> = table.group().iter().map(|g| code[g]).collect();
    match logrank::logrank(table.duration(), table.event(), &gi, levels) {
        Ok(r) => Ok(Some(r)),
        Err(logrank::LogRankError::TooLarge(t)) => Err(t.into()),
        Err(e) => {
            warnings.push(format!("log-rank test not computed: {e}"));
            Ok(None)
        }
    }
}

/// The groups, the reference and the groups without events.
struct CoxGroups<'a> {
    levels: &'a [String],
    reference: &'a String,
    no_events: &'a [String],
}

/// Cox model on the group indicators (non-reference groups with events) then the
/// covariates; `None`, with a warning, when it cannot or need not be fitted.
fn cox_model(
    table: &PersonTable,
    opts: &RetentionOptions,
    groups: &CoxGroups,
    warnings: &mut Vec<String>,
) -> Result<Option<cox::CoxFit>, RetentionError> {
    let (levels, reference, no_event_groups) = (groups.levels, groups.reference, groups.no_events);
    let dummy_groups: Vec<&String> = levels
        .iter()
        .filter(|g| *g != reference && !no_event_groups.contains(g))
        .collect();
    let cox_rows: Vec<usize> = (0..table.len())
        .filter(|&i| !no_event_groups.contains(&table.group()[i]) || &table.group()[i] == reference)
        .collect();
    if no_event_groups.contains(reference) && levels.len() > 1 {
        warnings.push(format!(
            "Cox model not fitted: the reference group {reference:?} has no events (hazard ratios against it are infinite)"
        ));
        return Ok(None);
    }
    if dummy_groups.len() > MAX_COX_GROUPS {
        warnings.push(format!(
            "Cox model not fitted: {} group indicators exceed {MAX_COX_GROUPS} (each Newton step costs rows × indicators²); the curves, differences and log-rank test are reported",
            dummy_groups.len()
        ));
        return Ok(None);
    }
    let (names, cols) = cox_design(table, &dummy_groups, &cox_rows);
    check_cox_levels(table, &cox_rows)?;
    if names.is_empty() {
        warnings.push(
            "Cox model not fitted: no group indicator (single group, or only groups without events) and no covariates".into(),
        );
        return Ok(None);
    }
    let d: Vec<f64> = cox_rows.iter().map(|&i| table.duration()[i]).collect();
    let e: Vec<bool> = cox_rows.iter().map(|&i| table.event()[i]).collect();
    let w: Option<Vec<f64>> = table
        .weights()
        .map(|w| cox_rows.iter().map(|&i| w[i]).collect());
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
    let o = cox::CoxOptions {
        ties: opts.ties,
        variance: opts.variance,
        confidence: opts.confidence,
        ..Default::default()
    };
    Ok(Some(cox::fit_cox(&d, &e, w.as_deref(), &names, &refs, &o)?))
}

/// Names and columns of the Cox design on `rows`: group indicators, then covariates.
fn cox_design(
    table: &PersonTable,
    dummy_groups: &[&String],
    rows: &[usize],
) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut names = Vec::new();
    let mut cols: Vec<Vec<f64>> = Vec::new();
    for g in dummy_groups {
        names.push(format!("group={g}"));
        cols.push(
            rows.iter()
                .map(|&i| f64::from(u8::from(&table.group()[i] == *g)))
                .collect(),
        );
    }
    for c in table.covariates() {
        names.push(c.name.clone());
        cols.push(rows.iter().map(|&i| c.values[i]).collect());
    }
    (names, cols)
}

/// IPW-adjusted difference of the non-reference group against the reference (`None`, with
/// a warning, when it cannot be computed).
fn ipw_comparison(
    table: &PersonTable,
    opts: &RetentionOptions,
    groups: &CoxGroups,
    horizons: &[f64],
    z: f64,
    warnings: &mut Vec<String>,
) -> Result<Option<compare::AdjustedComparison>, RetentionError> {
    let reference = groups.reference;
    let treated = groups
        .levels
        .iter()
        .find(|g| *g != reference)
        .cloned()
        .unwrap_or_default();
    check_ipw_levels(table, &treated, reference)?;
    match compare::ipw_difference(table, &treated, reference, horizons, &opts.ipw, z) {
        Ok(a) => {
            if opts.ipw.variance == compare::IpwVariance::Bootstrap && opts.ipw.bootstrap < 2 {
                warnings.push(format!(
                    "IPW-adjusted difference: {} bootstrap replicates, so its se and interval are null (undefined)",
                    opts.ipw.bootstrap
                ));
            }
            Ok(Some(a))
        }
        Err(e) => {
            warnings.push(format!("IPW-adjusted comparison not computed: {e}"));
            Ok(None)
        }
    }
}

/// Name of each convention used, for the result.
fn conventions(opts: &RetentionOptions) -> BTreeMap<String, String> {
    [
        ("km_at_risk", "#{T >= t}; events before censorings at tied times (lifelines, R)"),
        ("km_survival", "right-continuous product-limit; S(h) includes events on day h"),
        ("km_variance", "Greenwood: S^2 * sum d/(n(n-d))"),
        ("km_ci", "log(-log) (lifelines, SAS, Stata): S^exp(+-z*sqrt(GW)/log S)"),
        ("km_ci_log", "log (R survfit default): S*exp(+-z*sqrt(GW)), upper clipped at 1"),
        ("median", "first t with S(t) <= 0.5 (lifelines); CI = first t where each log(-log) bound <= 0.5 (lifelines median_survival_times on confidence_interval_); null = not reached"),
        ("logrank", "(O-E)' V^-1 (O-E), hypergeometric variance, df = k-1, no continuity correction (R survdiff, lifelines multivariate_logrank_test); unweighted"),
        ("cox_ties", match opts.ties { cox::Ties::Efron => "efron (R, lifelines)", cox::Ties::Breslow => "breslow (Stata, SAS, statsmodels)" }),
        ("cox_variance", match opts.variance { cox::CoxVariance::Observed => "inverse observed information", cox::CoxVariance::Robust => "Lin-Wei robust sandwich, Breslow-form score residuals (lifelines robust=True)" }),
        ("cox_convergence", "Newton-Raphson with step halving, relative log-likelihood change < 1e-12 and step < 1e-9"),
        ("cox_design", "indicators group=<label> for each non-reference group, then covariates as given"),
        ("risk_difference", "S_group(h) - S_reference(h), Wald interval with Greenwood variances; ratio interval on the log scale"),
        ("ipw", match opts.ipw.variance {
            compare::IpwVariance::Analytic => "logistic propensity of the non-reference group, ATE weights 1/p and 1/(1-p), p clipped to [trim, 1-trim], weighted KM; SE from the influence function of the weighted curves including the propensity estimation",
            compare::IpwVariance::Bootstrap => "logistic propensity of the non-reference group, ATE weights 1/p and 1/(1-p), p clipped to [trim, 1-trim], weighted KM; SE by seeded bootstrap refitting the propensity",
        }),
        ("categorical_covariates", "text or declared columns expanded into indicators column[T.level] against a reference level (first in sort order unless given), as R model.matrix and patsy/formulaic"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}
