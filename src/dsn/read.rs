//! Reading a corpus: the parse pass over files, the rebuild pass over SIRET partitions,
//! then the person pass over the merged tables.
//!
//! The person pass ([`person_pass`]) is the one step that needs a person's whole career
//! across establishments; it takes the concatenated partition rows and nothing else, so it
//! can move to a query engine (a shuffle by person) without touching the two passes before.

use super::input::{self, list_files, Listing};
use super::outcome::{Capped, FileOutcome, Reject};
use super::rebuild::{rebuild_partition, Tables};
use super::report::{IngestReport, ReportBuilder};
use super::store::{FactSource, FactStore, FileSink};
use super::{DsnError, ReadOptions};
use crate::model::Dataset;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// The result of an ingest.
#[derive(Debug)]
pub struct Ingest {
    pub dataset: Dataset,
    pub report: IngestReport,
    /// Rejected declarations, in file then line order (their text in memory unless it was
    /// written to a rejects folder).
    pub rejects: Vec<Reject>,
}

/// Parse pass: the files at `indices` of `files`, in parallel, facts into `store`.
///
/// Outcomes come back in index order. In strict mode the first problem in index order is
/// returned: files after a failing one are not started, files before it all finish.
pub(crate) fn parse_files(
    files: &[PathBuf],
    indices: &[u32],
    opts: &ReadOptions,
    store: &FactStore,
    rejects_dir: Option<&Path>,
) -> Result<Vec<FileOutcome>, DsnError> {
    let first_failure = AtomicU32::new(u32::MAX);
    let results: Vec<Option<Result<FileOutcome, DsnError>>> = indices
        .par_iter()
        .map(|&i| {
            if i > first_failure.load(Ordering::Relaxed) {
                return None;
            }
            let path = &files[i as usize];
            let name = path.display().to_string();
            let sink = FileSink::new(store, i);
            let r = input::parse_file(path, &name, i, opts, sink, rejects_dir);
            if r.is_err() {
                first_failure.fetch_min(i, Ordering::Relaxed);
            }
            Some(r)
        })
        .collect();
    results.into_iter().flatten().collect()
}

/// Rebuild pass: every partition of `source`, a few at a time in parallel.
pub(crate) fn rebuild_all(source: &FactSource) -> Result<Tables, DsnError> {
    let parts: Vec<u32> = (0..source.partitions()).collect();
    let batch = 2 * rayon::current_num_threads().max(1);
    let mut tables = Tables::default();
    for (i, chunk) in parts.chunks(batch).enumerate() {
        let outs: Vec<_> = chunk
            .par_iter()
            .map(|&p| source.load(p).map(rebuild_partition))
            .collect();
        for o in outs {
            tables.add(o?);
        }
        if i == 0 && chunk.len() < parts.len() {
            // Partitions are balanced by the SIRET hash: size the tables once from the
            // first ones instead of doubling them (a doubling holds both copies at once).
            tables.reserve(parts.len() as f64 / chunk.len() as f64 * 1.2);
        }
    }
    Ok(tables)
}

/// Person pass: histories at each hire and BOETH flags, over the whole corpus; then the
/// canonical row order.
pub fn person_pass(ds: &mut Dataset) {
    crate::history::derive_history(ds);
    ds.sort();
}

/// Rebuild and person passes, and the report, from the parse pass's outcomes.
pub(crate) fn assemble(
    outcomes: Vec<FileOutcome>,
    skipped: &Capped<super::SkippedPath>,
    source: &FactSource,
    demo_key: bool,
) -> Result<Ingest, DsnError> {
    let mut builder = ReportBuilder::new(demo_key, skipped);
    let mut rejects = Vec::new();
    let mut accepted = 0;
    for o in outcomes {
        builder.add_file(&o);
        accepted += o.accepted();
        rejects.extend(o.rejects);
    }
    let tables = rebuild_all(source)?;
    if tables.ingested != accepted {
        return Err(DsnError::Facts(format!(
            "the fact files hold {} declarations, the files' counts say {accepted}: \
             a fact file is missing or from another run",
            tables.ingested
        )));
    }
    let (applied, bounds) = (tables.applied, tables.span.bounds());
    let mut dataset = tables.into_dataset();
    person_pass(&mut dataset);
    let report = builder.finish(applied, bounds, &dataset);
    Ok(Ingest {
        dataset,
        report,
        rejects,
    })
}

/// Reads DSN files and directories into the workbench tables, facts held in memory.
///
/// Files are listed by [`list_files`] and parsed in parallel; declarations are then applied
/// in chronological order (see `rebuild`). In strict mode the first problem (in file order)
/// is returned as [`DsnError::Invalid`]. For corpora larger than memory, use
/// [`shard::write_shard`](super::shard::write_shard) and
/// [`shard::merge_shards`](super::shard::merge_shards), which keep facts on disk.
pub fn read(paths: &[PathBuf], opts: &ReadOptions) -> Result<Ingest, DsnError> {
    let listing: Listing = list_files(paths, opts.follow_symlinks)?;
    let store = FactStore::memory(opts.partitions);
    let all: Vec<u32> = (0..listing.files.len() as u32).collect();
    let outcomes = parse_files(&listing.files, &all, opts, &store, None)?;
    let source = store.finish()?;
    assemble(outcomes, &listing.skipped, &source, opts.key.is_demo())
}

/// Reads one in-memory file (tests, fuzzing). Never panics, whatever the bytes.
pub fn read_bytes(name: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Ingest, DsnError> {
    let store = FactStore::memory(opts.partitions);
    let o = input::parse_stream(name, 0, bytes, opts, FileSink::new(&store, 0), None)?;
    let source = store.finish()?;
    assemble(vec![o], &Capped::default(), &source, opts.key.is_demo())
}
