//! `engagement list`: the counsellors' ranked list of engaged employers.

use crate::config::Lang;
use crate::reference::Reference;
use crate::score::{io, list};
use anyhow::Context;
use std::path::PathBuf;

/// Output format of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Csv,
    Json,
    /// One self-contained page with filters, search and per-criterion explanations.
    Html,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Output directory of `engagement score`.
    #[arg(long)]
    pub scores: PathBuf,
    /// Employment zone code, or a département, région or commune (code or name).
    #[arg(long)]
    pub zone: Option<String>,
    /// NAF code prefix (56, 56.10, 5610C) or section letter (I).
    #[arg(long)]
    pub sector: Option<String>,
    /// Period label such as 2025T4 (default: the latest).
    #[arg(long)]
    pub period: Option<String>,
    /// Show the first N rows.
    #[arg(long)]
    pub top: Option<usize>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    /// Language: fr (default) or en.
    #[arg(long, default_value = "fr")]
    pub lang: String,
    /// Fair, score-weighted rotation among equal labels (La Bonne Boîte style).
    #[arg(long)]
    pub rotate: bool,
    /// Seed of the rotation (default: `score.rotation_seed`; change it daily, e.g. 20261128).
    #[arg(long, requires = "rotate")]
    pub seed: Option<u64>,
    /// Include calculable establishments without a label.
    #[arg(long)]
    pub all: bool,
    /// Write to this file instead of standard output (atomically).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

pub fn execute(args: ListArgs, _quiet: bool) -> anyhow::Result<()> {
    let lang: Lang = args.lang.parse().context("--lang")?;
    let reference = Reference::load();
    let out = io::read_outputs(&args.scores)
        .with_context(|| format!("scores {}", args.scores.display()))?;
    let period = args.period.clone();
    let q = list::ListQuery {
        zone: args.zone,
        sector: args.sector,
        period: args.period,
        top: args.top,
        include_unlabelled: args.all,
        rotate: args
            .rotate
            .then(|| args.seed.unwrap_or(out.params.rotation_seed)),
        lang,
    };
    if let Some(z) = &q.zone {
        // A typo must not look like "no engaged employer here".
        let z = z.trim().to_lowercase();
        let dep_name = |c: &str| reference.departements.get(c).map(|d| d.name.to_lowercase());
        let reg_name = |c: &str| reference.regions.get(c).map(|n| n.to_lowercase());
        let known = out.establishments.iter().any(|e| {
            [
                &e.zone,
                &e.departement,
                &e.region,
                &e.commune,
                &e.commune_name,
            ]
            .iter()
            .any(|v| v.to_lowercase() == z)
                || reference
                    .zones
                    .get(&e.zone)
                    .is_some_and(|n| n.to_lowercase() == z)
                || dep_name(&e.departement).is_some_and(|n| n == z)
                || reg_name(&e.region).is_some_and(|n| n == z)
        });
        if !known {
            anyhow::bail!(
                "unknown zone {:?}: no scored establishment is in that employment zone, département, région or commune",
                z
            );
        }
    }
    let rows = list::build_list(&out, &reference, &q)?;
    let text = match args.format {
        ListFormat::Table => list::render_table(&rows, lang),
        ListFormat::Csv => list::render_csv(&rows),
        ListFormat::Json => serde_json::to_string_pretty(&rows)? + "\n",
        ListFormat::Html => {
            let page_rows = crate::report::from_score::counsellor_rows(
                &out,
                &reference,
                &rows,
                period.as_deref(),
                lang,
            )?;
            crate::report::counsellor_page(&page_rows, lang)
        }
    };
    match &args.out {
        Some(path) => crate::tables::write_text(path, &text)
            .with_context(|| format!("writing {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}
