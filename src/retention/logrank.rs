//! Log-rank test of equal survival across k groups (Mantel 1966; Peto & Peto 1972).
//!
//! `X² = (O − E)ᵀ V⁻¹ (O − E)` over the first k − 1 groups, with `O_j` observed events,
//! `E_j = Σ_t d_t n_jt / n_t`, and the hypergeometric covariance
//! `V_jl = Σ_t d_t (n_t − d_t)/(n_t − 1) · n_jt/n_t · (δ_jl − n_lt/n_t)`; df = k − 1, no
//! continuity correction. This is R `survdiff(rho = 0)` and lifelines
//! `multivariate_logrank_test` (`logrank_test` for two groups). Unweighted: case weights are
//! ignored (an IPW log-rank has no agreed reference implementation).

use crate::stats::linalg::{self, LinalgError, Matrix};
use crate::stats::memory::{self, TooLarge};
use ndarray::{linalg::general_mat_mul, s, Array2};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Result of a log-rank test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRank {
    /// Chi-square statistic (O − E)ᵀ V⁻¹ (O − E).
    pub statistic: f64,
    /// Degrees of freedom, k − 1.
    pub df: usize,
    /// Upper-tail chi-square p-value.
    pub p_value: f64,
    /// Observed events per group (groups sorted by label).
    pub observed: Vec<f64>,
    /// Expected events per group under equal hazards.
    pub expected: Vec<f64>,
    /// Group labels, in the order of `observed` and `expected`.
    pub groups: Vec<String>,
}

/// Why a log-rank test could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogRankError {
    #[error("log-rank needs at least two groups, got {0}")]
    TooFewGroups(usize),
    #[error("log-rank needs at least one event, got none")]
    NoEvents,
    #[error("log-rank variance is singular (a group has nobody at risk at any event time: {0:?})")]
    Singular(String),
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
}

/// Rank-one variance terms buffered before one matrix product updates `V`.
const CHUNK: usize = 256;

/// The hypergeometric covariance `V = Σ_t f_t diag(n_t) − Σ_t (f_t/n_t) n_t n_tᵀ`, kept as its
/// diagonal part and a buffer of scaled at-risk vectors flushed by a matrix product: the cost
/// is one rank-CHUNK update per CHUNK event times instead of k² per event time.
struct Variance {
    diag: Vec<f64>,
    v: Array2<f64>,
    buf: Array2<f64>,
    used: usize,
}

impl Variance {
    fn new(m: usize) -> Variance {
        Variance {
            diag: vec![0.0; m],
            v: Array2::zeros((m, m)),
            buf: Array2::zeros((m, CHUNK)),
            used: 0,
        }
    }

    fn add(&mut self, f: f64, n_t: f64, n_j: &[f64]) {
        let c = (f / n_t).sqrt();
        for (j, d) in self.diag.iter_mut().enumerate() {
            *d += f * n_j[j];
            self.buf[(j, self.used)] = c * n_j[j];
        }
        self.used += 1;
        if self.used == CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let u = self.buf.slice(s![.., ..self.used]);
        general_mat_mul(-1.0, &u, &u.t(), 1.0, &mut self.v);
        self.used = 0;
    }

    fn finish(mut self) -> Matrix {
        self.flush();
        let m = self.diag.len();
        for (j, d) in self.diag.iter().enumerate() {
            self.v[(j, j)] += d;
        }
        Matrix::from_vec(m, m, self.v.iter().copied().collect())
            .unwrap_or_else(|_| Matrix::zeros(m, m))
    }
}

/// Forward sweep over the distinct times: numbers at risk, observed and expected events per
/// group and the hypergeometric covariance.
struct Sweep {
    /// At risk per group, decreasing as the sweep moves forward in time.
    n_j: Vec<f64>,
    n_t: f64,
    obs: Vec<f64>,
    exp: Vec<f64>,
    var: Variance,
    /// Whether any event was seen.
    any: bool,
}

#[allow(clippy::needless_range_loop)] // index loops mirror the formulas
impl Sweep {
    fn new(group: &[usize], k: usize, n_all: usize) -> Sweep {
        let mut n_j = vec![0.0f64; k];
        for &g in group {
            n_j[g] += 1.0;
        }
        Sweep {
            n_j,
            n_t: n_all as f64,
            obs: vec![0.0; k],
            exp: vec![0.0; k],
            var: Variance::new(k - 1),
            any: false,
        }
    }

    /// One distinct time: events `d_j` and removals `r_j` per group.
    fn step(&mut self, d_j: &[f64], r_j: &[f64]) {
        let k = self.n_j.len();
        let d: f64 = d_j.iter().sum();
        if d > 0.0 {
            self.any = true;
            for j in 0..k {
                self.obs[j] += d_j[j];
                self.exp[j] += d * self.n_j[j] / self.n_t;
            }
            if self.n_t > 1.0 {
                let n_t = self.n_t;
                let f = d * (n_t - d) / (n_t - 1.0) / n_t;
                self.var.add(f, n_t, &self.n_j[..k - 1]);
            }
        }
        for j in 0..k {
            self.n_j[j] -= r_j[j];
            self.n_t -= r_j[j];
        }
    }

