//! Scoring benchmark at scale: a lean random corpus of `n` establishments over `years`
//! scored years (plus the 12-month history the default window needs), then the same steps as
//! [`super::run`], timed separately.
//!
//! The corpus is not calibrated (the generator in `synth` is); it only has the volume and
//! shape that matter for cost: about 13 employees per establishment on average (Insee size
//! bands, calibration A4), 1.31 hires per employee-year (B8), 83% CDD, AT/MP stoppages at 30
//! per 1,000 employee-years (C1), about 3.5 contracts per person. Run it in release with
//! `engagement bench score --tiers 50000,200000`.

use super::ScoreParams;
use crate::date::Date;
use crate::model::*;
use crate::reference::Reference;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Benchmark figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// Establishments generated.
    pub establishments: u64,
    /// Scored years.
    pub years: u32,
    /// Contracts in the corpus.
    pub contracts: u64,
    /// Periods scored.
    pub periods: u64,
    /// Score rows produced.
    pub rows: u64,
    /// Seconds to build the corpus (not part of the target).
    pub seconds_generate: f64,
    /// Seconds for indicators, scores and labels (`score::run`).
    pub seconds_score: f64,
    /// Of which the indicator stage.
    pub seconds_indicators: f64,
    /// Contracts per second through `score::run`.
    pub contracts_per_second: f64,
    /// Resident memory once the corpus is built, before scoring (MiB, Linux only).
    pub rss_before_score_mib: Option<f64>,
    /// Peak resident memory of the process (MiB), from /proc/self/status (Linux only).
    pub peak_rss_mib: Option<f64>,
}

fn status_mib(field: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Builds a lean random corpus (see the module docs).
pub fn corpus(n: u64, years: u32, seed: u64) -> Dataset {
    let mut all: Option<Dataset> = None;
    corpus_chunks(n, years, seed, n.max(1), |chunk| match &mut all {
        None => all = Some(chunk),
        Some(a) => {
            a.establishments.extend(chunk.establishments);
            a.persons.extend(chunk.persons);
            a.contracts.extend(chunk.contracts);
            a.stoppages.extend(chunk.stoppages);
        }
    });
    let mut ds = all.expect("at least one chunk");
    ds.sort();
    ds
}

/// The same corpus as [`corpus`], handed to `sink` in chunks of `chunk` establishments
/// (with the persons first drawn in that chunk), so that a corpus larger than memory can be
/// written out as it is drawn. Rows are in drawing order.
pub fn corpus_chunks(n: u64, years: u32, seed: u64, chunk: u64, mut sink: impl FnMut(Dataset)) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(0x4245_4e43);
    let start = Date::from_ymd(2020, 1, 1).expect("valid");
    let end = Date::from_ymd(2021 + years as i32, 1, 1)
        .expect("valid")
        .add_days(-1);
    let total_days = start.days_until(end);
    let nafs = [
        "5610C", "4711D", "4120A", "8810A", "6201Z", "2511Z", "4941A", "8710A",
    ];
    let deps = ["22", "29", "35", "56"];
    let mut ds = Dataset {
        coverage: Coverage {
            start,
            end,
            source: Source::Synthetic,
        },
        establishments: Vec::with_capacity(chunk.min(n) as usize),
        persons: Vec::new(),
        contracts: Vec::new(),
        stoppages: Vec::new(),
    };
    let pcs = ["382a", "461d", "561b", "621a"].map(|s| Pcs::new(s).expect("valid PCS"));
    let mut cid = 0u64;
    let mut n_persons = 0u64;
    for e in 0..n {
        if e > 0 && e % chunk == 0 {
            let next = Dataset {
                coverage: ds.coverage,
                establishments: Vec::new(),
                persons: Vec::new(),
                contracts: Vec::new(),
                stoppages: Vec::new(),
            };
            sink(std::mem::replace(&mut ds, next));
        }
        let siret = 10_000_000_000_000 + e * 7;
        let dep = deps[(e % 4) as usize];
        ds.establishments.push(Establishment {
            siret,
            name: format!("Établissement {e}"),
            naf: nafs[rng.random_range(0..nafs.len())].to_string(),
            commune: format!("{dep}001"),
            departement: dep.to_string(),
            region: "53".to_string(),
            zone: dep.to_string(),
            creation_date: start,
        });
        let u: f64 = rng.random();
        let size = if u < 0.79 {
            rng.random_range(1..10)
        } else if u < 0.96 {
            rng.random_range(10..50)
        } else if u < 0.995 {
            rng.random_range(50..250)
        } else {
            rng.random_range(250..1000)
        };
        let hires = (size as f64 * 1.31 * (years + 1) as f64) as u32;
        for k in 0..(size + hires) {
            let initial = k < size;
            let s = if initial {
                start
            } else {
                start.add_days(rng.random_range(0..total_days))
            };
            let cdd = !initial && rng.random::<f64>() < 0.83;
            let len = if cdd {
                rng.random_range(1..200)
            } else {
                rng.random_range(30..3000)
            };
            let stop = s.add_days(len);
            let actual_end = (stop <= end).then_some(stop);
            cid += 1;
            // About 3.5 contracts per person, as in the calibrated generator.
            let person_id = if n_persons == 0 || rng.random::<f64>() < 0.29 {
                n_persons += 1;
                let id = n_persons;
                ds.persons.push(Person {
                    person_id: id,
                    sex: if rng.random::<bool>() { 1 } else { 2 },
                    birth_date: Date::from_ymd(rng.random_range(1960..2005), 6, 15).expect("valid"),
                    boeth: rng.random::<f64>() < 0.05,
                });
                id
            } else {
                rng.random_range(1..=n_persons)
            };
            ds.contracts.push(Contract {
                contract_id: cid,
                person_id,
                siret,
                start: s,
                planned_end: cdd.then_some(stop),
                actual_end,
                end_reason: actual_end.map(|_| {
                    if cdd {
                        end_reason::FIN_CDD
                    } else {
                        end_reason::DEMISSION
                    }
                }),
                nature: if cdd { nature::CDD } else { nature::CDI },
                scheme: scheme::NONE,
                iae: None,
                working_time: if rng.random::<f64>() < 0.17 {
                    working_time::PART_TIME
                } else {
                    working_time::FULL_TIME
                },
                pcs: pcs[rng.random_range(0..4)],
                cdd_reason: None,
                boeth: (rng.random::<f64>() < 0.05).then_some(1),
                converted_to_cdi: None,
                no_prior_employment: rng.random::<f64>() < 0.1,
                months_since_prev: Some(rng.random_range(0..24)),
                prior_long_sick_leave: false,
                prior_iae_or_subsidised: rng.random::<f64>() < 0.03,
            });
            if rng.random::<f64>() < 0.03 * len.min(365) as f64 / 365.0 {
                ds.stoppages.push(Stoppage {
                    person_id,
                    siret,
                    contract_id: cid,
                    start: s.add_days(len / 2),
                    end: Some(s.add_days(len / 2 + 30)),
                    reason: stoppage_reason::ACCIDENT_TRAVAIL,
                });
            }
        }
    }
    sink(ds);
}

