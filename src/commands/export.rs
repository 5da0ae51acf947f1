//! `engagement export`: the published records of a scores folder as a feed for job boards.

use crate::feed::{self, load, FeedFormat};
use crate::reference::Reference;
use anyhow::Context;
use std::path::PathBuf;

/// Output format of the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON record per line, exactly as the API returns it.
    Jsonl,
    /// The flat layout, one row per employer (formula injection neutralised).
    Csv,
    /// The flat layout in Parquet.
    Parquet,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Scores folder: the output of `engagement score`, or a run folder.
    #[arg(long)]
    pub scores: PathBuf,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Output file (written atomically).
    #[arg(long, short)]
    pub out: PathBuf,
}

pub fn execute(args: ExportArgs, quiet: bool) -> anyhow::Result<()> {
    crate::output::guard_replace(&args.out, &[&args.scores])?;
    let reference = Reference::load();
    let index = load::load(&args.scores, &reference)
        .with_context(|| format!("scores {}", args.scores.display()))?;
    let format = match args.format {
        ExportFormat::Jsonl => FeedFormat::Jsonl,
        ExportFormat::Csv => FeedFormat::Csv,
        ExportFormat::Parquet => FeedFormat::Parquet,
    };
    let order = index.siret_order();
    feed::write_records(order.len(), &|k| index.record(order[k]), format, &args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    if !quiet {
        eprintln!(
            "{} records ({}) written to {}",
            order.len(),
            index.meta.period,
            args.out.display()
        );
    }
    Ok(())
}
