//! `engagement generate`: the calibrated synthetic DSN dataset of an experiment.

use crate::output::AtomicDir;
use crate::pipeline::data::{load_experiment, write_synthetic, DataFormat};
use crate::reference::Reference;
use crate::synth;
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
    let out = AtomicDir::create(&args.out, args.force)?;
    let t0 = std::time::Instant::now();
    let mut s = synth::generate(&exp, &reference, !quiet)?;
    let calibration = synth::calibration::check(&s.dataset, &exp.generator, &reference);
    if args.pilot {
        let mut files = crate::pipeline::pilot::build(&exp, &reference, &s)?;
        crate::pipeline::pilot::write_files(&mut files, &out.path().join("pilot"))?;
        s.dataset = files.observed;
    }
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
