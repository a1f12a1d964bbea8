//! Proposals (with their vote counters, migration 0007) and their stored results.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;
use serde_json::Value;

use super::db::json_column;
use super::{Db, StoreError};
use crate::tally::outcome::{ScoresState, Terms};
use crate::tally::VotingType;

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

/// A stored result: its canonical JSON and the vote changes it counted.
#[derive(Debug, Clone)]
pub struct StoredResult {
    pub vote_changes: i64,
    /// When it was counted, unix seconds.
    pub computed: i64,
    pub state: ScoresState,
    pub json: String,
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

pub(super) fn proposal_from_row(row: &Row<'_>) -> rusqlite::Result<ProposalRow> {
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

impl Db<'_> {
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

    pub fn result(&self, proposal: &str) -> Result<Option<StoredResult>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT vote_changes, state, result, computed FROM results WHERE proposal = ?1",
            )?
            .query_row([proposal], |r| {
                Ok(StoredResult {
                    vote_changes: r.get(0)?,
                    state: ScoresState::parse(&r.get::<_, String>(1)?),
                    json: r.get(2)?,
                    computed: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// Stores a result; a `final` one is never replaced.
    pub fn put_result(
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
}
