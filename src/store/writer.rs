//! The single writer: group commit with acknowledgement after durability.
//!
//! Jobs queue on a bounded channel. The writer thread applies each job inside
//! its own savepoint of one open transaction, and commits the transaction
//! when the previous fsync has finished and no job is waiting (or the group
//! is full). A job that is refused rolls back its savepoint only; a failed
//! commit reports every job of the group as failed.
//!
//! The commit writes the group's WAL frames without waiting for the disk
//! (`synchronous = NORMAL` on this connection); the syncer thread then
//! fsyncs the WAL file and only after that sends the group's replies. The
//! writer meanwhile applies the next jobs, so the cores keep working while
//! the disk flushes, and one fsync covers every group committed before it
//! began. An acknowledged message is therefore on disk. Readers may see a
//! group a moment before it is durable, as with PostgreSQL's commits.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::{Db, Store, StoreError};
use crate::rejection::Rejection;

/// The work of one message inside the writer's transaction.
pub type Apply = Box<dyn FnOnce(&Db<'_>) -> Result<(), Rejection> + Send>;

type Reply = oneshot::Sender<Result<(), Rejection>>;

struct Job {
    apply: Apply,
    reply: Reply,
    isolation: Isolation,
}

/// How a job is kept apart from the others of its group.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Isolation {
    /// In a savepoint of its own: a refusal rolls back its writes only.
    Savepoint,
    /// Without one, because the job refuses only before its first write;
    /// a job that breaks this fails its whole group.
    RefusesBeforeWriting,
}

/// What the writer thread receives: a job, or the syncer's word that the
/// last fsync finished and the next group may commit.
enum Work {
    Job(Job),
    Synced,
}

/// A committed group's replies, held until the WAL is on disk.
type Committed = Vec<(Reply, Result<(), Rejection>)>;

/// A handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Work>,
}

