//! Input files: the directory walk, opening, gzip detection and capped line reading.
//!
//! The walk is safe on hostile trees:
//! - symbolic links found inside directories are not followed unless asked
//!   (`follow_symlinks`); when followed, a link back to a directory being walked (same
//!   device and inode) is a loop and is skipped, and a file reached twice is read once;
//! - FIFOs, sockets and devices are skipped (reading them can block forever or never end),
//!   and files are opened non-blocking and checked to be regular once open;
//! - dangling links and unreadable entries are skipped.
//!
//! Every skip is a warning ([`SkippedPath`]), capped like other repeated diagnostics.
//! Paths named on the command line are taken as given (a link named there is followed).
//!
//! Each file is read in one pass with a capped line buffer (a file without line feeds cannot
//! exhaust memory). A gzip stream that fails to decode (bad header, bad deflate data, CRC or
//! length mismatch, truncation) makes the file corrupt: see `Parser::corrupt`.

use super::outcome::{Capped, FileOutcome, Keyed};
use super::parser::Parser;
use super::redact;
use super::store::FileSink;
use super::{DsnError, Problem, ReadOptions, Reason};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs::{File, Metadata};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Bytes kept of an over-long line (the rest is dropped while reading).
pub const LINE_CAP: usize = 4096;

/// Why the walk left a path out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A symbolic link inside a directory, not followed (see `--follow-symlinks`).
    Symlink,
    /// A symbolic link whose target does not exist.
    DanglingSymlink,
    /// A link to a directory that contains it: following it would never end.
    SymlinkLoop,
    /// A file or directory already listed through another path.
    AlreadyListed,
    /// A FIFO, socket or device.
    NotRegularFile,
    /// The entry could not be inspected.
    Unreadable,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Symlink => "symlink",
            SkipReason::DanglingSymlink => "dangling_symlink",
            SkipReason::SymlinkLoop => "symlink_loop",
            SkipReason::AlreadyListed => "already_listed",
            SkipReason::NotRegularFile => "not_regular_file",
            SkipReason::Unreadable => "unreadable",
        }
    }
}

/// A path the walk left out, with why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkippedPath {
    /// The path (NIR-shaped runs scrubbed).
    pub path: String,
    pub reason: SkipReason,
}

impl Keyed for SkippedPath {
    fn key(&self) -> &str {
        self.reason.as_str()
    }
}

/// The files to read, and what the walk left out.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    /// Files in reading order: each path given, then each directory's files sorted.
    pub files: Vec<PathBuf>,
    pub skipped: Capped<SkippedPath>,
}

fn is_dsn_name(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    !name.starts_with('.')
        && [".dsn", ".dsn.gz", ".edi", ".edi.gz", ".txt", ".txt.gz"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Device and inode: what identifies a file or directory whatever the path.
#[cfg(unix)]
fn identity(md: &Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((md.dev(), md.ino()))
}

#[cfg(not(unix))]
fn identity(_: &Metadata) -> Option<(u64, u64)> {
    None
}

struct Walker {
    follow: bool,
    /// Directories from the walk's root to the current one.
    ancestors: Vec<(u64, u64)>,
    dirs: HashSet<(u64, u64)>,
    files_seen: HashSet<(u64, u64)>,
    out: Listing,
}

impl Walker {
    fn skip(&mut self, p: &Path, reason: SkipReason) {
        self.out.skipped.push(SkippedPath {
            path: redact::scrub(&p.display().to_string()).into_owned(),
            reason,
        });
    }

    fn add_file(&mut self, p: &Path, md: &Metadata) {
        match identity(md) {
            Some(id) if !self.files_seen.insert(id) => self.skip(p, SkipReason::AlreadyListed),
            _ => self.out.files.push(p.to_path_buf()),
        }
    }

    /// One entry found in a directory.
    fn entry(&mut self, p: &Path) -> Result<(), DsnError> {
        let md = match std::fs::symlink_metadata(p) {
            Ok(md) => md,
            Err(_) => {
                self.skip(p, SkipReason::Unreadable);
                return Ok(());
            }
        };
        let md = if md.file_type().is_symlink() {
            if !self.follow {
                self.skip(p, SkipReason::Symlink);
                return Ok(());
            }
            match std::fs::metadata(p) {
                Ok(md) => md,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    self.skip(p, SkipReason::DanglingSymlink);
                    return Ok(());
                }
                Err(_) => {
                    self.skip(p, SkipReason::Unreadable);
                    return Ok(());
                }
            }
        } else {
            md
        };
        if md.is_dir() {
            self.dir(p, &md)
        } else if !is_dsn_name(p) {
            Ok(())
        } else if md.is_file() {
            self.add_file(p, &md);
            Ok(())
        } else {
            self.skip(p, SkipReason::NotRegularFile);
            Ok(())
        }
    }

    /// A directory: its entries in sorted order, once.
    fn dir(&mut self, dir: &Path, md: &Metadata) -> Result<(), DsnError> {
        let id = identity(md);
        if let Some(id) = id {
            if self.ancestors.contains(&id) {
                self.skip(dir, SkipReason::SymlinkLoop);
                return Ok(());
            }
            if !self.dirs.insert(id) {
                self.skip(dir, SkipReason::AlreadyListed);
                return Ok(());
            }
            self.ancestors.push(id);
        }
        let io = |source| DsnError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort();
        for p in entries {
            self.entry(&p)?;
        }
        if id.is_some() {
            self.ancestors.pop();
        }
        Ok(())
    }
}

/// The files to read: each path given, and under each directory (recursively) every file
/// named `*.dsn`, `*.edi` or `*.txt` (optionally `.gz`), in sorted order. A directory
/// without any is an error, and so is a path that does not exist.
pub fn list_files(paths: &[PathBuf], follow_symlinks: bool) -> Result<Listing, DsnError> {
    let mut w = Walker {
        follow: follow_symlinks,
        ancestors: Vec::new(),
        dirs: HashSet::new(),
        files_seen: HashSet::new(),
        out: Listing::default(),
    };
    for p in paths {
        let md = std::fs::metadata(p).map_err(|source| {
            let dangling = std::fs::symlink_metadata(p).is_ok();
            let why = if dangling {
                "dangling symbolic link"
            } else {
                "no such file or directory"
            };
            DsnError::Io {
                path: p.clone(),
                source: std::io::Error::new(source.kind(), why),
            }
        })?;
        if md.is_dir() {
            let before = w.out.files.len();
            w.dir(p, &md)?;
            if w.out.files.len() == before {
                return Err(DsnError::NoFiles(p.display().to_string()));
            }
        } else if md.is_file() {
            w.add_file(p, &md);
        } else {
            w.skip(p, SkipReason::NotRegularFile);
        }
    }
    if w.out.files.is_empty() {
        let all: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(DsnError::NoFiles(all.join(", ")));
    }
    Ok(w.out)
}

/// Opens a file for reading without blocking on a FIFO, and checks it is a regular file.
pub fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK);
    }
    let f = o.open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(f)
}

