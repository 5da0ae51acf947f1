//! Reading and writing the workbench tables as Parquet or CSV, through polars.
//!
//! Codes are written as zero-padded DSN strings (`nature = "02"`, `end_reason = "031"`), SIRETs
//! as 14-character strings and dates as polars `Date`, so that extracts are readable as is.
//! Every write goes to a temporary file renamed into place: an interrupted run never leaves a
//! complete-looking table. Reading validates each value and reports file, row and column.
//!
//! Two layouts (see `data/SCHEMA.md`): one file per table (`contracts.parquet`), or a
//! Hive-partitioned folder per table (`contracts/dep=35/part-00000.parquet`) that polars,
//! pyarrow, DuckDB, Spark and DataFusion read as they are. Readers accept both.

use crate::columns::{
    contracts as cc, establishments as ec, files, persons as pc, stoppages as sc,
};
use crate::date::Date;
use crate::model::*;
use polars::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("{path}: {source}")]
    Polars { path: PathBuf, source: PolarsError },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: row {row}, column `{column}`: {message}")]
    Value {
        path: PathBuf,
        row: usize,
        column: String,
        message: String,
    },
    #[error("{path}: missing column `{column}`")]
    MissingColumn { path: PathBuf, column: String },
    #[error("{dir}: no `{stem}.parquet` or `{stem}.csv` table")]
    MissingTable { dir: PathBuf, stem: String },
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
}

/// Output format of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Parquet,
    Csv,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

fn col_str<I: IntoIterator<Item = Option<S>>, S: AsRef<str>>(name: &str, it: I) -> Column {
    let ca: StringChunked = it.into_iter().collect();
    ca.with_name(name.into()).into_column()
}

fn col_date<I: IntoIterator<Item = Option<Date>>>(name: &str, it: I) -> Column {
    let ca: Int32Chunked = it.into_iter().map(|d| d.map(|d| d.0)).collect();
    ca.with_name(name.into()).into_date().into_column()
}

/// Zero-padded DSN code strings, formatted once: tables of tens of millions of rows would
/// otherwise allocate a string per code.
fn code<const W: usize>(v: u16) -> &'static str {
    static TWO: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    static THREE: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let table = if W == 2 { &TWO } else { &THREE };
    let t = table.get_or_init(|| (0..1000u16).map(|i| format!("{i:0W$}")).collect());
    t.get(v as usize).map_or("?", String::as_str)
}

/// SIRET strings of consecutive rows, formatted once per run of equal SIRETs.
fn siret_col<T>(name: &str, rows: &[T], f: impl Fn(&T) -> u64) -> Column {
    let mut b = StringChunkedBuilder::new(name.into(), rows.len());
    let mut last = (u64::MAX, String::new());
    for r in rows {
        let s = f(r);
        if s != last.0 {
            last = (s, siret_string(s));
        }
        b.append_value(last.1.as_str());
    }
    b.finish().into_column()
}

pub fn establishments_df(rows: &[Establishment]) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![
        col_str(ec::SIRET, rows.iter().map(|e| Some(siret_string(e.siret)))),
        col_str(
            ec::SIREN,
            rows.iter().map(|e| Some(format!("{:09}", e.siren()))),
        ),
        col_str(ec::NAME, rows.iter().map(|e| Some(e.name.as_str()))),
        col_str(ec::NAF, rows.iter().map(|e| Some(e.naf.as_str()))),
        col_str(ec::COMMUNE, rows.iter().map(|e| Some(e.commune.as_str()))),
        col_str(
            ec::DEPARTEMENT,
            rows.iter().map(|e| Some(e.departement.as_str())),
        ),
        col_str(ec::REGION, rows.iter().map(|e| Some(e.region.as_str()))),
        col_str(ec::ZONE, rows.iter().map(|e| Some(e.zone.as_str()))),
        col_date(
            ec::CREATION_DATE,
            rows.iter().map(|e| Some(e.creation_date)),
        ),
    ])
}

pub fn persons_df(rows: &[Person]) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![
        Column::new(
            pc::PERSON_ID.into(),
            rows.iter().map(|p| p.person_id).collect::<Vec<_>>(),
        ),
        col_str(pc::SEX, rows.iter().map(|p| Some(code::<2>(p.sex.into())))),
        col_date(pc::BIRTH_DATE, rows.iter().map(|p| Some(p.birth_date))),
        Column::new(
            pc::BOETH.into(),
            rows.iter().map(|p| p.boeth).collect::<Vec<_>>(),
        ),
    ])
}

