//! From accepted declarations to the workbench tables.
//!
//! 1. Types 03/05 (annule et remplace) and 04 (annule) supersede every earlier declaration
//!    with the same key: SIRET, nature, month, fraction (05.003) and, for signalements, the
//!    person. "Earlier" is the constitution date 05.007, then sorted path, then position.
//! 2. The remaining declarations are applied month by month. Contracts are identified by
//!    (SIRET, person, 40.009, 40.001); each attribute takes its latest declared value
//!    (optional rubrics: the latest value present). The nature at hire is the former nature
//!    of the earliest block 41 change, and `converted_to_cdi` the date of a change from a
//!    non-CDI nature when the contract is now a CDI.
//! 3. Ends come from block 62 with a real exit reason; 099 (annulation), 100 and 998 clear
//!    it. Stoppages (block 60) are keyed by contract, first day off and reason; their end is
//!    the latest return date 60.010, else the latest planned end 60.003.
//! 4. Person histories come from [`crate::history::derive_history`], as in the generator.

use super::pseudo::PseudoKey;
use super::read::{Decl, FileOutcome, Ingest};
use super::report::IngestReport;
use crate::date::Date;
use crate::model::*;
use crate::reference::Reference;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

fn reference() -> &'static Reference {
    static R: OnceLock<Reference> = OnceLock::new();
    R.get_or_init(Reference::load)
}

/// Département of a French postal code (Corsica 20xxx → 2A/2B, overseas 97x).
fn departement_of_postcode(pc: &str) -> String {
    match pc.get(..2) {
        Some("20") => if pc < "20200" { "2A" } else { "2B" }.to_string(),
        Some("97") | Some("98") => pc.get(..3).unwrap_or("").to_string(),
        Some(d) => d.to_string(),
        None => String::new(),
    }
}

#[derive(Default)]
struct EstAcc {
    naf: String,
    name: Option<String>,
    postcode: Option<String>,
    commune: Option<String>,
    creation: Option<Date>,
    zone: Option<String>,
    first_month: Option<Date>,
}

struct ContractAcc {
    siret: u64,
    person: u64,
    start: Date,
    nature: u8,
    scheme: u8,
    iae: Option<u8>,
    working_time: u8,
    pcs: Pcs,
    planned_end: Option<Date>,
    cdd_reason: Option<u8>,
    boeth: Option<u8>,
    /// Block 41 nature changes: (date, former nature).
    changes: BTreeMap<Date, u8>,
    end: Option<(Date, u16)>,
}

