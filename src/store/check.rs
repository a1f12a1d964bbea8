//! Queries of `votehub check`: every block, message and vote in pages, and
//! the rows that lost their partner (a message without its block, a block
//! without its pin job). Read-only.

use rusqlite::params;

use super::votes::{vote_from_row, VOTE_COLUMNS};
use super::{Db, StoreError, VoteRow};

/// A message's place in the log and what binds it to its block.
#[derive(Debug, Clone)]
pub struct LoggedMessage {
    pub mci: i64,
    pub id: String,
    pub cid: String,
    pub address: String,
    pub log: String,
}

/// Rows per page of a full scan: memory stays bounded whatever the store's size.
pub const PAGE: usize = 2_000;

impl Db<'_> {
    /// `(seq, CID, bytes)` of the blocks after `after`, in storage order.
    pub fn blocks_page(&self, after: i64) -> Result<Vec<(i64, String, Vec<u8>)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT seq, cid, data FROM blocks WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = statement
            .query_map(params![after, PAGE as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The messages after `after`, in log order.
    pub fn messages_page(&self, after: i64) -> Result<Vec<LoggedMessage>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT mci, id, ipfs, address, log FROM messages WHERE mci > ?1 ORDER BY mci LIMIT ?2",
        )?;
        let rows = statement
            .query_map(params![after, PAGE as i64], |r| {
                Ok(LoggedMessage {
                    mci: r.get(0)?,
                    id: r.get(1)?,
                    cid: r.get(2)?,
                    address: r.get(3)?,
                    log: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The current votes after storage position `after`, with their positions.
    pub fn votes_page(&self, after: i64) -> Result<Vec<(i64, VoteRow)>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {VOTE_COLUMNS}, rowid FROM votes WHERE rowid > ?1 ORDER BY rowid LIMIT ?2"
        ))?;
        // The position follows the vote's columns.
        let position = VOTE_COLUMNS.split(',').count();
        let rows = statement
            .query_map(params![after, PAGE as i64], |r| {
                Ok((r.get(position)?, vote_from_row(r)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Messages whose block is not stored.
    pub fn messages_without_block(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT m.mci, m.ipfs FROM messages m
             WHERE NOT EXISTS (SELECT 1 FROM blocks b WHERE b.cid = m.ipfs) ORDER BY m.mci",
        )?;
        let rows = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Blocks that have no pin job (every stored block is queued with one).
    pub fn blocks_without_pin_job(&self) -> Result<Vec<String>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT b.cid FROM blocks b
             WHERE NOT EXISTS (SELECT 1 FROM pin_outbox o WHERE o.block = b.seq) ORDER BY b.seq",
        )?;
        let rows = statement
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
