//! Reading an evaluator's own table for `engagement estimate`: columns as text (CSV keeps
//! codes verbatim; Parquet is cast), covariates numeric or categorical, and time values given
//! as integers, quarter labels (`2025T4`, `2025-T4`, `2025Q4`) or ISO dates.

use crate::stats::design::{self, Expansion, RawColumn};
use anyhow::{bail, Context};
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads a CSV (all columns as text) or Parquet table, by extension.
pub fn read_table(path: &Path) -> anyhow::Result<DataFrame> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Ok(crate::tables::read_csv(path)?),
        "parquet" => {
            let f =
                std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            ParquetReader::new(f)
                .finish()
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))
        }
        other => bail!(
            "{}: unsupported extension `{other}` (expected .csv or .parquet)",
            path.display()
        ),
    }
}

/// A column as text (`None` for a missing cell), naming the available columns when absent.
pub fn text_column(df: &DataFrame, path: &Path, name: &str) -> anyhow::Result<Vec<Option<String>>> {
    let col = df.column(name).map_err(|_| {
        let have: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        anyhow::anyhow!(
            "{}: missing column `{name}` (columns: {})",
            path.display(),
            have.join(", ")
        )
    })?;
    let s = col
        .as_materialized_series()
        .cast(&DataType::String)
        .map_err(|e| anyhow::anyhow!("{}: column `{name}`: {e}", path.display()))?;
    Ok(s.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

/// `COL=LEVEL` pairs of `--reference-level`.
pub fn reference_levels(pairs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for p in pairs {
        let Some((c, l)) = p.split_once('=') else {
            bail!("--reference-level `{p}`: expected COLUMN=LEVEL");
        };
        out.insert(c.trim().to_string(), l.trim().to_string());
    }
    Ok(out)
}

/// Reads the covariates: a column listed in `categorical`, or whose values are not all
/// numbers, is categorical; the others are numeric. Missing values are errors naming the row.
pub fn covariates(
    df: &DataFrame,
    path: &Path,
    names: &[String],
    categorical: &[String],
    references: &BTreeMap<String, String>,
) -> anyhow::Result<Expansion> {
    if let Some(c) = categorical.iter().find(|c| !names.contains(c)) {
        bail!(
            "--categorical `{c}` is not among --covariates ({})",
            names.join(", ")
        );
    }
    let mut raw = Vec::new();
    for name in names {
        let text = text_column(df, path, name)?;
        let mut vals = Vec::with_capacity(text.len());
        for (row, v) in text.into_iter().enumerate() {
            match v.map(|s| s.trim().to_string()) {
                Some(s) if !s.is_empty() && s != "NA" => vals.push(s),
                _ => bail!(
                    "{}: row {row}, covariate `{name}` is missing",
                    path.display()
                ),
            }
        }
        let numbers: Option<Vec<f64>> = if categorical.contains(name) {
            None
        } else {
            vals.iter()
                .map(|s| s.parse::<f64>().ok().filter(|f| f.is_finite()))
                .collect()
        };
        raw.push((
            name.clone(),
            match numbers {
                Some(v) => RawColumn::Numeric(v),
                None => RawColumn::Categorical(vals),
            },
        ));
    }
    design::expand(raw, references).with_context(|| format!("{}", path.display()))
}

/// How time and cohort values were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    Integer,
    Quarter,
    Date,
}

impl TimeFormat {
    /// The convention line written to the output.
    pub fn convention(self) -> &'static str {
        match self {
            TimeFormat::Integer => "integer periods as given",
            TimeFormat::Quarter => {
                "quarter labels (2025T4, 2025-T4, 2025Q4) converted to the integer period 4*year + quarter - 1 (2025T4 = 8103), so that event times count quarters"
            }
            TimeFormat::Date => {
                "ISO dates (YYYY-MM-DD): the distinct time dates in order are periods 1..T; a cohort date maps to the first period on or after it (after the last period: never treated)"
            }
        }
    }
}

