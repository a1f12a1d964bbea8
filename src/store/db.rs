//! Typed queries over one connection: a pooled reader or the writer's savepoint.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use serde_json::Value;

use super::StoreError;
use crate::tally::outcome::{CountedVote, ScoresState, Terms};
use crate::tally::VotingType;

/// Typed access to the tables. Read methods work on any connection; write
/// methods are only called by the writer thread and the CLI.
pub struct Db<'a> {
    pub(super) conn: &'a Connection,
}

/// A stored message as the hub's `messages` query shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MessageRow {
    pub mci: i64,
    pub id: String,
    pub ipfs: String,
    pub address: String,
    pub version: String,
    pub timestamp: i64,
    pub space: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub sig: String,
    pub receipt: String,
    pub received: i64,
    /// This message's link in the append-only log (`crate::message_log`), set on insert.
    pub log: String,
}

/// A space: its settings JSON as accepted, plus bookkeeping.
#[derive(Debug, Clone, Serialize)]
pub struct SpaceRow {
    pub id: String,
    pub settings: Value,
    pub ipfs: String,
    pub created: i64,
    pub updated: i64,
    pub deleted: bool,
}

/// A proposal with the space rules frozen at its creation, as stored.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalRow {
    pub id: String,
    pub ipfs: String,
    pub author: String,
    pub created: i64,
    pub updated: Option<i64>,
    pub space: String,
    pub network: String,
    pub symbol: String,
    #[serde(rename = "type")]
    pub kind: VotingType,
    pub strategies: Value,
    pub validation: Value,
    pub plugins: Value,
    pub title: String,
    pub body: String,
    pub discussion: String,
    pub choices: Vec<String>,
    pub labels: Vec<String>,
    pub start: i64,
    pub end: i64,
    pub snapshot: i64,
    pub quorum: f64,
    #[serde(rename = "quorumType")]
    pub quorum_type: String,
    pub privacy: String,
    pub app: String,
    pub flagged: bool,
    pub votes: i64,
    pub scores_state: ScoresState,
    /// Bumped by every vote write; tells a cached result it is stale.
    #[serde(skip)]
    pub vote_changes: i64,
    /// Root CID of the audit bundle, once the proposal closed (`crate::audit`).
    pub audit_cid: Option<String>,
}

/// A stored result: its canonical JSON and the vote changes it counted.
#[derive(Debug, Clone)]
pub struct StoredResult {
    pub vote_changes: i64,
    pub state: ScoresState,
    pub json: String,
}

impl ProposalRow {
    /// What counting needs of the proposal.
    pub fn terms(&self) -> Terms<'_> {
        Terms {
            id: &self.id,
            kind: self.kind.as_str(),
            voting_type: self.kind,
            choices: &self.choices,
            strategies: self.strategies.as_array().map_or(0, Vec::len),
            quorum: self.quorum,
            quorum_type: &self.quorum_type,
            end: self.end,
        }
    }
}

/// A voter's current vote on a proposal.
#[derive(Debug, Clone, Serialize)]
pub struct VoteRow {
    pub id: String,
    pub ipfs: String,
    pub voter: String,
    pub created: i64,
    pub space: String,
    pub proposal: String,
    pub choice: Value,
    pub reason: String,
    pub app: String,
    pub metadata: Value,
    pub vp: f64,
    pub vp_by_strategy: Vec<f64>,
    pub vp_state: String,
}

/// Sort key of a vote listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOrder {
    Created,
    Vp,
}

/// One page of a proposal's votes, in the hub's conventions.
#[derive(Debug, Clone)]
pub struct VotePage {
    pub first: u32,
    pub skip: u32,
    pub order: VoteOrder,
    pub descending: bool,
    pub created_gte: Option<i64>,
    pub created_lt: Option<i64>,
}

fn json_column(row: &Row<'_>, index: &str) -> rusqlite::Result<Value> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(err))
    })
}

