//! `engagement compare RUN_A RUN_B [--out DIR] [--lang fr|en] [--allow-different]`: label
//! changes (not calculable kept apart from not labelled), Kendall τ-b and Spearman ρ of the
//! scores, the truth of each run and changes in estimates between two runs, as HTML,
//! Markdown, JSON and a per-SIRET `flips.csv`. Both `results.json` are validated first; runs of
//! different experiments on different data are refused unless `--allow-different`.

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
    /// Compare runs of different experiments on different data.
    #[arg(long)]
    pub allow_different: bool,
}

fn label(p: &std::path::Path) -> String {
    p.file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| p.display().to_string())
}

/// Fills a run's per-SIRET scores, which its published `results.json` does not carry, from
/// the run's research folder (left empty when the run has none).
fn with_research_scores(
    mut r: crate::report::RunResults,
    run: &std::path::Path,
) -> anyhow::Result<crate::report::RunResults> {
    if let Some(s) = r.score.as_mut().filter(|s| s.reference_scores.is_empty()) {
        let research = crate::score::io::read_research_scores(run)?.unwrap_or_default();
        s.reference_scores = research
            .into_iter()
            .map(|e| crate::report::results::EstablishmentScore {
                siret: e.siret,
                sector: e.section,
                zone: e.zone,
                score: e.score,
                label: crate::score::Label::of(e.level),
            })
            .collect();
    }
    Ok(r)
}

pub fn execute(args: CompareArgs, quiet: bool) -> anyhow::Result<()> {
    let lang: Lang = args.lang.parse()?;
    let (da, db) = (
        super::report::resolve_run(&args.run_a),
        super::report::resolve_run(&args.run_b),
    );
    let a = with_research_scores(
        crate::report::read_results(&da).context("reading run A")?,
        &da,
    )?;
    let b = with_research_scores(
        crate::report::read_results(&db).context("reading run B")?,
        &db,
    )?;
    if !args.allow_different {
        crate::report::compare::check_comparable(&a, &b)?;
    }
    let cmp =
        crate::report::compare_runs(&da.display().to_string(), &a, &db.display().to_string(), &b);
    let out = args
        .out
        .unwrap_or_else(|| db.join(format!("compare-{}", label(&da))));
    let files = crate::report::render_comparison_files(&cmp, lang)?;
    let stage = crate::output::AtomicDir::open(&out, crate::output::Existing::Update, &[])?;
    stage.write_all(&files)?;
    stage
        .commit()
        .with_context(|| format!("writing the comparison in {}", out.display()))?;
    if !quiet {
        eprintln!(
            "{} establishments in both runs, {} scored in both, {} label changes, Kendall tau-b {}; written to {}",
            cmp.n_common,
            cmp.n_common_scored,
            cmp.n_flips,
            cmp.kendall_tau_b
                .map(|t| format!("{t:.3}"))
                .unwrap_or_else(|| "n/a".into()),
            out.join("index.html").display()
        );
    }
    Ok(())
}
