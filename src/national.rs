//! National generation in bounded memory: the territory split into one simulation unit
//! per département, each generated on its own and written to the partitioned layout as soon
//! as it is complete.
//!
//! A unit is the baseline generator run on one département, with that département's share
//! of the establishments (in proportion to its communes' population, largest remainders) and
//! its own random streams (the experiment seed mixed with the département code). Each unit
//! therefore has its own job-seeker pool: people change employer within their département,
//! not across départements. Memory is bounded by the two largest units in flight (the Nord
//! and Paris, about 4% of the establishments each), not by the corpus.
//!
//! Identifiers are made unique across units: contract identifiers carry the unit number in
//! their high bits; a SIRET drawn twice by two units is redrawn deterministically for the
//! later unit; person pseudonyms are 63-bit keyed hashes, checked for uniqueness.

use crate::config::Experiment;
use crate::model::Dataset;
use crate::reference::Reference;
use crate::synth::{self, calibration::Calibration, EstablishmentTruth, TraitShift};
use crate::tables::{self, Format};
use std::collections::HashSet;
use std::path::Path;

/// Errors of national generation.
#[derive(Debug, thiserror::Error)]
pub enum NationalError {
    #[error(transparent)]
    Synth(#[from] synth::SynthError),
    #[error(transparent)]
    Table(#[from] tables::TableError),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("person pseudonym {0} drawn by two départements; change the seed")]
    PersonCollision(u64),
}

/// Experiments with more establishments than this are simulated one département at a
/// time (in memory, the generator needs about 16 KiB per establishment over 7 years).
pub const NATIONAL_THRESHOLD: u32 = 250_000;

/// Whether an experiment is generated unit by unit.
pub fn is_national(exp: &Experiment) -> bool {
    exp.generator.establishments > NATIONAL_THRESHOLD
}

/// One simulation unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Position in département order.
    pub index: usize,
    pub departement: String,
    pub establishments: u32,
    /// Global index of the unit's first establishment (generation order across units).
    pub first_establishment: u32,
}

/// The units of an experiment: its départements in code order, establishments in
/// proportion to population (largest remainders, so they sum to the total).
pub fn units(exp: &Experiment, reference: &Reference) -> Vec<Unit> {
    let mut deps: Vec<(String, u64)> = exp
        .territory
        .departements
        .iter()
        .map(|d| {
            let pop = reference
                .communes
                .values()
                .filter(|c| &c.departement == d)
                .map(|c| c.population)
                .sum();
            (d.clone(), pop)
        })
        .filter(|(_, p)| *p > 0)
        .collect();
    deps.sort();
    let total_pop: u64 = deps.iter().map(|d| d.1).sum();
    let n = u64::from(exp.generator.establishments);
    let mut shares: Vec<(u64, u64, usize)> = deps
        .iter()
        .enumerate()
        .map(|(i, (_, p))| {
            let q = n * p;
            (q / total_pop.max(1), q % total_pop.max(1), i)
        })
        .collect();
    let assigned: u64 = shares.iter().map(|s| s.0).sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| shares[b].1.cmp(&shares[a].1).then(a.cmp(&b)));
    for &k in order.iter().take((n - assigned) as usize) {
        shares[k].0 += 1;
    }
    let mut first = 0u32;
    deps.into_iter()
        .zip(shares)
        .enumerate()
        .map(|(index, ((departement, _), (k, _, _)))| {
            let u = Unit {
                index,
                departement,
                establishments: k as u32,
                first_establishment: first,
            };
            first += k as u32;
            u
        })
        .filter(|u| u.establishments > 0)
        .collect()
}

/// The experiment of one unit: its département, its establishments, its own seed.
pub fn unit_experiment(exp: &Experiment, unit: &Unit) -> Experiment {
    let mut e = exp.clone();
    e.territory.departements = vec![unit.departement.clone()];
    e.generator.establishments = unit.establishments;
    let code = unit
        .departement
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b)));
    e.seed = synth::rng::key(exp.seed, 0x4e41_5449, code, 0);
    e
}

/// A shift indexed by global establishment index, seen from one unit.
struct Offset<'a> {
    inner: &'a dyn TraitShift,
    first: usize,
}

impl TraitShift for Offset<'_> {
    fn shift(&self, establishment: usize, month: u32) -> f64 {
        self.inner.shift(self.first + establishment, month)
    }
}

