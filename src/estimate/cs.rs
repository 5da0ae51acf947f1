//! Callaway & Sant'Anna (2021) group-time average treatment effects ATT(g,t) for staggered
//! adoption, with the conventions of R `did` (and its Python port csdid): never-treated or
//! not-yet-treated controls, "varying" (default) or "universal" base period, unconditional or
//! doubly robust (Sant'Anna & Zhao 2020) with time-invariant covariates, analytic
//! influence-function standard errors, a seeded Rademacher multiplier bootstrap for uniform
//! bands, and the simple / group / dynamic / calendar aggregations.
//!
//! Per cell (g, t), on the units of cohort g and the control units, with `ΔY = Y_t − Y_base`:
//! * base period: varying → `g − 1` (last period before g) for post cells, `t − 1` for pre
//!   cells; universal → `g − 1` for all cells (the base cell itself is reported as 0, no SE);
//! * doubly robust (`DRDID::drdid_panel`): logit propensity score `p(X)` (controls with
//!   `p ≥ 0.995` trimmed, `p` capped at `1 − 1e-6`), linear outcome regression of `ΔY` on `X`
//!   among controls, `ATT = E_w1[ΔY − m(X)] − E_w0[ΔY − m(X)]` with `w1 = D`,
//!   `w0 = p(1 − D)/(1 − p)`; without covariates `X` is the intercept and ATT is the 2×2
//!   difference of mean changes;
//! * its influence function includes the estimation effects of the score and the regression;
//!   the cell IF is scaled by `n / n_cell` and is zero for units outside the cell.
//!
//! Standard error of any (aggregated) parameter: `sqrt(mean(IF²) / n)`, units as clusters,
//! normal critical values. Aggregations weight cells by cohort size `P(G = g)`; their IF adds
//! the estimation effect of those weights (`wif` in R `did`). The dynamic overall effect is the
//! plain mean of θ(e) over e ≥ 0, the calendar overall effect the plain mean over periods.
//!
//! Unbalanced panels are balanced first by dropping units not observed in every period
//! (R `did` default `allow_unbalanced_panel = FALSE`), with a warning. Units treated in the
//! first period have no pre-period and are dropped, with a warning.

use super::panel::Panel;
use super::EstimateError;
use crate::stats::describe;
use crate::stats::design::{self, Term};
use crate::stats::linalg::{self, Matrix};
use crate::stats::logit::{self, LogitOptions};
use crate::stats::memory;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Control units: never treated, or not yet treated by the later of t and the base period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Control {
    #[default]
    Never,
    NotYet,
}

/// Base period for the long differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BasePeriod {
    #[default]
    Varying,
    Universal,
}

/// 2×2 estimator within each cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Doubly robust (Sant'Anna & Zhao 2020), R `did` default.
    #[default]
    Dr,
    /// Standardised inverse probability weighting (Abadie 2005 / `std_ipw_did_panel`).
    Ipw,
}

/// Multiplier bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootstrapOptions {
    /// Bootstrap draws.
    pub iterations: usize,
    /// Seed of the Rademacher weights (ChaCha8).
    pub seed: u64,
}

/// Callaway–Sant'Anna options.
#[derive(Debug, Clone, Default)]
pub struct CsOptions {
    pub control: Control,
    pub base: BasePeriod,
    pub method: Method,
    /// Use the panel's covariates (time-invariant) in the score and outcome models.
    pub use_covariates: bool,
    /// Multiplier bootstrap for uniform 95% bands (`None`: no bands).
    pub bootstrap: Option<BootstrapOptions>,
}

/// Propensity scores of controls at or above this are trimmed (R `DRDID`).
pub const TRIM: f64 = 0.995;
/// A cell whose largest fitted score reaches this violates overlap (R `did`).
pub const OVERLAP_MAX: f64 = 0.999;

/// One ATT(g,t).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupTime {
    /// Cohort (first treated period).
    pub group: i64,
    /// Period.
    pub time: i64,
    /// ATT(g,t).
    pub att: f64,
    /// Analytic SE; `null` for the universal base-period cell (fixed at 0).
    pub se: Option<f64>,
    /// Whether `time ≥ group`.
    pub post: bool,
    /// Base period of the long difference.
    pub base: i64,
    /// Control units in the cell.
    pub n_control: usize,
    /// Treated units in the cell.
    pub n_treated: usize,
    /// Uniform 95% band from the multiplier bootstrap (bootstrap SE × uniform critical value).
    pub band95: Option<[f64; 2]>,
}

/// An aggregated effect.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Aggregate {
    /// Aggregated ATT.
    pub att: f64,
    /// Analytic SE including the weight-estimation term.
    pub se: f64,
    /// Pointwise normal 95% interval.
    pub ci95: [f64; 2],
}

/// Group aggregation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupAggregate {
    /// Cohort-size weighted mean of θ(g).
    pub att: f64,
    /// Analytic SE including the weight-estimation term.
    pub se: f64,
    /// Pointwise normal 95% interval.
    pub ci95: [f64; 2],
    /// θ(g): mean of the post-treatment ATT(g,t) of each cohort.
    pub by_group: Vec<ByGroup>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ByGroup {
    /// Cohort.
    pub group: i64,
    /// θ(g).
    pub att: f64,
    /// Analytic SE.
    pub se: f64,
}

/// Dynamic (event-time) aggregation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DynamicAggregate {
    /// Plain mean of θ(e) over e ≥ 0.
    pub att: f64,
    /// Analytic SE (IF of the θ(e), weight terms included).
    pub se: f64,
    /// Pointwise normal 95% interval.
    pub ci95: [f64; 2],
    /// θ(e) for every event time, pre-periods included.
    pub by_event_time: Vec<ByEventTime>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ByEventTime {
    /// `t − g`.
    pub event_time: i64,
    /// Cohort-size weighted mean of ATT(g, g + e).
    pub att: f64,
    /// Analytic SE (`null` when the IF is identically zero, e.g. the universal base period).
    pub se: Option<f64>,
    /// Uniform 95% band over event times from the multiplier bootstrap.
    pub band95: Option<[f64; 2]>,
}

/// Calendar-time aggregation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CalendarAggregate {
    /// Plain mean of θ(t) over periods with a treated cohort.
    pub att: f64,
    /// Analytic SE.
    pub se: f64,
    /// Pointwise normal 95% interval.
    pub ci95: [f64; 2],
    /// θ(t) by period.
    pub by_time: Vec<ByTime>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ByTime {
    /// Period.
    pub time: i64,
    /// Cohort-size weighted mean of the post-treatment ATT(g, t) at this period.
    pub att: f64,
    /// Analytic SE including the weight-estimation term.
    pub se: f64,
}

/// Multiplier bootstrap summary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BootstrapSummary {
    /// Bootstrap draws.
    pub iterations: usize,
    /// ChaCha8 seed (the cell and event-time bands share the draws).
    pub seed: u64,
    /// Uniform 95% critical value over the ATT(g,t) cells.
    pub crit_group_time: Option<f64>,
    /// Uniform 95% critical value over the event times.
    pub crit_dynamic: Option<f64>,
}

