//! The feed for job boards and the files `serve` reads: published employer records
//! ([`record`]) written as JSON Lines (one record per line, exactly the API's JSON), or as a
//! flat table in CSV or Parquet (one column per field, documented in `docs/feed.md`).
//!
//! The flat layout is lossless: [`unflatten`] rebuilds the record from a row, so the three
//! formats carry the same records. Lists become text: the label history is
//! `2024T4:1;2025T1:nc` (`nc` = not calculable), reasons and pooled members are `;`-joined
//! keys. CSV cells that a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab, carriage
//! return first) are prefixed with an apostrophe.
//!
//! A scores folder also holds `feed.parquet` and `feed.json` ([`FeedMeta`]: period,
//! experiment hash, data fingerprint), written by `score` and `run` with `feed.index`, the
//! feed's prebuilt [`index::Index`], which `serve` maps at start-up without reading the
//! research outputs.

pub mod index;
pub mod load;
pub mod record;

use crate::indicators::{Criterion, CRITERIA};
use crate::score::peers::{GeoRung, Rung, SectorRung, SizeBand};
use crate::score::NonCalculable;
use crate::score::Trend;
use polars::prelude::*;
pub use record::{
    Citation, CriterionView, EmployerRecord, FarFromEmployment, FarStatus, HistoryEntry, Key,
    PeerInfo, Place, Position, Reason, Sector, BANDS, RECORD_VERSION,
};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// File name of the flat feed in a scores folder.
pub const FEED_FILE: &str = "feed.parquet";
/// File name of the feed's provenance in a scores folder.
pub const META_FILE: &str = "feed.json";

/// Errors reading or writing a feed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{path}: row {row}, column {column}: {message}")]
    Cell {
        path: PathBuf,
        row: usize,
        column: String,
        message: String,
    },
}

/// Provenance of a feed: what produced these records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedMeta {
    /// [`RECORD_VERSION`].
    pub record_version: u32,
    /// Period of the records.
    pub period: String,
    /// SHA-256 of the canonical experiment (`None` when unknown).
    pub experiment_hash: Option<String>,
    /// Fingerprint of the dataset that was scored (`None` when unknown).
    pub data_fingerprint: Option<String>,
    /// `engagement` version that wrote the feed.
    pub crate_version: String,
    /// Number of records.
    pub records: u64,
}

/// Output format of `engagement export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Jsonl,
    Csv,
    Parquet,
}

/// Type of a flat column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Integer,
    Number,
}

/// One column of the flat layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    pub nullable: bool,
    /// Allowed values of a text column, when closed.
    pub values: Option<Vec<String>>,
}

/// One cell of the flat layout.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(Option<String>),
    Integer(Option<u32>),
    Number(Option<f64>),
}

/// Fixed columns before the per-criterion ones.
const HEAD: [&str; 23] = [
    "version",
    "siret",
    "name",
    "period",
    "label",
    "non_calculable",
    "gated_by",
    "score",
    "score_lower",
    "score_upper",
    "trend",
    "history",
    "naf",
    "division",
    "section",
    "commune",
    "zone",
    "departement",
    "region",
    "size_band",
    "peer_sector",
    "peer_geo",
    "peer_members",
];
/// Columns after the per-criterion ones.
const TAIL: [&str; 4] = [
    "far_from_employment",
    "far_from_employment_standing",
    "far_from_employment_members",
    "reasons",
];

/// The serde key of a unit enum.
pub fn key_of<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

fn parse_key<T: for<'de> Deserialize<'de>>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// Citation of a criterion as one text cell: a standing key, `withheld` or `not_calculable`.
pub fn citation_key(c: Citation) -> &'static str {
    match c {
        Citation::Shown(s) => s.key(),
        Citation::Withheld => "withheld",
        Citation::NotCalculable => "not_calculable",
    }
}

