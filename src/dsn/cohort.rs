//! Pseudonymising an external file with the ingest key, so that a cohort (France Travail,
//! Mission Locale) can be joined to the DSN tables without the NIR leaving its producer.
//!
//! The identifier column is replaced, at the same position, by the pseudonym `ingest`
//! gives the same person ([`PseudoKey::person_id`] of the 13 characters declared in
//! 30.001, see [`normalise_nir`]). Every other column is kept as read. A row whose
//! identifier cannot be used is set aside with its row number and a reason, never its
//! value: rows read = rows kept + rows rejected.
//!
//! Another column holding NIR-shaped values (13 or 15 digits starting with 1, 2, 7 or 8)
//! would carry NIRs into the output: that is refused, naming the column.

use super::pseudo::{normalise_nir, NirProblem, PseudoKey};
use polars::prelude::*;
use serde::Serialize;

/// A row set aside.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CohortReject {
    /// 1-based data row (the header is not counted).
    pub row: u64,
    pub reason: NirProblem,
}

/// The pseudonymised table and what was set aside.
#[derive(Debug)]
pub struct Pseudonymised {
    pub table: DataFrame,
    pub rejects: Vec<CohortReject>,
    pub read: u64,
}

impl Pseudonymised {
    pub fn kept(&self) -> u64 {
        self.table.height() as u64
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    #[error("no column `{column}` (columns: {available})")]
    NoColumn { column: String, available: String },
    #[error("the output column `{0}` already exists; choose another name")]
    NameTaken(String),
    #[error(
        "column `{column}` holds NIR-shaped values in {rows} row(s) (first at row {first}): \
         drop it, or pseudonymise it as the identifier column"
    )]
    NirInColumn {
        column: String,
        rows: u64,
        first: u64,
    },
    #[error("{0}")]
    Polars(String),
}

fn pl(e: PolarsError) -> CohortError {
    CohortError::Polars(super::redact::scrub(&e.to_string()).into_owned())
}

/// Whether text holds a NIR-shaped run: 13 or 15 digits starting with 1, 2, 7 or 8 (a
/// run of another length, such as a 14-digit SIRET, is not one), or a Corsican form.
pub fn has_nir_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if matches!(i - start, 13 | 15) && matches!(b[start], b'1' | b'2' | b'7' | b'8') {
            return true;
        }
    }
    corsican(b)
}

fn corsican(b: &[u8]) -> bool {
    b.windows(13).any(|w| {
        matches!(w[0], b'1' | b'2' | b'7' | b'8')
            && w[1..5].iter().all(u8::is_ascii_digit)
            && w[5] == b'2'
            && matches!(w[6], b'A' | b'B' | b'a' | b'b')
            && w[7..13].iter().all(u8::is_ascii_digit)
    })
}

/// Refuses another column that holds NIR-shaped values.
fn check_other_columns(df: &DataFrame, id: &str) -> Result<(), CohortError> {
    for c in df.columns() {
        if c.name().as_str() == id {
            continue;
        }
        let text = c.cast(&DataType::String).map_err(pl)?;
        let text = text.str().map_err(pl)?;
        let mut rows = 0u64;
        let mut first = 0u64;
        for (i, v) in text.iter().enumerate() {
            if v.is_some_and(has_nir_shape) {
                rows += 1;
                if first == 0 {
                    first = i as u64 + 1;
                }
            }
        }
        if rows > 0 {
            return Err(CohortError::NirInColumn {
                column: super::redact::scrub(c.name().as_str()).into_owned(),
                rows,
                first,
            });
        }
    }
    Ok(())
}

/// Replaces column `id` of `df` by the pseudonym column `out_name` (`u64`), dropping the
/// rows whose identifier cannot be used.
pub fn pseudonymise(
    df: DataFrame,
    id: &str,
    out_name: &str,
    key: &PseudoKey,
) -> Result<Pseudonymised, CohortError> {
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let Some(pos) = names.iter().position(|n| n == id) else {
        return Err(CohortError::NoColumn {
            column: id.to_string(),
            available: super::redact::scrub(&names.join(", ")).into_owned(),
        });
    };
    if out_name != id && names.iter().any(|n| n == out_name) {
        return Err(CohortError::NameTaken(out_name.to_string()));
    }
    check_other_columns(&df, id)?;
    let ids = df
        .column(id)
        .map_err(pl)?
        .cast(&DataType::String)
        .map_err(pl)?;
    let ids = ids.str().map_err(pl)?;
    let mut keep = Vec::with_capacity(ids.len());
    let mut pids = Vec::with_capacity(ids.len());
    let mut rejects = Vec::new();
    for (i, v) in ids.iter().enumerate() {
        match normalise_nir(v.unwrap_or("")) {
            Ok(nir) => {
                keep.push(true);
                pids.push(key.person_id(nir.as_bytes()));
            }
            Err(reason) => {
                keep.push(false);
                rejects.push(CohortReject {
                    row: i as u64 + 1,
                    reason,
                });
            }
        }
    }
    let read = df.height() as u64;
    let mask = BooleanChunked::from_slice("keep".into(), &keep);
    let mut table = df.filter(&mask).map_err(pl)?;
    let col = Column::new(out_name.into(), pids);
    table.replace_column(pos, col).map_err(pl)?;
    Ok(Pseudonymised {
        table,
        rejects,
        read,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(has_nir_shape("x 1850775123456 y"));
        assert!(has_nir_shape("185077512345678"));
        assert!(has_nir_shape("785077512345678"));
        assert!(has_nir_shape("185072A123456"));
        assert!(!has_nir_shape("12345678900017"), "a SIRET");
        assert!(!has_nir_shape("3850775123456"));
        assert!(!has_nir_shape("2024-01-31"));
    }

    #[test]
    fn replaces_the_column_and_sets_rows_aside() {
        let key = PseudoKey::demo();
        let df = df!(
            "nir" => ["1850775123456", "bad", "", "2900269123789"],
            "oriented_on" => ["2024-01-03", "2024-02-01", "2024-03-01", "2024-04-01"],
        )
        .unwrap();
        let p = pseudonymise(df, "nir", "person_id", &key).unwrap();
        assert_eq!((p.read, p.kept(), p.rejects.len()), (4, 2, 2));
        assert_eq!(
            p.rejects[0],
            CohortReject {
                row: 2,
                reason: NirProblem::InvalidShape
            }
        );
        assert_eq!(p.rejects[1].reason, NirProblem::Missing);
        let ids: Vec<u64> = p
            .table
            .column("person_id")
            .unwrap()
            .u64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(
            ids,
            vec![
                key.person_id(b"1850775123456"),
                key.person_id(b"2900269123789")
            ]
        );
        assert_eq!(p.table.get_column_names()[0].as_str(), "person_id");
        let other = df!("nir" => ["1850775123456"], "spouse" => ["2900269123789"]).unwrap();
        let e = pseudonymise(other, "nir", "person_id", &key)
            .unwrap_err()
            .to_string();
        assert!(e.contains("spouse") && !e.contains("2900269123789"), "{e}");
        let none = df!("x" => ["1"]).unwrap();
        assert!(matches!(
            pseudonymise(none, "nir", "p", &key),
            Err(CohortError::NoColumn { .. })
        ));
    }
}
