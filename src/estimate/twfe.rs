//! Two-way fixed-effects regression `y ~ X | unit + time` with cluster-robust (CRV1) standard
//! errors by unit, matching fixest / pyfixest `feols(..., vcov = {"CRV1": "unit"})`.
//!
//! The unit and time effects are swept out by alternating projections (method of alternating
//! projections, Guimarães & Portugal 2010; Gaure 2013), which handles unbalanced panels; the
//! slopes then come from OLS on the demeaned data (Frisch–Waugh–Lovell).
//!
//! CRV1: `V = c · (X̃'X̃)⁻¹ (Σ_g s_g s_g') (X̃'X̃)⁻¹`, `s_g = Σ_{i∈g} x̃_i û_i`, with
//! `c = G/(G−1) · (N−1)/(N−k)`. fixest's default counts the unit effects, nested in the cluster,
//! as one parameter: `k = slopes + (T − 1) + 1` ([`DofConvention::Fixest`]).
//! linearmodels (7.1, `PanelOLS(entity_effects, time_effects).fit(cov_type="clustered",
//! cluster_entity=True)`, defaults incl. `debiased=True`) counts every absorbed effect and
//! applies no cluster factor: `c = N / (N − k)`, `k = slopes + (units − 1) + (T − 1) + 1`
//! ([`DofConvention::Linearmodels`]),
//! so its standard error is several percent larger on short panels.
//! Inference uses Student t with `G − 1` degrees of freedom in both conventions.

use super::panel::Panel;
use super::EstimateError;
use crate::stats::describe;
use crate::stats::linalg::{self, Matrix};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Convergence tolerance of the alternating projections (max absolute change of any value).
pub const DEMEAN_TOL: f64 = 1e-12;
/// Iteration cap of the alternating projections.
pub const DEMEAN_MAX_ITER: usize = 100_000;

/// Degrees-of-freedom convention of the CRV1 small-sample factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DofConvention {
    /// fixest/pyfixest default: `k = slopes + (T − 1) + 1` (unit effects nested in clusters).
    #[default]
    Fixest,
    /// linearmodels PanelOLS default: `c = N/(N − k)`, `k = slopes + (units − 1) + (T − 1) + 1`.
    Linearmodels,
}

impl DofConvention {
    pub fn name(self) -> &'static str {
        match self {
            DofConvention::Fixest => {
                "CRV1 by unit, fixest small-sample correction G/(G-1)*(N-1)/(N-k), k = slopes + (T-1) + 1; t(G-1)"
            }
            DofConvention::Linearmodels => {
                "clustered by unit, linearmodels PanelOLS default correction N/(N-k), k = slopes + (units-1) + (T-1) + 1; t(G-1)"
            }
        }
    }
}

/// A fitted `y ~ X | unit + time` regression.
#[derive(Debug, Clone)]
pub struct FeFit {
    pub names: Vec<String>,
    pub coef: Vec<f64>,
    /// CRV1 covariance of the slopes.
    pub vcov: Matrix,
    pub n_obs: usize,
    pub n_clusters: usize,
    /// `k` used in the small-sample factor.
    pub k: usize,
    /// Alternating-projection iterations used (the largest over columns).
    pub demean_iterations: usize,
    /// Regressors removed as collinear (only with `drop_collinear`).
    pub dropped: Vec<String>,
}

impl FeFit {
    pub fn se(&self, j: usize) -> f64 {
        self.vcov[(j, j)].max(0.0).sqrt()
    }
}

/// Demeans `cols` (each of length `panel.n_rows()`) by unit and by period until the largest
/// change in a sweep falls below [`DEMEAN_TOL`]. Returns the number of sweeps.
pub fn demean_two_way(panel: &Panel, cols: &mut [Vec<f64>]) -> Result<usize, EstimateError> {
    let (nu, nt) = (panel.n_units(), panel.n_periods());
    let mut cnt_u = vec![0.0; nu];
    let mut cnt_t = vec![0.0; nt];
    for r in 0..panel.n_rows() {
        cnt_u[panel.unit[r]] += 1.0;
        cnt_t[panel.period[r]] += 1.0;
    }
    // Columns are independent: demean them in parallel.
    let iters: Vec<Result<usize, EstimateError>> = cols
        .par_iter_mut()
        .map(|col| demean_column(panel, col, &cnt_u, &cnt_t))
        .collect();
    iters
        .into_iter()
        .try_fold(0, |m, it| it.map(|it| m.max(it)))
}

