//! Descriptive statistics and distribution helpers shared by the scoring, estimation and report
//! stages: means and variances (plain and weighted), quantiles with numpy's default rule,
//! median absolute deviation, percentile ranks, rank correlations (Spearman, Kendall tau-b),
//! and normal / Student-t quantiles and CDFs (via statrs).
//!
//! Conventions follow numpy/scipy so that numbers can be checked against a Python session:
//! `quantile` is Hyndman–Fan type 7 (`numpy.quantile` default), `mad` is
//! `scipy.stats.median_abs_deviation`, `percentile_rank` is `scipy.stats.percentileofscore`
//! with `kind = "rank"`, `kendall_tau_b` is `scipy.stats.kendalltau` (tau-b).
//!
//! Functions return `None` when the statistic is undefined (empty input, zero variance, a NaN
//! in the data), never a silent NaN.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// `1 / Φ⁻¹(3/4)`: scales the MAD into a consistent estimator of a normal SD.
pub const MAD_NORMAL_SCALE: f64 = 1.482_602_218_505_602;

fn finite(x: &[f64]) -> bool {
    x.iter().all(|v| v.is_finite())
}

/// Arithmetic mean.
pub fn mean(x: &[f64]) -> Option<f64> {
    if x.is_empty() || !finite(x) {
        return None;
    }
    Some(x.iter().sum::<f64>() / x.len() as f64)
}

/// Sample variance with `ddof` degrees of freedom removed (`ddof = 1`: unbiased).
pub fn variance(x: &[f64], ddof: usize) -> Option<f64> {
    let m = mean(x)?;
    if x.len() <= ddof {
        return None;
    }
    Some(x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - ddof) as f64)
}

/// Sample standard deviation (`ddof = 1`).
pub fn sd(x: &[f64]) -> Option<f64> {
    variance(x, 1).map(f64::sqrt)
}

fn check_weights(x: &[f64], w: &[f64]) -> Option<f64> {
    if x.len() != w.len() || x.is_empty() || !finite(x) || w.iter().any(|v| v.is_nan() || *v < 0.0)
    {
        return None;
    }
    let sw: f64 = w.iter().sum();
    (sw > 0.0 && sw.is_finite()).then_some(sw)
}

/// Weighted mean `Σ wᵢ xᵢ / Σ wᵢ` (weights non-negative, not all zero).
pub fn weighted_mean(x: &[f64], w: &[f64]) -> Option<f64> {
    let sw = check_weights(x, w)?;
    Some(x.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw)
}

/// Weighted population variance `Σ wᵢ (xᵢ − x̄_w)² / Σ wᵢ`.
pub fn weighted_var(x: &[f64], w: &[f64]) -> Option<f64> {
    let sw = check_weights(x, w)?;
    let m = weighted_mean(x, w)?;
    Some(
        x.iter()
            .zip(w)
            .map(|(a, b)| b * (a - m) * (a - m))
            .sum::<f64>()
            / sw,
    )
}

fn sorted(x: &[f64]) -> Option<Vec<f64>> {
    if x.is_empty() || !finite(x) {
        return None;
    }
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    Some(s)
}

/// Quantile of already sorted data, type 7: `h = (n − 1) q`, linear between order statistics.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Quantile, Hyndman–Fan type 7 (`numpy.quantile` default), `q ∈ [0, 1]`.
pub fn quantile(x: &[f64], q: f64) -> Option<f64> {
    quantile_sorted(&sorted(x)?, q)
}

/// Quantile, Hyndman–Fan type 1 (inverse of the empirical CDF, R `quantile(type = 1)`):
/// the `⌈n q⌉`-th smallest value, `q ∈ (0, 1]` (the smallest value for `q = 0`).
pub fn quantile_type1(x: &[f64], q: f64) -> Option<f64> {
    let s = sorted(x)?;
    if s.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let j = (s.len() as f64 * q).ceil() as usize;
    Some(s[j.clamp(1, s.len()) - 1])
}

/// Median.
pub fn median(x: &[f64]) -> Option<f64> {
    quantile(x, 0.5)
}

/// Raw median absolute deviation `median |xᵢ − median(x)|`.
pub fn mad_raw(x: &[f64]) -> Option<f64> {
    let m = median(x)?;
    let dev: Vec<f64> = x.iter().map(|v| (v - m).abs()).collect();
    median(&dev)
}

/// MAD scaled to estimate a normal SD: `1.4826… × mad_raw` (scipy `scale="normal"`).
pub fn mad(x: &[f64]) -> Option<f64> {
    mad_raw(x).map(|m| m * MAD_NORMAL_SCALE)
}