/// Reads one line into `buf` (without the line feed), keeping at most `LINE_CAP` bytes.
/// `Ok(None)` at the end of the stream; `Ok(Some(true))` when the line was cut.
fn read_line_capped<R: BufRead + ?Sized>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut overflow = false;
    let mut any = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(any.then_some(overflow));
        }
        any = true;
        let (chunk, used, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..i], i + 1, true),
            None => (avail, avail.len(), false),
        };
        let room = LINE_CAP.saturating_sub(buf.len());
        if chunk.len() > room {
            overflow = true;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        r.consume(used);
        if done {
            return Ok(Some(overflow));
        }
    }
}

/// Feeds every line to the parser; the read error that stopped it, if any.
fn feed(parser: &mut Parser<'_>, r: &mut dyn BufRead) -> Result<Option<std::io::Error>, DsnError> {
    let mut buf = Vec::with_capacity(512);
    loop {
        match read_line_capped(r, &mut buf) {
            Ok(Some(overflow)) => parser.line(&buf, overflow)?,
            Ok(None) => return Ok(None),
            Err(e) => return Ok(Some(e)),
        }
    }
}

/// A decoding error of the gzip layer (as opposed to an error of the file underneath).
fn is_gzip_format_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), InvalidInput | InvalidData | UnexpectedEof)
}

/// Parses a byte stream (plain or gzip, detected by its magic bytes).
pub(crate) fn parse_stream<'a, R: Read>(
    name: &'a str,
    file_idx: u32,
    reader: R,
    opts: &'a ReadOptions,
    sink: FileSink<'a>,
    rejects_dir: Option<&'a Path>,
) -> Result<FileOutcome, DsnError> {
    let mut br = BufReader::with_capacity(1 << 16, reader);
    let gz = matches!(br.fill_buf(), Ok(b) if b.starts_with(&[0x1f, 0x8b]));
    let mut parser = Parser::new(name, file_idx, opts, sink, rejects_dir);
    let stopped = if gz {
        let mut inner = BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(br));
        feed(&mut parser, &mut inner)?
    } else {
        feed(&mut parser, &mut br)?
    };
    match stopped {
        None => parser.finish(),
        Some(e) if gz && is_gzip_format_error(&e) => parser.corrupt(&e),
        Some(e) => {
            parser.unreadable(&e)?;
            parser.finish()
        }
    }
}

/// Parses one file of the listing. A file that cannot be opened is a file problem in
/// lenient mode and an error in strict mode.
pub(crate) fn parse_file<'a>(
    path: &'a Path,
    name: &'a str,
    file_idx: u32,
    opts: &'a ReadOptions,
    sink: FileSink<'a>,
    rejects_dir: Option<&'a Path>,
) -> Result<FileOutcome, DsnError> {
    match open_regular(path) {
        Ok(f) => parse_stream(name, file_idx, f, opts, sink, rejects_dir),
        Err(e) => {
            let p = Problem {
                file: redact::scrub(name).into_owned(),
                line: 0,
                rubric: None,
                reason: Reason::Unreadable,
                detail: redact::scrub(&format!("cannot open: {e}")).into_owned(),
            };
            if opts.strict {
                return Err(DsnError::Invalid(Box::new(p)));
            }
            let mut out = FileOutcome {
                index: file_idx,
                ..FileOutcome::default()
            };
            out.problems.push(p);
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_lines() {
        let data = vec![b'a'; 10_000];
        let mut r = BufReader::new(&data[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line_capped(&mut r, &mut buf).unwrap(), Some(true));
        assert_eq!(buf.len(), LINE_CAP);
        assert_eq!(read_line_capped(&mut r, &mut buf).unwrap(), None);
    }

    #[test]
    fn names() {
        assert!(is_dsn_name(Path::new("a/b.DSN.gz")));
        assert!(!is_dsn_name(Path::new("a/.hidden.dsn")));
        assert!(!is_dsn_name(Path::new("a/b.csv")));
    }
}
