//! What reading one file yields besides its facts: counters, rejected declarations and
//! file-level problems. Serialisable, because a shard hands them to the merge step.
//!
//! Repeated diagnostics are capped: the first [`MAX_EXAMPLES`] problems of each reason are
//! kept (per file, then over the corpus), every one is counted. Twenty megabytes of random
//! bytes give a few lines and a count, not one message per line.

use super::redact;
use super::{Problem, Reason};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Problems kept per reason, in the report and on the terminal; the rest are counted.
pub const MAX_EXAMPLES: usize = 20;

/// A rejected declaration: where and why, and its lines with identifying values redacted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reject {
    /// The file under `rejects/` holding the declaration's redacted lines; `None` when the
    /// text is not available (declarations read from a gzip stream later found corrupt).
    pub reject_file: Option<String>,
    /// Position of the source file in the input list (0-based).
    pub file_index: u32,
    /// Line of the declaration's first rubric in its file.
    pub first_line: u64,
    /// The first problem found in the declaration.
    pub problem: Problem,
    /// The redacted lines (Latin-1 bytes) while held in memory; empty once written to the
    /// rejects folder.
    #[serde(skip)]
    pub text: Vec<u8>,
}

/// The name of a reject file: `NNNNN-<file>-L<line>.dsn`, with NNNNN the source file's
/// position in the input list (1-based). Unique, and known as soon as the declaration is.
pub fn reject_file_name(file_index: u32, file: &str, first_line: u64) -> String {
    let stem = Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem: String = redact::scrub(&stem)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{:05}-{stem}-L{first_line}.dsn", u64::from(file_index) + 1)
}

/// Something counted by a key (a reason), of which only the first few are kept.
pub trait Keyed {
    fn key(&self) -> &str;
}

impl Keyed for Problem {
    fn key(&self) -> &str {
        self.reason.as_str()
    }
}

/// Items capped per key, with the count of each key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capped<T> {
    /// The first [`MAX_EXAMPLES`] items of each key, in file then line order.
    pub examples: Vec<T>,
    /// Every item, counted by key.
    pub counts: BTreeMap<String, u64>,
}

impl<T> Default for Capped<T> {
    fn default() -> Self {
        Capped {
            examples: Vec::new(),
            counts: BTreeMap::new(),
        }
    }
}

impl<T: Keyed + Clone> Capped<T> {
    pub fn push(&mut self, item: T) {
        let n = self.counts.entry(item.key().to_string()).or_default();
        *n += 1;
        if *n as usize <= MAX_EXAMPLES {
            self.examples.push(item);
        }
    }

    /// Appends another list (later in file order), keeping the caps.
    pub fn extend(&mut self, o: &Capped<T>) {
        for p in &o.examples {
            let kept = self.examples.iter().filter(|q| q.key() == p.key()).count();
            if kept < MAX_EXAMPLES {
                self.examples.push(p.clone());
            }
        }
        for (k, v) in &o.counts {
            *self.counts.entry(k.clone()).or_default() += v;
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Items counted but not kept, by key.
    pub fn left_out(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.counts.iter().filter_map(|(k, &n)| {
            let kept = self.examples.iter().filter(|q| q.key() == k).count() as u64;
            (n > kept).then_some((k.as_str(), n - kept))
        })
    }
}

/// Counters of one file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileStats {
    pub bytes: u64,
    pub rubrics: u64,
    pub wrapper_rubrics: u64,
    pub unknown_rubrics: BTreeMap<String, u64>,
    pub unknown_codes: BTreeMap<String, u64>,
    pub versions: BTreeMap<String, u64>,
    pub warnings: BTreeMap<String, u64>,
    pub declarations_read: u64,
}

/// What one file yields besides its facts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileOutcome {
    /// Position in the input list (0-based).
    pub index: u32,
    pub stats: FileStats,
    /// Declarations accepted, by nature (`"01"`…).
    pub accepted_by_nature: BTreeMap<String, u64>,
    /// Rejected declarations, in line order.
    pub rejects: Vec<Reject>,
    /// Problems not tied to one declaration.
    pub problems: Capped<Problem>,
    /// The gzip stream was corrupt: every declaration of the file is set aside.
    pub corrupt: bool,
}

impl FileOutcome {
    pub fn accepted(&self) -> u64 {
        self.accepted_by_nature.values().sum()
    }

    /// A corrupt gzip stream: the declarations accepted so far (`accepted`: first line of
    /// each) become rejects without text, and every reject takes the reason
    /// `corrupt_gzip`, its first problem kept in the detail.
    pub fn set_corrupt(&mut self, file: &str, accepted: &[u64], detail: &str) {
        self.corrupt = true;
        self.accepted_by_nature.clear();
        for r in &mut self.rejects {
            let p = &mut r.problem;
            if p.reason != Reason::CorruptGzip {
                p.detail = format!("{detail}; first problem found: {}: {}", p.reason, p.detail);
                p.reason = Reason::CorruptGzip;
            }
        }
        for &line in accepted {
            self.rejects.push(Reject {
                reject_file: None,
                file_index: self.index,
                first_line: line,
                problem: Problem {
                    file: file.to_string(),
                    line,
                    rubric: None,
                    reason: Reason::CorruptGzip,
                    detail: format!("{detail}; the declaration's text is not kept"),
                },
                text: Vec::new(),
            });
        }
        self.rejects.sort_by_key(|r| r.first_line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(reason: Reason, line: u64) -> Problem {
        Problem {
            file: "f.dsn".into(),
            line,
            rubric: None,
            reason,
            detail: String::new(),
        }
    }

    #[test]
    fn caps_per_reason_and_counts_all() {
        let mut a = Capped::<Problem>::default();
        for i in 0..1000 {
            a.push(p(Reason::MalformedLine, i));
        }
        a.push(p(Reason::EmptyFile, 0));
        assert_eq!(a.examples.len(), MAX_EXAMPLES + 1);
        assert_eq!(a.total(), 1001);
        let mut b = Capped::default();
        b.extend(&a);
        b.extend(&a);
        assert_eq!(b.examples.len(), MAX_EXAMPLES + 2);
        assert_eq!(b.counts["malformed_line"], 2000);
        assert_eq!(
            b.left_out().collect::<Vec<_>>(),
            vec![("malformed_line", 1980)]
        );
    }

    #[test]
    fn reject_names() {
        assert_eq!(reject_file_name(0, "/d/a b.dsn", 7), "00001-a_b.dsn-L7.dsn");
        assert_eq!(
            reject_file_name(41, "1850775123456.dsn", 1),
            "00042-XXXXXXXXXXXXX.dsn-L1.dsn"
        );
    }
}