/// A parsed time value: an integer period, a quarter index, or a date key `yyyymmdd`.
fn parse_time(s: &str) -> Option<(TimeFormat, i64)> {
    let s = s.trim();
    if let Ok(v) = s.parse::<i64>() {
        return Some((TimeFormat::Integer, v));
    }
    if let Ok(f) = s.parse::<f64>() {
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            return Some((TimeFormat::Integer, f as i64));
        }
    }
    let b = s.as_bytes();
    if b.len() >= 6 && b[..4].iter().all(u8::is_ascii_digit) {
        let year: i64 = s[..4].parse().ok()?;
        let rest = s[4..].trim_start_matches('-');
        let mut ch = rest.chars();
        if let (Some('T' | 't' | 'Q' | 'q'), Some(q @ '1'..='4'), None) =
            (ch.next(), ch.next(), ch.next())
        {
            return Some((TimeFormat::Quarter, 4 * year + i64::from(q as u8 - b'1')));
        }
    }
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let (y, m, d): (i64, i64, i64) = (
            s[..4].parse().ok()?,
            s[5..7].parse().ok()?,
            s[8..].parse().ok()?,
        );
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let dim = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        if (1..=12).contains(&m) && d >= 1 && d <= dim[(m - 1) as usize] {
            return Some((TimeFormat::Date, y * 10_000 + m * 100 + d));
        }
    }
    None
}

/// Time and cohort columns as integer periods, with the format found.
///
/// Every time value must have the same format; cohorts use it too (empty cells and
/// `never_value` mark never-treated units).
pub fn periods(
    time: &[Option<String>],
    cohort: &[Option<String>],
    never_value: i64,
    names: (&str, &str),
) -> anyhow::Result<(Vec<i64>, Vec<Option<i64>>, TimeFormat)> {
    let mut fmt = None;
    let mut t = Vec::with_capacity(time.len());
    for (row, v) in time.iter().enumerate() {
        let s = v.as_deref().unwrap_or_default();
        let (f, x) = parse_time(s).with_context(|| {
            format!("row {row}, column `{}`: `{s}` is not an integer period, a quarter (2025T4) or a date (2025-10-01)", names.0)
        })?;
        match fmt {
            None => fmt = Some(f),
            Some(g) if g != f => bail!(
                "row {row}, column `{}`: `{s}` mixes time formats ({g:?} before, {f:?} here)",
                names.0
            ),
            _ => {}
        }
        t.push(x);
    }
    let fmt = fmt.unwrap_or(TimeFormat::Integer);
    let mut c = Vec::with_capacity(cohort.len());
    for (row, v) in cohort.iter().enumerate() {
        let s = v.as_deref().map(str::trim).unwrap_or_default();
        if s.is_empty() || s.parse::<i64>().ok() == Some(never_value) {
            c.push(None);
            continue;
        }
        match parse_time(s) {
            Some((f, x)) if f == fmt => c.push(Some(x)),
            _ => bail!(
                "row {row}, column `{}`: `{s}` is not a {fmt:?} value like the time column (or the never value {never_value})",
                names.1
            ),
        }
    }
    if fmt == TimeFormat::Date {
        let mut dates = t.clone();
        dates.sort_unstable();
        dates.dedup();
        let rank = |d: i64| dates.partition_point(|&x| x < d) as i64 + 1;
        t = t.into_iter().map(rank).collect();
        c = c.into_iter().map(|g| g.map(rank)).collect();
    }
    Ok((t, c, fmt))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn quarters_and_dates_become_periods() {
        let (t, c, f) = periods(
            &some(&["2025T3", "2025-T4", "2026Q1"]),
            &some(&["2025T4", "0", ""]),
            0,
            ("time", "cohort"),
        )
        .unwrap();
        assert_eq!(f, TimeFormat::Quarter);
        assert_eq!(t, vec![8102, 8103, 8104]);
        assert_eq!(c, vec![Some(8103), None, None]);
        let (t, c, _) = periods(
            &some(&["2025-01-01", "2025-04-01", "2025-07-01"]),
            &some(&["2025-03-15", "2025-07-01", "2030-01-01"]),
            0,
            ("time", "cohort"),
        )
        .unwrap();
        assert_eq!(t, vec![1, 2, 3]);
        assert_eq!(c, vec![Some(2), Some(3), Some(4)]);
        let err = periods(&some(&["2025T3", "3"]), &some(&["", ""]), 0, ("t", "g"));
        assert!(err.unwrap_err().to_string().contains("mixes"));
        let err = periods(&some(&["2025-02-30"]), &some(&[""]), 0, ("t", "g"));
        assert!(err.unwrap_err().to_string().contains("2025-02-30"));
    }
}
