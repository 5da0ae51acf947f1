//! The evaluator's own files (register, awarded labels, cohort): read as text, one reject
//! per unusable row, and counts that reconcile.
//!
//! A file is CSV (header on line 1, every column read as text so that SIRETs and codes keep
//! their leading zeros) or Parquet (every column cast to text; dates come out as ISO).
//! Positions in messages are CSV *lines* (the header is line 1, so data row `i` is on line
//! `i + 1`) or Parquet *rows* (1-based). A row whose value cannot be used is set aside with
//! its position, the field and a [`RejectReason`]; its value is kept only where it says
//! nothing about a person (SIRETs, label dates). Files whose columns are wrong stop with an
//! [`InputError`] naming the file and the column.

use crate::date::Date;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a row is in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// Line of a CSV file (the header is line 1).
    Line(u64),
    /// Row of a Parquet file (1-based).
    Row(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// Why a row was set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// A required value is empty.
    MissingValue,
    /// Not a 14-digit SIRET.
    MalformedSiret,
    /// A SIRET absent from the DSN establishments.
    UnknownSiret,
    /// Not a date (`AAAA-MM-JJ`, `JJ/MM/AAAA` or `JJMMAAAA`) or an impossible one.
    MalformedDate,
    /// A date outside the window the data can evaluate.
    OutsideWindow,
    /// A date after the extraction date of the DSN.
    AfterExtraction,
    /// A date before the first day the DSN covers.
    BeforeCoverage,
    /// A key (SIRET, person) already kept on an earlier row.
    Duplicate,
    /// A label interval overlapping one already kept for the same SIRET.
    Overlap,
    /// A label interval whose end is before its start.
    EmptyInterval,
    /// Not a label level (0–3 or a label name).
    MalformedLevel,
    /// Not an arm (`treatment`/`control`, `1`/`0`).
    MalformedArm,
    /// Not a person pseudonym (a non-negative integer as written by `pseudonymise`).
    MalformedPerson,
    /// Not a number in a numeric column.
    MalformedNumber,
}

impl RejectReason {
    /// The key written to rejects files.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::MissingValue => "missing_value",
            RejectReason::MalformedSiret => "malformed_siret",
            RejectReason::UnknownSiret => "unknown_siret",
            RejectReason::MalformedDate => "malformed_date",
            RejectReason::OutsideWindow => "outside_window",
            RejectReason::AfterExtraction => "after_extraction",
            RejectReason::BeforeCoverage => "before_coverage",
            RejectReason::Duplicate => "duplicate",
            RejectReason::Overlap => "overlap",
            RejectReason::EmptyInterval => "empty_interval",
            RejectReason::MalformedLevel => "malformed_level",
            RejectReason::MalformedArm => "malformed_arm",
            RejectReason::MalformedPerson => "malformed_person",
            RejectReason::MalformedNumber => "malformed_number",
        }
    }
}

/// One row set aside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reject {
    /// Position in the file.
    pub location: Location,
    /// The column at fault.
    pub field: String,
    pub reason: RejectReason,
    /// The value as read, when it says nothing about a person.
    pub value: Option<String>,
    /// Technical detail: the earlier row of a duplicate, the allowed window.
    pub note: Option<String>,
}

/// Rows read, kept and rejected (by reason): `read = kept + rejected`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reconciliation {
    pub read: u64,
    pub kept: u64,
    pub rejected: u64,
    pub by_reason: BTreeMap<RejectReason, u64>,
}

impl Reconciliation {
    /// Counts of a read that kept `kept` rows and set `rejects` aside.
    pub fn of(kept: usize, rejects: &[Reject]) -> Reconciliation {
        let mut by_reason = BTreeMap::new();
        for r in rejects {
            *by_reason.entry(r.reason).or_insert(0) += 1;
        }
        Reconciliation {
            read: (kept + rejects.len()) as u64,
            kept: kept as u64,
            rejected: rejects.len() as u64,
            by_reason,
        }
    }

    /// Whether the counts add up.
    pub fn balances(&self) -> bool {
        self.read == self.kept + self.rejected
            && self.by_reason.values().sum::<u64>() == self.rejected
    }
}

/// A file that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("cannot open {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: unknown format, expected a .csv or .parquet file")]
    Format { path: PathBuf },
    #[error("{path}: missing column `{column}` (columns: {available})")]
    MissingColumn {
        path: PathBuf,
        column: String,
        available: String,
    },
    #[error("{path}: unknown column `{column}`; allowed columns: {allowed}")]
    UnknownColumn {
        path: PathBuf,
        column: String,
        allowed: String,
    },
    #[error("{path}: no data row")]
    Empty { path: PathBuf },
    #[error("{path}: none of the {read} rows can be used ({reasons}); see the rejects file")]
    NothingKept {
        path: PathBuf,
        read: u64,
        reasons: String,
    },
    #[error("{path}: {location}, field `{field}`: {message}")]
    Value {
        path: PathBuf,
        location: Location,
        field: String,
        message: String,
    },
    #[error("{path}: column `{column}` holds NIR-shaped values in {rows} of {total} rows: pseudonymise the file first (`engagement pseudonymise`), never give the workbench a NIR")]
    NirShaped {
        path: PathBuf,
        column: String,
        rows: u64,
        total: u64,
    },
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
}

