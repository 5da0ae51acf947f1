//! A cohort of job seekers (France Travail, Mission Locale), pseudonymised with the DSN key.
//!
//! Columns: `person` (or `person_id`: the pseudonym `engagement pseudonymise` writes, a
//! non-negative integer), `oriented_on` (date of the orientation), optionally `oriented_to`
//! (SIRET of the employer the person was oriented to), `arm` (`treatment`/`control`, `1`/`0`:
//! the orientation was randomised) and `cluster` (the unit of randomisation, e.g. the
//! counsellor). Every other column is a covariate: numeric (or `true`/`false`) as is, text as
//! one indicator per category except the first in sorted order (at most
//! [`MAX_CATEGORIES`] categories).
//!
//! A column holding NIRs is refused before anything is read: the NIR never reaches the
//! workbench. A row is set aside ([`RejectReason`]) for a missing or malformed person, date,
//! SIRET, arm or covariate, an unknown `oriented_to`, an orientation before the DSN coverage
//! (an earlier hire could not be seen) or after the extraction date, or a person already kept
//! on an earlier row. Rejects never carry values: only the position, field and reason.

use super::input::{parse_date, parse_siret, InputError, InputFile, Location, Reconciliation};
use super::input::{Reject, RejectReason};
use super::register::Arm;
use crate::date::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// Most categories a text covariate may have.
pub const MAX_CATEGORIES: usize = 20;

/// Columns with a meaning of their own (everything else is a covariate).
pub const RESERVED: [&str; 6] = [
    "person",
    "person_id",
    "oriented_on",
    "oriented_to",
    "arm",
    "cluster",
];

/// One kept person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortPerson {
    /// Pseudonym (the DSN tables' `person_id`).
    pub person: u64,
    pub oriented_on: Date,
    pub oriented_to: Option<u64>,
    pub arm: Option<Arm>,
    pub cluster: Option<String>,
    pub location: Location,
}

/// The cohort as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// Kept persons, in file order.
    pub persons: Vec<CohortPerson>,
    /// Covariates aligned with `persons` (text columns expanded to indicators `col=level`).
    pub covariates: Vec<(String, Vec<f64>)>,
    pub has_arm: bool,
    pub rejects: Vec<Reject>,
    pub reconciliation: Reconciliation,
}

/// What a cohort is checked against.
#[derive(Debug, Clone, Copy)]
pub struct CohortWindow {
    /// First day of the DSN coverage.
    pub coverage_start: Date,
    /// Extraction date (last day observed).
    pub extraction: Date,
}

/// How one covariate column is read.
enum CovKind {
    Numeric,
    /// Sorted categories; the first is the reference.
    Categorical(Vec<String>),
}

