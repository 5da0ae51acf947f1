//! `engagement score --engine`: the out-of-core scoring of a dataset.
//!
//! 1. The indicator plan ([`super::plan::indicator_plan`]) runs on DataFusion, or on a
//!    Ballista cluster; its rows stream into a work folder partitioned by period.
//! 2. Each period is then read back (one period's rows, about 1.5 million nationally),
//!    scored with [`crate::score::score_rows`] exactly as the in-memory path scores it, and
//!    its tables are written to `<out>/<table>/period=<label>/part-00000.parquet`.
//! 3. Label changes follow from the previous period's labels; the published summary from
//!    the last period, the label counts of every period and the label transitions. `score_output.json.gz` holds the last
//!    period (what `list` and `feedback` read by default).

use super::{arrow_io, plan, EngineError, EngineOptions};
use crate::indicators::{self, IndicatorRow, Indicators, Period};
use crate::output::AtomicDir;
use crate::reference::Reference;
use crate::score::{
    self, io, summary, EstablishmentInfo, LabelChange, ScoreOutput, ScoreParams, ScoreRow,
};
use crate::tables::{self, Format};
use datafusion::arrow::array::{AsArray, BooleanArray};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::UInt32Type;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::physical_plan::{execute_stream, SendableRecordBatchStream};
use futures::StreamExt;
use polars::prelude::{DataFrame, PolarsResult};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What an engine scoring run did.
#[derive(Debug, Clone)]
pub struct EngineScore {
    pub periods: Vec<Period>,
    /// Indicator rows (establishment × period).
    pub indicator_rows: u64,
    pub summary: summary::ScoreSummary,
    /// Seconds in the two shuffles, and in the per-period scoring and writing.
    pub shuffle_seconds: f64,
    pub score_seconds: f64,
    /// How the per-period half splits.
    pub stages: PeriodStages,
}