/// Generates one unit, with identifiers made global.
pub fn generate_unit(
    exp: &Experiment,
    reference: &Reference,
    unit: &Unit,
    shift: &dyn TraitShift,
) -> Result<synth::Synthetic, NationalError> {
    let e = unit_experiment(exp, unit);
    let offset = Offset {
        inner: shift,
        first: unit.first_establishment as usize,
    };
    let mut s = synth::generate_with_shift(&e, reference, &offset, false)?;
    let hi = (unit.index as u64 + 1) << 40;
    for c in &mut s.dataset.contracts {
        c.contract_id |= hi;
    }
    for st in &mut s.dataset.stoppages {
        st.contract_id |= hi;
    }
    for t in &mut s.truth {
        t.index += unit.first_establishment;
    }
    Ok(s)
}

/// A valid SIRET (Luhn on SIREN and SIRET) from a number.
fn siret_from(x: u64) -> u64 {
    fn luhn(digits: u64, len: u32) -> u64 {
        let mut sum = 0;
        for i in 0..len {
            let d = (digits / 10u64.pow(i)) % 10;
            // The check digit will sit at position 0, so the rightmost payload digit doubles.
            sum += if i % 2 == 0 {
                let v = d * 2;
                if v > 9 {
                    v - 9
                } else {
                    v
                }
            } else {
                d
            };
        }
        (10 - sum % 10) % 10
    }
    let body = 10_000_000 + x % 90_000_000;
    let siren = body * 10 + luhn(body, 8);
    let nic_body = 1 + (x / 90_000_000) % 1999;
    let partial = siren * 10_000 + nic_body;
    partial * 10 + luhn(partial, 13)
}

/// Gives the unit's establishments SIRETs not used by an earlier unit.
fn dedupe_sirets(s: &mut synth::Synthetic, seen: &mut HashSet<u64>, seed: u64, unit: usize) {
    let mut remap = std::collections::HashMap::new();
    for e in &mut s.dataset.establishments {
        if seen.insert(e.siret) {
            continue;
        }
        let mut k = 0u64;
        let new = loop {
            let cand = siret_from(synth::rng::key(seed, 0x5349_5245, unit as u64, k));
            if seen.insert(cand) {
                break cand;
            }
            k += 1;
        };
        remap.insert(e.siret, new);
        e.siret = new;
    }
    if remap.is_empty() {
        return;
    }
    let m = |x: &mut u64| {
        if let Some(n) = remap.get(x) {
            *x = *n;
        }
    };
    s.dataset.contracts.iter_mut().for_each(|c| m(&mut c.siret));
    s.dataset.stoppages.iter_mut().for_each(|c| m(&mut c.siret));
    s.truth.iter_mut().for_each(|t| m(&mut t.siret));
    s.dataset.sort();
    s.truth.sort_by_key(|t| t.siret);
}

/// What national generation produced.
#[derive(Debug, Clone)]
pub struct NationalData {
    pub units: Vec<Unit>,
    pub establishments: u64,
    pub persons: u64,
    pub contracts: u64,
    pub stoppages: u64,
    /// Calibration of each unit, in unit order.
    pub calibrations: Vec<Calibration>,
    pub coverage: crate::model::Coverage,
}

/// Writes one unit's tables and truth into the partitioned layout under `dir`.
fn write_unit(dir: &Path, unit: &Unit, s: &synth::Synthetic) -> Result<(), NationalError> {
    let d = &unit.departement;
    let ds: &Dataset = &s.dataset;
    let f = Format::Parquet;
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| NationalError::Io { path: p, source }
    };
    let file = |stem: &str| -> Result<std::path::PathBuf, NationalError> {
        let pd = tables::partition_dir(dir, stem, d);
        std::fs::create_dir_all(&pd).map_err(io(&pd))?;
        Ok(pd.join("part-00000.parquet"))
    };
    tables::write_rows(
        &ds.establishments,
        tables::establishments_df,
        &file("establishments")?,
        f,
    )?;
    tables::write_rows(&ds.persons, tables::persons_df, &file("persons")?, f)?;
    tables::write_rows(&ds.contracts, tables::contracts_df, &file("contracts")?, f)?;
    tables::write_rows(&ds.stoppages, tables::stoppages_df, &file("stoppages")?, f)?;
    let mut t = synth::truth_df(&s.truth).map_err(|source| tables::TableError::Polars {
        path: dir.join("truth"),
        source,
    })?;
    tables::write_df(&mut t, &file("truth/establishments_truth")?, f)?;
    Ok(())
}

