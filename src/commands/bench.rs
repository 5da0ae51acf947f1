//! `engagement bench`: benchmarks at scale tiers, outside the test gate.
//!
//! Each tier runs in a child process (`--single`), so that peak memory (VmHWM) is the
//! tier's own. Figures print as a table and are written to `reports/bench/<target>.json`.
//! Build with `--release` for meaningful numbers.

use crate::config::Experiment;
use crate::reference::Reference;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// What to benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Generator end to end to Parquet (tiers = establishments).
    Generate,
    /// Ingest of a generated DSN corpus, as `engagement ingest` runs it (tiers =
    /// establishments, `--years` declared years, default 1 = 12 months; default tiers
    /// 5000,50000). The corpus is written by one process and read by another, so the peak
    /// memory is the reader's own; `--corpus DIR` reads an existing corpus instead.
    Ingest,
    /// Indicators, scores and labels on a lean corpus (tiers = establishments, `--years`
    /// scored years, default 5; default tiers 50000,200000).
    Score,
    /// The same, out of core: the lean corpus is written to disk in chunks, then scored by
    /// the engine path within `--memory-limit` (tiers = establishments; default tiers
    /// 200000,1500000; needs the `engine` feature).
    #[serde(rename = "score-engine")]
    ScoreEngine,
    /// TWFE, event study and unconditional Callaway–Sant'Anna (tiers = units, `--periods`
    /// periods, default 20; default tier 100000).
    Estimate,
    /// Kaplan–Meier, log-rank and Cox with 3 covariates (tiers = persons; default 1000000).
    Retention,
    /// `serve` on a synthetic feed: start-up of a fresh `engagement serve` process (launch to
    /// listening: reference tables, prebuilt index mapped and checked; median of 5), the same
    /// with the index built from the feed instead, then latency of `employers?zone=…` with 50
    /// concurrent clients (tiers = establishments; default 1500000, the national order of
    /// magnitude).
    Serve,
}

impl Target {
    /// Tiers run when `--tiers` is not given.
    pub fn default_tiers(self) -> Vec<u32> {
        match self {
            Target::Generate => vec![5_000, 50_000, 200_000],
            Target::Ingest => vec![5_000, 50_000],
            Target::Score => vec![50_000, 200_000],
            Target::ScoreEngine => vec![200_000, 1_500_000],
            Target::Estimate => vec![100_000],
            Target::Retention => vec![1_000_000],
            Target::Serve => vec![1_500_000],
        }
    }

    /// Years simulated when `--years` is not given (generator-based targets).
    pub fn default_years(self) -> u32 {
        match self {
            Target::Ingest => 1,
            _ => 5,
        }
    }

