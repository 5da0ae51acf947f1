//! Out-of-core scoring on a query engine: Apache DataFusion on one machine, Apache
//! DataFusion Ballista on a cluster (feature `cluster`).
//!
//! Scoring a national corpus is two shuffles followed by small per-period work:
//! 1. **by person** ([`passes::Pass::PersonFlags`]): each contract's history flags need the
//!    person's whole career across establishments;
//! 2. **by establishment** ([`passes::Pass::Indicators`]): rolling-window indicators need
//!    all the contracts and AT/MP stoppages of one SIRET;
//! 3. **per period** ([`score`]): peers, scores and labels work on one period's indicator
//!    rows at a time (about 1.5 million rows nationally), read back from a dataset
//!    partitioned by period.
//!
//! The shuffles are one physical plan: Parquet scans, hash repartitioning on the key,
//! a sort on the key, then [`cogroup::CoGroupExec`], which hands every key's rows to the
//! crate's own per-group code ([`crate::indicators::person_flags`],
//! [`crate::indicators::establishment_rows`], [`crate::history::derive_history`]).
//! DataFusion does the partitioning, the sorting and the spilling under a memory pool;
//! nothing here re-implements an indicator, so the engine and the in-memory path give the
//! same numbers. The same plan runs on a Ballista cluster: the client submits it to the
//! scheduler, which splits it into stages at the repartitions; executors run the stages
//! and exchange the shuffle files ([`cluster`]).
//!
//! Memory: DataFusion's operators share a spilling pool of [`EngineOptions::pool_bytes`];
//! the co-group holds one key's rows at a time; the per-period scoring holds one period.

pub mod arrow_io;
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod cogroup;
pub mod history;
pub mod passes;
pub mod plan;
pub mod score;

use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use std::path::PathBuf;
use std::sync::Arc;

/// Errors of the engine path.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("query engine: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error(transparent)]
    Table(#[from] crate::tables::TableError),
    #[error(transparent)]
    Score(#[from] crate::score::ScoreError),
    #[error(transparent)]
    Indicators(#[from] crate::indicators::IndicatorError),
    #[error("invalid memory size {0:?}: expected a number of bytes with an optional unit (K, M, G, KiB, MiB, GiB), e.g. 4GiB")]
    MemorySize(String),
    #[error("invalid cluster address {0:?}: expected df://HOST:PORT")]
    ClusterAddress(String),
    #[error("{dir}: no Parquet file under `{table}` (the engine reads Parquet datasets: `{table}.parquet` or `{table}/**/*.parquet`)")]
    MissingTable { dir: PathBuf, table: String },
    #[error("this binary was built without the `cluster` feature: rebuild with `cargo build --release --features cluster`")]
    NoClusterSupport,
    #[error("cluster: {0}")]
    Cluster(String),
    #[error(transparent)]
    Feed(#[from] crate::feed::FeedError),
}

/// Default of `--memory-limit`.
pub const DEFAULT_MEMORY_LIMIT: &str = "4GiB";

/// Parses a memory size such as `4GiB`, `512M` or `1073741824`.
pub fn parse_memory_size(s: &str) -> Result<u64, EngineError> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 = num
        .parse()
        .map_err(|_| EngineError::MemorySize(s.to_string()))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0_f64.powi(4),
        _ => return Err(EngineError::MemorySize(s.to_string())),
    };
    let bytes = v * mult;
    if !(bytes.is_finite() && bytes >= 64.0 * 1024.0 * 1024.0) {
        return Err(EngineError::MemorySize(s.to_string()));
    }
    Ok(bytes as u64)
}

/// A Ballista scheduler address, from `df://HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterAddress {
    pub host: String,
    pub port: u16,
}

impl ClusterAddress {
    pub fn parse(s: &str) -> Result<ClusterAddress, EngineError> {
        let err = || EngineError::ClusterAddress(s.to_string());
        let rest = s.strip_prefix("df://").ok_or_else(err)?;
        let (host, port) = rest.rsplit_once(':').ok_or_else(err)?;
        let port: u16 = port.trim_end_matches('/').parse().map_err(|_| err())?;
        if host.is_empty() || host.contains('/') {
            return Err(err());
        }
        Ok(ClusterAddress {
            host: host.to_string(),
            port,
        })
    }

    /// The scheduler's gRPC URL.
    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }
}

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Memory budget of the whole command, in bytes (`--memory-limit`).
    pub memory_limit: u64,
    /// Shuffle partitions (defaults to the number of cores, at least 2).
    pub partitions: usize,
    /// Directory for spill files (the system's temporary directory by default).
    pub spill_dir: Option<PathBuf>,
    /// Run the shuffles on a Ballista cluster instead of in this process.
    pub cluster: Option<ClusterAddress>,
}

impl EngineOptions {
    /// Options with `memory_limit` bytes and the defaults otherwise.
    pub fn new(memory_limit: u64) -> EngineOptions {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        EngineOptions {
            memory_limit,
            partitions: cores.max(2),
            spill_dir: None,
            cluster: None,
        }
    }