/// Proposals with their vote counters (migration 0007), as `proposal_from_row`
/// reads them, followed by the query's own clauses.
macro_rules! select_proposals {
    ($clauses:literal) => {
        concat!(
            "SELECT p.*, COALESCE(c.votes, 0) AS votes, COALESCE(c.vote_changes, 0) AS vote_changes
             FROM proposals p LEFT JOIN proposal_counts c ON c.proposal = p.id ",
            $clauses
        )
    };
}

/// A proposal's `type`; only known types are ever stored.
fn voting_type_column(row: &Row<'_>) -> rusqlite::Result<VotingType> {
    let text: String = row.get("type")?;
    VotingType::parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown voting type {text:?}").into(),
        )
    })
}

fn proposal_from_row(row: &Row<'_>) -> rusqlite::Result<ProposalRow> {
    let strings = |value: Value| -> Vec<String> {
        value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(ProposalRow {
        id: row.get("id")?,
        ipfs: row.get("ipfs")?,
        author: row.get("author")?,
        created: row.get("created")?,
        updated: row.get("updated")?,
        space: row.get("space")?,
        network: row.get("network")?,
        symbol: row.get("symbol")?,
        kind: voting_type_column(row)?,
        strategies: json_column(row, "strategies")?,
        validation: json_column(row, "validation")?,
        plugins: json_column(row, "plugins")?,
        title: row.get("title")?,
        body: row.get("body")?,
        discussion: row.get("discussion")?,
        choices: strings(json_column(row, "choices")?),
        labels: strings(json_column(row, "labels")?),
        start: row.get("start")?,
        end: row.get("end")?,
        snapshot: row.get("snapshot")?,
        quorum: row.get("quorum")?,
        quorum_type: row.get("quorum_type")?,
        privacy: row.get("privacy")?,
        app: row.get("app")?,
        flagged: row.get("flagged")?,
        votes: row.get("votes")?,
        scores_state: ScoresState::parse(&row.get::<_, String>("scores_state")?),
        vote_changes: row.get("vote_changes")?,
        audit_cid: row.get("audit_cid")?,
    })
}

fn vote_from_row(row: &Row<'_>) -> rusqlite::Result<VoteRow> {
    let vp_by_strategy = json_column(row, "vp_by_strategy")?;
    Ok(VoteRow {
        id: row.get("id")?,
        ipfs: row.get("ipfs")?,
        voter: row.get("voter")?,
        created: row.get("created")?,
        space: row.get("space")?,
        proposal: row.get("proposal")?,
        choice: json_column(row, "choice")?,
        reason: row.get("reason")?,
        app: row.get("app")?,
        metadata: json_column(row, "metadata")?,
        vp: row.get("vp")?,
        vp_by_strategy: vp_by_strategy
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default(),
        vp_state: row.get("vp_state")?,
    })
}

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        mci: row.get("mci")?,
        id: row.get("id")?,
        ipfs: row.get("ipfs")?,
        address: row.get("address")?,
        version: row.get("version")?,
        timestamp: row.get("timestamp")?,
        space: row.get("space")?,
        kind: row.get("type")?,
        sig: row.get("sig")?,
        receipt: row.get("receipt")?,
        received: row.get("received")?,
        log: row.get("log")?,
    })
}

impl<'a> Db<'a> {
    pub fn new(conn: &'a Connection) -> Self {
        Db { conn }
    }

    /// Runs `work` inside a savepoint: all of its writes land, or none do.
    /// Works inside or outside an enclosing transaction.
    pub(crate) fn atomically<T, E: From<StoreError>>(
        &self,
        work: impl FnOnce(&Db<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.conn
            .execute_batch("SAVEPOINT atomically")
            .map_err(StoreError::from)?;
        match work(self) {
            Ok(value) => {
                self.conn
                    .execute_batch("RELEASE atomically")
                    .map_err(StoreError::from)?;
                Ok(value)
            }
            Err(err) => {
                self.conn
                    .execute_batch("ROLLBACK TO atomically; RELEASE atomically")
                    .map_err(StoreError::from)?;
                Err(err)
            }
        }
    }

    // ---- messages and blocks

    pub fn message_exists(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM messages WHERE id = ?1")?
            .exists([id])?)
    }

