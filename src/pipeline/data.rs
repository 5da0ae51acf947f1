//! Loading experiments and writing generated datasets: the file side of the data stage,
//! shared by `run` and `generate`.

use crate::config::Experiment;
use crate::reference::Reference;
use crate::synth;
use crate::tables::{self, Format};
use anyhow::Context;
use std::path::Path;

/// How a generated dataset is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DataFormat {
    Parquet,
    Csv,
    /// Monthly DSN declaration files (NEODeS, Latin-1), one per establishment and month.
    Dsn,
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
    format: DataFormat,
) -> anyhow::Result<()> {
    let table_format = match format {
        DataFormat::Parquet => Some(Format::Parquet),
        DataFormat::Csv => Some(Format::Csv),
        DataFormat::Dsn => None,
    };
    match table_format {
        Some(f) => {
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
        None => {
            crate::dsn::write_dataset(&s.dataset, dir, &crate::dsn::WriterOptions::default())?;
        }
    }
    tables::write_text(
        &dir.join("calibration.json"),
        &serde_json::to_string_pretty(calibration)?,
    )?;
    Ok(())
}
