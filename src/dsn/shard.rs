//! Ingest in shards: separate machines each parse a share of the files into a shard
//! directory, and a merge step rebuilds the tables from all of them.
//!
//! Every shard lists the same inputs (same paths, same order) and takes file `i` when
//! `i mod N = K - 1` (`--shard K/N`). A shard directory holds:
//!
//! - `shard.json`: the [`ShardManifest`] (shard, partitions, key fingerprint, the whole
//!   input list, and the outcome of each of its files: counters, rejects, problems);
//! - `facts/part-NNNNN.bin`: its declaration facts by SIRET partition (see `store`);
//! - `rejects/`: its rejected declarations, named after their file's position in the
//!   input list, so that names never collide between shards.
//!
//! The merge checks that the shards belong together (same inputs, partitions and key, each
//! of `1..=N` once), then runs the rebuild pass partition by partition over the union of
//! their fact files. The result is the same as one ingest of all the files: file indices
//! are global and every order is fixed by the declarations' chronology.

use super::input::{Listing, SkippedPath};
use super::outcome::{Capped, FileOutcome};
use super::read::{assemble, parse_files, Ingest};
use super::store::FactStore;
use super::{redact, store, DsnError, ReadOptions};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Version of the shard directory layout.
pub const SHARD_FORMAT: u32 = 1;

/// File name of a shard's manifest.
pub const MANIFEST: &str = "shard.json";

/// `K/N`: the K-th of N shards (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSpec {
    pub index: u32,
    pub count: u32,
}

impl ShardSpec {
    /// Every file in one shard.
    pub const ALL: ShardSpec = ShardSpec { index: 1, count: 1 };

    /// Whether file `i` (0-based position in the input list) belongs to this shard.
    pub fn takes(&self, i: u32) -> bool {
        i % self.count == self.index - 1
    }
}

impl std::str::FromStr for ShardSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{s}' is not a shard K/N with 1 <= K <= N");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            k.trim().parse::<u32>().map_err(|_| bad())?,
            n.trim().parse::<u32>().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(ShardSpec { index, count })
    }
}

/// `shard.json`: what a merge needs to know about a shard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    pub format: u32,
    pub shard: ShardSpec,
    /// SIRET partitions of the fact files.
    pub partitions: u32,
    /// Fingerprint of the pseudonymisation key (shards made with different keys give
    /// unlinkable pseudonyms and cannot be merged).
    pub key_fingerprint: String,
    pub demo_key: bool,
    pub strict: bool,
    /// The whole input list (paths scrubbed of NIR-shaped runs, sizes in bytes), in
    /// reading order.
    pub inputs: Vec<(String, u64)>,
    /// What the directory walk left out.
    pub skipped: Capped<SkippedPath>,
    /// The outcome of each file of this shard, in input order.
    pub files: Vec<FileOutcome>,
    /// Files whose facts must be skipped (corrupt gzip found after facts were written).
    pub retracted: Vec<u32>,
}

impl ShardManifest {
    /// Declarations read by this shard.
    pub fn declarations_read(&self) -> u64 {
        self.files.iter().map(|f| f.stats.declarations_read).sum()
    }
    /// Declarations rejected by this shard.
    pub fn declarations_rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejects.len() as u64).sum()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DsnError + '_ {
    move |source| DsnError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Parses the files of `shard` into `dir` (which must exist): facts, rejects, manifest.
pub fn write_shard(
    listing: &Listing,
    shard: ShardSpec,
    opts: &ReadOptions,
    dir: &Path,
) -> Result<ShardManifest, DsnError> {
    let rejects = dir.join("rejects");
    std::fs::create_dir_all(&rejects).map_err(io_err(&rejects))?;
    let store = FactStore::create(&dir.join("facts"), opts.partitions)?;
    let indices: Vec<u32> = (0..listing.files.len() as u32)
        .filter(|&i| shard.takes(i))
        .collect();
    let files = parse_files(&listing.files, &indices, opts, &store, Some(&rejects))?;
    let retracted = store.retracted();
    store.finish()?;
    let manifest = ShardManifest {
        format: SHARD_FORMAT,
        shard,
        partitions: opts.partitions.max(1),
        key_fingerprint: opts.key.fingerprint(),
        demo_key: opts.key.is_demo(),
        strict: opts.strict,
        inputs: listing
            .files
            .iter()
            .map(|p| {
                let len = std::fs::metadata(p).map_or(0, |m| m.len());
                (redact::scrub(&p.display().to_string()).into_owned(), len)
            })
            .collect(),
        skipped: listing.skipped.clone(),
        files,
        retracted,
    };
    let path = dir.join(MANIFEST);
    let text = serde_json::to_string(&manifest).map_err(|e| DsnError::Facts(e.to_string()))?;
    crate::output::write_file(&path, text.as_bytes())
        .map_err(|e| DsnError::Facts(e.to_string()))?;
    Ok(manifest)
}

