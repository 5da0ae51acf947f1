//! Cox proportional hazards by Newton–Raphson on the partial likelihood (Cox 1972).
//!
//! - Ties: Efron (1977) by default, as R `coxph` and lifelines; Breslow (1974) as an option
//!   (Stata, SAS, statsmodels). With case weights the Efron terms use the mean weight of the
//!   tied events, exactly as lifelines' `_get_efron_values_single`.
//! - Efron log partial likelihood, event-time blocks D with d tied events:
//!   `ℓ = Σ_D [ Σ_{i∈D} w_i x_iβ − w̄_D Σ_{l=0}^{d−1} log(S0 − (l/d) S0_D) ]`,
//!   `S0 = Σ_{T_j ≥ t} w_j e^{x_jβ}`; Breslow drops the `(l/d) S0_D` term.
//! - Newton–Raphson with step halving, stopped when the log-likelihood change is below
//!   `tolerance · (1 + |ℓ|)` (default 1e-12) and the step below 1e-9 in every coordinate.
//!   lifelines' default (`precision = 1e-7` on the step norm) stops a little earlier; its
//!   references here are refitted with `precision = 1e-12`.
//! - Variance: inverse observed information `(−∂²ℓ)⁻¹` (default), or the Lin & Wei (1989)
//!   robust sandwich `V (Σ_i r_i r_iᵀ) V` with Breslow-form score residuals `r_i`, the form
//!   lifelines uses (R `coxph(robust = TRUE)` uses Efron-form residuals when ties are Efron,
//!   so with tied event times the two differ slightly).
//! - Intervals: normal on β, exponentiated for the hazard ratio.
//!
//! Covariates are centred internally (β is unchanged). Constant and collinear covariates,
//! data without events and a diverging fit (monotone likelihood) are errors.

use crate::stats::linalg::{self, LinalgError, Matrix};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// Handling of tied event times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// Efron (1977): default in R and lifelines.
    #[default]
    Efron,
    /// Breslow (1974): default in Stata, SAS, statsmodels.
    Breslow,
}

/// Variance estimator for the coefficients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CoxVariance {
    /// Inverse observed information.
    #[default]
    Observed,
    /// Lin–Wei robust sandwich.
    Robust,
}

/// Options of a Cox fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoxOptions {
    /// Tie handling (default Efron).
    pub ties: Ties,
    /// Variance estimator (default observed information).
    pub variance: CoxVariance,
    /// Confidence level of the intervals (default 0.95).
    pub confidence: f64,
    /// Relative log-likelihood change at which Newton stops (default 1e-12).
    pub tolerance: f64,
    /// Maximum Newton iterations (default 100).
    pub max_iter: usize,
}

impl Default for CoxOptions {
    fn default() -> Self {
        CoxOptions {
            ties: Ties::Efron,
            variance: CoxVariance::Observed,
            confidence: 0.95,
            tolerance: 1e-12,
            max_iter: 100,
        }
    }
}

/// One coefficient of a fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxTerm {
    /// Covariate name (`group=<label>` for a group indicator).
    pub name: String,
    /// Log hazard ratio β.
    pub coef: f64,
    /// Standard error of β (observed information or robust, see `CoxFit::variance`).
    pub se: f64,
    /// Wald z = β / se.
    pub z: f64,
    /// Two-sided normal p-value.
    pub p_value: f64,
    /// exp(β).
    pub hazard_ratio: f64,
    /// exp(β − z·se).
    pub ci_lower: f64,
    /// exp(β + z·se).
    pub ci_upper: f64,
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxFit {
    /// Tie handling used.
    pub ties: Ties,
    /// Variance estimator used for `se`.
    pub variance: CoxVariance,
    /// Coefficients, in design order.
    pub terms: Vec<CoxTerm>,
    /// Maximised log partial likelihood.
    pub log_likelihood: f64,
    /// Log partial likelihood at β = 0.
    pub log_likelihood_null: f64,
    /// Newton iterations used.
    pub iterations: usize,
    /// Number of observations.
    pub n: usize,
    /// Number of events.
    pub n_events: usize,
    /// Covariance matrix of β (row-major p×p), matching `se`.
    pub covariance: Vec<f64>,
}

