//! The single writer: group commit with acknowledgement after durability.
//!
//! Jobs queue on a bounded channel. The writer thread applies each job inside
//! one open transaction, in a savepoint of its own unless it refuses only
//! before writing ([`Writer::submit_checked`]), and commits the transaction
//! when the previous fsync has finished and no job is waiting (or the group
//! is full). A job that is refused rolls back its savepoint only; a failed
//! commit, or a transaction SQLite rolled back by itself, fails every job of
//! the group.
//!
//! The commit writes the group's WAL frames without waiting for the disk
//! (`synchronous = NORMAL` on this connection); the syncer thread then
//! fsyncs the WAL file and only after that sends the group's replies. The
//! writer meanwhile applies the next jobs, so the cores keep working while
//! the disk flushes, and one fsync covers every group committed before it
//! began. An acknowledged message is therefore on disk, and after a failed
//! fsync nothing is acknowledged any more. Readers may see a group a moment
//! before it is durable, as with PostgreSQL's commits; a refusal that rests
//! on what they saw waits for [`Writer::durable`].

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::{Db, Store, StoreError, WAL_LIMIT};
use crate::protocol::rejection::Rejection;

/// Why a job was not committed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The job refused, re-checking a rule inside the transaction
    /// (duplicate, revote order, alias link…); nothing of it was written.
    #[error(transparent)]
    Refused(Rejection),
    /// The store failed (the job's own query, the group's commit or the
    /// fsync); the job is not on disk.
    #[error("storage failed: {0}")]
    Failed(String),
    /// The writer thread is gone.
    #[error("the writer stopped")]
    Stopped,
}

impl From<Rejection> for WriteError {
    fn from(rejection: Rejection) -> Self {
        WriteError::Refused(rejection)
    }
}

impl From<StoreError> for WriteError {
    fn from(err: StoreError) -> Self {
        WriteError::Failed(err.to_string())
    }
}

impl From<rusqlite::Error> for WriteError {
    fn from(err: rusqlite::Error) -> Self {
        WriteError::Failed(err.to_string())
    }
}