/// Callaway–Sant'Anna output.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CsResult {
    /// ATT(g,t) sorted by group then time.
    pub group_time: Vec<GroupTime>,
    /// Cohort-size weighted mean of post-treatment ATT(g,t).
    pub simple: Aggregate,
    /// Cohort aggregation.
    pub group: GroupAggregate,
    /// Event-time aggregation.
    pub dynamic: DynamicAggregate,
    /// Calendar-time aggregation.
    pub calendar: CalendarAggregate,
    /// Units used (after balancing and dropping always-treated units).
    pub n_units: usize,
    /// Multiplier bootstrap settings and uniform critical values (`null` when not run).
    pub bootstrap: Option<BootstrapSummary>,
    /// Units dropped, recodings.
    pub warnings: Vec<String>,
    /// Panel indices of the units used: the analysis sample that the estimand is defined on.
    #[serde(skip)]
    pub units: Vec<usize>,
}

/// Fitted cells with their influence functions (kept for aggregation and bootstrap).
struct Cells {
    out: Vec<GroupTime>,
    /// IF of each cell on the `n` units (dense).
    inf: Vec<Vec<f64>>,
}

/// Estimates ATT(g,t) and the four aggregations.
pub fn callaway_santanna(panel: &Panel, opts: &CsOptions) -> Result<CsResult, EstimateError> {
    let nt = panel.n_periods();
    if nt < 2 {
        return Err(EstimateError::Input(format!(
            "Callaway–Sant'Anna needs at least 2 periods, got {nt}"
        )));
    }
    let (keep, mut warnings) = balanced_units(panel);
    let n = keep.len();
    let cohort: Vec<Option<i64>> = keep.iter().map(|&u| panel.cohort[u]).collect();
    let glist: Vec<i64> = cohort
        .iter()
        .flatten()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let y = dense_outcomes(panel, &keep, glist.len())?;
    let n_never = cohort.iter().filter(|c| c.is_none()).count();
    check_sample(&glist, n_never, n, opts)?;
    let mut window = Window {
        y,
        nt,
        tlist: panel.periods.clone(),
        glist,
    };
    if n_never == 0 {
        warnings.push(window.drop_latest_cohort(n, panel.periods[0])?);
    }
    let x = unit_design(panel, &keep, opts)?;
    let levels = (opts.use_covariates && !panel.references.is_empty())
        .then_some((panel.covariate_terms.as_slice(), &panel.references));
    let sample = Sample {
        y: &window.y,
        nt: window.nt,
        tlist: &window.tlist,
        cohort: &cohort,
        x: &x,
        levels,
    };
    let cells = estimate_cells(&sample, &window.glist, opts)?;
    let mut res = aggregate(
        cells,
        &cohort,
        &window.glist,
        &window.tlist,
        n,
        opts,
        warnings,
    )?;
    res.units = keep;
    Ok(res)
}

/// Panel units observed in every period and not treated in the first one, with the warnings
/// about those left out (R `did` balances the panel first).
fn balanced_units(panel: &Panel) -> (Vec<usize>, Vec<String>) {
    let nt = panel.n_periods();
    let mut count = vec![0usize; panel.n_units()];
    for &u in &panel.unit {
        count[u] += 1;
    }
    let first = panel.periods[0];
    let mut keep: Vec<usize> = Vec::new();
    let (mut unbalanced, mut always) = (0, 0);
    for (u, &cnt) in count.iter().enumerate() {
        if cnt != nt {
            unbalanced += 1;
        } else if panel.cohort[u].is_some_and(|g| g <= first) {
            always += 1;
        } else {
            keep.push(u);
        }
    }
    let mut warnings = Vec::new();
    if unbalanced > 0 {
        warnings.push(format!(
            "unbalanced panel: {unbalanced} unit(s) not observed in all {nt} periods are left out of Callaway–Sant'Anna (R did allow_unbalanced_panel = FALSE): its estimand is the ATT of the units observed in every period"
        ));
    }
    if always > 0 {
        warnings.push(format!(
            "{always} unit(s) treated in the first period ({first}) have no pre-period and are dropped"
        ));
    }
    (keep, warnings)
}

/// Dense outcomes (units × periods) of the kept units, after checking that they and one
/// influence function per cell and event time fit in memory.
fn dense_outcomes(
    panel: &Panel,
    keep: &[usize],
    n_cohorts: usize,
) -> Result<Vec<f64>, EstimateError> {
    let (n, nt) = (keep.len(), panel.n_periods());
    let cells = (n_cohorts + 2) as f64 * nt as f64;
    memory::check(
        || {
            format!(
                "Callaway–Sant'Anna on {} units × {} periods ({} cohorts)",
                memory::thousands(n as f64),
                memory::thousands(nt as f64),
                n_cohorts
            )
        },
        8.0 * n as f64 * (nt as f64 + cells),
        "use fewer distinct periods or cohorts (e.g. quarters instead of days), or a sample of units",
    )?;
    let mut pos = vec![usize::MAX; panel.n_units()];
    for (i, &u) in keep.iter().enumerate() {
        pos[u] = i;
    }
    let mut y = vec![0.0; n * nt];
    for r in 0..panel.n_rows() {
        let i = pos[panel.unit[r]];
        if i != usize::MAX {
            y[i * nt + panel.period[r]] = panel.y[r];
        }
    }
    Ok(y)
}

/// Rejects samples with no treated cohort, no requested never-treated control, or too few
/// units (clusters).
fn check_sample(
    glist: &[i64],
    n_never: usize,
    n: usize,
    opts: &CsOptions,
) -> Result<(), EstimateError> {
    if glist.is_empty() {
        return Err(EstimateError::Input(
            "no treated cohort with a pre-treatment period: nothing to estimate".into(),
        ));
    }
    if opts.control == Control::Never && n_never == 0 {
        return Err(EstimateError::Input(
            "no never-treated units, but never-treated controls were requested (use --control notyet)"
                .into(),
        ));
    }
    if n < 2 {
        return Err(EstimateError::Input(format!(
            "{n} usable unit(s): at least 2 units (clusters) are needed"
        )));
    }
    Ok(())
}

/// Periods and cohorts under study, with the dense outcomes over those periods.
struct Window {
    /// Outcomes, units × `nt`.
    y: Vec<f64>,
    nt: usize,
    tlist: Vec<i64>,
    glist: Vec<i64>,
}

impl Window {
    /// Not-yet-treated controls without a never-treated group (R `did`): the last cohort
    /// only serves as a control, and periods from its treatment on are dropped. Returns the
    /// warning saying so.
    fn drop_latest_cohort(&mut self, n: usize, first: i64) -> Result<String, EstimateError> {
        let latest = *self.glist.last().unwrap_or(&first);
        let keep_t = self.tlist.iter().filter(|t| **t < latest).count();
        self.glist.retain(|g| *g < latest);
        if keep_t < 2 || self.glist.is_empty() {
            return Err(EstimateError::Input(format!(
                "no never-treated units and no comparison left: every unit is treated by period {latest}"
            )));
        }
        let nt = self.nt;
        let mut y2 = Vec::with_capacity(n * keep_t);
        for i in 0..n {
            y2.extend_from_slice(&self.y[i * nt..i * nt + keep_t]);
        }
        self.y = y2;
        self.tlist.truncate(keep_t);
        self.nt = keep_t;
        Ok(format!(
            "no never-treated units: cohort {latest} serves only as a not-yet-treated control and periods from {latest} on are dropped (R did)"
        ))
    }
}

