//! `engagement report RUN_DIR [--lang fr|en]`: re-renders a run's report from its
//! `results.json`, without recomputing anything. The folder is replaced atomically.

use crate::config::Lang;
use anyhow::Context;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Run folder containing results.json (e.g. `reports/default/RUN_ID`).
    pub run_dir: PathBuf,
    /// Report language: fr (default) or en.
    #[arg(long, default_value = "fr")]
    pub lang: String,
}

pub fn execute(args: ReportArgs, quiet: bool) -> anyhow::Result<()> {
    let lang: Lang = args.lang.parse()?;
    let results = crate::report::read_results(&args.run_dir)
        .with_context(|| format!("re-rendering the report in {}", args.run_dir.display()))?;
    crate::report::render_run(&results, &args.run_dir, lang)
        .with_context(|| format!("writing the report in {}", args.run_dir.display()))?;
    if !quiet {
        eprintln!(
            "report written to {}",
            args.run_dir.join("index.html").display()
        );
    }
    Ok(())
}
