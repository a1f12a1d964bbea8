//! Where hub queries run, so that reads never slow ingest down and a crowd
//! asking the same thing costs one answer:
//!
//! - **Below ingest.** Queries execute on the read threads, a runtime of
//!   their own whose threads (and the blocking threads their store reads
//!   use) run at a lower CPU priority than the HTTP workers and the writer.
//!   When both want the cores, votes are acknowledged first; reads take
//!   what is left, which at any realistic ingest rate is most of it.
//! - **One execution per identical request.** Requests with the same bytes
//!   share executions: a request waits for the next execution of its bytes
//!   to *start* after it arrived (never one already running), so every
//!   answer reads a store snapshot taken after its request came in, exactly
//!   as if it ran alone. At most one execution of the same bytes runs at a
//!   time; a hundred clients polling a proposal's votes cost one query per
//!   round, not a hundred.
//! - **As many at once as there are cores.** More executions at a time
//!   would only share the same cores and contend for SQLite's locks; the
//!   rest wait their turn in arrival order.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use futures_util::FutureExt;
use tokio::runtime::Handle;
use tokio::sync::{watch, Semaphore};

use super::{error_reply, HubReply};

/// The niceness of the read threads: under contention, a thread at 10 gets
/// about a tenth of the CPU time of one at 0 (Linux's CFS weights).
const READ_NICENESS: i32 = 10;

/// The next execution of a request's bytes, and those waiting for it.
type Batch = watch::Sender<Option<Arc<HubReply>>>;

/// The requests being answered, by their bytes: `Some` once a request has
/// arrived while its bytes were executing (it waits for the next run).
pub(super) struct Runner {
    running: Mutex<HashMap<Arc<[u8]>, Option<Batch>>>,
    executing: Arc<Semaphore>,
}

impl Default for Runner {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Runner {
            running: Mutex::default(),
            executing: Arc::new(Semaphore::new(cores)),
        }
    }
}

impl Runner {
    /// The reply to the request `key`, from an execution of `execute` that
    /// starts after this call.
    pub(super) async fn run<F, Fut>(self: &Arc<Self>, key: Arc<[u8]>, execute: F) -> Arc<HubReply>
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = HubReply> + Send + 'static,
    {
        let mut receiver = {
            let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
            match running.get_mut(&key) {
                Some(next) => next
                    .get_or_insert_with(|| watch::channel(None).0)
                    .subscribe(),
                None => {
                    let (batch, receiver) = watch::channel(None);
                    running.insert(Arc::clone(&key), None);
                    let driving = drive(Arc::clone(self), key, batch, execute);
                    match read_runtime() {
                        Some(runtime) => drop(runtime.spawn(driving)),
                        None => drop(tokio::spawn(driving)),
                    }
                    receiver
                }
            }
        };
        let reply = match receiver.wait_for(Option::is_some).await {
            Ok(reply) => reply.clone(),
            Err(_) => None,
        };
        reply.unwrap_or_else(|| Arc::new(lost()))
    }
}

fn lost() -> HubReply {
    let mut reply = error_reply("request failed".into());
    reply.status = 500;
    reply
}

/// Executes `key` for each batch that forms while the previous one runs,
/// until none is waiting.
async fn drive<F, Fut>(runner: Arc<Runner>, key: Arc<[u8]>, mut batch: Batch, execute: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = HubReply> + Send + 'static,
{
    loop {
        // The semaphore is never closed.
        let permit = Arc::clone(&runner.executing).acquire_owned().await.ok();
        let reply = AssertUnwindSafe(execute())
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                tracing::error!("a hub query panicked");
                lost()
            });
        drop(permit);
        // The next batch is chosen (or the key freed) before this one is
        // answered, so nothing is left behind once every waiter has its reply.
        let next = {
            let mut running = runner
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let next = running.get_mut(&key).and_then(Option::take);
            if next.is_none() {
                running.remove(&key);
            }
            next
        };
        batch.send_replace(Some(Arc::new(reply)));
        match next {
            Some(next) => batch = next,
            None => return,
        }
    }
}

