//! `engagement panel`: the establishment × period panel of a real exposure, as
//! `engagement estimate did` reads it (integer periods, cohorts from the register).
//!
//! Reads a `score` output folder and an exposure register (CSV or Parquet), writes the panel
//! (`.csv` or `.parquet` by the output's extension) and the register's rejects
//! (`<out>.rejects.csv` unless `--rejects`), and prints the reconciliation and the
//! `estimate did` command that reads the panel.

use crate::pilot::{input, panel, register};
use crate::score::io;
use crate::tables::{self, Format};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct PanelArgs {
    /// A `score` output folder.
    #[arg(long)]
    pub scores: PathBuf,
    /// The exposure register: `siret`, `exposed_on`, optional `wave`, `arm`, `stratum`.
    #[arg(long)]
    pub register: PathBuf,
    /// Output file (`.csv` or `.parquet`).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Rejected register rows (default: `<out>.rejects.csv`).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Who enters the panel: scored and not labelled at the baseline (default), or scored.
    #[arg(long, value_enum, default_value = "unlabelled")]
    pub eligible: EligibleArg,
}

/// Eligibility flag.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum EligibleArg {
    Unlabelled,
    Scored,
}

fn format_of(path: &Path) -> anyhow::Result<Format> {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => Ok(Format::Csv),
        Some(e) if e.eq_ignore_ascii_case("parquet") => Ok(Format::Parquet),
        _ => bail!(
            "{}: unknown format, expected a .csv or .parquet file",
            path.display()
        ),
    }
}

pub fn execute(args: PanelArgs, quiet: bool) -> anyhow::Result<()> {
    let format = format_of(&args.out)?;
    let rejects_path = args.rejects.clone().unwrap_or_else(|| {
        let mut name = args.out.file_name().unwrap_or_default().to_os_string();
        name.push(".rejects.csv");
        args.out.with_file_name(name)
    });
    for target in [&args.out, &rejects_path] {
        if crate::output::resolve(target) == crate::output::resolve(&args.register) {
            bail!("{}: would overwrite the register", target.display());
        }
    }
    let scores = io::read_outputs(&args.scores)
        .with_context(|| format!("scores {}", args.scores.display()))?;
    let periods = scores.periods();
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        bail!("{}: no scored period", args.scores.display());
    };
    let window = register::Window {
        after: first.end,
        until: last.end,
    };
    let known = |s: u64| scores.establishment(s).is_some();
    let reg = register::read(&args.register, known, window)?;
    input::write_rejects(&rejects_path, &reg.rejects)?;
    let eligibility = match args.eligible {
        EligibleArg::Unlabelled => panel::Eligibility::Unlabelled,
        EligibleArg::Scored => panel::Eligibility::Scored,
    };
    let p = panel::build(&scores, &reg, eligibility)
        .with_context(|| format!("register {}", args.register.display()))?;
    let mut df = panel::panel_df(&p)?;
    tables::write_df(&mut df, &args.out, format)?;
    if !quiet {
        let r = &reg.reconciliation;
        eprintln!(
            "register {}: {} rows read = {} kept + {} rejected ({})",
            args.register.display(),
            r.read,
            r.kept,
            r.rejected,
            rejects_path.display()
        );
        eprintln!(
            "panel {}: {} establishments ({} exposed, {} comparison; {} registered but not eligible), {} rows, baseline {}",
            args.out.display(),
            p.units.len(),
            p.exposed(),
            p.comparison(),
            p.registered_not_eligible,
            df.height(),
            p.baseline_label()
        );
        eprintln!(
            "next: engagement estimate did --input {} --unit siret --time period --outcome score --cohort cohort",
            args.out.display()
        );
    }
    Ok(())
}