    /// What a tier and an item count.
    pub fn units(self) -> (&'static str, &'static str) {
        match self {
            Target::Generate => ("establishments", "contracts"),
            Target::Ingest => ("establishments", "declarations"),
            Target::Score | Target::ScoreEngine => ("establishments", "contracts"),
            Target::Estimate => ("units", "panel rows"),
            Target::Retention => ("persons", "persons"),
            Target::Serve => ("establishments", "records"),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[arg(value_enum)]
    pub target: Target,
    /// Scale tiers (establishments, units or persons depending on the target; default per
    /// target, see `Target`).
    #[arg(long, value_delimiter = ',')]
    pub tiers: Vec<u32>,
    /// Years simulated (generate, ingest, score; default 5, ingest 1).
    #[arg(long)]
    pub years: Option<u32>,
    /// Periods of the estimate panel (default 20).
    #[arg(long, default_value_t = 20)]
    pub periods: u32,
    /// Seed of the benchmark data (default: the experiment's seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Experiment providing the other parameters.
    #[arg(long, default_value = "experiments/baseline.toml")]
    pub experiment: PathBuf,
    /// Where to write the JSON figures.
    #[arg(long, default_value = "reports/bench")]
    pub out: PathBuf,
    /// Ingest: read this existing DSN corpus (kept) instead of generating one per tier.
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Ingest: keep the generated corpus (printed path) instead of deleting it.
    #[arg(long)]
    pub keep_corpus: bool,
    /// Ingest: where generated corpora go (default: the system temporary directory).
    #[arg(long)]
    pub scratch: Option<PathBuf>,
    /// Ingest: SIRET partitions of the declaration facts.
    #[arg(long, default_value_t = crate::dsn::store::DEFAULT_PARTITIONS)]
    pub partitions: u32,
    /// Write each tier's data as CSV here (estimate: the panel; retention: the person table),
    /// for timing the reference tools on the same rows (`tests/reference/*/time_*.py`). With
    /// several tiers the tier is appended to the file name.
    #[arg(long)]
    pub dump_csv: Option<PathBuf>,
    /// Memory budget of the out-of-core targets.
    #[arg(long, default_value = "4GiB")]
    pub memory_limit: String,
    /// Internal: run one tier in this process and print its figures as JSON.
    #[arg(long, hide = true)]
    pub single: Option<u32>,
    /// Internal (ingest): the phase a child runs, on `--corpus`.
    #[arg(long, hide = true, value_enum)]
    pub phase: Option<Phase>,
}

/// The two processes of an ingest tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Phase {
    /// Generate the dataset and write it as DSN files.
    Write,
    /// Read the DSN files into tables, as `ingest` does.
    Read,
}

/// Figures of one tier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TierFigures {
    pub target: Target,
    pub tier: u32,
    /// Wall time of the measured work, in seconds (ingest: read; estimate: TWFE + event
    /// study + CS; retention: KM + log-rank + Cox; data building excluded except generate).
    pub seconds: f64,
    /// Peak resident memory of the process, in MiB.
    pub peak_mib: f64,
    /// Work items: contracts (generate, score), declarations read (ingest), panel rows
    /// (estimate), persons (retention).
    pub items: u64,
    /// Items per second of the measured work.
    pub items_per_second: f64,
    /// Extra figures, by name.
    pub extra: std::collections::BTreeMap<String, f64>,
}

/// Peak resident set size of this process (Linux `VmHWM`), in MiB.
pub fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn figures(
    target: Target,
    tier: u32,
    seconds: f64,
    items: u64,
    extra: std::collections::BTreeMap<String, f64>,
) -> TierFigures {
    TierFigures {
        target,
        tier,
        seconds,
        peak_mib: peak_mib(),
        items,
        items_per_second: items as f64 / seconds.max(1e-9),
        extra,
    }
}