impl Writer {
    /// Starts the writer thread and its checkpointer on `store`. Both stop
    /// when every handle is dropped.
    pub fn spawn(store: &Store, max_batch: usize) -> Result<Writer, StoreError> {
        let conn = store.write_connection()?;
        // Checkpoints run beside the writer, not inside its commits.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // The syncer thread makes each commit durable before its replies.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let (jobs, queue) = mpsc::channel(max_batch.max(1) * 4);
        let (committed, to_sync) = std_mpsc::channel::<Committed>();
        let wal = wal_path(store.path());
        // A weak handle: the queue still closes when every `Writer` is gone.
        let synced = jobs.downgrade();
        std::thread::Builder::new()
            .name("votehub-sync".into())
            .spawn(move || {
                sync_loop(&wal, &to_sync, || {
                    if let Some(jobs) = synced.upgrade() {
                        let _ = jobs.blocking_send(Work::Synced);
                    }
                })
            })
            .map_err(|err| StoreError::Thread(err.to_string()))?;
        let checkpoints = store.write_connection()?;
        let (alive, ended) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("votehub-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpoints, &ended))
            .map_err(|err| StoreError::Thread(err.to_string()))?;
        std::thread::Builder::new()
            .name("votehub-writer".into())
            .spawn(move || {
                run(conn, queue, max_batch.max(1), &committed);
                drop(alive);
            })
            .map_err(|err| StoreError::Thread(err.to_string()))?;
        Ok(Writer { jobs })
    }

    /// Runs `apply` in the next group and waits until that group is durable.
    pub async fn submit(&self, apply: Apply) -> Result<(), Rejection> {
        self.enqueue(apply, Isolation::Savepoint).await
    }

    /// Like [`Writer::submit`] for a job that refuses only before its first
    /// write (it checks, then writes), so it needs no savepoint: that spares
    /// the writer a sub-journal copy of every page the job touches. Should
    /// such a job refuse or fail after writing, its whole group is rolled
    /// back and every job in it fails, so nothing is ever half-written.
    pub async fn submit_checked(&self, apply: Apply) -> Result<(), Rejection> {
        self.enqueue(apply, Isolation::RefusesBeforeWriting).await
    }

    async fn enqueue(&self, apply: Apply, isolation: Isolation) -> Result<(), Rejection> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Work::Job(Job {
                apply,
                reply,
                isolation,
            }))
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

/// The write-ahead log beside the database file.
fn wal_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Waits for committed groups, fsyncs the WAL once for all that are waiting,
/// then replies to them and calls `notify`; until the writer ends.
fn sync_loop(wal: &Path, committed: &std_mpsc::Receiver<Committed>, notify: impl Fn()) {
    let mut file = None;
    while let Ok(mut replies) = committed.recv() {
        while let Ok(more) = committed.try_recv() {
            replies.extend(more);
        }
        let synced = sync_wal(&mut file, wal);
        if let Err(err) = &synced {
            tracing::error!(%err, "cannot fsync the WAL; the group is not acknowledged");
        }
        for (reply, outcome) in replies {
            // A refused job wrote nothing: its refusal stands either way.
            let outcome = match (&synced, outcome) {
                (Err(err), Ok(())) => Err(Rejection::Internal(format!("fsync of the WAL: {err}"))),
                (_, outcome) => outcome,
            };
            let _ = reply.send(outcome);
        }
        notify();
    }
}

/// fsync covers the file, whichever descriptor wrote it. The WAL is opened
/// after the first commit created it; the writer's connection keeps it alive.
fn sync_wal(file: &mut Option<File>, wal: &Path) -> std::io::Result<()> {
    let file = match file {
        Some(file) => file,
        None => file.insert(File::open(wal)?),
    };
    file.sync_data()
}

/// The writer's loop. It applies jobs as they arrive into one open
/// transaction and commits when the syncer is free and no job is waiting (or
/// the group is full), so a group gathers everything that arrived during the
/// previous group's fsync, and the cores never wait for the disk.
fn run(
    mut conn: Connection,
    mut queue: mpsc::Receiver<Work>,
    max_batch: usize,
    committed: &std_mpsc::Sender<Committed>,
) {
    let mut group = Group::default();
    let mut syncing = false;
    loop {
        let work = if group.is_open() && !syncing {
            match queue.try_recv() {
                Ok(work) => Some(work),
                Err(mpsc::error::TryRecvError::Empty) => {
                    syncing = group.commit(&mut conn, committed);
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => None,
            }
        } else {
            queue.blocking_recv()
        };
        match work {
            Some(Work::Synced) => syncing = false,
            Some(Work::Job(job)) => {
                group.apply(&mut conn, job);
                if group.len() >= max_batch {
                    syncing = group.commit(&mut conn, committed);
                }
            }
            None => {
                group.commit(&mut conn, committed);
                return;
            }
        }
    }
}

/// The jobs applied in the open transaction, with their outcomes.
#[derive(Default)]
struct Group {
    open: bool,
    outcomes: Committed,
}

impl Group {
    fn is_open(&self) -> bool {
        self.open
    }

    fn len(&self) -> usize {
        self.outcomes.len()
    }

    /// Runs `job` in the open transaction (begun here if none is open), in
    /// its own savepoint unless it refuses only before writing.
    fn apply(&mut self, conn: &mut Connection, job: Job) {
        if !self.open {
            if let Err(err) = conn.execute_batch("BEGIN IMMEDIATE") {
                tracing::error!(%err, "cannot begin a write transaction");
                let _ = job.reply.send(Err(Rejection::Internal(err.to_string())));
                return;
            }
            self.open = true;
        }
        if job.isolation == Isolation::RefusesBeforeWriting {
            let before = conn.total_changes();
            let outcome = (job.apply)(&Db::new(conn));
            if outcome.is_err() && conn.total_changes() != before {
                self.abort(conn, job.reply, outcome);
            } else {
                self.outcomes.push((job.reply, outcome));
            }
            return;
        }
        let outcome = match conn.savepoint() {
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
        self.outcomes.push((job.reply, outcome));
    }

    /// A job refused or failed after writing without a savepoint: the group
    /// is rolled back and every job in it fails (none was acknowledged yet).
    fn abort(&mut self, conn: &mut Connection, reply: Reply, outcome: Result<(), Rejection>) {
        tracing::error!(
            ?outcome,
            "a job refused after writing; its group of {} is rolled back",
            self.outcomes.len() + 1
        );
        let _ = conn.execute_batch("ROLLBACK");
        self.open = false;
        let failure = Rejection::Internal("the write group was rolled back".into());
        for (reply, _) in std::mem::take(&mut self.outcomes) {
            let _ = reply.send(Err(failure.clone()));
        }
        let _ = reply.send(Err(failure));
    }

    /// Commits the open transaction and hands its replies to the syncer; a
    /// failed commit rolls back and fails every job of the group. Returns
    /// whether an fsync is now pending.
    fn commit(&mut self, conn: &mut Connection, committed: &std_mpsc::Sender<Committed>) -> bool {
        if !self.open {
            return false;
        }
        self.open = false;
        let outcomes = std::mem::take(&mut self.outcomes);
        if let Err(err) = conn.execute_batch("COMMIT") {
            tracing::error!(%err, "group commit failed");
            let _ = conn.execute_batch("ROLLBACK");
            for (reply, _) in outcomes {
                let _ = reply.send(Err(Rejection::Internal(err.to_string())));
            }
            return false;
        }
        // The syncer only ends after this thread, so the send cannot fail.
        committed.send(outcomes).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;

    #[test]
    fn the_wal_sits_beside_the_database() {
        assert_eq!(
            wal_path(Path::new("/data/votehub.sqlite")),
            PathBuf::from("/data/votehub.sqlite-wal")
        );
    }

    /// An accepted job whose WAL cannot be synced is not acknowledged; a
    /// refused one keeps its refusal.
    #[test]
    fn replies_wait_for_the_fsync_and_report_its_failure() {
        let dir = tempfile::tempdir().unwrap();
        let (committed, to_sync) = std_mpsc::channel::<Committed>();
        let (first, first_answer) = oneshot::channel();
        let (second, second_answer) = oneshot::channel();
        committed.send(vec![(first, Ok(()))]).unwrap();
        committed
            .send(vec![(second, Err(Rejection::DuplicateMessage))])
            .unwrap();
        drop(committed);
        sync_loop(&dir.path().join("missing-wal"), &to_sync, || ());
        assert!(matches!(
            first_answer.blocking_recv().unwrap(),
            Err(Rejection::Internal(_))
        ));
        assert_eq!(
            second_answer.blocking_recv().unwrap(),
            Err(Rejection::DuplicateMessage)
        );

        let wal = dir.path().join("votehub.sqlite-wal");
        std::fs::write(&wal, b"frames").unwrap();
        let (committed, to_sync) = std_mpsc::channel::<Committed>();
        let (reply, answer) = oneshot::channel();
        committed.send(vec![(reply, Ok(()))]).unwrap();
        drop(committed);
        sync_loop(&wal, &to_sync, || ());
        assert_eq!(answer.blocking_recv().unwrap(), Ok(()));
    }

    /// Many jobs at once: groups form while earlier ones sync, an accepted
    /// job is readable once acknowledged, and a refused job's writes vanish
    /// while the rest of its group commits.
    #[test]
    fn concurrent_jobs_commit_in_groups_and_refusals_roll_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        let writer = Writer::spawn(&store, 8).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let outcomes = runtime.block_on(async {
            let jobs: Vec<_> = (0..200)
                .map(|i| {
                    let writer = writer.clone();
                    tokio::spawn(async move {
                        let outcome = writer
                            .submit(Box::new(move |db| {
                                db.put_block(&format!("c{i}"), b"x")?;
                                if i % 7 == 0 {
                                    return Err(Rejection::DuplicateMessage);
                                }
                                Ok(())
                            }))
                            .await;
                        (i, outcome)
                    })
                })
                .collect();
            let mut outcomes = Vec::new();
            for job in jobs {
                outcomes.push(job.await.unwrap());
            }
            outcomes
        });
        let reader = store.reader().unwrap();
        for (i, outcome) in outcomes {
            let stored = reader.db().block(&format!("c{i}")).unwrap();
            if i % 7 == 0 {
                assert_eq!(outcome, Err(Rejection::DuplicateMessage));
                assert_eq!(stored, None);
            } else {
                assert_eq!(outcome, Ok(()));
                assert_eq!(stored, Some(b"x".to_vec()));
            }
        }
    }

    fn job(
        isolation: Isolation,
        cid: &'static str,
        refuse: bool,
    ) -> (Job, oneshot::Receiver<Result<(), Rejection>>) {
        let (reply, answer) = oneshot::channel();
        let apply: Apply = Box::new(move |db| {
            db.put_block(cid, b"x")?;
            if refuse {
                return Err(Rejection::DuplicateMessage);
            }
            Ok(())
        });
        (
            Job {
                apply,
                reply,
                isolation,
            },
            answer,
        )
    }

    /// Without a savepoint, a job that refuses after writing takes its whole
    /// group down with it; one that refuses before writing leaves it intact.
    #[test]
    fn a_job_without_savepoint_that_refuses_after_writing_rolls_back_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        let mut conn = store.write_connection().unwrap();
        let (committed, to_sync) = std_mpsc::channel::<Committed>();
        let mut group = Group::default();

        let (first, first_answer) = job(Isolation::Savepoint, "a", false);
        let (breaker, breaker_answer) = job(Isolation::RefusesBeforeWriting, "b", true);
        group.apply(&mut conn, first);
        group.apply(&mut conn, breaker);
        assert!(!group.is_open());
        assert!(matches!(
            first_answer.blocking_recv().unwrap(),
            Err(Rejection::Internal(_))
        ));
        assert!(matches!(
            breaker_answer.blocking_recv().unwrap(),
            Err(Rejection::Internal(_))
        ));

        let (kept, kept_answer) = job(Isolation::RefusesBeforeWriting, "c", false);
        let (refused, refused_answer) = job(Isolation::Savepoint, "d", true);
        let (checks_first, checks_first_answer) = oneshot::channel();
        let refuses_first = Job {
            apply: Box::new(|_| Err(Rejection::AlreadyVotedLater)),
            reply: checks_first,
            isolation: Isolation::RefusesBeforeWriting,
        };
        group.apply(&mut conn, kept);
        group.apply(&mut conn, refused);
        group.apply(&mut conn, refuses_first);
        assert!(group.commit(&mut conn, &committed));
        let replies = to_sync.recv().unwrap();
        assert_eq!(replies.len(), 3);
        for (reply, outcome) in replies {
            let _ = reply.send(outcome);
        }
        assert_eq!(kept_answer.blocking_recv().unwrap(), Ok(()));
        assert_eq!(
            refused_answer.blocking_recv().unwrap(),
            Err(Rejection::DuplicateMessage)
        );
        assert_eq!(
            checks_first_answer.blocking_recv().unwrap(),
            Err(Rejection::AlreadyVotedLater)
        );
        let db = Db::new(&conn);
        let stored: Vec<bool> = ["a", "b", "c", "d"]
            .iter()
            .map(|cid| db.block(cid).unwrap().is_some())
            .collect();
        assert_eq!(stored, [false, false, true, false]);
    }
}
