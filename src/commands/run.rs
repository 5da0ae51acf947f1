//! `engagement run [EXPERIMENT]`: every stage on the experiment (default: the baseline).

use crate::pipeline::{self, RunOptions};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Experiment file.
    #[arg(default_value = "experiments/baseline.toml")]
    pub experiment: PathBuf,
    /// Root of the report folders (`<root>/<experiment>/<run-id>/`).
    #[arg(long, default_value = "reports")]
    pub reports: PathBuf,
    /// Cache of generated datasets, keyed by fingerprint.
    #[arg(long, default_value = "data/cache")]
    pub cache: PathBuf,
    /// Run identifier (default: the first 12 characters of the experiment hash).
    #[arg(long)]
    pub run_id: Option<String>,
    /// Report language.
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Always regenerate the data, and do not write it to the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Also write the figures a README quotes (results without bulky or per-establishment
    /// parts) to this JSON file.
    #[arg(long)]
    pub figures: Option<PathBuf>,
}

/// Language flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LangArg {
    Fr,
    En,
}

impl From<LangArg> for crate::config::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Fr => crate::config::Lang::Fr,
            LangArg::En => crate::config::Lang::En,
        }
    }
}

pub fn execute(args: RunArgs, quiet: bool) -> anyhow::Result<()> {
    let opts = RunOptions {
        experiment_path: args.experiment,
        reports_root: args.reports,
        cache_root: args.cache,
        run_id: args.run_id,
        lang: args.lang.map(Into::into),
        use_cache: !args.no_cache,
        progress: !quiet,
        command: std::env::args().collect(),
    };
    let outcome = pipeline::run(&opts)?;
    if let Some(path) = &args.figures {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let f = pipeline::figures::figures(&outcome.results);
        crate::tables::write_text(path, &(serde_json::to_string_pretty(&f)? + "\n"))?;
    }
    if !quiet {
        for s in &outcome.manifest.stages {
            eprintln!("{:<12} {:>8.2}s", s.stage, s.seconds);
        }
        eprintln!(
            "total {:.2}s → {}",
            outcome.manifest.total_seconds,
            outcome.dir.display()
        );
    }
    Ok(())
}
