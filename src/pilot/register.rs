//! The exposure register: which establishments were sent their results, and when.
//!
//! Columns: `siret`, `exposed_on` (a date), and optionally `wave` (a label of the exposure
//! wave), `arm` (`treatment`/`control`, also `1`/`0`, `true`/`false`, `exposed`/`comparison`)
//! for randomised designs, and `stratum` (the randomisation stratum; the wave when absent).
//! Without `arm` every row is exposed and the comparison group is every other eligible
//! establishment; with it, control rows form the comparison group and their `exposed_on` may
//! be empty.
//!
//! A row is set aside ([`RejectReason`]) when its SIRET is malformed or absent from the DSN,
//! its date is malformed or outside the evaluable window (at least one scored period before
//! the exposure and one after), its arm is not one of the values above, or its SIRET was
//! already kept on an earlier row (the first usable row of a SIRET wins). Rows read = rows
//! kept + rows rejected.

use super::input::{parse_date, parse_siret, InputError, InputFile, Reconciliation, Reject};
use super::input::{Location, RejectReason};
use crate::date::Date;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Randomised arm of a register row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    Treatment,
    Control,
}

impl Arm {
    /// Parses the accepted spellings.
    pub fn parse(s: &str) -> Option<Arm> {
        match s.to_ascii_lowercase().as_str() {
            "treatment" | "treated" | "exposed" | "1" | "true" => Some(Arm::Treatment),
            "control" | "comparison" | "0" | "false" => Some(Arm::Control),
            _ => None,
        }
    }
}

/// Dates an exposure may carry: after the end of the first scored period (so that there is
/// a period before) and on or before the end of the last one (a period after).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Exposures must be strictly after this day.
    pub after: Date,
    /// Exposures must be on or before this day.
    pub until: Date,
}

impl Window {
    pub fn contains(&self, d: Date) -> bool {
        d > self.after && d <= self.until
    }
    fn describe(&self) -> String {
        format!("after {} and on or before {}", self.after, self.until)
    }
}

/// One kept row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterEntry {
    pub siret: u64,
    /// Exposure date (`None` only for control rows).
    pub exposed_on: Option<Date>,
    pub wave: Option<String>,
    pub arm: Option<Arm>,
    pub stratum: Option<String>,
    pub location: Location,
}

impl RegisterEntry {
    /// The date this establishment was exposed, `None` for a control.
    pub fn exposure(&self) -> Option<Date> {
        match self.arm {
            Some(Arm::Control) => None,
            _ => self.exposed_on,
        }
    }
}

/// The register as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Register {
    /// Kept rows, in file order.
    pub entries: Vec<RegisterEntry>,
    /// The file had an `arm` column (randomised design).
    pub has_arm: bool,
    /// The file had a `wave` column.
    pub has_wave: bool,
    pub rejects: Vec<Reject>,
    pub reconciliation: Reconciliation,
}

impl Register {
    /// Exposure date by SIRET (exposed rows only).
    pub fn exposures(&self) -> HashMap<u64, Date> {
        self.entries
            .iter()
            .filter_map(|e| e.exposure().map(|d| (e.siret, d)))
            .collect()
    }

    /// The first exposure date.
    pub fn first_exposure(&self) -> Option<Date> {
        self.entries
            .iter()
            .filter_map(RegisterEntry::exposure)
            .min()
    }
}

/// The columns a register may have.
pub const COLUMNS: [&str; 5] = ["siret", "exposed_on", "wave", "arm", "stratum"];

/// Reads and validates a register file against the DSN establishments and the window.
///
/// # Errors
/// Unreadable file, a missing or unknown column, no usable row.
pub fn read(
    path: &Path,
    known: impl Fn(u64) -> bool,
    window: Window,
) -> Result<Register, InputError> {
    parse(&InputFile::read(path)?, known, window)
}