fn citation_from_key(s: &str) -> Option<Citation> {
    match s {
        "withheld" => Some(Citation::Withheld),
        "not_calculable" => Some(Citation::NotCalculable),
        _ => record::band_from_key(s).map(Citation::Shown),
    }
}

fn far_key(f: FarStatus) -> &'static str {
    match f {
        FarStatus::Shown(_) => "shown",
        FarStatus::PartlyShown => "partly_shown",
        FarStatus::TooFewPersons => "too_few_persons",
        FarStatus::NotCalculable => "not_calculable",
    }
}

fn keys<T: Serialize>(all: &[T]) -> Option<Vec<String>> {
    Some(all.iter().map(key_of).collect())
}

/// The flat layout's columns, in order.
pub fn columns() -> Vec<Column> {
    let col = |name: &str, kind, nullable, values| Column {
        name: name.to_string(),
        kind,
        nullable,
        values,
    };
    let standings: Vec<String> = BANDS.iter().map(|s| s.key().to_string()).collect();
    let mut citations = standings.clone();
    citations.extend(["withheld".to_string(), "not_calculable".to_string()]);
    let crit_keys: Vec<String> = CRITERIA.iter().map(|c| c.name().to_string()).collect();
    use ColumnKind::*;
    let mut cols = Vec::new();
    for name in HEAD {
        cols.push(match name {
            "version" => col(name, Integer, false, None),
            "peer_members" => col(name, Integer, true, None),
            "label" | "score" | "score_lower" | "score_upper" => col(name, Integer, true, None),
            "name" => col(name, Text, true, None),
            "non_calculable" => col(
                name,
                Text,
                true,
                keys(&[
                    NonCalculable::SmallHeadcount,
                    NonCalculable::FewHires,
                    NonCalculable::FewCriteria,
                ]),
            ),
            "gated_by" => col(name, Text, true, Some(crit_keys.clone())),
            "trend" => col(
                name,
                Text,
                false,
                keys(&[Trend::Up, Trend::Stable, Trend::Down, Trend::New]),
            ),
            "size_band" => col(
                name,
                Text,
                false,
                keys(&[
                    SizeBand::Micro,
                    SizeBand::Small,
                    SizeBand::Medium,
                    SizeBand::Large,
                ]),
            ),
            "peer_sector" => col(
                name,
                Text,
                false,
                keys(&[
                    SectorRung::Group,
                    SectorRung::Division,
                    SectorRung::Section,
                    SectorRung::All,
                ]),
            ),
            "peer_geo" => col(
                name,
                Text,
                false,
                keys(&[
                    GeoRung::Zone,
                    GeoRung::Departement,
                    GeoRung::Region,
                    GeoRung::National,
                ]),
            ),
            _ => col(name, Text, false, None),
        });
    }
    for c in CRITERIA {
        cols.push(col(c.name(), Text, true, Some(citations.clone())));
        cols.push(col(&format!("{}_weight", c.name()), Number, true, None));
    }
    cols.push(col(
        TAIL[0],
        Text,
        false,
        Some(
            ["shown", "partly_shown", "too_few_persons", "not_calculable"]
                .map(String::from)
                .to_vec(),
        ),
    ));
    cols.push(col(TAIL[1], Text, true, Some(standings)));
    cols.push(col(TAIL[2], Text, false, None));
    cols.push(col(TAIL[3], Text, false, None));
    cols
}