pub fn contracts_df(rows: &[Contract]) -> PolarsResult<DataFrame> {
    let opt_code2 = |f: fn(&Contract) -> Option<u8>| {
        rows.iter()
            .map(move |c| f(c).map(|v| code::<2>(v.into())))
            .collect::<Vec<_>>()
    };
    DataFrame::new_infer_height(vec![
        Column::new(
            cc::CONTRACT_ID.into(),
            rows.iter().map(|c| c.contract_id).collect::<Vec<_>>(),
        ),
        Column::new(
            cc::PERSON_ID.into(),
            rows.iter().map(|c| c.person_id).collect::<Vec<_>>(),
        ),
        siret_col(cc::SIRET, rows, |c| c.siret),
        col_date(cc::START, rows.iter().map(|c| Some(c.start))),
        col_date(cc::PLANNED_END, rows.iter().map(|c| c.planned_end)),
        col_date(cc::ACTUAL_END, rows.iter().map(|c| c.actual_end)),
        col_str(
            cc::END_REASON,
            rows.iter().map(|c| c.end_reason.map(code::<3>)),
        ),
        col_str(
            cc::NATURE,
            rows.iter().map(|c| Some(code::<2>(c.nature.into()))),
        ),
        col_str(
            cc::SCHEME,
            rows.iter().map(|c| Some(code::<2>(c.scheme.into()))),
        ),
        col_str(cc::IAE, opt_code2(|c| c.iae)),
        col_str(
            cc::WORKING_TIME,
            rows.iter().map(|c| Some(code::<2>(c.working_time.into()))),
        ),
        col_str(cc::PCS, rows.iter().map(|c| Some(c.pcs.as_str()))),
        col_str(cc::CDD_REASON, opt_code2(|c| c.cdd_reason)),
        col_str(cc::BOETH, opt_code2(|c| c.boeth)),
        col_date(
            cc::CONVERTED_TO_CDI,
            rows.iter().map(|c| c.converted_to_cdi),
        ),
        Column::new(
            cc::NO_PRIOR_EMPLOYMENT.into(),
            rows.iter()
                .map(|c| c.no_prior_employment)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            cc::MONTHS_SINCE_PREV.into(),
            rows.iter()
                .map(|c| c.months_since_prev.map(u32::from))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            cc::PRIOR_LONG_SICK_LEAVE.into(),
            rows.iter()
                .map(|c| c.prior_long_sick_leave)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            cc::PRIOR_IAE_OR_SUBSIDISED.into(),
            rows.iter()
                .map(|c| c.prior_iae_or_subsidised)
                .collect::<Vec<_>>(),
        ),
    ])
}

pub fn stoppages_df(rows: &[Stoppage]) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![
        Column::new(
            sc::PERSON_ID.into(),
            rows.iter().map(|s| s.person_id).collect::<Vec<_>>(),
        ),
        siret_col(sc::SIRET, rows, |s| s.siret),
        Column::new(
            sc::CONTRACT_ID.into(),
            rows.iter().map(|s| s.contract_id).collect::<Vec<_>>(),
        ),
        col_date(sc::START, rows.iter().map(|s| Some(s.start))),
        col_date(sc::END, rows.iter().map(|s| s.end)),
        col_str(
            sc::REASON,
            rows.iter().map(|s| Some(code::<2>(s.reason.into()))),
        ),
    ])
}

/// Writes `df` to `path` atomically (temporary file, then rename).
pub fn write_df(df: &mut DataFrame, path: &Path, format: Format) -> Result<(), TableError> {
    let pl = |source| TableError::Polars {
        path: path.to_path_buf(),
        source,
    };
    crate::output::write_with(path, |w| match format {
        Format::Parquet => ParquetWriter::new(w)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(df)
            .map(|_| ())
            .map_err(pl),
        Format::Csv => CsvWriter::new(w).finish(df).map_err(pl),
    })
}

/// Rows per batch when writing large tables: bounds the memory of the columnar copy.
const BATCH_ROWS: usize = 1 << 20;

/// Writes `rows` through `build` in batches, atomically, so that a table of tens of
/// millions of rows never exists twice in memory.
pub fn write_rows<T>(
    rows: &[T],
    build: impl Fn(&[T]) -> PolarsResult<DataFrame>,
    path: &Path,
    format: Format,
) -> Result<(), TableError> {
    write_rows_in(rows, BATCH_ROWS, build, path, format)
}

