//! Timings of Kaplan–Meier, log-rank and Cox on a synthetic person table (targets:
//! 1M persons, KM and log-rank < 1 s, Cox with 3 covariates < 10 s, in release).
//!
//! The data: integer-day durations from a Weibull model with three covariates (age,
//! BOETH-like binary, unemployment months), two groups, administrative censoring between
//! 100 and 1,000 days, so that ties are as frequent as in real DSN extracts.

use super::cox::{fit_cox, CoxOptions};
use super::km::KaplanMeier;
use super::logrank::logrank;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The benchmark table, column-wise.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchData {
    /// Durations (days).
    pub duration: Vec<f64>,
    /// Events.
    pub event: Vec<bool>,
    /// Group codes 0/1.
    pub group: Vec<usize>,
    /// Covariates age, boeth, unemployment months.
    pub covariates: [Vec<f64>; 3],
}

/// Draws the benchmark table.
pub fn data(n: usize, seed: u64) -> BenchData {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut d = BenchData {
        duration: Vec::with_capacity(n),
        event: Vec::with_capacity(n),
        group: Vec::with_capacity(n),
        covariates: [
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        ],
    };
    for _ in 0..n {
        let age = f64::from(r.random_range(18u8..62));
        let boeth = f64::from(u8::from(r.random::<f64>() < 0.08));
        let months = (-14.0 * (1.0 - r.random::<f64>()).ln() * 10.0).round() / 10.0;
        let g = usize::from(r.random::<f64>() < 0.35);
        let lin = -0.3 * g as f64 + 0.01 * (age - 40.0) + 0.3 * boeth + 0.01 * months;
        let t = 900.0 * (-(1.0 - r.random::<f64>()).ln() / lin.exp()).powf(1.0 / 0.7);
        let c = r.random_range(100.0..1000.0);
        d.duration.push(t.min(c).floor());
        d.event.push(t <= c);
        d.group.push(g);
        d.covariates[0].push(age);
        d.covariates[1].push(boeth);
        d.covariates[2].push(months);
    }
    d
}

/// Writes the benchmark table as CSV (`duration,event,group,age,boeth,unemp`), the input of
/// `tests/reference/retention/time_lifelines.py` and of `estimate retention` timings.
pub fn write_csv(d: &BenchData, path: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(f, "duration,event,group,age,boeth,unemp")?;
    for i in 0..d.duration.len() {
        writeln!(
            f,
            "{},{},{},{},{},{}",
            d.duration[i],
            u8::from(d.event[i]),
            d.group[i],
            d.covariates[0][i],
            d.covariates[1][i],
            d.covariates[2][i]
        )?;
    }
    f.flush()
}

/// Measured figures (seconds, wall clock, single thread).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchFigures {
    /// Persons.
    pub n: usize,
    /// Events.
    pub events: usize,
    /// Kaplan–Meier of both groups, including the rows at every time and 182/365.
    pub km_seconds: f64,
    /// Two-group log-rank test.
    pub logrank_seconds: f64,
    /// Cox, Efron ties, 3 covariates, observed information.
    pub cox_seconds: f64,
    /// Newton iterations of the Cox fit.
    pub cox_iterations: usize,
    /// Log-rank statistic (sanity).
    pub logrank_statistic: f64,
    /// Cox coefficients (sanity: about 0.01, 0.3, 0.01 up to the group omitted).
    pub cox_coefficients: Vec<f64>,
}

/// Why a benchmark failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BenchError {
    #[error("benchmark log-rank: {0}")]
    LogRank(#[from] super::logrank::LogRankError),
    #[error("benchmark Cox: {0}")]
    Cox(#[from] super::cox::CoxError),
}

/// Draws `n_persons` rows and times KM, log-rank and Cox on them.
pub fn run(n_persons: usize, seed: u64) -> Result<BenchFigures, BenchError> {
    let d = data(n_persons, seed);
    let z = super::critical_value(0.95);
    let t0 = Instant::now();
    let mut nrows = 0;
    for km in KaplanMeier::fit_by_group(&d.duration, &d.event, None, &d.group, 2) {
        nrows += km.rows(&[182.0, 365.0], z).len();
    }
    let km_seconds = t0.elapsed().as_secs_f64();
    debug_assert!(nrows > 0);
    let t0 = Instant::now();
    let lr = logrank(&d.duration, &d.event, &d.group, &["0".into(), "1".into()])?;
    let logrank_seconds = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let names = vec![
        "age".to_string(),
        "boeth".into(),
        "unemployment_months".into(),
    ];
    let cols: Vec<&[f64]> = d.covariates.iter().map(|c| c.as_slice()).collect();
    let fit = fit_cox(
        &d.duration,
        &d.event,
        None,
        &names,
        &cols,
        &CoxOptions::default(),
    )?;
    let cox_seconds = t0.elapsed().as_secs_f64();
    Ok(BenchFigures {
        n: n_persons,
        events: d.event.iter().filter(|&&e| e).count(),
        km_seconds,
        logrank_seconds,
        cox_seconds,
        cox_iterations: fit.iterations,
        logrank_statistic: lr.statistic,
        cox_coefficients: fit.terms.iter().map(|t| t.coef).collect(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_bench_runs_and_recovers_coefficients() {
        let f = super::run(20_000, 1).unwrap();
        assert!(f.events > 5_000);
        assert!(
            (f.cox_coefficients[0] - 0.01).abs() < 0.005,
            "{:?}",
            f.cox_coefficients
        );
        assert!(
            (f.cox_coefficients[1] - 0.3).abs() < 0.1,
            "{:?}",
            f.cox_coefficients
        );
    }
}