/// Generates the experiment unit by unit (two at a time) into the partitioned layout in
/// `dir`, and writes `coverage.json`. `shift` is indexed by global establishment index.
pub fn generate_partitioned(
    exp: &Experiment,
    reference: &Reference,
    shift: &dyn TraitShift,
    dir: &Path,
    progress: bool,
) -> Result<NationalData, NationalError> {
    let units = units(exp, reference);
    let mut seen_sirets = HashSet::new();
    // Person pseudonyms of every unit (8 bytes each), checked once at the end.
    let mut person_ids: Vec<u64> = Vec::new();
    let mut out = NationalData {
        units: units.clone(),
        establishments: 0,
        persons: 0,
        contracts: 0,
        stoppages: 0,
        calibrations: Vec::new(),
        coverage: crate::model::Coverage {
            start: exp.generator.coverage_start(),
            end: exp.generator.coverage_end(),
            source: crate::model::Source::Synthetic,
        },
    };
    for pair in units.chunks(2) {
        let gen = |u: &Unit| generate_unit(exp, reference, u, shift);
        let results: Vec<Result<synth::Synthetic, NationalError>> = match pair {
            [a, b] => {
                let (x, y) = rayon::join(|| gen(a), || gen(b));
                vec![x, y]
            }
            _ => pair.iter().map(gen).collect(),
        };
        for (u, s) in pair.iter().zip(results) {
            let mut s = s?;
            dedupe_sirets(&mut s, &mut seen_sirets, exp.seed, u.index);
            person_ids.extend(s.dataset.persons.iter().map(|p| p.person_id));
            let ue = unit_experiment(exp, u);
            out.calibrations.push(synth::calibration::check(
                &s.dataset,
                &ue.generator,
                reference,
            ));
            write_unit(dir, u, &s)?;
            out.establishments += s.dataset.establishments.len() as u64;
            out.persons += s.dataset.persons.len() as u64;
            out.contracts += s.dataset.contracts.len() as u64;
            out.stoppages += s.dataset.stoppages.len() as u64;
            out.coverage = s.dataset.coverage;
            if progress {
                eprintln!(
                    "generated {} ({} establishments, {} contracts)",
                    u.departement,
                    s.dataset.establishments.len(),
                    s.dataset.contracts.len()
                );
            }
        }
    }
    person_ids.sort_unstable();
    if let Some(w) = person_ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(NationalError::PersonCollision(w[0]));
    }
    drop(person_ids);
    let text = serde_json::to_string_pretty(&out.coverage).expect("coverage serialises");
    tables::write_text(&dir.join(crate::columns::files::COVERAGE), &text)?;
    Ok(out)
}

/// The national calibration: each row's realised value averaged over the units, weighted
/// by their establishments (exact for shares of establishments, a close approximation for
/// the other rows, medians included).
pub fn combine_calibrations(cals: &[Calibration], weights: &[f64]) -> Option<Calibration> {
    let mut out = cals.first()?.clone();
    for (r, row) in out.rows.iter_mut().enumerate() {
        let mut acc = 0.0;
        let mut w_used = 0.0;
        for (c, w) in cals.iter().zip(weights) {
            if let Some(v) = c.rows.get(r).map(|x| x.realised).filter(|v| v.is_finite()) {
                acc += v * w;
                w_used += w;
            }
        }
        row.realised = if w_used > 0.0 { acc / w_used } else { f64::NAN };
        row.within_tolerance = (row.realised - row.target).abs() <= row.tolerance;
    }
    Some(out)
}

/// The truth table rows are per unit; this reads them all back (small: one row per
/// establishment).
pub fn read_truth(dir: &Path) -> Result<Vec<EstablishmentTruth>, NationalError> {
    Ok(synth::read_truth(&dir.join("truth"))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirets_are_valid() {
        for x in [0u64, 1, 89_999_999, 90_000_000, 123_456_789_012] {
            let s = siret_from(x);
            let digits: Vec<u64> = format!("{s:014}")
                .bytes()
                .map(|b| u64::from(b - b'0'))
                .collect();
            let luhn_ok = |d: &[u64]| {
                let sum: u64 = d
                    .iter()
                    .rev()
                    .enumerate()
                    .map(|(i, &v)| {
                        if i % 2 == 1 {
                            let w = v * 2;
                            if w > 9 {
                                w - 9
                            } else {
                                w
                            }
                        } else {
                            v
                        }
                    })
                    .sum();
                sum % 10 == 0
            };
            assert_eq!(digits.len(), 14);
            assert!(luhn_ok(&digits[..9]) && luhn_ok(&digits), "{s}");
        }
    }
}