/// [`write_rows`] in batches of `batch` rows (at least one): smaller batches for wide
/// tables, or for rows that each build many table rows.
pub fn write_rows_in<T>(
    rows: &[T],
    batch: usize,
    build: impl Fn(&[T]) -> PolarsResult<DataFrame>,
    path: &Path,
    format: Format,
) -> Result<(), TableError> {
    let batch = batch.max(1);
    let pl = |source| TableError::Polars {
        path: path.to_path_buf(),
        source,
    };
    let first = build(&rows[..rows.len().min(batch)]).map_err(pl)?;
    let schema = first.schema().clone();
    let rest = rows.chunks(batch).skip(1);
    crate::output::write_with(path, |w| {
        match format {
            Format::Parquet => {
                let mut bw = ParquetWriter::new(w)
                    .with_compression(ParquetCompression::Zstd(None))
                    .batched(&schema)
                    .map_err(pl)?;
                bw.write_batch(&first).map_err(pl)?;
                for chunk in rest {
                    bw.write_batch(&build(chunk).map_err(pl)?).map_err(pl)?;
                }
                bw.finish().map_err(pl)?;
            }
            Format::Csv => {
                let mut bw = CsvWriter::new(w).batched(&schema).map_err(pl)?;
                bw.write_batch(&first).map_err(pl)?;
                for chunk in rest {
                    bw.write_batch(&build(chunk).map_err(pl)?).map_err(pl)?;
                }
                bw.finish().map_err(pl)?;
            }
        }
        Ok(())
    })
}

/// Writes the four tables and `coverage.json` into `dir` (which must exist).
pub fn write_dataset(ds: &Dataset, dir: &Path, format: Format) -> Result<Vec<PathBuf>, TableError> {
    let mut out = Vec::new();
    let path = |stem: &str| dir.join(format!("{stem}.{}", format.extension()));
    let p = path(files::ESTABLISHMENTS);
    write_rows(&ds.establishments, establishments_df, &p, format)?;
    out.push(p);
    let p = path(files::PERSONS);
    write_rows(&ds.persons, persons_df, &p, format)?;
    out.push(p);
    let p = path(files::CONTRACTS);
    write_rows(&ds.contracts, contracts_df, &p, format)?;
    out.push(p);
    let p = path(files::STOPPAGES);
    write_rows(&ds.stoppages, stoppages_df, &p, format)?;
    out.push(p);
    let cov = dir.join(files::COVERAGE);
    let text = serde_json::to_string_pretty(&ds.coverage).expect("coverage serialises");
    write_text(&cov, &text)?;
    out.push(cov);
    Ok(out)
}

/// How a dataset's tables are laid out on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One file per table: `contracts.parquet` (small runs, any format).
    Single,
    /// One Hive-partitioned folder per table, by département: `contracts/dep=35/part-00000.parquet`.
    Partitioned,
}

/// Hive partition key of the partitioned layout.
pub const PARTITION_KEY: &str = "dep";

/// Folder of one partition of a table: `<dir>/<stem>/dep=<value>`.
pub fn partition_dir(dir: &Path, stem: &str, value: &str) -> PathBuf {
    dir.join(stem).join(format!("{PARTITION_KEY}={value}"))
}

/// Rows grouped by partition value, in value order.
fn by_partition<T: Clone>(rows: &[T], key: impl Fn(&T) -> String) -> Vec<(String, Vec<T>)> {
    let mut groups: std::collections::BTreeMap<String, Vec<T>> = Default::default();
    for r in rows {
        groups.entry(key(r)).or_default().push(r.clone());
    }
    if groups.is_empty() {
        // An empty table still has a (empty) file, so that readers find its schema.
        groups.insert("none".into(), Vec::new());
    }
    groups.into_iter().collect()
}

