//! The engine's plans on an Apache DataFusion Ballista cluster.
//!
//! Ballista's scheduler splits a submitted physical plan into stages at its repartitions;
//! executors run the stages and exchange shuffle files. The only thing this crate adds is
//! [`Codec`], which lets the scheduler and the executors decode [`CoGroupExec`] (the
//! per-group passes), so the cluster runs this crate's own scheduler and executor
//! processes: `engagement cluster scheduler` and `engagement cluster executor`, which are
//! Ballista's, started with the codec. Input datasets must be readable by every executor
//! at the same path (a shared file system).

use super::cogroup::CoGroupExec;
use super::passes::Pass;
use super::{ClusterAddress, EngineError, EngineOptions};
use ballista_core::config::BallistaConfig;
use ballista_core::execution_plans::execute_physical_plan;
use ballista_core::extension::SessionConfigExt;
use ballista_core::serde::BallistaPhysicalExtensionCodec;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream};
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use datafusion_proto::protobuf::PhysicalPlanNode;
use std::path::PathBuf;
use std::sync::Arc;

/// Prefix of an encoded [`CoGroupExec`]; anything else is one of Ballista's own nodes.
const MAGIC: &[u8] = b"engagement.cogroup.v1:";

/// Ballista's physical codec, plus [`CoGroupExec`] (its [`Pass`] as JSON).
#[derive(Debug, Default)]
pub struct Codec {
    ballista: BallistaPhysicalExtensionCodec,
}

impl PhysicalExtensionCodec for Codec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        conv: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if let Some(json) = buf.strip_prefix(MAGIC) {
            let pass: Pass = serde_json::from_slice(json)
                .map_err(|e| DataFusionError::Internal(format!("CoGroupExec pass: {e}")))?;
            return Ok(Arc::new(CoGroupExec::try_new(pass, inputs.to_vec())?));
        }
        self.ballista.try_decode(buf, inputs, ctx, conv)
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        conv: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        if let Some(cg) = node.downcast_ref::<CoGroupExec>() {
            buf.extend_from_slice(MAGIC);
            serde_json::to_writer(&mut *buf, cg.pass())
                .map_err(|e| DataFusionError::Internal(format!("CoGroupExec pass: {e}")))?;
            return Ok(());
        }
        self.ballista.try_encode(node, buf, conv)
    }
}

fn cluster_err(e: impl std::fmt::Display) -> EngineError {
    EngineError::Cluster(e.to_string())
}

/// Submits `plan` to the scheduler at `addr` and streams its result.
pub async fn execute(
    plan: Arc<dyn ExecutionPlan>,
    addr: &ClusterAddress,
    opts: &EngineOptions,
) -> Result<SendableRecordBatchStream, EngineError> {
    let config = super::session_config(opts)
        .upgrade_for_ballista()
        .with_ballista_physical_extension_codec(Arc::new(Codec::default()));
    let session_id = format!(
        "engagement-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    execute_physical_plan::<PhysicalPlanNode>(
        addr.url(),
        &BallistaConfig::default(),
        plan,
        &Codec::default(),
        session_id,
        config,
    )
    .await
    .map_err(|e| cluster_err(format!("{} ({e})", addr.url())))
}

/// Resolves when the process receives SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs a Ballista scheduler with this crate's codec until SIGTERM or Ctrl-C.
pub async fn run_scheduler(bind: &str, port: u16, external_host: &str) -> Result<(), EngineError> {
    let config = SchedulerConfig {
        bind_host: bind.to_string(),
        bind_port: port,
        external_host: external_host.to_string(),
        override_physical_codec: Some(Arc::new(Codec::default())),
        ..Default::default()
    };
    let addr = format!("{bind}:{port}")
        .parse()
        .map_err(|e| cluster_err(format!("{bind}:{port}: {e}")))?;
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(cluster_err)?;
    tokio::select! {
        r = start_server(cluster, addr, Arc::new(config)) => r.map_err(cluster_err),
        _ = shutdown_signal() => Ok(()),
    }
}

/// Settings of one executor process.
#[derive(Debug, Clone)]
pub struct ExecutorSettings {
    pub scheduler: ClusterAddress,
    pub bind: String,
    /// Host name the other processes use to reach this executor.
    pub external_host: Option<String>,
    pub port: u16,
    pub grpc_port: u16,
    pub work_dir: Option<PathBuf>,
    /// Concurrent tasks (default: the number of cores).
    pub cores: Option<usize>,
    /// Memory pool shared by the executor's tasks, in bytes.
    pub memory_limit: u64,
}

/// Runs a Ballista executor with this crate's codec until SIGTERM or Ctrl-C.
pub async fn run_executor(s: ExecutorSettings) -> Result<(), EngineError> {
    let mut config = ExecutorProcessConfig {
        bind_host: s.bind.clone(),
        external_host: s.external_host.clone(),
        port: s.port,
        grpc_port: s.grpc_port,
        scheduler_host: s.scheduler.host.clone(),
        scheduler_port: s.scheduler.port,
        scheduler_connect_timeout_seconds: 30,
        work_dir: s.work_dir.as_ref().map(|p| p.display().to_string()),
        memory_pool_size: Some(s.memory_limit / 2),
        override_physical_codec: Some(Arc::new(Codec::default())),
        ..Default::default()
    };
    if let Some(c) = s.cores {
        config.vcores = c.max(1);
    }
    start_executor_process(Arc::new(config))
        .await
        .map_err(cluster_err)
}
