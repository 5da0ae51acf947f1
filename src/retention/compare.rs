//! Comparisons at horizons: Kaplan–Meier risk differences and ratios, IPW-adjusted curves,
//! intention-to-treat and Wald (IV) estimates for a randomised encouragement, and simple
//! proportions for "back in a job within h days".
//!
//! - Difference `S_g(h) − S_ref(h)` with Wald interval, `Var = Var_g + Var_ref` (Greenwood;
//!   the groups are independent samples).
//! - Ratio `S_g(h)/S_ref(h)`, interval on the log scale with `Var log S = Σ d/(n(n−d))`.
//! - IPW (Xie & Liu 2005; Cole & Hernán 2004): propensity `P(group = treated | x)` by
//!   logistic regression (`stats::logit`, Newton), ATE weights `1/p` and `1/(1 − p)`,
//!   weighted Kaplan–Meier per group. Greenwood's formula is not valid with estimated weights
//!   (lifelines warns likewise): the standard error comes from the influence function of the
//!   weighted curves including the propensity estimation ([`super::ipw`], the default), or
//!   from a seeded nonparametric bootstrap that refits the propensity model in every
//!   replicate ([`IpwVariance::Bootstrap`]).
//! - Encouragement: ITT = difference in means by assignment; Wald = ITT on the outcome /
//!   ITT on take-up (Angrist, Imbens & Rubin 1996), both with standard errors clustered on
//!   the randomisation unit (counsellor): CR0 scaled by G/(G − 1).
//! - Proportions with Wilson (1927) score intervals.

use super::km::KaplanMeier;
use super::table::PersonTable;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// An estimate with its standard error and normal interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// estimate − z·se.
    pub ci_lower: f64,
    /// estimate + z·se.
    pub ci_upper: f64,
}

impl Estimate {
    fn new(estimate: f64, se: f64, z: f64) -> Estimate {
        Estimate {
            estimate,
            se,
            ci_lower: estimate - z * se,
            ci_upper: estimate + z * se,
        }
    }
}

/// Difference and ratio of Kaplan–Meier retention at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonDifference {
    /// Horizon (days).
    pub t: f64,
    /// Compared group.
    pub group: String,
    /// Reference group.
    pub reference: String,
    /// S_group(t).
    pub survival: f64,
    /// S_reference(t).
    pub survival_reference: f64,
    /// S_group(t) − S_reference(t) (retention difference; the risk difference is its negative).
    pub difference: f64,
    /// Greenwood standard error of the difference.
    pub se: f64,
    /// Wald interval, lower bound.
    pub ci_lower: f64,
    /// Wald interval, upper bound.
    pub ci_upper: f64,
    /// S_group(t) / S_reference(t); `None` when S_reference(t) = 0.
    pub ratio: Option<f64>,
    /// Lower bound of the log-scale interval of the ratio; `None` if either S is 0.
    pub ratio_ci_lower: Option<f64>,
    /// Upper bound of the log-scale interval of the ratio.
    pub ratio_ci_upper: Option<f64>,
}

/// Retention differences of every group against `reference` at each horizon.
pub fn km_differences(
    curves: &std::collections::BTreeMap<String, KaplanMeier>,
    reference: &str,
    horizons: &[f64],
    z: f64,
) -> Vec<HorizonDifference> {
    let Some(r) = curves.get(reference) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (g, c) in curves.iter().filter(|(g, _)| g.as_str() != reference) {
        for &t in horizons {
            let (sg, sr) = (c.survival_at(t), r.survival_at(t));
            let diff = sg - sr;
            let se = (c.variance_at(t) + r.variance_at(t)).sqrt();
            let (ratio, rlo, rhi) = if sr > 0.0 && sg > 0.0 {
                let lse = (c.greenwood_at(t) + r.greenwood_at(t)).sqrt();
                let lr = sg.ln() - sr.ln();
                (
                    Some(lr.exp()),
                    Some((lr - z * lse).exp()),
                    Some((lr + z * lse).exp()),
                )
            } else if sr > 0.0 {
                (Some(0.0), None, None)
            } else {
                (None, None, None)
            };
            out.push(HorizonDifference {
                t,
                group: g.clone(),
                reference: reference.to_string(),
                survival: sg,
                survival_reference: sr,
                difference: diff,
                se,
                ci_lower: diff - z * se,
                ci_upper: diff + z * se,
                ratio,
                ratio_ci_lower: rlo,
                ratio_ci_upper: rhi,
            });
        }
    }
    out
}

