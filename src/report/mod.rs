//! Reports: `results.json`, self-contained HTML with inline SVG figures, Markdown, the
//! counsellors' page, the employer feedback sheet, `list` output and run comparisons.
//!
//! Results are data and reports render them: a run's numbers and keys live in
//! [`RunResults`] (`results.json`, no display text); [`i18n`] is the only place that turns
//! keys into words. [`render_run`] writes `index.html` (one file, inline CSS and SVG, no
//! external URL, printable on A4), `report.md` and `figures/*.svg` from it, and never rewrites
//! `results.json`. HTML goes through maud, which escapes every value. A report folder is
//! written atomically ([`AtomicDir`]): it appears complete or not at all.
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

pub use compare::{compare_runs, render_comparison_files, Comparison};
pub use counsellor::{counsellor_page, CounsellorRow, CriterionPosition};
pub use feedback::{feedback_sheet, FeedbackCriterion, FeedbackData, SheetCase};
pub use results::{RunResults, SchemaError, RESULTS_SCHEMA_VERSION};
pub use run::{build_run_document, SECTION_IDS};

use crate::config::Lang;
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
    #[error("report target {path} has no parent directory or file name")]
    BadTarget { path: PathBuf },
    #[error("refusing to write outside the report folder: {path}")]
    UnsafePath { path: PathBuf },
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
    let stage = AtomicDir::begin(dir, &[Path::new("figures")])?;
    stage.write_all(&files)?;
    stage.commit()
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

/// A folder written atomically: files go to a hidden temporary sibling, which replaces the
/// target by `rename` in [`AtomicDir::commit`]. On Linux a directory cannot be renamed over
/// a non-empty one, so an existing target is first moved aside and removed after the swap;
/// a reader sees the old folder or the new one, never a half-written one. Dropping without
/// commit removes the temporary folder.
#[derive(Debug)]
pub struct AtomicDir {
    target: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

fn wr(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    }
}

fn sibling(target: &Path, tag: &str) -> Result<PathBuf, ReportError> {
    let name = target
        .file_name()
        .ok_or_else(|| ReportError::BadTarget {
            path: target.to_path_buf(),
        })?
        .to_string_lossy()
        .to_string();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Ok(parent.join(format!(".{name}.{tag}-{}-{nanos}", std::process::id())))
}

fn copy_tree(from: &Path, to: &Path, skip: &[&Path], rel: &Path) -> Result<(), ReportError> {
    let entries = std::fs::read_dir(from).map_err(|source| ReportError::Read {
        path: from.to_path_buf(),
        source,
    })?;
    for e in entries {
        let e = e.map_err(|source| ReportError::Read {
            path: from.to_path_buf(),
            source,
        })?;
        let r = rel.join(e.file_name());
        if skip.contains(&r.as_path()) {
            continue;
        }
        let src = e.path();
        let dst = to.join(e.file_name());
        let ft = e.file_type().map_err(|source| ReportError::Read {
            path: src.clone(),
            source,
        })?;
        if ft.is_dir() {
            std::fs::create_dir_all(&dst).map_err(wr(&dst))?;
            copy_tree(&src, &dst, skip, &r)?;
        } else {
            // Hard links are free and safe here: we only ever replace files, never edit them.
            if std::fs::hard_link(&src, &dst).is_err() {
                std::fs::copy(&src, &dst).map_err(wr(&dst))?;
            }
        }
    }
    Ok(())
}

impl AtomicDir {
    /// Starts a new version of `target`. If `target` exists, its content is carried over
    /// (hard links), except the relative paths in `replace`, which the caller rewrites.
    pub fn begin(target: &Path, replace: &[&Path]) -> Result<Self, ReportError> {
        let tmp = sibling(target, "tmp")?;
        std::fs::create_dir_all(&tmp).map_err(wr(&tmp))?;
        let stage = AtomicDir {
            target: target.to_path_buf(),
            tmp,
            committed: false,
        };
        if target.is_dir() {
            copy_tree(target, &stage.tmp, replace, Path::new(""))?;
        }
        Ok(stage)
    }

    /// The temporary folder to write into.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Writes one file at a relative path (parents created). Absolute paths and `..` are
    /// refused so nothing escapes the folder.
    pub fn write(&self, rel: &Path, bytes: &[u8]) -> Result<(), ReportError> {
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(ReportError::UnsafePath {
                path: rel.to_path_buf(),
            });
        }
        let path = self.tmp.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(wr(p))?;
        }
        // Remove first: the existing entry may be a hard link shared with the old folder.
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, bytes).map_err(wr(&path))
    }

    /// Writes every file.
    pub fn write_all(&self, files: &[ReportFile]) -> Result<(), ReportError> {
        files.iter().try_for_each(|(p, b)| self.write(p, b))
    }

    /// Publishes the folder: the target is replaced in one rename.
    pub fn commit(mut self) -> Result<(), ReportError> {
        if let Some(p) = self.target.parent() {
            if !p.as_os_str().is_empty() {
                std::fs::create_dir_all(p).map_err(wr(p))?;
            }
        }
        let old = if self.target.exists() {
            let old = sibling(&self.target, "old")?;
            std::fs::rename(&self.target, &old).map_err(wr(&self.target))?;
            Some(old)
        } else {
            None
        };
        if let Err(source) = std::fs::rename(&self.tmp, &self.target) {
            // Put the previous version back before reporting the failure.
            if let Some(old) = &old {
                let _ = std::fs::rename(old, &self.target);
            }
            return Err(ReportError::Write {
                path: self.target.clone(),
                source,
            });
        }
        self.committed = true;
        if let Some(old) = old {
            let _ = std::fs::remove_dir_all(old);
        }
        Ok(())
    }
}

impl Drop for AtomicDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_dir_replaces_and_keeps_other_files() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let s = AtomicDir::begin(&target, &[]).unwrap();
        s.write(Path::new("a.txt"), b"1").unwrap();
        s.write(Path::new("figures/x.svg"), b"<svg/>").unwrap();
        s.write(Path::new("tables/t.csv"), b"x").unwrap();
        assert!(!target.exists(), "nothing visible before commit");
        s.commit().unwrap();
        assert_eq!(std::fs::read(target.join("a.txt")).unwrap(), b"1");

        let s = AtomicDir::begin(&target, &[Path::new("figures")]).unwrap();
        s.write(Path::new("a.txt"), b"2").unwrap();
        s.commit().unwrap();
        assert_eq!(std::fs::read(target.join("a.txt")).unwrap(), b"2");
        assert_eq!(std::fs::read(target.join("tables/t.csv")).unwrap(), b"x");
        assert!(
            !target.join("figures/x.svg").exists(),
            "replaced folder dropped"
        );
        // No temporary siblings left behind.
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn uncommitted_stage_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        {
            let s = AtomicDir::begin(&target, &[]).unwrap();
            s.write(Path::new("a.txt"), b"1").unwrap();
        }
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn escaping_paths_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let s = AtomicDir::begin(&tmp.path().join("r"), &[]).unwrap();
        assert!(matches!(
            s.write(Path::new("../x"), b""),
            Err(ReportError::UnsafePath { .. })
        ));
        assert!(s.write(Path::new("/etc/x"), b"").is_err());
    }
}
