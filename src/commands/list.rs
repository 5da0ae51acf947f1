//! `engagement list`: the counsellors' ranked list of engaged employers.

use crate::config::Lang;
use crate::reference::Reference;
use crate::score::list;
use crate::score::peers::SizeBand;
use anyhow::Context;
use std::path::PathBuf;

/// Output format of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// An aligned table that fits the terminal (see --wide).
    Table,
    Csv,
    Json,
    /// One self-contained page with filters, search and per-criterion explanations.
    Html,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Scores: an `engagement score` output folder or a run folder (reports/NAME/RUN_ID).
    #[arg(long)]
    pub scores: PathBuf,
    /// Employment zone, département, région or commune, by code or name; `dep:53`, `reg:53`,
    /// `zone:5315` or `commune:35238` when a code is ambiguous.
    #[arg(long)]
    pub zone: Option<String>,
    /// NAF code prefix (56, 56.10, 5610C) or section letter (I).
    #[arg(long)]
    pub sector: Option<String>,
    /// Size bands to keep, comma-separated: 1-9, 10-49, 50-249, 250+.
    #[arg(long, value_delimiter = ',')]
    pub size: Vec<String>,
    /// Period such as 2025T4 or 2025-T4 (default: the latest).
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
    /// Table: print every cell in full instead of fitting the terminal width.
    #[arg(long)]
    pub wide: bool,
    /// Write to this file instead of standard output (atomically).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

/// Terminal width: `COLUMNS`, else 100 columns.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|&w: &usize| w >= 40)
        .unwrap_or(100)
}

pub fn execute(args: ListArgs, _quiet: bool) -> anyhow::Result<()> {
    let lang: Lang = args.lang.parse().context("--lang")?;
    let sizes = args
        .size
        .iter()
        .map(|s| {
            SizeBand::from_key(s)
                .with_context(|| format!("--size {s:?}: expected 1-9, 10-49, 50-249 or 250+"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let reference = Reference::load();
    let out = super::read_scores(&args.scores)?;
    let period = args.period.clone();
    let q = list::ListQuery {
        zone: args.zone,
        sector: args.sector,
        sizes,
        period: args.period,
        top: args.top,
        include_unlabelled: args.all,
        rotate: args
            .rotate
            .then(|| args.seed.unwrap_or(out.params.rotation_seed)),
    };
    let rows = list::build_list(&out, &reference, &q)?;
    let text = match args.format {
        ListFormat::Table => {
            let width = (!args.wide && args.out.is_none()).then(terminal_width);
            crate::report::list::render_table(&rows, lang, width)
        }
        ListFormat::Csv => crate::report::list::render_csv(&rows, lang),
        ListFormat::Json => crate::report::list::render_json(&rows)?,
        ListFormat::Html => {
            let page_rows = crate::report::from_score::counsellor_rows(
                &out,
                &reference,
                &rows,
                period.as_deref(),
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
