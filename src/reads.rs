//! The read side of the hub: every question the HTTP API (and later GraphQL)
//! answers, as typed replies. It owns the blocking work: each read runs on a
//! pooled connection on tokio's blocking threads, never on an async worker.

mod court;

pub use court::{case_reply, CaseView, CourtView, PoolView};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use cid::Cid;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use serde_json::{json, Value};
use votehub_strategies::{StrategyError, StrategySpec};

use crate::chain::Chains;
use crate::clock::unix_now;
use crate::format::log::Proof;
use crate::ipld::{DagError, DagWalk};
use crate::protocol::signature::Address;
use crate::results::ResultsError;
use crate::store::writer::Writer;
use crate::store::{
    Db, LogHead, MessageRow, ProposalRow, Store, StoreError, StoredResult, VotePage, VoteRow,
};

/// Why a read gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Nothing of this kind under the asked id (`"space"`, `"proposal"`…).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error("a read task failed: {0}")]
    Task(String),
    #[error("CAR: {0}")]
    Car(String),
    /// A strategy could not score (bad parameters, a failed balance read).
    #[error(transparent)]
    Strategy(#[from] StrategyError),
}

/// Where a proposal stands at a given time, as the hub's `state` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Before `start`.
    Pending,
    /// From `start` to `end`, both included.
    Active,
    /// After `end`.
    Closed,
}

impl Phase {
    pub fn of(proposal: &ProposalRow, now: i64) -> Phase {
        if now < proposal.start {
            Phase::Pending
        } else if now <= proposal.end {
            Phase::Active
        } else {
            Phase::Closed
        }
    }
}

/// A proposal as the API shows it: the stored row and its phase now.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    #[serde(flatten)]
    pub proposal: ProposalRow,
    pub state: Phase,
}

/// A stored message and its pinned envelope.
#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    #[serde(flatten)]
    pub message: MessageRow,
    /// The pinned JSON `{address, sig, hash, data}`; `null` if unreadable.
    pub envelope: Value,
}

/// The read service, shared by every HTTP worker.
#[derive(Clone)]
pub struct Reads {
    store: Store,
    writer: Writer,
    chains: Chains,
    finalize_delay: i64,
    timelines: Arc<Mutex<HashMap<TimelineKey, Timeline>>>,
}

/// A memo whose holder panicked: answered as a failed read.
fn poisoned<T>(_: PoisonError<T>) -> ReadError {
    ReadError::Task("a read memo was poisoned".into())
}

/// Proposals whose vote timelines are kept; the memo is emptied when full.
const TIMELINES_KEPT: usize = 1024;

/// A proposal's timeline: its id, range and number of spans.
type TimelineKey = (String, i64, i64, i64);

/// A counted vote timeline: the proposal's vote changes when counted, when.
struct Timeline {
    vote_changes: i64,
    computed: i64,
    spans: Arc<Vec<(i64, i64, f64)>>,
}

impl Reads {
    /// `finalize_delay`: seconds after a proposal's end before its result
    /// is frozen (`tally::outcome::FINALIZE_DELAY` in production).
    pub fn new(store: Store, writer: Writer, chains: Chains, finalize_delay: i64) -> Self {
        Reads {
            store,
            writer,
            chains,
            finalize_delay,
            timelines: Arc::default(),
        }
    }