fn single(args: &BenchArgs, tier: u32) -> anyhow::Result<TierFigures> {
    let reference = Reference::load();
    let mut exp = Experiment::from_file(&args.experiment, &reference)
        .with_context(|| format!("experiment {}", args.experiment.display()))?;
    let seed = args.seed.unwrap_or(exp.seed);
    let years = args.years.unwrap_or(args.target.default_years());
    let mut extra = std::collections::BTreeMap::new();
    match args.target {
        Target::Ingest => {
            let dir = args
                .corpus
                .as_deref()
                .context("internal: ingest phase without --corpus")?;
            match args.phase {
                Some(Phase::Write) => {
                    exp.generator.establishments = tier;
                    exp.generator.years = years;
                    exp.seed = seed;
                    ingest_write(&exp, &reference, years, dir, tier)
                }
                _ => ingest_read(dir, tier, args.partitions),
            }
        }
        Target::Score => {
            let r = crate::score::bench::run(u64::from(tier), years, seed)?;
            for (k, v) in [
                ("years", f64::from(r.years)),
                ("periods", r.periods as f64),
                ("score_rows", r.rows as f64),
                ("corpus_seconds", r.seconds_generate),
                ("contracts_per_second", r.contracts_per_second),
            ] {
                extra.insert(k.to_string(), v);
            }
            Ok(figures(
                args.target,
                tier,
                r.seconds_score,
                r.contracts,
                extra,
            ))
        }
        Target::ScoreEngine => score_engine_tier(args, tier, years, seed),
        Target::Estimate => {
            let r = crate::estimate::bench::run(tier as usize, args.periods as usize, seed)?;
            let seconds = r.twfe_secs + r.event_study_secs + r.cs_secs;
            for (k, v) in [
                ("periods", r.periods as f64),
                ("panel_seconds", r.panel_secs),
                ("twfe_seconds", r.twfe_secs),
                ("event_study_seconds", r.event_study_secs),
                ("cs_seconds", r.cs_secs),
                ("cs_cells", r.cs_cells as f64),
                ("bootstrap_999_seconds", r.bootstrap_secs),
                ("twfe_att", r.twfe_att),
                ("cs_simple_att", r.cs_simple_att),
            ] {
                extra.insert(k.to_string(), v);
            }
            Ok(figures(args.target, tier, seconds, r.rows as u64, extra))
        }
        Target::Retention => {
            let r = crate::retention::bench::run(tier as usize, seed)?;
            let seconds = r.km_seconds + r.logrank_seconds + r.cox_seconds;
            for (k, v) in [
                ("events", r.events as f64),
                ("km_seconds", r.km_seconds),
                ("logrank_seconds", r.logrank_seconds),
                ("cox_seconds", r.cox_seconds),
                ("cox_iterations", r.cox_iterations as f64),
                ("logrank_statistic", r.logrank_statistic),
            ] {
                extra.insert(k.to_string(), v);
            }
            for (i, c) in r.cox_coefficients.iter().enumerate() {
                extra.insert(format!("cox_coefficient_{i}"), *c);
            }
            Ok(figures(args.target, tier, seconds, r.n as u64, extra))
        }
        Target::Serve => serve_tier(args, tier, seed),
        Target::Generate => {
            exp.generator.establishments = tier;
            exp.generator.years = years;
            let tmp = std::env::temp_dir().join(format!("engagement-bench-{}", std::process::id()));
            std::fs::create_dir_all(&tmp)?;
            let t = Instant::now();
            let s = crate::synth::generate(&exp, &reference, false)?;
            let t_gen = t.elapsed().as_secs_f64();
            crate::tables::write_dataset(&s.dataset, &tmp, crate::tables::Format::Parquet)?;
            let seconds = t.elapsed().as_secs_f64();
            std::fs::remove_dir_all(&tmp)?;
            let items = s.dataset.contracts.len() as u64;
            extra.insert("simulation_seconds".into(), t_gen);
            extra.insert("persons".into(), s.dataset.persons.len() as f64);
            extra.insert("stoppages".into(), s.dataset.stoppages.len() as f64);
            Ok(figures(args.target, tier, seconds, items, extra))
        }
    }
}

/// A serve tier: the figures of [`crate::serve::bench::run`]; seconds = start-up.
#[cfg(feature = "serve")]
fn serve_tier(args: &BenchArgs, tier: u32, seed: u64) -> anyhow::Result<TierFigures> {
    let tmp = tempfile::tempdir().context("temporary scores folder")?;
    let r = crate::serve::bench::run(tier as usize, 50, 40, seed, tmp.path())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Several launches, as hyperfine would: one start-up depends on what the machine did just
    // before (memory another process has just given back is slower to touch again).
    let starts = launches(tmp.path(), seed)?;
    let fresh = &starts[SERVE_LAUNCHES / 2];
    // The same feed without its prebuilt index: the start-up when the index is built from
    // the feed's columns (a feed written by another tool, or an index of another build).
    let bare = tempfile::tempdir().context("temporary scores folder")?;
    for name in [crate::feed::FEED_FILE, crate::feed::META_FILE] {
        std::fs::copy(tmp.path().join(name), bare.path().join(name))?;
    }
    let built = launches(bare.path(), seed)?;
    let mut extra = std::collections::BTreeMap::new();
    for (k, v) in [
        ("feed_write_seconds", r.write_seconds),
        ("startup_seconds", fresh.seconds),
        ("startup_min_seconds", starts[0].seconds),
        ("startup_max_seconds", starts[SERVE_LAUNCHES - 1].seconds),
        ("startup_cpu_seconds", fresh.cpu_seconds),
        ("startup_peak_mib", fresh.peak_bytes as f64 / 1048576.0),
        (
            "startup_from_feed_seconds",
            built[SERVE_LAUNCHES / 2].seconds,
        ),
        ("startup_from_feed_min_seconds", built[0].seconds),
        (
            "startup_from_feed_max_seconds",
            built[SERVE_LAUNCHES - 1].seconds,
        ),
        (
            "startup_from_feed_cpu_seconds",
            built[SERVE_LAUNCHES / 2].cpu_seconds,
        ),
        ("startup_in_process_seconds", r.startup_seconds),
        ("startup_in_process_cpu_seconds", r.startup_cpu_seconds),
        ("warm_seconds", r.warm_seconds),
        ("requests", r.requests as f64),
        ("clients", r.clients as f64),
        ("p50_ms", r.p50_ms),
        ("p95_ms", r.p95_ms),
        ("p99_ms", r.p99_ms),
    ] {
        extra.insert(k.to_string(), v);
    }
    let _ = args;
    // Seconds are the start-up, so the throughput column is records loaded per second.
    Ok(figures(
        Target::Serve,
        tier,
        fresh.seconds,
        r.records as u64,
        extra,
    ))
}

