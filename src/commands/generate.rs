//! `engagement generate`: the calibrated synthetic DSN dataset of an experiment.

use crate::output::AtomicDir;
use crate::pipeline::data::{load_experiment, write_synthetic, DataFormat};
use crate::reference::Reference;
use crate::synth;
use crate::tables::{self, Layout};
use anyhow::Context;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Experiment file.
    #[arg(long, short, default_value = "experiments/baseline.toml")]
    pub experiment: PathBuf,
    /// Output directory (refused if it exists with other content, unless --force).
    #[arg(long, short)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: DataFormat,
    /// Table layout: one file per table, or Hive-partitioned folders by département
    /// (Parquet only; see `data/SCHEMA.md`). Default: single, except for national
    /// experiments (more than 250,000 establishments), which are generated one département
    /// at a time into the partitioned layout.
    #[arg(long, value_enum)]
    pub layout: Option<Layout>,
    /// Replace an existing, non-empty output directory.
    #[arg(long)]
    pub force: bool,
    /// Also write a synthetic pilot under `pilot/`: the exposure register, the awarded
    /// labels and the job-seeker cohort with NIRs; the data are then the exposed world that
    /// `run` evaluates, with the cohort's jobs added.
    #[arg(long)]
    pub pilot: bool,
}

pub fn execute(args: GenerateArgs, quiet: bool) -> anyhow::Result<()> {
    let reference = Reference::load();
    let exp = load_experiment(&args.experiment, &reference)?;
    crate::output::guard_replace(&args.out, &[&args.experiment])?;
    let national = crate::national::is_national(&exp);
    let layout = args.layout.unwrap_or(if national {
        Layout::Partitioned
    } else {
        Layout::Single
    });
    anyhow::ensure!(
        layout == Layout::Single || args.format == DataFormat::Parquet,
        "--layout partitioned writes Parquet only"
    );
    anyhow::ensure!(
        !(national && args.pilot),
        "experiment {}: --pilot is built in memory and is not available for national experiments",
        exp.name
    );
    anyhow::ensure!(
        !national || layout == Layout::Partitioned,
        "experiment {}: {} establishments are generated one département at a time into the partitioned layout (--layout partitioned, Parquet)",
        exp.name,
        exp.generator.establishments
    );
    let out = AtomicDir::create(&args.out, args.force)?;
    if national {
        return generate_national(&exp, &reference, out, quiet);
    }
    let t0 = std::time::Instant::now();
    let mut s = synth::generate(&exp, &reference, !quiet)?;
    let calibration = synth::calibration::check(&s.dataset, &exp.generator, &reference);
    if args.pilot {
        let mut files = crate::pipeline::pilot::build(&exp, &reference, &s)?;
        crate::pipeline::pilot::write_files(&mut files, &out.path().join("pilot"))?;
        s.dataset = files.observed;
    }
    write_synthetic(&s, &calibration, out.path(), args.format, layout)?;
    let dir = out.commit()?;
    if !quiet {
        eprintln!("{}", calibration.table());
        eprintln!(
            "{} establishments, {} persons, {} contracts, {} stoppages in {:.2}s → {}",
            s.dataset.establishments.len(),
            s.dataset.persons.len(),
            s.dataset.contracts.len(),
            s.dataset.stoppages.len(),
            t0.elapsed().as_secs_f64(),
            dir.display()
        );
    }
    Ok(())
}

/// Generates a national experiment unit by unit (bounded memory).
fn generate_national(
    exp: &crate::config::Experiment,
    reference: &Reference,
    out: AtomicDir,
    quiet: bool,
) -> anyhow::Result<()> {
    let t0 = std::time::Instant::now();
    let d =
        crate::national::generate_partitioned(exp, reference, &synth::NoShift, out.path(), !quiet)
            .with_context(|| format!("generating {}", exp.name))?;
    let weights: Vec<f64> = d
        .units
        .iter()
        .map(|u| f64::from(u.establishments))
        .collect();
    if let Some(cal) = crate::national::combine_calibrations(&d.calibrations, &weights) {
        tables::write_text(
            &out.path().join("calibration.json"),
            &serde_json::to_string_pretty(&cal)?,
        )?;
        if !quiet {
            eprintln!("{}", cal.table());
        }
    }
    let dir = out.commit()?;
    if !quiet {
        eprintln!(
            "{} départements, {} establishments, {} persons, {} contracts, {} stoppages in {:.2}s → {}",
            d.units.len(),
            d.establishments,
            d.persons,
            d.contracts,
            d.stoppages,
            t0.elapsed().as_secs_f64(),
            dir.display()
        );
    }
    Ok(())
}