/// Why a comparison could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    #[error("IPW needs exactly two groups, got {0}")]
    NotTwoGroups(usize),
    #[error("IPW needs at least one covariate for the propensity model")]
    NoCovariates,
    #[error("propensity model: {0}")]
    Logit(String),
    #[error("{what}: no variation in {column} (all values equal), the estimate is undefined")]
    NoVariation { what: String, column: String },
    #[error("{what}: columns have different lengths ({a} and {b})")]
    Length { what: String, a: usize, b: usize },
}

/// How the IPW-adjusted difference gets its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum IpwVariance {
    /// Influence function of the weighted curves, propensity estimation included.
    #[default]
    Analytic,
    /// Nonparametric bootstrap refitting the propensity model in every replicate.
    Bootstrap,
}

/// Options of the IPW comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IpwOptions {
    /// Standard error method (default analytic).
    pub variance: IpwVariance,
    /// Bootstrap replicates, with [`IpwVariance::Bootstrap`] (default 200; 0 = no standard error).
    pub bootstrap: usize,
    /// Seed of the bootstrap stream.
    pub seed: u64,
    /// Propensities are clipped to [trim, 1 − trim] (default 0.01) to bound weights.
    pub trim: f64,
}

impl Default for IpwOptions {
    fn default() -> Self {
        IpwOptions {
            variance: IpwVariance::Analytic,
            bootstrap: 200,
            seed: 0,
            trim: 0.01,
        }
    }
}

/// IPW-adjusted retention at one horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdjustedHorizon {
    /// Horizon (days).
    pub t: f64,
    /// Weighted KM retention of the treated group.
    pub survival_treated: f64,
    /// Weighted KM retention of the reference group.
    pub survival_reference: f64,
    /// Adjusted difference (treated − reference) with bootstrap SE and normal interval.
    pub difference: Estimate,
}

/// IPW-adjusted comparison of two groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdjustedComparison {
    /// Treated group label.
    pub treated: String,
    /// Reference group label.
    pub reference: String,
    /// Covariates of the propensity model.
    pub covariates: Vec<String>,
    /// Propensity coefficients: intercept then covariates.
    pub propensity_coefficients: Vec<f64>,
    /// Per-horizon adjusted retention and difference.
    pub horizons: Vec<AdjustedHorizon>,
    /// Smallest and largest weight.
    pub weight_range: (f64, f64),
    /// Kish effective sample size of the weights, per group (treated, reference).
    pub effective_n: (f64, f64),
    /// Standard error method.
    pub variance: IpwVariance,
    /// Bootstrap replicates used for the SE (0 with the analytic variance).
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
}

/// Logistic regression of `y` on `x` with intercept, by `crate::stats::logit::fit`
/// (Newton–Raphson, statsmodels-checked): returns (intercept, coefficients…).
pub fn logistic(x: &[&[f64]], y: &[bool]) -> Result<Vec<f64>, CompareError> {
    use crate::stats::logit;
    let m =
        crate::stats::Matrix::from_columns(x).map_err(|e| CompareError::Logit(e.to_string()))?;
    let yf: Vec<f64> = y.iter().map(|&b| f64::from(u8::from(b))).collect();
    logit::fit(&m, &yf, None, &logit::LogitOptions::default())
        .map(|f| f.coef)
        .map_err(|e| CompareError::Logit(e.to_string()))
}

/// Propensity fit, (treated, reference) retention per horizon, weights.
struct IpwPoint {
    fit: crate::stats::LogitFit,
    survival: Vec<(f64, f64)>,
    weights: Vec<f64>,
    /// Whether each row's propensity was clipped.
    clipped: Vec<bool>,
}