/// [`SERVE_LAUNCHES`] fresh start-ups on the scores folder `dir`, fastest first.
#[cfg(feature = "serve")]
fn launches(dir: &std::path::Path, seed: u64) -> anyhow::Result<Vec<FreshStart>> {
    let mut starts = (0..SERVE_LAUNCHES)
        .map(|_| fresh_serve_start(dir, seed))
        .collect::<anyhow::Result<Vec<_>>>()?;
    starts.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    Ok(starts)
}

/// Launches of a fresh `engagement serve` per serve tier; the median is reported.
#[cfg(feature = "serve")]
const SERVE_LAUNCHES: usize = 5;

/// A fresh `engagement serve` process's start-up.
#[cfg(feature = "serve")]
struct FreshStart {
    seconds: f64,
    cpu_seconds: f64,
    peak_bytes: u64,
}

/// Launches `engagement serve` on the feed in `dir` as a deployment would, and times it from
/// launch to listening (process start, reference tables, index mapped or built); the process
/// is then stopped. Its CPU and peak memory are read once it has been waited for.
#[cfg(feature = "serve")]
fn fresh_serve_start(dir: &std::path::Path, seed: u64) -> anyhow::Result<FreshStart> {
    use std::io::BufRead;
    let before = crate::serve::bench::rusage_cpu_seconds(libc::RUSAGE_CHILDREN).0;
    let t = std::time::Instant::now();
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args([
            "serve",
            "-q",
            "--addr",
            "127.0.0.1:0",
            "--seed",
            &seed.to_string(),
        ])
        .arg("--scores")
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("starting engagement serve")?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufReader::new(out).read_line(&mut line)?;
    }
    let seconds = t.elapsed().as_secs_f64();
    let _ = child.kill();
    let out = child.wait_with_output()?;
    if !line.starts_with("listening on ") {
        anyhow::bail!(
            "engagement serve did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The children's peak is the largest of all launches so far: a peak, not this launch's.
    let (after, peak_bytes) = crate::serve::bench::rusage_cpu_seconds(libc::RUSAGE_CHILDREN);
    Ok(FreshStart {
        seconds,
        cpu_seconds: after - before,
        peak_bytes,
    })
}

#[cfg(not(feature = "serve"))]
fn serve_tier(_: &BenchArgs, _: u32, _: u64) -> anyhow::Result<TierFigures> {
    anyhow::bail!("this build has no server: rebuild with the `serve` feature")
}

/// Ingest tier, first process: the generated dataset written as monthly DSN files.
fn ingest_write(
    exp: &Experiment,
    reference: &Reference,
    years: u32,
    dir: &std::path::Path,
    tier: u32,
) -> anyhow::Result<TierFigures> {
    let mut s = crate::synth::generate(exp, reference, false)?;
    // Declare only the observed years (12 months per year), not the burn-in.
    let cov = &mut s.dataset.coverage;
    cov.start = cov.end.add_days(1).add_months(-12 * years as i32);
    std::fs::create_dir_all(dir)?;
    let t = Instant::now();
    let months = (cov.end.month_index() - cov.start.month_index() + 1) as f64;
    let w = crate::dsn::write_dataset(&s.dataset, dir, &Default::default())?;
    let seconds = t.elapsed().as_secs_f64();
    let mut extra = std::collections::BTreeMap::new();
    for (k, v) in [
        ("months", months),
        ("contracts", s.dataset.contracts.len() as f64),
        ("files", w.files as f64),
        ("bytes", w.bytes as f64),
        ("write_mb_per_s", w.bytes as f64 / 1e6 / seconds.max(1e-9)),
    ] {
        extra.insert(k.to_string(), v);
    }
    Ok(figures(
        Target::Ingest,
        tier,
        seconds,
        w.declarations,
        extra,
    ))
}

/// Ingest tier, second process: the corpus read into tables written as Parquet.
fn ingest_read(dir: &std::path::Path, tier: u32, partitions: u32) -> anyhow::Result<TierFigures> {
    let work = dir.with_extension(format!("read-{}", std::process::id()));
    let t = Instant::now();
    let (ing, f) = match crate::dsn::bench::read_corpus(dir, &work, partitions) {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&work);
            return Err(e.into());
        }
    };
    let t_tables = Instant::now();
    let written = crate::tables::write_dataset(&ing.dataset, &work, crate::tables::Format::Parquet);
    let tables_seconds = t_tables.elapsed().as_secs_f64();
    let seconds = t.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&work)?;
    written?;
    if !f.consistent {
        anyhow::bail!("tier {tier}: the DSN read-back does not reconcile or has rejects");
    }
    let mut extra = std::collections::BTreeMap::new();
    let mb_s = f.bytes as f64 / 1e6 / seconds.max(1e-9);
    for (k, v) in [
        ("files", f.files as f64),
        ("bytes", f.bytes as f64),
        ("parse_seconds", f.parse_seconds),
        ("rebuild_seconds", f.rebuild_seconds),
        ("tables_seconds", tables_seconds),
        ("read_mb_per_s", mb_s),
        ("read_mb_per_s_per_core", mb_s / f.threads.max(1) as f64),
        (
            "parse_mb_per_s_per_core",
            f.bytes as f64 / 1e6 / f.parse_seconds.max(1e-9) / f.threads.max(1) as f64,
        ),
        ("threads", f.threads as f64),
        ("partitions", f64::from(f.partitions)),
        ("contracts_out", ing.report.contracts as f64),
        ("persons_out", ing.report.persons as f64),
    ] {
        extra.insert(k.to_string(), v);
    }
    Ok(figures(
        Target::Ingest,
        tier,
        seconds,
        f.declarations_read,
        extra,
    ))
}