fn demean_column(
    panel: &Panel,
    col: &mut [f64],
    cnt_u: &[f64],
    cnt_t: &[f64],
) -> Result<usize, EstimateError> {
    let mut su = vec![0.0; cnt_u.len()];
    let mut st = vec![0.0; cnt_t.len()];
    let scale = col.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let mut it = 0;
    loop {
        it += 1;
        su.iter_mut().for_each(|v| *v = 0.0);
        for (r, v) in col.iter().enumerate() {
            su[panel.unit[r]] += v;
        }
        su.iter_mut().zip(cnt_u).for_each(|(s, c)| *s /= c);
        st.iter_mut().for_each(|v| *v = 0.0);
        for (r, v) in col.iter_mut().enumerate() {
            *v -= su[panel.unit[r]];
            st[panel.period[r]] += *v;
        }
        st.iter_mut().zip(cnt_t).for_each(|(s, c)| *s /= c);
        for (r, v) in col.iter_mut().enumerate() {
            *v -= st[panel.period[r]];
        }
        let change = su
            .iter()
            .chain(st.iter())
            .fold(0.0f64, |m, v| m.max(v.abs()));
        // The first sweep removes the levels themselves; later sweeps must vanish.
        if it > 1 && change <= DEMEAN_TOL * scale {
            return Ok(it);
        }
        if it >= DEMEAN_MAX_ITER {
            return Err(EstimateError::Numerical(format!(
                "two-way demeaning did not converge in {it} sweeps (last change {change:e})"
            )));
        }
    }
}

/// Fits `y ~ X | unit + time` with CRV1 by unit. `x` holds one column per slope.
///
/// With `drop_collinear`, regressors collinear with the fixed effects or with earlier
/// regressors are removed (as fixest/pyfixest do) and listed in [`FeFit::dropped`]; otherwise
/// they are an [`EstimateError::Collinear`] naming them.
pub fn fe_regression(
    panel: &Panel,
    x: Vec<Vec<f64>>,
    names: Vec<String>,
    dof: DofConvention,
    drop_collinear: bool,
) -> Result<FeFit, EstimateError> {
    let n = panel.n_rows();
    let g = panel.n_units();
    if g < 2 {
        return Err(EstimateError::Input(format!(
            "cluster-robust standard errors need at least 2 units (clusters), got {g}"
        )));
    }
    let p = x.len();
    let mut cols = x;
    cols.push(panel.y.clone());
    let iters = demean_two_way(panel, &mut cols)?;
    let yt = cols.pop().unwrap_or_default();
    // Work column-wise: no second n × p copy of the demeaned design.
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut xtx = Matrix::zeros(p, p);
    for i in 0..p {
        for j in i..p {
            let v = dot(&cols[i], &cols[j]);
            xtx[(i, j)] = v;
            xtx[(j, i)] = v;
        }
    }
    let mut names = names;
    let mut dropped = Vec::new();
    if drop_collinear {
        let bad = linalg::collinear_columns(&xtx)?;
        if !bad.is_empty() {
            let keep: Vec<usize> = (0..p).filter(|j| !bad.contains(j)).collect();
            if keep.is_empty() {
                return Err(EstimateError::Collinear(format!(
                    "every regressor ({}) is collinear with the fixed effects",
                    names.join(", ")
                )));
            }
            dropped = bad.iter().map(|&j| names[j].clone()).collect();
            let mut small = Matrix::zeros(keep.len(), keep.len());
            for (a, &i) in keep.iter().enumerate() {
                for (b, &j) in keep.iter().enumerate() {
                    small[(a, b)] = xtx[(i, j)];
                }
            }
            xtx = small;
            names = keep.iter().map(|&j| names[j].clone()).collect();
            let mut all: Vec<Option<Vec<f64>>> = cols.into_iter().map(Some).collect();
            cols = keep.iter().filter_map(|&j| all[j].take()).collect();
        }
    }
    let p = cols.len();
    linalg::check_full_rank(&xtx, &names).map_err(|e| match e {
        linalg::LinalgError::Collinear { columns } => EstimateError::Collinear(format!(
            "{} (collinear with the unit and time fixed effects or with each other)",
            columns.join(", ")
        )),
        other => other.into(),
    })?;
    let bread = linalg::inv_spd(&xtx)?;
    let xty: Vec<f64> = cols.iter().map(|c| dot(c, &yt)).collect();
    let coef = bread.matvec(&xty)?;
    let mut resid = yt;
    for (c, b) in cols.iter().zip(&coef) {
        for (r, x) in resid.iter_mut().zip(c) {
            *r -= b * x;
        }
    }
    // Scores by cluster.
    let mut s = vec![0.0; g * p];
    for (j, c) in cols.iter().enumerate() {
        for r in 0..n {
            s[panel.unit[r] * p + j] += c[r] * resid[r];
        }
    }
    let meat = Matrix::from_vec(g, p, s)?.crossprod(None);
    let (c, k) = crv1_factor(dof, n, g, panel.n_periods(), p)?;
    let mut vcov = bread.matmul(&meat)?.matmul(&bread)?;
    for v in 0..p * p {
        let (i, j) = (v / p, v % p);
        vcov[(i, j)] *= c;
    }
    Ok(FeFit {
        names,
        coef,
        vcov,
        n_obs: n,
        n_clusters: g,
        k,
        demean_iterations: iters,
        dropped,
    })
}

