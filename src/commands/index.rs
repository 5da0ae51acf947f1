//! `engagement index`: the prebuilt index `serve` starts from, written beside a folder's feed.

use crate::feed::load::{self, Source};
use crate::reference::Reference;
use anyhow::Context;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// Scores folder holding a feed (`feed.parquet` with `feed.json`): the output of
    /// `engagement score`, a run folder, or a feed copied from one.
    #[arg(long)]
    pub scores: PathBuf,
}

pub fn execute(args: IndexArgs, quiet: bool) -> anyhow::Result<()> {
    let reference = Reference::load();
    let dir = match load::locate(&args.scores)
        .with_context(|| format!("scores {}", args.scores.display()))?
    {
        Source::Feed(d) => d,
        Source::ScoreOutput(d) => anyhow::bail!(
            "{}: no feed (feed.parquet with feed.json) to index; `engagement score` writes one",
            d.display()
        ),
    };
    let t = std::time::Instant::now();
    let path = load::write_index(&dir, &reference)
        .with_context(|| format!("indexing the feed in {}", dir.display()))?;
    if !quiet {
        eprintln!(
            "{} written in {:.1} s",
            path.display(),
            t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