/// A small input table, every value as trimmed text (`None` = empty cell).
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    parquet: bool,
    columns: Vec<(String, Vec<Option<String>>)>,
    rows: usize,
}

impl InputFile {
    /// Reads a `.csv` or `.parquet` file.
    ///
    /// # Errors
    /// Unknown extension, unreadable or malformed file, no data row.
    pub fn read(path: &Path) -> Result<InputFile, InputError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let parquet = match ext.as_deref() {
            Some("csv") => false,
            Some("parquet") => true,
            _ => {
                return Err(InputError::Format {
                    path: path.to_path_buf(),
                })
            }
        };
        let read_err = |message: String| InputError::Read {
            path: path.to_path_buf(),
            message,
        };
        let io = |source| InputError::Io {
            path: path.to_path_buf(),
            source,
        };
        let df = if parquet {
            let f = std::fs::File::open(path).map_err(io)?;
            ParquetReader::new(f)
                .finish()
                .map_err(|e| read_err(e.to_string()))?
        } else {
            std::fs::File::open(path).map_err(io)?;
            crate::tables::read_csv(path).map_err(|e| read_err(strip_path(&e.to_string())))?
        };
        let mut columns = Vec::with_capacity(df.width());
        for c in df.columns() {
            let s = c
                .as_materialized_series()
                .cast(&DataType::String)
                .map_err(|e| read_err(e.to_string()))?;
            let text = s.str().map_err(|e| read_err(e.to_string()))?;
            let values = text
                .iter()
                .map(|v| v.map(str::trim).filter(|v| !v.is_empty()).map(String::from))
                .collect();
            columns.push((c.name().trim().to_string(), values));
        }
        if df.height() == 0 {
            return Err(InputError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(InputFile {
            path: path.to_path_buf(),
            parquet,
            columns,
            rows: df.height(),
        })
    }

    /// Builds a table from columns (tests and generated files).
    pub fn from_columns(path: &Path, columns: Vec<(String, Vec<Option<String>>)>) -> InputFile {
        let rows = columns.first().map_or(0, |c| c.1.len());
        InputFile {
            path: path.to_path_buf(),
            parquet: false,
            columns,
            rows,
        }
    }

    /// Data rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Column names, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.0.as_str()).collect()
    }

    /// The values of a column, when present.
    pub fn column(&self, name: &str) -> Option<&[Option<String>]> {
        self.columns
            .iter()
            .find(|c| c.0 == name)
            .map(|c| c.1.as_slice())
    }

    /// The values of a required column.
    ///
    /// # Errors
    /// The column is absent.
    pub fn require(&self, name: &str) -> Result<&[Option<String>], InputError> {
        self.column(name).ok_or_else(|| InputError::MissingColumn {
            path: self.path.clone(),
            column: name.to_string(),
            available: self.names().join(", "),
        })
    }

    /// Refuses a column outside `allowed`.
    ///
    /// # Errors
    /// The first unknown column.
    pub fn only(&self, allowed: &[&str]) -> Result<(), InputError> {
        match self.names().into_iter().find(|n| !allowed.contains(n)) {
            None => Ok(()),
            Some(n) => Err(InputError::UnknownColumn {
                path: self.path.clone(),
                column: n.to_string(),
                allowed: allowed.join(", "),
            }),
        }
    }

    /// Position of data row `i` (0-based).
    pub fn location(&self, i: usize) -> Location {
        if self.parquet {
            Location::Row(i as u64 + 1)
        } else {
            Location::Line(i as u64 + 2)
        }
    }

    /// Refuses a column holding NIR-shaped values (13 or 15 digits starting with 1, 2, 7 or
    /// 8) in more than 1% of its rows. A keyed pseudonym has that shape by chance in about
    /// 5 rows in 100,000, so the threshold never refuses a pseudonymised file.
    ///
    /// # Errors
    /// The first such column, without any value.
    pub fn refuse_nirs(&self) -> Result<(), InputError> {
        for (name, values) in &self.columns {
            let rows = values
                .iter()
                .filter(|v| v.as_deref().is_some_and(nir_shaped))
                .count() as u64;
            if rows > 0 && rows * 100 > self.rows as u64 {
                return Err(InputError::NirShaped {
                    path: self.path.clone(),
                    column: name.clone(),
                    rows,
                    total: self.rows as u64,
                });
            }
        }
        Ok(())
    }

    /// A reject of row `i`.
    pub fn reject(
        &self,
        i: usize,
        field: &str,
        reason: RejectReason,
        value: Option<&str>,
        note: Option<String>,
    ) -> Reject {
        Reject {
            location: self.location(i),
            field: field.to_string(),
            reason,
            value: value.map(String::from),
            note,
        }
    }

