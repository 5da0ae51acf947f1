//! Loading the published records of a scores folder into an [`Index`], read-only: from its
//! flat feed (`feed.parquet` and `feed.json`), or else from the scoring run's full output.

use super::index::{self, Index};
use super::{FeedMeta, FEED_FILE, META_FILE};
use crate::reference::Reference;
use crate::score::io;
use std::path::{Path, PathBuf};

/// Errors loading a scores folder.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Feed(#[from] super::FeedError),
    #[error(transparent)]
    Score(#[from] crate::score::ScoreError),
    #[error(transparent)]
    Index(#[from] index::IndexError),
    #[error(transparent)]
    Snapshot(#[from] index::SnapshotError),
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{0}: neither a feed (feed.parquet with feed.json) nor a scoring output (score_output.json.gz) is there")]
    NoScores(PathBuf),
}

/// Where the published records of a scores folder are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A flat feed with its provenance.
    Feed(PathBuf),
    /// The full scoring output (built into records at start-up).
    ScoreOutput(PathBuf),
}

/// Finds the records of `dir`: its feed, or its scoring output (also in `tables/` of a run).
pub fn locate(dir: &Path) -> Result<Source, LoadError> {
    for d in [dir.to_path_buf(), dir.join("tables")] {
        if d.join(FEED_FILE).is_file() && d.join(META_FILE).is_file() {
            return Ok(Source::Feed(d));
        }
    }
    for d in [dir.to_path_buf(), dir.join("tables")] {
        if d.join(io::FULL_OUTPUT).is_file() {
            return Ok(Source::ScoreOutput(d));
        }
    }
    Err(LoadError::NoScores(dir.to_path_buf()))
}

fn read_meta(path: &Path) -> Result<FeedMeta, LoadError> {
    let err = |e: &dyn std::fmt::Display| LoadError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(&e))?;
    serde_json::from_str(&text).map_err(|e| err(&e))
}

/// The provenance a run folder's manifest gives (experiment hash, data fingerprint).
fn manifest_provenance(dir: &Path) -> (Option<String>, Option<String>) {
    for p in [dir.join("manifest.json"), dir.join("../manifest.json")] {
        if let Ok(text) = std::fs::read_to_string(&p) {
            if let Ok(m) = serde_json::from_str::<crate::provenance::Manifest>(&text) {
                return (Some(m.experiment_hash), Some(m.data_fingerprint));
            }
        }
    }
    (None, None)
}

/// How an index was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    /// Read in place from the prebuilt index file beside the feed.
    Prebuilt,
    /// Built from the feed; why its prebuilt index was not used.
    FromFeed(String),
    /// Built from the scoring output (no feed in the folder).
    FromScoreOutput,
}

/// Loads the index of a scores folder (read-only).
pub fn load(dir: &Path, reference: &Reference) -> Result<Index, LoadError> {
    Ok(load_reporting(dir, reference)?.0)
}

/// [`load`], saying how: from the prebuilt index file when it matches the feed, otherwise
/// built from the feed's columns.
pub fn load_reporting(dir: &Path, reference: &Reference) -> Result<(Index, Loaded), LoadError> {
    let commune = |c: &str| reference.communes.get(c).map(|x| x.name.clone());
    match locate(dir)? {
        Source::Feed(d) => {
            let meta = read_meta(&d.join(META_FILE))?;
            let why = match index::open_snapshot(&d, meta.clone(), reference) {
                Ok(ix) => return Ok((ix, Loaded::Prebuilt)),
                Err(e) => e.to_string(),
            };
            let path = d.join(FEED_FILE);
            let columns = |names: &[&str]| super::read_parquet_columns(&path, names);
            let ix = Index::build_from(&columns, meta, &commune)?;
            Ok((ix, Loaded::FromFeed(why)))
        }
        Source::ScoreOutput(d) => {
            let out = io::read_outputs(&d)?;
            let records = super::record::records(&out, None)?;
            let period = out.periods()[out.period_index(None)? as usize]
                .label
                .clone();
            let (eh, df) = manifest_provenance(&d);
            let meta = super::meta_of(records.len(), &period, eh, df);
            let table = super::flat_df(&records).map_err(|e| LoadError::File {
                path: d.clone(),
                message: e.to_string(),
            })?;
            Ok((
                Index::build(&table, meta, &commune)?,
                Loaded::FromScoreOutput,
            ))
        }
    }
}

/// Builds the index of the feed in `dir` from its columns and writes it beside the feed as
/// its prebuilt index ([`index::INDEX_FILE`]), so that `serve` starts without decoding it.
pub fn write_index(dir: &Path, reference: &Reference) -> Result<PathBuf, LoadError> {
    let commune = |c: &str| reference.communes.get(c).map(|x| x.name.clone());
    let meta = read_meta(&dir.join(META_FILE))?;
    let path = dir.join(FEED_FILE);
    let columns = |names: &[&str]| super::read_parquet_columns(&path, names);
    let ix = Index::build_from(&columns, meta, &commune)?;
    Ok(index::write_snapshot(&ix, dir, reference)?)
}