/// Writes the four tables of `ds` in the partitioned layout (Parquet): establishments,
/// contracts and stoppages by the establishment's département; persons by the
/// département of the establishment of their first contract (`none` without contract).
pub fn write_dataset_partitioned(ds: &Dataset, dir: &Path) -> Result<Vec<PathBuf>, TableError> {
    let dep: std::collections::HashMap<u64, &str> = ds
        .establishments
        .iter()
        .map(|e| (e.siret, e.departement.as_str()))
        .collect();
    let dep_of = |siret: u64| dep.get(&siret).copied().unwrap_or("none").to_string();
    let mut first: std::collections::HashMap<u64, (Date, u64, u64)> = Default::default();
    for c in &ds.contracts {
        let e = first
            .entry(c.person_id)
            .or_insert((c.start, c.contract_id, c.siret));
        if (c.start, c.contract_id) < (e.0, e.1) {
            *e = (c.start, c.contract_id, c.siret);
        }
    }
    let mut out = Vec::new();
    let f = Format::Parquet;
    let mut write = |stem: &str, value: &str, w: &dyn Fn(&Path) -> Result<(), TableError>| {
        let d = partition_dir(dir, stem, value);
        std::fs::create_dir_all(&d).map_err(|source| TableError::Io {
            path: d.clone(),
            source,
        })?;
        let p = d.join("part-00000.parquet");
        w(&p)?;
        out.push(p);
        Ok::<(), TableError>(())
    };
    for (v, rows) in by_partition(&ds.establishments, |e| e.departement.clone()) {
        write(files::ESTABLISHMENTS, &v, &|p| {
            write_rows(&rows, establishments_df, p, f)
        })?;
    }
    let person_dep = |p: &Person| {
        first
            .get(&p.person_id)
            .map_or("none".into(), |e| dep_of(e.2))
    };
    for (v, rows) in by_partition(&ds.persons, person_dep) {
        write(files::PERSONS, &v, &|p| write_rows(&rows, persons_df, p, f))?;
    }
    for (v, rows) in by_partition(&ds.contracts, |c| dep_of(c.siret)) {
        write(files::CONTRACTS, &v, &|p| {
            write_rows(&rows, contracts_df, p, f)
        })?;
    }
    for (v, rows) in by_partition(&ds.stoppages, |s| dep_of(s.siret)) {
        write(files::STOPPAGES, &v, &|p| {
            write_rows(&rows, stoppages_df, p, f)
        })?;
    }
    let cov = dir.join(files::COVERAGE);
    let text = serde_json::to_string_pretty(&ds.coverage).expect("coverage serialises");
    write_text(&cov, &text)?;
    out.push(cov);
    Ok(out)
}

/// Writes a text file atomically.
pub fn write_text(path: &Path, text: &str) -> Result<(), TableError> {
    Ok(crate::output::write_file(path, text.as_bytes())?)
}

/// Every `*.parquet` file under `dir`, recursively, in path order.
pub fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>, TableError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|source| TableError::Io {
            path: d.clone(),
            source,
        })?;
        for e in entries {
            let p = e
                .map_err(|source| TableError::Io {
                    path: d.clone(),
                    source,
                })?
                .path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Whether a folder holds a partitioned Parquet table.
pub fn has_parquet(dir: &Path) -> bool {
    parquet_files(dir).is_ok_and(|f| !f.is_empty())
}

fn read_parquet_file(path: &Path) -> Result<DataFrame, TableError> {
    let f = std::fs::File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    ParquetReader::new(f)
        .finish()
        .map_err(|source| TableError::Polars {
            path: path.to_path_buf(),
            source,
        })
}

/// Reads every file of a partitioned table (in path order) into one frame.
pub fn read_partitioned(dir: &Path) -> Result<DataFrame, TableError> {
    let files = parquet_files(dir)?;
    let mut out: Option<DataFrame> = None;
    for f in &files {
        let df = read_parquet_file(f)?;
        match &mut out {
            None => out = Some(df),
            Some(acc) => {
                acc.vstack_mut(&df).map_err(|source| TableError::Polars {
                    path: f.clone(),
                    source,
                })?;
            }
        }
    }
    out.ok_or_else(|| TableError::MissingTable {
        dir: dir.to_path_buf(),
        stem: String::new(),
    })
}

/// Reads a table by stem: `<stem>.parquet`, a partitioned `<stem>/` folder, or `<stem>.csv`.
pub fn read_table(dir: &Path, stem: &str) -> Result<(DataFrame, PathBuf), TableError> {
    let pq = dir.join(format!("{stem}.parquet"));
    let csv = dir.join(format!("{stem}.csv"));
    let folder = dir.join(stem);
    if !pq.exists() && folder.is_dir() && has_parquet(&folder) {
        let mut df = read_partitioned(&folder)?;
        df.rechunk_mut();
        return Ok((df, folder));
    }
    if pq.exists() {
        let f = std::fs::File::open(&pq).map_err(|source| TableError::Io {
            path: pq.clone(),
            source,
        })?;
        let df = ParquetReader::new(f)
            .finish()
            .map_err(|source| TableError::Polars {
                path: pq.clone(),
                source,
            })?;
        Ok((df, pq))
    } else if csv.exists() {
        read_csv(&csv).map(|df| (df, csv))
    } else {
        Err(TableError::MissingTable {
            dir: dir.to_path_buf(),
            stem: stem.to_string(),
        })
    }
}

/// Reads a CSV with every column as text, so that codes keep their leading zeros.
pub fn read_csv(path: &Path) -> Result<DataFrame, TableError> {
    let pl = |source| TableError::Polars {
        path: path.to_path_buf(),
        source,
    };
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .map_err(pl)?
        .finish()
        .map_err(pl)
}

/// A typed view of one column, whatever its physical type in the file.
struct Col<'a> {
    path: &'a Path,
    name: &'a str,
    text: StringChunked,
}

