//! Opt-in pinning of every stored block to an IPFS node (Kubo), from the
//! durable outbox of `store/outbox.rs`.
//!
//! [`Db::put_block`](crate::store::Db::put_block) queues each block in the
//! transaction that stores it. The [`Worker`], a tokio task of `votehub serve
//! --ipfs-api URL`, takes due blocks in batches, pushes them through a
//! [`Pinner`] with limited concurrency and records each outcome through the
//! single writer; ingest never waits on IPFS. A failed push is retried with
//! exponential back-off; a daemon that does not answer also pauses the worker
//! (same back-off), so a stalled or stopped daemon costs one wave of requests,
//! not a batch of timeouts. When the daemon names a block with another CID
//! than votehub's, the block is flagged `mismatch` for good and logged at
//! error level. Without an API URL blocks stay pending, so enabling Kubo
//! later back-fills everything.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use cid::Cid;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::task::JoinSet;

use crate::clock::unix_ms;
use crate::store::{writer::Writer, DuePin, PinStatus, Store, StoreError};

use crate::ipfs::{Kubo, PinError, Pinner};

/// Why a pinning round failed, or why one block could not be pushed.
#[derive(Debug, thiserror::Error)]
pub enum PinningError {
    #[error(transparent)]
    Ipfs(#[from] PinError),
    #[error("the stored CID {0:?} does not parse")]
    LocalCid(String),
    #[error("block {0} is not in the blockstore")]
    Missing(String),
    #[error("recording pin outcomes: {0}")]
    Record(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PinningError {
    /// The daemon itself is down or stalled (not refusing one block).
    fn daemon_unavailable(&self) -> bool {
        matches!(self, PinningError::Ipfs(err) if err.daemon_unavailable())
    }
}

/// The `[ipfs]` table of the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IpfsConfig {
    /// Kubo's RPC API, e.g. `http://127.0.0.1:5001`; unset: no pinning
    /// (blocks stay queued as pending).
    pub api: Option<String>,
    /// Per-request timeout, milliseconds.
    pub timeout_ms: u64,
    /// Delay before the first retry, doubled per failed attempt…
    pub retry_base_ms: u64,
    /// …up to this cap, milliseconds.
    pub retry_cap_ms: u64,
    /// Blocks taken from the outbox per round.
    pub batch: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// How often an idle worker looks for new blocks, milliseconds.
    pub poll_ms: u64,
}

impl Default for IpfsConfig {
    fn default() -> Self {
        IpfsConfig {
            api: None,
            timeout_ms: 30_000,
            retry_base_ms: 1_000,
            retry_cap_ms: 300_000,
            batch: 64,
            concurrency: 4,
            poll_ms: 1_000,
        }
    }
}

impl IpfsConfig {
    /// The wait after `failures` consecutive failures: `retry_base_ms`
    /// doubled per failure after the first, capped at `retry_cap_ms`.
    pub(crate) fn backoff(&self, failures: u32) -> Duration {
        let doubling = 1u64
            .checked_shl(failures.saturating_sub(1))
            .unwrap_or(u64::MAX);
        Duration::from_millis(
            self.retry_base_ms
                .saturating_mul(doubling)
                .min(self.retry_cap_ms),
        )
    }
}

/// Starts the pinning worker on the current tokio runtime when `config.api`
/// is set; without it, says that blocks stay queued.
pub fn spawn(
    config: &IpfsConfig,
    store: &Store,
    writer: &Writer,
) -> Result<Option<tokio::task::JoinHandle<()>>, PinError> {
    let Some(url) = &config.api else {
        tracing::info!("no IPFS API configured: stored blocks stay queued for pinning");
        return Ok(None);
    };
    let kubo = Kubo::new(url, Duration::from_millis(config.timeout_ms))?;
    tracing::info!(%url, "pinning stored blocks through this IPFS API");
    let worker = Worker::new(store.clone(), writer.clone(), kubo, config.clone());
    Ok(Some(tokio::spawn(worker.run())))
}

/// What one round of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Round {
    pub pinned: usize,
    pub mismatched: usize,
    pub failed: usize,
    /// The daemon timed out or refused connections: the round stopped early.
    pub daemon_unavailable: bool,
}

/// How one push ended.
enum Outcome {
    Pinned,
    Mismatch(Cid),
    Failed(PinningError),
}

/// Drains the outbox into a [`Pinner`].
pub(crate) struct Worker<P> {
    store: Store,
    writer: Writer,
    pinner: Arc<P>,
    config: IpfsConfig,
}

impl<P: Pinner> Worker<P> {
    pub fn new(store: Store, writer: Writer, pinner: P, config: IpfsConfig) -> Self {
        Worker {
            store,
            writer,
            pinner: Arc::new(pinner),
            config,
        }
    }