/// Why a Cox model could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoxError {
    #[error("Cox model needs at least one covariate")]
    NoCovariates,
    #[error("Cox model: all {0} observations are censored, no event to fit on")]
    AllCensored(usize),
    #[error("Cox model: covariate `{0}` is constant")]
    Constant(String),
    #[error("Cox model: covariate `{0}` is collinear with the covariates before it")]
    Collinear(String),
    #[error("Cox model did not converge in {iterations} iterations (last log-likelihood change {change:e}); a covariate may separate events perfectly (monotone likelihood), largest |β| = {max_coef:.3}")]
    NotConverged {
        iterations: usize,
        change: f64,
        max_coef: f64,
    },
    #[error("Cox model: information matrix is singular at the estimate")]
    Singular,
    #[error("Cox model: column `{name}` has {len} values, expected {expected}")]
    Length {
        name: String,
        len: usize,
        expected: usize,
    },
}

/// Sorted, centred design ready for repeated likelihood evaluations.
struct Design {
    t: Vec<f64>,
    e: Vec<bool>,
    w: Vec<f64>,
    x: Vec<f64>,
    n: usize,
    p: usize,
}

/// Fits a Cox model of `duration`/`event` on the named columns `x` (each of length n).
pub fn fit_cox(
    duration: &[f64],
    event: &[bool],
    weights: Option<&[f64]>,
    names: &[String],
    x: &[&[f64]],
    opts: &CoxOptions,
) -> Result<CoxFit, CoxError> {
    let n = duration.len();
    let p = x.len();
    let n_events = check_columns(n, event, names, x)?;
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let wv: Vec<f64> = (0..n).map(w).collect();
    let means = centred_means(&wv, names, x)?;
    let d = Design::sorted(duration, event, &wv, x, &means);
    let nf = newton(&d, opts)?;
    let info: Vec<f64> = nf.hess.iter().map(|h| -h).collect();
    let l = chol(&info, p, 1e-14).map_err(|_| CoxError::Singular)?;
    let vinv = linalg::cholesky_inverse(&l)
        .map_err(|_| CoxError::Singular)?
        .as_slice()
        .to_vec();
    let cov = match opts.variance {
        CoxVariance::Observed => vinv,
        CoxVariance::Robust => d.sandwich(&nf.beta, &vinv),
    };
    let terms = coef_table(names, &nf.beta, &cov, opts.confidence);
    Ok(CoxFit {
        ties: opts.ties,
        variance: opts.variance,
        terms,
        log_likelihood: nf.ll,
        log_likelihood_null: nf.ll_null,
        iterations: nf.iterations,
        n,
        n_events,
        covariance: cov,
    })
}

/// Checks that there are covariates of the right length and at least one event; returns
/// the number of events.
fn check_columns(
    n: usize,
    event: &[bool],
    names: &[String],
    x: &[&[f64]],
) -> Result<usize, CoxError> {
    if x.is_empty() {
        return Err(CoxError::NoCovariates);
    }
    for (name, col) in names.iter().zip(x) {
        if col.len() != n {
            return Err(CoxError::Length {
                name: name.clone(),
                len: col.len(),
                expected: n,
            });
        }
    }
    let n_events = event.iter().filter(|&&e| e).count();
    if n_events == 0 {
        return Err(CoxError::AllCensored(n));
    }
    Ok(n_events)
}

#[allow(clippy::needless_range_loop)] // index loops mirror the formulas
/// Weighted means of the covariates, after checking on the centred weighted cross-product
/// that none is constant and none is collinear with the others.
fn centred_means(w: &[f64], names: &[String], x: &[&[f64]]) -> Result<Vec<f64>, CoxError> {
    let (n, p) = (w.len(), x.len());
    let wsum: f64 = (0..n).map(|i| w[i]).sum();
    let means: Vec<f64> = x
        .iter()
        .map(|c| (0..n).map(|i| w[i] * c[i]).sum::<f64>() / wsum)
        .collect();
    let mut xtx = vec![0.0; p * p];
    for i in 0..n {
        for a in 0..p {
            let xa = x[a][i] - means[a];
            for b in 0..=a {
                xtx[a * p + b] += w[i] * xa * (x[b][i] - means[b]);
            }
        }
    }
    for a in 0..p {
        let floor = 1e-12 * wsum * (1.0 + means[a] * means[a]);
        if xtx[a * p + a].is_nan() || xtx[a * p + a] <= floor {
            return Err(CoxError::Constant(names[a].clone()));
        }
        for b in 0..a {
            xtx[b * p + a] = xtx[a * p + b];
        }
    }
    // scale to a correlation matrix before the rank check so units do not matter
    let sd: Vec<f64> = (0..p).map(|a| xtx[a * p + a].sqrt()).collect();
    let corr: Vec<f64> = (0..p * p)
        .map(|k| xtx[k] / (sd[k / p] * sd[k % p]))
        .collect();
    chol(&corr, p, 1e-10).map_err(|j| CoxError::Collinear(names[j].clone()))?;
    Ok(means)
}