    /// `query` inside one read snapshot of a pooled connection, off the
    /// async workers: an answer made of several reads is consistent.
    async fn run<T: Send + 'static>(
        &self,
        query: impl FnOnce(&Db<'_>) -> Result<T, ReadError> + Send + 'static,
    ) -> Result<T, ReadError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let reader = store.reader()?;
            let snapshot = reader.snapshot()?;
            query(&Db::new(&snapshot))
        })
        .await
        .map_err(|err| ReadError::Task(err.to_string()))?
    }

    /// Any read of the hub's GraphQL resolvers, on the same blocking
    /// threads and read snapshot as every other read.
    pub async fn hub<T: Send + 'static>(
        &self,
        query: impl FnOnce(&Db<'_>) -> Result<T, ReadError> + Send + 'static,
    ) -> Result<T, ReadError> {
        self.run(query).await
    }

    /// A space's settings as its controller or an admin last signed them
    /// (what the settings form edits); a deleted space is not found.
    pub async fn space_settings(&self, id: String) -> Result<Value, ReadError> {
        self.run(move |db| match db.space(&id)? {
            Some(space) if !space.deleted => Ok(space.settings),
            _ => Err(ReadError::NotFound("space")),
        })
        .await
    }

    /// A space as the hub's `GET /api/spaces/{id}` gives it: its settings
    /// with the hub's flags (`deleted: true` for a deleted one, which
    /// clients check), plus `id`, `ipfs`, `controller`, `created` and
    /// `updated`.
    pub async fn space(&self, id: String) -> Result<Value, ReadError> {
        self.run(move |db| {
            let space = db.space(&id)?.ok_or(ReadError::NotFound("space"))?;
            let controller = db.controller(&id)?;
            let mut body = space.settings.clone();
            if let Value::Object(fields) = &mut body {
                let domain = fields.get("domain").cloned().unwrap_or(json!(""));
                for (key, value) in [
                    ("id", json!(space.id)),
                    ("ipfs", json!(space.ipfs)),
                    ("controller", json!(controller)),
                    ("created", json!(space.created)),
                    ("updated", json!(space.updated)),
                    ("domain", domain),
                    ("flagged", json!(false)),
                    ("verified", json!(false)),
                    ("turbo", json!(false)),
                    ("turboExpiration", json!(0)),
                    ("hibernated", json!(false)),
                    ("deleted", json!(space.deleted)),
                ] {
                    fields.insert(key.into(), value);
                }
            }
            Ok(body)
        })
        .await
    }

    /// A page of a live space's proposals.
    pub async fn proposals(
        &self,
        space: String,
        first: u32,
        skip: u32,
    ) -> Result<Vec<ProposalView>, ReadError> {
        let proposals = self
            .run(move |db| {
                if db.space(&space)?.is_none_or(|s| s.deleted) {
                    return Err(ReadError::NotFound("space"));
                }
                Ok(db.proposals(&space, first, skip)?)
            })
            .await?;
        let now = unix_now();
        Ok(proposals
            .into_iter()
            .map(|proposal| ProposalView {
                state: Phase::of(&proposal, now),
                proposal,
            })
            .collect())
    }

    pub async fn proposal(&self, id: String) -> Result<ProposalView, ReadError> {
        let proposal = self
            .run(move |db| db.proposal(&id)?.ok_or(ReadError::NotFound("proposal")))
            .await?;
        Ok(ProposalView {
            state: Phase::of(&proposal, unix_now()),
            proposal,
        })
    }

    /// A page of a proposal's current votes.
    pub async fn votes(&self, proposal: String, page: VotePage) -> Result<Vec<VoteRow>, ReadError> {
        self.run(move |db| {
            if db.proposal(&proposal)?.is_none() {
                return Err(ReadError::NotFound("proposal"));
            }
            Ok(db.votes(&proposal, &page)?)
        })
        .await
    }

    pub async fn message(&self, id: String) -> Result<MessageView, ReadError> {
        self.run(move |db| {
            let message = db.message(&id)?.ok_or(ReadError::NotFound("message"))?;
            let envelope = db
                .block(&message.ipfs)?
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .unwrap_or(Value::Null);
            Ok(MessageView { message, envelope })
        })
        .await
    }

    /// The newest pinned head of the message log.
    pub async fn log_head(&self) -> Result<LogHead, ReadError> {
        self.run(|db| db.last_log_head()?.ok_or(ReadError::NotFound("log head")))
            .await
    }

    /// A message's inclusion proof under the first pinned head covering it.
    pub async fn proof(&self, id: String) -> Result<Proof, ReadError> {
        self.run(move |db| {
            crate::message_log::prove(db, &id)?
                .ok_or(ReadError::NotFound("message under a pinned log head"))
        })
        .await
    }

    /// The exact stored bytes of a block.
    pub async fn block(&self, cid: String) -> Result<Vec<u8>, ReadError> {
        self.run(move |db| db.block(&cid)?.ok_or(ReadError::NotFound("block")))
            .await
    }

    /// The whole DAG under `root` as a CARv1, root first, as a stream of
    /// chunks read from the store only as they are taken: a download holds
    /// about [`CAR_STEP_BYTES`] however large the DAG and however slowly its
    /// client reads. The header and first blocks are read before this returns,
    /// so a missing (`NotFound`) or corrupt root is an error before any byte
    /// is sent; a later corrupt or missing block ends the stream with an error.
    pub async fn car(
        &self,
        root: String,
    ) -> Result<impl Stream<Item = Result<Vec<u8>, ReadError>> + 'static, ReadError> {
        let root = Cid::try_from(root.as_str()).map_err(|_| ReadError::NotFound("block"))?;
        let header =
            crate::ipld::car_header(&[root]).map_err(|err| ReadError::Car(err.to_string()))?;
        let (first, walk) = car_step(self.store.clone(), DagWalk::new(root), header)
            .await
            .map_err(|err| match err {
                ReadError::Store(StoreError::Dag(DagError::Missing(missing)))
                    if missing == root.to_string() =>
                {
                    ReadError::NotFound("block")
                }
                other => other,
            })?;
        let store = self.store.clone();
        let rest = futures_util::stream::try_unfold(walk, move |walk| {
            let store = store.clone();
            async move {
                if walk.is_done() {
                    return Ok(None);
                }
                car_step(store, walk, Vec::new()).await.map(Some)
            }
        });
        Ok(futures_util::stream::once(async { Ok(first) }).chain(rest))
    }

    /// A proposal's current result as canonical JSON (counted, stored and
    /// frozen as `crate::results::current` does).
    pub async fn result(&self, id: &str) -> Result<String, ReadError> {
        self.current_result(id)
            .await?
            .map(|result| result.json)
            .ok_or(ReadError::NotFound("proposal"))
    }

    /// A proposal's current result with its state and time, `None` for an
    /// unknown proposal.
    pub async fn current_result(&self, id: &str) -> Result<Option<StoredResult>, ReadError> {
        Ok(crate::results::current(
            &self.store,
            Some(&self.writer),
            id,
            unix_now(),
            self.finalize_delay,
        )
        .await?)
    }

    /// A proposal's current votes by when they were cast, in `spans` equal
    /// spans of its voting period (`Db::vote_timeline`). Counting reads every
    /// vote, so a count is kept and served as long as its result would be
    /// (`results::kept_count_serves`).
    pub async fn vote_timeline(
        &self,
        proposal: &ProposalRow,
        spans: i64,
    ) -> Result<Arc<Vec<(i64, i64, f64)>>, ReadError> {
        let (from, to) = (proposal.start, proposal.end.max(proposal.start + 1));
        let key = (proposal.id.clone(), from, to, spans);
        let now = unix_now();
        if let Some(kept) = self.timelines.lock().map_err(poisoned)?.get(&key) {
            if crate::results::kept_count_serves(proposal, kept.vote_changes, kept.computed, now) {
                return Ok(Arc::clone(&kept.spans));
            }
        }
        let id = proposal.id.clone();
        let counted = Arc::new(
            self.run(move |db| Ok(db.vote_timeline(&id, from, to, spans)?))
                .await?,
        );
        let mut kept = self.timelines.lock().map_err(poisoned)?;
        if kept.len() >= TIMELINES_KEPT {
            kept.clear();
        }
        kept.insert(
            key,
            Timeline {
                vote_changes: proposal.vote_changes,
                computed: now,
                spans: Arc::clone(&counted),
            },
        );
        Ok(counted)
    }

    /// The snapshot block a new proposal on `network` defaults to: the
    /// node's latest block where `--rpc` names one (and it answers), else
    /// the latest imported balance snapshot; `None` when neither knows one.
    /// The node is asked before a read connection is taken, so a slow node
    /// holds none.
    pub async fn default_snapshot(&self, network: String) -> Result<Option<u64>, ReadError> {
        if self.chains.has(&network) {
            let (chains, asked) = (self.chains.clone(), network.clone());
            let latest = tokio::task::spawn_blocking(move || chains.block_number(&asked))
                .await
                .map_err(|err| ReadError::Task(err.to_string()))?;
            match latest {
                Ok(block) => return Ok(Some(block)),
                Err(err) => tracing::warn!(%err, "no latest block; using imported snapshots"),
            }
        }
        self.run(move |db| Ok(db.latest_imported_block(&network)?))
            .await
    }

    /// Voting power of `addresses` under `specs` at `block`: per strategy,
    /// one value per address.
    pub async fn scores(
        &self,
        specs: Vec<StrategySpec>,
        network: String,
        block: u64,
        addresses: Vec<Address>,
    ) -> Result<Vec<Vec<f64>>, ReadError> {
        let chains = self.chains.clone();
        self.run(move |db| {
            Ok(crate::power::scores(
                db, &chains, &specs, &network, block, &addresses,
            )?)
        })
        .await
    }
}

/// Bytes of CAR read from the store per step of a CAR stream (at least one
/// whole block): about what one download holds at a time.
pub const CAR_STEP_BYTES: usize = 256 << 10;

/// Appends the next blocks of `walk` to `out` as CAR sections until it holds
/// [`CAR_STEP_BYTES`] or the walk ends, on a pooled connection off the async
/// workers. The connection is given back before the chunk is sent, so a
/// client that stops reading holds neither a connection nor a thread.
async fn car_step(
    store: Store,
    mut walk: DagWalk,
    mut out: Vec<u8>,
) -> Result<(Vec<u8>, DagWalk), ReadError> {
    tokio::task::spawn_blocking(move || {
        let reader = store.reader()?;
        let db = reader.db();
        while out.len() < CAR_STEP_BYTES {
            let Some((cid, bytes)) = db.dag_step(&mut walk)? else {
                break;
            };
            crate::ipld::car_section(&mut out, &cid, &bytes);
        }
        Ok((out, walk))
    })
    .await
    .map_err(|err| ReadError::Task(err.to_string()))?
}
