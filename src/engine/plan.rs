//! The physical plans of the engine path: Parquet scans of a dataset (single files or
//! Hive-partitioned folders), hash repartitioning and sorting on the shuffle key, and the
//! co-group passes.

use super::arrow_io::KEY;
use super::cogroup::CoGroupExec;
use super::passes::Pass;
use super::EngineError;
use crate::columns::{contracts as cc, files, persons as pc, stoppages as sc};
use crate::indicators::Period;
use datafusion::arrow::compute::CastOptions;
use datafusion::arrow::datatypes::DataType;
use datafusion::physical_expr::expressions::{CastExpr, Column};
use datafusion::physical_expr::{LexOrdering, PhysicalExpr, PhysicalSortExpr};
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::{ExecutionPlan, Partitioning};
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The Parquet files of a table in a dataset directory: `<table>.parquet`, or every
/// `*.parquet` under `<table>/` (Hive-style `key=value/part-NNNNN.parquet` folders).
pub fn table_location(dir: &Path, table: &str) -> Result<PathBuf, EngineError> {
    let file = dir.join(format!("{table}.parquet"));
    if file.is_file() {
        return Ok(file);
    }
    let folder = dir.join(table);
    if folder.is_dir() && crate::tables::has_parquet(&folder) {
        return Ok(folder);
    }
    Err(EngineError::MissingTable {
        dir: dir.to_path_buf(),
        table: table.to_string(),
    })
}

/// A scan of `columns` of a table.
pub async fn scan(
    ctx: &SessionContext,
    dir: &Path,
    table: &str,
    columns: &[&str],
) -> Result<Arc<dyn ExecutionPlan>, EngineError> {
    let loc = table_location(dir, table)?;
    let mut path = std::path::absolute(&loc)
        .map_err(|e| EngineError::Io {
            path: loc.clone(),
            message: e.to_string(),
        })?
        .display()
        .to_string();
    if loc.is_dir() && !path.ends_with('/') {
        path.push('/');
    }
    let df = ctx
        .read_parquet(path, ParquetReadOptions::default())
        .await?
        .select_columns(columns)?;
    Ok(df.create_physical_plan().await?)
}

fn col(plan: &Arc<dyn ExecutionPlan>, name: &str) -> Result<Arc<dyn PhysicalExpr>, EngineError> {
    Ok(Arc::new(Column::new_with_schema(name, &plan.schema())?))
}

/// `__key` (the column `key` cast to an unsigned integer; a value that does not cast is an
/// error), then every input column; hash-partitioned on `__key` and sorted on it.
pub fn shuffle(
    input: Arc<dyn ExecutionPlan>,
    key: &str,
    partitions: usize,
) -> Result<Arc<dyn ExecutionPlan>, EngineError> {
    let cast = CastOptions {
        safe: false,
        ..Default::default()
    };
    let mut exprs: Vec<(Arc<dyn PhysicalExpr>, String)> = vec![(
        Arc::new(CastExpr::new(
            col(&input, key)?,
            DataType::UInt64,
            Some(cast),
        )),
        KEY.to_string(),
    )];
    for f in input.schema().fields() {
        exprs.push((col(&input, f.name())?, f.name().clone()));
    }
    let proj: Arc<dyn ExecutionPlan> = Arc::new(ProjectionExec::try_new(exprs, input)?);
    let key_col = col(&proj, KEY)?;
    let repart: Arc<dyn ExecutionPlan> = Arc::new(RepartitionExec::try_new(
        proj,
        Partitioning::Hash(vec![key_col.clone()], partitions),
    )?);
    let ordering = LexOrdering::new([PhysicalSortExpr::new_default(key_col)])
        .ok_or_else(|| EngineError::Cluster("empty sort key".into()))?;
    Ok(Arc::new(
        SortExec::new(ordering, repart).with_preserve_partitioning(true),
    ))
}

const STOPPAGE_COLUMNS: [&str; 6] = [
    sc::PERSON_ID,
    sc::SIRET,
    sc::CONTRACT_ID,
    sc::START,
    sc::END,
    sc::REASON,
];

/// The indicator plan of a dataset: the person pass (contracts ⋈ persons by person), then
/// the establishment pass (contract facts ⋈ stoppages by SIRET). Its output is the
/// indicator rows of every establishment and period.
pub async fn indicator_plan(
    ctx: &SessionContext,
    data: &Path,
    periods: &[Period],
    window_months: u32,
    partitions: usize,
) -> Result<Arc<dyn ExecutionPlan>, EngineError> {
    let contracts = scan(ctx, data, files::CONTRACTS, &cc::ALL).await?;
    let persons = scan(
        ctx,
        data,
        files::PERSONS,
        &[pc::PERSON_ID, pc::SEX, pc::BIRTH_DATE],
    )
    .await?;
    let stoppages = scan(ctx, data, files::STOPPAGES, &STOPPAGE_COLUMNS).await?;
    let facts: Arc<dyn ExecutionPlan> = Arc::new(CoGroupExec::try_new(
        Pass::PersonFlags,
        vec![
            shuffle(contracts, cc::PERSON_ID, partitions)?,
            shuffle(persons, pc::PERSON_ID, partitions)?,
        ],
    )?);
    Ok(Arc::new(CoGroupExec::try_new(
        Pass::Indicators {
            periods: periods.to_vec(),
            window_months,
        },
        vec![
            shuffle(facts, cc::SIRET, partitions)?,
            shuffle(stoppages, sc::SIRET, partitions)?,
        ],
    )?))
}

/// The history plan of a dataset whose contracts lack (or need fresh) history columns:
/// contracts ⋈ stoppages by person, through [`crate::history::derive_history`].
pub async fn history_plan(
    ctx: &SessionContext,
    data: &Path,
    partitions: usize,
) -> Result<Arc<dyn ExecutionPlan>, EngineError> {
    let contracts = scan_contracts_for_history(ctx, data).await?;
    let stoppages = scan(ctx, data, files::STOPPAGES, &STOPPAGE_COLUMNS).await?;
    Ok(Arc::new(CoGroupExec::try_new(
        Pass::History,
        vec![
            shuffle(contracts, cc::PERSON_ID, partitions)?,
            shuffle(stoppages, sc::PERSON_ID, partitions)?,
        ],
    )?))
}

/// Contracts with whichever of the history columns exist (they are recomputed).
async fn scan_contracts_for_history(
    ctx: &SessionContext,
    data: &Path,
) -> Result<Arc<dyn ExecutionPlan>, EngineError> {
    let loc = table_location(data, files::CONTRACTS)?;
    let df = ctx
        .read_parquet(
            std::path::absolute(&loc)
                .map_err(|e| EngineError::Io {
                    path: loc.clone(),
                    message: e.to_string(),
                })?
                .display()
                .to_string()
                + if loc.is_dir() { "/" } else { "" },
            ParquetReadOptions::default(),
        )
        .await?;
    let present: Vec<&str> = cc::ALL
        .iter()
        .copied()
        .filter(|c| df.schema().has_column_with_unqualified_name(c))
        .collect();
    Ok(df.select_columns(&present)?.create_physical_plan().await?)
}