/// State of the Newton–Raphson fit at convergence.
struct NewtonFit {
    beta: Vec<f64>,
    ll: f64,
    ll_null: f64,
    hess: Vec<f64>,
    iterations: usize,
}

fn max_abs(beta: &[f64]) -> f64 {
    beta.iter().fold(0.0f64, |m, b| m.max(b.abs()))
}

/// Newton–Raphson with step halving from β = 0, until the likelihood and the step settle.
fn newton(d: &Design, opts: &CoxOptions) -> Result<NewtonFit, CoxError> {
    let mut beta = vec![0.0; d.p];
    let (mut ll, mut grad, mut hess) = d.eval(&beta, opts.ties);
    let ll_null = ll;
    let mut iterations = 0;
    let mut last_change = f64::INFINITY;
    loop {
        if iterations >= opts.max_iter {
            return Err(CoxError::NotConverged {
                iterations,
                change: last_change,
                max_coef: max_abs(&beta),
            });
        }
        iterations += 1;
        let info: Vec<f64> = hess.iter().map(|h| -h).collect();
        let max_coef = max_abs(&beta);
        // a vanishing information after large steps is the monotone-likelihood case
        let l = chol(&info, d.p, 1e-14).map_err(|_| {
            if iterations > 1 && max_coef > 5.0 {
                CoxError::NotConverged {
                    iterations,
                    change: last_change,
                    max_coef,
                }
            } else {
                CoxError::Singular
            }
        })?;
        let delta = linalg::cholesky_solve(&l, &grad).map_err(|_| CoxError::Singular)?;
        let (step, nb, (nll, ng, nh)) = line_search(d, &beta, &delta, ll, opts.ties);
        let max_step = delta.iter().fold(0.0f64, |m, s| m.max((step * s).abs()));
        last_change = (nll - ll).abs();
        beta = nb;
        ll = nll;
        grad = ng;
        hess = nh;
        if last_change <= opts.tolerance * (1.0 + ll.abs()) && max_step < 1e-9 {
            break;
        }
        if beta.iter().any(|b| b.abs() > 50.0) {
            return Err(CoxError::NotConverged {
                iterations,
                change: last_change,
                max_coef: max_abs(&beta),
            });
        }
    }
    Ok(NewtonFit {
        beta,
        ll,
        ll_null,
        hess,
        iterations,
    })
}

/// Likelihood, gradient and Hessian at a point.
type Eval = (f64, Vec<f64>, Vec<f64>);

/// Halves the Newton step until the likelihood does not fall (or the step vanishes);
/// returns the step, the new β and its evaluation.
fn line_search(
    d: &Design,
    beta: &[f64],
    delta: &[f64],
    ll: f64,
    ties: Ties,
) -> (f64, Vec<f64>, Eval) {
    let mut step = 1.0;
    loop {
        let nb = beta
            .iter()
            .zip(delta)
            .map(|(b, s)| b + step * s)
            .collect::<Vec<_>>();
        let ev = d.eval(&nb, ties);
        if ev.0.is_finite() && ev.0 >= ll - 1e-12 * (1.0 + ll.abs()) {
            return (step, nb, ev);
        }
        step *= 0.5;
        if step < 1e-10 {
            return (step, nb, ev);
        }
    }
}

/// Coefficients, standard errors, Wald tests and hazard ratios with their intervals.
fn coef_table(names: &[String], beta: &[f64], cov: &[f64], confidence: f64) -> Vec<CoxTerm> {
    let p = beta.len();
    let z = Normal::standard().inverse_cdf(0.5 + confidence / 2.0);
    (0..p)
        .map(|a| {
            let se = cov[a * p + a].sqrt();
            let zz = beta[a] / se;
            CoxTerm {
                name: names[a].clone(),
                coef: beta[a],
                se,
                z: zz,
                p_value: 2.0 * Normal::standard().cdf(-zz.abs()),
                hazard_ratio: beta[a].exp(),
                ci_lower: (beta[a] - z * se).exp(),
                ci_upper: (beta[a] + z * se).exp(),
            }
        })
        .collect()
}

#[allow(clippy::needless_range_loop)] // index loops mirror the formulas
impl Design {
    /// Rows sorted by duration, covariates centred on `means`.
    fn sorted(duration: &[f64], event: &[bool], w: &[f64], x: &[&[f64]], means: &[f64]) -> Self {
        let (n, p) = (duration.len(), x.len());
        let all: Vec<usize> = (0..n).collect();
        let idx = super::table::order_by_duration(duration, &all);
        let mut xs = Vec::with_capacity(n * p);
        for &i in &idx {
            for a in 0..p {
                xs.push(x[a][i] - means[a]);
            }
        }
        Design {
            t: idx.iter().map(|&i| duration[i]).collect(),
            e: idx.iter().map(|&i| event[i]).collect(),
            w: idx.iter().map(|&i| w[i]).collect(),
            x: xs,
            n,
            p,
        }
    }
}

