//! The ingest report (`ingest_report.json`): what was read, skipped, rejected and produced.
//!
//! Built from the files' outcomes in input order ([`IngestReport::add_file`]), then from the
//! tables ([`IngestReport::set_tables`]). Lists of problems and skipped paths keep the
//! first few of each reason and count all of them.

use super::input::SkippedPath;
use super::outcome::{Capped, FileOutcome, MAX_EXAMPLES};
use super::{Problem, Reject};
use crate::date::Date;
use crate::model::Dataset;
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
    /// Problems not tied to one declaration (empty file, envoi totals, unreadable or
    /// corrupt file, lines outside any declaration): the first few of each reason.
    pub file_problems: Vec<Problem>,
    /// Every problem not tied to one declaration, counted by reason.
    pub file_problems_by_reason: BTreeMap<String, u64>,
    /// Files whose gzip stream is corrupt (all their declarations are rejected).
    pub corrupt_files: u64,
    /// Paths the directory walk left out (links, FIFOs, devices...): the first few of
    /// each reason.
    pub skipped_paths: Vec<SkippedPath>,
    /// Every path left out, counted by reason.
    pub skipped_paths_by_reason: BTreeMap<String, u64>,
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

/// Builds the report from the files' outcomes, in input order.
#[derive(Default)]
pub(crate) struct ReportBuilder {
    report: IngestReport,
    problems: Capped<Problem>,
    unknown: BTreeMap<String, u64>,
}

fn add_all(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}

impl ReportBuilder {
    pub fn new(demo_key: bool, skipped: &Capped<SkippedPath>) -> ReportBuilder {
        let mut b = ReportBuilder::default();
        b.report.demo_key = demo_key;
        b.report.skipped_paths = skipped.examples.clone();
        b.report.skipped_paths_by_reason = skipped.counts.clone();
        b
    }

    /// Adds one file's counters; its rejects are counted here and returned by the caller.
    pub fn add_file(&mut self, o: &FileOutcome) {
        let r = &mut self.report;
        let s = &o.stats;
        r.files += 1;
        r.bytes += s.bytes;
        r.rubrics_read += s.rubrics;
        r.wrapper_rubrics += s.wrapper_rubrics;
        r.declarations_read += s.declarations_read;
        add_all(&mut self.unknown, &s.unknown_rubrics);
        add_all(&mut r.unknown_codes, &s.unknown_codes);
        add_all(&mut r.warnings, &s.warnings);
        add_all(&mut r.norm_versions, &s.versions);
        add_all(&mut r.declarations_by_nature, &o.accepted_by_nature);
        r.declarations_ingested += o.accepted();
        r.declarations_rejected += o.rejects.len() as u64;
        r.corrupt_files += u64::from(o.corrupt);
        for j in &o.rejects {
            let j: &Reject = j;
            *r.rejects_by_reason
                .entry(j.problem.reason.as_str().to_string())
                .or_default() += 1;
        }
        self.problems.extend(&o.problems);
    }

    /// The report once the tables are built.
    pub fn finish(
        mut self,
        applied: u64,
        bounds: Option<(Date, Date)>,
        ds: &Dataset,
    ) -> IngestReport {
        let r = &mut self.report;
        r.unknown_rubrics = self.unknown;
        r.file_problems = self.problems.examples;
        r.file_problems_by_reason = self.problems.counts;
        r.declarations_applied = applied;
        r.declarations_superseded = r.declarations_ingested.saturating_sub(applied);
        r.set_tables(ds);
        r.coverage_start = bounds.map(|b| b.0);
        r.coverage_end = bounds.map(|b| b.1.last_of_month());
        self.report
    }
}

impl IngestReport {
    /// Counts of the tables produced.
    pub fn set_tables(&mut self, ds: &Dataset) {
        self.establishments = ds.establishments.len() as u64;
        self.persons = ds.persons.len() as u64;
        self.contracts = ds.contracts.len() as u64;
        self.stoppages = ds.stoppages.len() as u64;
    }

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
        for (reason, n) in &self.file_problems_by_reason {
            let shown = self
                .file_problems
                .iter()
                .filter(|p| p.reason.as_str() == reason)
                .count() as u64;
            if *n > shown {
                s.push_str(&format!(
                    "\n  ... and {} more file problem(s) ({reason}); the first {MAX_EXAMPLES} of each reason are listed",
                    n - shown
                ));
            }
        }
        for (reason, n) in &self.skipped_paths_by_reason {
            s.push_str(&format!("\n  skipped paths ({reason}): {n}"));
        }
        for p in &self.skipped_paths {
            s.push_str(&format!("\n  skipped: {} ({})", p.path, p.reason.as_str()));
        }
        if self.demo_key {
            s.push_str("\n  DEMO KEY: pseudonyms are not secret; do not use on real data");
        }
        s
    }
}