/// Builds a corpus of `n` establishments over `years` years and times the scoring.
pub fn run(n: u64, years: u32, seed: u64) -> Result<BenchResult, super::ScoreError> {
    let t0 = Instant::now();
    let ds = corpus(n, years, seed);
    let seconds_generate = t0.elapsed().as_secs_f64();
    let reference = Reference::load();
    let params = ScoreParams::default();
    let rss_before_score_mib = status_mib("VmRSS:");
    let t1 = Instant::now();
    let periods = crate::indicators::periods(
        &ds.coverage,
        params.window_months,
        params.step_months,
        params.min_history_months,
    )?;
    let ind = crate::indicators::compute(&ds, periods, params.window_months);
    let seconds_indicators = t1.elapsed().as_secs_f64();
    let infos = super::establishment_infos(&ds.establishments, &reference);
    let out = super::score_indicators(ind, infos, &params);
    let seconds_score = t1.elapsed().as_secs_f64();
    Ok(BenchResult {
        establishments: n,
        years,
        contracts: ds.contracts.len() as u64,
        periods: out.periods().len() as u64,
        rows: out.scores.len() as u64,
        seconds_generate,
        seconds_score,
        seconds_indicators,
        contracts_per_second: ds.contracts.len() as f64 / seconds_score.max(1e-9),
        rss_before_score_mib,
        peak_rss_mib: status_mib("VmHWM:"),
    })
}

/// The default tiers of `engagement bench score`: 50k and 200k establishments × 5 years.
pub fn run_default() -> Result<Vec<BenchResult>, super::ScoreError> {
    [50_000, 200_000]
        .into_iter()
        .map(|n| run(n, 5, 20261128))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_bench_runs() {
        let r = super::run(300, 2, 1).unwrap();
        assert!(r.contracts > 1000 && r.rows > 0 && r.periods == 5, "{r:?}");
    }
}
