//! Reader and writer throughput on generated DSN corpora (`engagement bench` calls [`run`]).
//!
//! Figures are wall-clock over the whole corpus: MB/s of DSN text and declarations per
//! second, with the rayon thread count used. Peak memory is left to the caller (it is a
//! process-wide figure).

use super::{read, write_dataset, DsnError, PseudoKey, ReadOptions, WriterOptions};
use crate::date::Date;
use crate::model::*;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// One benchmark measurement.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchResult {
    /// Establishments in the corpus.
    pub establishments: u64,
    /// Declared months.
    pub months: u64,
    /// Contracts in the source dataset.
    pub contracts: u64,
    /// Files written.
    pub files: u64,
    /// Declarations written and read.
    pub declarations: u64,
    /// DSN text size in bytes.
    pub bytes: u64,
    /// Seconds to write the corpus.
    pub write_seconds: f64,
    /// Seconds to read it back into tables.
    pub read_seconds: f64,
    /// Read throughput, MB (10^6 bytes) of DSN text per second.
    pub read_mb_per_s: f64,
    /// Read throughput, declarations per second.
    pub read_declarations_per_s: f64,
    /// Write throughput, MB per second.
    pub write_mb_per_s: f64,
    /// Rayon threads.
    pub threads: usize,
    /// The reader's counts reconciled and matched the writer's.
    pub consistent: bool,
}

/// Writes `ds` as DSN under `dir` (which should be empty), reads it back and times both.
pub fn run(ds: &Dataset, dir: &Path, opts: &WriterOptions) -> Result<BenchResult, DsnError> {
    let t0 = Instant::now();
    let w = write_dataset(ds, dir, opts)?;
    let write_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let ing = read(&[dir.to_path_buf()], &ReadOptions::new(PseudoKey::demo()))?;
    let read_seconds = t1.elapsed().as_secs_f64().max(1e-9);
    let months = (ds.coverage.end.month_index() - ds.coverage.start.month_index() + 1) as u64;
    Ok(BenchResult {
        establishments: ds.establishments.len() as u64,
        months,
        contracts: ds.contracts.len() as u64,
        files: w.files,
        declarations: w.declarations,
        bytes: w.bytes,
        write_seconds,
        read_seconds,
        read_mb_per_s: ing.report.bytes as f64 / 1e6 / read_seconds,
        read_declarations_per_s: ing.report.declarations_read as f64 / read_seconds,
        write_mb_per_s: w.bytes as f64 / 1e6 / write_seconds.max(1e-9),
        threads: rayon::current_num_threads(),
        consistent: ing.report.reconciles()
            && ing.report.declarations_read == w.declarations
            && ing.report.declarations_rejected == 0,
    })
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
            let cdd = id % 3 == 0;
            let end = cdd
                .then(|| s.add_days(30 + (id % 90) as i32))
                .filter(|&x| x <= ds.coverage.end);
            ds.contracts.push(Contract {
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
            });
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
