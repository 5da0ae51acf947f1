//! `engagement pseudonymise`: the ingest pseudonym applied to an external file (a job-seeker
//! cohort), so that it joins the DSN tables on `person_id` without carrying the NIR.
//!
//! Same key handling as `ingest` (`--key-file`, else `ENGAGEMENT_KEY`; refused without a key
//! unless `--demo-key`). Reads CSV (every column as text) or Parquet, writes CSV or Parquet
//! by the output's extension, atomically; rows whose identifier cannot be used go to a
//! rejects CSV (row number and reason, never the value). Nothing it prints holds a NIR.

use super::ingest::resolve_key;
use crate::dsn::cohort::{self, Pseudonymised};
use crate::tables::{self, Format};
use anyhow::{bail, Context};
use polars::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct PseudonymiseArgs {
    /// The file to pseudonymise (`.csv` or `.parquet`).
    #[arg(long = "in", value_name = "FILE")]
    pub input: PathBuf,
    /// The column holding the NIR (13 characters, or 15 with the key).
    #[arg(long, default_value = "nir")]
    pub id: String,
    /// Name of the pseudonym column that replaces it.
    #[arg(long = "as", default_value = "person_id")]
    pub as_name: String,
    /// Output file (`.csv` or `.parquet`).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Rows that cannot be used, with their reason (default: next to the output,
    /// `<out>.rejects.csv`).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// File holding the pseudonymisation key (otherwise the ENGAGEMENT_KEY variable).
    #[arg(long, conflicts_with = "demo_key")]
    pub key_file: Option<PathBuf>,
    /// Use the public demo key (synthetic or sample data only).
    #[arg(long)]
    pub demo_key: bool,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
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

fn read_input(path: &Path) -> anyhow::Result<DataFrame> {
    match format_of(path)? {
        Format::Csv => Ok(tables::read_csv(path)?),
        Format::Parquet => {
            let f = std::fs::File::open(path).with_context(|| path.display().to_string())?;
            ParquetReader::new(f)
                .finish()
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
    }
}

fn rejects_path(args: &PseudonymiseArgs) -> PathBuf {
    args.rejects.clone().unwrap_or_else(|| {
        let mut name = args.out.file_name().unwrap_or_default().to_os_string();
        name.push(".rejects.csv");
        args.out.with_file_name(name)
    })
}

fn write_rejects(p: &Pseudonymised, path: &Path) -> anyhow::Result<()> {
    let mut text = String::from("row,reason\n");
    for r in &p.rejects {
        text.push_str(&format!("{},{}\n", r.row, r.reason.as_str()));
    }
    crate::output::write_file(path, text.as_bytes())?;
    Ok(())
}

pub fn execute(args: PseudonymiseArgs, quiet: bool) -> anyhow::Result<()> {
    run(args, quiet).map_err(super::ingest::scrub_error)
}

fn run(args: PseudonymiseArgs, quiet: bool) -> anyhow::Result<()> {
    let (key, _) = resolve_key(args.key_file.as_deref(), args.demo_key)?;
    let out_format = format_of(&args.out)?;
    let rejects = rejects_path(&args);
    let mut inputs = vec![args.input.as_path()];
    inputs.extend(args.key_file.as_deref());
    for p in [&args.out, &rejects] {
        crate::output::guard_replace(p, &inputs)?;
        if p.exists() && !args.force {
            bail!("{} exists; pass --force to replace it", p.display());
        }
    }
    let df = read_input(&args.input)?;
    let mut p = cohort::pseudonymise(df, &args.id, &args.as_name, &key)
        .with_context(|| args.input.display().to_string())?;
    if p.read != p.kept() + p.rejects.len() as u64 {
        bail!("internal error: rows do not reconcile");
    }
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    }
    write_rejects(&p, &rejects)?;
    tables::write_df(&mut p.table, &args.out, out_format)?;
    if !quiet {
        eprintln!(
            "rows: {} read = {} kept + {} rejected{}",
            p.read,
            p.kept(),
            p.rejects.len(),
            if key.is_demo() {
                " (DEMO KEY: pseudonyms are not secret)"
            } else {
                ""
            }
        );
        eprintln!(
            "written to {} (rejects: {})",
            args.out.display(),
            rejects.display()
        );
    }
    Ok(())
}