/// The work of one message inside the writer's transaction.
pub type Apply = Box<dyn FnOnce(&Db<'_>) -> Result<(), WriteError> + Send>;

type Reply = oneshot::Sender<Result<(), WriteError>>;

/// Runs on the writer thread right after the commit that holds its job.
pub type OnCommit = Box<dyn FnOnce() + Send>;

struct Job {
    apply: Apply,
    reply: Reply,
    isolation: Isolation,
    on_commit: Option<OnCommit>,
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

/// What the writer thread receives: a job, or the syncer's wake-up after an
/// fsync (the count of groups still waiting for one is in `Pending`).
enum Work {
    Job(Job),
    Synced,
}

/// Groups committed whose fsync has not finished yet.
type Pending = Arc<AtomicUsize>;

/// A committed group's replies, held until the WAL is on disk.
type Committed = Vec<(Reply, Result<(), WriteError>)>;

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
        // Named as SQLite names it (symbolic links resolved).
        let wal = conn
            .path()
            .filter(|path| !path.is_empty())
            .map(wal_path)
            .ok_or_else(|| StoreError::Thread("the writer needs a database file".into()))?;
        let checkpoint_wal = wal.clone();
        let (jobs, queue) = mpsc::channel(max_batch.max(1) * 4);
        let (committed, to_sync) = std_mpsc::channel::<Committed>();
        let pending = Pending::default();
        let synced = Arc::clone(&pending);
        // A weak handle: the queue still closes when every `Writer` is gone.
        let wake = jobs.downgrade();
        std::thread::Builder::new()
            .name("votehub-sync".into())
            .spawn(move || {
                sync_loop(&wal, &to_sync, |groups| {
                    synced.fetch_sub(groups, Ordering::AcqRel);
                    // Never waits: a full queue means the writer is busy
                    // receiving and reads `pending` on every turn anyway.
                    if let Some(jobs) = wake.upgrade() {
                        let _ = jobs.try_send(Work::Synced);
                    }
                })
            })
            .map_err(|err| StoreError::Thread(err.to_string()))?;
        let checkpoints = store.write_connection()?;
        checkpoints.busy_timeout(CHECKPOINT_WAIT)?;
        let (alive, ended) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("votehub-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpoints, &checkpoint_wal, &ended))
            .map_err(|err| StoreError::Thread(err.to_string()))?;
        std::thread::Builder::new()
            .name("votehub-writer".into())
            .spawn(move || {
                run(conn, queue, max_batch.max(1), &committed, &pending);
                drop(alive);
            })
            .map_err(|err| StoreError::Thread(err.to_string()))?;
        Ok(Writer { jobs })
    }

    /// Runs `apply` in the next group and waits until that group is durable.
    pub async fn submit(&self, apply: Apply) -> Result<(), WriteError> {
        self.enqueue(apply, Isolation::Savepoint, None).await
    }

    /// Like [`Writer::submit`]; if `apply` succeeds, `on_commit` runs on the
    /// writer thread as soon as its group is committed (visible to readers),
    /// before the fsync, even if the caller stops waiting.
    pub async fn submit_then(&self, apply: Apply, on_commit: OnCommit) -> Result<(), WriteError> {
        self.enqueue(apply, Isolation::Savepoint, Some(on_commit))
            .await
    }

    /// Waits until everything committed so far is on disk: a refusal that
    /// rests on what readers saw must not rest on a group still unsynced.
    pub async fn durable(&self) -> Result<(), WriteError> {
        self.submit(Box::new(|_| Ok(()))).await
    }

    /// Like [`Writer::submit`] for a job that refuses only before its first
    /// write (it checks, then writes), so it needs no savepoint: that spares
    /// the writer a sub-journal copy of every page the job touches. Should
    /// such a job refuse or fail after writing, its whole group is rolled
    /// back and every job in it fails, so nothing is ever half-written.
    pub async fn submit_checked(&self, apply: Apply) -> Result<(), WriteError> {
        self.enqueue(apply, Isolation::RefusesBeforeWriting, None)
            .await
    }

    async fn enqueue(
        &self,
        apply: Apply,
        isolation: Isolation,
        on_commit: Option<OnCommit>,
    ) -> Result<(), WriteError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Work::Job(Job {
                apply,
                reply,
                isolation,
                on_commit,
            }))
            .await
            .map_err(|_| WriteError::Stopped)?;
        answer.await.map_err(|_| WriteError::Stopped)?
    }

    /// Like [`Writer::submit`], handing back what `apply` returned.
    pub async fn submit_with<T: Send + 'static>(
        &self,
        apply: impl FnOnce(&Db<'_>) -> Result<T, WriteError> + Send + 'static,
    ) -> Result<T, WriteError> {
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
        value.ok_or_else(|| WriteError::Failed("the writer lost a result".into()))
    }
}

/// How long a TRUNCATE checkpoint waits for the writer and readers. It holds
/// the write lock while it waits for readers, so a long read (a count of a
/// million votes) would hold up every vote behind it; after this it gives
/// up and tries again at the next tick. Meanwhile the WAL may pass its
/// limit by what is written during the longest read.
const CHECKPOINT_WAIT: std::time::Duration = std::time::Duration::from_millis(10);

/// Copies committed WAL frames into the database file every half second,
/// and keeps the WAL file small. A PASSIVE checkpoint never blocks the writer
/// or readers, but under steady load it never gets to restart the WAL, which
/// then grows without end; so when the file passes [`WAL_LIMIT`], or the
/// store has been idle for a tick, a TRUNCATE checkpoint waits for the
/// writer's next commit and for readers to move on (up to [`CHECKPOINT_WAIT`]),
/// then empties the file. When the writer ends, a last TRUNCATE, patient
/// this time, leaves no WAL behind.
fn checkpoint_loop(conn: &Connection, wal: &Path, writer_ended: &std::sync::mpsc::Receiver<()>) {
    let checkpoint = |mode: &str| {
        if let Err(err) = conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(()))
        {
            tracing::warn!(%err, mode, "WAL checkpoint failed");
        }
    };
    let wal_size = || std::fs::metadata(wal).map_or(0, |meta| meta.len());
    let mut last_size = wal_size();
    loop {
        match writer_ended.recv_timeout(std::time::Duration::from_millis(500)) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let size = wal_size();
                let idle = size > 0 && size == last_size;
                if size > WAL_LIMIT || idle {
                    checkpoint("TRUNCATE");
                } else {
                    checkpoint("PASSIVE");
                }
                last_size = wal_size();
            }
            _ => {
                let _ = conn.busy_timeout(super::BUSY_TIMEOUT);
                checkpoint("TRUNCATE");
                return;
            }
        }
    }
}