/// Seconds of the per-period half, by stage, summed over periods.
#[derive(Debug, Clone, Copy, Default)]
pub struct PeriodStages {
    /// Reading a period's indicator rows back from the work folder.
    pub read: f64,
    /// Peers, scores, labels and label changes.
    pub score: f64,
    /// Writing the five per-period tables.
    pub write: f64,
    /// The last period's published files, full output and served feed.
    pub publish: f64,
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> EngineError {
    EngineError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Scores the dataset in `data` into `out`, written atomically when complete; an existing
/// non-empty `out` is replaced when `replace`, refused otherwise.
pub fn score_dataset(
    data: &Path,
    params: &ScoreParams,
    reference: &Reference,
    out: &Path,
    opts: &EngineOptions,
    replace: bool,
    provenance: (Option<String>, Option<String>),
) -> Result<EngineScore, EngineError> {
    let coverage = tables::read_coverage(data)?;
    let periods = indicators::periods(
        &coverage,
        params.window_months,
        params.step_months,
        params.min_history_months,
    )?;
    let dir = AtomicDir::create(out, replace).map_err(|e| io_err(out, e))?;
    let work = dir.path().join(".work");
    let t0 = Instant::now();
    let rt = super::runtime()?;
    let indicator_rows = rt.block_on(shuffles(data, &periods, params, opts, &work))?;
    drop(rt);
    let shuffle_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let infos = score::establishment_infos(&tables::read_establishments(data)?, reference);
    let target = Target {
        dir: dir.path(),
        reference,
        provenance,
    };
    let (summary, stages) = score_periods(&periods, params, infos, &work, target)?;
    std::fs::remove_dir_all(&work).map_err(|e| io_err(&work, e))?;
    dir.commit().map_err(|e| io_err(out, e))?;
    Ok(EngineScore {
        periods,
        indicator_rows,
        summary,
        shuffle_seconds,
        score_seconds: t1.elapsed().as_secs_f64(),
        stages,
    })
}

/// Runs the indicator plan and writes its rows to `work/period=<index>/`.
async fn shuffles(
    data: &Path,
    periods: &[Period],
    params: &ScoreParams,
    opts: &EngineOptions,
    work: &Path,
) -> Result<u64, EngineError> {
    let ctx = super::local_context(opts)?;
    let plan =
        plan::indicator_plan(&ctx, data, periods, params.window_months, opts.partitions).await?;
    let mut stream = execute(plan, &ctx, opts).await?;
    let mut writer = PeriodWriter::new(work, periods.len());
    while let Some(batch) = stream.next().await {
        writer.write(&batch?)?;
    }
    writer.finish()
}

/// Executes a plan in this process, or on the cluster of `opts`.
pub async fn execute(
    plan: std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>,
    ctx: &datafusion::prelude::SessionContext,
    opts: &EngineOptions,
) -> Result<SendableRecordBatchStream, EngineError> {
    match &opts.cluster {
        None => Ok(execute_stream(plan, ctx.task_ctx())?),
        #[cfg(feature = "cluster")]
        Some(addr) => super::cluster::execute(plan, addr, opts).await,
        #[cfg(not(feature = "cluster"))]
        Some(_) => Err(EngineError::NoClusterSupport),
    }
}

/// Routes indicator rows to one Parquet file per period.
struct PeriodWriter {
    dir: PathBuf,
    writers: Vec<Option<ArrowWriter<std::fs::File>>>,
    rows: u64,
}

impl PeriodWriter {
    fn new(dir: &Path, periods: usize) -> Self {
        PeriodWriter {
            dir: dir.to_path_buf(),
            writers: (0..periods).map(|_| None).collect(),
            rows: 0,
        }
    }

    fn writer(&mut self, p: usize) -> Result<&mut ArrowWriter<std::fs::File>, EngineError> {
        if self.writers[p].is_none() {
            let d = self.dir.join(format!("period={p:03}"));
            std::fs::create_dir_all(&d).map_err(|e| io_err(&d, e))?;
            let path = d.join("part-00000.parquet");
            let f = std::fs::File::create(&path).map_err(|e| io_err(&path, e))?;
            // Small row groups: one open writer per period must not buffer much.
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(32 * 1024))
                .build();
            let w = ArrowWriter::try_new(f, arrow_io::indicator_schema(), Some(props))
                .map_err(|e| io_err(&path, e))?;
            self.writers[p] = Some(w);
        }
        Ok(self.writers[p].as_mut().expect("created above"))
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<(), EngineError> {
        let period = batch.column(1).as_primitive::<UInt32Type>().clone();
        let mut present: Vec<u32> = period.values().to_vec();
        present.sort_unstable();
        present.dedup();
        for p in present {
            if p as usize >= self.writers.len() {
                return Err(io_err(
                    &self.dir,
                    format!("indicator row for unknown period {p}"),
                ));
            }
            let mask: BooleanArray = period.iter().map(|v| Some(v == Some(p))).collect();
            let part = filter_record_batch(batch, &mask).map_err(|e| io_err(&self.dir, e))?;
            let dir = self.dir.clone();
            self.writer(p as usize)?
                .write(&part)
                .map_err(|e| io_err(&dir, e))?;
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    fn finish(self) -> Result<u64, EngineError> {
        for w in self.writers.into_iter().flatten() {
            w.close().map_err(|e| io_err(&self.dir, e))?;
        }
        Ok(self.rows)
    }
}

/// The indicator rows of period `p`, sorted by SIRET.
fn read_period(work: &Path, p: usize) -> Result<Vec<IndicatorRow>, EngineError> {
    let path = work
        .join(format!("period={p:03}"))
        .join("part-00000.parquet");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let f = std::fs::File::open(&path).map_err(|e| io_err(&path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.build())
        .map_err(|e| io_err(&path, e))?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| io_err(&path, e))?;
        rows.extend(arrow_io::indicators(&batch)?);
    }
    rows.sort_unstable_by_key(|r| r.siret);
    Ok(rows)
}

/// The file of table `stem` for period `label`: `<out>/<stem>/period=<label>/part-00000.parquet`.
fn part_path(out: &Path, stem: &str, label: &str) -> Result<PathBuf, EngineError> {
    let d = out.join(stem).join(format!("period={label}"));
    std::fs::create_dir_all(&d).map_err(|e| io_err(&d, e))?;
    Ok(d.join("part-00000.parquet"))
}

/// Writes one small table of a period whole.
fn write_part(
    out: &Path,
    stem: &str,
    label: &str,
    build: impl FnOnce() -> PolarsResult<DataFrame>,
) -> Result<(), EngineError> {
    let path = part_path(out, stem, label)?;
    let mut df = build().map_err(|e| io_err(&path, e))?;
    tables::write_df(&mut df, &path, Format::Parquet)?;
    Ok(())
}

/// Establishments per batch of the indicator and score tables: a national period's table
/// is never built whole.
const ROW_BATCH: usize = 1 << 18;
/// Establishments per batch of the explanations, each giving one row per criterion.
const EXPLAIN_BATCH: usize = 1 << 15;

/// Writes one period's five tables, the large ones in batches; the explanations, the
/// largest, beside the other four.
fn write_period(out: &Path, l: &str, part: &ScoreOutput) -> Result<(), EngineError> {
    let explained: Vec<usize> = (0..part.scores.len())
        .filter(|&i| part.scores[i].composite.is_some())
        .collect();
    let explain = |idx: &[usize]| {
        let rows: Vec<_> = idx.iter().flat_map(|&i| part.explain(i)).collect();
        io::explanation_rows_df(&rows)
    };
    let (explanations, rest) = std::thread::scope(|s| {
        let e = s.spawn(|| {
            let path = part_path(out, "explanations", l)?;
            tables::write_rows_in(&explained, EXPLAIN_BATCH, explain, &path, Format::Parquet)?;
            Ok::<_, EngineError>(())
        });
        let rest = (|| {
            let path = part_path(out, "indicators", l)?;
            let rows = &part.indicators.rows;
            let build = |r: &[IndicatorRow]| io::indicator_rows_df(part, r);
            tables::write_rows_in(rows, ROW_BATCH, build, &path, Format::Parquet)?;
            let path = part_path(out, "scores", l)?;
            let build = |r: &[ScoreRow]| io::score_rows_df(part, r);
            tables::write_rows_in(&part.scores, ROW_BATCH, build, &path, Format::Parquet)?;
            write_part(out, "label_changes", l, || io::label_changes_df(part))?;
            write_part(out, "peer_groups", l, || io::peer_groups_df(part))
        })();
        (e.join(), rest)
    });
    rest?;
    explanations.unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// Where [`score_periods`] writes: the output folder, and what its served feed needs.
struct Target<'a> {
    dir: &'a Path,
    reference: &'a Reference,
    /// Experiment hash and data fingerprint, as `feed.json` gives them.
    provenance: (Option<String>, Option<String>),
}

/// Scores every period in turn and writes its tables; returns the summary and the time
/// each stage took.
fn score_periods(
    periods: &[Period],
    params: &ScoreParams,
    infos: Vec<EstablishmentInfo>,
    work: &Path,
    target: Target,
) -> Result<(summary::ScoreSummary, PeriodStages), EngineError> {
    let out = target.dir;
    let mut stages = PeriodStages::default();
    let mut past = LabelHistory::new(&infos, periods.len());
    let mut counts = summary::RunCounts::new(periods.len());
    let mut last: Option<ScoreOutput> = None;
    for (p, period) in periods.iter().enumerate() {
        // One national period in memory at a time.
        drop(last.take());
        let t = Instant::now();
        let ind = Indicators {
            periods: periods.to_vec(),
            window_months: params.window_months,
            rows: read_period(work, p)?,
        };
        stages.read += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let (peer_groups, scores) = score::score_rows(&ind, &infos, params);
        let changes = label_changes(&scores, periods, &mut past);
        counts.add_scores(&scores);
        counts.add_changes(&changes);
        let part = ScoreOutput {
            params: params.clone(),
            establishments: Vec::new(),
            indicators: ind,
            peer_groups,
            scores,
            label_changes: changes,
            summary: summary::ScoreSummary::default(),
        };
        stages.score += t.elapsed().as_secs_f64();
        let t = Instant::now();
        write_period(out, &period.label, &part)?;
        stages.write += t.elapsed().as_secs_f64();
        last = Some(part);
    }
    let t = Instant::now();
    let Some(last) = last else {
        return Ok((summary::ScoreSummary::default(), stages));
    };
    let s = publish(last, infos, &counts, &past, &target)?;
    stages.publish = t.elapsed().as_secs_f64();
    Ok((s, stages))
}

/// Writes the last period's published files, research notes, full output and served feed.
fn publish(
    mut last: ScoreOutput,
    infos: Vec<EstablishmentInfo>,
    counts: &summary::RunCounts,
    past: &LabelHistory,
    target: &Target,
) -> Result<summary::ScoreSummary, EngineError> {
    let out = target.dir;
    let s = summary::summarise_counts(&last.scores, &last.indicators, &infos, counts);
    last.summary = s.clone();
    last.establishments = infos;
    last.label_changes.clear();
    let label_row = |siret: u64, q: u32| past.get(siret, q);
    // The full output, a long serialisation, beside the rest.
    let (full, rest) = std::thread::scope(|sc| {
        let full = sc.spawn(|| io::write_full_output(&last, out));
        let rest = (|| -> Result<(), EngineError> {
            io::write_published(&last, out)?;
            io::write_research_notes(&last, out)?;
            let prov = target.provenance.clone();
            crate::feed::write_run_feed_with(&last, &label_row, out, prov, target.reference)?;
            Ok(())
        })();
        (full.join(), rest)
    });
    rest?;
    full.unwrap_or_else(|p| std::panic::resume_unwind(p))?;
    Ok(s)
}

/// Each establishment's label, period after period: the history and trend of the served
/// feed (the output keeps only the last period's scores). One byte per establishment and
/// period, so that it stays small nationally.
struct LabelHistory {
    /// The establishments' SIRETs, sorted.
    sirets: Vec<u64>,
    periods: usize,
    /// `NO_ROW`, `NO_LABEL` or the label, by establishment then period.
    cells: Vec<u8>,
    /// Rows of SIRETs missing from the establishments table.
    others: HashMap<(u64, u32), Option<u8>>,
}

const NO_ROW: u8 = u8::MAX;
const NO_LABEL: u8 = u8::MAX - 1;

impl LabelHistory {
    fn new(infos: &[EstablishmentInfo], periods: usize) -> Self {
        let sirets: Vec<u64> = infos.iter().map(|e| e.siret).collect();
        debug_assert!(sirets.windows(2).all(|w| w[0] <= w[1]));
        LabelHistory {
            cells: vec![NO_ROW; sirets.len() * periods],
            sirets,
            periods,
            others: HashMap::new(),
        }
    }

    fn cell(&self, siret: u64, p: u32) -> Option<usize> {
        let i = self.sirets.binary_search(&siret).ok()?;
        ((p as usize) < self.periods).then(|| i * self.periods + p as usize)
    }

    fn record(&mut self, siret: u64, p: u32, label: Option<u8>) {
        match (self.cell(siret, p), label) {
            (Some(c), Some(l)) if l < NO_LABEL => self.cells[c] = l,
            (Some(c), None) => self.cells[c] = NO_LABEL,
            _ => {
                self.others.insert((siret, p), label);
            }
        }
    }

    /// The establishment's last row before period `p`: (period, label).
    fn previous(&self, siret: u64, p: u32) -> Option<(u32, Option<u8>)> {
        let Ok(i) = self.sirets.binary_search(&siret) else {
            return (0..p)
                .rev()
                .find_map(|q| self.others.get(&(siret, q)).map(|&l| (q, l)));
        };
        let row = &self.cells[i * self.periods..][..(p as usize).min(self.periods)];
        let q = row.iter().rposition(|&c| c != NO_ROW)?;
        decode(row[q]).map(|l| (q as u32, l))
    }

    fn get(&self, siret: u64, p: u32) -> Option<Option<u8>> {
        match self.cell(siret, p) {
            Some(c) => decode(self.cells[c]),
            None => self.others.get(&(siret, p)).copied(),
        }
    }
}

/// A [`LabelHistory`] cell: `None` without a row, else the row's label.
fn decode(cell: u8) -> Option<Option<u8>> {
    match cell {
        NO_ROW => None,
        NO_LABEL => Some(None),
        l => Some(Some(l)),
    }
}

/// Label changes into one period's rows (sorted by SIRET), from each SIRET's previous row;
/// the same rule as [`score::label_changes`] on the whole table.
/// Each row is then recorded in `past`.
fn label_changes(
    scores: &[ScoreRow],
    periods: &[Period],
    past: &mut LabelHistory,
) -> Vec<LabelChange> {
    let mut out = Vec::new();
    for b in scores {
        if let Some(p) = past.previous(b.siret, b.period) {
            out.extend(score::label_change(p, b, periods));
        }
        past.record(b.siret, b.period, b.label);
    }
    out
}