    pub fn message(&self, id: &str) -> Result<Option<MessageRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT * FROM messages WHERE id = ?1")?
            .query_row([id], message_from_row)
            .optional()?)
    }

    /// Appends a message to the log; its `log` link is computed here from the
    /// last stored message, so the chain follows commit order.
    pub fn insert_message(&self, row: &MessageRow) -> Result<(), StoreError> {
        let previous = self
            .last_log()?
            .map_or_else(|| crate::format::log::GENESIS.to_string(), |(_, log)| log);
        let log = crate::format::log::link(&previous, &row.id, &row.ipfs);
        self.conn
            .prepare_cached(
                "INSERT INTO messages (id, ipfs, address, version, timestamp, space, type, sig, receipt, received, log)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                row.id, row.ipfs, row.address, row.version, row.timestamp, row.space, row.kind, row.sig, row.receipt,
                row.received, log
            ])?;
        Ok(())
    }

    /// `(id, ipfs, log)` of every message in log order, for replaying the chain.
    pub fn message_log(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT id, ipfs, log FROM messages ORDER BY mci ASC")?;
        let rows = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn block(&self, cid: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT data FROM blocks WHERE cid = ?1")?
            .query_row([cid], |r| r.get(0))
            .optional()?)
    }

    /// Stores a block and queues it for pinning in the same transaction, so
    /// the pin job is exactly as durable as the block (`outbox.rs`).
    pub fn put_block(&self, cid: &str, data: &[u8]) -> Result<(), StoreError> {
        let inserted = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO blocks (cid, data) VALUES (?1, ?2)")?
            .execute(params![cid, data])?;
        // A block stored before already has its pin job.
        if inserted == 0 {
            return Ok(());
        }
        self.enqueue_pin(self.conn.last_insert_rowid(), crate::clock::unix_ms())
    }

    /// Every block of the DAG under `root`, each checked against its CID
    /// (`crate::ipld::dag`).
    pub fn dag(&self, root: &str) -> Result<Vec<(cid::Cid, Vec<u8>)>, StoreError> {
        crate::ipld::dag(root, |cid| self.block(cid))
    }

    pub fn message_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))?)
    }

    // ---- spaces

    pub fn controller(&self, space: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT controller FROM space_controllers WHERE space = ?1")?
            .query_row([space], |r| r.get(0))
            .optional()?)
    }

    pub fn set_controller(
        &self,
        space: &str,
        controller: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO space_controllers (space, controller, registered) VALUES (?1, ?2, ?3)
             ON CONFLICT(space) DO UPDATE SET controller = excluded.controller, registered = excluded.registered",
            params![space, controller, now],
        )?;
        Ok(())
    }

    pub fn space(&self, id: &str) -> Result<Option<SpaceRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT * FROM spaces WHERE id = ?1")?
            .query_row([id], |row| {
                Ok(SpaceRow {
                    id: row.get("id")?,
                    settings: json_column(row, "settings")?,
                    ipfs: row.get("ipfs")?,
                    created: row.get("created")?,
                    updated: row.get("updated")?,
                    deleted: row.get("deleted")?,
                })
            })
            .optional()?)
    }

    pub(crate) fn upsert_space(
        &self,
        id: &str,
        settings: &Value,
        ipfs: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.prepare_cached(
            "INSERT INTO spaces (id, settings, ipfs, created, updated, deleted) VALUES (?1, ?2, ?3, ?4, ?4, 0)
             ON CONFLICT(id) DO UPDATE SET settings = excluded.settings, ipfs = excluded.ipfs, updated = excluded.updated, deleted = 0",
        )?
        .execute(params![id, settings.to_string(), ipfs, now])?;
        Ok(())
    }

    pub(crate) fn delete_space(&self, id: &str, now: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE spaces SET deleted = 1, updated = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    // ---- proposals

    pub fn proposal(&self, id: &str) -> Result<Option<ProposalRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(select_proposals!("WHERE p.id = ?1 AND p.deleted = 0"))?
            .query_row([id], proposal_from_row)
            .optional()?)
    }

    /// A new proposal; its vote counters start at zero (`proposal_counts`).
    pub fn insert_proposal(&self, p: &ProposalRow) -> Result<(), StoreError> {
        self.conn.prepare_cached(
            "INSERT INTO proposals (id, ipfs, author, created, updated, space, network, symbol, type, strategies, validation,
               plugins, title, body, discussion, choices, labels, start, end, snapshot, quorum, quorum_type, privacy, app,
               flagged, scores_state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,
               ?23, ?24, ?25, ?26)",
        )?
        .execute(params![
            p.id,
            p.ipfs,
            p.author,
            p.created,
            p.updated,
            p.space,
            p.network,
            p.symbol,
            p.kind.as_str(),
            p.strategies.to_string(),
            p.validation.to_string(),
            p.plugins.to_string(),
            p.title,
            p.body,
            p.discussion,
            serde_json::to_string(&p.choices)?,
            serde_json::to_string(&p.labels)?,
            p.start,
            p.end,
            p.snapshot,
            p.quorum,
            p.quorum_type,
            p.privacy,
            p.app,
            p.flagged,
            p.scores_state.as_str()
        ])?;
        Ok(())
    }

    /// A space's live proposals, newest first; ties by id.
    pub fn proposals(
        &self,
        space: &str,
        first: u32,
        skip: u32,
    ) -> Result<Vec<ProposalRow>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            select_proposals!(
                "WHERE p.space = ?1 AND p.deleted = 0 ORDER BY p.created DESC, p.id ASC LIMIT ?2 OFFSET ?3"
            ),
        )?;
        let rows = statement
            .query_map(params![space, first, skip], proposal_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Rewrites the editable fields of a proposal that has not started.
    pub(crate) fn update_proposal(&self, p: &ProposalRow) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE proposals SET ipfs = ?2, updated = ?3, type = ?4, title = ?5, body = ?6, discussion = ?7, choices = ?8,
               labels = ?9, plugins = ?10, privacy = ?11 WHERE id = ?1",
            params![
                p.id,
                p.ipfs,
                p.updated,
                p.kind.as_str(),
                p.title,
                p.body,
                p.discussion,
                serde_json::to_string(&p.choices)?,
                serde_json::to_string(&p.labels)?,
                p.plugins.to_string(),
                p.privacy
            ],
        )?;
        Ok(())
    }

    pub(crate) fn delete_proposal(&self, id: &str) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE proposals SET deleted = 1 WHERE id = ?1", [id])?;
        Ok(())
    }

    pub(crate) fn flag_proposal(&self, id: &str) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE proposals SET flagged = 1 WHERE id = ?1", [id])?;
        Ok(())
    }

    // ---- votes

    /// The `(id, created)` of a voter's current vote, if any.
    pub(crate) fn current_vote(
        &self,
        voter: &str,
        space: &str,
        proposal: &str,
    ) -> Result<Option<(String, i64)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, created FROM votes WHERE voter = ?1 AND space = ?2 AND proposal = ?3",
            )?
            .query_row(params![voter, space, proposal], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// Whether a live proposal exists, without reading it.
    pub(crate) fn proposal_exists(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM proposals WHERE id = ?1 AND deleted = 0")?
            .exists([id])?)
    }

    /// Inserts a first vote or replaces the voter's earlier one; a first vote
    /// also counts towards the proposal's `votes`; every write bumps its `vote_changes`.
    pub fn put_vote(&self, v: &VoteRow, replaces: bool) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO votes (id, ipfs, voter, created, space, proposal, choice, reason, app, metadata, vp,
                   vp_by_strategy, vp_state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT(voter, space, proposal) DO UPDATE SET id = excluded.id, ipfs = excluded.ipfs,
                   created = excluded.created, choice = excluded.choice, reason = excluded.reason, app = excluded.app,
                   metadata = excluded.metadata, vp = excluded.vp, vp_by_strategy = excluded.vp_by_strategy,
                   vp_state = excluded.vp_state",
            )?
            .execute(params![
                v.id,
                v.ipfs,
                v.voter,
                v.created,
                v.space,
                v.proposal,
                v.choice.to_string(),
                v.reason,
                v.app,
                v.metadata.to_string(),
                v.vp,
                serde_json::to_string(&v.vp_by_strategy)?,
                v.vp_state
            ])?;
        self.conn
            .prepare_cached(
                "INSERT INTO proposal_counts (proposal, votes, vote_changes) VALUES (?1, ?2, 1)
                 ON CONFLICT(proposal) DO UPDATE SET votes = votes + excluded.votes,
                   vote_changes = vote_changes + 1",
            )?
            .execute(params![&v.proposal, if replaces { 0 } else { 1 }])?;
        Ok(())
    }

    /// A page of a proposal's votes; ties are broken by id ascending.
    pub fn votes(&self, proposal: &str, page: &VotePage) -> Result<Vec<VoteRow>, StoreError> {
        let column = match page.order {
            VoteOrder::Created => "created",
            VoteOrder::Vp => "vp",
        };
        let direction = if page.descending { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT * FROM votes WHERE proposal = ?1 AND (?2 IS NULL OR created >= ?2) AND (?3 IS NULL OR created < ?3)
             ORDER BY {column} {direction}, id ASC LIMIT ?4 OFFSET ?5"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement
            .query_map(
                params![
                    proposal,
                    page.created_gte,
                    page.created_lt,
                    page.first,
                    page.skip
                ],
                vote_from_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every current vote of a proposal, in (created, id) order.
    pub fn counted_votes(&self, proposal: &str) -> Result<Vec<CountedVote>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT choice, vp, vp_by_strategy FROM votes WHERE proposal = ?1 ORDER BY created ASC, id ASC",
        )?;
        let rows = statement
            .query_map([proposal], |row| {
                let choice: String = row.get(0)?;
                let by_strategy: String = row.get(2)?;
                Ok((choice, row.get::<_, f64>(1)?, by_strategy))
            })?
            .map(|row| {
                let (choice, vp, by_strategy) = row?;
                Ok(CountedVote {
                    choice: serde_json::from_str(&choice)?,
                    vp,
                    vp_by_strategy: serde_json::from_str(&by_strategy)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(rows)
    }

    pub fn result(&self, proposal: &str) -> Result<Option<StoredResult>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT vote_changes, state, result FROM results WHERE proposal = ?1")?
            .query_row([proposal], |r| {
                Ok(StoredResult {
                    vote_changes: r.get(0)?,
                    state: ScoresState::parse(&r.get::<_, String>(1)?),
                    json: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// Stores a result; a `final` one is never replaced.
    pub(crate) fn put_result(
        &self,
        proposal: &str,
        result: &StoredResult,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO results (proposal, vote_changes, state, result, computed) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(proposal) DO UPDATE SET vote_changes = excluded.vote_changes, state = excluded.state,
               result = excluded.result, computed = excluded.computed WHERE results.state <> 'final'",
            params![proposal, result.vote_changes, result.state.as_str(), result.json, now],
        )?;
        if result.state == ScoresState::Final {
            self.conn.execute(
                "UPDATE proposals SET scores_state = 'final' WHERE id = ?1",
                [proposal],
            )?;
        }
        Ok(())
    }

    // ---- aliases

    /// The main address an alias is linked to and when.
    pub fn alias(&self, alias: &str) -> Result<Option<(String, i64)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT address, created FROM aliases WHERE alias = ?1")?
            .query_row([alias], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    pub fn put_alias(
        &self,
        address: &str,
        alias: &str,
        created: i64,
        id: &str,
        ipfs: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO aliases (address, alias, created, id, ipfs) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(alias) DO UPDATE SET created = excluded.created, id = excluded.id, ipfs = excluded.ipfs",
            params![address, alias, created, id, ipfs],
        )?;
        Ok(())
    }

    // ---- follows, subscriptions, profiles, statements

    pub fn follows(&self, follower: &str, space: &str, network: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM follows WHERE follower = ?1 AND space = ?2 AND network = ?3",
            )?
            .exists(params![follower, space, network])?)
    }

    pub(crate) fn follow_count(&self, follower: &str) -> Result<usize, StoreError> {
        let count: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM follows WHERE follower = ?1",
            [follower],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    pub(crate) fn put_follow(
        &self,
        id: &str,
        ipfs: &str,
        follower: &str,
        space: &str,
        network: &str,
        created: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO follows (id, ipfs, follower, space, network, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, ipfs, follower, space, network, created],
        )?;
        Ok(())
    }

    pub(crate) fn delete_follow(
        &self,
        follower: &str,
        space: &str,
        network: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM follows WHERE follower = ?1 AND space = ?2 AND network = ?3",
            params![follower, space, network],
        )?;
        Ok(())
    }

    pub(crate) fn put_subscription(
        &self,
        id: &str,
        ipfs: &str,
        address: &str,
        space: &str,
        created: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO subscriptions (id, ipfs, address, space, created) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, ipfs, address, space, created],
        )?;
        Ok(())
    }

    pub(crate) fn delete_subscription(&self, address: &str, space: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM subscriptions WHERE address = ?1 AND space = ?2",
            params![address, space],
        )?;
        Ok(())
    }

    pub(crate) fn put_profile(
        &self,
        id: &str,
        ipfs: &str,
        profile: &Value,
        created: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO users (id, ipfs, profile, created) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET ipfs = excluded.ipfs, profile = excluded.profile",
            params![id, ipfs, profile.to_string(), created],
        )?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn put_statement(
        &self,
        id: &str,
        ipfs: &str,
        delegate: &str,
        space: &str,
        network: &str,
        fields: [&str; 4],
        now: i64,
    ) -> Result<(), StoreError> {
        let [about, statement, discourse, status] = fields;
        self.conn.execute(
            "INSERT INTO statements (id, ipfs, delegate, space, network, about, statement, discourse, status, created, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
             ON CONFLICT(delegate, space, network) DO UPDATE SET id = excluded.id, ipfs = excluded.ipfs, about = excluded.about,
               statement = excluded.statement, discourse = excluded.discourse, status = excluded.status, updated = excluded.updated",
            params![id, ipfs, delegate, space, network, about, statement, discourse, status, now],
        )?;
        Ok(())
    }

    // ---- balance snapshots

    /// Balances (decimal base units) of `addresses` at an imported snapshot, in
    /// order, `None` for an address without a row. `Ok(None)` when no snapshot
    /// of this (network, token, block) was imported.
    pub fn balances(
        &self,
        network: &str,
        token: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Option<Vec<Option<String>>>, StoreError> {
        let block = i64::try_from(block).unwrap_or(i64::MAX);
        let imported = self
            .conn
            .prepare_cached(
                "SELECT 1 FROM balance_imports WHERE network = ?1 AND token = ?2 AND block = ?3",
            )?
            .exists(params![network, token, block])?;
        if !imported {
            return Ok(None);
        }
        let mut statement = self.conn.prepare_cached(
            "SELECT balance FROM balances WHERE network = ?1 AND token = ?2 AND block = ?3 AND address = ?4",
        )?;
        let mut out = Vec::with_capacity(addresses.len());
        for address in addresses {
            out.push(
                statement
                    .query_row(params![network, token, block, address], |r| r.get(0))
                    .optional()?,
            );
        }
        Ok(Some(out))
    }

    /// Replaces the snapshot of (network, token, block) with `rows`.
    pub fn import_balances(
        &self,
        network: &str,
        token: &str,
        block: u64,
        rows: &[(String, String)],
        cid: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let block = i64::try_from(block).unwrap_or(i64::MAX);
        self.conn.execute(
            "DELETE FROM balances WHERE network = ?1 AND token = ?2 AND block = ?3",
            params![network, token, block],
        )?;
        let mut insert = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO balances (network, token, block, address, balance) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (address, balance) in rows {
            insert.execute(params![network, token, block, address, balance])?;
        }
        self.conn.execute(
            "INSERT OR REPLACE INTO balance_imports (network, token, block, holders, cid, imported) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![network, token, block, rows.len() as i64, cid, now],
        )?;
        Ok(())
    }

    /// `PRAGMA integrity_check`'s verdict (`ok` when healthy).
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}
