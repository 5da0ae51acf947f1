//! Dynamic TWFE event study: `y ~ i(rel_time, ref = −1) | unit + time`, CRV1 by unit, as
//! fixest/pyfixest, with a joint Wald test of the leads (pre-trends).
//!
//! Relative time is `t − cohort` for ever-treated units; never-treated units are coded at the
//! reference (all dummies zero). Optional binning folds event times below/above a window into
//! its end points.
//!
//! Caveat (Sun & Abraham 2021): with effects that differ by cohort, the leads and lags of this
//! regression are contaminated by other periods' effects. Reports should say so and show the
//! Callaway–Sant'Anna event-time aggregation next to it.
//!
//! Pre-trend test: `W = b' V⁻¹ b` over the leads `rel_time ≤ −2` with the CRV1 vcov, reported
//! as fixest `wald()` does: `F = W / q`, p-value from `F(q, nobs − nparams)` where `nparams`
//! counts the slopes and every fixed effect (`units + periods − 1`). pyfixest's
//! `wald_test` differs: on a subset of coefficients it switches to `χ²(q)`, and with an
//! identity restriction it uses `F(q, G − 1)`; the `χ²(q)` p-value of `W` is reported too.
//!
//! On a balanced panel the regression runs in closed form ([`super::fe_onehot`]), at the cost
//! of a TWFE with one column per event time.

use super::fe_onehot;
use super::panel::Panel;
use super::twfe::{fe_regression, t_inference, DofConvention, FeFit};
use super::EstimateError;
use crate::stats::linalg::{self, Matrix};
use crate::stats::{describe, memory};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Reference event time.
pub const REFERENCE: i64 = -1;

/// One event-study coefficient.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventCoef {
    /// Event time `t − cohort` (−1 is the omitted reference).
    pub rel_time: i64,
    /// Coefficient.
    pub estimate: f64,
    /// CRV1 standard error.
    pub se: f64,
    /// 95% interval with t(G − 1).
    pub ci95: [f64; 2],
}

/// Joint Wald test that all leads are zero.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WaldTest {
    /// `F = W / q`.
    pub statistic: f64,
    /// Numerator degrees of freedom `q` (number of leads).
    pub df: usize,
    /// Denominator degrees of freedom `nobs − nparams` (fixest `wald()`).
    pub df2: usize,
    /// p-value from `F(q, nobs − nparams)`.
    pub p_value: f64,
    /// `W = b' V⁻¹ b`.
    pub chi2: f64,
    /// p-value of `W` from `χ²(q)`.
    pub p_value_chi2: f64,
    /// Distribution of the reported p-value (`"F"`).
    pub distribution: String,
}

/// The p-value convention of a pre-trend [`WaldTest`], as a key.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WaldConvention {
    /// fixest `wald()`: `F = W / q` against `F(q, nobs − nparams)`, every fixed effect counted
    /// in `nparams`.
    FixestWald,
}

/// Event-study output.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventStudy {
    /// Coefficients sorted by event time (the reference is not listed).
    pub coefs: Vec<EventCoef>,
    /// Event times whose dummies were collinear with the fixed effects and removed, as fixest
    /// does (e.g. the last lags when no unit is never treated).
    pub dropped: Vec<i64>,
    /// Pre-trend test, `None` when there is no lead to test.
    pub pretrend: Option<WaldTest>,
    /// Observations used.
    pub n_obs: usize,
    /// Clusters (units).
    pub n_clusters: usize,
}

/// Leads before this event time are binned into it for the pipeline's headline pre-trend
/// test. With about twelve leads on autocorrelated rolling windows the all-leads test rejects
/// too often under no anticipation (the Monte Carlo of the full pipeline measures it); with the
/// early leads binned, the test of the remaining three has its nominal size.
pub const HEADLINE_BIN_BELOW: i64 = -4;

/// A pre-trend test on the event study whose leads before `below` are binned into `below`
/// (lags are not binned), with the fixest `wald()` convention of [`WaldTest`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BinnedPretrend {
    /// Event times before this one are folded into it.
    pub below: i64,
    /// Event times observed before `below` and folded into it (empty: nothing to bin).
    pub binned: Vec<i64>,
    /// Event times whose coefficients are tested (`≤ −2` after binning, collinear ones
    /// removed).
    pub leads: Vec<i64>,
    /// The joint test of those leads.
    pub wald: WaldTest,
}

/// The pre-trend test with the leads before `below` binned into `below`; `None` when the
/// binned event study has no lead.
pub fn binned_pretrend(
    panel: &Panel,
    below: i64,
    dof: DofConvention,
) -> Result<Option<BinnedPretrend>, EstimateError> {
    let opts = EventStudyOptions {
        bin: Some((below, i64::MAX / 4)),
        dof,
    };
    let es = event_study(panel, &opts)?;
    let binned: BTreeSet<i64> = (0..panel.n_rows())
        .filter_map(|r| {
            let g = panel.cohort[panel.unit[r]]?;
            let e = panel.periods[panel.period[r]] - g;
            (e < below).then_some(e)
        })
        .collect();
    Ok(es.pretrend.map(|wald| BinnedPretrend {
        below,
        binned: binned.into_iter().collect(),
        leads: es
            .coefs
            .iter()
            .map(|c| c.rel_time)
            .filter(|e| *e <= -2)
            .collect(),
        wald,
    }))
}