#[allow(clippy::needless_range_loop)] // index loops mirror the formulas
impl Design {
    /// Log partial likelihood, gradient and Hessian at β (one backward sweep, O(n p²)).
    fn eval(&self, beta: &[f64], ties: Ties) -> (f64, Vec<f64>, Vec<f64>) {
        let (n, p) = (self.n, self.p);
        let mut ll = 0.0;
        let mut grad = vec![0.0; p];
        let mut hess = vec![0.0; p * p];
        let mut r0 = 0.0;
        let mut r1 = vec![0.0; p];
        let mut r2 = vec![0.0; p * p];
        let mut t0 = 0.0;
        let mut t1 = vec![0.0; p];
        let mut t2 = vec![0.0; p * p];
        let mut xd = vec![0.0; p];
        let mut wcount = 0.0;
        let mut dcount = 0usize;
        let mut num = vec![0.0; p];
        for i in (0..n).rev() {
            let xi = &self.x[i * p..(i + 1) * p];
            let eta: f64 = xi.iter().zip(beta).map(|(a, b)| a * b).sum();
            let phi = self.w[i] * eta.exp();
            r0 += phi;
            for a in 0..p {
                let pa = phi * xi[a];
                r1[a] += pa;
                for b in 0..=a {
                    r2[a * p + b] += pa * xi[b];
                }
            }
            if self.e[i] {
                t0 += phi;
                for a in 0..p {
                    let pa = phi * xi[a];
                    t1[a] += pa;
                    xd[a] += self.w[i] * xi[a];
                    for b in 0..=a {
                        t2[a * p + b] += pa * xi[b];
                    }
                }
                wcount += self.w[i];
                dcount += 1;
            }
            if i > 0 && self.t[i - 1] == self.t[i] {
                continue;
            }
            if dcount == 0 {
                continue;
            }
            let wavg = wcount / dcount as f64;
            let mut add = |f: f64, mult: f64| {
                let den = r0 - f * t0;
                ll -= mult * den.ln();
                for a in 0..p {
                    num[a] = (r1[a] - f * t1[a]) / den;
                    grad[a] -= mult * num[a];
                }
                for a in 0..p {
                    for b in 0..=a {
                        let m2 = (r2[a * p + b] - f * t2[a * p + b]) / den;
                        hess[a * p + b] -= mult * (m2 - num[a] * num[b]);
                    }
                }
            };
            match ties {
                Ties::Efron => {
                    for l in 0..dcount {
                        add(l as f64 / dcount as f64, wavg);
                    }
                }
                Ties::Breslow => add(0.0, wcount),
            }
            for a in 0..p {
                ll += xd[a] * beta[a];
                grad[a] += xd[a];
            }
            t0 = 0.0;
            t1.iter_mut().for_each(|v| *v = 0.0);
            t2.iter_mut().for_each(|v| *v = 0.0);
            xd.iter_mut().for_each(|v| *v = 0.0);
            wcount = 0.0;
            dcount = 0;
        }
        for a in 0..p {
            for b in 0..a {
                hess[b * p + a] = hess[a * p + b];
            }
        }
        (ll, grad, hess)
    }

