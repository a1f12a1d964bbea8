//! Votes: each voter's current vote on a proposal, pages of them, and what counting reads.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;
use serde_json::Value;

use super::db::json_column;
use super::{Db, StoreError};
use crate::tally::outcome::CountedVote;

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

/// The columns [`vote_from_row`] reads, in its order: read by position,
/// since a page of a thousand votes spent a tenth of its time finding
/// columns by name.
pub(super) const VOTE_COLUMNS: &str = "id, ipfs, voter, created, space, proposal, choice, reason, \
     app, metadata, vp, vp_by_strategy, vp_state";

/// A vote from a row that starts with [`VOTE_COLUMNS`].
pub(super) fn vote_from_row(row: &Row<'_>) -> rusqlite::Result<VoteRow> {
    let vp_by_strategy: Vec<Option<f64>> = json_column(row, 11)?;
    Ok(VoteRow {
        id: row.get(0)?,
        ipfs: row.get(1)?,
        voter: row.get(2)?,
        created: row.get(3)?,
        space: row.get(4)?,
        proposal: row.get(5)?,
        choice: json_column(row, 6)?,
        reason: row.get(7)?,
        app: row.get(8)?,
        metadata: json_column(row, 9)?,
        vp: row.get(10)?,
        vp_by_strategy: vp_by_strategy.into_iter().flatten().collect(),
        vp_state: row.get(12)?,
    })
}

impl Db<'_> {
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
            "SELECT {VOTE_COLUMNS} FROM votes WHERE proposal = ?1 AND (?2 IS NULL OR created >= ?2) AND (?3 IS NULL OR created < ?3)
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

    /// A proposal's current votes by the time they were cast, summed into
    /// `buckets` equal spans of `[from, to)`: `(span start, votes, vp)` per
    /// span that has votes, in time order. Votes outside the range count in
    /// the first or last span.
    pub fn vote_timeline(
        &self,
        proposal: &str,
        from: i64,
        to: i64,
        buckets: i64,
    ) -> Result<Vec<(i64, i64, f64)>, StoreError> {
        let buckets = buckets.max(1);
        let width = ((to - from).max(1) + buckets - 1) / buckets;
        let mut statement = self.conn.prepare_cached(
            "SELECT MIN(MAX((created - ?2) / ?3, 0), ?4 - 1) AS bucket, COUNT(*), TOTAL(vp)
             FROM votes WHERE proposal = ?1 GROUP BY bucket ORDER BY bucket",
        )?;
        let rows = statement
            .query_map(params![proposal, from, width, buckets], |row| {
                Ok((
                    from + row.get::<_, i64>(0)? * width,
                    row.get(1)?,
                    row.get(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every current vote of a proposal, in the canonical counting order
    /// (`tally::outcome::in_counting_order`: signed time, then id).
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn vote(voter: &str, created: i64, vp: f64) -> VoteRow {
        VoteRow {
            id: format!("0x{voter}"),
            ipfs: format!("cid-{voter}"),
            voter: voter.into(),
            created,
            space: "s.eth".into(),
            proposal: "p".into(),
            choice: serde_json::json!(1),
            reason: String::new(),
            app: String::new(),
            metadata: serde_json::json!({}),
            vp,
            vp_by_strategy: vec![vp],
            vp_state: "final".into(),
        }
    }

    #[test]
    fn the_timeline_sums_votes_per_span_from_the_index_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        let conn = store.write_connection().unwrap();
        let db = Db::new(&conn);
        // Spans of 25 s over [100, 200); a vote before the start counts in
        // the first span, one after the end in the last.
        for (voter, created, vp) in [
            ("a", 90, 1.0),
            ("b", 110, 2.0),
            ("c", 160, 4.0),
            ("d", 199, 8.0),
            ("e", 500, 16.0),
        ] {
            db.put_vote(&vote(voter, created, vp), false).unwrap();
        }
        assert_eq!(
            db.vote_timeline("p", 100, 200, 4).unwrap(),
            vec![(100, 2, 3.0), (150, 1, 4.0), (175, 2, 24.0)]
        );
        assert_eq!(db.vote_timeline("other", 100, 200, 4).unwrap(), vec![]);
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT MIN(MAX((created - 100) / 25, 0), 3) AS bucket, COUNT(*), TOTAL(vp)
                 FROM votes WHERE proposal = 'p' GROUP BY bucket ORDER BY bucket",
                [],
                |row| row.get(3),
            )
            .unwrap();
        assert!(plan.contains("COVERING INDEX votes_by_created"), "{plan}");
    }
}
