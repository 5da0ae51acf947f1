//! The ingest report (`ingest_report.json`): what was read, skipped, rejected and produced.

use super::Problem;
use crate::date::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counts of one ingest. `declarations_read = declarations_ingested + declarations_rejected`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestReport {
    /// Files read.
    pub files: u64,
    /// Bytes of DSN text read (after gzip decompression).
    pub bytes: u64,
    /// Rubric lines read, wrappers and unknown rubrics included.
    pub rubrics_read: u64,
    /// Transport-wrapper rubrics skipped (S05, S06, S95, S96).
    pub wrapper_rubrics: u64,
    /// Rubrics skipped because the P24V01 tables do not know them, by rubric code.
    pub unknown_rubrics: BTreeMap<String, u64>,
    /// Warnings: codes outside the P24V01 enumerations in files of later norms, by rubric.
    pub unknown_codes: BTreeMap<String, u64>,
    /// Warnings by kind: `unknown_code` (see above), `nir_layout` (a NIR whose month,
    /// département, commune or order digits break the norm's layout; still pseudonymised).
    pub warnings: BTreeMap<String, u64>,
    /// Envois by norm version (S10.G00.00.006).
    pub norm_versions: BTreeMap<String, u64>,
    /// Declarations (S20.G00.05 blocks) read.
    pub declarations_read: u64,
    /// Declarations accepted by the parser.
    pub declarations_ingested: u64,
    /// Declarations rejected (written to `rejects/`).
    pub declarations_rejected: u64,
    /// Accepted declarations that contribute to the tables, after types 03/04/05 were applied.
    pub declarations_applied: u64,
    /// Accepted declarations replaced or cancelled by a later 03/04/05 (or cancelling ones).
    pub declarations_superseded: u64,
    /// Accepted declarations by nature (S20.G00.05.001).
    pub declarations_by_nature: BTreeMap<String, u64>,
    /// Rejected declarations by reason.
    pub rejects_by_reason: BTreeMap<String, u64>,
    /// Problems not tied to one declaration (empty file, envoi totals, unreadable file).
    pub file_problems: Vec<Problem>,
    /// Establishments produced.
    pub establishments: u64,
    /// Persons produced.
    pub persons: u64,
    /// Contracts produced.
    pub contracts: u64,
    /// Work stoppages produced.
    pub stoppages: u64,
    /// First day covered (first declared month).
    pub coverage_start: Option<Date>,
    /// Last day covered (end of the last declared month).
    pub coverage_end: Option<Date>,
    /// True when the pseudonyms were made with the public demo key: not for real data.
    pub demo_key: bool,
}

impl IngestReport {
    /// Declarations read = ingested + rejected, and ingested = applied + superseded.
    pub fn reconciles(&self) -> bool {
        self.declarations_read == self.declarations_ingested + self.declarations_rejected
            && self.declarations_ingested
                == self.declarations_applied + self.declarations_superseded
    }

    /// A few lines for the terminal.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} file(s), {:.1} MB, {} rubrics ({} wrapper, {} unknown)\n\
             declarations: {} read = {} ingested + {} rejected; {} applied, {} superseded\n\
             tables: {} establishments, {} persons, {} contracts, {} stoppages",
            self.files,
            self.bytes as f64 / 1e6,
            self.rubrics_read,
            self.wrapper_rubrics,
            self.unknown_rubrics.values().sum::<u64>(),
            self.declarations_read,
            self.declarations_ingested,
            self.declarations_rejected,
            self.declarations_applied,
            self.declarations_superseded,
            self.establishments,
            self.persons,
            self.contracts,
            self.stoppages,
        );
        for (r, n) in &self.rejects_by_reason {
            s.push_str(&format!("\n  rejected ({r}): {n}"));
        }
        for p in &self.file_problems {
            s.push_str(&format!("\n  file problem: {p}"));
        }
        if self.demo_key {
            s.push_str("\n  DEMO KEY: pseudonyms are not secret; do not use on real data");
        }
        s
    }
}