    /// Runs rounds until the task is dropped. Survives the daemon being down
    /// at start: everything waits in the outbox until it answers.
    pub async fn run(self) {
        match self.pinner.version().await {
            Ok(version) => tracing::info!(%version, "pinning every stored block to IPFS"),
            Err(err) => tracing::warn!(%err, "IPFS daemon not answering yet; blocks stay queued"),
        }
        let poll = Duration::from_millis(self.config.poll_ms.max(1));
        let mut outages = 0;
        loop {
            let pause = match self.round(unix_ms()).await {
                Ok(round) if round.daemon_unavailable => {
                    outages += 1;
                    self.config.backoff(outages)
                }
                Ok(round) if round.pinned + round.mismatched + round.failed == 0 => {
                    outages = 0;
                    poll
                }
                Ok(_) => {
                    outages = 0;
                    Duration::ZERO
                }
                Err(err) => {
                    tracing::warn!(%err, "pinning round failed");
                    poll
                }
            };
            tokio::time::sleep(pause).await;
        }
    }

    /// Pushes the blocks due at `now` (one batch) and records the outcomes in
    /// one writer job. Stops starting requests once the daemon is unavailable;
    /// the blocks not tried keep their attempt count.
    pub async fn round(&self, now: i64) -> Result<Round, PinningError> {
        let due = self
            .store
            .reader()?
            .db()
            .pins_due(now, self.config.batch.max(1))?;
        let mut queue = due.into_iter();
        let mut running = JoinSet::new();
        let mut done = Vec::new();
        let mut unavailable = false;
        loop {
            while !unavailable && running.len() < self.config.concurrency.max(1) {
                let Some(due) = queue.next() else { break };
                let pinner = Arc::clone(&self.pinner);
                running.spawn(async move {
                    let outcome = push(pinner.as_ref(), &due).await;
                    (due, outcome)
                });
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            match joined {
                Ok((due, outcome)) => {
                    if let Outcome::Failed(err) = &outcome {
                        unavailable |= err.daemon_unavailable();
                    }
                    done.push((due, outcome));
                }
                // A panicking push leaves its block due for the next round.
                Err(err) => tracing::error!(%err, "a pin task failed"),
            }
        }
        self.record(done).await
    }

    async fn record(&self, done: Vec<(DuePin, Outcome)>) -> Result<Round, PinningError> {
        let mut round = Round::default();
        if done.is_empty() {
            return Ok(round);
        }
        let now = unix_ms();
        let mut first_error = None;
        let mut writes = Vec::with_capacity(done.len());
        for (due, outcome) in done {
            let write = match outcome {
                Outcome::Pinned => {
                    round.pinned += 1;
                    Write::Pinned
                }
                Outcome::Mismatch(kubo) => {
                    round.mismatched += 1;
                    tracing::error!(local = %due.cid, kubo = %kubo, "the IPFS daemon names a block differently: flagged as a mismatch");
                    Write::Mismatch(kubo.to_string())
                }
                Outcome::Failed(err) => {
                    round.failed += 1;
                    round.daemon_unavailable |= err.daemon_unavailable();
                    let wait = self.config.backoff(due.attempts.saturating_add(1));
                    let next =
                        now.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
                    let error = err.to_string();
                    first_error.get_or_insert_with(|| error.clone());
                    Write::Failed { error, next }
                }
            };
            writes.push((due.cid, write));
        }
        self.writer
            .submit(Box::new(move |db| {
                for (cid, write) in &writes {
                    match write {
                        Write::Pinned => db.pin_done(cid, now)?,
                        Write::Mismatch(kubo) => db.pin_mismatch(
                            cid,
                            kubo,
                            &format!("the IPFS daemon named the block {kubo}, votehub {cid}"),
                            now,
                        )?,
                        Write::Failed { error, next } => db.pin_failed(cid, error, *next)?,
                    }
                }
                Ok(())
            }))
            .await
            .map_err(|err| PinningError::Record(err.to_string()))?;
        if round.pinned > 0 {
            tracing::debug!(blocks = round.pinned, "pinned");
        }
        if let Some(error) = first_error {
            tracing::warn!(blocks = round.failed, %error, "pinning failed; will retry");
        }
        Ok(round)
    }
}

/// The outcome of one push, as the writer records it.
enum Write {
    Pinned,
    Mismatch(String),
    Failed { error: String, next: i64 },
}

async fn push<P: Pinner>(pinner: &P, due: &DuePin) -> Outcome {
    let Some(data) = &due.data else {
        return Outcome::Failed(PinningError::Missing(due.cid.clone()));
    };
    let Ok(local) = Cid::try_from(due.cid.as_str()) else {
        return Outcome::Failed(PinningError::LocalCid(due.cid.clone()));
    };
    match pinner.put_pinned(&local, data).await {
        // Parsed CIDs compare equal whatever base the daemon printed.
        Ok(named) if named == local => Outcome::Pinned,
        Ok(named) => Outcome::Mismatch(named),
        Err(err) => Outcome::Failed(err.into()),
    }
}

/// `votehub ipfs status`: a readable summary, or JSON (times in unix seconds).
pub fn report(status: &PinStatus, now: i64, as_json: bool) -> String {
    let seconds = |ms: i64| ms.div_euclid(1000);
    if as_json {
        let value = json!({
            "pending": status.pending,
            "pinned": status.pinned,
            "mismatch": status.mismatch,
            "retrying": status.retrying,
            "oldest_pending": status.oldest_pending.as_ref().map(|(cid, queued)| json!({
                "cid": cid,
                "queued": seconds(*queued),
                "age_s": seconds(now.saturating_sub(*queued).max(0)),
            })),
            "next_retry": status.next_retry.as_ref().map(|retry| json!({
                "cid": retry.cid,
                "at": seconds(retry.at),
                "in_s": seconds(retry.at.saturating_sub(now).max(0)),
                "attempts": retry.attempts,
                "error": retry.error,
            })),
            "mismatches": status.mismatches.iter().map(|m| json!({
                "cid": m.cid,
                "kubo_cid": m.kubo_cid,
                "error": m.error,
                "flagged": m.flagged.map(seconds),
            })).collect::<Vec<_>>(),
        });
        return format!("{value}\n");
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "pending   {} ({} retrying)",
        status.pending, status.retrying
    );
    let _ = writeln!(out, "pinned    {}", status.pinned);
    let _ = writeln!(out, "mismatch  {}", status.mismatch);
    match &status.oldest_pending {
        Some((cid, queued)) => {
            let age = human(now.saturating_sub(*queued));
            let _ = writeln!(out, "oldest pending: {cid}, queued {age} ago");
        }
        None => out.push_str("oldest pending: none\n"),
    }
    match &status.next_retry {
        Some(retry) => {
            let when = if retry.at > now {
                format!("in {}", human(retry.at - now))
            } else {
                "due now".to_string()
            };
            let _ = writeln!(
                out,
                "next retry: {when}, {} after {} attempt(s): {}",
                retry.cid,
                retry.attempts,
                retry.error.as_deref().unwrap_or("")
            );
        }
        None => out.push_str("next retry: none\n"),
    }
    for m in &status.mismatches {
        let _ = writeln!(
            out,
            "MISMATCH {} kubo {}: {}",
            m.cid,
            m.kubo_cid.as_deref().unwrap_or("?"),
            m.error.as_deref().unwrap_or("")
        );
    }
    out
}

/// A duration in milliseconds as "42 s", "3 min 5 s", "2 h 3 min" or "4 d 2 h".
fn human(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        3600..86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use super::*;
    use crate::store::{Db, PinRetry};

    /// What the in-memory daemon does with the next pushes.
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Healthy,
        Refusing,
        Down,
        WrongCid,
    }