/// Establishments per chunk when the out-of-core corpus is written.
#[cfg(feature = "engine")]
const CHUNK: u64 = 20_000;

/// Writes the lean score corpus to `dir` chunk by chunk (never whole in memory); returns
/// the number of contracts.
#[cfg(feature = "engine")]
fn write_lean_corpus(dir: &std::path::Path, n: u64, years: u32, seed: u64) -> anyhow::Result<u64> {
    use crate::columns::files;
    use crate::tables::{self, Format};
    let mut contracts = 0u64;
    let mut result: anyhow::Result<()> = Ok(());
    let mut k = 0usize;
    crate::score::bench::corpus_chunks(n, years, seed, CHUNK, |mut c| {
        if result.is_err() {
            return;
        }
        c.sort();
        contracts += c.contracts.len() as u64;
        let value = format!("{k:05}");
        let w = |stem: &str| -> anyhow::Result<std::path::PathBuf> {
            let d = tables::partition_dir(dir, stem, &value);
            std::fs::create_dir_all(&d)?;
            Ok(d.join("part-00000.parquet"))
        };
        result = (|| {
            tables::write_rows(
                &c.establishments,
                tables::establishments_df,
                &w(files::ESTABLISHMENTS)?,
                Format::Parquet,
            )?;
            tables::write_rows(
                &c.persons,
                tables::persons_df,
                &w(files::PERSONS)?,
                Format::Parquet,
            )?;
            tables::write_rows(
                &c.contracts,
                tables::contracts_df,
                &w(files::CONTRACTS)?,
                Format::Parquet,
            )?;
            tables::write_rows(
                &c.stoppages,
                tables::stoppages_df,
                &w(files::STOPPAGES)?,
                Format::Parquet,
            )?;
            if k == 0 {
                let cov = serde_json::to_string_pretty(&c.coverage)?;
                tables::write_text(&dir.join(files::COVERAGE), &cov)?;
            }
            Ok(())
        })();
        k += 1;
    });
    result?;
    Ok(contracts)
}