/// Unit-level design of the kept units: intercept plus the covariates when used, checked
/// for full rank.
fn unit_design(panel: &Panel, keep: &[usize], opts: &CsOptions) -> Result<Matrix, EstimateError> {
    let n = keep.len();
    if !opts.use_covariates || panel.covariate_names.is_empty() {
        return Ok(Matrix::from_vec(n, 1, vec![1.0; n])?);
    }
    let uc = panel.unit_covariates()?;
    let mut m = Matrix::zeros(n, 1 + panel.covariate_names.len());
    for (i, &u) in keep.iter().enumerate() {
        m[(i, 0)] = 1.0;
        for (j, v) in uc[u].iter().enumerate() {
            m[(i, j + 1)] = *v;
        }
    }
    let mut names = vec!["(Intercept)".to_string()];
    names.extend(panel.covariate_names.iter().cloned());
    linalg::check_full_rank(&m.crossprod(None), &names).map_err(|e| match e {
        linalg::LinalgError::Collinear { columns } => EstimateError::Collinear(format!(
            "covariate(s) {} (constant or linear combinations of the others)",
            columns.join(", ")
        )),
        other => other.into(),
    })?;
    Ok(m)
}

fn last_pre_index(g: i64, tlist: &[i64]) -> Option<usize> {
    tlist.iter().rposition(|t| *t < g)
}

/// Levels of the categorical covariates with their reference levels, checked per cell.
type Levels<'a> = Option<(&'a [Term], &'a BTreeMap<String, String>)>;

/// The analysis sample the cells are estimated on.
struct Sample<'a> {
    /// Outcomes, units × `nt`.
    y: &'a [f64],
    nt: usize,
    tlist: &'a [i64],
    cohort: &'a [Option<i64>],
    /// Unit-level design (intercept first).
    x: &'a Matrix,
    levels: Levels<'a>,
}

/// One (g, t) cell: cohort, period index and base period index.
#[derive(Clone, Copy)]
struct CellIndex {
    g: i64,
    ti: usize,
    base: usize,
}

fn estimate_cells(s: &Sample, glist: &[i64], opts: &CsOptions) -> Result<Cells, EstimateError> {
    let (n, tlist) = (s.cohort.len(), s.tlist);
    let (t_len, tfac) = match opts.base {
        BasePeriod::Varying => (s.nt - 1, 1),
        BasePeriod::Universal => (s.nt, 0),
    };
    let mut out = Vec::new();
    let mut inf = Vec::new();
    for &g in glist {
        let Some(pre_g) = last_pre_index(g, tlist) else {
            continue;
        };
        for t_i in 0..t_len {
            let ti = t_i + tfac;
            let tn = tlist[ti];
            let mut base = t_i;
            if opts.base == BasePeriod::Universal || g <= tn {
                base = pre_g;
            }
            let post = g <= tn;
            let n_treated = s.cohort.iter().filter(|c| **c == Some(g)).count();
            if opts.base == BasePeriod::Universal && base == ti {
                out.push(GroupTime {
                    group: g,
                    time: tn,
                    att: 0.0,
                    se: None,
                    post,
                    base: tlist[base],
                    n_control: 0,
                    n_treated,
                    band95: None,
                });
                inf.push(vec![0.0; n]);
                continue;
            }
            let (mut row, full) = estimate_cell(s, CellIndex { g, ti, base }, opts)?;
            row.n_treated = n_treated;
            out.push(row);
            inf.push(full);
        }
    }
    Ok(Cells { out, inf })
}

/// Units of a cell: cohort `g` and its controls, never treated or (not-yet-treated
/// controls) untreated at `horizon`, the later of t and the base period.
fn cell_members(cohort: &[Option<i64>], control: Control, g: i64, horizon: i64) -> Vec<usize> {
    let is_control = |c: &Option<i64>| match (control, c) {
        (_, None) => true,
        (Control::Never, Some(_)) => false,
        (Control::NotYet, Some(h)) => *h > horizon && *h != g,
    };
    (0..cohort.len())
        .filter(|&i| cohort[i] == Some(g) || is_control(&cohort[i]))
        .collect()
}

/// The rows `rows` of `x`.
fn select_rows(x: &Matrix, rows: &[usize]) -> Matrix {
    let mut z = Matrix::zeros(rows.len(), x.cols());
    for (r, &i) in rows.iter().enumerate() {
        for c in 0..x.cols() {
            z[(r, c)] = x[(i, c)];
        }
    }
    z
}

/// ATT(g,t) of one cell and its influence function on all units (zero outside the cell,
/// scaled by `n / n_cell`); `n_treated` is left for the caller to fill.
fn estimate_cell(
    s: &Sample,
    cell: CellIndex,
    opts: &CsOptions,
) -> Result<(GroupTime, Vec<f64>), EstimateError> {
    let CellIndex { g, ti, base } = cell;
    let (n, nt, cohort) = (s.cohort.len(), s.nt, s.cohort);
    let tn = s.tlist[ti];
    let members = cell_members(cohort, opts.control, g, s.tlist[ti.max(base)]);
    let d: Vec<f64> = members
        .iter()
        .map(|&i| f64::from(u8::from(cohort[i] == Some(g))))
        .collect();
    let n_control = d.iter().filter(|v| **v == 0.0).count();
    if n_control == 0 {
        return Err(EstimateError::Input(format!(
            "no control units for group {g} at time {tn} (control = {:?})",
            opts.control
        )));
    }
    if let Some((terms, refs)) = s.levels {
        check_cell_levels(s.x, &members, &d, terms, refs, g, tn)?;
    }
    let dy: Vec<f64> = members
        .iter()
        .map(|&i| s.y[i * nt + ti] - s.y[i * nt + base])
        .collect();
    let z = select_rows(s.x, &members);
    let fit = match opts.method {
        Method::Dr => drdid_panel(&dy, &d, &z),
        Method::Ipw => ipw_did_panel(&dy, &d, &z),
    }
    .map_err(|e| match e {
        EstimateError::Numerical(m) | EstimateError::Input(m) => {
            EstimateError::Numerical(format!("group {g}, time {tn}: {m}"))
        }
        other => other,
    })?;
    let scale = n as f64 / members.len() as f64;
    let mut full = vec![0.0; n];
    for (r, &i) in members.iter().enumerate() {
        full[i] = scale * fit.1[r];
    }
    let row = GroupTime {
        group: g,
        time: tn,
        att: fit.0,
        se: positive(se_of(&full)),
        post: g <= tn,
        base: s.tlist[base],
        n_control,
        n_treated: 0,
        band95: None,
    };
    Ok((row, full))
}

