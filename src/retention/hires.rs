//! Retention on real (ingested or generated) DSN data: hires of people coming from an IAE
//! pathway or from long unemployment, by the label of the hiring establishment at hire.
//!
//! Selection ("On real data"): contracts in an ordinary establishment (not an IAE
//! contract itself: no 40.073 complement, scheme ≠ CDDI) whose hire history shows a previous
//! IAE or subsidised contract, or at least `min_months_unemployed` whole months since the
//! previous contract. Duration = days from start to end inclusive (`Contract::duration_days`);
//! a real exit is an event, an administrative end (transfer, cancellation) or a contract still
//! running at the extraction date (`Dataset::coverage.end`) is censored there.

use super::{PersonTable, RetentionError};
use crate::model::{end_reason, nature, scheme, Dataset};
use serde::{Deserialize, Serialize};

/// Counts of the selection, for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HireSelection {
    /// Contracts in the dataset.
    pub contracts: usize,
    /// Hires kept.
    pub kept: usize,
    /// Hires skipped because the establishment's label at hire is unknown.
    pub unknown_label: usize,
    /// Covariates left out because constant in the selection.
    pub dropped_constant: Vec<String>,
}

/// Builds the person table (group `labelled`/`other`) of flagged hires.
///
/// `labelled_at(siret, start)` returns the establishment's label at the hire date, or `None`
/// when it was not scored then. Covariates: age at hire, female, boeth, prior IAE/subsidised,
/// long unemployment (≥ `min_months_unemployed`), CDI at hire, part time — those constant in
/// the selection are dropped (listed in `HireSelection::dropped_constant`).
pub fn flagged_hires(
    ds: &Dataset,
    labelled_at: impl Fn(u64, crate::date::Date) -> Option<bool>,
    min_months_unemployed: u16,
) -> Result<(PersonTable, HireSelection), RetentionError> {
    let extraction = ds.coverage.end;
    let persons: std::collections::BTreeMap<u64, &crate::model::Person> =
        ds.persons.iter().map(|p| (p.person_id, p)).collect();
    let (mut d, mut e, mut g) = (Vec::new(), Vec::new(), Vec::new());
    let mut cols: Vec<(&str, Vec<f64>)> = [
        "age",
        "female",
        "boeth",
        "prior_iae_or_subsidised",
        "long_unemployed",
        "cdi",
        "part_time",
    ]
    .iter()
    .map(|n| (*n, Vec::new()))
    .collect();
    let mut unknown_label = 0;
    let b = |v: bool| f64::from(u8::from(v));
    for c in &ds.contracts {
        let long = c
            .months_since_prev
            .is_some_and(|m| m >= min_months_unemployed);
        let flagged = c.prior_iae_or_subsidised || long;
        if !flagged || c.iae.is_some() || c.scheme == scheme::CDDI || c.start > extraction {
            continue;
        }
        let Some(lab) = labelled_at(c.siret, c.start) else {
            unknown_label += 1;
            continue;
        };
        let (dur, ev) = match (c.actual_end, c.end_reason) {
            (Some(end), r) if end <= extraction => (
                c.start.days_until(end) + 1,
                r.is_none_or(end_reason::is_real_exit),
            ),
            _ => (c.start.days_until(extraction) + 1, false),
        };
        let p = persons.get(&c.person_id);
        d.push(f64::from(dur.max(0)));
        e.push(ev);
        g.push(
            if lab {
                super::sim::LABELLED
            } else {
                super::sim::OTHER
            }
            .to_string(),
        );
        let vals = [
            p.map_or(0.0, |p| f64::from(p.birth_date.age_at(c.start))),
            b(p.is_some_and(|p| p.sex == 2)),
            b(c.boeth.is_some() || p.is_some_and(|p| p.boeth)),
            b(c.prior_iae_or_subsidised),
            b(long),
            b(nature::is_cdi(c.nature)),
            b(c.is_part_time()),
        ];
        for (col, v) in cols.iter_mut().zip(vals) {
            col.1.push(v);
        }
    }
    if d.is_empty() {
        return Err(RetentionError::Empty);
    }
    let kept = d.len();
    let mut t = PersonTable::new(d, e, g)?;
    let mut dropped_constant = Vec::new();
    for (name, v) in cols {
        if v.iter().all(|x| *x == v[0]) {
            dropped_constant.push(name.to_string());
        } else {
            t = t.with_covariate(name, v)?;
        }
    }
    Ok((
        t,
        HireSelection {
            contracts: ds.contracts.len(),
            kept,
            unknown_label,
            dropped_constant,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::model::*;

    fn contract(
        id: u64,
        siret: u64,
        start: Date,
        end: Option<(Date, u16)>,
        iae_prior: bool,
        months: Option<u16>,
    ) -> Contract {
        Contract {
            contract_id: id,
            person_id: id,
            siret,
            start,
            planned_end: None,
            actual_end: end.map(|e| e.0),
            end_reason: end.map(|e| e.1),
            nature: nature::CDI,
            scheme: scheme::NONE,
            iae: None,
            working_time: working_time::FULL_TIME,
            pcs: Pcs::new("526a").unwrap_or(Pcs(*b"526A")),
            cdd_reason: None,
            boeth: None,
            converted_to_cdi: None,
            no_prior_employment: false,
            months_since_prev: months,
            prior_long_sick_leave: false,
            prior_iae_or_subsidised: iae_prior,
        }
    }

    #[test]
    fn selects_flagged_hires_and_censors_at_extraction() {
        let d0 = Date::from_ymd(2024, 1, 1).unwrap();
        let end = Date::from_ymd(2024, 12, 31).unwrap();
        let ds = Dataset {
            coverage: Coverage {
                start: d0,
                end,
                source: Source::Synthetic,
            },
            establishments: vec![],
            persons: (1..=4)
                .map(|i| Person {
                    person_id: i,
                    sex: if i % 2 == 0 { 2 } else { 1 },
                    birth_date: Date::from_ymd(1990, 1, 1).unwrap(),
                    boeth: false,
                })
                .collect(),
            contracts: vec![
                // prior IAE, ends by resignation after 10 days: event, duration 10
                contract(
                    1,
                    11,
                    d0,
                    Some((d0.add_days(9), end_reason::DEMISSION)),
                    true,
                    None,
                ),
                // long unemployed, still running: censored at extraction
                contract(2, 22, d0.add_days(100), None, false, Some(14)),
                // not flagged (3 months since previous): skipped
                contract(3, 11, d0, None, false, Some(3)),
                // flagged, transfer: censored at its end
                contract(
                    4,
                    22,
                    d0,
                    Some((d0.add_days(49), end_reason::TRANSFER)),
                    true,
                    Some(20),
                ),
            ],
            stoppages: vec![],
        };
        let (t, sel) = flagged_hires(&ds, |s, _| Some(s == 11), 12).unwrap();
        assert_eq!(sel.kept, 3);
        assert_eq!(
            t.duration(),
            &[10.0, f64::from(d0.add_days(100).days_until(end) + 1), 50.0]
        );
        assert_eq!(t.event(), &[true, false, false]);
        assert_eq!(
            t.group(),
            &["labelled".to_string(), "other".into(), "other".into()]
        );
        assert!(sel.dropped_constant.contains(&"cdi".to_string()));
        let (_, sel) = flagged_hires(&ds, |s, _| (s == 11).then_some(true), 12).unwrap();
        assert_eq!(sel.unknown_label, 2);
    }
}
