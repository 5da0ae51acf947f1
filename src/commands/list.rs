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
}

pub fn execute(args: ListArgs, _quiet: bool) -> anyhow::Result<()> {
    let lang: Lang = args.lang.parse().context("--lang")?;
    let reference = Reference::load();
    let out = io::read_outputs(&args.scores)
        .with_context(|| format!("scores {}", args.scores.display()))?;
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
    let rows = list::build_list(&out, &reference, &q)?;
    let text = match args.format {
        ListFormat::Table => list::render_table(&rows, lang),
        ListFormat::Csv => list::render_csv(&rows),
        ListFormat::Json => serde_json::to_string_pretty(&rows)? + "\n",
    };
    print!("{text}");
    Ok(())
}