/// Errors when a categorical level occurs only among the treated or only among the controls
/// of a cell (the propensity model would separate it), naming the column and the level.
fn check_cell_levels(
    x: &Matrix,
    members: &[usize],
    d: &[f64],
    terms: &[Term],
    refs: &BTreeMap<String, String>,
    g: i64,
    t: i64,
) -> Result<(), EstimateError> {
    let cols: Vec<Vec<f64>> = (1..x.cols())
        .map(|c| members.iter().map(|&i| x[(i, c)]).collect())
        .collect();
    let views: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let treated: Vec<bool> = d.iter().map(|v| *v == 1.0).collect();
    design::check_levels_in_both_groups(
        terms,
        &views,
        refs,
        &treated,
        ("treated", "control"),
        &format!(" of the cell of cohort {g} at time {t}"),
    )?;
    Ok(())
}

/// `sqrt(mean(IF²)/n)`.
fn se_of(inf: &[f64]) -> f64 {
    let n = inf.len() as f64;
    (inf.iter().map(|v| v * v).sum::<f64>() / n / n).sqrt()
}

fn positive(se: f64) -> Option<f64> {
    (se.is_finite() && se > 0.0).then_some(se)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Fitted, capped and trimmed propensity scores; errors on overlap violation.
fn pscore(d: &[f64], z: &Matrix) -> Result<(Vec<f64>, Vec<f64>, Matrix), EstimateError> {
    let n = d.len();
    let p_raw: Vec<f64> = if z.cols() == 1 {
        vec![mean(d); n]
    } else {
        let cov = Matrix::from_vec(
            n,
            z.cols() - 1,
            (0..n).flat_map(|r| z.row(r)[1..].to_vec()).collect(),
        )?;
        logit::fit(&cov, d, None, &LogitOptions::default())
            .map_err(|e| match e {
                logit::LogitError::Separation { .. } => EstimateError::Numerical(format!(
                    "overlap violated: the covariates separate treated and control units ({e})"
                )),
                other => other.into(),
            })?
            .fitted
    };
    let pmax = p_raw.iter().fold(0.0f64, |m, p| m.max(*p));
    if pmax >= OVERLAP_MAX {
        return Err(EstimateError::Numerical(format!(
            "overlap violated: largest propensity score {pmax:.6} ≥ {OVERLAP_MAX}"
        )));
    }
    let ps: Vec<f64> = p_raw.iter().map(|p| p.min(1.0 - 1e-6)).collect();
    let trim: Vec<f64> = ps
        .iter()
        .zip(d)
        .map(|(p, d)| f64::from(u8::from(*d == 1.0 || *p < TRIM)))
        .collect();
    // Hessian of the logit at the capped scores, times n (asymptotic linear representation).
    let w: Vec<f64> = ps.iter().map(|p| p * (1.0 - p)).collect();
    let mut h = linalg::inv_spd(&z.crossprod(Some(&w)))?;
    for v in 0..z.cols() * z.cols() {
        h[(v / z.cols(), v % z.cols())] *= n as f64;
    }
    Ok((ps, trim, h))
}

/// `Σ_r a_r z_r / n` (mean of a weighted design row).
fn mean_rows(z: &Matrix, a: &[f64]) -> Vec<f64> {
    let n = z.rows() as f64;
    z.t_vec(a, None).into_iter().map(|v| v / n).collect()
}

/// `[(z_r' M) · m for each row r]` where `lin_r = s_r z_r' H`: returns `s_r · (z_r' H m)`.
fn lin_rep_dot(z: &Matrix, s: &[f64], h: &Matrix, m: &[f64]) -> Result<Vec<f64>, EstimateError> {
    let hm = h.matvec(m)?;
    Ok((0..z.rows())
        .map(|r| s[r] * z.row(r).iter().zip(&hm).map(|(a, b)| a * b).sum::<f64>())
        .collect())
}

/// Doubly robust DiD for panel data (`DRDID::drdid_panel`), returning ATT and its IF.
fn drdid_panel(dy: &[f64], d: &[f64], z: &Matrix) -> Result<(f64, Vec<f64>), EstimateError> {
    let n = d.len();
    let (ps, trim, h_ps) = pscore(d, z)?;
    // Outcome regression among controls.
    let wc: Vec<f64> = d.iter().map(|d| 1.0 - d).collect();
    let xtx = z.crossprod(Some(&wc));
    let beta = linalg::solve_spd(&xtx, &z.t_vec(dy, Some(&wc))).map_err(|_| {
        EstimateError::Collinear("covariates among the control units of a cell".into())
    })?;
    let out = z.matvec(&beta)?;
    let w_treat: Vec<f64> = (0..n).map(|i| trim[i] * d[i]).collect();
    let w_cont: Vec<f64> = (0..n)
        .map(|i| trim[i] * ps[i] * (1.0 - d[i]) / (1.0 - ps[i]))
        .collect();
    let resid: Vec<f64> = (0..n).map(|i| dy[i] - out[i]).collect();
    let att_treat: Vec<f64> = (0..n).map(|i| w_treat[i] * resid[i]).collect();
    let att_cont: Vec<f64> = (0..n).map(|i| w_cont[i] * resid[i]).collect();
    let (mwt, mwc) = (mean(&w_treat), mean(&w_cont));
    if mwt <= 0.0 || mwc <= 0.0 {
        return Err(EstimateError::Numerical(
            "no treated or no (untrimmed) control unit".into(),
        ));
    }
    let eta_treat = mean(&att_treat) / mwt;
    let eta_cont = mean(&att_cont) / mwc;
    // Asymptotic linear representations: OLS `(1−D) e z' (X'WX/n)⁻¹`, logit `(D − p) z' H`.
    let mut xpx_inv = linalg::inv_spd(&xtx)?;
    for v in 0..z.cols() * z.cols() {
        xpx_inv[(v / z.cols(), v % z.cols())] *= n as f64;
    }
    let s_ols: Vec<f64> = (0..n).map(|i| wc[i] * resid[i]).collect();
    let s_ps: Vec<f64> = (0..n).map(|i| d[i] - ps[i]).collect();
    let m1 = mean_rows(z, &w_treat);
    let inf_treat_2 = lin_rep_dot(z, &s_ols, &xpx_inv, &m1)?;
    let m2_w: Vec<f64> = (0..n).map(|i| w_cont[i] * (resid[i] - eta_cont)).collect();
    let m2 = mean_rows(z, &m2_w);
    let inf_cont_2 = lin_rep_dot(z, &s_ps, &h_ps, &m2)?;
    let m3 = mean_rows(z, &w_cont);
    let inf_cont_3 = lin_rep_dot(z, &s_ols, &xpx_inv, &m3)?;
    let inf: Vec<f64> = (0..n)
        .map(|i| {
            let it = (att_treat[i] - w_treat[i] * eta_treat - inf_treat_2[i]) / mwt;
            let ic = (att_cont[i] - w_cont[i] * eta_cont + inf_cont_2[i] - inf_cont_3[i]) / mwc;
            it - ic
        })
        .collect();
    Ok((eta_treat - eta_cont, inf))
}

/// Standardised IPW DiD for panel data (`DRDID::std_ipw_did_panel`).
fn ipw_did_panel(dy: &[f64], d: &[f64], z: &Matrix) -> Result<(f64, Vec<f64>), EstimateError> {
    let n = d.len();
    let (ps, trim, h_ps) = pscore(d, z)?;
    let w_treat: Vec<f64> = (0..n).map(|i| trim[i] * d[i]).collect();
    let w_cont: Vec<f64> = (0..n)
        .map(|i| trim[i] * ps[i] * (1.0 - d[i]) / (1.0 - ps[i]))
        .collect();
    let att_treat: Vec<f64> = (0..n).map(|i| w_treat[i] * dy[i]).collect();
    let att_cont: Vec<f64> = (0..n).map(|i| w_cont[i] * dy[i]).collect();
    let (mwt, mwc) = (mean(&w_treat), mean(&w_cont));
    if mwt <= 0.0 || mwc <= 0.0 {
        return Err(EstimateError::Numerical(
            "no treated or no (untrimmed) control unit".into(),
        ));
    }
    let eta_treat = mean(&att_treat) / mwt;
    let eta_cont = mean(&att_cont) / mwc;
    let s_ps: Vec<f64> = (0..n).map(|i| d[i] - ps[i]).collect();
    let m2_w: Vec<f64> = (0..n).map(|i| w_cont[i] * (dy[i] - eta_cont)).collect();
    let m2 = mean_rows(z, &m2_w);
    let inf_cont_2 = lin_rep_dot(z, &s_ps, &h_ps, &m2)?;
    let inf: Vec<f64> = (0..n)
        .map(|i| {
            let it = (att_treat[i] - w_treat[i] * eta_treat) / mwt;
            let ic = (att_cont[i] - w_cont[i] * eta_cont + inf_cont_2[i]) / mwc;
            it - ic
        })
        .collect();
    Ok((eta_treat - eta_cont, inf))
}

/// Influence function of the estimated cohort-size weights (R `did` `wif`), applied to `att`:
/// returns `Σ_k wif[·, k] · att_k` for the cells `keep` with cohort shares `pg`.
fn wif_dot(keep_groups: &[i64], pg: &[f64], att: &[f64], cohort: &[Option<i64>]) -> Vec<f64> {
    let s: f64 = pg.iter().sum();
    let s2 = s * s;
    let pa: f64 = pg.iter().zip(att).map(|(p, a)| p * a).sum();
    let psum = s;
    cohort
        .iter()
        .map(|c| {
            // Σ_k (1{G=g_k} − pg_k) att_k / s  −  Σ_j (1{G=g_j} − pg_j) · Σ_k pg_k att_k / s².
            let (mut ind_att, mut ind_cnt) = (0.0, 0.0);
            for (k, g) in keep_groups.iter().enumerate() {
                if *c == Some(*g) {
                    ind_att += att[k];
                    ind_cnt += 1.0;
                }
            }
            let first = (ind_att - pa) / s;
            let row_sum = ind_cnt - psum;
            first - row_sum * pa / s2
        })
        .collect()
}

fn combine(infs: &[&Vec<f64>], w: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    for (f, wk) in infs.iter().zip(w) {
        for (o, v) in out.iter_mut().zip(f.iter()) {
            *o += wk * v;
        }
    }
    out
}

fn ci(att: f64, se: f64) -> [f64; 2] {
    let z = describe::normal_quantile(0.975).unwrap_or(1.959963984540054);
    [att - z * se, att + z * se]
}

fn finite_se(se: f64, what: &str) -> Result<f64, EstimateError> {
    if se.is_finite() {
        Ok(se)
    } else {
        Err(EstimateError::Numerical(format!(
            "{what}: non-finite standard error"
        )))
    }
}

/// Fitted cells with the cohort shares the aggregations weight them by.
struct Weighted<'a> {
    out: &'a [GroupTime],
    inf: &'a [Vec<f64>],
    cohort: &'a [Option<i64>],
    n: usize,
    /// Cohort share `P(G = g)` of each cell.
    pg: Vec<f64>,
    att: Vec<f64>,
}