fn numeric(s: &str) -> Option<f64> {
    match s.to_ascii_lowercase().as_str() {
        "true" => Some(1.0),
        "false" => Some(0.0),
        t => t.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

/// Reads and validates a cohort file.
///
/// # Errors
/// Unreadable file, NIR-shaped values, a missing person or date column, both `person` and
/// `person_id`, a text covariate with too many categories, no usable row.
pub fn read(
    path: &Path,
    known: impl Fn(u64) -> bool,
    window: CohortWindow,
) -> Result<Cohort, InputError> {
    parse(&InputFile::read(path)?, known, window)
}

/// [`read`] on a table already in memory.
///
/// # Errors
/// As [`read`].
pub fn parse(
    f: &InputFile,
    known: impl Fn(u64) -> bool,
    window: CohortWindow,
) -> Result<Cohort, InputError> {
    f.refuse_nirs()?;
    let person_col = match (f.column("person"), f.column("person_id")) {
        (Some(_), Some(_)) => {
            return Err(InputError::UnknownColumn {
                path: f.path.clone(),
                column: "person_id".into(),
                allowed: "`person` or `person_id`, not both".into(),
            })
        }
        (Some(_), None) => "person",
        (None, Some(_)) => "person_id",
        (None, None) => "person",
    };
    let person = f.require(person_col)?;
    let oriented_on = f.require("oriented_on")?;
    let kinds = covariate_kinds(f)?;
    let mut persons = Vec::new();
    let mut values: Vec<Vec<f64>> = Vec::new();
    let mut rejects = Vec::new();
    let mut first: HashMap<u64, Location> = HashMap::new();
    for i in 0..f.rows() {
        let r = row(f, i, (person_col, person), oriented_on, &known, window)
            .and_then(|p| covariate_row(f, i, &kinds).map(|v| (p, v)))
            .and_then(|(p, v)| match first.get(&p.person) {
                Some(loc) => Err(f.reject(
                    i,
                    person_col,
                    RejectReason::Duplicate,
                    None,
                    Some(format!("already kept on {loc}")),
                )),
                None => Ok((p, v)),
            });
        match r {
            Ok((p, v)) => {
                first.insert(p.person, p.location);
                persons.push(p);
                values.push(v);
            }
            Err(e) => rejects.push(e),
        }
    }
    if persons.is_empty() {
        return Err(f.nothing_kept(&rejects));
    }
    let reconciliation = Reconciliation::of(persons.len(), &rejects);
    Ok(Cohort {
        covariates: covariate_columns(&kinds, &values),
        persons,
        has_arm: f.column("arm").is_some(),
        rejects,
        reconciliation,
    })
}

/// Decides, per covariate column, numeric or categorical.
fn covariate_kinds(f: &InputFile) -> Result<Vec<(String, CovKind)>, InputError> {
    let mut out = Vec::new();
    for name in f.names() {
        if RESERVED.contains(&name) {
            continue;
        }
        let col = f.column(name).unwrap_or(&[]);
        let present = || col.iter().flatten();
        if present().all(|v| numeric(v).is_some()) {
            out.push((name.to_string(), CovKind::Numeric));
            continue;
        }
        let levels: BTreeSet<&str> = present().map(String::as_str).collect();
        if levels.len() > MAX_CATEGORIES {
            let i = col
                .iter()
                .position(|v| v.as_deref().is_some_and(|v| numeric(v).is_none()))
                .unwrap_or(0);
            return Err(InputError::Value {
                path: f.path.clone(),
                location: f.location(i),
                field: name.to_string(),
                message: format!(
                    "a covariate must be numeric or have at most {MAX_CATEGORIES} categories; this one has {} distinct values (drop or recode the column)",
                    levels.len()
                ),
            });
        }
        out.push((
            name.to_string(),
            CovKind::Categorical(levels.into_iter().map(String::from).collect()),
        ));
    }
    Ok(out)
}

/// Values of row `i`: one per numeric covariate, one indicator per non-reference category.
fn covariate_row(f: &InputFile, i: usize, kinds: &[(String, CovKind)]) -> Result<Vec<f64>, Reject> {
    let mut out = Vec::new();
    for (name, kind) in kinds {
        let v = f.column(name).and_then(|c| c[i].as_deref());
        let v = v.ok_or_else(|| f.reject(i, name, RejectReason::MissingValue, None, None))?;
        match kind {
            CovKind::Numeric => out.push(numeric(v).unwrap_or(f64::NAN)),
            CovKind::Categorical(levels) => {
                out.extend(levels[1..].iter().map(|l| f64::from(u8::from(l == v))))
            }
        }
    }
    Ok(out)
}

fn covariate_columns(kinds: &[(String, CovKind)], rows: &[Vec<f64>]) -> Vec<(String, Vec<f64>)> {
    let mut names = Vec::new();
    for (name, kind) in kinds {
        match kind {
            CovKind::Numeric => names.push(name.clone()),
            CovKind::Categorical(levels) => {
                names.extend(levels[1..].iter().map(|l| format!("{name}={l}")))
            }
        }
    }
    names
        .into_iter()
        .enumerate()
        .map(|(k, n)| (n, rows.iter().map(|r| r[k]).collect()))
        .collect()
}

fn row(
    f: &InputFile,
    i: usize,
    (person_col, person): (&str, &[Option<String>]),
    oriented_on: &[Option<String>],
    known: &impl Fn(u64) -> bool,
    w: CohortWindow,
) -> Result<CohortPerson, Reject> {
    let rej = |field: &str, reason| f.reject(i, field, reason, None, None);
    let opt = |name: &str| f.column(name).and_then(|c| c[i].as_deref());
    let p = person[i]
        .as_deref()
        .ok_or_else(|| rej(person_col, RejectReason::MissingValue))?;
    let p: u64 = p
        .parse()
        .map_err(|_| rej(person_col, RejectReason::MalformedPerson))?;
    let d = oriented_on[i]
        .as_deref()
        .ok_or_else(|| rej("oriented_on", RejectReason::MissingValue))?;
    let d = parse_date(d).ok_or_else(|| rej("oriented_on", RejectReason::MalformedDate))?;
    let oriented_to = match opt("oriented_to") {
        None => None,
        Some(s) => {
            let s =
                parse_siret(s).ok_or_else(|| rej("oriented_to", RejectReason::MalformedSiret))?;
            if !known(s) {
                return Err(rej("oriented_to", RejectReason::UnknownSiret));
            }
            Some(s)
        }
    };
    let arm = match (f.column("arm"), opt("arm")) {
        (None, _) => None,
        (Some(_), None) => return Err(rej("arm", RejectReason::MissingValue)),
        (Some(_), Some(a)) => {
            Some(Arm::parse(a).ok_or_else(|| rej("arm", RejectReason::MalformedArm))?)
        }
    };
    if f.column("cluster").is_some() && opt("cluster").is_none() {
        return Err(rej("cluster", RejectReason::MissingValue));
    }
    if d < w.coverage_start {
        return Err(f.reject(
            i,
            "oriented_on",
            RejectReason::BeforeCoverage,
            None,
            Some(format!("the DSN starts on {}", w.coverage_start)),
        ));
    }
    if d > w.extraction {
        return Err(f.reject(
            i,
            "oriented_on",
            RejectReason::AfterExtraction,
            None,
            Some(format!("the DSN ends on {}", w.extraction)),
        ));
    }
    Ok(CohortPerson {
        person: p,
        oriented_on: d,
        oriented_to,
        arm,
        cluster: opt("cluster").map(String::from),
        location: f.location(i),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(cols: &[(&str, &[&str])]) -> InputFile {
        InputFile::from_columns(
            Path::new("cohort.csv"),
            cols.iter()
                .map(|(n, v)| {
                    (
                        n.to_string(),
                        v.iter()
                            .map(|s| Some(s.to_string()).filter(|s| !s.is_empty()))
                            .collect(),
                    )
                })
                .collect(),
        )
    }

    fn window() -> CohortWindow {
        CohortWindow {
            coverage_start: Date::from_ymd(2021, 1, 1).unwrap(),
            extraction: Date::from_ymd(2025, 12, 31).unwrap(),
        }
    }

    #[test]
    fn bad_rows_are_rejected_without_values_and_covariates_are_typed() {
        let f = file(&[
            (
                "person",
                &["10", "11", "10", "x", "12", "13", "14", "15", "16"],
            ),
            (
                "oriented_on",
                &[
                    "2024-01-10",
                    "10/02/2024",
                    "2024-03-01", // duplicate person
                    "2024-03-01", // malformed person
                    "2026-01-02", // after extraction
                    "2020-12-31", // before coverage
                    "2024-02-30", // malformed date
                    "2024-03-01", // unknown oriented_to
                    "2024-03-01", // missing covariate
                ],
            ),
            (
                "oriented_to",
                &[
                    "11111111100011",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "99999999900099",
                    "",
                ],
            ),
            (
                "age",
                &["30", "41.5", "30", "30", "30", "30", "30", "30", ""],
            ),
            (
                "female",
                &["true", "false", "1", "0", "1", "1", "1", "1", "1"],
            ),
            (
                "cohort",
                &[
                    "young", "iae", "iae", "iae", "iae", "iae", "iae", "iae", "lt",
                ],
            ),
        ]);
        let c = parse(&f, |s| s == 11_111_111_100_011, window()).unwrap();
        assert_eq!(c.persons.len(), 2);
        assert!(c.reconciliation.balances());
        use RejectReason::*;
        let got: Vec<_> = c
            .rejects
            .iter()
            .map(|r| (r.field.as_str(), r.reason))
            .collect();
        assert_eq!(
            got,
            vec![
                ("person", Duplicate),
                ("person", MalformedPerson),
                ("oriented_on", AfterExtraction),
                ("oriented_on", BeforeCoverage),
                ("oriented_on", MalformedDate),
                ("oriented_to", UnknownSiret),
                ("age", MissingValue),
            ]
        );
        assert!(c.rejects.iter().all(|r| r.value.is_none()));
        let names: Vec<_> = c.covariates.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, vec!["age", "female", "cohort=lt", "cohort=young"]);
        assert_eq!(c.covariates[0].1, vec![30.0, 41.5]);
        assert_eq!(c.covariates[1].1, vec![1.0, 0.0]);
        assert_eq!(c.covariates[3].1, vec![1.0, 0.0]);
        assert_eq!(
            c.persons[1].oriented_on,
            Date::from_ymd(2024, 2, 10).unwrap()
        );
    }

    #[test]
    fn nirs_and_too_many_categories_are_refused() {
        let f = file(&[
            ("nir", &["1850775123456"]),
            ("person", &["1"]),
            ("oriented_on", &["2024-01-01"]),
        ]);
        let e = parse(&f, |_| true, window()).unwrap_err().to_string();
        assert!(e.contains("`nir`") && !e.contains("1850775123456"), "{e}");
        let many: Vec<String> = (0..25).map(|i| format!("c{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let ids: Vec<String> = (0..25).map(|i| i.to_string()).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let f = file(&[
            ("person", &ids),
            ("oriented_on", &["2024-01-01"; 25]),
            ("town", &many),
        ]);
        let e = parse(&f, |_| true, window()).unwrap_err().to_string();
        assert!(e.contains("`town`") && e.contains("25 distinct"), "{e}");
    }
}
