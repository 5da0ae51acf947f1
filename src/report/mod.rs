//! Reports: `results.json`, self-contained HTML with inline SVG figures, Markdown, the
//! counsellors' page, the employer feedback sheet and run comparisons.
//!
//! Results are data and reports render them (style guide, practice 8): a run's numbers live
//! in [`RunResults`] (`results.json`); [`render_run`] turns them into `index.html` (one file,
//! inline CSS and SVG, no external URL, printable on A4), `report.md` with `figures/*.svg`,
//! and rewrites `results.json` itself, so the report and its source always travel together.
//! A report folder is written atomically ([`crate::output::AtomicDir`]): it appears complete
//! or not at all.
//!
//! Entry points used by `pipeline` and `commands`:
//! - [`render_run`] / [`render_run_files`]: the run report;
//! - [`counsellor_page`]: the counsellors' HTML list (`engagement list --format html`);
//! - [`feedback_sheet`]: the one-page sheet an employer receives;
//! - [`compare_runs`] and [`render_comparison_files`]: `engagement compare`;
//! - [`from_score::counsellor_rows`] and [`from_score::feedback_data`]: rows and sheets from
//!   the score stage's outputs.

pub mod check;
pub mod compare;
pub mod counsellor;
pub mod doc;
pub mod feedback;
pub mod figures;
pub mod from_score;
pub mod i18n;
pub mod results;
mod run_report;

pub use compare::{compare_runs, render_comparison_files, Comparison};
pub use counsellor::{counsellor_page, CounsellorRow, CriterionPosition, Position, Trend};
pub use feedback::{feedback_sheet, FeedbackCriterion, FeedbackData};
pub use results::{RunResults, RESULTS_SCHEMA_VERSION};
pub use run_report::{build_run_document, SECTION_IDS};

use crate::config::Lang;
use crate::output::{AtomicDir, Existing};
use std::path::{Path, PathBuf};

/// Errors of report rendering and writing.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid results file {path}: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot serialise results: {0}")]
    Serialise(serde_json::Error),
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
}

/// A file of a rendered report: path relative to the report folder, and content.
pub type ReportFile = (PathBuf, Vec<u8>);

/// Renders the run report to files (pure): `index.html`, `report.md`, `figures/<id>.svg`
/// and `results.json`, in a fixed order.
pub fn render_run_files(results: &RunResults, lang: Lang) -> Result<Vec<ReportFile>, ReportError> {
    let mut r = results.clone();
    r.schema_version = RESULTS_SCHEMA_VERSION;
    let doc = build_run_document(&r, lang);
    let mut files: Vec<ReportFile> = vec![
        (PathBuf::from("index.html"), doc::to_html(&doc).into_bytes()),
        (
            PathBuf::from("report.md"),
            doc::to_markdown(&doc).into_bytes(),
        ),
    ];
    for f in doc.figures() {
        files.push((
            PathBuf::from("figures").join(format!("{}.svg", f.id)),
            f.svg.clone().into_bytes(),
        ));
    }
    files.push((
        PathBuf::from("results.json"),
        r.to_json().map_err(ReportError::Serialise)?.into_bytes(),
    ));
    Ok(files)
}

/// Renders the run report into `dir`, atomically. Files already in `dir` that the report
/// does not produce (tables, manifest, sheets) are kept; `figures/` is replaced as a whole.
pub fn render_run(results: &RunResults, dir: &Path, lang: Lang) -> Result<(), ReportError> {
    let files = render_run_files(results, lang)?;
    let stage = AtomicDir::open(dir, Existing::Update, &[Path::new("figures")])?;
    stage.write_all(&files)?;
    stage.commit()?;
    Ok(())
}

/// Reads `RUN_DIR/results.json`.
pub fn read_results(run_dir: &Path) -> Result<RunResults, ReportError> {
    let path = run_dir.join("results.json");
    let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Read {
        path: path.clone(),
        source,
    })?;
    RunResults::from_json(&text).map_err(|source| ReportError::Json { path, source })
}