    struct Fake {
        mode: Mutex<Mode>,
        pushes: AtomicUsize,
    }

    impl Pinner for Arc<Fake> {
        async fn put_pinned(&self, cid: &Cid, data: &[u8]) -> Result<Cid, PinError> {
            self.pushes.fetch_add(1, Ordering::SeqCst);
            let mode = *self.mode.lock().unwrap();
            match mode {
                Mode::Healthy => Ok(*cid),
                Mode::Refusing => Err(PinError::Refused("blockstore full".into())),
                Mode::Down => Err(PinError::Unreachable("connection refused".into())),
                Mode::WrongCid => {
                    let other = crate::ipld::raw_cid(&[data, b"!"].concat());
                    Ok(Cid::try_from(other.as_str()).unwrap())
                }
            }
        }

        async fn block_get(&self, _cid: &Cid) -> Result<Vec<u8>, PinError> {
            Err(PinError::Refused("not in this fake".into()))
        }

        async fn version(&self) -> Result<String, PinError> {
            Ok("fake".into())
        }
    }

    struct Setup {
        _dir: tempfile::TempDir,
        store: Store,
        fake: Arc<Fake>,
        worker: Worker<Arc<Fake>>,
    }

    fn setup(blocks: usize, concurrency: usize) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        let conn = store.write_connection().unwrap();
        for i in 0..blocks {
            let data = format!("block {i}").into_bytes();
            Db::new(&conn)
                .put_block(&crate::ipld::raw_cid(&data), &data)
                .unwrap();
        }
        let writer = Writer::spawn(&store, 16).unwrap();
        let fake = Arc::new(Fake {
            mode: Mutex::new(Mode::Healthy),
            pushes: AtomicUsize::new(0),
        });
        let config = IpfsConfig {
            concurrency,
            retry_base_ms: 60_000,
            ..IpfsConfig::default()
        };
        let worker = Worker::new(store.clone(), writer, Arc::clone(&fake), config);
        Setup {
            _dir: dir,
            store,
            fake,
            worker,
        }
    }