    /// The error when every row was set aside.
    pub fn nothing_kept(&self, rejects: &[Reject]) -> InputError {
        let rec = Reconciliation::of(0, rejects);
        InputError::NothingKept {
            path: self.path.clone(),
            read: rec.read,
            reasons: rec
                .by_reason
                .iter()
                .map(|(r, n)| format!("{} {n}", r.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Drops a leading `path: ` from a table error (the caller names the file).
fn strip_path(s: &str) -> String {
    s.split_once(": ").map_or(s, |(_, rest)| rest).to_string()
}

/// Whether a value has the shape of a NIR (13 digits, or 15 with the key, first digit 1, 2,
/// 7 or 8; the Corsican 2A/2B forms included).
pub fn nir_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    let first_ok = matches!(b.first(), Some(b'1' | b'2' | b'7' | b'8'));
    let digits_or_corsica = b.iter().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || (i == 6 && matches!(c, b'A' | b'B' | b'a' | b'b') && b[5] == b'2')
    });
    first_ok && matches!(b.len(), 13 | 15) && digits_or_corsica
}

/// A SIRET: 14 digits, spaces allowed between groups; integers from a typed column may have
/// lost their leading zeros and are padded back.
pub fn parse_siret(s: &str) -> Option<u64> {
    let digits: String = s.chars().filter(|c| *c != ' ').collect();
    if digits.is_empty() || digits.len() > 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Only a number that came out of an integer column may be short: 14 digits otherwise.
    if digits.len() < 14 && s.contains(' ') {
        return None;
    }
    let v: u64 = digits.parse().ok()?;
    (v > 0).then_some(v)
}

/// A date as evaluators' exports write them: ISO `AAAA-MM-JJ` (optionally followed by a
/// time), French `JJ/MM/AAAA`, or DSN `JJMMAAAA`.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Some((d, rest)) = s.split_once('/') {
        let (m, y) = rest.split_once('/')?;
        if y.len() != 4 || d.len() > 2 || m.len() > 2 {
            return None;
        }
        return Date::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Date::parse_dsn(s);
    }
    let day = match s.as_bytes().get(10) {
        Some(b' ' | b'T') => &s[..10],
        Some(_) => return None,
        None => s,
    };
    let b = day.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Date::parse_iso(day)
}

/// Writes rejects as CSV: `location,field,reason,value,note`.
///
/// # Errors
/// The file cannot be written.
pub fn write_rejects(path: &Path, rejects: &[Reject]) -> Result<(), InputError> {
    let mut text = String::from("location,field,reason,value,note\n");
    for r in rejects {
        text.push_str(&format!(
            "{},{},{},{},{}\n",
            r.location,
            csv_cell(&r.field),
            r.reason.as_str(),
            csv_cell(r.value.as_deref().unwrap_or("")),
            csv_cell(r.note.as_deref().unwrap_or(""))
        ));
    }
    crate::output::write_file(path, text.as_bytes()).map_err(|e| InputError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_three_forms_and_impossible_ones() {
        let d = Date::from_ymd(2024, 3, 5).unwrap();
        for s in [
            "2024-03-05",
            "05/03/2024",
            "5/3/2024",
            "05032024",
            "2024-03-05 00:00:00",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        for s in [
            "2024-02-30",
            "31/02/2024",
            "31022024",
            "2024/03/05",
            "03-05-2024",
            "",
            "2024-03-05x",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn sirets_keep_or_recover_fourteen_digits() {
        assert_eq!(parse_siret("12345678900012"), Some(12_345_678_900_012));
        assert_eq!(parse_siret("123 456 789 00012"), Some(12_345_678_900_012));
        assert_eq!(parse_siret("2345678900012"), Some(2_345_678_900_012));
        for s in ["", "1234567890001A", "123456789000123", "123 456", "0"] {
            assert_eq!(parse_siret(s), None, "{s}");
        }
    }

    #[test]
    fn nir_shapes_are_recognised() {
        assert!(nir_shaped("1850775123456"));
        assert!(nir_shaped("285072A123456"));
        assert!(nir_shaped("185077512345612"));
        assert!(!nir_shaped("12345678900012"));
        assert!(!nir_shaped("3850775123456"));
        assert!(!nir_shaped("18507751234"));
        let f = InputFile::from_columns(
            Path::new("c.csv"),
            vec![(
                "person".into(),
                vec![Some("1850775123456".into()), Some("42".into())],
            )],
        );
        let e = f.refuse_nirs().unwrap_err().to_string();
        assert!(
            e.contains("`person`") && !e.contains("1850775123456"),
            "{e}"
        );
    }

    #[test]
    fn locations_and_reconciliation() {
        let f = InputFile::from_columns(
            Path::new("r.csv"),
            vec![("siret".into(), vec![Some("1".into()), None])],
        );
        assert_eq!(f.location(0).to_string(), "line 2");
        let r = f.reject(1, "siret", RejectReason::MissingValue, None, None);
        let rec = Reconciliation::of(1, &[r]);
        assert!(rec.balances());
        assert_eq!((rec.read, rec.kept, rec.rejected), (2, 1, 1));
        assert!(f.only(&["siret"]).is_ok());
        let e = f.only(&["other"]).unwrap_err().to_string();
        assert!(e.contains("r.csv") && e.contains("`siret`"), "{e}");
    }
}