impl<'a> Weighted<'a> {
    fn new(out: &'a [GroupTime], inf: &'a [Vec<f64>], cohort: &'a [Option<i64>], n: usize) -> Self {
        let pg: Vec<f64> = out.iter().map(|c| share(cohort, n, c.group)).collect();
        let att: Vec<f64> = out.iter().map(|c| c.att).collect();
        Weighted {
            out,
            inf,
            cohort,
            n,
            pg,
            att,
        }
    }

    /// Cohort-share weighted mean over the cells `idx` and its influence function, with the
    /// weight-estimation term when `with_wif`.
    fn agg(&self, idx: &[usize], with_wif: bool) -> (f64, Vec<f64>) {
        let p: Vec<f64> = idx.iter().map(|&k| self.pg[k]).collect();
        let s: f64 = p.iter().sum();
        let w: Vec<f64> = p.iter().map(|v| v / s).collect();
        let a: Vec<f64> = idx.iter().map(|&k| self.att[k]).collect();
        let est = w.iter().zip(&a).map(|(w, a)| w * a).sum();
        let refs: Vec<&Vec<f64>> = idx.iter().map(|&k| &self.inf[k]).collect();
        let mut f = combine(&refs, &w, self.n);
        if with_wif {
            let groups: Vec<i64> = idx.iter().map(|&k| self.out[k].group).collect();
            for (o, v) in f.iter_mut().zip(wif_dot(&groups, &p, &a, self.cohort)) {
                *o += v;
            }
        }
        (est, f)
    }
}

/// Cohort share `P(G = g)` over all units (never-treated included).
fn share(cohort: &[Option<i64>], n: usize, g: i64) -> f64 {
    cohort.iter().filter(|c| **c == Some(g)).count() as f64 / n as f64
}

/// Event-time effects θ(e) with their influence functions.
struct EventTimes {
    eseq: Vec<i64>,
    att: Vec<f64>,
    inf: Vec<Vec<f64>>,
}