    impl Setup {
        fn status(&self) -> PinStatus {
            self.store.reader().unwrap().db().pin_status().unwrap()
        }

        fn set(&self, mode: Mode) {
            *self.fake.mode.lock().unwrap() = mode;
        }
    }

    #[tokio::test]
    async fn a_round_pins_every_due_block() {
        let s = setup(5, 2);
        let round = s.worker.round(unix_ms()).await.unwrap();
        assert_eq!(round.pinned, 5);
        let status = s.status();
        assert_eq!((status.pending, status.pinned), (0, 5));
        // Nothing is pushed twice.
        assert_eq!(s.worker.round(unix_ms()).await.unwrap(), Round::default());
        assert_eq!(s.fake.pushes.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn a_refused_block_backs_off_and_is_pinned_later() {
        let s = setup(2, 4);
        s.set(Mode::Refusing);
        let round = s.worker.round(unix_ms()).await.unwrap();
        assert_eq!((round.failed, round.daemon_unavailable), (2, false));
        let status = s.status();
        assert_eq!((status.pending, status.retrying), (2, 2));
        let retry = status.next_retry.unwrap();
        assert_eq!(retry.attempts, 1);
        assert!(retry.error.unwrap().contains("blockstore full"));
        // Not due again before its back-off…
        assert_eq!(s.worker.round(unix_ms()).await.unwrap(), Round::default());
        // …and pinned once due with a healthy daemon.
        s.set(Mode::Healthy);
        assert_eq!(s.worker.round(retry.at).await.unwrap().pinned, 2);
        assert_eq!(s.status().pinned, 2);
    }

    #[tokio::test]
    async fn a_down_daemon_stops_the_round_after_one_wave() {
        let s = setup(6, 2);
        s.set(Mode::Down);
        let round = s.worker.round(unix_ms()).await.unwrap();
        assert!(round.daemon_unavailable);
        assert_eq!(round.failed, 2, "only the first wave was sent");
        assert_eq!(s.fake.pushes.load(Ordering::SeqCst), 2);
        let status = s.status();
        assert_eq!((status.pending, status.retrying), (6, 2));
        s.set(Mode::Healthy);
        assert_eq!(s.worker.round(unix_ms()).await.unwrap().pinned, 4);
    }

    #[tokio::test]
    async fn a_wrong_cid_is_flagged_for_good() {
        let s = setup(1, 1);
        s.set(Mode::WrongCid);
        assert_eq!(s.worker.round(unix_ms()).await.unwrap().mismatched, 1);
        let status = s.status();
        assert_eq!((status.pending, status.mismatch), (0, 1));
        let flagged = &status.mismatches[0];
        let kubo = flagged.kubo_cid.clone().unwrap();
        assert_ne!(kubo, flagged.cid);
        assert!(flagged.error.as_deref().unwrap().contains(&kubo));
        s.set(Mode::Healthy);
        let later = unix_ms() + 3_600_000;
        assert_eq!(s.worker.round(later).await.unwrap(), Round::default());
        let text = report(&s.status(), unix_ms(), false);
        assert!(
            text.contains(&format!("MISMATCH {} kubo {kubo}", flagged.cid)),
            "{text}"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let config = IpfsConfig::default();
        let waits: Vec<u64> = [1, 2, 3, 9, 10, 64, u32::MAX]
            .iter()
            .map(|&n| config.backoff(n).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 256, 300, 300, 300]);
        assert_eq!(config.backoff(0).as_secs(), 1);
    }

    #[test]
    fn the_report_names_counts_ages_and_retries() {
        let status = PinStatus {
            pending: 2,
            pinned: 7,
            mismatch: 0,
            retrying: 1,
            oldest_pending: Some(("bafk-old".into(), 1_000)),
            next_retry: Some(PinRetry {
                cid: "bafk-r".into(),
                at: 70_000,
                attempts: 3,
                error: Some("refused".into()),
            }),
            mismatches: Vec::new(),
        };
        let text = report(&status, 43_000, false);
        assert!(text.contains("pending   2 (1 retrying)"), "{text}");
        assert!(text.contains("bafk-old, queued 42 s ago"), "{text}");
        assert!(
            text.contains("next retry: in 27 s, bafk-r after 3 attempt(s): refused"),
            "{text}"
        );
        let value: serde_json::Value =
            serde_json::from_str(&report(&status, 43_000, true)).unwrap();
        assert_eq!(value["oldest_pending"]["age_s"], 42);
        assert_eq!(value["next_retry"]["in_s"], 27);
        assert_eq!(value["mismatches"], json!([]));
        assert_eq!(human(3_725_000), "1 h 2 min");
    }
}