/// Bytes of the files under `dir`.
#[cfg(feature = "engine")]
fn dir_bytes(dir: &std::path::Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                dir_bytes(&p)
            } else {
                e.metadata().map_or(0, |m| m.len())
            }
        })
        .sum()
}

#[cfg(feature = "engine")]
fn score_engine_tier(
    args: &BenchArgs,
    tier: u32,
    years: u32,
    seed: u64,
) -> anyhow::Result<TierFigures> {
    let tmp = std::env::temp_dir().join(format!("engagement-bench-engine-{}", std::process::id()));
    let data = tmp.join("data");
    std::fs::create_dir_all(&data)?;
    let t0 = Instant::now();
    let contracts = write_lean_corpus(&data, u64::from(tier), years, seed);
    let corpus_seconds = t0.elapsed().as_secs_f64();
    let mut opts =
        crate::engine::EngineOptions::new(crate::engine::parse_memory_size(&args.memory_limit)?);
    opts.spill_dir = Some(tmp.join("spill"));
    std::fs::create_dir_all(tmp.join("spill"))?;
    let reference = Reference::load();
    // Score only a written corpus; its own error is the one reported below.
    let r = contracts
        .as_ref()
        .map_err(|_| anyhow::anyhow!("no corpus to score"))
        .and_then(|_| {
            Ok(crate::engine::score::score_dataset(
                &data,
                &crate::score::ScoreParams::default(),
                &reference,
                &tmp.join("out"),
                &opts,
                false,
                (None, None),
            )?)
        });
    let disk = dir_bytes(&tmp);
    std::fs::remove_dir_all(&tmp)?;
    let (contracts, r) = (contracts?, r?);
    let seconds = r.shuffle_seconds + r.score_seconds;
    let mut extra = std::collections::BTreeMap::new();
    for (k, v) in [
        ("years", f64::from(years)),
        ("periods", r.periods.len() as f64),
        ("indicator_rows", r.indicator_rows as f64),
        ("corpus_seconds", corpus_seconds),
        ("shuffle_seconds", r.shuffle_seconds),
        ("score_seconds", r.score_seconds),
        ("period_read_seconds", r.stages.read),
        ("period_score_seconds", r.stages.score),
        ("period_write_seconds", r.stages.write),
        ("publish_seconds", r.stages.publish),
        ("memory_limit_mib", opts.memory_limit as f64 / 1048576.0),
        ("disk_mib", disk as f64 / 1048576.0),
        ("ns_per_contract", seconds * 1e9 / contracts.max(1) as f64),
    ] {
        extra.insert(k.to_string(), v);
    }
    Ok(figures(args.target, tier, seconds, contracts, extra))
}

#[cfg(not(feature = "engine"))]
fn score_engine_tier(_: &BenchArgs, _: u32, _: u32, _: u64) -> anyhow::Result<TierFigures> {
    anyhow::bail!("bench score-engine needs a build with `--features engine`")
}

