//! Command handlers: the CLI edge. Only here (and in `pipeline`) are files read and written,
//! and only here is `anyhow` used, to add file and experiment context to library errors.

pub mod bench;
pub mod compare;
pub mod estimate;
pub mod feedback;
pub mod generate;
pub mod ingest;
pub mod list;
pub mod report;
pub mod run;
pub mod score;
pub mod simulate;

use crate::cli::{Cli, Command};

mod exit;
pub use exit::{exit_code, render_error, ExitCode, UsageError};

pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Run(a) => run::execute(a, quiet),
        Command::Generate(a) => generate::execute(a, quiet),
        Command::Ingest(a) => ingest::execute(a, quiet),
        Command::Score(a) => score::execute(a, quiet),
        Command::List(a) => list::execute(a, quiet),
        Command::Estimate(c) => estimate::execute(c, quiet),
        Command::Simulate(a) => simulate::execute(a, quiet),
        Command::Report(a) => report::execute(a, quiet),
        Command::Compare(a) => compare::execute(a, quiet),
        Command::Feedback(a) => feedback::execute(a, quiet),
        Command::Bench(a) => bench::execute(a, quiet),
    }
}
