//! `engagement feedback`: the one-page sheet an employer receives (self-contained HTML, A4),
//! for one establishment (`--siret`) or for every scored establishment of a period (`--all`,
//! with a send log that serves as the exposure register).
//!
//! Sheets are built from the score outputs of an `engagement score` folder or a run folder
//! by [`crate::report::from_score::feedback_data`]. The contact line comes from the
//! experiment's `[report] contact` when `--experiment` is given.

use crate::config::{Experiment, Lang};
use crate::reference::Reference;
use anyhow::Context;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct FeedbackArgs {
    /// Scores: an `engagement score` output folder or a run folder (reports/NAME/RUN_ID).
    #[arg(long)]
    pub scores: PathBuf,
    /// SIRET of the establishment (14 digits).
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    pub siret: Option<String>,
    /// Every establishment scored in the period: one sheet each into the --out folder, and
    /// `send_log.csv` (SIRET, period, file, SHA-256), usable as the exposure register.
    #[arg(long)]
    pub all: bool,
    /// Period, e.g. 2025-T4 or 2025T4 (default: the latest available).
    #[arg(long)]
    pub period: Option<String>,
    /// Output file (one sheet; default sheet-SIRET-PERIOD.html) or folder (--all).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Experiment whose `[report] contact` line is printed on the sheets.
    #[arg(long, short)]
    pub experiment: Option<PathBuf>,
    /// Language: fr (default) or en.
    #[arg(long, default_value = "fr")]
    pub lang: String,
}

fn contact(path: Option<&Path>, reference: &Reference) -> anyhow::Result<Option<String>> {
    let Some(p) = path else { return Ok(None) };
    let exp = Experiment::from_file(p, reference)
        .with_context(|| format!("experiment {}", p.display()))?;
    Ok(exp.raw.report.contact.clone())
}

fn parse_siret(s: &str) -> anyhow::Result<u64> {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        anyhow::bail!("--siret must be 14 digits, got {s:?}");
    }
    Ok(s.parse()?)
}

pub fn execute(args: FeedbackArgs, quiet: bool) -> anyhow::Result<()> {
    let lang: Lang = args.lang.parse()?;
    let reference = Reference::load();
    let contact = contact(args.experiment.as_deref(), &reference)?;
    let siret = args.siret.as_deref().map(parse_siret).transpose()?;
    let out = super::read_scores(&args.scores)?;
    if args.all {
        let dir = args.out.clone().unwrap_or_else(|| PathBuf::from("sheets"));
        let n = write_all(&out, &reference, &args, contact.as_deref(), lang, &dir)?;
        if !quiet {
            eprintln!("{n} sheets and send_log.csv written to {}", dir.display());
        }
        return Ok(());
    }
    let siret = siret.context("--siret or --all is required")?;
    let d = crate::report::from_score::feedback_data(
        &out,
        &reference,
        siret,
        args.period.as_deref(),
        contact.as_deref(),
    )?;
    let html = crate::report::feedback_sheet(&d, lang);
    let path = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("sheet-{}-{}.html", d.siret, d.period)));
    crate::output::write_file(&path, html.as_bytes())?;
    if !quiet {
        eprintln!("sheet written to {}", path.display());
    }
    Ok(())
}

/// Every sheet of the period into `dir`, written atomically with its send log.
fn write_all(
    out: &crate::score::ScoreOutput,
    reference: &Reference,
    args: &FeedbackArgs,
    contact: Option<&str>,
    lang: Lang,
    dir: &Path,
) -> anyhow::Result<usize> {
    let p = out.period_index(args.period.as_deref())?;
    let period = out.periods()[p as usize].label.clone();
    let mut files = Vec::new();
    let mut log = String::from("siret,period,file,sha256\n");
    for s in out.scores.iter().filter(|s| s.period == p) {
        let d = crate::report::from_score::feedback_data(
            out,
            reference,
            s.siret,
            Some(&period),
            contact,
        )?;
        let html = crate::report::feedback_sheet(&d, lang).into_bytes();
        let name = format!("sheet-{}-{}.html", d.siret, d.period);
        let hash = hex::encode(Sha256::digest(&html));
        log.push_str(&format!("{},{},{name},{hash}\n", d.siret, d.period));
        files.push((PathBuf::from(name), html));
    }
    let n = files.len();
    files.push((PathBuf::from("send_log.csv"), log.into_bytes()));
    let stage = crate::output::AtomicDir::open(dir, crate::output::Existing::Update, &[])?;
    stage.write_all(&files)?;
    stage
        .commit()
        .with_context(|| format!("writing sheets in {}", dir.display()))?;
    Ok(n)
}