/// Runs one tier in a child process and reads its figures.
fn child(args: &BenchArgs, tier: u32, extra: &[std::ffi::OsString]) -> anyhow::Result<TierFigures> {
    let exe = std::env::current_exe()?;
    let years = args.years.unwrap_or(args.target.default_years());
    let target = serde_json::to_value(args.target)?;
    let mut cmd = std::process::Command::new(&exe);
    cmd.arg("bench")
        .arg(target.as_str().unwrap_or("generate"))
        .args([
            "--single",
            &tier.to_string(),
            "--years",
            &years.to_string(),
            "--periods",
            &args.periods.to_string(),
            "--partitions",
            &args.partitions.to_string(),
            "--memory-limit",
            &args.memory_limit,
        ])
        .arg("--experiment")
        .arg(&args.experiment)
        .args(extra);
    if let Some(seed) = args.seed {
        cmd.args(["--seed", &seed.to_string()]);
    }
    let out = cmd.output()?;
    if !out.status.success() {
        anyhow::bail!(
            "tier {tier} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// An ingest tier: write the corpus in one process (unless `--corpus`), read it in another.
fn ingest_tier(args: &BenchArgs, tier: u32, quiet: bool) -> anyhow::Result<TierFigures> {
    let scratch = args.scratch.clone().unwrap_or_else(std::env::temp_dir);
    let corpus = args.corpus.clone().unwrap_or_else(|| {
        scratch.join(format!(
            "engagement-bench-corpus-{}-{tier}",
            std::process::id()
        ))
    });
    let with = |phase: &str| -> Vec<std::ffi::OsString> {
        vec![
            "--phase".into(),
            phase.into(),
            "--corpus".into(),
            corpus.clone().into(),
        ]
    };
    let written = if args.corpus.is_none() {
        let w = child(args, tier, &with("write"));
        if w.is_err() {
            let _ = std::fs::remove_dir_all(&corpus);
        }
        Some(w?)
    } else {
        None
    };
    let read = child(args, tier, &with("read"));
    if args.corpus.is_none() {
        if args.keep_corpus {
            if !quiet {
                eprintln!("corpus kept in {}", corpus.display());
            }
        } else {
            std::fs::remove_dir_all(&corpus)?;
        }
    }
    let mut f = read?;
    if let Some(w) = written {
        if w.items != f.items {
            anyhow::bail!(
                "tier {tier}: {} declarations written, {} read",
                w.items,
                f.items
            );
        }
        f.extra.insert("write_seconds".into(), w.seconds);
        f.extra.insert("write_peak_mib".into(), w.peak_mib);
        for (k, v) in w.extra {
            f.extra.entry(k).or_insert(v);
        }
    }
    Ok(f)
}

/// Writes a tier's data as CSV (estimate and retention targets).
fn dump_csv(
    args: &BenchArgs,
    tier: u32,
    suffix: bool,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let path = if suffix {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("bench");
        path.with_file_name(format!("{stem}-{tier}.csv"))
    } else {
        path.to_path_buf()
    };
    let seed = match args.seed {
        Some(s) => s,
        None => Experiment::from_file(&args.experiment, &Reference::load())?.seed,
    };
    match args.target {
        Target::Estimate => {
            crate::estimate::bench::write_csv(tier as usize, args.periods as usize, seed, &path)?
        }
        Target::Retention => crate::retention::bench::write_csv(
            &crate::retention::bench::data(tier as usize, seed),
            &path,
        )
        .with_context(|| format!("writing {}", path.display()))?,
        other => {
            anyhow::bail!("--dump-csv is for the estimate and retention targets, not {other:?}")
        }
    }
    Ok(())
}

pub fn execute(args: BenchArgs, quiet: bool) -> anyhow::Result<()> {
    if let Some(tier) = args.single {
        println!("{}", serde_json::to_string(&single(&args, tier)?)?);
        return Ok(());
    }
    let mut all = Vec::new();
    let tiers = if args.tiers.is_empty() {
        args.target.default_tiers()
    } else {
        args.tiers.clone()
    };
    let (tier_unit, item_unit) = args.target.units();
    for &tier in &tiers {
        if let Some(path) = &args.dump_csv {
            dump_csv(&args, tier, tiers.len() > 1, path)?;
        }
        let f = match args.target {
            Target::Ingest => ingest_tier(&args, tier, quiet)?,
            _ => child(&args, tier, &[])?,
        };
        if !quiet {
            eprintln!(
                "{:?} {:>8} {tier_unit}: {:>8.2}s  peak {:>8.0} MiB  {:>11} {item_unit}  {:>12.0} /s",
                f.target, f.tier, f.seconds, f.peak_mib, f.items, f.items_per_second
            );
            let extra: Vec<String> = f
                .extra
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        if v.fract() == 0.0 {
                            format!("{v}")
                        } else {
                            format!("{v:.4}")
                        }
                    )
                })
                .collect();
            eprintln!("    {}", extra.join("  "));
        }
        all.push(f);
    }
    std::fs::create_dir_all(&args.out)?;
    let name = serde_json::to_value(args.target)?;
    let path = args
        .out
        .join(format!("{}.json", name.as_str().unwrap_or("bench")));
    crate::tables::write_text(&path, &serde_json::to_string_pretty(&all)?)?;
    if !quiet {
        eprintln!("→ {}", path.display());
    }
    Ok(())
}
