//! NEODeS (DSN) reader and writer, driven by the P24V01 norm tables.
//!
//! - [`read`] turns DSN files (plain or gzip, files or directories) into the workbench
//!   [`Dataset`](crate::model::Dataset) plus an [`IngestReport`] and the rejected
//!   declarations. It runs in two passes so that memory does not grow with the corpus:
//!   1. *parse*: files are read in parallel (rayon), streaming, one declaration in memory
//!      per file; each accepted declaration's facts go to a fact store partitioned by a
//!      hash of the SIRET (in memory, or files on disk: [`store`]);
//!   2. *rebuild*: one SIRET partition at a time, replacements are resolved and contracts
//!      rebuilt ([`rebuild`]); the partitions' rows are concatenated, then person histories
//!      are derived over the whole corpus (`history`).
//!
//!   The parse pass can be split over machines ([`shard`]: `--shard K/N`, then a merge),
//!   and results do not depend on how: declarations carry their chronology, and every
//!   table is sorted at the end.
//! - [`write_dataset`] writes a dataset as monthly DSN files, one declaration per
//!   establishment and month, valid against the norm; re-reading them gives the same tables
//!   with ids mapped by [`map_ids`] (the round trip).
//!
//! Parsing rules follow `data/reference/dsn/` (blocks, fields, codes): a new block instance
//! starts when a rubric number does not increase; unknown rubrics (transport wrappers S05,
//! S06, S95, S96, `.9xx` extensions, S10.G00.95) are skipped and counted. Files of later
//! norms (P25, P26) are read with the P24 tables; codes those tables do not know are counted
//! as warnings instead of rejecting the declaration.
//!
//! Workbench extensions: the writer adds two non-norm rubrics to the établissement block,
//! `S21.G00.11.901` (INSEE commune code) and `S21.G00.11.902` (creation date), because the
//! norm does not carry them. Like any `.9xx` rubric they are counted as unknown; the reader
//! uses them when present and otherwise falls back to the département of the postal code
//! and the first declared month.

pub mod bench;
pub mod cohort;
mod facts;
mod input;
pub mod norm;
mod outcome;
mod parser;
pub mod pseudo;
mod read;
mod rebuild;
pub mod redact;
mod report;
pub mod shard;
pub mod store;
mod structure;
mod values;
mod write;

pub use facts::siret_partition;
pub use input::{list_files, open_regular, Listing, SkipReason, SkippedPath};
pub use outcome::{reject_file_name, Capped, FileOutcome, Reject, MAX_EXAMPLES};
pub use pseudo::{contract_id, PseudoKey};
pub use read::{read, read_bytes, Ingest};
pub use report::IngestReport;
pub use write::{map_ids, synthetic_nir, write_dataset, WriteSummary, WriterOptions};

/// Reader options.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Pseudonymisation key for NIR/NTT.
    pub key: PseudoKey,
    /// Stop at the first problem with an error instead of rejecting the declaration.
    pub strict: bool,
    /// Require every rubric the cahier technique marks mandatory (see
    /// [`norm::mandatory`]), not only those the reconstruction needs. Used to check the
    /// writer's output.
    pub full_mandatory: bool,
    /// Follow symbolic links found inside directories (loops are detected and skipped).
    pub follow_symlinks: bool,
    /// SIRET partitions of the fact store (any value gives the same tables; more
    /// partitions mean smaller ones in the rebuild pass).
    pub partitions: u32,
}

impl ReadOptions {
    pub fn new(key: PseudoKey) -> ReadOptions {
        ReadOptions {
            key,
            strict: false,
            full_mandatory: false,
            follow_symlinks: false,
            partitions: store::DEFAULT_PARTITIONS,
        }
    }
}

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// Why a declaration (or a whole file) was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No `code,'value'` shape: missing comma or quotes, or a malformed rubric code.
    MalformedLine,
    /// A byte that is not a printable Latin-1 character (control or C1 range).
    InvalidEncoding,
    /// A line longer than the norm's 256 characters.
    LineTooLong,
    /// An impossible or malformed date (e.g. `31022024`).
    InvalidDate,
    /// A value shorter or longer than its datatype allows.
    InvalidLength,
    /// A value with characters its datatype forbids (numbers, NIR layout, PCS code).
    InvalidFormat,
    /// A code absent from its enumeration (P24 files; a warning for later norms).
    NotInEnumeration,
    /// A child block without its parent block.
    OrphanBlock,
    /// A block cardinality violated (too many instances, or a mandatory child missing).
    Cardinality,
    /// A mandatory rubric is missing.
    MissingRubric,
    /// The same NIR (or NTT) twice in one declaration.
    DuplicatePerson,
    /// The file ends before the envoi total S90.G00.90.
    Truncated,
    /// A file without any declaration.
    EmptyFile,
    /// The envoi totals S90.G00.90.001/002 disagree with the rubrics and declarations read.
    FooterMismatch,
    /// The file could not be read (I/O error).
    Unreadable,
    /// The gzip stream does not decode (bad header or data, checksum or length mismatch,
    /// truncation): every declaration of the file is set aside.
    CorruptGzip,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MalformedLine => "malformed_line",
            Reason::InvalidEncoding => "invalid_encoding",
            Reason::LineTooLong => "line_too_long",
            Reason::InvalidDate => "invalid_date",
            Reason::InvalidLength => "invalid_length",
            Reason::InvalidFormat => "invalid_format",
            Reason::NotInEnumeration => "not_in_enumeration",
            Reason::OrphanBlock => "orphan_block",
            Reason::Cardinality => "cardinality",
            Reason::MissingRubric => "missing_rubric",
            Reason::DuplicatePerson => "duplicate_person",
            Reason::Truncated => "truncated",
            Reason::EmptyFile => "empty_file",
            Reason::FooterMismatch => "footer_mismatch",
            Reason::Unreadable => "unreadable",
            Reason::CorruptGzip => "corrupt_gzip",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in the input, located by file, line and rubric. Never holds a NIR or NTT.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The file, as found (path given or found under a given directory).
    pub file: String,
    /// 1-based line number (0 when the problem concerns the whole file).
    pub line: u64,
    /// The rubric code, when the problem concerns one.
    pub rubric: Option<String>,
    /// Machine-readable reason.
    pub reason: Reason,
    /// Human-readable detail, with the offending value unless it identifies a person.
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(r) = &self.rubric {
            write!(f, "{r}: ")?;
        }
        write!(f, "{}: {}", self.reason, self.detail)
    }
}

/// Errors of the DSN reader and writer. Paths are shown scrubbed of NIR-shaped runs.
#[derive(Debug, thiserror::Error)]
pub enum DsnError {
    /// Strict mode: the first problem met.
    #[error("{0}")]
    Invalid(Box<Problem>),
    #[error("{}: {source}", redact::scrub(&path.display().to_string()))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no DSN file found in {}", redact::scrub(.0))]
    NoFiles(String),
    /// A fact file or shard directory that cannot be used.
    #[error("facts: {}", redact::scrub(.0))]
    Facts(String),
    #[error("pseudonymisation key: {0}")]
    Key(String),
    #[error("cannot write dataset as DSN: {0}")]
    Write(String),
}