fn aggregate(
    cells: Cells,
    cohort: &[Option<i64>],
    glist: &[i64],
    tlist: &[i64],
    n: usize,
    opts: &CsOptions,
    warnings: Vec<String>,
) -> Result<CsResult, EstimateError> {
    let Cells { mut out, inf } = cells;
    let wt = Weighted::new(&out, &inf, cohort, n);
    let post: Vec<usize> = (0..out.len()).filter(|&k| out[k].post).collect();
    if post.is_empty() {
        return Err(EstimateError::Input("no post-treatment cell".into()));
    }
    let (simple_att, simple_if) = wt.agg(&post, true);
    let simple_se = finite_se(se_of(&simple_if), "simple aggregation")?;
    let group = group_aggregate(&wt, &post, glist)?;
    let events = event_times(&wt);
    let (dyn_att, dyn_se) = dynamic_overall(&events, n)?;
    let calendar = calendar_aggregate(&wt, &post, glist[0], tlist)?;
    let mut by_event_time: Vec<ByEventTime> = events
        .eseq
        .iter()
        .zip(&events.att)
        .zip(&events.inf)
        .map(|((e, a), f)| ByEventTime {
            event_time: *e,
            att: *a,
            se: positive(se_of(f)),
            band95: None,
        })
        .collect();
    let bootstrap = match opts.bootstrap {
        None => None,
        Some(b) => Some(bootstrap_bands(
            b,
            &mut out,
            &inf,
            &mut by_event_time,
            &events.inf,
        )?),
    };
    Ok(CsResult {
        group_time: out,
        simple: Aggregate {
            att: simple_att,
            se: simple_se,
            ci95: ci(simple_att, simple_se),
        },
        group,
        dynamic: DynamicAggregate {
            att: dyn_att,
            se: dyn_se,
            ci95: ci(dyn_att, dyn_se),
            by_event_time,
        },
        calendar,
        n_units: n,
        bootstrap,
        warnings,
        units: Vec::new(),
    })
}

/// θ(g) for each cohort and their cohort-share weighted mean (weight term included).
fn group_aggregate(
    wt: &Weighted,
    post: &[usize],
    glist: &[i64],
) -> Result<GroupAggregate, EstimateError> {
    let mut by_group = Vec::new();
    let mut g_if = Vec::new();
    let mut g_att = Vec::new();
    let mut g_used = Vec::new();
    for &g in glist {
        let idx: Vec<usize> = post
            .iter()
            .copied()
            .filter(|&k| wt.out[k].group == g)
            .collect();
        if idx.is_empty() {
            continue;
        }
        let (a, f) = wt.agg(&idx, false);
        by_group.push(ByGroup {
            group: g,
            att: a,
            se: se_of(&f),
        });
        g_att.push(a);
        g_if.push(f);
        g_used.push(g);
    }
    let gp: Vec<f64> = g_used.iter().map(|g| share(wt.cohort, wt.n, *g)).collect();
    let gs: f64 = gp.iter().sum();
    let gw: Vec<f64> = gp.iter().map(|p| p / gs).collect();
    let att: f64 = gw.iter().zip(&g_att).map(|(w, a)| w * a).sum();
    let refs: Vec<&Vec<f64>> = g_if.iter().collect();
    let mut group_if = combine(&refs, &gw, wt.n);
    for (o, v) in group_if
        .iter_mut()
        .zip(wif_dot(&g_used, &gp, &g_att, wt.cohort))
    {
        *o += v;
    }
    let se = finite_se(se_of(&group_if), "group aggregation")?;
    Ok(GroupAggregate {
        att,
        se,
        ci95: ci(att, se),
        by_group,
    })
}

/// θ(e) for every event time `t − g`, pre-periods included.
fn event_times(wt: &Weighted) -> EventTimes {
    let out = wt.out;
    let eseq: Vec<i64> = out
        .iter()
        .map(|c| c.time - c.group)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut att = Vec::new();
    let mut inf = Vec::new();
    for &e in &eseq {
        let idx: Vec<usize> = (0..out.len())
            .filter(|&k| out[k].time - out[k].group == e)
            .collect();
        let (a, f) = wt.agg(&idx, true);
        att.push(a);
        inf.push(f);
    }
    EventTimes { eseq, att, inf }
}

/// Plain mean of θ(e) over e ≥ 0 and its standard error.
fn dynamic_overall(ev: &EventTimes, n: usize) -> Result<(f64, f64), EstimateError> {
    let epos: Vec<usize> = (0..ev.eseq.len()).filter(|&j| ev.eseq[j] >= 0).collect();
    let att = epos.iter().map(|&j| ev.att[j]).sum::<f64>() / epos.len() as f64;
    let refs: Vec<&Vec<f64>> = epos.iter().map(|&j| &ev.inf[j]).collect();
    let dyn_if = combine(&refs, &vec![1.0 / epos.len() as f64; epos.len()], n);
    let se = finite_se(se_of(&dyn_if), "dynamic aggregation")?;
    Ok((att, se))
}

/// θ(t) for each period from the first cohort on, and their plain mean.
fn calendar_aggregate(
    wt: &Weighted,
    post: &[usize],
    min_g: i64,
    tlist: &[i64],
) -> Result<CalendarAggregate, EstimateError> {
    let mut by_time = Vec::new();
    let mut t_if = Vec::new();
    for &t in tlist.iter().filter(|t| **t >= min_g) {
        let idx: Vec<usize> = post
            .iter()
            .copied()
            .filter(|&k| wt.out[k].time == t)
            .collect();
        if idx.is_empty() {
            continue;
        }
        let (a, f) = wt.agg(&idx, true);
        by_time.push(ByTime {
            time: t,
            att: a,
            se: se_of(&f),
        });
        t_if.push(f);
    }
    let att = by_time.iter().map(|b| b.att).sum::<f64>() / by_time.len() as f64;
    let refs: Vec<&Vec<f64>> = t_if.iter().collect();
    let cal_if = combine(&refs, &vec![1.0 / t_if.len() as f64; t_if.len()], wt.n);
    let se = finite_se(se_of(&cal_if), "calendar aggregation")?;
    Ok(CalendarAggregate {
        att,
        se,
        ci95: ci(att, se),
        by_time,
    })
}

/// Uniform 95% bands from the multiplier bootstrap, over the cells and (on an independent
/// stream) over the event times; fills `band95` in place.
fn bootstrap_bands(
    b: BootstrapOptions,
    out: &mut [GroupTime],
    inf: &[Vec<f64>],
    by_event_time: &mut [ByEventTime],
    e_if: &[Vec<f64>],
) -> Result<BootstrapSummary, EstimateError> {
    if b.iterations < 2 {
        return Err(EstimateError::Input(format!(
            "bootstrap iterations must be at least 2, got {}",
            b.iterations
        )));
    }
    // One set of draws for the cells and the event times (each band is the bootstrap of its
    // own columns): the weights are generated and multiplied once.
    let refs: Vec<&Vec<f64>> = inf.iter().chain(e_if).collect();
    let (mc, me) = (inf.len(), e_if.len());
    let n = refs.first().map_or(0, |f| f.len());
    let draws = multiplier_draws(&refs, b.iterations, b.seed)?;
    let cb = summarise_draws(&draws, 0..mc, n, 0.05);
    for (c, (se, crit)) in out.iter_mut().zip(cb.se.iter().map(|s| (s, cb.crit))) {
        if let (Some(se), Some(crit)) = (se, crit) {
            c.band95 = Some([c.att - crit * se, c.att + crit * se]);
        }
    }
    let eb = summarise_draws(&draws, mc..mc + me, n, 0.05);
    for (row, se) in by_event_time.iter_mut().zip(&eb.se) {
        if let (Some(se), Some(crit)) = (se, eb.crit) {
            row.band95 = Some([row.att - crit * se, row.att + crit * se]);
        }
    }
    Ok(BootstrapSummary {
        iterations: b.iterations,
        seed: b.seed,
        crit_group_time: cb.crit,
        crit_dynamic: eb.crit,
    })
}