/// Percentile rank of `score` in `x`, in [0, 100], scipy `percentileofscore(kind="rank")`:
/// `(#{x < s} + #{x ≤ s} + [any x = s]) × 50 / n`, averaging the ranks of ties.
pub fn percentile_rank(x: &[f64], score: f64) -> Option<f64> {
    if x.is_empty() || !finite(x) || !score.is_finite() {
        return None;
    }
    let left = x.iter().filter(|v| **v < score).count();
    let right = x.iter().filter(|v| **v <= score).count();
    let plus1 = usize::from(left < right);
    Some((left + right + plus1) as f64 * 50.0 / x.len() as f64)
}

/// Average ranks (1-based; ties get the mean of their ranks), as `scipy.stats.rankdata`.
pub fn rank_average(x: &[f64]) -> Option<Vec<f64>> {
    if !finite(x) {
        return None;
    }
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            ranks[k] = r;
        }
        i = j + 1;
    }
    Some(ranks)
}

/// Pearson correlation; `None` if lengths differ, `n < 2` or a variance is zero.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (mx, my) = (mean(x)?, mean(y)?);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Spearman's rho: Pearson correlation of average ranks (scipy `spearmanr`).
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() {
        return None;
    }
    pearson(&rank_average(x)?, &rank_average(y)?)
}

/// Kendall's tau-b, `(n_c − n_d) / sqrt((n₀ − n₁)(n₀ − n₂))`, by Knight's (1966) O(n log n)
/// algorithm: sort by (x, y), count tied pairs, then count discordant pairs as the swaps of a
/// merge sort on y.
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n != y.len() || n < 2 || !finite(x) || !finite(y) {
        return None;
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(y[a].total_cmp(&y[b])));
    let pairs = |len: u64| len * len.saturating_sub(1) / 2;
    // Ties in x (n1) and joint ties in (x, y) (n3).
    let (mut n1, mut n3) = (0u64, 0u64);
    let (mut run_x, mut run_xy) = (1u64, 1u64);
    for k in 1..n {
        let (a, b) = (idx[k - 1], idx[k]);
        if x[a] == x[b] {
            run_x += 1;
            if y[a] == y[b] {
                run_xy += 1;
            } else {
                n3 += pairs(run_xy);
                run_xy = 1;
            }
        } else {
            n1 += pairs(run_x);
            n3 += pairs(run_xy);
            run_x = 1;
            run_xy = 1;
        }
    }
    n1 += pairs(run_x);
    n3 += pairs(run_xy);
    // Discordant pairs = inversions of y in this order.
    let mut ys: Vec<f64> = idx.iter().map(|&i| y[i]).collect();
    let mut buf = ys.clone();
    let swaps = merge_count(&mut ys, &mut buf);
    // Ties in y, from the now sorted y.
    let mut n2 = 0u64;
    let mut run = 1u64;
    for k in 1..n {
        if ys[k] == ys[k - 1] {
            run += 1;
        } else {
            n2 += pairs(run);
            run = 1;
        }
    }
    n2 += pairs(run);
    let n0 = pairs(n as u64);
    let denom = ((n0 - n1) as f64 * (n0 - n2) as f64).sqrt();
    if denom == 0.0 {
        return None;
    }
    // n_c − n_d = n0 − n1 − n2 + n3 − 2·swaps.
    let num = n0 as f64 - n1 as f64 - n2 as f64 + n3 as f64 - 2.0 * swaps as f64;
    Some(num / denom)
}

/// Merge sort counting strict inversions (equal values are not inversions).
fn merge_count(v: &mut [f64], buf: &mut [f64]) -> u64 {
    let n = v.len();
    if n < 2 {
        return 0;
    }
    let mid = n / 2;
    let mut swaps = {
        let (l, r) = v.split_at_mut(mid);
        let (bl, br) = buf.split_at_mut(mid);
        merge_count(l, bl) + merge_count(r, br)
    };
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        if v[j] < v[i] {
            buf[k] = v[j];
            swaps += (mid - i) as u64;
            j += 1;
        } else {
            buf[k] = v[i];
            i += 1;
        }
        k += 1;
    }
    buf[k..k + mid - i].copy_from_slice(&v[i..mid]);
    let k2 = k + mid - i;
    buf[k2..n].copy_from_slice(&v[j..n]);
    v.copy_from_slice(&buf[..n]);
    swaps
}

/// Standard normal CDF Φ(z).
pub fn normal_cdf(z: f64) -> f64 {
    std_normal().cdf(z)
}

/// Standard normal quantile Φ⁻¹(p), `p ∈ (0, 1)`.
pub fn normal_quantile(p: f64) -> Option<f64> {
    (p > 0.0 && p < 1.0).then(|| std_normal().inverse_cdf(p))
}

/// Student-t CDF with `df > 0` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> Option<f64> {
    StudentsT::new(0.0, 1.0, df).ok().map(|d| d.cdf(t))
}

/// Student-t quantile with `df > 0` degrees of freedom, `p ∈ (0, 1)`.
pub fn t_quantile(p: f64, df: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    StudentsT::new(0.0, 1.0, df).ok().map(|d| d.inverse_cdf(p))
}

