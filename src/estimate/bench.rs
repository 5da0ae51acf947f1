//! Timing of TWFE, the event study and unconditional Callaway–Sant'Anna on a synthetic panel
//! (for `engagement bench`; targets: TWFE with CRV1 ≥ 5× faster than pyfixest,
//! unconditional CS under 10 s, memory under 4 GiB, on 100k units × 20 periods).
//!
//! The panel is [`montecarlo::dgp_panel`] with four staggered cohorts and 40% never treated.
//! Times are wall-clock seconds of one run each, panel construction excluded.

use super::cs::{self, CsOptions};
use super::event_study::{self, EventStudyOptions};
use super::montecarlo::{self, DgpParams};
use super::twfe::{self, DofConvention};
use super::EstimateError;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Benchmark figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchFigures {
    pub units: usize,
    pub periods: usize,
    pub rows: usize,
    /// Seconds to build and validate the panel.
    pub panel_secs: f64,
    /// Seconds for TWFE with CRV1.
    pub twfe_secs: f64,
    /// Seconds for the event study with the pre-trend test.
    pub event_study_secs: f64,
    /// Seconds for unconditional CS (analytic SEs, all four aggregations, no bootstrap).
    pub cs_secs: f64,
    /// ATT(g,t) cells estimated.
    pub cs_cells: usize,
    /// Seconds for the multiplier bootstrap alone (999 draws over the cells and event times):
    /// CS with bands minus CS without.
    pub bootstrap_secs: f64,
    /// TWFE estimate (sanity check against the planted 0.5).
    pub twfe_att: f64,
    /// CS simple aggregate (sanity check).
    pub cs_simple_att: f64,
}

/// The benchmark panel's DGP parameters.
pub fn bench_params(units: usize, periods: usize) -> DgpParams {
    let p = periods as i64;
    let cohorts: Vec<i64> = [p / 4, p / 2, 3 * p / 4, p]
        .into_iter()
        .map(|g| g.max(2))
        .collect();
    DgpParams {
        units,
        periods,
        cohorts,
        ..Default::default()
    }
}

/// Times TWFE, the event study and unconditional CS on `units × periods`.
pub fn run(units: usize, periods: usize, seed: u64) -> Result<BenchFigures, EstimateError> {
    let t0 = Instant::now();
    let rep = montecarlo::dgp_panel(&bench_params(units, periods), seed)?;
    let panel_secs = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let tw = twfe::twfe(&rep.panel, DofConvention::Fixest)?;
    let twfe_secs = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    event_study::event_study(&rep.panel, &EventStudyOptions::default())?;
    let event_study_secs = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let c = cs::callaway_santanna(&rep.panel, &CsOptions::default())?;
    let cs_secs = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let boot = CsOptions {
        bootstrap: Some(cs::BootstrapOptions {
            iterations: 999,
            seed,
        }),
        ..Default::default()
    };
    cs::callaway_santanna(&rep.panel, &boot)?;
    let bootstrap_secs = (t0.elapsed().as_secs_f64() - cs_secs).max(0.0);
    Ok(BenchFigures {
        units,
        periods,
        rows: rep.panel.n_rows(),
        panel_secs,
        twfe_secs,
        event_study_secs,
        cs_secs,
        cs_cells: c.group_time.len(),
        bootstrap_secs,
        twfe_att: tw.att,
        cs_simple_att: c.simple.att,
    })
}

/// Writes the benchmark panel as CSV (`unit,time,y,cohort`, cohort 0 = never), the input of
/// `tests/reference/estimate/time_reference.py`.
pub fn write_csv(
    units: usize,
    periods: usize,
    seed: u64,
    path: &std::path::Path,
) -> Result<(), EstimateError> {
    use std::io::Write;
    let rep = montecarlo::dgp_panel(&bench_params(units, periods), seed)?;
    let p = &rep.panel;
    let io = |e: std::io::Error| EstimateError::Input(format!("{}: {e}", path.display()));
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    writeln!(w, "unit,time,y,cohort").map_err(io)?;
    for r in 0..p.n_rows() {
        let u = p.unit[r];
        writeln!(
            w,
            "{},{},{},{}",
            p.unit_labels[u],
            p.periods[p.period[r]],
            p.y[r],
            p.cohort[u].unwrap_or(0)
        )
        .map_err(io)?;
    }
    w.flush().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_bench_runs() {
        let f = run(500, 8, 3).unwrap();
        assert_eq!(f.rows, 4000);
        assert!((f.twfe_att - 0.5).abs() < 0.2, "{f:?}");
        assert!(f.cs_cells > 0);
    }

    /// The reference benchmark size, printed:
    /// `cargo test --lib bench_100k -- --ignored --nocapture` (release figures come from
    /// `engagement bench`).
    #[test]
    #[ignore = "slow: 100k units × 20 periods"]
    fn bench_100k_units() {
        let f = run(100_000, 20, 1).unwrap();
        println!("{}", serde_json::to_string_pretty(&f).unwrap());
        assert!((f.twfe_att - 0.5).abs() < 0.02, "{f:?}");
    }
}
