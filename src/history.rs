//! Person history at each hire, derived from the corpus itself.
//!
//! DSN carries no "long-term unemployed" flag: statisticians derive a person's history from
//! the contracts seen earlier in the corpus. The generator and the DSN reader both call
//! [`derive_history`], so generated and ingested tables agree exactly, and a round trip
//! through DSN files gives identical scores. Histories are left-censored at the corpus
//! start: the generator declares a burn-in period before the scored window for that reason.
//!
//! Definitions (per contract, "before" meaning strictly before its start date):
//! - `no_prior_employment`: no earlier employment contract (internships, nature 29, and
//!   PMSMP immersions, scheme 93, are not employment);
//! - `months_since_prev`: completed calendar months between the latest earlier end and this
//!   start, 0 when an earlier contract is still running; `None` without an earlier contract;
//! - `prior_long_sick_leave`: a sickness stoppage (60.001 = 01) of at least 182 days that
//!   ended before this start;
//! - `prior_iae_or_subsidised`: an earlier contract in an IAE structure (40.073) or on a
//!   subsidised scheme (PEC/CUI, CDDI).

use crate::date::Date;
use crate::model::{iae, nature, scheme, stoppage_reason, Dataset};

/// Minimum length of a sickness stoppage counted as "long sick leave", in days.
pub const LONG_SICK_LEAVE_DAYS: i32 = 182;

/// Completed calendar months from `from` to `to` (0 if `to` is not later).
pub fn completed_months(from: Date, to: Date) -> u16 {
    if to <= from {
        return 0;
    }
    let (_, _, d0) = from.ymd();
    let (_, _, d1) = to.ymd();
    let mut m = to.month_index() - from.month_index();
    if d1 < d0 {
        m -= 1;
    }
    m.max(0).min(u16::MAX as i32) as u16
}

fn is_employment(n: u8, s: u8) -> bool {
    n != nature::STAGE && s != scheme::PMSMP
}