/// Result of [`multiplier_bootstrap`].
#[derive(Debug, Clone)]
pub struct MultiplierBootstrap {
    /// Bootstrap SE per column (IQR-based, as R `did`); `None` for degenerate columns.
    pub se: Vec<Option<f64>>,
    /// Uniform critical value `quantile(max_k |b_k| / σ_k, 1 − α)`; `None` if no column is usable.
    pub crit: Option<f64>,
}

/// Units per block of the blocked product (a block of weights is `iterations × BLOCK`).
const BLOCK: usize = 2048;

/// Rademacher multiplier bootstrap of influence functions (R `did::mboot`).
///
/// Draw `b`: `R_b = Σ_i v_bi IF_i / sqrt(n)` with `v_bi = ±1`; per column,
/// `σ = IQR(R) / (Φ⁻¹(0.75) − Φ⁻¹(0.25))` and `se = σ / sqrt(n)`; the uniform critical value
/// is the `1 − α` quantile of `max_k |R_bk| / σ_k` over columns with `σ > 1e-7`. Quantiles are
/// type 1 (inverse empirical CDF), as R `did` uses.
///
/// `R = V · IF` is computed as a blocked matrix product: units are cut into blocks of
/// [`BLOCK`], each block draws its weights `V_j` (`iterations × BLOCK`) from its own ChaCha8
/// stream (seed, block) and adds `V_j · IF_j` on the columns where its units' IF is nonzero;
/// blocks run in parallel and are summed in a fixed order, so the result does not depend on
/// the thread count.
pub fn multiplier_bootstrap(
    infs: &[&Vec<f64>],
    iterations: usize,
    seed: u64,
    alpha: f64,
) -> Result<MultiplierBootstrap, EstimateError> {
    let n = infs.first().map_or(0, |f| f.len());
    let draws = multiplier_draws(infs, iterations, seed)?;
    Ok(summarise_draws(&draws, 0..infs.len(), n, alpha))
}

/// `V · IF` after checking that it fits in memory.
fn multiplier_draws(
    infs: &[&Vec<f64>],
    iterations: usize,
    seed: u64,
) -> Result<ndarray::Array2<f64>, EstimateError> {
    let m = infs.len();
    let n = infs.first().map_or(0, |f| f.len());
    let threads = rayon::current_num_threads() as f64;
    memory::check(
        || {
            format!(
                "the multiplier bootstrap ({} draws × {} influence functions of {} units)",
                memory::thousands(iterations as f64),
                m,
                memory::thousands(n as f64)
            )
        },
        8.0 * iterations as f64 * (m as f64 * (2.0 + threads) + BLOCK as f64 * threads),
        "lower --bootstrap-iterations (999 is the usual choice), or 0 for no bands",
    )?;
    Ok(bootstrap_draws(infs, iterations, seed))
}

/// Bootstrap SEs and the uniform critical value over the columns `cols` of `draws`.
fn summarise_draws(
    draws: &ndarray::Array2<f64>,
    cols: std::ops::Range<usize>,
    n: usize,
    alpha: f64,
) -> MultiplierBootstrap {
    let iterations = draws.nrows();
    let sqrt_n = (n as f64).sqrt();
    let iqr_norm = describe::normal_quantile(0.75).unwrap_or(0.674_489_750_196_081_7) * 2.0;
    let sigma: Vec<Option<f64>> = cols
        .clone()
        .map(|k| {
            let col: Vec<f64> = draws.column(k).iter().map(|v| v / sqrt_n).collect();
            let q75 = describe::quantile_type1(&col, 0.75)?;
            let q25 = describe::quantile_type1(&col, 0.25)?;
            let s = (q75 - q25) / iqr_norm;
            (s > f64::EPSILON.sqrt() * 10.0).then_some(s)
        })
        .collect();
    let usable: Vec<usize> = (0..sigma.len()).filter(|&k| sigma[k].is_some()).collect();
    let crit = if usable.is_empty() {
        None
    } else {
        let tmax: Vec<f64> = (0..iterations)
            .map(|b| {
                usable
                    .iter()
                    .map(|&k| (draws[(b, cols.start + k)] / sqrt_n).abs() / sigma[k].unwrap_or(1.0))
                    .fold(0.0, f64::max)
            })
            .collect();
        describe::quantile_type1(&tmax, 1.0 - alpha)
    };
    MultiplierBootstrap {
        se: sigma.iter().map(|s| s.map(|s| s / sqrt_n)).collect(),
        crit,
    }
}

/// `V · IF` (`iterations × m`), `V` the Rademacher weights, blocked over units.
///
/// Block `j` of [`BLOCK`] units draws its weights from ChaCha8 (seed, stream `j`): per draw,
/// one `u64` per 64 units, bit `i mod 64` set meaning `+1` for unit `i`. A cell's influence
/// function is zero outside the cell's units, so units are grouped by the set of columns where
/// their IF is nonzero ([`Patterns`]) and each group multiplies only its own columns: with
/// never-treated controls a treated unit touches only its cohort's cells. Groups of blocks run
/// in parallel and are summed in a fixed order, so the result does not depend on the thread
/// count.
fn bootstrap_draws(infs: &[&Vec<f64>], iterations: usize, seed: u64) -> ndarray::Array2<f64> {
    use ndarray::Array2;
    use rayon::prelude::*;
    let m = infs.len();
    let n = infs.first().map_or(0, |f| f.len());
    let pat = Patterns::new(infs);
    let blocks: Vec<usize> = (0..n.div_ceil(BLOCK)).collect();
    // Groups of blocks: a fixed partition, each summed in order, then the groups in order.
    let groups: Vec<&[usize]> = blocks.chunks(blocks.len().div_ceil(16).max(1)).collect();
    let partial: Vec<Vec<Array2<f64>>> = groups
        .par_iter()
        .map(|grp| {
            let mut acc: Vec<Array2<f64>> = pat
                .cols
                .iter()
                .map(|c| Array2::zeros((iterations, c.len())))
                .collect();
            let mut v = Array2::<f64>::zeros((iterations, BLOCK));
            let mut words = Vec::new();
            for &j in grp.iter() {
                let (lo, hi) = (j * BLOCK, ((j + 1) * BLOCK).min(n));
                block_weights(seed, j, iterations, (hi - lo).div_ceil(64), &mut words);
                add_block(infs, &pat, (lo, hi), &words, &mut v, &mut acc);
            }
            acc
        })
        .collect();
    let mut total = Array2::<f64>::zeros((iterations, m));
    for part in &partial {
        for (a, cols) in part.iter().zip(&pat.cols) {
            for (k, &c) in cols.iter().enumerate() {
                let mut dst = total.column_mut(c);
                dst += &a.column(k);
            }
        }
    }
    total
}