impl<'a> Col<'a> {
    fn get(df: &DataFrame, path: &'a Path, name: &'a str) -> Result<Col<'a>, TableError> {
        let c = df.column(name).map_err(|_| TableError::MissingColumn {
            path: path.to_path_buf(),
            column: name.to_string(),
        })?;
        // Dates are read back through their ISO text form, whatever the source type.
        let s = c.as_materialized_series();
        let s = s
            .cast(&DataType::String)
            .map_err(|source| TableError::Polars {
                path: path.to_path_buf(),
                source,
            })?;
        let text = s
            .str()
            .map_err(|source| TableError::Polars {
                path: path.to_path_buf(),
                source,
            })?
            .clone();
        Ok(Col { path, name, text })
    }

    fn err(&self, row: usize, message: String) -> TableError {
        TableError::Value {
            path: self.path.to_path_buf(),
            row: row + 1,
            column: self.name.to_string(),
            message,
        }
    }

    fn opt_str(&self, row: usize) -> Option<&str> {
        self.text.get(row).map(str::trim).filter(|s| !s.is_empty())
    }

    fn string(&self, row: usize) -> Result<String, TableError> {
        self.opt_str(row)
            .map(str::to_string)
            .ok_or_else(|| self.err(row, "missing value".into()))
    }

    fn opt_num<T: std::str::FromStr>(&self, row: usize) -> Result<Option<T>, TableError> {
        match self.opt_str(row) {
            None => Ok(None),
            Some(s) => s
                .parse::<T>()
                .map(Some)
                .map_err(|_| self.err(row, format!("not a valid number: {s:?}"))),
        }
    }

    fn num<T: std::str::FromStr>(&self, row: usize) -> Result<T, TableError> {
        self.opt_num(row)?
            .ok_or_else(|| self.err(row, "missing value".into()))
    }

    fn opt_date(&self, row: usize) -> Result<Option<Date>, TableError> {
        match self.opt_str(row) {
            None => Ok(None),
            Some(s) => Date::parse_iso(s)
                .or_else(|| Date::parse_dsn(s))
                .map(Some)
                .ok_or_else(|| self.err(row, format!("not a valid date (AAAA-MM-JJ): {s:?}"))),
        }
    }

    fn date(&self, row: usize) -> Result<Date, TableError> {
        self.opt_date(row)?
            .ok_or_else(|| self.err(row, "missing value".into()))
    }

    fn boolean(&self, row: usize) -> Result<bool, TableError> {
        match self.opt_str(row) {
            Some("true") | Some("1") => Ok(true),
            Some("false") | Some("0") => Ok(false),
            other => Err(self.err(row, format!("expected true or false, got {other:?}"))),
        }
    }
}

/// Reads `coverage.json` of a dataset.
pub fn read_coverage(dir: &Path) -> Result<Coverage, TableError> {
    let cov_path = dir.join(files::COVERAGE);
    serde_json::from_str(
        &std::fs::read_to_string(&cov_path).map_err(|source| TableError::Io {
            path: cov_path.clone(),
            source,
        })?,
    )
    .map_err(|e| TableError::Value {
        path: cov_path.clone(),
        row: 1,
        column: "coverage".into(),
        message: e.to_string(),
    })
}