    /// The part of the budget given to DataFusion's spilling pool. The rest covers what
    /// the pool does not track: Parquet readers and writers, the co-group's current key,
    /// output buffers, and the per-period scoring that follows the shuffles.
    pub fn pool_bytes(&self) -> usize {
        (self.memory_limit / 2) as usize
    }
}

/// Spill files a sort merges at once (more are merged in several passes), from the pool's
/// share of each sort: about 8 MiB per file merged (a batch and its reader), at least 4
/// (small pools, as in tests) and at most 64. Every extra pass rewrites the whole sorted
/// data, so on a national corpus a fan-in of 4 multiplies the bytes spilled several times.
fn spill_merge_fan_in(opts: &EngineOptions) -> usize {
    let per_sort = opts.pool_bytes() / (SORTS_PER_PARTITION * opts.partitions.max(1));
    (per_sort / (8 << 20)).clamp(4, 64)
}

/// A single-machine DataFusion context bounded by the options' memory pool.
pub fn local_context(opts: &EngineOptions) -> Result<SessionContext, EngineError> {
    let disk = match &opts.spill_dir {
        Some(d) => {
            DiskManagerBuilder::default().with_mode(DiskManagerMode::Directories(vec![d.clone()]))
        }
        None => DiskManagerBuilder::default().with_mode(DiskManagerMode::OsTmpDirectory),
    }
    // A sort merging its spill files holds memory it cannot spill, and by default takes
    // as many files as the pool allows, starving the sorts still reading their input.
    // A bounded fan-in merges in several passes instead.
    .with_max_spill_merge_fan_in(spill_merge_fan_in(opts));
    let runtime = RuntimeEnvBuilder::new()
        // The tracker names the largest consumers when the pool is exhausted.
        .with_memory_pool(Arc::new(TrackConsumersPool::new(
            FairSpillPool::new(opts.pool_bytes()),
            std::num::NonZeroUsize::new(5).expect("non-zero"),
        )))
        .with_disk_manager_builder(disk)
        .build_arc()?;
    Ok(SessionContext::new_with_config_rt(
        session_config(opts),
        runtime,
    ))
}

/// Session settings shared by the local and the cluster paths.
pub fn session_config(opts: &EngineOptions) -> SessionConfig {
    let mut c = SessionConfig::new()
        .with_target_partitions(opts.partitions)
        .with_batch_size(8192)
        .with_repartition_file_scans(true);
    let o = c.options_mut();
    // Partitioned tables are read as every file under their folder (`dep=35/...`).
    o.execution.listing_table_ignore_subdirectory = false;
    // Spilled runs compress several times over: a national shuffle spills tens of GB.
    o.execution.spill_compression = datafusion::common::config::SpillCompression::Lz4Frame;
    // Plain UTF-8 arrays: the co-group decodes them with the crate's own checks.
    o.execution.parquet.schema_force_view_types = false;
    // Every sort holds this much, unspillable, for its merges: four shuffles per
    // partition run at once, so the default (10 MiB each) can take most of a small pool.
    o.execution.sort_spill_reservation_bytes = o
        .execution
        .sort_spill_reservation_bytes
        .min(opts.pool_bytes() / (SORTS_PER_PARTITION * 4 * opts.partitions.max(1)));
    c
}

/// Sorts running at once in each partition of the indicator plan (four shuffles).
const SORTS_PER_PARTITION: usize = 4;

/// A multi-threaded Tokio runtime for the engine's asynchronous API.
pub fn runtime() -> Result<tokio::runtime::Runtime, EngineError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| EngineError::Io {
            path: PathBuf::from("<runtime>"),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_memory_size("4GiB").unwrap(), 4 << 30);
        assert_eq!(parse_memory_size("512M").unwrap(), 512 << 20);
        assert_eq!(parse_memory_size("1.5g").unwrap(), 3 << 29);
        assert!(parse_memory_size("4 furlongs").is_err());
        assert!(
            parse_memory_size("1K").is_err(),
            "too small to run anything"
        );
        assert!(parse_memory_size("").is_err());
    }

    #[test]
    fn spill_merges_take_more_files_with_more_memory() {
        let fan_in = |limit: u64, partitions: usize| {
            let mut o = EngineOptions::new(limit);
            o.partitions = partitions;
            spill_merge_fan_in(&o)
        };
        // The tests' 128 MiB pool keeps the smallest fan-in; the default 4 GiB on two
        // cores merges 32 runs at once; more memory stops at 64.
        assert_eq!(fan_in(256 << 20, 3), 4);
        assert_eq!(fan_in(4 << 30, 2), 32);
        assert_eq!(fan_in(64 << 30, 2), 64);
    }

    #[test]
    fn cluster_addresses() {
        let a = ClusterAddress::parse("df://10.0.0.5:50050").unwrap();
        assert_eq!(a.url(), "http://10.0.0.5:50050");
        assert!(ClusterAddress::parse("http://h:1").is_err());
        assert!(ClusterAddress::parse("df://h").is_err());
        assert!(ClusterAddress::parse("df://:50050").is_err());
    }
}
