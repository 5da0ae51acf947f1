//! Difference-in-differences, event studies, staggered adoption, matching and randomisation
//! inference.
//!
//! Every estimator works on a [`Panel`] built from plain slices, validates its input (clear
//! errors, never a silent NaN) and names the convention it follows, so that its numbers can be
//! compared with fixest/pyfixest and R `did`/csdid (see `tests/reference/estimate/`).

pub mod bench;
pub mod cs;
pub mod event_study;
pub mod fe_onehot;
pub mod matching;
pub mod montecarlo;
pub mod panel;
pub mod power;
pub mod randomised;
pub mod trajectories;
pub mod twfe;

pub use panel::Panel;

use crate::stats::linalg::LinalgError;
use crate::stats::logit::LogitError;

/// Errors of the estimators.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EstimateError {
    /// The input panel or options are unusable.
    #[error("{0}")]
    Input(String),
    /// Perfectly collinear regressors or covariates (named).
    #[error("perfectly collinear: {0}")]
    Collinear(String),
    /// A numerical step failed.
    #[error("numerical failure: {0}")]
    Numerical(String),
    #[error(transparent)]
    Linalg(#[from] LinalgError),
    #[error(transparent)]
    Logit(#[from] LogitError),
    /// A size that would not fit in memory (named, with the option to change).
    #[error(transparent)]
    TooLarge(#[from] crate::stats::memory::TooLarge),
    /// A covariate design problem (categorical levels), naming the column and level.
    #[error(transparent)]
    Design(#[from] crate::stats::design::DesignError),
}

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Options of [`did_report`].
#[derive(Debug, Clone)]
pub struct DidOptions {
    /// CS control group (default never treated).
    pub control: cs::Control,
    /// CS base period (default varying).
    pub base: cs::BasePeriod,
    /// CS 2×2 estimator (default doubly robust).
    pub method: cs::Method,
    /// Use the panel covariates in CS (doubly robust with time-invariant covariates).
    pub use_covariates: bool,
    /// Small-sample convention of the TWFE / event-study CRV1 variance.
    pub dof: twfe::DofConvention,
    /// Event-time binning window (`None`: no binning).
    pub bin: Option<(i64, i64)>,
    /// Also run the pre-trend test with the leads before this event time binned into it
    /// ([`event_study::binned_pretrend`]; `None`: not run).
    pub pretrend_bin_below: Option<i64>,
    /// Multiplier bootstrap for the CS uniform bands (`None`: none).
    pub bootstrap: Option<cs::BootstrapOptions>,
}

impl Default for DidOptions {
    fn default() -> Self {
        DidOptions {
            control: cs::Control::Never,
            base: cs::BasePeriod::Varying,
            method: cs::Method::Dr,
            use_covariates: false,
            dof: twfe::DofConvention::Fixest,
            bin: None,
            pretrend_bin_below: None,
            bootstrap: Some(cs::BootstrapOptions {
                iterations: 999,
                seed: 20_261_128,
            }),
        }
    }
}

/// The stable JSON of `engagement estimate did`:
///
/// ```text
/// { "twfe": {"att", "se", "ci95": [lo, hi], "p_value", "t_df", "n_obs", "n_clusters"},
///   "event_study": [{"rel_time", "estimate", "se", "ci95"}, ...],
///   "pretrend_wald": {"statistic", "df", "df2", "p_value", "chi2", "p_value_chi2", "distribution"} | null,
///   "cs": {"group_time": [{"group", "time", "att", "se" | null, "post", "base", "n_control", "n_treated", "band95" | null}, ...],
///          "simple": {"att", "se", "ci95"},
///          "group": {"att", "se", "ci95", "by_group": [{"group", "att", "se"}, ...]},
///          "dynamic": {"att", "se", "ci95", "by_event_time": [{"event_time", "att", "se" | null, "band95" | null}, ...]},
///          "calendar": {"att", "se", "ci95", "by_time": [{"time", "att", "se"}, ...]},
///          "n_units", "bootstrap": {"iterations", "seed", "crit_group_time", "crit_dynamic"} | null, "warnings": [...]},
///   "convention": {"twfe", "event_study", "pretrend_wald", "cs_control", "cs_base_period", "cs_estimator",
///                  "cs_se", "cs_aggregation", "cs_bands", "cs_panel", "reference"},
///   "n_units", "n_periods", "n_obs", "warnings": [...] }
/// ```
///
/// `null` marks a value that is undefined by construction (the universal base-period cell's SE,
/// no lead to test); no field is ever NaN.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DidResult {
    /// Static TWFE DiD `y ~ D | unit + time`, CRV1 by unit.
    pub twfe: twfe::TwfeResult,
    /// Event-study coefficients `i(rel_time, ref = −1)`, sorted by event time.
    pub event_study: Vec<event_study::EventCoef>,
    /// Joint Wald test of the leads; `null` when there is no lead.
    pub pretrend_wald: Option<event_study::WaldTest>,
    /// The pre-trend test with the early leads binned, when asked
    /// ([`DidOptions::pretrend_bin_below`]); absent from the JSON otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretrend_binned: Option<event_study::BinnedPretrend>,
    /// Callaway–Sant'Anna ATT(g,t) and aggregations.
    pub cs: cs::CsResult,
    /// The name of each convention used, by component.
    pub convention: BTreeMap<String, String>,
    /// Panel size.
    pub n_units: usize,
    /// Distinct periods.
    pub n_periods: usize,
    /// Rows.
    pub n_obs: usize,
    /// Recodings, dropped units and caveats; empty when none.
    pub warnings: Vec<String>,
}

/// Runs TWFE, the event study with its pre-trend test and Callaway–Sant'Anna on one panel.
pub fn did_report(panel: &Panel, opts: &DidOptions) -> Result<DidResult, EstimateError> {
    if panel.n_units() < 2 {
        return Err(EstimateError::Input(format!(
            "a single cluster: cluster-robust inference needs at least 2 units, got {}",
            panel.n_units()
        )));
    }
    if panel.cohort.iter().all(Option::is_some) && opts.control == cs::Control::Never {
        return Err(EstimateError::Input(
            "all units are treated: no never-treated unit for the never-treated control group"
                .into(),
        ));
    }
    let tw = twfe::twfe(panel, opts.dof)?;
    let es = event_study::event_study(
        panel,
        &event_study::EventStudyOptions {
            bin: opts.bin,
            dof: opts.dof,
        },
    )?;
    let pretrend_binned = match opts.pretrend_bin_below {
        Some(below) => event_study::binned_pretrend(panel, below, opts.dof)?,
        None => None,
    };
    let cs = cs::callaway_santanna(
        panel,
        &cs::CsOptions {
            control: opts.control,
            base: opts.base,
            method: opts.method,
            use_covariates: opts.use_covariates,
            bootstrap: opts.bootstrap,
        },
    )?;
    let mut warnings = panel.warnings.clone();
    if !es.dropped.is_empty() {
        warnings.push(format!(
            "event study: dummies for event time(s) {:?} are collinear with the unit and time effects and were removed (as fixest does)",
            es.dropped
        ));
    }
    warnings.extend(cs.warnings.iter().cloned());
    let distinct_cohorts = cs.group.by_group.len();
    if distinct_cohorts > 1 {
        warnings.push(
            "staggered adoption: TWFE and event-study leads/lags can be contaminated by effects that differ by cohort (Sun & Abraham 2021); prefer the Callaway–Sant'Anna aggregations".into(),
        );
    }
    Ok(DidResult {
        twfe: tw,
        event_study: es.coefs,
        pretrend_wald: es.pretrend,
        pretrend_binned,
        convention: conventions(opts, panel),
        cs,
        n_units: panel.n_units(),
        n_periods: panel.n_periods(),
        n_obs: panel.n_rows(),
        warnings,
    })
}

fn conventions(opts: &DidOptions, panel: &Panel) -> BTreeMap<String, String> {
    let mut c = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        c.insert(k.to_string(), v);
    };
    put(
        "twfe",
        format!(
            "fixest feols(y ~ D | unit + time), alternating projections to 1e-12; {}",
            opts.dof.name()
        ),
    );
    put(
        "event_study",
        format!(
            "fixest i(rel_time, ref = -1) | unit + time, never-treated at the reference, {}",
            match opts.bin {
                None => "no binning".to_string(),
                Some((lo, hi)) => format!("event times binned into [{lo}, {hi}]"),
            }
        ),
    );
    put(
        "pretrend_wald",
        "leads rel_time <= -2 with the CRV1 vcov: F = W/q, p from F(q, nobs - nparams), nparams = event-time coefficients + units + periods - 1 (fixest wald()); chi2(q) p-value of W also given (pyfixest wald_test on a subset of coefficients)".into(),
    );
    if let Some(below) = opts.pretrend_bin_below {
        put(
            "pretrend_wald_binned",
            format!("as pretrend_wald, on the event study with event times before {below} binned into {below} (lags not binned)"),
        );
    }
    put(
        "cs_control",
        match opts.control {
            cs::Control::Never => "never treated".into(),
            cs::Control::NotYet => "not yet treated (never treated included)".into(),
        },
    );
    put(
        "cs_base_period",
        match opts.base {
            cs::BasePeriod::Varying => "varying (post: g-1, pre: t-1)".into(),
            cs::BasePeriod::Universal => "universal (g-1 for every cell)".into(),
        },
    );
    let with_cov = opts.use_covariates && !panel.covariate_names.is_empty();
    put(
        "cs_estimator",
        match (opts.method, with_cov) {
            (cs::Method::Dr, false) => "unconditional 2x2 (DRDID drdid_panel with intercept only)".into(),
            (cs::Method::Dr, true) => format!(
                "doubly robust (Sant'Anna & Zhao 2020, DRDID drdid_panel) on {}; logit pscore, controls with pscore >= 0.995 trimmed",
                panel.covariate_names.join(", ")
            ),
            (cs::Method::Ipw, _) => "standardised IPW (DRDID std_ipw_did_panel); logit pscore, trimmed at 0.995".into(),
        },
    );
    put(
        "cs_se",
        "analytic influence function, sqrt(mean(IF^2)/n), clustered on unit, normal critical values (R did with bstrap = FALSE)".into(),
    );
    put(
        "cs_aggregation",
        "R did aggte: weights proportional to cohort size with the weight-estimation IF term; dynamic overall = mean of theta(e) for e >= 0; calendar overall = mean of theta(t)".into(),
    );
    put(
        "cs_bands",
        match opts.bootstrap {
            None => "none".into(),
            Some(b) => format!(
                "uniform 95% bands from a Rademacher multiplier bootstrap (R did mboot), {} draws, ChaCha8 seed {} (one stream per block of 2048 units; the same draws for the cells and the event times), type-1 quantiles for the IQR-based SE and the critical value (R did)",
                b.iterations, b.seed
            ),
        },
    );
    put(
        "cs_panel",
        "analysis sample: units observed in every period (R did allow_unbalanced_panel = FALSE); ATT(g,t) and the aggregations are defined on that sample, reported as cs.n_units".into(),
    );
    put(
        "reference",
        "checked to 1e-6 against pyfixest 0.60.0 and csdid 0.4.3 (R did 2.5 conventions), tests/reference/estimate/".into(),
    );
    c
}