/// The read threads' runtime, started on first use and shared by every hub
/// of the process; `None` if its thread could not start (queries then run
/// on the caller's runtime).
fn read_runtime() -> Option<&'static Handle> {
    static RUNTIME: OnceLock<Option<Handle>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            let (sender, receiver) = std::sync::mpsc::channel();
            let started = std::thread::Builder::new()
                .name("votehub-reads".into())
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_multi_thread()
                        .thread_name("votehub-read")
                        .on_thread_start(lower_priority)
                        .enable_all()
                        .build();
                    match runtime {
                        Ok(runtime) => {
                            let _ = sender.send(Some(runtime.handle().clone()));
                            runtime.block_on(std::future::pending::<()>());
                        }
                        Err(err) => {
                            tracing::error!(%err, "the read threads could not start");
                            let _ = sender.send(None);
                        }
                    }
                });
            match started {
                Ok(_) => receiver.recv().ok().flatten(),
                Err(err) => {
                    tracing::error!(%err, "the read threads could not start");
                    None
                }
            }
        })
        .as_ref()
}

/// Lowers the calling thread to [`READ_NICENESS`] (on Linux `nice(2)` acts
/// on the calling thread alone).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Ok(current) = rustix::process::nice(0) {
        if current < READ_NICENESS {
            let _ = rustix::process::nice(READ_NICENESS - current);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// A query that counts its executions and answers the count it started as.
    fn counted(
        executions: &Arc<AtomicUsize>,
    ) -> impl Fn() -> futures_util::future::BoxFuture<'static, HubReply> {
        let executions = Arc::clone(executions);
        move || {
            let started = executions.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                HubReply {
                    status: 200,
                    body: started.to_string(),
                }
            }
            .boxed()
        }
    }

    #[tokio::test]
    async fn identical_requests_wait_for_the_next_execution_and_share_it() {
        let runner = Arc::new(Runner::default());
        let executions = Arc::new(AtomicUsize::new(0));
        let first = tokio::spawn({
            let (runner, query) = (Arc::clone(&runner), counted(&executions));
            async move { runner.run(Arc::from(&b"q"[..]), query).await }
        });
        tokio::time::sleep(Duration::from_millis(30)).await;
        // Three more arrive while the first execution runs: they share the second.
        let later: Vec<_> = (0..3)
            .map(|_| {
                let (runner, query) = (Arc::clone(&runner), counted(&executions));
                tokio::spawn(async move { runner.run(Arc::from(&b"q"[..]), query).await })
            })
            .collect();
        assert_eq!(first.await.unwrap().body, "1");
        for reply in later {
            assert_eq!(reply.await.unwrap().body, "2", "started after they arrived");
        }
        assert_eq!(executions.load(Ordering::SeqCst), 2);
        assert!(
            runner.running.lock().unwrap().is_empty(),
            "nothing left behind"
        );
        // Other bytes never wait for these.
        let other = runner
            .run(Arc::from(&b"other"[..]), counted(&executions))
            .await;
        assert_eq!(other.body, "3");
    }

    #[tokio::test]
    async fn a_panicking_query_fails_its_waiters_and_frees_its_key() {
        let runner = Arc::new(Runner::default());
        let reply = runner
            .run(Arc::from(&b"q"[..]), || async { panic!("boom") })
            .await;
        assert_eq!(reply.status, 500);
        assert!(runner.running.lock().unwrap().is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn read_threads_run_below_normal_priority() {
        let niceness = read_runtime()
            .expect("the read runtime starts")
            .block_on(async {
                tokio::task::spawn_blocking(|| rustix::process::nice(0))
                    .await
                    .unwrap()
            });
        assert!(niceness.unwrap() >= READ_NICENESS);
    }
}
