//! Command handlers: the CLI edge. Only here (and in `pipeline`) are files read and written,
//! and only here is `anyhow` used, to add file and experiment context to library errors.

pub mod bench;
pub mod cluster;
pub mod compare;
pub mod engine_args;
pub mod estimate;
pub mod estimate_input;
pub mod export;
pub mod feedback;
pub mod generate;
pub mod index;
pub mod ingest;
pub mod list;
pub mod panel;
pub mod pseudonymise;
pub mod report;
pub mod run;
pub mod score;
#[cfg(feature = "serve")]
pub mod serve;
pub mod simulate;
pub mod validate;

use crate::cli::{Cli, Command};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Where the full score output lives under `dir`: an `engagement score` folder holds it at
/// its root, a run folder under `tables/` (or `research/`).
pub fn scores_dir(dir: &Path) -> PathBuf {
    let file = crate::score::io::FULL_OUTPUT;
    ["", "tables", "research", "research/tables"]
        .iter()
        .map(|sub| dir.join(sub))
        .find(|d| d.join(file).is_file())
        .unwrap_or_else(|| dir.to_path_buf())
}

/// Reads the score outputs of an `engagement score` folder or a run folder.
pub fn read_scores(dir: &Path) -> anyhow::Result<crate::score::ScoreOutput> {
    let d = scores_dir(dir);
    crate::score::io::read_outputs(&d).with_context(|| {
        format!(
            "reading scores in {} (an `engagement score` output folder or a run folder)",
            dir.display()
        )
    })
}

mod exit;
pub use exit::{exit_code, render_error, ExitCode, UsageError};

pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Run(a) => run::execute(a, quiet),
        Command::Generate(a) => generate::execute(a, quiet),
        Command::Ingest(a) => ingest::execute(a, quiet),
        Command::Pseudonymise(a) => pseudonymise::execute(a, quiet),
        Command::Score(a) => score::execute(a, quiet),
        Command::List(a) => list::execute(a, quiet),
        #[cfg(feature = "serve")]
        Command::Serve(a) => serve::execute(a, quiet),
        Command::Export(a) => export::execute(a, quiet),
        Command::Index(a) => index::execute(a, quiet),
        Command::Panel(a) => panel::execute(a, quiet),
        Command::Estimate(c) => estimate::execute(c, quiet),
        Command::Simulate(a) => simulate::execute(a, quiet),
        Command::Validate(a) => validate::execute(a, quiet),
        Command::Report(a) => report::execute(a, quiet),
        Command::Compare(a) => compare::execute(a, quiet),
        Command::Feedback(a) => feedback::execute(a, quiet),
        Command::Bench(a) => bench::execute(a, quiet),
        Command::Cluster(c) => cluster::execute(c, quiet),
    }
}
