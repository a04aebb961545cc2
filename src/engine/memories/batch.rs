//! `batch_memories`: up to 100 create / update / delete operations with per-operation
//! results. Non-atomic (default): each operation commits on its own and may fail alone.
//! Atomic: all operations are planned on one working set and committed in one write; the
//! first failure leaves nothing applied.

use super::change::check_update;
use super::limits;
use super::tx::MemTx;
use crate::engine::sessions::retry;
use crate::engine::{is_race, Memspace, MAX_RETRIES};
use crate::error::{Error, Result};
use crate::model::{BatchOp, BatchOpResult, BatchOpStatus, BatchResult};

/// An operation after input checks (or the error they found).
enum Prepared {
    Ready(Box<BatchOp>),
    Invalid(&'static str, Error),
}

impl Prepared {
    fn kind(&self) -> &'static str {
        match self {
            Prepared::Ready(op) => op.kind(),
            Prepared::Invalid(kind, _) => kind,
        }
    }

    fn memory_id(&self) -> Option<String> {
        match self {
            Prepared::Ready(op) => match op.as_ref() {
                BatchOp::Update { memory_id, .. } | BatchOp::Delete { memory_id, .. } => {
                    Some(memory_id.clone())
                }
                BatchOp::Create(_) => None,
            },
            Prepared::Invalid(..) => None,
        }
    }
}

/// What one applied operation reports.
struct Done {
    memory_id: String,
    replayed: bool,
}

fn result(index: usize, p: &Prepared, outcome: std::result::Result<Done, Error>) -> BatchOpResult {
    match outcome {
        Ok(d) => BatchOpResult {
            index: index as u32,
            op: p.kind().into(),
            status: BatchOpStatus::Success,
            memory_id: Some(d.memory_id),
            replayed: d.replayed,
            error: None,
        },
        Err(e) => BatchOpResult {
            index: index as u32,
            op: p.kind().into(),
            status: BatchOpStatus::Error,
            memory_id: p.memory_id(),
            replayed: false,
            error: Some(e),
        },
    }
}

fn summary(atomic: bool, results: Vec<BatchOpResult>) -> BatchResult {
    let ok = results
        .iter()
        .filter(|r| r.status == BatchOpStatus::Success)
        .count() as u32;
    BatchResult {
        total_operations: results.len() as u32,
        successful: ok,
        failed: results.len() as u32 - ok,
        atomic,
        results,
    }
}

impl Memspace {
    /// Runs 1–100 operations (`create` = remember, `update`, `delete` = forget, soft unless
    /// `hard`). Each gets a result in request order. With `atomic`, all are applied in one
    /// commit or none is: the first failing operation reports its error and the others are
    /// `skipped`.
    pub async fn batch_memories(
        &self,
        space_id: &str,
        ops: Vec<BatchOp>,
        atomic: bool,
    ) -> Result<BatchResult> {
        if ops.is_empty() || ops.len() > limits::BATCH_MAX {
            return Err(Error::validation(
                "operations",
                format!(
                    "must hold 1–{} operations, got {}",
                    limits::BATCH_MAX,
                    ops.len()
                ),
            )
            .with("max", limits::BATCH_MAX as u64));
        }
        let _write = self.write_lock.acquire().await;
        self.owned_space(space_id).await?;
        let now = self.host.now();
        let prepared: Vec<Prepared> = ops
            .into_iter()
            .map(|op| match op {
                BatchOp::Create(n) => match limits::new_memory(n, now) {
                    Ok(n) => Prepared::Ready(Box::new(BatchOp::Create(n))),
                    Err(e) => Prepared::Invalid("create", e),
                },
                BatchOp::Update {
                    memory_id,
                    mut update,
                } => match check_update(&mut update) {
                    Ok(()) => Prepared::Ready(Box::new(BatchOp::Update { memory_id, update })),
                    Err(e) => Prepared::Invalid("update", e),
                },
                d @ BatchOp::Delete { .. } => Prepared::Ready(Box::new(d)),
            })
            .collect();
        if atomic {
            return retry!(self.try_atomic_batch(space_id, &prepared).await);
        }
        let mut results = Vec::with_capacity(prepared.len());
        for (i, p) in prepared.iter().enumerate() {
            let outcome = match p {
                Prepared::Invalid(_, e) => Err(e.clone()),
                Prepared::Ready(op) => retry!(self.try_batch_op(space_id, op).await),
            };
            results.push(result(i, p, outcome));
        }
        Ok(summary(false, results))
    }

    /// One operation of a non-atomic batch, in its own commit.
    async fn try_batch_op(&self, space_id: &str, op: &BatchOp) -> Result<Done> {
        let mut tx = self.begin_memories(space_id).await?;
        if let BatchOp::Create(n) = op {
            tx.prefetch_remember(self, &[n]).await?;
        }
        let done = self.plan_batch_op(&mut tx, op).await?;
        self.commit_tx(tx).await?;
        Ok(done)
    }

    async fn plan_batch_op(&self, tx: &mut MemTx, op: &BatchOp) -> Result<Done> {
        match op {
            BatchOp::Create(n) => {
                let r = self.plan_remember(tx, n).await?;
                Ok(Done {
                    memory_id: r.memory.id,
                    replayed: r.replayed,
                })
            }
            BatchOp::Update { memory_id, update } => {
                self.plan_memory_update(tx, memory_id, update).await?;
                Ok(Done {
                    memory_id: memory_id.clone(),
                    replayed: false,
                })
            }
            BatchOp::Delete { memory_id, hard } => {
                self.plan_memory_forget(tx, memory_id, *hard).await?;
                Ok(Done {
                    memory_id: memory_id.clone(),
                    replayed: false,
                })
            }
        }
    }

    async fn try_atomic_batch(&self, space_id: &str, prepared: &[Prepared]) -> Result<BatchResult> {
        let mut tx = self.begin_memories(space_id).await?;
        let creates: Vec<&crate::model::NewMemory> = prepared
            .iter()
            .filter_map(|p| match p {
                Prepared::Ready(op) => match op.as_ref() {
                    BatchOp::Create(n) => Some(n),
                    _ => None,
                },
                Prepared::Invalid(..) => None,
            })
            .collect();
        tx.prefetch_remember(self, &creates).await?;
        let mut results = Vec::with_capacity(prepared.len());
        let mut failed: Option<(usize, Error)> = None;
        for (i, p) in prepared.iter().enumerate() {
            let outcome = match p {
                Prepared::Invalid(_, e) => Err(e.clone()),
                Prepared::Ready(op) => self.plan_batch_op(&mut tx, op).await,
            };
            match outcome {
                Ok(d) => results.push(result(i, p, Ok(d))),
                Err(e) if is_race(&e) || e.code == crate::ErrorCode::Storage => return Err(e),
                Err(e) => {
                    failed = Some((i, e));
                    break;
                }
            }
        }
        let Some((bad, err)) = failed else {
            self.commit_tx(tx).await?;
            return Ok(summary(true, results));
        };
        let out = prepared
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (status, error) = if i == bad {
                    (BatchOpStatus::Error, err.clone())
                } else {
                    (
                        BatchOpStatus::Skipped,
                        Error::conflict(format!(
                            "not applied: operation {bad} of this atomic batch failed"
                        ))
                        .with("failed_index", bad as u64),
                    )
                };
                BatchOpResult {
                    index: i as u32,
                    op: p.kind().into(),
                    status,
                    memory_id: p.memory_id(),
                    replayed: false,
                    error: Some(error),
                }
            })
            .collect();
        Ok(summary(true, out))
    }
}
