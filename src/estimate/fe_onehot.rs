//! `y ~ one-hot(level) | unit + time` on a balanced panel in closed form, for the event study.
//!
//! Each row carries at most one active indicator (its event time), so nothing of size
//! rows × levels is ever built. With `M` the two-way within projector of a balanced panel
//! (`x̃ = x − x̄_u − x̄_t + x̄`, exact in one pass):
//! * `X̃'X̃ = X'X − X'P_u X − X'P_t X + X'P_1 X`, each term from per-unit and per-period counts;
//! * `X̃'ỹ = X'ỹ` (sums of the demeaned outcome over the rows of each level);
//! * residuals `û = ỹ − (β_code − a_u − b_t + c)` with per-unit, per-period and overall means
//!   of `Xβ`;
//! * cluster scores `s_u = Σ_{r∈u} x̃_r û_r`, whose period part is one product of the
//!   units × periods residual matrix with the periods × levels mean matrix.
//!
//! Cost: O(rows + units · periods · levels), against one alternating-projection pass per
//! level in the general path; the numbers are the same (checked against pyfixest).

use super::panel::Panel;
use super::twfe::{crv1_factor, DofConvention, FeFit};
use super::EstimateError;
use crate::stats::linalg::{self, Matrix};
use ndarray::Array2;

/// Fits `y ~ Σ_e 1{code = e} | unit + time` with CRV1 by unit on a balanced panel.
/// `code[r]` is the level of row `r` (`None`: no indicator); `names[e]` names level `e`.
/// Levels collinear with the fixed effects are dropped (as fixest does) when `drop_collinear`.
pub fn fit(
    panel: &Panel,
    code: &[Option<usize>],
    names: &[String],
    dof: DofConvention,
    drop_collinear: bool,
) -> Result<FeFit, EstimateError> {
    let (nu, nt, n, k) = (
        panel.n_units(),
        panel.n_periods(),
        panel.n_rows(),
        names.len(),
    );
    if !panel.is_balanced() {
        return Err(EstimateError::Input(
            "closed-form path needs a balanced panel".into(),
        ));
    }
    let m = Means::new(panel, code, k);
    let yt = demean_balanced(panel, &panel.y);
    let xtx = m.cross_product();
    let mut xty = vec![0.0; k];
    for (r, c) in code.iter().enumerate() {
        if let Some(e) = c {
            xty[*e] += yt[r];
        }
    }
    let keep: Vec<usize> = if drop_collinear {
        let bad = linalg::collinear_columns(&xtx)?;
        (0..k).filter(|j| !bad.contains(j)).collect()
    } else {
        (0..k).collect()
    };
    if keep.is_empty() {
        return Err(EstimateError::Collinear(format!(
            "every regressor ({}) is collinear with the fixed effects",
            names.join(", ")
        )));
    }
    let sub = |a: &Matrix| {
        let mut s = Matrix::zeros(keep.len(), keep.len());
        for (i, &p) in keep.iter().enumerate() {
            for (j, &q) in keep.iter().enumerate() {
                s[(i, j)] = a[(p, q)];
            }
        }
        s
    };
    let kept_names: Vec<String> = keep.iter().map(|&j| names[j].clone()).collect();
    let xtx_k = sub(&xtx);
    linalg::check_full_rank(&xtx_k, &kept_names)
        .map_err(|e| EstimateError::Collinear(e.to_string()))?;
    let bread = linalg::inv_spd(&xtx_k)?;
    let coef = bread.matvec(&keep.iter().map(|&j| xty[j]).collect::<Vec<_>>())?;
    let mut beta = vec![0.0; k];
    for (i, &j) in keep.iter().enumerate() {
        beta[j] = coef[i];
    }
    let resid = m.residuals(panel, code, &yt, &beta);
    let scores = m.scores(panel, code, &resid, &keep);
    let meat_nd = scores.t().dot(&scores);
    let p = keep.len();
    let meat = Matrix::from_vec(p, p, meat_nd.iter().copied().collect())?;
    let (c, kk) = crv1_factor(dof, n, nu, nt, p)?;
    let mut vcov = bread.matmul(&meat)?.matmul(&bread)?;
    for i in 0..p {
        for j in 0..p {
            vcov[(i, j)] *= c;
        }
    }
    Ok(FeFit {
        names: kept_names,
        coef,
        vcov,
        n_obs: n,
        n_clusters: nu,
        k: kk,
        demean_iterations: 1,
        dropped: (0..k)
            .filter(|j| !keep.contains(j))
            .map(|j| names[j].clone())
            .collect(),
    })
}