fn ipw_point(
    table: &PersonTable,
    rows: &[usize],
    treated: &str,
    horizons: &[f64],
    trim: f64,
) -> Result<IpwPoint, CompareError> {
    use crate::stats::logit;
    let cols: Vec<Vec<f64>> = table
        .covariates()
        .iter()
        .map(|c| rows.iter().map(|&i| c.values[i]).collect())
        .collect();
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
    let y: Vec<bool> = rows.iter().map(|&i| table.group()[i] == treated).collect();
    let m = crate::stats::Matrix::from_columns(&refs)
        .map_err(|e| CompareError::Logit(e.to_string()))?;
    let yf: Vec<f64> = y.iter().map(|&b| f64::from(u8::from(b))).collect();
    let fit = logit::fit(&m, &yf, None, &logit::LogitOptions::default())
        .map_err(|e| CompareError::Logit(e.to_string()))?;
    let mut w = Vec::with_capacity(rows.len());
    let mut clipped = Vec::with_capacity(rows.len());
    for (k, &i) in rows.iter().enumerate() {
        let raw = fit.fitted[k];
        let p = raw.clamp(trim, 1.0 - trim);
        clipped.push(p != raw);
        w.push(table.weight(i) * if y[k] { 1.0 / p } else { 1.0 / (1.0 - p) });
    }
    let d: Vec<f64> = rows.iter().map(|&i| table.duration()[i]).collect();
    let e: Vec<bool> = rows.iter().map(|&i| table.event()[i]).collect();
    let t_rows: Vec<usize> = (0..rows.len()).filter(|&k| y[k]).collect();
    let r_rows: Vec<usize> = (0..rows.len()).filter(|&k| !y[k]).collect();
    let kt = KaplanMeier::fit(&d, &e, Some(&w), Some(&t_rows));
    let kr = KaplanMeier::fit(&d, &e, Some(&w), Some(&r_rows));
    let survival = horizons
        .iter()
        .map(|&h| (kt.survival_at(h), kr.survival_at(h)))
        .collect();
    Ok(IpwPoint {
        fit,
        survival,
        weights: w,
        clipped,
    })
}

/// Bootstrap SE of the difference at each horizon (NaN with fewer than 2 usable replicates).
fn bootstrap_se(
    table: &PersonTable,
    treated: &str,
    horizons: &[f64],
    opts: &IpwOptions,
) -> Vec<f64> {
    let n = table.len();
    // Replicates run in parallel, each from its own seeded stream, and are collected in
    // replicate order: the result does not depend on the thread count.
    use rayon::prelude::*;
    let draws: Vec<Option<Vec<(f64, f64)>>> = (0..opts.bootstrap)
        .into_par_iter()
        .map(|b| {
            let mut rng = ChaCha8Rng::seed_from_u64(
                opts.seed ^ (b as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            // a replicate without both groups or with separation is skipped
            ipw_point(table, &rows, treated, horizons, opts.trim)
                .ok()
                .map(|p| p.survival)
        })
        .collect();
    let mut reps: Vec<Vec<f64>> = vec![Vec::new(); horizons.len()];
    for s in draws.into_iter().flatten() {
        for (k, (a, b)) in s.iter().enumerate() {
            reps[k].push(a - b);
        }
    }
    reps.iter()
        .map(|r| {
            if r.len() < 2 {
                return f64::NAN;
            }
            let m = r.len() as f64;
            let mean = r.iter().sum::<f64>() / m;
            (r.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (m - 1.0)).sqrt()
        })
        .collect()
}

/// Influence-function SE of the difference at each horizon.
fn analytic_se(table: &PersonTable, treated: &str, horizons: &[f64], pt: &IpwPoint) -> Vec<f64> {
    let n = table.len();
    let design: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            std::iter::once(1.0)
                .chain(table.covariates().iter().map(|c| c.values[i]))
                .collect()
        })
        .collect();
    let is_t: Vec<bool> = table.group().iter().map(|g| g == treated).collect();
    super::ipw::difference_se(
        &super::ipw::IpwInputs {
            duration: table.duration(),
            event: table.event(),
            weights: &pt.weights,
            treated: &is_t,
            propensity: &pt.fit.fitted,
            clipped: &pt.clipped,
            design: &design,
            inv_info: pt.fit.cov.as_slice(),
        },
        horizons,
    )
}

