//! Reports: `results.json`, self-contained HTML with inline SVG figures, Markdown, the
//! counsellors' page, the employer feedback sheet, `list` output and run comparisons.
//!
//! Results are data and reports render them: a run's numbers and keys live in
//! [`RunResults`] (`results.json`, no display text); [`i18n`] is the only place that turns
//! keys into words. [`render_run`] writes `index.html` (one file, inline CSS and SVG, no
//! external URL, printable on A4), `report.md` and `figures/*.svg` from it, and never rewrites
//! `results.json`. HTML goes through maud, which escapes every value. A report folder is
//! written atomically ([`crate::output::AtomicDir`]): it appears complete or not at all.
//!
//! Entry points used by `pipeline` and `commands`:
//! - [`render_run`] / [`render_run_files`]: the run report;
//! - [`counsellor_page`]: the counsellors' HTML list (`engagement list --format html`);
//! - [`list`]: `engagement list` as a table, CSV or JSON;
//! - [`feedback_sheet`]: the one-page sheet an employer receives;
//! - [`compare_runs`] and [`render_comparison_files`]: `engagement compare`;
//! - [`from_score`]: rows, sheets and the score section from the score stage's outputs.

pub mod check;
pub mod compare;
pub mod counsellor;
pub mod doc;
pub mod feedback;
pub mod figures;
pub mod from_score;
pub mod i18n;
pub mod list;
pub mod names;
pub mod results;
mod run;
pub mod served;

pub use compare::{compare_runs, render_comparison_files, Comparison};
pub use counsellor::{counsellor_page, CounsellorRow, CriterionPosition};
pub use feedback::{feedback_sheet, FeedbackCriterion, FeedbackData, SheetCase};
pub use results::{RunResults, SchemaError, RESULTS_SCHEMA_VERSION};
pub use run::{build_run_document, SECTION_IDS};

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
    #[error("{path} is not a valid results.json: {source}")]
    Schema { path: PathBuf, source: SchemaError },
    #[error("cannot serialise results: {0}")]
    Serialise(serde_json::Error),
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
}

/// A file of a rendered report: path relative to the report folder, and content.
pub type ReportFile = (PathBuf, Vec<u8>);

/// Renders the run report to files (pure): `index.html`, `report.md` and
/// `figures/<id>.svg`, in a fixed order. `results.json` is not among them: it is written
/// once by the run and never rewritten.
pub fn render_run_files(results: &RunResults, lang: Lang) -> Result<Vec<ReportFile>, ReportError> {
    let doc = build_run_document(results, lang);
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
    Ok(files)
}

/// `results.json` as written by a run.
pub fn results_file(results: &RunResults) -> Result<ReportFile, ReportError> {
    Ok((
        PathBuf::from("results.json"),
        results
            .to_json()
            .map_err(ReportError::Serialise)?
            .into_bytes(),
    ))
}

/// Renders the run report into `dir`, atomically. Files already in `dir` that the report
/// does not produce (results.json, tables, manifest, sheets) are kept byte for byte;
/// `figures/` is replaced as a whole.
pub fn render_run(results: &RunResults, dir: &Path, lang: Lang) -> Result<(), ReportError> {
    let files = render_run_files(results, lang)?;
    let stage = AtomicDir::open(dir, Existing::Update, &[Path::new("figures")])?;
    stage.write_all(&files)?;
    stage.commit()?;
    Ok(())
}

/// Reads and validates `RUN_DIR/results.json` (schema version and every field).
pub fn read_results(run_dir: &Path) -> Result<RunResults, ReportError> {
    let path = run_dir.join("results.json");
    let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Read {
        path: path.clone(),
        source,
    })?;
    RunResults::parse(&text).map_err(|source| ReportError::Schema { path, source })
}
