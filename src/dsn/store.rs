//! The fact store: declaration facts written out as they are parsed, partitioned by SIRET,
//! and read back one partition at a time.
//!
//! Parsing (many files at once) appends records to partition `siret_partition(siret, n)`;
//! each input file buffers its records (at most [`FLUSH_BYTES`]) and appends whole records,
//! so concurrent files never interleave inside a record. Records carry their chronology,
//! so the order in which files finish does not matter. On disk a partition is the file
//! `part-NNNNN.bin` of a facts directory (magic then records, see `facts`); a merge reads
//! partition `p` of several directories (one per shard) as one.
//!
//! A file whose gzip stream turns out corrupt after some of its facts were flushed is
//! *retracted*: its index is recorded and its records are skipped when partitions are read.

use super::facts::{self, siret_partition, Decl, MAGIC};
use super::DsnError;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Bytes of records an input file buffers before appending them to the store.
pub const FLUSH_BYTES: usize = 4 << 20;

/// Default number of SIRET partitions.
pub const DEFAULT_PARTITIONS: u32 = 64;

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DsnError + '_ {
    move |source| DsnError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Name of partition `p`'s file in a facts directory.
pub fn part_file(dir: &Path, p: u32) -> PathBuf {
    dir.join(format!("part-{p:05}.bin"))
}

enum Backend {
    Memory(Vec<Mutex<Vec<u8>>>),
    Dir {
        dir: PathBuf,
        files: Vec<Mutex<Option<File>>>,
    },
}

/// Where parsed facts go.
pub struct FactStore {
    partitions: u32,
    backend: Backend,
    retracted: Mutex<BTreeSet<u32>>,
}

impl FactStore {
    /// A store held in memory (tests, small inputs, `read_bytes`).
    pub fn memory(partitions: u32) -> FactStore {
        let partitions = partitions.max(1);
        FactStore {
            partitions,
            backend: Backend::Memory((0..partitions).map(|_| Mutex::default()).collect()),
            retracted: Mutex::default(),
        }
    }

    /// A store writing `part-NNNNN.bin` files into `dir` (created; must hold no facts).
    pub fn create(dir: &Path, partitions: u32) -> Result<FactStore, DsnError> {
        let partitions = partitions.max(1);
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        Ok(FactStore {
            partitions,
            backend: Backend::Dir {
                dir: dir.to_path_buf(),
                files: (0..partitions).map(|_| Mutex::default()).collect(),
            },
            retracted: Mutex::default(),
        })
    }

    pub fn partitions(&self) -> u32 {
        self.partitions
    }

    fn append(&self, part: u32, bytes: &[u8]) -> Result<(), DsnError> {
        match &self.backend {
            Backend::Memory(parts) => {
                let mut v = parts[part as usize]
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                v.extend_from_slice(bytes);
                Ok(())
            }
            Backend::Dir { dir, files } => {
                let path = part_file(dir, part);
                let mut slot = files[part as usize]
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                if slot.is_none() {
                    let mut f = File::create(&path).map_err(io_err(&path))?;
                    f.write_all(MAGIC).map_err(io_err(&path))?;
                    *slot = Some(f);
                }
                let f = slot.as_mut().expect("opened above");
                f.write_all(bytes).map_err(io_err(&path))
            }
        }
    }

    fn retract(&self, file_index: u32) {
        self.retracted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(file_index);
    }

    /// Files whose facts must be skipped.
    pub fn retracted(&self) -> Vec<u32> {
        let r = self.retracted.lock().unwrap_or_else(|e| e.into_inner());
        r.iter().copied().collect()
    }

    /// Closes the store for reading.
    pub fn finish(self) -> Result<FactSource, DsnError> {
        let retracted = self.retracted();
        match self.backend {
            Backend::Memory(parts) => Ok(FactSource {
                partitions: self.partitions,
                data: Source::Memory(
                    parts
                        .into_iter()
                        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
                        .collect(),
                ),
                retracted: retracted.into_iter().collect(),
            }),
            Backend::Dir { dir, files } => {
                for (p, f) in files.into_iter().enumerate() {
                    if let Some(f) = f.into_inner().unwrap_or_else(|e| e.into_inner()) {
                        let path = part_file(&dir, p as u32);
                        f.sync_all().map_err(io_err(&path))?;
                    }
                }
                Ok(FactSource::dirs(vec![dir], self.partitions, retracted))
            }
        }
    }
}

/// One input file's buffered writer into the store.
pub struct FileSink<'a> {
    store: &'a FactStore,
    file_index: u32,
    bufs: Vec<Vec<u8>>,
    buffered: usize,
    flushed: bool,
    /// First line of every declaration accepted from this file.
    pub accepted_lines: Vec<u64>,
}