/// Reads the establishments table of a dataset (either layout).
pub fn read_establishments(dir: &Path) -> Result<Vec<Establishment>, TableError> {
    let (df, p) = read_table(dir, files::ESTABLISHMENTS)?;
    let g = |n| Col::get(&df, &p, n);
    let (siret, name, naf, commune, dep, reg, zone, created) = (
        g(ec::SIRET)?,
        g(ec::NAME)?,
        g(ec::NAF)?,
        g(ec::COMMUNE)?,
        g(ec::DEPARTEMENT)?,
        g(ec::REGION)?,
        g(ec::ZONE)?,
        g(ec::CREATION_DATE)?,
    );
    let mut establishments = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        establishments.push(Establishment {
            siret: siret.num(r)?,
            name: name.opt_str(r).unwrap_or("").to_string(),
            naf: naf.string(r)?,
            // Empty for ingested DSN: the norm carries no INSEE commune code.
            commune: commune.opt_str(r).unwrap_or("").to_string(),
            departement: dep.string(r)?,
            region: reg.string(r)?,
            zone: zone.string(r)?,
            creation_date: created.date(r)?,
        });
    }

    Ok(establishments)
}

/// Reads the persons table of a dataset (either layout).
pub fn read_persons(dir: &Path) -> Result<Vec<Person>, TableError> {
    let (df, p) = read_table(dir, files::PERSONS)?;
    let g = |n| Col::get(&df, &p, n);
    let (pid, sex, birth, boeth) = (
        g(pc::PERSON_ID)?,
        g(pc::SEX)?,
        g(pc::BIRTH_DATE)?,
        g(pc::BOETH)?,
    );
    let mut persons = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        persons.push(Person {
            person_id: pid.num(r)?,
            sex: sex.num(r)?,
            birth_date: birth.date(r)?,
            boeth: boeth.boolean(r)?,
        });
    }
    Ok(persons)
}

/// Reads a dataset written by [`write_dataset`] (or a tabular extract with the same columns).
pub fn read_dataset(dir: &Path) -> Result<Dataset, TableError> {
    let coverage = read_coverage(dir)?;
    let establishments = read_establishments(dir)?;

    let persons = read_persons(dir)?;

    let (df, p) = read_table(dir, files::CONTRACTS)?;
    let g = |n| Col::get(&df, &p, n);
    let cols = cc::ALL.map(g);
    let mut c = Vec::with_capacity(19);
    for col in cols {
        c.push(col?);
    }
    let mut contracts = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        let pcs_s = c[11].string(r)?;
        contracts.push(Contract {
            contract_id: c[0].num(r)?,
            person_id: c[1].num(r)?,
            siret: c[2].num(r)?,
            start: c[3].date(r)?,
            planned_end: c[4].opt_date(r)?,
            actual_end: c[5].opt_date(r)?,
            end_reason: c[6].opt_num(r)?,
            nature: c[7].num(r)?,
            scheme: c[8].num(r)?,
            iae: c[9].opt_num(r)?,
            working_time: c[10].num(r)?,
            pcs: Pcs::new(&pcs_s)
                .ok_or_else(|| c[11].err(r, format!("not a PCS-ESE code: {pcs_s:?}")))?,
            cdd_reason: c[12].opt_num(r)?,
            boeth: c[13].opt_num(r)?,
            converted_to_cdi: c[14].opt_date(r)?,
            no_prior_employment: c[15].boolean(r)?,
            months_since_prev: c[16].opt_num(r)?,
            prior_long_sick_leave: c[17].boolean(r)?,
            prior_iae_or_subsidised: c[18].boolean(r)?,
        });
    }

    let (df, p) = read_table(dir, files::STOPPAGES)?;
    let g = |n| Col::get(&df, &p, n);
    let (pid, siret, cid, start, end, reason) = (
        g(sc::PERSON_ID)?,
        g(sc::SIRET)?,
        g(sc::CONTRACT_ID)?,
        g(sc::START)?,
        g(sc::END)?,
        g(sc::REASON)?,
    );
    let mut stoppages = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        stoppages.push(Stoppage {
            person_id: pid.num(r)?,
            siret: siret.num(r)?,
            contract_id: cid.num(r)?,
            start: start.date(r)?,
            end: end.opt_date(r)?,
            reason: reason.num(r)?,
        });
    }
    Ok(Dataset {
        coverage,
        establishments,
        persons,
        contracts,
        stoppages,
    })
}
