//! `engagement bench`: benchmarks at scale tiers, outside the test gate.
//!
//! Each tier runs in a child process (`--single`), so that peak memory (VmHWM) is the
//! tier's own. Figures print as a table and are written to `reports/bench/<target>.json`.
//! Build with `--release` for meaningful numbers.

use crate::config::Experiment;
use crate::reference::Reference;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// What to benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Generator end to end to Parquet (tiers = establishments).
    Generate,
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[arg(value_enum)]
    pub target: Target,
    /// Scale tiers (establishments, units or persons depending on the target).
    #[arg(long, value_delimiter = ',', default_value = "5000,50000,200000")]
    pub tiers: Vec<u32>,
    /// Years simulated (generator targets).
    #[arg(long, default_value_t = 5)]
    pub years: u32,
    /// Experiment providing the other parameters.
    #[arg(long, default_value = "experiments/baseline.toml")]
    pub experiment: PathBuf,
    /// Where to write the JSON figures.
    #[arg(long, default_value = "reports/bench")]
    pub out: PathBuf,
    /// Internal: run one tier in this process and print its figures as JSON.
    #[arg(long, hide = true)]
    pub single: Option<u32>,
}

/// Figures of one tier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TierFigures {
    pub target: Target,
    pub tier: u32,
    /// Wall time of the measured work, in seconds.
    pub seconds: f64,
    /// Peak resident memory of the process, in MiB.
    pub peak_mib: f64,
    /// Work items: contracts (generate).
    pub items: u64,
    pub items_per_second: f64,
    /// Extra figures, by name.
    pub extra: std::collections::BTreeMap<String, f64>,
}

/// Peak resident set size of this process (Linux `VmHWM`), in MiB.
pub fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn single(args: &BenchArgs, tier: u32) -> anyhow::Result<TierFigures> {
    let reference = Reference::load();
    let mut exp = Experiment::from_file(&args.experiment, &reference)
        .with_context(|| format!("experiment {}", args.experiment.display()))?;
    match args.target {
        Target::Generate => {
            exp.generator.establishments = tier;
            exp.generator.years = args.years;
            let tmp = std::env::temp_dir().join(format!("engagement-bench-{}", std::process::id()));
            std::fs::create_dir_all(&tmp)?;
            let t = Instant::now();
            let s = crate::synth::generate(&exp, &reference, false)?;
            let t_gen = t.elapsed().as_secs_f64();
            crate::tables::write_dataset(&s.dataset, &tmp, crate::tables::Format::Parquet)?;
            let seconds = t.elapsed().as_secs_f64();
            std::fs::remove_dir_all(&tmp)?;
            let items = s.dataset.contracts.len() as u64;
            let mut extra = std::collections::BTreeMap::new();
            extra.insert("simulation_seconds".into(), t_gen);
            extra.insert("persons".into(), s.dataset.persons.len() as f64);
            extra.insert("stoppages".into(), s.dataset.stoppages.len() as f64);
            Ok(TierFigures {
                target: args.target,
                tier,
                seconds,
                peak_mib: peak_mib(),
                items,
                items_per_second: items as f64 / seconds,
                extra,
            })
        }
    }
}

pub fn execute(args: BenchArgs, quiet: bool) -> anyhow::Result<()> {
    if let Some(tier) = args.single {
        println!("{}", serde_json::to_string(&single(&args, tier)?)?);
        return Ok(());
    }
    let exe = std::env::current_exe()?;
    let mut all = Vec::new();
    for &tier in &args.tiers {
        let target = serde_json::to_value(args.target)?;
        let out = std::process::Command::new(&exe)
            .arg("bench")
            .arg(target.as_str().unwrap_or("generate"))
            .args([
                "--single",
                &tier.to_string(),
                "--years",
                &args.years.to_string(),
            ])
            .arg("--experiment")
            .arg(&args.experiment)
            .output()?;
        if !out.status.success() {
            anyhow::bail!(
                "tier {tier} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let f: TierFigures = serde_json::from_slice(&out.stdout)?;
        if !quiet {
            eprintln!(
                "{:?} tier {:>8}: {:>8.2}s  peak {:>8.0} MiB  items {:>11}  {:>12.0} items/s",
                f.target, f.tier, f.seconds, f.peak_mib, f.items, f.items_per_second
            );
        }
        all.push(f);
    }
    std::fs::create_dir_all(&args.out)?;
    let name = serde_json::to_value(args.target)?;
    let path = args
        .out
        .join(format!("{}.json", name.as_str().unwrap_or("bench")));
    crate::tables::write_text(&path, &serde_json::to_string_pretty(&all)?)?;
    if !quiet {
        eprintln!("→ {}", path.display());
    }
    Ok(())
}