/// `x − x̄_u − x̄_t + x̄` on a balanced panel.
pub fn demean_balanced(panel: &Panel, x: &[f64]) -> Vec<f64> {
    let (nu, nt) = (panel.n_units(), panel.n_periods());
    let (mut su, mut st, mut s) = (vec![0.0; nu], vec![0.0; nt], 0.0);
    for (r, v) in x.iter().enumerate() {
        su[panel.unit[r]] += v;
        st[panel.period[r]] += v;
        s += v;
    }
    let grand = s / (nu * nt) as f64;
    x.iter()
        .enumerate()
        .map(|(r, v)| v - su[panel.unit[r]] / nt as f64 - st[panel.period[r]] / nu as f64 + grand)
        .collect()
}

/// Counts of the indicators by unit and by period.
struct Means {
    k: usize,
    nt: usize,
    /// Per unit: (level, count) pairs.
    unit_counts: Vec<Vec<(usize, f64)>>,
    /// `x̄_{t,e}`, periods × levels.
    period_mean: Array2<f64>,
    /// Rows of each level.
    total: Vec<f64>,
    n: f64,
    nu: f64,
}

impl Means {
    fn new(panel: &Panel, code: &[Option<usize>], k: usize) -> Means {
        let (nu, nt) = (panel.n_units(), panel.n_periods());
        let mut unit_counts: Vec<Vec<(usize, f64)>> = vec![Vec::new(); nu];
        let mut period_mean = Array2::<f64>::zeros((nt, k));
        let mut total = vec![0.0; k];
        for (r, c) in code.iter().enumerate() {
            let Some(e) = *c else { continue };
            let uc = &mut unit_counts[panel.unit[r]];
            match uc.iter_mut().find(|(l, _)| *l == e) {
                Some(entry) => entry.1 += 1.0,
                None => uc.push((e, 1.0)),
            }
            period_mean[(panel.period[r], e)] += 1.0;
            total[e] += 1.0;
        }
        period_mean.mapv_inplace(|v| v / nu as f64);
        Means {
            k,
            nt,
            unit_counts,
            period_mean,
            total,
            n: (nu * nt) as f64,
            nu: nu as f64,
        }
    }

    /// `X'MX` from the counts.
    fn cross_product(&self) -> Matrix {
        let (k, nt) = (self.k, self.nt as f64);
        let mut a = Matrix::zeros(k, k);
        for e in 0..k {
            a[(e, e)] += self.total[e];
        }
        for uc in &self.unit_counts {
            for &(e, ce) in uc {
                for &(f, cf) in uc {
                    a[(e, f)] -= ce * cf / nt;
                }
            }
        }
        let ptp = self.period_mean.t().dot(&self.period_mean);
        for e in 0..k {
            for f in 0..k {
                a[(e, f)] += -ptp[(e, f)] * self.nu + self.total[e] * self.total[f] / self.n;
            }
        }
        a
    }

    /// `û = ỹ − X̃β`.
    fn residuals(
        &self,
        panel: &Panel,
        code: &[Option<usize>],
        yt: &[f64],
        beta: &[f64],
    ) -> Vec<f64> {
        let nt = self.nt as f64;
        let a_u: Vec<f64> = self
            .unit_counts
            .iter()
            .map(|uc| uc.iter().map(|&(e, c)| beta[e] * c).sum::<f64>() / nt)
            .collect();
        let b_t: Vec<f64> = (0..self.nt)
            .map(|t| {
                (0..self.k)
                    .map(|e| beta[e] * self.period_mean[(t, e)])
                    .sum()
            })
            .collect();
        let c: f64 = (0..self.k).map(|e| beta[e] * self.total[e]).sum::<f64>() / self.n;
        (0..yt.len())
            .map(|r| {
                let own = code[r].map_or(0.0, |e| beta[e]);
                yt[r] - (own - a_u[panel.unit[r]] - b_t[panel.period[r]] + c)
            })
            .collect()
    }

    /// Cluster scores (units × kept levels).
    fn scores(
        &self,
        panel: &Panel,
        code: &[Option<usize>],
        u: &[f64],
        keep: &[usize],
    ) -> Array2<f64> {
        let nu = panel.n_units();
        let mut ugrid = Array2::<f64>::zeros((nu, self.nt));
        let mut own = Array2::<f64>::zeros((nu, self.k));
        let mut usum = vec![0.0; nu];
        for (r, v) in u.iter().enumerate() {
            let unit = panel.unit[r];
            ugrid[(unit, panel.period[r])] = *v;
            usum[unit] += v;
            if let Some(e) = code[r] {
                own[(unit, e)] += v;
            }
        }
        let period_part = ugrid.dot(&self.period_mean);
        let nt = self.nt as f64;
        let mut s = Array2::<f64>::zeros((nu, keep.len()));
        for unit in 0..nu {
            for (j, &e) in keep.iter().enumerate() {
                s[(unit, j)] =
                    own[(unit, e)] - period_part[(unit, e)] + self.total[e] / self.n * usum[unit];
            }
            for &(e, c) in &self.unit_counts[unit] {
                if let Some(j) = keep.iter().position(|&q| q == e) {
                    s[(unit, j)] -= c / nt * usum[unit];
                }
            }
        }
        s
    }
}
