//! Mean outcome by group and period with 95% confidence intervals: the descriptive picture
//! (treated vs comparison score trajectories) that goes next to every DiD estimate.
//!
//! Interval: `mean ± t_{0.975, n−1} · sd / sqrt(n)`, cross-sectional within each period.

use super::panel::Panel;
use super::EstimateError;
use crate::stats::describe;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One (group, period) point.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrajectoryPoint {
    /// Group label.
    pub group: String,
    /// Period.
    pub period: i64,
    /// Observations.
    pub n: usize,
    /// Mean outcome.
    pub mean: f64,
    /// Standard error of the mean (`null` when n < 2).
    pub se: Option<f64>,
    /// 95% t interval (`null` when n < 2).
    pub ci95: Option<[f64; 2]>,
}

/// Mean of `y` by (group, period), sorted by group then period.
pub fn trajectories(
    y: &[f64],
    group: &[String],
    period: &[i64],
) -> Result<Vec<TrajectoryPoint>, EstimateError> {
    if y.len() != group.len() || y.len() != period.len() {
        return Err(EstimateError::Input(format!(
            "trajectories: {} outcomes, {} groups, {} periods",
            y.len(),
            group.len(),
            period.len()
        )));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(EstimateError::Input(format!(
            "trajectories: outcome {} at row {i} is not finite",
            y[i]
        )));
    }
    let mut cells: BTreeMap<(&str, i64), Vec<f64>> = BTreeMap::new();
    for i in 0..y.len() {
        cells
            .entry((group[i].as_str(), period[i]))
            .or_default()
            .push(y[i]);
    }
    Ok(cells
        .into_iter()
        .map(|((g, t), v)| {
            let n = v.len();
            let mean = describe::mean(&v).unwrap_or_default();
            let se = describe::sd(&v).map(|s| s / (n as f64).sqrt());
            let ci95 = se.and_then(|se| {
                describe::t_quantile(0.975, (n - 1) as f64).map(|q| [mean - q * se, mean + q * se])
            });
            TrajectoryPoint {
                group: g.to_string(),
                period: t,
                n,
                mean,
                se,
                ci95,
            }
        })
        .collect())
}

/// Trajectories by cohort: `"never"` or `"cohort <g>"`.
pub fn by_cohort(panel: &Panel) -> Result<Vec<TrajectoryPoint>, EstimateError> {
    let group: Vec<String> = panel
        .unit
        .iter()
        .map(|&u| match panel.cohort[u] {
            None => "never".to_string(),
            Some(g) => format!("cohort {g}"),
        })
        .collect();
    let period: Vec<i64> = panel.period.iter().map(|&p| panel.periods[p]).collect();
    trajectories(&panel.y, &group, &period)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_and_t_intervals() {
        let y = [1.0, 2.0, 3.0, 10.0, 5.0];
        let g: Vec<String> = ["a", "a", "a", "b", "a"].map(String::from).to_vec();
        let t = [1, 1, 1, 1, 2];
        let out = trajectories(&y, &g, &t).unwrap();
        assert_eq!(out.len(), 3);
        let a1 = &out[0];
        assert_eq!((a1.group.as_str(), a1.period, a1.n), ("a", 1, 3));
        assert!((a1.mean - 2.0).abs() < 1e-15);
        // sd = 1, se = 1/sqrt(3), t_{0.975,2} = 4.302652729749464 (scipy).
        let half = 4.302652729749464 / 3f64.sqrt();
        let ci = a1.ci95.unwrap();
        assert!((ci[0] - (2.0 - half)).abs() < 1e-9 && (ci[1] - (2.0 + half)).abs() < 1e-9);
        assert_eq!(out[1].se, None); // single observation
        assert!(trajectories(&[f64::NAN], &g[..1], &t[..1]).is_err());
    }
}
