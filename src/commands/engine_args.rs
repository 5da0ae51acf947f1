//! Options shared by the commands that can run out of core: which path, the memory budget,
//! the spill folder and the cluster.

use std::path::{Path, PathBuf};

/// Which scoring path runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    /// In memory when the corpus fits in `--memory-limit`, out of core otherwise.
    Auto,
    /// Everything in memory (fastest on small and medium corpora).
    Memory,
    /// Out of core on Apache DataFusion (or Ballista with `--cluster`), bounded by
    /// `--memory-limit`.
    Engine,
}

#[derive(Debug, Clone, clap::Args)]
pub struct EngineArgs {
    /// Scoring path.
    #[arg(long, value_enum, default_value = "auto")]
    pub engine: EngineChoice,
    /// Memory budget, e.g. 4GiB: the engine path spills to disk to stay within it.
    #[arg(long, default_value = "4GiB")]
    pub memory_limit: String,
    /// Folder for spill files (default: the system's temporary folder).
    #[arg(long)]
    pub spill_dir: Option<PathBuf>,
    /// Run the shuffles on an Apache DataFusion Ballista cluster, `df://HOST:PORT` of its
    /// scheduler (implies the engine path; needs a build with `--features cluster`).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Shuffle partitions (default: the number of cores; on a cluster, a few per core).
    #[arg(long)]
    pub partitions: Option<usize>,
}

/// Bytes the in-memory scoring path needs per contract, measured with `engagement bench
/// score` (5.2 GiB peak for 28.7 million contracts at 200,000 establishments).
pub const IN_MEMORY_BYTES_PER_CONTRACT: u64 = 195;

impl EngineArgs {
    /// The memory budget in bytes.
    pub fn memory_bytes(&self) -> anyhow::Result<u64> {
        parse_memory(&self.memory_limit)
    }

    /// Whether the engine path runs for a dataset of `contracts` rows.
    pub fn use_engine(&self, contracts: u64) -> anyhow::Result<bool> {
        Ok(match self.engine {
            EngineChoice::Memory if self.cluster.is_some() => {
                anyhow::bail!(
                    "--cluster runs the engine path; it cannot be combined with --engine memory"
                )
            }
            EngineChoice::Memory => false,
            EngineChoice::Engine => true,
            EngineChoice::Auto => {
                self.cluster.is_some()
                    || contracts.saturating_mul(IN_MEMORY_BYTES_PER_CONTRACT)
                        > self.memory_bytes()?
            }
        })
    }
}

#[cfg(feature = "engine")]
fn parse_memory(s: &str) -> anyhow::Result<u64> {
    Ok(crate::engine::parse_memory_size(s)?)
}

#[cfg(not(feature = "engine"))]
fn parse_memory(s: &str) -> anyhow::Result<u64> {
    let t = s.trim().to_ascii_lowercase();
    let (num, mult) = [
        ("gib", 1u64 << 30),
        ("g", 1 << 30),
        ("mib", 1 << 20),
        ("m", 1 << 20),
    ]
    .iter()
    .find_map(|(u, m)| t.strip_suffix(u).map(|n| (n.trim().to_string(), *m)))
    .unwrap_or((t.clone(), 1));
    let v: f64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid memory size {s:?}: expected e.g. 4GiB"))?;
    Ok((v * mult as f64) as u64)
}

/// Contract rows of a dataset, from the Parquet metadata (0 when unknown, e.g. CSV).
pub fn contract_rows(dir: &Path) -> u64 {
    use polars::prelude::*;
    let stem = crate::columns::files::CONTRACTS;
    let single = dir.join(format!("{stem}.parquet"));
    let files = if single.is_file() {
        vec![single]
    } else {
        crate::tables::parquet_files(&dir.join(stem)).unwrap_or_default()
    };
    files
        .iter()
        .filter_map(|f| std::fs::File::open(f).ok())
        .filter_map(|f| ParquetReader::new(f).num_rows().ok())
        .map(|n| n as u64)
        .sum()
}

/// The engine options of these arguments.
#[cfg(feature = "engine")]
pub fn engine_options(args: &EngineArgs) -> anyhow::Result<crate::engine::EngineOptions> {
    let mut o = crate::engine::EngineOptions::new(args.memory_bytes()?);
    o.spill_dir = args.spill_dir.clone();
    if let Some(c) = &args.cluster {
        o.cluster = Some(crate::engine::ClusterAddress::parse(c)?);
        o.partitions = o.partitions.max(8);
    }
    if let Some(p) = args.partitions {
        anyhow::ensure!(p >= 1, "--partitions must be at least 1");
        o.partitions = p;
    }
    Ok(o)
}
