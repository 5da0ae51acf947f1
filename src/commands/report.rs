//! `engagement report RUN_DIR [--lang fr|en]`: re-renders a run's report from its
//! `results.json`, without recomputing anything. `results.json` is validated against its
//! schema and version first, and is never rewritten; the other files are replaced atomically.

use crate::config::Lang;
use anyhow::Context;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Run folder containing results.json (e.g. `reports/baseline/RUN_ID`); a run id alone is
    /// looked up under `reports/*/`.
    pub run_dir: PathBuf,
    /// Report language: fr (default) or en.
    #[arg(long, default_value = "fr")]
    pub lang: String,
}

/// A run folder, or a run id found under `reports/*/`.
pub fn resolve_run(p: &std::path::Path) -> PathBuf {
    if p.join("results.json").is_file() || p.components().count() != 1 {
        return p.to_path_buf();
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("reports")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join(p))
        .filter(|d| d.join("results.json").is_file())
        .collect();
    found.sort();
    if found.len() == 1 {
        found.remove(0)
    } else {
        p.to_path_buf()
    }
}

pub fn execute(args: ReportArgs, quiet: bool) -> anyhow::Result<()> {
    let lang: Lang = args.lang.parse()?;
    let dir = resolve_run(&args.run_dir);
    let results = crate::report::read_results(&dir)
        .with_context(|| format!("re-rendering the report in {}", dir.display()))?;
    crate::report::render_run(&results, &dir, lang)
        .with_context(|| format!("writing the report in {}", dir.display()))?;
    if !quiet {
        eprintln!("report written to {}", dir.join("index.html").display());
    }
    Ok(())
}