/// [`read`] on a table already in memory.
///
/// # Errors
/// A missing or unknown column, no usable row.
pub fn parse(
    f: &InputFile,
    known: impl Fn(u64) -> bool,
    window: Window,
) -> Result<Register, InputError> {
    f.only(&COLUMNS)?;
    let siret = f.require("siret")?;
    let date = f.require("exposed_on")?;
    let wave = f.column("wave");
    let arm = f.column("arm");
    let mut entries = Vec::new();
    let mut rejects = Vec::new();
    let mut first: HashMap<u64, Location> = HashMap::new();
    for i in 0..f.rows() {
        match row(f, i, siret, date, wave, arm, &known, window, &first) {
            Ok(e) => {
                first.insert(e.siret, e.location);
                entries.push(e);
            }
            Err(r) => rejects.push(r),
        }
    }
    if entries.is_empty() {
        return Err(f.nothing_kept(&rejects));
    }
    let reconciliation = Reconciliation::of(entries.len(), &rejects);
    Ok(Register {
        entries,
        has_arm: arm.is_some(),
        has_wave: wave.is_some(),
        rejects,
        reconciliation,
    })
}

#[allow(clippy::too_many_arguments)] // one row's columns and the checks it needs
fn row(
    f: &InputFile,
    i: usize,
    siret: &[Option<String>],
    date: &[Option<String>],
    wave: Option<&[Option<String>]>,
    arm: Option<&[Option<String>]>,
    known: &impl Fn(u64) -> bool,
    window: Window,
    first: &HashMap<u64, Location>,
) -> Result<RegisterEntry, Reject> {
    let rej = |field: &str, reason, value: Option<&str>, note: Option<String>| {
        f.reject(i, field, reason, value, note)
    };
    let s = siret[i]
        .as_deref()
        .ok_or_else(|| rej("siret", RejectReason::MissingValue, None, None))?;
    let id =
        parse_siret(s).ok_or_else(|| rej("siret", RejectReason::MalformedSiret, Some(s), None))?;
    let arm = match arm {
        None => None,
        Some(col) => {
            let a = col[i]
                .as_deref()
                .ok_or_else(|| rej("arm", RejectReason::MissingValue, None, None))?;
            Some(Arm::parse(a).ok_or_else(|| {
                rej(
                    "arm",
                    RejectReason::MalformedArm,
                    Some(a),
                    Some("allowed treatment/control, 1/0".into()),
                )
            })?)
        }
    };
    let exposed_on = match date[i].as_deref() {
        None if arm == Some(Arm::Control) => None,
        None => return Err(rej("exposed_on", RejectReason::MissingValue, None, None)),
        Some(d) => Some(
            parse_date(d)
                .ok_or_else(|| rej("exposed_on", RejectReason::MalformedDate, Some(d), None))?,
        ),
    };
    if !known(id) {
        return Err(rej("siret", RejectReason::UnknownSiret, Some(s), None));
    }
    if let (Some(d), false) = (exposed_on, arm == Some(Arm::Control)) {
        if !window.contains(d) {
            return Err(rej(
                "exposed_on",
                RejectReason::OutsideWindow,
                Some(&d.to_string()),
                Some(format!("allowed {}", window.describe())),
            ));
        }
    }
    if let Some(loc) = first.get(&id) {
        return Err(rej(
            "siret",
            RejectReason::Duplicate,
            Some(s),
            Some(format!("already kept on {loc}")),
        ));
    }
    Ok(RegisterEntry {
        siret: id,
        exposed_on,
        wave: wave.and_then(|w| w[i].clone()),
        arm,
        stratum: f.column("stratum").and_then(|c| c[i].clone()),
        location: f.location(i),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rows: &[[&str; 3]]) -> InputFile {
        let col = |k: usize| {
            rows.iter()
                .map(|r| Some(r[k].to_string()).filter(|s| !s.is_empty()))
                .collect()
        };
        InputFile::from_columns(
            Path::new("register.csv"),
            vec![
                ("siret".into(), col(0)),
                ("exposed_on".into(), col(1)),
                ("arm".into(), col(2)),
            ],
        )
    }

    fn window() -> Window {
        Window {
            after: Date::from_ymd(2022, 12, 31).unwrap(),
            until: Date::from_ymd(2025, 12, 31).unwrap(),
        }
    }

    #[test]
    fn every_bad_row_is_rejected_with_its_reason_and_counts_reconcile() {
        let f = file(&[
            ["11111111100011", "2024-01-15", "treatment"],
            ["22222222200022", "", "control"],
            ["33333333300033", "15/01/2024", "treatment"],
            ["11111111100011", "2024-03-01", "treatment"], // duplicate
            ["99999999900099", "2024-01-15", "treatment"], // unknown
            ["4444", "2024-01-15", "treatment"],           // unknown after padding
            ["1234567890001X", "2024-01-15", "treatment"], // malformed
            ["55555555500055", "2024-02-30", "treatment"], // impossible date
            ["55555555500055", "2021-06-01", "treatment"], // before the window
            ["55555555500055", "2024-01-15", "maybe"],     // bad arm
            ["55555555500055", "", "treatment"],           // exposed without date
        ]);
        let known = |s: u64| [1, 2, 3, 5].iter().any(|k| s == k * 11_111_111_100_011) || s == 4444;
        let r = parse(&f, known, window()).unwrap();
        assert_eq!(r.entries.len(), 4);
        assert!(r.reconciliation.balances());
        assert_eq!(r.reconciliation.read, 11);
        let reasons: Vec<_> = r.rejects.iter().map(|x| (x.location, x.reason)).collect();
        use RejectReason::*;
        assert_eq!(
            reasons,
            vec![
                (Location::Line(5), Duplicate),
                (Location::Line(6), UnknownSiret),
                (Location::Line(8), MalformedSiret),
                (Location::Line(9), MalformedDate),
                (Location::Line(10), OutsideWindow),
                (Location::Line(11), MalformedArm),
                (Location::Line(12), MissingValue),
            ]
        );
        assert_eq!(r.rejects[0].note.as_deref(), Some("already kept on line 2"));
        assert_eq!(r.entries[3].siret, 4444);
        assert_eq!(r.exposures().len(), 3);
        assert_eq!(r.entries[1].exposure(), None);
        assert_eq!(r.first_exposure(), Date::from_ymd(2024, 1, 15));
    }

    #[test]
    fn a_later_valid_row_replaces_an_earlier_rejected_one() {
        let f = file(&[
            ["11111111100011", "2019-01-01", "1"],
            ["11111111100011", "2024-01-01", "1"],
        ]);
        let r = parse(&f, |_| true, window()).unwrap();
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.entries[0].location, Location::Line(3));
    }

    #[test]
    fn wrong_columns_and_unusable_files_are_errors_naming_the_file() {
        let f = InputFile::from_columns(
            Path::new("reg.csv"),
            vec![("siret".into(), vec![Some("11111111100011".into())])],
        );
        let e = parse(&f, |_| true, window()).unwrap_err().to_string();
        assert!(e.contains("reg.csv") && e.contains("`exposed_on`"), "{e}");
        let f = InputFile::from_columns(
            Path::new("reg.csv"),
            vec![
                ("siret".into(), vec![Some("11111111100011".into())]),
                ("exposed_on".into(), vec![Some("2024-01-01".into())]),
                ("name".into(), vec![Some("x".into())]),
            ],
        );
        let e = parse(&f, |_| true, window()).unwrap_err().to_string();
        assert!(e.contains("unknown column `name`"), "{e}");
        let f = file(&[["11111111100011", "2019-01-01", "1"]]);
        let e = parse(&f, |_| true, window()).unwrap_err().to_string();
        assert!(
            e.contains("none of the 1 rows") && e.contains("outside_window 1"),
            "{e}"
        );
    }
}