/// The write-ahead log beside the database file SQLite opened.
fn wal_path(database: &str) -> PathBuf {
    PathBuf::from(format!("{database}-wal"))
}

/// Waits for committed groups, fsyncs the WAL once for all that are waiting,
/// then replies to them and calls `notify` with how many groups it synced;
/// until the writer ends.
///
/// A failed fsync is final: Linux may drop the unwritten pages and report the
/// error once, so a later fsync that succeeds proves nothing about the frames
/// before it. From then on no reply is positive (nor a refusal, which may rest
/// on lost data) until votehub restarts and SQLite recovers from the disk.
fn sync_loop(wal: &Path, committed: &std_mpsc::Receiver<Committed>, notify: impl Fn(usize)) {
    let mut file = None;
    let mut failed: Option<String> = None;
    while let Ok(first) = committed.recv() {
        let mut groups = vec![first];
        while let Ok(more) = committed.try_recv() {
            groups.push(more);
        }
        if failed.is_none() {
            if let Err(err) = sync_wal(&mut file, wal) {
                tracing::error!(%err, "cannot fsync the WAL: nothing is acknowledged until votehub restarts");
                failed = Some(format!("fsync of the WAL failed ({err}); restart votehub"));
            }
        }
        for (reply, outcome) in groups.iter_mut().flat_map(std::mem::take) {
            let outcome = match &failed {
                Some(failure) => Err(WriteError::Failed(failure.clone())),
                None => outcome,
            };
            let _ = reply.send(outcome);
        }
        notify(groups.len());
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
    pending: &Pending,
) {
    let mut group = Group::default();
    loop {
        let syncing = pending.load(Ordering::Acquire) > 0;
        let work = if group.is_open() && !syncing {
            match queue.try_recv() {
                Ok(work) => Some(work),
                Err(mpsc::error::TryRecvError::Empty) => {
                    group.commit(&mut conn, committed, pending);
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => None,
            }
        } else {
            queue.blocking_recv()
        };
        match work {
            Some(Work::Synced) => {}
            Some(Work::Job(job)) => {
                group.apply(&mut conn, job);
                if group.len() >= max_batch {
                    group.commit(&mut conn, committed, pending);
                }
            }
            None => {
                group.commit(&mut conn, committed, pending);
                return;
            }
        }
    }
}

/// The jobs applied in the open transaction, with their outcomes and the
/// hooks of those that succeeded.
#[derive(Default)]
struct Group {
    open: bool,
    outcomes: Committed,
    on_commit: Vec<OnCommit>,
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
        // SQLite ends a transaction by itself on some errors (a full disk,
        // an I/O error): the group is lost, and is failed before going on.
        if self.open && conn.is_autocommit() {
            self.fail(conn, "SQLite rolled the write group back");
        }
        if !self.open {
            if let Err(err) = conn.execute_batch("BEGIN IMMEDIATE") {
                tracing::error!(%err, "cannot begin a write transaction");
                let _ = job.reply.send(Err(WriteError::Failed(err.to_string())));
                return;
            }
            self.open = true;
        }
        let outcome = match job.isolation {
            Isolation::RefusesBeforeWriting => {
                let before = conn.total_changes();
                let outcome = (job.apply)(&Db::new(conn));
                if outcome.is_err() && conn.total_changes() != before {
                    tracing::error!(?outcome, "a job refused after writing without a savepoint");
                    self.outcomes.push((job.reply, outcome));
                    self.fail(
                        conn,
                        "a job refused after writing; the write group was rolled back",
                    );
                    return;
                }
                outcome
            }
            Isolation::Savepoint => Self::in_savepoint(conn, job.apply),
        };
        if conn.is_autocommit() {
            self.outcomes.push((job.reply, outcome));
            self.fail(conn, "SQLite rolled the write group back");
            return;
        }
        if outcome.is_ok() {
            self.on_commit.extend(job.on_commit);
        }
        self.outcomes.push((job.reply, outcome));
    }

    /// A job in a savepoint of its own: a refusal rolls back its writes only.
    fn in_savepoint(conn: &mut Connection, apply: Apply) -> Result<(), WriteError> {
        match conn.savepoint() {
            Ok(mut savepoint) => match apply(&Db::new(&savepoint)) {
                Ok(()) => Ok(savepoint.commit()?),
                Err(rejection) => {
                    let _ = savepoint.rollback();
                    Err(rejection)
                }
            },
            Err(err) => Err(err.into()),
        }
    }

    /// Rolls the open transaction back (if SQLite has not already) and fails
    /// every job of the group; none was acknowledged yet.
    fn fail(&mut self, conn: &mut Connection, why: &str) {
        tracing::error!("{why} ({} jobs)", self.outcomes.len());
        if !conn.is_autocommit() {
            if let Err(err) = conn.execute_batch("ROLLBACK") {
                tracing::error!(%err, "cannot roll the write group back");
            }
        }
        self.open = false;
        self.on_commit.clear();
        for (reply, _) in std::mem::take(&mut self.outcomes) {
            let _ = reply.send(Err(WriteError::Failed(why.to_string())));
        }
    }

    /// Commits the open transaction, runs the hooks of its jobs and hands
    /// their replies to the syncer; a failed commit fails every job.
    fn commit(
        &mut self,
        conn: &mut Connection,
        committed: &std_mpsc::Sender<Committed>,
        pending: &Pending,
    ) {
        if !self.open {
            return;
        }
        if conn.is_autocommit() {
            self.fail(conn, "SQLite rolled the write group back");
            return;
        }
        if let Err(err) = conn.execute_batch("COMMIT") {
            self.fail(conn, &format!("group commit failed: {err}"));
            return;
        }
        self.open = false;
        for hook in self.on_commit.drain(..) {
            hook();
        }
        pending.fetch_add(1, Ordering::AcqRel);
        // The syncer only ends after this thread, so the send cannot fail.
        if committed.send(std::mem::take(&mut self.outcomes)).is_err() {
            pending.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;

    #[test]
    fn the_wal_sits_beside_the_database() {
        assert_eq!(
            wal_path("/data/votehub.sqlite"),
            PathBuf::from("/data/votehub.sqlite-wal")
        );
    }

    /// Hands one committed group to a syncer and waits for its replies.
    fn sync_round(
        committed: &std_mpsc::Sender<Committed>,
        rounds: &std_mpsc::Receiver<usize>,
        outcomes: Vec<Result<(), WriteError>>,
    ) -> Vec<Result<(), WriteError>> {
        let (replies, answers): (Vec<_>, Vec<_>) = outcomes
            .into_iter()
            .map(|outcome| {
                let (reply, answer) = oneshot::channel();
                ((reply, outcome), answer)
            })
            .unzip();
        committed.send(replies).unwrap();
        assert_eq!(rounds.recv().unwrap(), 1);
        answers
            .into_iter()
            .map(|answer| answer.blocking_recv().unwrap())
            .collect()
    }

    /// Replies come after a successful fsync; once an fsync failed, no reply
    /// is positive any more, nor a refusal, even when a later one would pass.
    #[test]
    fn replies_follow_the_fsync_and_a_failed_fsync_is_final() {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("votehub.sqlite-wal");
        for exists in [true, false] {
            if exists {
                std::fs::write(&wal, b"frames").unwrap();
            } else {
                std::fs::remove_file(&wal).unwrap();
            }
            let (committed, to_sync) = std_mpsc::channel::<Committed>();
            let (synced, rounds) = std_mpsc::channel::<usize>();
            let path = wal.clone();
            let syncer = std::thread::spawn(move || {
                sync_loop(&path, &to_sync, |groups| synced.send(groups).unwrap())
            });
            let first = sync_round(
                &committed,
                &rounds,
                vec![
                    Ok(()),
                    Err(WriteError::Refused(Rejection::DuplicateMessage)),
                ],
            );
            if exists {
                assert_eq!(
                    first,
                    [
                        Ok(()),
                        Err(WriteError::Refused(Rejection::DuplicateMessage))
                    ]
                );
            } else {
                assert!(first
                    .iter()
                    .all(|r| matches!(r, Err(WriteError::Failed(_)))));
                // The file is back, but the failure stands.
                std::fs::write(&wal, b"frames").unwrap();
                let later = sync_round(&committed, &rounds, vec![Ok(())]);
                assert!(matches!(later[0], Err(WriteError::Failed(_))), "{later:?}");
            }
            drop(committed);
            syncer.join().unwrap();
        }
    }

    /// A job's hook runs once its group is committed, before any reply; a
    /// refused job's hook never runs.
    #[test]
    fn hooks_run_at_commit_for_accepted_jobs_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        let writer = Writer::spawn(&store, 8).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for refuse in [false, true] {
            let counter = Arc::clone(&ran);
            let outcome = runtime.block_on(writer.submit_then(
                Box::new(move |db| {
                    db.put_block(&format!("hook-{refuse}"), b"x")?;
                    if refuse {
                        return Err(Rejection::DuplicateMessage.into());
                    }
                    Ok(())
                }),
                Box::new(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                }),
            ));
            assert_eq!(outcome.is_ok(), !refuse);
            assert_eq!(ran.load(Ordering::SeqCst), 1);
        }
        assert_eq!(runtime.block_on(writer.durable()), Ok(()));
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
                                    return Err(Rejection::DuplicateMessage.into());
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
            let stored = reader.db().raw_block(&format!("c{i}")).unwrap();
            if i % 7 == 0 {
                assert_eq!(
                    outcome,
                    Err(WriteError::Refused(Rejection::DuplicateMessage))
                );
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
    ) -> (Job, oneshot::Receiver<Result<(), WriteError>>) {
        let (reply, answer) = oneshot::channel();
        let apply: Apply = Box::new(move |db| {
            db.put_block(cid, b"x")?;
            if refuse {
                return Err(Rejection::DuplicateMessage.into());
            }
            Ok(())
        });
        (
            Job {
                apply,
                reply,
                isolation,
                on_commit: None,
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
            Err(WriteError::Failed(_))
        ));
        assert!(matches!(
            breaker_answer.blocking_recv().unwrap(),
            Err(WriteError::Failed(_))
        ));

        let (kept, kept_answer) = job(Isolation::RefusesBeforeWriting, "c", false);
        let (refused, refused_answer) = job(Isolation::Savepoint, "d", true);
        let (checks_first, checks_first_answer) = oneshot::channel();
        let refuses_first = Job {
            apply: Box::new(|_| Err(Rejection::AlreadyVotedLater.into())),
            reply: checks_first,
            isolation: Isolation::RefusesBeforeWriting,
            on_commit: None,
        };
        group.apply(&mut conn, kept);
        group.apply(&mut conn, refused);
        group.apply(&mut conn, refuses_first);
        let pending = Pending::default();
        group.commit(&mut conn, &committed, &pending);
        assert_eq!(pending.load(Ordering::Acquire), 1);
        let replies = to_sync.recv().unwrap();
        assert_eq!(replies.len(), 3);
        for (reply, outcome) in replies {
            let _ = reply.send(outcome);
        }
        assert_eq!(kept_answer.blocking_recv().unwrap(), Ok(()));
        assert_eq!(
            refused_answer.blocking_recv().unwrap(),
            Err(WriteError::Refused(Rejection::DuplicateMessage))
        );
        assert_eq!(
            checks_first_answer.blocking_recv().unwrap(),
            Err(WriteError::Refused(Rejection::AlreadyVotedLater))
        );
        let db = Db::new(&conn);
        let stored: Vec<bool> = ["a", "b", "c", "d"]
            .iter()
            .map(|cid| db.raw_block(cid).unwrap().is_some())
            .collect();
        assert_eq!(stored, [false, false, true, false]);
    }

    #[test]
    fn the_wal_is_emptied_when_the_store_goes_idle_and_when_the_writer_stops() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("votehub.sqlite");
        let store = Store::open(&path).unwrap();
        let writer = Writer::spawn(&store, 64).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let wal = wal_path(path.to_str().unwrap());
        let size = || std::fs::metadata(&wal).map_or(0, |meta| meta.len());
        let emptied = || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while size() > 0 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "WAL still {} bytes",
                    size()
                );
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        };
        runtime.block_on(async {
            for i in 0..64u8 {
                writer
                    .submit(Box::new(move |db| {
                        db.put_block(&format!("wal-{i}"), &vec![i; 64 * 1024])?;
                        Ok(())
                    }))
                    .await
                    .unwrap();
            }
        });
        assert!(
            size() > 4 << 20,
            "the WAL holds the writes: {} bytes",
            size()
        );
        emptied();
        // Written again, then the writer stops: nothing is left in the WAL.
        runtime.block_on(async {
            writer
                .submit(Box::new(|db| Ok(db.put_block("after", &[7; 65536])?)))
                .await
                .unwrap()
        });
        drop(writer);
        emptied();
        let reader = store.reader().unwrap();
        assert_eq!(
            reader.db().raw_block("after").unwrap(),
            Some(vec![7; 65536])
        );
        assert_eq!(
            reader.db().raw_block("wal-63").unwrap(),
            Some(vec![63; 65536])
        );
    }
}