/// The CRV1 small-sample factor `c` and the parameter count `k` it uses, for `n` rows, `g`
/// clusters (units), `nt` periods and `p` slopes.
pub fn crv1_factor(
    dof: DofConvention,
    n: usize,
    g: usize,
    nt: usize,
    p: usize,
) -> Result<(f64, usize), EstimateError> {
    let k = match dof {
        DofConvention::Fixest => p + nt,
        DofConvention::Linearmodels => p + g + nt - 1,
    };
    if n <= k {
        return Err(EstimateError::Input(format!(
            "{n} observations for {k} parameters: no residual degrees of freedom"
        )));
    }
    let c = match dof {
        DofConvention::Fixest => g as f64 / (g as f64 - 1.0) * (n as f64 - 1.0) / (n - k) as f64,
        DofConvention::Linearmodels => n as f64 / (n - k) as f64,
    };
    Ok((c, k))
}

/// TWFE DiD result (`y ~ D | unit + time`, CRV1 by unit).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TwfeResult {
    /// Coefficient on the treatment indicator `D = 1{t ≥ cohort}`.
    pub att: f64,
    /// CRV1 standard error.
    pub se: f64,
    /// 95% interval `att ± t_{0.975, G−1} · se`.
    pub ci95: [f64; 2],
    /// Two-sided p-value from t with `G − 1` degrees of freedom.
    pub p_value: f64,
    /// Degrees of freedom of the t distribution (`G − 1`).
    pub t_df: usize,
    /// Observations used.
    pub n_obs: usize,
    /// Clusters (units).
    pub n_clusters: usize,
}

/// Static TWFE DiD: `y ~ 1{t ≥ cohort} | unit + time`, CRV1 by unit.
pub fn twfe(panel: &Panel, dof: DofConvention) -> Result<TwfeResult, EstimateError> {
    let d: Vec<f64> = (0..panel.n_rows())
        .map(|r| f64::from(u8::from(panel.treated(r))))
        .collect();
    if d.iter().all(|v| *v == 0.0) {
        return Err(EstimateError::Input(
            "no treated observation: every unit is never treated or treated after the panel".into(),
        ));
    }
    let fit = fe_regression(panel, vec![d], vec!["treated".into()], dof, false)?;
    let (att, se) = (fit.coef[0], fit.se(0));
    let (ci95, p_value) = t_inference(att, se, fit.n_clusters - 1)?;
    Ok(TwfeResult {
        att,
        se,
        ci95,
        p_value,
        t_df: fit.n_clusters - 1,
        n_obs: fit.n_obs,
        n_clusters: fit.n_clusters,
    })
}

/// 95% interval and two-sided p-value from Student t with `df` degrees of freedom.
pub fn t_inference(est: f64, se: f64, df: usize) -> Result<([f64; 2], f64), EstimateError> {
    let bad = || EstimateError::Numerical(format!("t inference undefined (se {se}, df {df})"));
    let q = describe::t_quantile(0.975, df as f64).ok_or_else(bad)?;
    if !(se.is_finite() && se > 0.0) {
        return Err(bad());
    }
    let p = 2.0 * describe::t_cdf(-(est / se).abs(), df as f64).ok_or_else(bad)?;
    Ok(([est - q * se, est + q * se], p))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a balanced panel the two-way demeaning is exact after one sweep: check against the
    /// closed form `x − x̄_u − x̄_t + x̄`.
    #[test]
    fn demeaning_matches_closed_form_on_balanced_panel() {
        let units: Vec<i64> = (0..4).flat_map(|u| [u; 3]).collect();
        let times: Vec<i64> = (0..4).flat_map(|_| [1, 2, 3]).collect();
        let y: Vec<f64> = (0..12)
            .map(|i| ((i * 7) % 5) as f64 + 0.1 * i as f64)
            .collect();
        let p = Panel::new(&units, &times, &y, &[None; 12], vec![]).unwrap();
        let mut cols = vec![y.clone()];
        demean_two_way(&p, &mut cols).unwrap();
        let grand = y.iter().sum::<f64>() / 12.0;
        for r in 0..12 {
            let um = (0..12)
                .filter(|&s| units[s] == units[r])
                .map(|s| y[s])
                .sum::<f64>()
                / 3.0;
            let tm = (0..12)
                .filter(|&s| times[s] == times[r])
                .map(|s| y[s])
                .sum::<f64>()
                / 4.0;
            assert!((cols[0][r] - (y[r] - um - tm + grand)).abs() < 1e-12);
        }
    }

    #[test]
    fn single_cluster_and_untreated_are_errors() {
        let p = Panel::new(&[1, 1], &[1, 2], &[0.0, 1.0], &[Some(2), Some(2)], vec![]).unwrap();
        assert!(twfe(&p, DofConvention::Fixest)
            .unwrap_err()
            .to_string()
            .contains("at least 2 units"));
        let p = Panel::new(
            &[1, 1, 2, 2],
            &[1, 2, 1, 2],
            &[0.0, 1.0, 0.5, 2.0],
            &[None; 4],
            vec![],
        )
        .unwrap();
        assert!(twfe(&p, DofConvention::Fixest)
            .unwrap_err()
            .to_string()
            .contains("no treated"));
    }
}