impl<'a> FileSink<'a> {
    pub fn new(store: &'a FactStore, file_index: u32) -> FileSink<'a> {
        FileSink {
            store,
            file_index,
            bufs: vec![Vec::new(); store.partitions as usize],
            buffered: 0,
            flushed: false,
            accepted_lines: Vec::new(),
        }
    }

    /// Adds an accepted declaration.
    pub(crate) fn put(&mut self, d: &Decl, first_line: u64) -> Result<(), DsnError> {
        let p = siret_partition(d.siret, self.store.partitions) as usize;
        let before = self.bufs[p].len();
        facts::encode(d, &mut self.bufs[p]);
        self.buffered += self.bufs[p].len() - before;
        self.accepted_lines.push(first_line);
        if self.buffered >= FLUSH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Appends the buffered records to the store.
    pub fn flush(&mut self) -> Result<(), DsnError> {
        for (p, b) in self.bufs.iter_mut().enumerate() {
            if !b.is_empty() {
                self.store.append(p as u32, b)?;
                b.clear();
                self.flushed = true;
            }
        }
        self.buffered = 0;
        Ok(())
    }

    /// Withdraws every fact of this file (corrupt input).
    pub fn retract(&mut self) {
        for b in &mut self.bufs {
            b.clear();
        }
        self.buffered = 0;
        if self.flushed {
            self.store.retract(self.file_index);
        }
    }
}

enum Source {
    Memory(Vec<Vec<u8>>),
    Dirs(Vec<PathBuf>),
}

/// Facts ready to be read one partition at a time.
pub struct FactSource {
    partitions: u32,
    data: Source,
    retracted: BTreeSet<u32>,
}

impl FactSource {
    /// Partition files of several facts directories (shards) read as one store.
    pub fn dirs(dirs: Vec<PathBuf>, partitions: u32, retracted: Vec<u32>) -> FactSource {
        FactSource {
            partitions,
            data: Source::Dirs(dirs),
            retracted: retracted.into_iter().collect(),
        }
    }

    pub fn partitions(&self) -> u32 {
        self.partitions
    }

    /// The accepted declarations of partition `p` (retracted files left out).
    pub(crate) fn load(&self, p: u32) -> Result<Vec<Decl>, DsnError> {
        let mut out = Vec::new();
        match &self.data {
            Source::Memory(parts) => facts::decode_records(&parts[p as usize], &mut out)
                .map_err(|e| DsnError::Facts(format!("partition {p} in memory: {}", e.0)))?,
            Source::Dirs(dirs) => {
                for dir in dirs {
                    let path = part_file(dir, p);
                    let bytes = match std::fs::read(&path) {
                        Ok(b) => b,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(io_err(&path)(e)),
                    };
                    let body = bytes.strip_prefix(MAGIC.as_slice()).ok_or_else(|| {
                        DsnError::Facts(format!("{}: not a fact file", path.display()))
                    })?;
                    facts::decode_records(body, &mut out)
                        .map_err(|e| DsnError::Facts(format!("{}: {}", path.display(), e.0)))?;
                }
            }
        }
        if !self.retracted.is_empty() {
            out.retain(|d| !self.retracted.contains(&d.order.1));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsn::facts::tests::sample;

    fn decl(siret: u64, file: u32, seq: u32) -> Decl {
        let mut d = sample(siret, seq);
        d.order.1 = file;
        d
    }

    fn round_trip(store: FactStore) {
        let n = store.partitions();
        {
            let mut a = FileSink::new(&store, 0);
            let mut b = FileSink::new(&store, 1);
            for s in 0..50u64 {
                a.put(&decl(1000 + s, 0, s as u32), 1).unwrap();
                b.put(&decl(1000 + s, 1, s as u32), 2).unwrap();
            }
            a.flush().unwrap();
            b.flush().unwrap();
            b.retract();
        }
        let src = store.finish().unwrap();
        let mut all = Vec::new();
        for p in 0..n {
            let part = src.load(p).unwrap();
            assert!(part.iter().all(|d| siret_partition(d.siret, n) == p));
            all.extend(part);
        }
        all.sort_by_key(|d| d.order);
        let want: Vec<Decl> = (0..50u64).map(|s| decl(1000 + s, 0, s as u32)).collect();
        assert_eq!(all, want, "file 1 retracted, file 0 complete");
    }

    #[test]
    fn memory_and_disk_stores_agree() {
        round_trip(FactStore::memory(7));
        let dir = tempfile::tempdir().unwrap();
        round_trip(FactStore::create(&dir.path().join("facts"), 7).unwrap());
        // A damaged partition file is an error naming the file.
        let f = part_file(&dir.path().join("facts"), 0);
        std::fs::write(&f, b"ENGDSNF1\x05\x00\x00\x00ab").unwrap();
        let src = FactSource::dirs(vec![dir.path().join("facts")], 7, vec![]);
        let e = src.load(0).unwrap_err().to_string();
        assert!(
            e.contains("part-00000.bin") && e.contains("truncated"),
            "{e}"
        );
    }
}