    /// Lin–Wei sandwich `V (Σ r rᵀ) V` with Breslow-form score residuals
    /// `r_i = w_i [δ_i (x_i − x̄(t_i)) − e^{x_iβ} Σ_{t_j ≤ t_i} (dW_j / S0_j)(x_i − x̄(t_j))]`.
    fn sandwich(&self, beta: &[f64], v: &[f64]) -> Vec<f64> {
        let (n, p) = (self.n, self.p);
        let ex: Vec<f64> = (0..n)
            .map(|i| {
                let xi = &self.x[i * p..(i + 1) * p];
                xi.iter().zip(beta).map(|(a, b)| a * b).sum::<f64>().exp()
            })
            .collect();
        // risk-set sums at each row's time (whole tie block), from a backward sweep
        let mut s0 = vec![0.0; n];
        let mut s1 = vec![0.0; n * p];
        let (mut r0, mut r1) = (0.0, vec![0.0; p]);
        let mut i = n;
        while i > 0 {
            let mut j = i - 1;
            while j > 0 && self.t[j - 1] == self.t[i - 1] {
                j -= 1;
            }
            for k in j..i {
                let phi = self.w[k] * ex[k];
                r0 += phi;
                for a in 0..p {
                    r1[a] += phi * self.x[k * p + a];
                }
            }
            for k in j..i {
                s0[k] = r0;
                s1[k * p..(k + 1) * p].copy_from_slice(&r1);
            }
            i = j;
        }
        // forward cumulative hazard increments A and B
        let mut meat = vec![0.0; p * p];
        let (mut ca, mut cb) = (0.0, vec![0.0; p]);
        let mut i = 0;
        let mut r = vec![0.0; p];
        while i < n {
            let mut j = i;
            let mut dw = 0.0;
            while j < n && self.t[j] == self.t[i] {
                if self.e[j] {
                    dw += self.w[j];
                }
                j += 1;
            }
            if dw > 0.0 {
                ca += dw / s0[i];
                for a in 0..p {
                    cb[a] += dw * s1[i * p + a] / (s0[i] * s0[i]);
                }
            }
            for k in i..j {
                let xk = &self.x[k * p..(k + 1) * p];
                for a in 0..p {
                    let xbar = s1[k * p + a] / s0[k];
                    let own = if self.e[k] { xk[a] - xbar } else { 0.0 };
                    r[a] = self.w[k] * (own - ex[k] * (xk[a] * ca - cb[a]));
                }
                for a in 0..p {
                    for b in 0..p {
                        meat[a * p + b] += r[a] * r[b];
                    }
                }
            }
            i = j;
        }
        let vm = matmul(v, &meat, p);
        matmul(&vm, v, p)
    }
}

/// Cholesky factor of the row-major `p × p` matrix `a` with a pivot floor relative to its
/// largest diagonal entry; the error is the index of the failing pivot.
fn chol(a: &[f64], p: usize, tol: f64) -> Result<Matrix, usize> {
    let m = Matrix::from_vec(p, p, a.to_vec()).map_err(|_| 0usize)?;
    linalg::cholesky_tol(&m, tol).map_err(|e| match e {
        LinalgError::NotPositiveDefinite { column, .. } => column,
        _ => 0,
    })
}

fn matmul(a: &[f64], b: &[f64], p: usize) -> Vec<f64> {
    let mut c = vec![0.0; p * p];
    for i in 0..p {
        for k in 0..p {
            let aik = a[i * p + k];
            for j in 0..p {
                c[i * p + j] += aik * b[k * p + j];
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn single_binary_covariate_without_ties_matches_closed_form_score() {
        // With no ties the score at the MLE must vanish; check via a finite difference.
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let e = [true, true, false, true, true, true];
        let x = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let fit = fit_cox(&t, &e, None, &names(&["x"]), &[&x], &CoxOptions::default()).unwrap();
        let b = fit.terms[0].coef;
        let ll = |beta: f64| {
            let mut s = 0.0;
            for i in 0..6 {
                if e[i] {
                    let den: f64 = (i..6).map(|j| (beta * x[j]).exp()).sum();
                    s += beta * x[i] - den.ln();
                }
            }
            s
        };
        let h = 1e-5;
        assert!(((ll(b + h) - ll(b - h)) / (2.0 * h)).abs() < 1e-6);
        assert!((fit.log_likelihood - ll(b)).abs() < 1e-10);
    }

    #[test]
    fn constant_and_collinear_covariates_are_errors() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let e = [true; 4];
        let c = [2.0; 4];
        let x = [0.0, 1.0, 0.0, 1.0];
        let x2: Vec<f64> = x.iter().map(|v| 3.0 * v + 1.0).collect();
        let o = CoxOptions::default();
        assert_eq!(
            fit_cox(&t, &e, None, &names(&["c"]), &[&c], &o),
            Err(CoxError::Constant("c".into()))
        );
        assert_eq!(
            fit_cox(&t, &e, None, &names(&["x", "x2"]), &[&x, &x2], &o),
            Err(CoxError::Collinear("x2".into()))
        );
        assert_eq!(
            fit_cox(&t, &[false; 4], None, &names(&["x"]), &[&x], &o),
            Err(CoxError::AllCensored(4))
        );
    }

    #[test]
    fn perfect_separation_is_reported() {
        // x = 1 fail before every x = 0: the likelihood is monotone in β.
        let t = [1.0, 2.0, 3.0, 4.0];
        let e = [true; 4];
        let x = [1.0, 1.0, 0.0, 0.0];
        let r = fit_cox(&t, &e, None, &names(&["x"]), &[&x], &CoxOptions::default());
        assert!(matches!(r, Err(CoxError::NotConverged { .. })), "{r:?}");
    }
}
