//! Command-line definitions (clap). Each command's arguments live beside its handler in
//! `commands/`, so this file only assembles them.

use crate::commands;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "engagement", version, about = "Inclusive-hiring research workbench on DSN data", long_about = None)]
pub struct Cli {
    /// No progress bars or tables on stderr (for scripts).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate data (or reuse the cached data), run every stage, write the report.
    Run(commands::run::RunArgs),
    /// Generate a synthetic DSN dataset from an experiment.
    Generate(commands::generate::GenerateArgs),
    /// Read DSN declaration files (NEODeS) into the workbench tables.
    Ingest(commands::ingest::IngestArgs),
    /// Replace the NIR column of an external file (a job-seeker cohort) by the ingest pseudonym.
    Pseudonymise(commands::pseudonymise::PseudonymiseArgs),
    /// Compute indicators, scores, labels and explanations.
    Score(commands::score::ScoreArgs),
    /// Ranked list of engaged employers for counsellors.
    List(commands::list::ListArgs),
    /// Serve the counsellors' page and the JSON API over a scores folder (read-only).
    #[cfg(feature = "serve")]
    Serve(commands::serve::ServeArgs),
    /// Write the published records as a feed for job boards (JSON Lines, CSV or Parquet).
    Export(commands::export::ExportArgs),
    /// Write the prebuilt index `serve` starts from beside a folder's feed (for a feed
    /// written by an older version or copied without it).
    Index(commands::index::IndexArgs),
    /// The establishment × period panel of a real exposure, for `estimate did`.
    Panel(commands::panel::PanelArgs),
    /// Estimators on your own data.
    #[command(subcommand)]
    Estimate(commands::estimate::EstimateCommand),
    /// Monte Carlo replications of the exposure simulation: bias, coverage, power.
    Simulate(commands::simulate::SimulateArgs),
    /// Calibration of the generator and agreement of each weighting with its outcome truth.
    Validate(commands::validate::ValidateArgs),
    /// Re-render a run's report from its results.json.
    Report(commands::report::ReportArgs),
    /// Compare two runs (for example two weightings).
    Compare(commands::compare::CompareArgs),
    /// The one-page sheet an employer receives.
    Feedback(commands::feedback::FeedbackArgs),
    /// Benchmarks at scale tiers.
    Bench(commands::bench::BenchArgs),
    /// Processes of an Apache DataFusion Ballista cluster that runs this crate's plans.
    #[command(subcommand)]
    Cluster(commands::cluster::ClusterCommand),
}

impl Command {
    /// Whether the command serves peers over the network: a peer that goes away must not end
    /// it, so it keeps Rust's default of ignoring SIGPIPE.
    pub fn is_server(&self) -> bool {
        #[cfg(feature = "serve")]
        if matches!(self, Command::Serve(_)) {
            return true;
        }
        matches!(self, Command::Cluster(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
