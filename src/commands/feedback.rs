//! `engagement feedback --scores DIR --siret SIRET [--period P] [--out FILE]`: the one-page
//! sheet an employer receives (self-contained HTML, A4).
//!
//! The sheet is built from the score outputs in DIR (`score_output.json.gz`, read with
//! [`crate::score::io::read_outputs`]) by [`crate::report::from_score::feedback_data`]. A
//! folder without score outputs may instead hold `feedback.json`, a JSON array of
//! [`crate::report::FeedbackData`] (one per establishment and period), e.g. prepared sheets.

use crate::config::Lang;
use crate::report::FeedbackData;
use anyhow::Context;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct FeedbackArgs {
    /// Score output folder (from `engagement score` or a run folder).
    #[arg(long)]
    pub scores: PathBuf,
    /// SIRET of the establishment (14 digits).
    #[arg(long)]
    pub siret: String,
    /// Period, e.g. 2025-T4 (default: the latest available).
    #[arg(long)]
    pub period: Option<String>,
    /// Output file (default: sheet-SIRET-PERIOD.html in the current folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Language: fr (default) or en.
    #[arg(long, default_value = "fr")]
    pub lang: String,
}

/// Picks the sheet for `siret` and `period` (latest period when `None`).
pub fn select<'a>(
    all: &'a [FeedbackData],
    siret: &str,
    period: Option<&str>,
) -> anyhow::Result<&'a FeedbackData> {
    let mut found: Vec<&FeedbackData> = all.iter().filter(|d| d.siret == siret).collect();
    if found.is_empty() {
        anyhow::bail!("no score for SIRET {siret:?}");
    }
    if let Some(p) = period {
        return found
            .into_iter()
            .find(|d| d.period == p)
            .ok_or_else(|| anyhow::anyhow!("no score for SIRET {siret} in period {p:?}"));
    }
    found.sort_by(|a, b| a.period.cmp(&b.period));
    Ok(found[found.len() - 1])
}

pub fn execute(args: FeedbackArgs, quiet: bool) -> anyhow::Result<()> {
    let lang: Lang = args.lang.parse()?;
    if args.siret.len() != 14 || !args.siret.bytes().all(|b| b.is_ascii_digit()) {
        anyhow::bail!("--siret must be 14 digits, got {:?}", args.siret);
    }
    let prepared = args.scores.join("feedback.json");
    let d: FeedbackData =
        if args.scores.join(crate::score::io::FULL_OUTPUT).exists() || !prepared.exists() {
            let out = crate::score::io::read_outputs(&args.scores)
                .with_context(|| format!("reading score outputs in {}", args.scores.display()))?;
            let siret: u64 = args.siret.parse()?;
            crate::report::from_score::feedback_data(
                &out,
                &crate::reference::Reference::load(),
                siret,
                args.period.as_deref(),
                lang,
            )?
        } else {
            let text = std::fs::read_to_string(&prepared)
                .with_context(|| format!("reading {}", prepared.display()))?;
            let all: Vec<FeedbackData> = serde_json::from_str(&text)
                .with_context(|| format!("parsing {}", prepared.display()))?;
            select(&all, &args.siret, args.period.as_deref())?.clone()
        };
    let d = &d;
    let html = crate::report::feedback_sheet(d, lang);
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("sheet-{}-{}.html", d.siret, d.period)));
    crate::output::write_file(&out, html.as_bytes())?;
    if !quiet {
        eprintln!("sheet written to {}", out.display());
    }
    Ok(())
}