pub(crate) fn assemble(outcomes: Vec<FileOutcome>, files: u64, key: &PseudoKey) -> Ingest {
    let mut report = IngestReport {
        files,
        demo_key: key.is_demo(),
        ..IngestReport::default()
    };
    let mut decls: Vec<Decl> = Vec::new();
    let mut rejects = Vec::new();
    let mut unknown = HashMap::new();
    let mut unknown_codes = HashMap::new();
    for o in outcomes {
        let s = o.stats;
        report.bytes += s.bytes;
        report.rubrics_read += s.rubrics;
        report.wrapper_rubrics += s.wrapper_rubrics;
        report.declarations_read += s.declarations_read;
        for (k, v) in s.unknown {
            *unknown.entry(k).or_insert(0u64) += v;
        }
        for (k, v) in s.unknown_codes {
            *unknown_codes.entry(k).or_insert(0u64) += v;
        }
        for (k, v) in s.warnings {
            *report.warnings.entry(k).or_default() += v;
        }
        for (k, v) in s.versions {
            *report.norm_versions.entry(k).or_default() += v;
        }
        decls.extend(o.decls);
        rejects.extend(o.rejects);
        report.file_problems.extend(o.file_problems);
    }
    report.unknown_rubrics = unknown
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    report.unknown_codes = unknown_codes
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    for r in &rejects {
        let r: &super::Reject = r;
        *report
            .rejects_by_reason
            .entry(r.problem.reason.as_str().to_string())
            .or_default() += 1;
    }
    report.declarations_rejected = rejects.len() as u64;
    report.declarations_ingested = decls.len() as u64;
    for d in &decls {
        *report
            .declarations_by_nature
            .entry(format!("{:02}", d.nature))
            .or_default() += 1;
    }

    // 1. Replacement and cancellation.
    decls.sort_by_key(|d| d.order);
    let mut live = vec![false; decls.len()];
    let mut groups: HashMap<(u64, u8, Date, u8, u64), Vec<usize>> = HashMap::new();
    for (i, d) in decls.iter().enumerate() {
        let person = if d.nature == 1 {
            0
        } else {
            d.persons.first().map_or(0, |p| p.id)
        };
        let g = groups
            .entry((d.siret, d.nature, d.month, d.fraction, person))
            .or_default();
        if matches!(d.dtype, 3..=5) {
            for &j in g.iter() {
                live[j] = false;
            }
            g.clear();
        }
        if d.dtype != 4 {
            live[i] = true;
            g.push(i);
        }
    }
    let mut applied: Vec<&Decl> = decls
        .iter()
        .zip(&live)
        .filter_map(|(d, &l)| l.then_some(d))
        .collect();
    report.declarations_applied = applied.len() as u64;
    report.declarations_superseded = report.declarations_ingested - report.declarations_applied;
    applied.sort_by_key(|d| (d.month, d.order));

    // 2. Apply in chronological order.
    let mut ests: BTreeMap<u64, EstAcc> = BTreeMap::new();
    let mut persons: HashMap<u64, Person> = HashMap::new();
    let mut contracts: HashMap<u64, ContractAcc> = HashMap::new();
    // (contract, first day off, reason) → (person, siret, end, end is a return date).
    type StopAcc = (u64, u64, Option<Date>, bool);
    let mut stops: HashMap<(u64, Date, u8), StopAcc> = HashMap::new();
    let (mut first, mut last) = (None::<Date>, None::<Date>);
    let any_monthly = applied.iter().any(|d| d.nature == 1);
    for d in &applied {
        if !any_monthly || d.nature == 1 {
            first = Some(first.map_or(d.month, |f| f.min(d.month)));
            last = Some(last.map_or(d.month, |l| l.max(d.month)));
        }
        let e = ests.entry(d.siret).or_default();
        if !d.naf.is_empty() {
            e.naf = d.naf.clone();
        }
        e.name = d.emitter_name.clone().or(e.name.take());
        e.postcode = d.postcode.clone().or(e.postcode.take());
        e.commune = d.commune_ext.clone().or(e.commune.take());
        e.creation = d.creation_ext.or(e.creation);
        e.zone = d.zone_ext.clone().or(e.zone.take());
        e.first_month = Some(e.first_month.map_or(d.month, |f| f.min(d.month)));
        for p in d.persons.iter() {
            persons.insert(
                p.id,
                Person {
                    person_id: p.id,
                    sex: p.sex,
                    birth_date: p.birth,
                    boeth: false,
                },
            );
        }
        for c in d.contracts.iter() {
            let pid = d.persons.get(c.person as usize).map_or(0, |p| p.id);
            let a = contracts.entry(c.cid).or_insert_with(|| ContractAcc {
                siret: d.siret,
                person: pid,
                start: c.start,
                nature: c.nature,
                scheme: scheme::NONE,
                iae: None,
                working_time: working_time::FULL_TIME,
                pcs: Pcs(*b"0000"),
                planned_end: None,
                cdd_reason: None,
                boeth: None,
                changes: BTreeMap::new(),
                end: None,
            });
            a.nature = c.nature;
            a.scheme = c.scheme.unwrap_or(a.scheme);
            a.working_time = c.working_time.unwrap_or(a.working_time);
            a.pcs = c.pcs.unwrap_or(a.pcs);
            a.iae = c.iae.or(a.iae);
            a.planned_end = c.planned_end.or(a.planned_end);
            a.cdd_reason = c.cdd_reason.or(a.cdd_reason);
            a.boeth = c.boeth.or(a.boeth);
            if let Some((date, reason)) = c.end {
                a.end = end_reason::is_real_exit(reason).then_some((date, reason));
            }
        }
        for &(ci, date, old) in d.changes.iter() {
            if let Some(c) = d.contracts.get(ci as usize) {
                if let Some(a) = contracts.get_mut(&c.cid) {
                    a.changes.entry(date).or_insert(old);
                }
            }
        }
        for (ci, s) in d.stoppages.iter() {
            let Some(c) = d.contracts.get(*ci as usize) else {
                continue;
            };
            let Some(lw) = s.last_worked else { continue };
            let pid = d.persons.get(c.person as usize).map_or(0, |p| p.id);
            let st = stops
                .entry((c.cid, lw.add_days(1), s.reason))
                .or_insert((pid, d.siret, None, false));
            match (s.resumed, s.planned_end) {
                (Some(r), _) => {
                    st.2 = Some(r);
                    st.3 = true;
                }
                (None, Some(p)) if !st.3 => st.2 = Some(p),
                _ => {}
            }
        }
    }

    // 3. Tables.
    let refs = reference();
    let establishments: Vec<Establishment> = ests
        .into_iter()
        .map(|(siret, e)| {
            let commune = e.commune.unwrap_or_default();
            let departement = refs
                .communes
                .get(&commune)
                .map(|c| c.departement.clone())
                .unwrap_or_else(|| departement_of_postcode(e.postcode.as_deref().unwrap_or("")));
            let region = refs
                .departements
                .get(&departement)
                .map(|d| d.region.clone())
                .unwrap_or_default();
            // A declared zone (generator extension rubric) wins; else the commune's ZE2020
            // zone; else the département.
            let zone = e.zone.unwrap_or_else(|| {
                refs.default_zone(&commune)
                    .unwrap_or(&departement)
                    .to_string()
            });
            Establishment {
                siret,
                zone,
                name: e.name.unwrap_or_default(),
                naf: e.naf,
                commune,

                departement,
                region,
                creation_date: e.creation.or(e.first_month).unwrap_or(Date(0)),
            }
        })
        .collect();
    let mut contract_rows: Vec<Contract> = contracts
        .into_iter()
        .map(|(cid, a)| {
            let hire_nature = a.changes.values().next().copied().unwrap_or(a.nature);
            let converted = if nature::is_cdi(a.nature) {
                a.changes
                    .iter()
                    .find(|(_, &old)| !nature::is_cdi(old))
                    .map(|(&d, _)| d)
            } else {
                None
            };
            Contract {
                contract_id: cid,
                person_id: a.person,
                siret: a.siret,
                start: a.start,
                planned_end: a.planned_end,
                actual_end: a.end.map(|e| e.0),
                end_reason: a.end.map(|e| e.1),
                nature: hire_nature,
                scheme: a.scheme,
                iae: a.iae,
                working_time: a.working_time,
                pcs: a.pcs,
                cdd_reason: a.cdd_reason,
                boeth: a.boeth,
                converted_to_cdi: converted,
                no_prior_employment: false,
                months_since_prev: None,
                prior_long_sick_leave: false,
                prior_iae_or_subsidised: false,
            }
        })
        .collect();
    contract_rows.sort_by_key(|c| c.contract_id);
    let stoppages: Vec<Stoppage> = stops
        .into_iter()
        .map(|((cid, start, reason), (pid, siret, end, _))| Stoppage {
            person_id: pid,
            siret,
            contract_id: cid,
            start,
            end,
            reason,
        })
        .collect();
    let coverage = Coverage {
        start: first.unwrap_or(Date(0)),
        end: last.map_or(Date(0), Date::last_of_month),
        source: Source::Ingested,
    };
    let mut dataset = Dataset {
        coverage,
        establishments,
        persons: persons.into_values().collect(),
        contracts: contract_rows,
        stoppages,
    };
    crate::history::derive_history(&mut dataset);
    dataset.sort();
    report.establishments = dataset.establishments.len() as u64;
    report.persons = dataset.persons.len() as u64;
    report.contracts = dataset.contracts.len() as u64;
    report.stoppages = dataset.stoppages.len() as u64;
    report.coverage_start = first;
    report.coverage_end = last.map(Date::last_of_month);
    Ingest {
        dataset,
        report,
        rejects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes() {
        assert_eq!(departement_of_postcode("75011"), "75");
        assert_eq!(departement_of_postcode("20000"), "2A");
        assert_eq!(departement_of_postcode("20600"), "2B");
        assert_eq!(departement_of_postcode("97400"), "974");
        assert_eq!(departement_of_postcode(""), "");
    }
}
