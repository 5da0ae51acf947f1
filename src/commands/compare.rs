//! `engagement compare RUN_A RUN_B [--out DIR] [--lang fr|en]`: label flips, Kendall τ-b of
//! the scores and changes in estimates between two runs, as HTML, Markdown and JSON.

use crate::config::Lang;
use anyhow::Context;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// First run folder (A), containing results.json.
    pub run_a: PathBuf,
    /// Second run folder (B), containing results.json.
    pub run_b: PathBuf,
    /// Output folder (default: `RUN_B/compare-NAME_OF_RUN_A`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Report language: fr (default) or en.
    #[arg(long, default_value = "fr")]
    pub lang: String,
}

fn label(p: &std::path::Path) -> String {
    p.file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| p.display().to_string())
}

/// A run's `results.json` with its per-SIRET scores, which published results do not carry:
/// they are read from the run's research folder (runs written before the split still carry
/// them in `results.json`).
fn with_research_scores(run: &std::path::Path) -> anyhow::Result<crate::report::RunResults> {
    let mut r = crate::report::read_results(run)?;
    if let Some(s) = r.score.as_mut().filter(|s| s.reference_scores.is_empty()) {
        let research = crate::score::io::read_research_scores(run)?.unwrap_or_default();
        s.reference_scores = research
            .into_iter()
            .map(|e| crate::report::results::EstablishmentScore {
                siret: e.siret,
                sector: e.section,
                zone: e.zone,
                score: e.score,
                level: e.level.unwrap_or(0),
            })
            .collect();
    }
    Ok(r)
}

pub fn execute(args: CompareArgs, quiet: bool) -> anyhow::Result<()> {
    let lang: Lang = args.lang.parse()?;
    let a = with_research_scores(&args.run_a).context("reading run A")?;
    let b = with_research_scores(&args.run_b).context("reading run B")?;
    let cmp = crate::report::compare_runs(
        &args.run_a.display().to_string(),
        &a,
        &args.run_b.display().to_string(),
        &b,
    );
    let out = args
        .out
        .unwrap_or_else(|| args.run_b.join(format!("compare-{}", label(&args.run_a))));
    let files = crate::report::render_comparison_files(&cmp, lang)?;
    let stage = crate::output::AtomicDir::open(&out, crate::output::Existing::Update, &[])?;
    stage.write_all(&files)?;
    stage
        .commit()
        .with_context(|| format!("writing the comparison in {}", out.display()))?;
    if !quiet {
        eprintln!(
            "{} establishments in both runs, {} label flips, Kendall tau-b {}; written to {}",
            cmp.n_common,
            cmp.n_flips,
            cmp.kendall_tau_b
                .map(|t| format!("{t:.3}"))
                .unwrap_or_else(|| "n/a".into()),
            out.join("index.html").display()
        );
    }
    Ok(())
}