/// Chi-squared survival function `P(χ²_df > x)`.
pub fn chi2_sf(x: f64, df: f64) -> Option<f64> {
    use statrs::distribution::ChiSquared;
    ChiSquared::new(df).ok().map(|d| d.sf(x))
}

/// F survival function `P(F_{d1,d2} > x)`.
pub fn f_sf(x: f64, d1: f64, d2: f64) -> Option<f64> {
    use statrs::distribution::FisherSnedecor;
    FisherSnedecor::new(d1, d2).ok().map(|d| d.sf(x))
}

fn std_normal() -> Normal {
    Normal::standard()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values from numpy 2.4.6 / scipy 1.17.1.
    const X: [f64; 12] = [3.1, 1.2, 5.5, 2.0, 2.0, 7.3, 4.4, 1.2, 6.0, 3.1, 9.9, 0.5];
    const Y: [f64; 12] = [2.0, 1.0, 4.0, 3.0, 2.5, 8.0, 4.0, 0.0, 5.0, 3.5, 7.0, 1.0];

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    #[test]
    fn moments_and_quantiles_match_numpy() {
        close(mean(&X).unwrap(), 3.85);
        close(variance(&X, 1).unwrap(), 8.126363636363637);
        let w = [1., 2., 1., 1., 3., 1., 1., 1., 2., 1., 1., 1.];
        close(weighted_mean(&X, &w).unwrap(), 3.5875000000000004);
        for (q, e) in [
            (0.0, 0.5),
            (0.1, 1.2),
            (0.25, 1.8),
            (0.5, 3.1),
            (0.9, 7.17),
            (1.0, 9.9),
        ] {
            close(quantile(&X, q).unwrap(), e);
        }
        close(median(&X).unwrap(), 3.1);
        close(mad_raw(&X).unwrap(), 1.9000000000000001);
        close(mad(&X).unwrap(), 2.816944215160644);
        assert_eq!(mean(&[]), None);
        assert_eq!(median(&[1.0, f64::NAN]), None);
        assert_eq!(quantile(&X, 1.5), None);
        // Weighted variance with unit weights is the population variance.
        close(
            weighted_var(&X, &[1.0; 12]).unwrap(),
            variance(&X, 0).unwrap(),
        );
    }

    #[test]
    fn percentile_rank_matches_scipy() {
        for (s, e) in [
            (2.0, 37.5),
            (3.1, 54.16666666666667),
            (0.1, 0.0),
            (10.0, 100.0),
            (4.0, 58.333333333333336),
        ] {
            close(percentile_rank(&X, s).unwrap(), e);
        }
    }

    #[test]
    fn rank_correlations_match_scipy() {
        close(spearman(&X, &Y).unwrap(), 0.9435640777208729);
        close(kendall_tau_b(&X, &Y).unwrap(), 0.8346715445620434);
        close(kendall_tau_b(&[1., 2., 3.], &[3., 2., 1.]).unwrap(), -1.0);
        assert_eq!(kendall_tau_b(&[1., 1., 1.], &[1., 2., 3.]), None);
        assert_eq!(spearman(&[1., 1., 1.], &[1., 2., 3.]), None);
    }

    /// Knight's algorithm agrees with the O(n²) definition, ties included.
    #[test]
    fn kendall_matches_quadratic_definition() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..50 {
            let n = rng.random_range(2..60);
            let x: Vec<f64> = (0..n).map(|_| rng.random_range(0..8) as f64).collect();
            let y: Vec<f64> = (0..n).map(|_| rng.random_range(0..8) as f64).collect();
            let (mut c, mut d, mut tx, mut ty) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
            for i in 0..n {
                for j in (i + 1)..n {
                    let s = (x[i] - x[j]) * (y[i] - y[j]);
                    if s > 0.0 {
                        c += 1.0
                    } else if s < 0.0 {
                        d += 1.0
                    } else if x[i] != x[j] {
                        ty += 1.0
                    } else if y[i] != y[j] {
                        tx += 1.0
                    }
                }
            }
            let expect = (c - d) / ((c + d + tx) * (c + d + ty)).sqrt();
            match kendall_tau_b(&x, &y) {
                Some(t) => assert!((t - expect).abs() < 1e-12),
                None => assert!(!expect.is_finite()),
            }
        }
    }

    #[test]
    fn distributions_match_scipy() {
        close(normal_quantile(0.975).unwrap(), 1.959963984540054);
        assert!((t_quantile(0.975, 7.0).unwrap() - 2.364624251592784).abs() < 1e-9);
        assert!((t_cdf(-2.1, 12.0).unwrap() - 0.028772469367475562).abs() < 1e-12);
        let c = normal_cdf(1.3);
        // statrs' erfc is accurate to about 5e-12.
        assert!((c - 0.9031995154143897).abs() < 1e-10, "{c}");
        assert_eq!(normal_quantile(1.0), None);
    }
}