/// IPW-adjusted retention difference `treated − reference` at each horizon, using every
/// covariate of `table` in the propensity model.
pub fn ipw_difference(
    table: &PersonTable,
    treated: &str,
    reference: &str,
    horizons: &[f64],
    opts: &IpwOptions,
    z: f64,
) -> Result<AdjustedComparison, CompareError> {
    let levels = table.group_levels();
    if levels.len() != 2 {
        return Err(CompareError::NotTwoGroups(levels.len()));
    }
    if table.covariates().is_empty() {
        return Err(CompareError::NoCovariates);
    }
    let n = table.len();
    let all: Vec<usize> = (0..n).collect();
    let pt = ipw_point(table, &all, treated, horizons, opts.trim)?;
    let ses = match opts.variance {
        IpwVariance::Analytic => analytic_se(table, treated, horizons, &pt),
        IpwVariance::Bootstrap => bootstrap_se(table, treated, horizons, opts),
    };
    let horizons_out = horizons
        .iter()
        .zip(&pt.survival)
        .zip(&ses)
        .map(|((&t, &(st, sr)), &se)| AdjustedHorizon {
            t,
            survival_treated: st,
            survival_reference: sr,
            difference: Estimate::new(st - sr, se, z),
        })
        .collect();
    let w = &pt.weights;
    let beta = pt.fit.coef.clone();
    let is_t: Vec<bool> = table.group().iter().map(|g| g == treated).collect();
    let kish = |sel: bool| {
        let (s, s2) = w
            .iter()
            .zip(&is_t)
            .filter(|(_, &t)| t == sel)
            .fold((0.0, 0.0), |(a, b), (w, _)| (a + w, b + w * w));
        if s2 > 0.0 {
            s * s / s2
        } else {
            0.0
        }
    };
    Ok(AdjustedComparison {
        treated: treated.to_string(),
        reference: reference.to_string(),
        covariates: table.covariates().iter().map(|c| c.name.clone()).collect(),
        propensity_coefficients: beta,
        horizons: horizons_out,
        weight_range: w
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            }),
        effective_n: (kish(true), kish(false)),
        variance: opts.variance,
        bootstrap: match opts.variance {
            IpwVariance::Analytic => 0,
            IpwVariance::Bootstrap => opts.bootstrap,
        },
        seed: opts.seed,
    })
}

/// ITT and Wald estimates of a randomised encouragement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EncouragementEstimate {
    /// ITT on the outcome: E[Y | Z = 1] − E[Y | Z = 0].
    pub itt: Estimate,
    /// First stage: E[D | Z = 1] − E[D | Z = 0] (compliance).
    pub first_stage: Estimate,
    /// Wald / IV: ITT / first stage (effect on compliers).
    pub wald: Estimate,
    /// Persons used.
    pub n: usize,
    /// Randomisation clusters (counsellors).
    pub clusters: usize,
}

