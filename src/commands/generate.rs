//! `engagement generate`: the calibrated synthetic DSN dataset of an experiment.

use crate::config::Experiment;
use crate::output::AtomicDir;
use crate::reference::Reference;
use crate::synth;
use crate::tables::{self, Format};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Output format of `generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GenerateFormat {
    Parquet,
    Csv,
    /// Monthly DSN declaration files (NEODeS, Latin-1), one per establishment and month.
    Dsn,
}

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Experiment file.
    #[arg(long, short, default_value = "experiments/baseline.toml")]
    pub experiment: PathBuf,
    /// Output directory (refused if it exists with other content, unless --force).
    #[arg(long, short)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: GenerateFormat,
    /// Replace an existing, non-empty output directory.
    #[arg(long)]
    pub force: bool,
}

/// Loads and validates an experiment file, with the file named in errors.
pub fn load_experiment(path: &Path, reference: &Reference) -> anyhow::Result<Experiment> {
    Experiment::from_file(path, reference).with_context(|| format!("experiment {}", path.display()))
}

/// Writes a generated dataset, its truth and its calibration into `dir`.
pub fn write_synthetic(
    s: &synth::Synthetic,
    calibration: &synth::calibration::Calibration,
    dir: &Path,
    format: GenerateFormat,
) -> anyhow::Result<()> {
    match format {
        GenerateFormat::Parquet | GenerateFormat::Csv => {
            let f = if format == GenerateFormat::Csv {
                Format::Csv
            } else {
                Format::Parquet
            };
            tables::write_dataset(&s.dataset, dir, f)?;
            let truth_dir = dir.join("truth");
            std::fs::create_dir_all(&truth_dir)?;
            let mut df = synth::truth_df(&s.truth)?;
            tables::write_df(
                &mut df,
                &truth_dir.join(format!("establishments_truth.{}", f.extension())),
                f,
            )?;
        }
        GenerateFormat::Dsn => {
            crate::dsn::write_dataset(&s.dataset, dir, &crate::dsn::WriterOptions::default())?;
        }
    }
    tables::write_text(
        &dir.join("calibration.json"),
        &serde_json::to_string_pretty(calibration)?,
    )?;
    Ok(())
}

pub fn execute(args: GenerateArgs, quiet: bool) -> anyhow::Result<()> {
    let reference = Reference::load();
    let exp = load_experiment(&args.experiment, &reference)?;
    let out = AtomicDir::create(&args.out, args.force)?;
    let t0 = std::time::Instant::now();
    let s = synth::generate(&exp, &reference, !quiet)?;
    let calibration = synth::calibration::check(&s.dataset, &exp.generator, &reference);
    write_synthetic(&s, &calibration, out.path(), args.format)?;
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