fn history_text(h: &[HistoryEntry]) -> String {
    h.iter()
        .map(|e| match e.label {
            Some(l) => format!("{}:{l}", e.period),
            None => format!("{}:nc", e.period),
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn join<T>(v: &[T], f: impl Fn(&T) -> &'static str) -> String {
    v.iter().map(f).collect::<Vec<_>>().join(";")
}

/// Cell `k` of a record's flat row (see [`columns`]).
pub fn cell(r: &EmployerRecord, k: usize) -> Cell {
    let t = |s: &str| Cell::Text(Some(s.to_string()));
    if k < HEAD.len() {
        return match HEAD[k] {
            "version" => Cell::Integer(Some(r.version)),
            "siret" => t(&r.siret),
            "name" => Cell::Text(r.name.clone()),
            "period" => t(&r.period),
            "label" => Cell::Integer(r.label.map(u32::from)),
            "non_calculable" => Cell::Text(r.non_calculable.map(|n| key_of(&n))),
            "gated_by" => Cell::Text(r.gated_by.map(|g| g.0.name().to_string())),
            "score" => Cell::Integer(r.score),
            "score_lower" => Cell::Integer(r.score_interval.map(|v| v[0])),
            "score_upper" => Cell::Integer(r.score_interval.map(|v| v[1])),
            "trend" => t(&key_of(&r.trend)),
            "history" => t(&history_text(&r.history)),
            "naf" => t(&r.sector.naf),
            "division" => t(&r.sector.division),
            "section" => t(&r.sector.section),
            "commune" => t(&r.place.commune),
            "zone" => t(&r.place.zone),
            "departement" => t(&r.place.departement),
            "region" => t(&r.place.region),
            "size_band" => t(r.size_band.as_str()),
            "peer_sector" => t(&key_of(&r.peers.rung.sector)),
            "peer_geo" => t(&key_of(&r.peers.rung.geo)),
            _ => Cell::Integer(r.peers.members),
        };
    }
    let k = k - HEAD.len();
    if k < 2 * Criterion::COUNT {
        let c = CRITERIA[k / 2];
        let v = r.criteria.iter().find(|v| v.criterion.0 == c);
        return if k % 2 == 0 {
            Cell::Text(v.map(|v| citation_key(v.citation).to_string()))
        } else {
            Cell::Number(v.map(|v| v.weight))
        };
    }
    let far = &r.far_from_employment;
    match k - 2 * Criterion::COUNT {
        0 => t(far_key(far.status)),
        1 => Cell::Text(match far.status {
            FarStatus::Shown(s) => Some(s.key().to_string()),
            _ => None,
        }),
        2 => t(&join(&far.members, |m| m.0.name())),
        _ => t(&join(&r.reasons, |x| x.key())),
    }
}

/// Reads a flat row back into a record (the inverse of [`cell`]); errors name the column.
pub fn unflatten(get: &dyn Fn(&str) -> Cell) -> Result<EmployerRecord, (String, String)> {
    let text = |n: &str| match get(n) {
        Cell::Text(s) => s.filter(|s| !s.is_empty()),
        _ => None,
    };
    let req = |n: &str| text(n).ok_or_else(|| (n.to_string(), "missing value".to_string()));
    let int = |n: &str| match get(n) {
        Cell::Integer(v) => v,
        Cell::Number(v) => v.map(|x| x as u32),
        Cell::Text(s) => s.and_then(|s| s.parse().ok()),
    };
    let bad = |n: &str, v: &str| (n.to_string(), format!("unexpected value {v:?}"));
    let key = |n: &str| -> Result<Option<Key>, (String, String)> {
        text(n)
            .map(|s| Criterion::from_name(&s).map(Key).ok_or_else(|| bad(n, &s)))
            .transpose()
    };
    let typed = |n: &str| -> Result<String, (String, String)> { req(n) };
    let enum_of = |n: &str| -> Result<String, (String, String)> { typed(n) };
    let trend_s = enum_of("trend")?;
    let size_s = enum_of("size_band")?;
    let sector_s = enum_of("peer_sector")?;
    let geo_s = enum_of("peer_geo")?;
    let label = int("label").map(|l| l as u8);
    let score = int("score");
    let mut criteria = Vec::new();
    for c in CRITERIA {
        if let Some(s) = text(c.name()) {
            let citation = citation_from_key(&s).ok_or_else(|| bad(c.name(), &s))?;
            let wname = format!("{}_weight", c.name());
            let weight = match get(&wname) {
                Cell::Number(Some(w)) => w,
                Cell::Text(Some(w)) => w.parse().map_err(|_| bad(&wname, &w))?,
                _ => return Err((wname, "missing value".into())),
            };
            criteria.push(CriterionView {
                criterion: Key(c),
                weight,
                citation,
            });
        }
    }
    let far_s = enum_of("far_from_employment")?;
    let status = match far_s.as_str() {
        "shown" => {
            let s = req("far_from_employment_standing")?;
            FarStatus::Shown(
                record::band_from_key(&s).ok_or_else(|| bad("far_from_employment_standing", &s))?,
            )
        }
        "partly_shown" => FarStatus::PartlyShown,
        "too_few_persons" => FarStatus::TooFewPersons,
        "not_calculable" => FarStatus::NotCalculable,
        other => return Err(bad("far_from_employment", other)),
    };
    let split = |n: &str| {
        text(n).map_or_else(Vec::new, |s| {
            s.split(';').map(String::from).collect::<Vec<_>>()
        })
    };
    let members = split("far_from_employment_members")
        .iter()
        .map(|s| {
            Criterion::from_name(s)
                .map(Key)
                .ok_or_else(|| bad("far_from_employment_members", s))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let reasons = split("reasons")
        .iter()
        .map(|s| Reason::from_key(s).ok_or_else(|| bad("reasons", s)))
        .collect::<Result<Vec<_>, _>>()?;
    let history = split("history")
        .iter()
        .map(|e| {
            let (p, l) = e.rsplit_once(':').ok_or_else(|| bad("history", e))?;
            let label = match l {
                "nc" => None,
                l => Some(l.parse::<u8>().map_err(|_| bad("history", e))?),
            };
            Ok(HistoryEntry {
                period: p.to_string(),
                label,
            })
        })
        .collect::<Result<Vec<_>, (String, String)>>()?;
    Ok(EmployerRecord {
        version: int("version")
            .ok_or_else(|| ("version".to_string(), "missing value".to_string()))?,
        siret: req("siret")?,
        name: text("name"),
        period: req("period")?,
        label,
        non_calculable: text("non_calculable")
            .map(|s| parse_key(&s).ok_or_else(|| bad("non_calculable", &s)))
            .transpose()?,
        gated_by: key("gated_by")?,
        score,
        score_interval: match (int("score_lower"), int("score_upper")) {
            (Some(a), Some(b)) => Some([a, b]),
            _ => None,
        },
        trend: parse_key(&trend_s).ok_or_else(|| bad("trend", &trend_s))?,
        history,
        sector: Sector {
            naf: text("naf").unwrap_or_default(),
            division: text("division").unwrap_or_default(),
            section: req("section")?,
        },
        place: Place {
            commune: text("commune").unwrap_or_default(),
            zone: text("zone").unwrap_or_default(),
            departement: text("departement").unwrap_or_default(),
            region: text("region").unwrap_or_default(),
        },
        size_band: parse_key(&size_s).ok_or_else(|| bad("size_band", &size_s))?,
        peers: PeerInfo {
            rung: Rung {
                sector: parse_key(&sector_s).ok_or_else(|| bad("peer_sector", &sector_s))?,
                geo: parse_key(&geo_s).ok_or_else(|| bad("peer_geo", &geo_s))?,
            },
            members: int("peer_members"),
        },
        criteria,
        far_from_employment: FarFromEmployment { status, members },
        reasons,
    })
}

/// The flat table of `records` as a DataFrame (column by column).
pub fn flat_df(records: &[EmployerRecord]) -> PolarsResult<DataFrame> {
    let cols: Vec<polars::prelude::Column> = columns()
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let name = PlSmallStr::from(c.name.as_str());
            match c.kind {
                ColumnKind::Text => polars::prelude::Column::new(
                    name,
                    records
                        .iter()
                        .map(|r| match cell(r, k) {
                            Cell::Text(s) => s,
                            _ => None,
                        })
                        .collect::<Vec<Option<String>>>(),
                ),
                ColumnKind::Integer => polars::prelude::Column::new(
                    name,
                    records
                        .iter()
                        .map(|r| match cell(r, k) {
                            Cell::Integer(v) => v,
                            _ => None,
                        })
                        .collect::<Vec<Option<u32>>>(),
                ),
                ColumnKind::Number => polars::prelude::Column::new(
                    name,
                    records
                        .iter()
                        .map(|r| match cell(r, k) {
                            Cell::Number(v) => v,
                            _ => None,
                        })
                        .collect::<Vec<Option<f64>>>(),
                ),
            }
        })
        .collect();
    DataFrame::new_infer_height(cols)
}

/// One CSV field: RFC 4180 quoting, and a leading apostrophe on anything a spreadsheet
/// would evaluate as a formula (names come from DSN files).
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_cell(c: Cell) -> String {
    match c {
        Cell::Text(s) => s.map(|s| csv_field(&s)).unwrap_or_default(),
        Cell::Integer(v) => v.map(|v| v.to_string()).unwrap_or_default(),
        Cell::Number(v) => v.map(|v| format!("{v}")).unwrap_or_default(),
    }
}

/// Rows per Parquet row group when writing from an index (bounds the columnar copy).
const BATCH: usize = 100_000;

/// Writes `n` records, `get(i)` for `i` in `0..n`, to `path` in `format`, atomically and
/// streaming (a national feed never exists twice in memory).
pub fn write_records(
    n: usize,
    get: &dyn Fn(usize) -> EmployerRecord,
    format: FeedFormat,
    path: &Path,
) -> Result<(), FeedError> {
    let err = |e: &dyn std::fmt::Display| FeedError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    match format {
        FeedFormat::Parquet => {
            let mut at = 0;
            write_parquet_batches(path, || {
                (at < n || at == 0).then(|| {
                    let end = (at + BATCH).min(n);
                    let batch = (at..end).map(get).collect();
                    at = end.max(1);
                    batch
                })
            })?;
            Ok(())
        }
        FeedFormat::Jsonl => crate::output::write_with(path, |w| {
            for i in 0..n {
                serde_json::to_writer(&mut *w, &get(i)).map_err(|e| err(&e))?;
                w.write_all(b"\n").map_err(|e| err(&e))?;
            }
            Ok(())
        }),
        FeedFormat::Csv => crate::output::write_with(path, |w| {
            let cols = columns();
            let head: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
            writeln!(w, "{}", head.join(",")).map_err(|e| err(&e))?;
            for i in 0..n {
                let r = get(i);
                let row: Vec<String> = (0..cols.len()).map(|k| csv_cell(cell(&r, k))).collect();
                writeln!(w, "{}", row.join(",")).map_err(|e| err(&e))?;
            }
            Ok(())
        }),
    }
}

/// Writes `records` to `path` in `format`, atomically.
pub fn write_feed(
    records: &[EmployerRecord],
    format: FeedFormat,
    path: &Path,
) -> Result<(), FeedError> {
    write_records(records.len(), &|i| records[i].clone(), format, path)
}

/// Writes Parquet from batches of records (bounded memory for national feeds).
pub fn write_parquet_batches(
    path: &Path,
    mut next: impl FnMut() -> Option<Vec<EmployerRecord>>,
) -> Result<u64, FeedError> {
    let err = |e: &dyn std::fmt::Display| FeedError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let first = next().unwrap_or_default();
    let first = flat_df(&first).map_err(|e| err(&e))?;
    let schema = first.schema().clone();
    let mut n = first.height() as u64;
    crate::output::write_with(path, |w| {
        let mut bw = ParquetWriter::new(w)
            .with_compression(ParquetCompression::Zstd(None))
            .batched(&schema)
            .map_err(|e| err(&e))?;
        bw.write_batch(&first).map_err(|e| err(&e))?;
        while let Some(batch) = next() {
            let df = flat_df(&batch).map_err(|e| err(&e))?;
            n += df.height() as u64;
            bw.write_batch(&df).map_err(|e| err(&e))?;
        }
        bw.finish().map(|_| ()).map_err(|e| err(&e))
    })?;
    Ok(n)
}

/// Reads a flat Parquet feed.
pub fn read_flat_parquet(path: &Path) -> Result<DataFrame, FeedError> {
    let err = |e: &dyn std::fmt::Display| FeedError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let f = std::fs::File::open(path).map_err(|e| err(&e))?;
    let df = ParquetReader::new(f).finish().map_err(|e| err(&e))?;
    let have: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    for c in columns() {
        if !have.contains(&c.name) {
            return Err(err(&format!("missing column {:?}", c.name)));
        }
    }
    Ok(df)
}

/// Some columns of a flat Parquet feed (the index reads a national feed a few columns at a
/// time); a missing column is an error naming it.
pub fn read_parquet_columns(path: &Path, names: &[&str]) -> Result<DataFrame, index::IndexError> {
    let err = |e: &dyn std::fmt::Display| index::IndexError {
        column: names.join(", "),
        row: 0,
        message: format!("{}: {e}", path.display()),
    };
    let f = std::fs::File::open(path).map_err(|e| err(&e))?;
    ParquetReader::new(f)
        .with_columns(Some(names.iter().map(|s| s.to_string()).collect()))
        .finish()
        .map_err(|e| err(&e))
}

/// The cell of `df` at (`row`, `name`).
pub fn df_cell(df: &DataFrame, row: usize, name: &str) -> Cell {
    let Ok(col) = df.column(name) else {
        return Cell::Text(None);
    };
    match col.get(row) {
        Ok(AnyValue::String(s)) => Cell::Text(Some(s.to_string())),
        Ok(AnyValue::StringOwned(s)) => Cell::Text(Some(s.to_string())),
        Ok(AnyValue::UInt32(v)) => Cell::Integer(Some(v)),
        Ok(AnyValue::Int64(v)) => Cell::Integer(u32::try_from(v).ok()),
        Ok(AnyValue::Float64(v)) => Cell::Number(Some(v)),
        _ => Cell::Text(None),
    }
}

/// Reads every record of a flat DataFrame (row by row: for tests and small feeds).
pub fn records_of_df(df: &DataFrame, path: &Path) -> Result<Vec<EmployerRecord>, FeedError> {
    (0..df.height())
        .map(|row| {
            unflatten(&|n| df_cell(df, row, n)).map_err(|(column, message)| FeedError::Cell {
                path: path.to_path_buf(),
                row: row + 1,
                column,
                message,
            })
        })
        .collect()
}

/// Writes the feed and its provenance into a scores folder.
pub fn write_scores_feed(
    records: &[EmployerRecord],
    meta: &FeedMeta,
    dir: &Path,
) -> Result<Vec<PathBuf>, FeedError> {
    write_scores_feed_from(records.len(), &|i| records[i].clone(), meta, dir)
}

/// [`write_scores_feed`] of `n` records built by `get` batch by batch as they are written,
/// so that a national feed is never held whole.
pub fn write_scores_feed_from(
    n: usize,
    get: &dyn Fn(usize) -> EmployerRecord,
    meta: &FeedMeta,
    dir: &Path,
) -> Result<Vec<PathBuf>, FeedError> {
    let fp = dir.join(FEED_FILE);
    write_records(n, get, FeedFormat::Parquet, &fp)?;
    Ok(vec![fp, write_meta(meta, dir)?])
}

/// Writes the feed's provenance, [`META_FILE`], into `dir`.
fn write_meta(meta: &FeedMeta, dir: &Path) -> Result<PathBuf, FeedError> {
    let mp = dir.join(META_FILE);
    let text = serde_json::to_string_pretty(meta).map_err(|e| FeedError::File {
        path: mp.clone(),
        message: e.to_string(),
    })?;
    crate::output::write_file(&mp, format!("{text}\n").as_bytes())?;
    Ok(mp)
}

/// The records of a scoring run's latest period and their provenance, written into `dir`
/// as its feed, with the feed's prebuilt index for `serve`.
pub fn write_run_feed(
    out: &crate::score::ScoreOutput,
    dir: &Path,
    experiment_hash: Option<String>,
    data_fingerprint: Option<String>,
    reference: &crate::reference::Reference,
) -> Result<Vec<PathBuf>, FeedError> {
    let provenance = (experiment_hash, data_fingerprint);
    let past = |siret, q| out.past_label(siret, q);
    write_run_feed_with(out, &past, dir, provenance, reference)
}

/// [`write_run_feed`], with earlier periods' label rows from `past`
/// ([`record::records_with`]); `provenance` is (experiment hash, data fingerprint).
pub fn write_run_feed_with(
    out: &crate::score::ScoreOutput,
    past: &dyn Fn(u64, u32) -> Option<Option<u8>>,
    dir: &Path,
    provenance: (Option<String>, Option<String>),
    reference: &crate::reference::Reference,
) -> Result<Vec<PathBuf>, FeedError> {
    let err = |e: &dyn std::fmt::Display| FeedError::File {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    let (experiment_hash, data_fingerprint) = provenance;
    let p = out.period_index(None).map_err(|e| err(&e))?;
    let period = out.periods()[p as usize].label.clone();
    let rows: Vec<usize> = (0..out.scores.len())
        .filter(|&i| out.scores[i].period == p)
        .collect();
    let meta = meta_of(rows.len(), &period, experiment_hash, data_fingerprint);
    let get = |k: usize| record::record_at(out, rows[k], past);
    let mut written = write_scores_feed_from(rows.len(), &get, &meta, dir)?;
    // The index is an accelerator whose layout is little-endian: elsewhere `serve` builds it.
    if cfg!(target_endian = "little") {
        written.push(write_feed_index(dir, reference)?);
    }
    Ok(written)
}

/// Writes the prebuilt index of the feed in `dir` beside it ([`load::write_index`]).
pub fn write_feed_index(
    dir: &Path,
    reference: &crate::reference::Reference,
) -> Result<PathBuf, FeedError> {
    load::write_index(dir, reference).map_err(|e| FeedError::File {
        path: dir.join(index::INDEX_FILE),
        message: e.to_string(),
    })
}

/// The provenance of records built now.
pub fn meta_of(
    records: usize,
    period: &str,
    experiment_hash: Option<String>,
    data_fingerprint: Option<String>,
) -> FeedMeta {
    FeedMeta {
        record_version: RECORD_VERSION,
        period: period.to_string(),
        experiment_hash,
        data_fingerprint,
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        records: records as u64,
    }
}

/// The JSON Schema of one flat row (CSV or Parquet), as shipped in `docs/feed.flat.schema.json`:
/// a CSV row read as text, or a Parquet row, converted to an object of column → value.
pub fn flat_json_schema() -> serde_json::Value {
    use serde_json::json;
    let mut props = serde_json::Map::new();
    for c in columns() {
        let base = match (&c.values, c.kind) {
            (Some(v), _) => json!({ "enum": v }),
            (None, ColumnKind::Text) => json!({ "type": "string" }),
            (None, ColumnKind::Integer) => json!({ "type": "integer", "minimum": 0 }),
            (None, ColumnKind::Number) => json!({ "type": "number", "minimum": 0, "maximum": 1 }),
        };
        let s = if c.nullable {
            json!({ "oneOf": [base, { "type": "null" }] })
        } else {
            base
        };
        props.insert(c.name.clone(), s);
    }
    let required: Vec<String> = columns().into_iter().map(|c| c.name).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "EmployerRecord (flat row)",
        "description": "One row of the CSV or Parquet feed: the published record of one employer, one column per field (see docs/feed.md). An empty CSV cell is null in a nullable column and an empty list or text otherwise.",
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": props,
    })
}