/// Slope of `v` on `z` (difference in means for binary z) with a cluster-robust SE, and the
/// Wald ratio of the outcome slope to the take-up slope with its cluster-robust IV SE.
pub fn encouragement(
    y: &[f64],
    d: &[f64],
    z: &[bool],
    cluster: &[u64],
    conf_z: f64,
) -> Result<EncouragementEstimate, CompareError> {
    let n = y.len();
    for (what, len) in [
        ("take-up", d.len()),
        ("assignment", z.len()),
        ("cluster", cluster.len()),
    ] {
        if len != n {
            return Err(CompareError::Length {
                what: format!("encouragement ({what})"),
                a: n,
                b: len,
            });
        }
    }
    let zf: Vec<f64> = z.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (zb, yb, db) = (mean(&zf), mean(y), mean(d));
    let szz: f64 = zf.iter().map(|v| (v - zb).powi(2)).sum();
    if szz.is_nan() || szz <= 0.0 {
        return Err(CompareError::NoVariation {
            what: "encouragement".into(),
            column: "assignment".into(),
        });
    }
    let szy: f64 = (0..n).map(|i| (zf[i] - zb) * (y[i] - yb)).sum();
    let szd: f64 = (0..n).map(|i| (zf[i] - zb) * (d[i] - db)).sum();
    let mut clusters: std::collections::BTreeMap<u64, [f64; 3]> = Default::default();
    let (by, bd) = (szy / szz, szd / szz);
    let biv = if szd != 0.0 { szy / szd } else { f64::NAN };
    for i in 0..n {
        let dz = zf[i] - zb;
        let c = clusters.entry(cluster[i]).or_default();
        c[0] += dz * (y[i] - yb - by * dz);
        c[1] += dz * (d[i] - db - bd * dz);
        c[2] += dz * (y[i] - yb - biv * (d[i] - db));
    }
    let g = clusters.len() as f64;
    let adj = if g > 1.0 { g / (g - 1.0) } else { f64::NAN };
    let ss = |k: usize| clusters.values().map(|c| c[k] * c[k]).sum::<f64>() * adj;
    let se_y = ss(0).sqrt() / szz;
    let se_d = ss(1).sqrt() / szz;
    let se_iv = ss(2).sqrt() / szd.abs();
    Ok(EncouragementEstimate {
        itt: Estimate::new(by, se_y, conf_z),
        first_stage: Estimate::new(bd, se_d, conf_z),
        wald: Estimate::new(biv, se_iv, conf_z),
        n,
        clusters: clusters.len(),
    })
}

/// A proportion with its Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Denominator.
    pub n: usize,
    /// Numerator.
    pub successes: usize,
    /// successes / n (`None` when n = 0).
    pub proportion: Option<f64>,
    /// Wilson lower bound.
    pub ci_lower: Option<f64>,
    /// Wilson upper bound.
    pub ci_upper: Option<f64>,
}

/// Wilson score interval `(p̂ + z²/2n ± z√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)`.
pub fn proportion(successes: usize, n: usize, z: f64) -> Proportion {
    if n == 0 {
        return Proportion {
            n,
            successes,
            proportion: None,
            ci_lower: None,
            ci_upper: None,
        };
    }
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * nf);
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    let den = 1.0 + z2 / nf;
    Proportion {
        n,
        successes,
        proportion: Some(p),
        ci_lower: Some(((centre - half) / den).max(0.0)),
        ci_upper: Some(((centre + half) / den).min(1.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_textbook_value() {
        // 8/10 at 95%: Wilson interval ≈ [0.4902, 0.9433]
        let p = proportion(8, 10, 1.959963984540054);
        assert!((p.ci_lower.unwrap() - 0.490_162).abs() < 1e-5, "{p:?}");
        assert!((p.ci_upper.unwrap() - 0.943_318).abs() < 1e-5, "{p:?}");
    }

    #[test]
    fn logistic_recovers_known_coefficients_on_grouped_data() {
        // x=0: 3/10 successes; x=1: 7/10 → β0 = logit(.3), β1 = logit(.7) − logit(.3)
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (xv, k) in [(0.0, 3), (1.0, 7)] {
            for i in 0..10 {
                x.push(xv);
                y.push(i < k);
            }
        }
        let b = logistic(&[&x], &y).unwrap();
        let lg = |p: f64| (p / (1.0 - p)).ln();
        assert!((b[0] - lg(0.3)).abs() < 1e-8);
        assert!((b[1] - (lg(0.7) - lg(0.3))).abs() < 1e-8);
    }

    #[test]
    fn wald_is_ratio_of_itts() {
        let z = [true, true, true, true, false, false, false, false];
        let d = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let y = [1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let c = [1, 1, 2, 2, 3, 3, 4, 4];
        let r = encouragement(&y, &d, &z, &c, 1.96).unwrap();
        assert!((r.itt.estimate - 0.25).abs() < 1e-12);
        assert!((r.first_stage.estimate - 0.5).abs() < 1e-12);
        assert!((r.wald.estimate - 0.5).abs() < 1e-12);
        assert_eq!(r.clusters, 4);
    }
}
