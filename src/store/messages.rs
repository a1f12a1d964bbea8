//! Stored messages and their blocks: the message table with its log links, and the blocks table (every block is queued for pinning as it is stored).

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{Db, StoreError};
use crate::ipld::{DagError, DagWalk};

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

pub(super) fn message_from_row(row: &Row<'_>) -> rusqlite::Result<MessageRow> {
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

impl Db<'_> {
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

    /// The newest stored message.
    pub fn last_message(&self) -> Result<Option<MessageRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT * FROM messages ORDER BY mci DESC LIMIT 1")?
            .query_row([], message_from_row)
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

    /// The bytes stored under `cid`, checked against it: bytes changed on
    /// disk behind SQLite's back are never handed out (`CorruptBlock`).
    pub fn block(&self, cid: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(bytes) = self.raw_block(cid)? else {
            return Ok(None);
        };
        let intact =
            cid::Cid::try_from(cid).is_ok_and(|parsed| crate::ipld::matches(&parsed, &bytes));
        if !intact {
            tracing::error!(%cid, "a stored block does not hash to its CID: the database file was changed");
            return Err(StoreError::CorruptBlock(cid.to_string()));
        }
        Ok(Some(bytes))
    }

    /// The bytes stored under `cid`, unchecked (the store's own tests keep
    /// stand-in bytes under made-up keys).
    pub(crate) fn raw_block(&self, cid: &str) -> Result<Option<Vec<u8>>, StoreError> {
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

    /// Every block of the DAG under `root`, root first, each checked against
    /// its CID. For DAGs small enough to hold; [`Db::dag_step`] streams.
    pub fn dag(&self, root: &str) -> Result<Vec<(cid::Cid, Vec<u8>)>, StoreError> {
        let root = cid::Cid::try_from(root).map_err(|_| DagError::Missing(root.to_string()))?;
        let mut walk = DagWalk::new(root);
        let mut blocks = Vec::new();
        while let Some(block) = self.dag_step(&mut walk)? {
            blocks.push(block);
        }
        Ok(blocks)
    }

    /// The next block of a DAG walk, checked against its CID (`Dag(Missing)`,
    /// `Dag(Corrupt)`), or `None` at the end.
    pub fn dag_step(&self, walk: &mut DagWalk) -> Result<Option<(cid::Cid, Vec<u8>)>, StoreError> {
        // The walk hashes every block itself: read them unchecked, once.
        walk.step(|cid| self.raw_block(cid))
    }

    pub fn message_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))?)
    }
}
