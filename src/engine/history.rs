//! The person-history pass over a (partitioned) dataset, for ingestion at national scale.
//!
//! The DSN reader rebuilds contracts per SIRET partition; a contract's history at hire
//! (months since the previous job, long sick leave, IAE or subsidised past, first job)
//! needs the person's whole career across establishments. [`derive_history`] is that
//! shuffle: contracts and stoppages repartitioned by person, then
//! [`crate::history::derive_history`] on each person's rows, the same function the
//! in-memory reader and the generator call.

use super::{arrow_io, plan, score::execute, EngineError, EngineOptions};
use crate::columns::files;
use crate::tables::{self, Format};
use futures::StreamExt;
use std::path::Path;

/// What the history pass wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryOutcome {
    /// Contracts written (every input contract, with its history columns).
    pub contracts: u64,
    /// Persons flagged BOETH (a BOETH code on any of their contracts).
    pub boeth_persons: u64,
}

/// Rows per output file of the contracts table.
const ROWS_PER_FILE: usize = 1 << 20;

/// Reads `contracts`, `persons` and `stoppages` of the dataset in `data` (either layout;
/// the contracts' history columns may be missing) and writes into `out` (which must
/// exist) `contracts/part-NNNNN.parquet` with every history column derived, and
/// `persons/part-NNNNN.parquet` with the BOETH flag derived from the contracts. Memory is
/// bounded by `opts` whatever the corpus size.
pub fn derive_history(
    data: &Path,
    out: &Path,
    opts: &EngineOptions,
) -> Result<HistoryOutcome, EngineError> {
    let rt = super::runtime()?;
    let (contracts, mut boeth) = rt.block_on(contracts_pass(data, out, opts))?;
    drop(rt);
    boeth.sort_unstable();
    boeth.dedup();
    write_persons(data, out, &boeth)?;
    Ok(HistoryOutcome {
        contracts,
        boeth_persons: boeth.len() as u64,
    })
}

async fn contracts_pass(
    data: &Path,
    out: &Path,
    opts: &EngineOptions,
) -> Result<(u64, Vec<u64>), EngineError> {
    let ctx = super::local_context(opts)?;
    let plan = plan::history_plan(&ctx, data, opts.partitions).await?;
    let mut stream = execute(plan, &ctx, opts).await?;
    let dir = out.join(files::CONTRACTS);
    std::fs::create_dir_all(&dir).map_err(|e| EngineError::Io {
        path: dir.clone(),
        message: e.to_string(),
    })?;
    let (mut buf, mut boeth, mut n, mut part) = (Vec::new(), Vec::new(), 0u64, 0usize);
    while let Some(batch) = stream.next().await {
        let rows = arrow_io::contracts(&batch?)?;
        boeth.extend(
            rows.iter()
                .filter(|c| c.boeth.is_some())
                .map(|c| c.person_id),
        );
        n += rows.len() as u64;
        buf.extend(rows);
        if buf.len() >= ROWS_PER_FILE {
            flush(&mut buf, &dir, &mut part)?;
        }
    }
    if !buf.is_empty() || part == 0 {
        flush(&mut buf, &dir, &mut part)?;
    }
    Ok((n, boeth))
}

/// Writes the buffered contracts as the next part file, in the tables' canonical order.
fn flush(
    buf: &mut Vec<crate::model::Contract>,
    dir: &Path,
    part: &mut usize,
) -> Result<(), EngineError> {
    buf.sort_unstable_by_key(|c| (c.siret, c.start, c.person_id, c.contract_id));
    let p = dir.join(format!("part-{part:05}.parquet"));
    tables::write_rows(buf, tables::contracts_df, &p, Format::Parquet)?;
    buf.clear();
    *part += 1;
    Ok(())
}

/// Rewrites the persons table with the derived BOETH flag.
fn write_persons(data: &Path, out: &Path, boeth: &[u64]) -> Result<(), EngineError> {
    let mut persons = tables::read_persons(data)?;
    for p in &mut persons {
        p.boeth = boeth.binary_search(&p.person_id).is_ok();
    }
    let dir = out.join(files::PERSONS);
    std::fs::create_dir_all(&dir).map_err(|e| EngineError::Io {
        path: dir.clone(),
        message: e.to_string(),
    })?;
    tables::write_rows(
        &persons,
        tables::persons_df,
        &dir.join("part-00000.parquet"),
        Format::Parquet,
    )?;
    Ok(())
}