/// Reads a shard's manifest.
pub fn read_manifest(dir: &Path) -> Result<ShardManifest, DsnError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
    let m: ShardManifest = serde_json::from_str(&text)
        .map_err(|e| DsnError::Facts(format!("{}: {e}", path.display())))?;
    if m.format != SHARD_FORMAT {
        return Err(DsnError::Facts(format!(
            "{}: shard format {}, this version reads {SHARD_FORMAT}",
            path.display(),
            m.format
        )));
    }
    Ok(m)
}

/// Checks that the shards belong to one ingest and cover it exactly once.
fn check_shards(dirs: &[PathBuf], ms: &[ShardManifest]) -> Result<(), DsnError> {
    let first = &ms[0];
    let n = first.shard.count;
    for (d, m) in dirs.iter().zip(ms) {
        let differs = if m.shard.count != n {
            Some("a different shard count")
        } else if m.partitions != first.partitions {
            Some("a different number of partitions")
        } else if m.key_fingerprint != first.key_fingerprint || m.demo_key != first.demo_key {
            Some("another pseudonymisation key")
        } else if m.inputs != first.inputs {
            Some("another input list (give every shard the same paths)")
        } else {
            None
        };
        if let Some(why) = differs {
            return Err(DsnError::Facts(format!(
                "shard {} was made with {why} than shard {}",
                d.display(),
                dirs[0].display()
            )));
        }
    }
    let mut seen: Vec<u32> = ms.iter().map(|m| m.shard.index).collect();
    seen.sort_unstable();
    let want: Vec<u32> = (1..=n).collect();
    if seen != want {
        return Err(DsnError::Facts(format!(
            "shards {seen:?} given, 1 to {n} each exactly once expected"
        )));
    }
    Ok(())
}

/// Moves (`consume`: the shard is a temporary directory) or copies a shard's reject files
/// into `to`.
fn gather_rejects(from: &Path, to: &Path, consume: bool) -> Result<(), DsnError> {
    let entries = match std::fs::read_dir(from) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(from)(e)),
    };
    for e in entries {
        let src = e.map_err(io_err(from))?.path();
        let dst = to.join(src.file_name().unwrap_or_default());
        if !(consume && std::fs::rename(&src, &dst).is_ok()) {
            std::fs::copy(&src, &dst).map_err(io_err(&dst))?;
        }
    }
    Ok(())
}

/// Rebuilds the tables from shard directories. Reject files are gathered into
/// `rejects_out` when given: moved when `consume` (temporary shards), else copied, so
/// that a failed merge leaves the shards as they were.
pub fn merge_shards(
    dirs: &[PathBuf],
    rejects_out: Option<&Path>,
    consume: bool,
) -> Result<Ingest, DsnError> {
    if dirs.is_empty() {
        return Err(DsnError::Facts("no shard directory given".into()));
    }
    let ms = dirs
        .iter()
        .map(|d| read_manifest(d))
        .collect::<Result<Vec<_>, _>>()?;
    check_shards(dirs, &ms)?;
    if let Some(to) = rejects_out {
        std::fs::create_dir_all(to).map_err(io_err(to))?;
        for d in dirs {
            gather_rejects(&d.join("rejects"), to, consume)?;
        }
    }
    let partitions = ms[0].partitions;
    let demo = ms[0].demo_key;
    let skipped = ms[0].skipped.clone();
    let mut retracted = Vec::new();
    let mut files = Vec::new();
    for m in ms {
        retracted.extend(m.retracted);
        files.extend(m.files);
    }
    files.sort_by_key(|f| f.index);
    let facts = dirs.iter().map(|d| d.join("facts")).collect();
    let source = store::FactSource::dirs(facts, partitions, retracted);
    assemble(files, &skipped, &source, demo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs() {
        let s: ShardSpec = "2/3".parse().unwrap();
        assert_eq!(s, ShardSpec { index: 2, count: 3 });
        assert!(s.takes(1) && s.takes(4) && !s.takes(0) && !s.takes(2));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
        assert!((0..10).all(|i| ShardSpec::ALL.takes(i)));
    }
}