/// Recomputes the history fields of every contract and the persons' BOETH flag.
pub fn derive_history(ds: &mut Dataset) {
    // Sorting the contracts themselves by person (in place, no index array) makes the scan
    // below sequential; callers re-sort into the canonical order with `Dataset::sort`.
    ds.contracts
        .sort_unstable_by_key(|c| (c.person_id, c.start, c.contract_id));
    // Long sickness ends per person, sorted by person then end date.
    let mut sick: Vec<(u64, Date)> = ds
        .stoppages
        .iter()
        .filter(|s| s.reason == stoppage_reason::MALADIE)
        .filter_map(|s| {
            let end = s.end?;
            (s.start.days_until(end) >= LONG_SICK_LEAVE_DAYS).then_some((s.person_id, end))
        })
        .collect();
    sick.sort_unstable();

    let contracts = &mut ds.contracts;
    let mut i = 0;
    while i < contracts.len() {
        let pid = contracts[i].person_id;
        let mut j = i;
        while j < contracts.len() && contracts[j].person_id == pid {
            j += 1;
        }
        let lo = sick.partition_point(|&(p, _)| p < pid);
        let hi = sick.partition_point(|&(p, _)| p <= pid);
        let sick_ends = &sick[lo..hi];
        // Contracts sharing a start date do not count as each other's history. Running
        // aggregates keep this linear in the person's contracts.
        let mut any_emp = false;
        let mut prior_iae = false;
        // Latest end among earlier employment contracts (`None` inside: still running).
        let mut latest: Option<Option<Date>> = None;
        let mut sick_i = 0;
        let mut k = i;
        while k < j {
            let start = contracts[k].start;
            let mut k_end = k;
            while k_end < j && contracts[k_end].start == start {
                k_end += 1;
            }
            while sick_i < sick_ends.len() && sick_ends[sick_i].1 < start {
                sick_i += 1;
            }
            let long_sick = sick_i > 0;
            let months = match latest {
                None => None,
                Some(None) => Some(0),
                Some(Some(e)) if e >= start => Some(0),
                Some(Some(e)) => Some(completed_months(e, start)),
            };
            for c in &mut contracts[k..k_end] {
                c.no_prior_employment = !any_emp;
                c.months_since_prev = months;
                c.prior_long_sick_leave = long_sick;
                c.prior_iae_or_subsidised = prior_iae;
            }
            for c in &contracts[k..k_end] {
                if c.iae.is_some_and(iae::is_iae) || scheme::is_subsidised(c.scheme) {
                    prior_iae = true;
                }
                if is_employment(c.nature, c.scheme) {
                    any_emp = true;
                    latest = Some(match (latest, c.actual_end) {
                        (Some(None), _) | (_, None) => None,
                        (Some(Some(a)), Some(b)) => Some(a.max(b)),
                        (None, Some(b)) => Some(b),
                    });
                }
            }
            k = k_end;
        }
        i = j;
    }

    let mut boeth: Vec<u64> = ds
        .contracts
        .iter()
        .filter(|c| c.boeth.is_some())
        .map(|c| c.person_id)
        .collect();
    boeth.sort_unstable();
    boeth.dedup();
    for p in &mut ds.persons {
        p.boeth = boeth.binary_search(&p.person_id).is_ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn d(y: i32, m: u32, dd: u32) -> Date {
        Date::from_ymd(y, m, dd).unwrap()
    }

    fn contract(id: u64, person: u64, start: Date, end: Option<Date>) -> Contract {
        Contract {
            contract_id: id,
            person_id: person,
            siret: 1,
            start,
            planned_end: None,
            actual_end: end,
            end_reason: end.map(|_| end_reason::FIN_CDD),
            nature: nature::CDD,
            scheme: scheme::NONE,
            iae: None,
            working_time: working_time::FULL_TIME,
            pcs: Pcs::new("561b").unwrap(),
            cdd_reason: None,
            boeth: None,
            converted_to_cdi: None,
            no_prior_employment: false,
            months_since_prev: None,
            prior_long_sick_leave: false,
            prior_iae_or_subsidised: false,
        }
    }

    #[test]
    fn months_and_flags() {
        assert_eq!(completed_months(d(2022, 1, 31), d(2023, 1, 30)), 11);
        assert_eq!(completed_months(d(2022, 1, 31), d(2023, 1, 31)), 12);
        let mut a = contract(1, 7, d(2021, 1, 4), Some(d(2021, 6, 30)));
        a.scheme = scheme::CDDI;
        let b = contract(2, 7, d(2022, 9, 1), None);
        let c = contract(3, 7, d(2022, 10, 1), None);
        let mut stage = contract(4, 8, d(2021, 1, 1), Some(d(2021, 3, 1)));
        stage.nature = nature::STAGE;
        let e = contract(5, 8, d(2022, 1, 1), None);
        let mut ds = Dataset {
            coverage: Coverage {
                start: d(2021, 1, 1),
                end: d(2023, 12, 31),
                source: Source::Synthetic,
            },
            establishments: vec![],
            persons: vec![],
            contracts: vec![c, b, a, stage, e],
            stoppages: vec![Stoppage {
                person_id: 7,
                siret: 1,
                contract_id: 1,
                start: d(2021, 7, 1),
                end: Some(d(2022, 1, 15)),
                reason: stoppage_reason::MALADIE,
            }],
        };
        derive_history(&mut ds);
        let by = |id: u64| *ds.contracts.iter().find(|c| c.contract_id == id).unwrap();
        assert!(by(1).no_prior_employment && by(1).months_since_prev.is_none());
        assert_eq!(by(2).months_since_prev, Some(14));
        assert!(by(2).prior_iae_or_subsidised && by(2).prior_long_sick_leave);
        assert_eq!(by(3).months_since_prev, Some(0), "contract 2 still running");
        assert!(by(5).no_prior_employment, "an internship is not employment");
        assert!(by(5).prior_iae_or_subsidised.eq(&false));
    }
}
