//! Reader and writer throughput on generated DSN corpora (`engagement bench ingest`).
//!
//! [`read_corpus`] runs the same path as `engagement ingest`: the parse pass with facts on
//! disk, then the rebuild and person passes. Figures are wall-clock: MB/s of DSN text and
//! declarations per second, with the rayon thread count used. Peak memory is left to the
//! caller (it is a process-wide figure).

use super::shard::{self, ShardSpec};
use super::{list_files, DsnError, Ingest, PseudoKey, ReadOptions};
use crate::date::Date;
use crate::model::*;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// Figures of one read of a corpus.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReadFigures {
    pub files: u64,
    pub declarations_read: u64,
    pub declarations_rejected: u64,
    /// DSN text read, in bytes (after gzip decompression).
    pub bytes: u64,
    /// Parse pass (files → facts on disk), seconds.
    pub parse_seconds: f64,
    /// Rebuild and person passes (facts → tables in memory), seconds.
    pub rebuild_seconds: f64,
    /// Rayon threads.
    pub threads: usize,
    /// SIRET partitions.
    pub partitions: u32,
    /// The counts reconcile and nothing was rejected.
    pub consistent: bool,
}

impl ReadFigures {
    pub fn seconds(&self) -> f64 {
        self.parse_seconds + self.rebuild_seconds
    }
    /// MB (10^6 bytes) of DSN text per second, whole read.
    pub fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.seconds().max(1e-9)
    }
}

/// Reads the DSN files under `dir` as `ingest` does, facts kept under `work` (removed at
/// the end), with the demo key.
pub fn read_corpus(
    dir: &Path,
    work: &Path,
    partitions: u32,
) -> Result<(Ingest, ReadFigures), DsnError> {
    let mut opts = ReadOptions::new(PseudoKey::demo());
    opts.partitions = partitions;
    let t0 = Instant::now();
    let listing = list_files(&[dir.to_path_buf()], false)?;
    let facts = work.join("shard");
    shard::write_shard(&listing, ShardSpec::ALL, &opts, &facts)?;
    let parse_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let ing = shard::merge_shards(
        std::slice::from_ref(&facts),
        Some(&work.join("rejects")),
        true,
    )?;
    let rebuild_seconds = t1.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&facts).map_err(|source| DsnError::Io {
        path: facts.clone(),
        source,
    })?;
    let r = &ing.report;
    let figures = ReadFigures {
        files: r.files,
        declarations_read: r.declarations_read,
        declarations_rejected: r.declarations_rejected,
        bytes: r.bytes,
        parse_seconds,
        rebuild_seconds,
        threads: rayon::current_num_threads(),
        partitions,
        consistent: r.reconciles() && r.declarations_rejected == 0,
    };
    Ok((ing, figures))
}

/// A deterministic toy dataset for benchmarks when the calibrated generator is not wanted:
/// `n_est` establishments over `months` months from January 2024, `per_est` contracts each
/// (a mix of CDI, CDD with ends, and a few stoppages).
pub fn toy_dataset(n_est: u64, months: u32, per_est: u64) -> Dataset {
    let start = Date::from_ymd(2024, 1, 1).expect("valid date");
    let end = start.add_months(months.max(1) as i32).add_days(-1);
    let mut ds = Dataset {
        coverage: Coverage {
            start,
            end,
            source: Source::Synthetic,
        },
        establishments: Vec::new(),
        persons: Vec::new(),
        contracts: Vec::new(),
        stoppages: Vec::new(),
    };
    let span = start.days_until(end).max(1);
    for e in 0..n_est {
        let siret = 10_000_000_000_000 + e * 100_000 + 17;
        ds.establishments.push(Establishment {
            siret,
            name: format!("Etablissement {e}"),
            naf: "5610C".into(),
            commune: "75056".into(),
            departement: "75".into(),
            region: "11".into(),
            zone: "75".into(),
            creation_date: Date::from_ymd(2010, 5, 1).expect("valid date"),
        });
        for k in 0..per_est {
            let id = e * per_est + k + 1;
            ds.persons.push(Person {
                person_id: id,
                sex: 1 + (id % 2) as u8,
                birth_date: Date::from_ymd(1970 + (id % 35) as i32, 1 + (id % 12) as u32, 15)
                    .expect("valid date"),
                boeth: false,
            });
            let s = start.add_days(((id * 7919) % span as u64) as i32 - 200);
            ds.contracts.push(toy_contract(id, siret, s, end));
            if id % 11 == 0 {
                ds.stoppages.push(Stoppage {
                    person_id: id,
                    siret,
                    contract_id: id,
                    start: s.add_days(10),
                    end: Some(s.add_days(20)),
                    reason: stoppage_reason::MALADIE,
                });
            }
        }
    }
    crate::history::derive_history(&mut ds);
    ds.sort();
    ds
}

/// Contract `id` of the toy dataset: one CDD in three (ended within the coverage when its
/// end falls in it), the rest CDI.
fn toy_contract(id: u64, siret: u64, s: Date, coverage_end: Date) -> Contract {
    let cdd = id % 3 == 0;
    let end = cdd
        .then(|| s.add_days(30 + (id % 90) as i32))
        .filter(|&x| x <= coverage_end);
    Contract {
        contract_id: id,
        person_id: id,
        siret,
        start: s,
        planned_end: cdd.then(|| s.add_days(30 + (id % 90) as i32)),
        actual_end: end,
        end_reason: end.map(|_| end_reason::FIN_CDD),
        nature: if cdd { nature::CDD } else { nature::CDI },
        scheme: scheme::NONE,
        iae: None,
        working_time: working_time::FULL_TIME,
        pcs: Pcs(*b"561b"),
        cdd_reason: cdd.then_some(2),
        boeth: None,
        converted_to_cdi: None,
        no_prior_employment: false,
        months_since_prev: None,
        prior_long_sick_leave: false,
        prior_iae_or_subsidised: false,
    }
}
