//! `CoGroupExec`: a physical plan node that walks two inputs, both hash-partitioned and
//! sorted on the shuffle key `__key`, and hands the rows of each key to a [`Pass`].
//!
//! This is the "reduce" side of a MapReduce written as a DataFusion operator: DataFusion
//! (or Ballista's shuffle) brings every row of a key to one partition and sorts it, with
//! spilling; this node holds one key's rows at a time and calls the crate's per-group code.

use super::arrow_io::{self, KEY};
use super::passes::{Item, Pass, Runner};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::{
    EquivalenceProperties, LexRequirement, OrderingRequirements, PhysicalExpr,
    PhysicalSortRequirement,
};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchReceiverStreamBuilder;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, Distribution, ExecutionPlan, ExecutionPlanProperties,
    Partitioning, PlanProperties, SendableRecordBatchStream,
};
use futures::StreamExt;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

/// Co-groups two key-sorted, co-partitioned inputs and runs a [`Pass`] on each key.
#[derive(Debug)]
pub struct CoGroupExec {
    pass: Pass,
    inputs: Vec<Arc<dyn ExecutionPlan>>,
    props: Arc<PlanProperties>,
}

impl CoGroupExec {
    /// `inputs` must be two plans with the `__key` column, hash-partitioned on it into the
    /// same number of partitions and sorted on it within each partition.
    pub fn try_new(pass: Pass, inputs: Vec<Arc<dyn ExecutionPlan>>) -> Result<Self> {
        if inputs.len() != 2 {
            return Err(DataFusionError::Plan(format!(
                "CoGroupExec takes two inputs, got {}",
                inputs.len()
            )));
        }
        let n = inputs[0].output_partitioning().partition_count();
        if inputs[1].output_partitioning().partition_count() != n {
            return Err(DataFusionError::Plan(
                "CoGroupExec inputs must have the same number of partitions".into(),
            ));
        }
        for i in &inputs {
            i.schema().index_of(KEY)?;
        }
        let props = PlanProperties::new(
            EquivalenceProperties::new(pass.schema()),
            Partitioning::UnknownPartitioning(n),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        Ok(CoGroupExec {
            pass,
            inputs,
            props: Arc::new(props),
        })
    }

    pub fn pass(&self) -> &Pass {
        &self.pass
    }

    fn key_expr(&self, input: usize) -> Arc<dyn PhysicalExpr> {
        let idx = self.inputs[input].schema().index_of(KEY).unwrap_or(0);
        Arc::new(Column::new(KEY, idx))
    }
}

impl DisplayAs for CoGroupExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "CoGroupExec: pass={}", self.pass.name())
    }
}

impl ExecutionPlan for CoGroupExec {
    fn name(&self) -> &str {
        "CoGroupExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.props
    }

    fn schema(&self) -> SchemaRef {
        self.pass.schema()
    }

    fn required_input_distribution(&self) -> Vec<Distribution> {
        (0..2)
            .map(|i| Distribution::KeyPartitioned(vec![self.key_expr(i)]))
            .collect()
    }

    fn required_input_ordering(&self) -> Vec<Option<OrderingRequirements>> {
        (0..2)
            .map(|i| {
                LexRequirement::new([PhysicalSortRequirement::new(self.key_expr(i), None)])
                    .map(OrderingRequirements::new)
            })
            .collect()
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![false, false]
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        self.inputs.iter().collect()
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(CoGroupExec::try_new(self.pass.clone(), children)?))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let a = self.inputs[0].execute(partition, context.clone())?;
        let b = self.inputs[1].execute(partition, context.clone())?;
        let runner = self.pass.runner();
        let batch_size = context.session_config().batch_size();
        let mut builder = RecordBatchReceiverStreamBuilder::new(self.schema(), 2);
        let tx = builder.tx();
        builder.spawn(async move {
            let mut sides = [Side::new(a, 0), Side::new(b, 1)];
            let mut out = runner.output();
            loop {
                for s in sides.iter_mut() {
                    s.fill(&runner).await?;
                }
                let Some(key) = sides.iter().filter_map(Side::front_key).min() else {
                    break;
                };
                let ga = sides[0].take(key, &runner).await?;
                let gb = sides[1].take(key, &runner).await?;
                runner.group(key, ga, gb, &mut out);
                if out.len() >= batch_size && tx.send(Ok(out.flush()?)).await.is_err() {
                    // The consumer is gone (cancelled query): stop quietly.
                    return Ok(());
                }
            }
            if !out.is_empty() {
                let _ = tx.send(Ok(out.flush()?)).await;
            }
            Ok(())
        });
        Ok(builder.build())
    }
}

/// One input: its stream and the decoded rows not consumed yet.
struct Side {
    stream: SendableRecordBatchStream,
    input: usize,
    buf: VecDeque<(u64, Item)>,
    done: bool,
    last_key: Option<u64>,
}

impl Side {
    fn new(stream: SendableRecordBatchStream, input: usize) -> Self {
        Side {
            stream,
            input,
            buf: VecDeque::new(),
            done: false,
            last_key: None,
        }
    }

    fn front_key(&self) -> Option<u64> {
        self.buf.front().map(|r| r.0)
    }

    /// Reads batches until a row is buffered or the input ends.
    async fn fill(&mut self, runner: &Runner) -> Result<()> {
        while self.buf.is_empty() && !self.done {
            match self.stream.next().await {
                None => self.done = true,
                Some(batch) => {
                    let batch = batch?;
                    let keys = arrow_io::keys(&batch)?;
                    let items = runner.decode(self.input, &batch)?;
                    for (k, item) in keys.values().iter().zip(items) {
                        if self.last_key.is_some_and(|l| *k < l) {
                            return Err(DataFusionError::Internal(
                                "CoGroupExec input is not sorted on its key".into(),
                            ));
                        }
                        self.last_key = Some(*k);
                        self.buf.push_back((*k, item));
                    }
                }
            }
        }
        Ok(())
    }

    /// Removes and returns every row of `key`, reading further batches as needed.
    async fn take(&mut self, key: u64, runner: &Runner) -> Result<Vec<Item>> {
        let mut out = Vec::new();
        loop {
            while self.buf.front().is_some_and(|r| r.0 == key) {
                if let Some((_, item)) = self.buf.pop_front() {
                    out.push(item);
                }
            }
            if !self.buf.is_empty() || self.done {
                return Ok(out);
            }
            self.fill(runner).await?;
        }
    }
}