/// Event-study options.
#[derive(Debug, Clone, Default)]
pub struct EventStudyOptions {
    /// Bin event times outside `[lo, hi]` into `lo` and `hi` (`None`: no binning).
    pub bin: Option<(i64, i64)>,
    /// Small-sample convention.
    pub dof: DofConvention,
}

/// Fits the indicators of `levels` (row `r` has level `rel[r]`): in closed form on a
/// balanced panel, else by alternating projections on dense columns (memory checked first).
fn fit_levels(
    panel: &Panel,
    rel: &[Option<i64>],
    levels: &[i64],
    names: Vec<String>,
    dof: DofConvention,
) -> Result<FeFit, EstimateError> {
    let pos: std::collections::HashMap<i64, usize> =
        levels.iter().enumerate().map(|(j, e)| (*e, j)).collect();
    let code: Vec<Option<usize>> = rel
        .iter()
        .map(|e| e.and_then(|e| pos.get(&e).copied()))
        .collect();
    if panel.is_balanced() {
        return fe_onehot::fit(panel, &code, &names, dof, true);
    }
    let (k, n) = (levels.len() as f64, panel.n_rows() as f64);
    memory::check(
        || {
            format!(
                "the event study on an unbalanced panel ({} event-time indicators × {} rows)",
                memory::thousands(k),
                memory::thousands(n)
            )
        },
        8.0 * (k + 2.0) * n,
        "bin event times into a window with --bin-event-time LO,HI, or balance the panel",
    )?;
    let x: Vec<Vec<f64>> = (0..levels.len())
        .map(|j| {
            code.iter()
                .map(|c| f64::from(u8::from(*c == Some(j))))
                .collect()
        })
        .collect();
    fe_regression(panel, x, names, dof, true)
}

/// Fits the event study.
pub fn event_study(panel: &Panel, opts: &EventStudyOptions) -> Result<EventStudy, EstimateError> {
    if let Some((lo, hi)) = opts.bin {
        if !(lo < REFERENCE && hi > REFERENCE) {
            return Err(EstimateError::Input(format!(
                "event-time bin [{lo}, {hi}] must contain the reference {REFERENCE} strictly inside"
            )));
        }
    }
    let rel: Vec<Option<i64>> = (0..panel.n_rows())
        .map(|r| {
            panel.cohort[panel.unit[r]].map(|g| {
                let e = panel.periods[panel.period[r]] - g;
                match opts.bin {
                    Some((lo, hi)) => e.clamp(lo, hi),
                    None => e,
                }
            })
        })
        .collect();
    let levels: Vec<i64> = rel
        .iter()
        .flatten()
        .copied()
        .filter(|e| *e != REFERENCE)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if levels.is_empty() {
        return Err(EstimateError::Input(
            "no treated unit: the event study needs at least one ever-treated unit".into(),
        ));
    }
    let names: Vec<String> = levels.iter().map(|e| format!("rel_time::{e}")).collect();
    let fit = fit_levels(panel, &rel, &levels, names, opts.dof)?;
    let dropped: Vec<i64> = levels
        .iter()
        .copied()
        .filter(|e| fit.dropped.contains(&format!("rel_time::{e}")))
        .collect();
    let levels: Vec<i64> = levels
        .into_iter()
        .filter(|e| !dropped.contains(e))
        .collect();
    let df = fit.n_clusters - 1;
    let mut coefs = Vec::with_capacity(levels.len());
    for (j, e) in levels.iter().enumerate() {
        let (est, se) = (fit.coef[j], fit.se(j));
        let (ci95, _) = t_inference(est, se, df)?;
        coefs.push(EventCoef {
            rel_time: *e,
            estimate: est,
            se,
            ci95,
        });
    }
    let leads: Vec<usize> = (0..levels.len()).filter(|&j| levels[j] <= -2).collect();
    let pretrend = if leads.is_empty() {
        None
    } else {
        let b: Vec<f64> = leads.iter().map(|&j| fit.coef[j]).collect();
        let q = leads.len();
        let mut v = Matrix::zeros(q, q);
        for (a, &i) in leads.iter().enumerate() {
            for (c, &j) in leads.iter().enumerate() {
                v[(a, c)] = fit.vcov[(i, j)];
            }
        }
        let sol = linalg::solve_spd(&v, &b)?;
        let w: f64 = b.iter().zip(&sol).map(|(x, y)| x * y).sum();
        let f = w / q as f64;
        let bad = || EstimateError::Numerical(format!("Wald p-value undefined (W = {w})"));
        // fixest wald(): df2 = nobs − nparams, every fixed effect counted.
        let nparams = levels.len() + panel.n_units() + panel.n_periods() - 1;
        let df2 = fit.n_obs.saturating_sub(nparams).max(1);
        Some(WaldTest {
            statistic: f,
            df: q,
            df2,
            p_value: describe::f_sf(f, q as f64, df2 as f64).ok_or_else(bad)?,
            chi2: w,
            p_value_chi2: describe::chi2_sf(w, q as f64).ok_or_else(bad)?,
            distribution: "F".into(),
        })
    };
    Ok(EventStudy {
        coefs,
        dropped,
        pretrend,
        n_obs: fit.n_obs,
        n_clusters: fit.n_clusters,
    })
}
