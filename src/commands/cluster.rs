//! `engagement cluster scheduler|executor`: the processes of an Apache DataFusion Ballista
//! cluster that can run this crate's plans (see README, "Running on a cluster").

use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum ClusterCommand {
    /// A Ballista scheduler (one per cluster).
    Scheduler {
        /// Address to listen on (0.0.0.0 to accept other machines).
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        #[arg(long, default_value_t = 50050)]
        port: u16,
        /// Host name the executors and clients use to reach this scheduler.
        #[arg(long, default_value = "localhost")]
        external_host: String,
    },
    /// A Ballista executor (one or more per machine).
    Executor {
        /// The scheduler, `df://HOST:PORT`.
        #[arg(long, default_value = "df://localhost:50050")]
        scheduler: String,
        /// Address to listen on (0.0.0.0 to accept other machines).
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Host name the other processes use to reach this executor.
        #[arg(long)]
        external_host: Option<String>,
        /// Arrow Flight port (shuffle and result transfers).
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// gRPC port (tasks from the scheduler).
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Folder for shuffle files (default: a temporary folder).
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Concurrent tasks (default: the number of cores).
        #[arg(long)]
        cores: Option<usize>,
        /// Memory budget of this executor, e.g. 4GiB.
        #[arg(long, default_value = "4GiB")]
        memory_limit: String,
    },
}

#[cfg(feature = "cluster")]
pub fn execute(cmd: ClusterCommand, quiet: bool) -> anyhow::Result<()> {
    use crate::engine::{cluster, ClusterAddress};
    let rt = crate::engine::runtime()?;
    match cmd {
        ClusterCommand::Scheduler {
            bind,
            port,
            external_host,
        } => {
            if !quiet {
                eprintln!("scheduler listening on {bind}:{port} (df://{external_host}:{port})");
            }
            rt.block_on(cluster::run_scheduler(&bind, port, &external_host))?;
        }
        ClusterCommand::Executor {
            scheduler,
            bind,
            external_host,
            port,
            grpc_port,
            work_dir,
            cores,
            memory_limit,
        } => {
            let settings = cluster::ExecutorSettings {
                scheduler: ClusterAddress::parse(&scheduler)?,
                bind,
                external_host,
                port,
                grpc_port,
                work_dir,
                cores,
                memory_limit: crate::engine::parse_memory_size(&memory_limit)?,
            };
            if !quiet {
                eprintln!("executor on port {port} (gRPC {grpc_port}), scheduler {scheduler}");
            }
            rt.block_on(cluster::run_executor(settings))?;
        }
    }
    Ok(())
}

#[cfg(not(feature = "cluster"))]
pub fn execute(_cmd: ClusterCommand, _quiet: bool) -> anyhow::Result<()> {
    anyhow::bail!(
        "this binary was built without the cluster processes: rebuild with `cargo build --release --features cluster`"
    )
}
