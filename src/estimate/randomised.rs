//! Randomised exposure: difference in means with the Neyman variance, stratified when the
//! assignment was stratified, and seeded randomisation-inference p-values that re-draw the
//! assignment under the actual design (same number treated in each stratum).
//!
//! * Difference in means: `τ̂ = ȳ₁ − ȳ₀`, `V = s₁²/n₁ + s₀²/n₀` (Neyman 1923; conservative for
//!   the finite-sample ATE).
//! * Stratified: `τ̂ = Σ_s (n_s/n) τ̂_s`, `V = Σ_s (n_s/n)² V_s`.
//! * Randomisation inference (Fisher sharp null of no effect for any unit): permute the
//!   treatment within strata, `p = (1 + #{|T_b| ≥ |T_obs|}) / (1 + B)`.

use super::EstimateError;
use crate::stats::describe;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Difference-in-means result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiffInMeans {
    /// Estimated average effect.
    pub estimate: f64,
    /// Neyman standard error.
    pub se: f64,
    /// Normal 95% interval.
    pub ci95: [f64; 2],
    /// Treated units.
    pub n_treated: usize,
    /// Control units.
    pub n_control: usize,
    /// Strata used (1 when unstratified).
    pub n_strata: usize,
}

/// Randomisation-inference result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RandomisationTest {
    /// Observed (stratified) difference in means.
    pub observed: f64,
    /// Two-sided p-value `(1 + #{|T_b| ≥ |T_obs|}) / (1 + B)`.
    pub p_value: f64,
    /// Re-randomisations drawn.
    pub draws: usize,
    /// Seed (ChaCha8).
    pub seed: u64,
}

fn strata_of(n: usize, strata: Option<&[usize]>) -> Result<Vec<usize>, EstimateError> {
    match strata {
        None => Ok(vec![0; n]),
        Some(s) if s.len() == n => Ok(s.to_vec()),
        Some(s) => Err(EstimateError::Input(format!(
            "{} strata labels for {n} units",
            s.len()
        ))),
    }
}

/// Stratified difference in means with the Neyman variance (`strata = None`: one stratum).
/// Every stratum needs at least 2 treated and 2 control units.
pub fn diff_in_means(
    y: &[f64],
    treated: &[bool],
    strata: Option<&[usize]>,
) -> Result<DiffInMeans, EstimateError> {
    let n = y.len();
    if treated.len() != n {
        return Err(EstimateError::Input(format!(
            "{} treatment flags for {n} outcomes",
            treated.len()
        )));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(EstimateError::Input(format!(
            "outcome {} at row {i} is not finite",
            y[i]
        )));
    }
    let s = strata_of(n, strata)?;
    let mut groups: BTreeMap<usize, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for i in 0..n {
        let e = groups.entry(s[i]).or_default();
        if treated[i] {
            e.0.push(y[i]);
        } else {
            e.1.push(y[i]);
        }
    }
    let (mut est, mut var) = (0.0, 0.0);
    for (label, (t, c)) in &groups {
        if t.len() < 2 || c.len() < 2 {
            return Err(EstimateError::Input(format!(
                "stratum {label}: {} treated and {} control units; at least 2 of each are needed for the Neyman variance",
                t.len(),
                c.len()
            )));
        }
        let w = (t.len() + c.len()) as f64 / n as f64;
        let (mt, mc) = (mean(t), mean(c));
        let v = describe::variance(t, 1).unwrap_or_default() / t.len() as f64
            + describe::variance(c, 1).unwrap_or_default() / c.len() as f64;
        est += w * (mt - mc);
        var += w * w * v;
    }
    let se = var.sqrt();
    let z = describe::normal_quantile(0.975).unwrap_or(1.959963984540054);
    let n_treated = treated.iter().filter(|t| **t).count();
    Ok(DiffInMeans {
        estimate: est,
        se,
        ci95: [est - z * se, est + z * se],
        n_treated,
        n_control: n - n_treated,
        n_strata: groups.len(),
    })
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Stratified difference in means without variance checks (for re-randomisations).
fn stat(y: &[f64], treated: &[bool], strata: &[usize]) -> f64 {
    let mut acc: BTreeMap<usize, [f64; 4]> = BTreeMap::new();
    for i in 0..y.len() {
        let a = acc.entry(strata[i]).or_default();
        if treated[i] {
            a[0] += y[i];
            a[1] += 1.0;
        } else {
            a[2] += y[i];
            a[3] += 1.0;
        }
    }
    let n = y.len() as f64;
    acc.values()
        .filter(|a| a[1] > 0.0 && a[3] > 0.0)
        .map(|a| (a[1] + a[3]) / n * (a[0] / a[1] - a[2] / a[3]))
        .sum()
}

/// Randomisation-inference p-value under the sharp null, permuting treatment within strata.
pub fn randomisation_test(
    y: &[f64],
    treated: &[bool],
    strata: Option<&[usize]>,
    draws: usize,
    seed: u64,
) -> Result<RandomisationTest, EstimateError> {
    let observed = diff_in_means(y, treated, strata)?.estimate;
    if draws == 0 {
        return Err(EstimateError::Input(
            "randomisation test needs draws ≥ 1".into(),
        ));
    }
    let s = strata_of(y.len(), strata)?;
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, st) in s.iter().enumerate() {
        members.entry(*st).or_default().push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut perm = treated.to_vec();
    let tol = 1e-12 * observed.abs().max(1.0);
    let mut extreme = 0usize;
    for _ in 0..draws {
        for idx in members.values() {
            let mut flags: Vec<bool> = idx.iter().map(|&i| treated[i]).collect();
            flags.shuffle(&mut rng);
            for (k, &i) in idx.iter().enumerate() {
                perm[i] = flags[k];
            }
        }
        if stat(y, &perm, &s).abs() >= observed.abs() - tol {
            extreme += 1;
        }
    }
    Ok(RandomisationTest {
        observed,
        p_value: (1 + extreme) as f64 / (1 + draws) as f64,
        draws,
        seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neyman_matches_hand_computation() {
        let y = [3.0, 5.0, 4.0, 1.0, 2.0, 0.0];
        let t = [true, true, true, false, false, false];
        let r = diff_in_means(&y, &t, None).unwrap();
        assert!((r.estimate - 3.0).abs() < 1e-15);
        // s1² = 1, s0² = 1: V = 1/3 + 1/3.
        assert!((r.se - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert!(diff_in_means(&y, &[true, false, false, false, false, false], None).is_err());
    }

    #[test]
    fn randomisation_p_values_behave() {
        // Strong effect: smallest attainable p with 20 choose 10 assignments.
        let y: Vec<f64> = (0..20)
            .map(|i| {
                if i < 10 {
                    10.0 + i as f64 * 0.1
                } else {
                    i as f64 * 0.1
                }
            })
            .collect();
        let t: Vec<bool> = (0..20).map(|i| i < 10).collect();
        let strata: Vec<usize> = (0..20).map(|i| i % 2).collect();
        let r = randomisation_test(&y, &t, Some(&strata), 999, 1).unwrap();
        assert!(r.p_value <= 0.002, "{r:?}");
        // No effect: p-value is far from 0, and reproducible with the seed.
        let y0: Vec<f64> = (0..20).map(|i| ((i * 37) % 11) as f64).collect();
        let a = randomisation_test(&y0, &t, Some(&strata), 499, 7).unwrap();
        let b = randomisation_test(&y0, &t, Some(&strata), 499, 7).unwrap();
        assert_eq!(a, b);
        assert!(a.p_value > 0.1, "{a:?}");
    }
}
