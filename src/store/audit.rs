//! Queries behind audit bundles and log heads (`crate::audit`, `crate::message_log`).

use rusqlite::{params, OptionalExtension};

use super::{Db, StoreError};

/// A stored vote message as an audit bundle lists it.
#[derive(Debug, Clone)]
pub struct VoteMessage {
    pub mci: i64,
    pub id: String,
    pub ipfs: String,
    /// Who signed (the voter, or an alias of the voter).
    pub address: String,
    pub timestamp: i64,
    /// Server time of acceptance, milliseconds.
    pub received: i64,
    pub log: String,
}

/// A pinned head of the message log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogHead {
    pub mci: i64,
    pub log: String,
    pub cid: String,
}

impl Db<'_> {
    /// Vote messages of `space` signed within `[start, end]`, in acceptance
    /// order; the caller keeps those of one proposal.
    pub(crate) fn vote_messages(
        &self,
        space: &str,
        start: i64,
        end: i64,
    ) -> Result<Vec<VoteMessage>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT mci, id, ipfs, address, timestamp, received, log FROM messages
             WHERE space = ?1 AND type = 'vote' AND timestamp BETWEEN ?2 AND ?3 ORDER BY mci",
        )?;
        let rows = statement
            .query_map(params![space, start, end], |r| {
                Ok(VoteMessage {
                    mci: r.get(0)?,
                    id: r.get(1)?,
                    ipfs: r.get(2)?,
                    address: r.get(3)?,
                    timestamp: r.get(4)?,
                    received: r.get(5)?,
                    log: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// `(id, CID)` of the messages of `kind` in `space`, in acceptance order,
    /// accepted before the message `before` (all of them when it is `None`).
    pub(crate) fn messages_of_kind(
        &self,
        space: &str,
        kind: &str,
        before: Option<&str>,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, ipfs FROM messages WHERE space = ?1 AND type = ?2
             AND mci < COALESCE((SELECT mci FROM messages WHERE id = ?3), 9223372036854775807)
             ORDER BY mci",
        )?;
        let rows = statement
            .query_map(params![space, kind, before], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// CIDs of the messages of `kind` at positions `after + 1 ..= upto`, in
    /// log order (the relayer rotations a head links).
    pub(crate) fn log_messages_of_kind(
        &self,
        kind: &str,
        after: i64,
        upto: i64,
    ) -> Result<Vec<String>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT ipfs FROM messages WHERE type = ?1 AND mci > ?2 AND mci <= ?3 ORDER BY mci",
        )?;
        let rows = statement
            .query_map(params![kind, after, upto], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The CID of the alias message that links `alias` to its account.
    pub(crate) fn alias_message(&self, alias: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT ipfs FROM aliases WHERE alias = ?1")?
            .query_row([alias], |r| r.get(0))
            .optional()?)
    }

    /// The file CID of an imported balance snapshot.
    pub(crate) fn balance_import(
        &self,
        network: &str,
        token: &str,
        block: u64,
    ) -> Result<Option<String>, StoreError> {
        let block = i64::try_from(block).unwrap_or(i64::MAX);
        Ok(self
            .conn
            .prepare_cached(
                "SELECT cid FROM balance_imports WHERE network = ?1 AND token = ?2 AND block = ?3",
            )?
            .query_row(params![network, token, block], |r| r.get(0))
            .optional()?)
    }

    /// Proposals that ended before `ended_before` and have no audit bundle yet.
    pub(crate) fn proposals_to_audit(&self, ended_before: i64) -> Result<Vec<String>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id FROM proposals WHERE deleted = 0 AND audit_cid IS NULL AND end < ?1 ORDER BY end",
        )?;
        let rows = statement
            .query_map([ended_before], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub(crate) fn set_audit_cid(&self, proposal: &str, cid: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE proposals SET audit_cid = ?2 WHERE id = ?1",
            params![proposal, cid],
        )?;
        Ok(())
    }

    /// The latest message's `(mci, log)`, if any.
    pub(crate) fn last_log(&self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT mci, log FROM messages ORDER BY mci DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// `(mci, id, CID, log)` of the messages with `after < mci <= upto`, in order.
    pub(crate) fn log_entries(
        &self,
        after: i64,
        upto: i64,
    ) -> Result<Vec<(i64, String, String, String)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT mci, id, ipfs, log FROM messages WHERE mci > ?1 AND mci <= ?2 ORDER BY mci",
        )?;
        let rows = statement
            .query_map(params![after, upto], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The newest pinned log head.
    pub fn last_log_head(&self) -> Result<Option<LogHead>, StoreError> {
        self.log_head_query(
            "SELECT mci, log, cid FROM log_heads ORDER BY mci DESC LIMIT 1",
            None,
        )
    }

    /// The first pinned head that covers message `mci`.
    pub(crate) fn log_head_covering(&self, mci: i64) -> Result<Option<LogHead>, StoreError> {
        self.log_head_query(
            "SELECT mci, log, cid FROM log_heads WHERE mci >= ?1 ORDER BY mci LIMIT 1",
            Some(mci),
        )
    }

    fn log_head_query(&self, sql: &str, mci: Option<i64>) -> Result<Option<LogHead>, StoreError> {
        let mut statement = self.conn.prepare_cached(sql)?;
        let map = |r: &rusqlite::Row<'_>| {
            Ok(LogHead {
                mci: r.get(0)?,
                log: r.get(1)?,
                cid: r.get(2)?,
            })
        };
        Ok(match mci {
            Some(mci) => statement.query_row([mci], map),
            None => statement.query_row([], map),
        }
        .optional()?)
    }

    pub(crate) fn put_log_head(&self, head: &LogHead, created: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO log_heads (mci, log, cid, created) VALUES (?1, ?2, ?3, ?4)",
            params![head.mci, head.log, head.cid, created],
        )?;
        Ok(())
    }

    /// The log link of the last message before `mci`, if any.
    pub(crate) fn log_before(&self, mci: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT log FROM messages WHERE mci < ?1 ORDER BY mci DESC LIMIT 1")?
            .query_row([mci], |r| r.get(0))
            .optional()?)
    }

    /// The stored message with this id: `(mci, CID, log)`.
    pub(crate) fn message_position(
        &self,
        id: &str,
    ) -> Result<Option<(i64, String, String)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT mci, ipfs, log FROM messages WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?)
    }
}
