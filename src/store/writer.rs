//! The single writer: group commit with acknowledgement after durability.
//!
//! Jobs queue on a bounded channel. The writer thread takes every job waiting
//! (up to a batch limit), runs each inside its own savepoint of one
//! transaction, and commits the transaction once: one fsync for the group. A
//! job that is refused rolls back its savepoint only. Replies are sent after
//! the commit returned, so an acknowledged message is on disk, and a failed
//! commit reports every job of the group as failed.

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::{Db, Store, StoreError};
use crate::rejection::Rejection;

/// The work of one message inside the writer's transaction.
pub type Apply = Box<dyn FnOnce(&Db<'_>) -> Result<(), Rejection> + Send>;

struct Job {
    apply: Apply,
    reply: oneshot::Sender<Result<(), Rejection>>,
}

/// A handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread and its checkpointer on `store`. Both stop
    /// when every handle is dropped.
    pub fn spawn(store: &Store, max_batch: usize) -> Result<Writer, StoreError> {
        let conn = store.write_connection()?;
        // Checkpoints run beside the writer, not inside its commits.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpoints = store.write_connection()?;
        let (alive, ended) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("votehub-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpoints, &ended))
            .map_err(|err| StoreError::Thread(err.to_string()))?;
        let (jobs, queue) = mpsc::channel(max_batch.max(1) * 4);
        std::thread::Builder::new()
            .name("votehub-writer".into())
            .spawn(move || {
                run(conn, queue, max_batch.max(1));
                drop(alive);
            })
            .map_err(|err| StoreError::Thread(err.to_string()))?;
        Ok(Writer { jobs })
    }

    /// Runs `apply` in the next group and waits until that group is durable.
    pub async fn submit(&self, apply: Apply) -> Result<(), Rejection> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { apply, reply })
            .await
            .map_err(|_| Rejection::Internal("writer stopped".into()))?;
        answer
            .await
            .map_err(|_| Rejection::Internal("writer dropped a job".into()))?
    }

    /// Like [`Writer::submit`], handing back what `apply` returned.
    pub async fn submit_with<T: Send + 'static>(
        &self,
        apply: impl FnOnce(&Db<'_>) -> Result<T, Rejection> + Send + 'static,
    ) -> Result<T, Rejection> {
        let slot = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out = std::sync::Arc::clone(&slot);
        self.submit(Box::new(move |db| {
            let value = apply(db)?;
            if let Ok(mut out) = out.lock() {
                *out = Some(value);
            }
            Ok(())
        }))
        .await?;
        let value = slot.lock().ok().and_then(|mut value| value.take());
        value.ok_or_else(|| Rejection::Internal("the writer lost a result".into()))
    }
}

/// Copies committed WAL frames into the database file every half second
/// (PASSIVE: never blocks the writer or readers), until the writer ends.
fn checkpoint_loop(conn: &Connection, writer_ended: &std::sync::mpsc::Receiver<()>) {
    loop {
        match writer_ended.recv_timeout(std::time::Duration::from_millis(500)) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Err(err) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(%err, "WAL checkpoint failed");
                }
            }
            _ => return,
        }
    }
}

fn run(mut conn: Connection, mut queue: mpsc::Receiver<Job>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while let Some(first) = queue.blocking_recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_group(&mut conn, &mut batch);
    }
}

fn commit_group(conn: &mut Connection, batch: &mut Vec<Job>) {
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(err) => {
            tracing::error!(%err, "cannot begin a write transaction");
            for job in batch.drain(..) {
                let _ = job.reply.send(Err(Rejection::Internal(err.to_string())));
            }
            return;
        }
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        let outcome = match tx.savepoint() {
            Ok(mut savepoint) => match (job.apply)(&Db::new(&savepoint)) {
                Ok(()) => savepoint
                    .commit()
                    .map_err(|err| Rejection::Internal(err.to_string())),
                Err(rejection) => {
                    let _ = savepoint.rollback();
                    Err(rejection)
                }
            },
            Err(err) => Err(Rejection::Internal(err.to_string())),
        };
        outcomes.push((job.reply, outcome));
    }
    if let Err(err) = tx.commit() {
        tracing::error!(%err, "group commit failed");
        for (reply, _) in outcomes {
            let _ = reply.send(Err(Rejection::Internal(err.to_string())));
        }
        return;
    }
    for (reply, outcome) in outcomes {
        let _ = reply.send(outcome);
    }
}