/// Units grouped by the columns where their influence function is nonzero.
struct Patterns {
    /// Pattern of each unit.
    of: Vec<usize>,
    /// Nonzero columns of each pattern.
    cols: Vec<Vec<usize>>,
}

impl Patterns {
    /// At most this many patterns; beyond, every unit gets every column (a dense product).
    const MAX: usize = 64;

    fn new(infs: &[&Vec<f64>]) -> Patterns {
        let m = infs.len();
        let n = infs.first().map_or(0, |f| f.len());
        let words = m.div_ceil(64).max(1);
        let mut key = vec![0u64; n * words];
        for (c, col) in infs.iter().enumerate() {
            for (i, x) in col.iter().enumerate() {
                if *x != 0.0 {
                    key[i * words + c / 64] |= 1 << (c % 64);
                }
            }
        }
        let mut ids: std::collections::HashMap<&[u64], usize> = Default::default();
        let mut of = Vec::with_capacity(n);
        for k in key.chunks(words) {
            let next = ids.len();
            of.push(*ids.entry(k).or_insert(next));
            if ids.len() > Self::MAX {
                return Patterns {
                    of: vec![0; n],
                    cols: vec![(0..m).collect()],
                };
            }
        }
        let mut cols = vec![Vec::new(); ids.len()];
        for (k, id) in ids {
            cols[id] = (0..m).filter(|c| k[c / 64] >> (c % 64) & 1 == 1).collect();
        }
        Patterns { of, cols }
    }
}

/// The weight bits of block `j`: `iterations × nq` words, draw-major (the stream's order).
fn block_weights(seed: u64, j: usize, iterations: usize, nq: usize, words: &mut Vec<u64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(j as u64);
    words.clear();
    words.extend((0..iterations * nq).map(|_| rng.random::<u64>()));
}

/// Adds `V_j · IF_j` of the units `lo..hi` to the pattern accumulators: the block's units
/// are sorted by pattern, their weights written in that order into `v`, and each pattern's
/// slice of `v` multiplies its units' IF on its columns.
fn add_block(
    infs: &[&Vec<f64>],
    pat: &Patterns,
    (lo, hi): (usize, usize),
    words: &[u64],
    v: &mut ndarray::Array2<f64>,
    acc: &mut [ndarray::Array2<f64>],
) {
    use ndarray::{linalg::general_mat_mul, s, Array2};
    let nq = (hi - lo).div_ceil(64);
    let mut order: Vec<usize> = (lo..hi).collect();
    order.sort_by_key(|&i| pat.of[i]);
    let sorted = order.iter().enumerate().all(|(k, &i)| i == lo + k);
    // The eight weights of each byte value (bit set: +1, else −1), copied a byte at a time.
    let signs: Vec<[f64; 8]> = (0..256u32)
        .map(|s| std::array::from_fn(|k| if s >> k & 1 == 1 { 1.0 } else { -1.0 }))
        .collect();
    let mut natural = vec![0.0; nq * 64];
    for (b, mut row) in v.rows_mut().into_iter().enumerate() {
        for (q, &word) in words[b * nq..(b + 1) * nq].iter().enumerate() {
            for byte in 0..8 {
                let at = q * 64 + byte * 8;
                natural[at..at + 8].copy_from_slice(&signs[(word >> (8 * byte)) as usize & 0xff]);
            }
        }
        let row = row.as_slice_mut().unwrap_or_default();
        if sorted {
            row[..hi - lo].copy_from_slice(&natural[..hi - lo]);
        } else {
            for (x, &i) in row.iter_mut().zip(&order) {
                *x = natural[i - lo];
            }
        }
    }
    let mut start = 0;
    while start < order.len() {
        let p = pat.of[order[start]];
        let end = start + order[start..].partition_point(|&i| pat.of[i] == p);
        let cols = &pat.cols[p];
        let f = Array2::from_shape_fn((end - start, cols.len()), |(r, k)| {
            infs[cols[k]][order[start + r]]
        });
        general_mat_mul(1.0, &v.slice(s![.., start..end]), &f, 1.0, &mut acc[p]);
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Influence functions with the structure of cells: column `k` is nonzero on the units of
    /// "cohort" `k % 3` and on the "controls" (every fourth unit).
    fn sparse_ifs(n: usize, m: usize) -> Vec<Vec<f64>> {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        (0..m)
            .map(|k| {
                (0..n)
                    .map(|i| {
                        let inside = i % 4 == 0 || (i % 4) % 3 == k % 3;
                        if inside {
                            rng.random::<f64>() - 0.5
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// The grouped product equals the dense `V · IF` with the weights of the seed's streams
    /// (block `j`: stream `j`, one `u64` per draw and 64 units, bit set = +1).
    #[test]
    fn bootstrap_draws_equal_the_dense_product() {
        let (n, m, iters, seed) = (5_003, 7, 37, 11);
        let ifs = sparse_ifs(n, m);
        let refs: Vec<&Vec<f64>> = ifs.iter().collect();
        let got = bootstrap_draws(&refs, iters, seed);
        let mut want = vec![0.0; iters * m];
        let mut words = Vec::new();
        for j in 0..n.div_ceil(BLOCK) {
            let (lo, hi) = (j * BLOCK, ((j + 1) * BLOCK).min(n));
            let nq = (hi - lo).div_ceil(64);
            block_weights(seed, j, iters, nq, &mut words);
            for b in 0..iters {
                for i in lo..hi {
                    let bit = words[b * nq + (i - lo) / 64] >> ((i - lo) % 64) & 1;
                    let v = if bit == 1 { 1.0 } else { -1.0 };
                    for k in 0..m {
                        want[b * m + k] += v * ifs[k][i];
                    }
                }
            }
        }
        for b in 0..iters {
            for k in 0..m {
                let (g, w) = (got[(b, k)], want[b * m + k]);
                assert!((g - w).abs() < 1e-10, "draw {b} column {k}: {g} vs {w}");
            }
        }
        // Units grouped by nonzero columns: the three cohorts and the controls.
        assert_eq!(Patterns::new(&refs).cols.len(), 4);
    }

    /// The bootstrap standard error (IQR-based) agrees with the analytic one
    /// `sqrt(mean(IF²) / n)`, and the uniform critical value lies between the pointwise 1.96
    /// and a Bonferroni bound.
    #[test]
    fn bootstrap_se_agrees_with_the_analytic_se() {
        let (n, m) = (20_000, 6);
        let ifs = sparse_ifs(n, m);
        let refs: Vec<&Vec<f64>> = ifs.iter().collect();
        let mb = multiplier_bootstrap(&refs, 999, 20_261_128, 0.05).unwrap();
        for (k, se) in mb.se.iter().enumerate() {
            let se = se.unwrap();
            let analytic = se_of(&ifs[k]);
            assert!((se / analytic - 1.0).abs() < 0.1, "{k}: {se} vs {analytic}");
        }
        let crit = mb.crit.unwrap();
        let bonferroni = describe::normal_quantile(1.0 - 0.025 / m as f64).unwrap();
        assert!(crit > 1.96 && crit < bonferroni + 0.1, "{crit}");
    }
}