    /// Integer days: per-day, per-group counts in one pass, O(n + k·T).
    fn by_day(&mut self, duration: &[f64], event: &[bool], group: &[usize], max: usize) {
        let k = self.n_j.len();
        let mut dead = vec![0.0f64; (max + 1) * k];
        let mut gone = vec![0.0f64; (max + 1) * k];
        for i in 0..duration.len() {
            let c = duration[i] as usize * k + group[i];
            gone[c] += 1.0;
            if event[i] {
                dead[c] += 1.0;
            }
        }
        for t in 0..=max {
            let r = &gone[t * k..(t + 1) * k];
            if r.iter().any(|&x| x > 0.0) {
                self.step(&dead[t * k..(t + 1) * k], r);
            }
        }
    }

    /// Any durations: sorts them and steps through each distinct time.
    fn by_sorted_time(&mut self, duration: &[f64], event: &[bool], group: &[usize]) {
        let (k, n_all) = (self.n_j.len(), duration.len());
        let mut idx: Vec<usize> = (0..n_all).collect();
        idx.sort_unstable_by(|&a, &b| duration[a].total_cmp(&duration[b]));
        let mut d_j = vec![0.0f64; k];
        let mut r_j = vec![0.0f64; k];
        let mut p = 0;
        while p < n_all {
            let t = duration[idx[p]];
            d_j.iter_mut().for_each(|x| *x = 0.0);
            r_j.iter_mut().for_each(|x| *x = 0.0);
            while p < n_all && duration[idx[p]] == t {
                let g = group[idx[p]];
                if event[idx[p]] {
                    d_j[g] += 1.0;
                }
                r_j[g] += 1.0;
                p += 1;
            }
            self.step(&d_j, &r_j);
        }
    }
}

/// Log-rank test on durations, events and group codes `0..k` (with their labels).
pub fn logrank(
    duration: &[f64],
    event: &[bool],
    group: &[usize],
    labels: &[String],
) -> Result<LogRank, LogRankError> {
    let k = labels.len();
    if k < 2 {
        return Err(LogRankError::TooFewGroups(k));
    }
    let m = k - 1;
    memory::check(
        || {
            format!(
                "the log-rank test over {} groups ({m} × {m} covariance)",
                memory::thousands(k as f64)
            )
        },
        8.0 * (m as f64) * (m as f64 + CHUNK as f64 + 2.0),
        "compare fewer groups (recode the group column) or lower --max-groups",
    )?;
    let mut sw = Sweep::new(group, k, duration.len());
    match super::table::integer_span(duration, None).filter(|t| (t + 1) * k <= 20_000_000) {
        Some(max) => sw.by_day(duration, event, group, max),
        None => sw.by_sorted_time(duration, event, group),
    }
    if !sw.any {
        return Err(LogRankError::NoEvents);
    }
    chi_square(sw, labels)
}

/// The statistic `(O − E)' V⁻¹ (O − E)` on the first k − 1 groups and its χ² p-value.
fn chi_square(sw: Sweep, labels: &[String]) -> Result<LogRank, LogRankError> {
    let m = labels.len() - 1;
    let diff: Vec<f64> = (0..m).map(|j| sw.obs[j] - sw.exp[j]).collect();
    let v = sw.var.finish();
    let singular = |e: LinalgError| match e {
        LinalgError::NotPositiveDefinite { column, .. } => {
            LogRankError::Singular(labels[column].clone())
        }
        _ => LogRankError::Singular(labels[0].clone()),
    };
    let l = linalg::cholesky_tol(&v, 1e-12).map_err(singular)?;
    let x = linalg::cholesky_solve(&l, &diff).map_err(singular)?;
    let statistic: f64 = diff.iter().zip(&x).map(|(a, b)| a * b).sum();
    let p_value = ChiSquared::new(m as f64)
        .map(|c| c.sf(statistic))
        .unwrap_or(f64::NAN);
    Ok(LogRank {
        statistic,
        df: m,
        p_value,
        observed: sw.obs,
        expected: sw.exp,
        groups: labels.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_group_hand_computation() {
        // group 0: 1,3 ; group 1: 2,4 ; all events
        let d = [1.0, 3.0, 2.0, 4.0];
        let e = [true; 4];
        let g = [0, 0, 1, 1];
        let r = logrank(&d, &e, &g, &["a".into(), "b".into()]).unwrap();
        // t=1: n=4 (2,2) d=1 -> E0=.5, V=.25 ; t=2: n=3 (1,2) E0=1/3, V=2/9;
        // t=3: n=2 (1,1) E0=.5 V=.25 ; t=4: n=1 (0,1) E0=0 V=0
        let e0 = 0.5 + 1.0 / 3.0 + 0.5;
        let v = 0.25 + 2.0 / 9.0 + 0.25;
        let x2 = (2.0 - e0) * (2.0 - e0) / v;
        assert!((r.statistic - x2).abs() < 1e-12);
        assert_eq!(r.df, 1);
    }

    #[test]
    fn integer_and_fractional_times_give_the_same_statistic() {
        let d = [1.0, 3.0, 2.0, 4.0, 2.0, 6.0, 3.0];
        let e = [true, false, true, true, true, false, true];
        let g = [0, 0, 1, 1, 2, 2, 0];
        let l: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let a = logrank(&d, &e, &g, &l).unwrap();
        let f: Vec<f64> = d.iter().map(|v| v + 0.25).collect();
        let b = logrank(&f, &e, &g, &l).unwrap();
        assert!((a.statistic - b.statistic).abs() < 1e-12);
        assert_eq!(a.df, 2);
    }

    #[test]
    fn single_group_is_an_error() {
        let r = logrank(&[1.0], &[true], &[0], &["a".into()]);
        assert_eq!(r, Err(LogRankError::TooFewGroups(1)));
    }
}
