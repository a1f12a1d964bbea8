//! The pin outbox (migrations 0004 and 0006): every stored block waits here until the
//! pinning worker (`crate::pinning`) has pushed it to Kubo. Rows are queued by
//! [`Db::put_block`] and updated by the worker through the single writer;
//! `votehub ipfs status` reads them. Times are unix milliseconds.

use super::{Db, StoreError};
use rusqlite::{params, OptionalExtension};

/// A pending block whose next attempt is due.
#[derive(Debug, Clone)]
pub struct DuePin {
    pub cid: String,
    /// The block's bytes; `None` if the block is missing (never expected: the
    /// row and the block are written together).
    pub data: Option<Vec<u8>>,
    /// Pushes tried so far.
    pub attempts: u32,
}

/// A block Kubo named with another CID than votehub did.
#[derive(Debug, Clone)]
pub struct PinMismatch {
    pub cid: String,
    pub kubo_cid: Option<String>,
    pub error: Option<String>,
    /// When it was flagged (unix ms).
    pub flagged: Option<i64>,
}

/// The earliest retry of a block that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinRetry {
    pub cid: String,
    /// When it is due (unix ms).
    pub at: i64,
    /// Pushes tried so far.
    pub attempts: u32,
    pub error: Option<String>,
}

/// What `votehub ipfs status` reports.
#[derive(Debug, Clone, Default)]
pub struct PinStatus {
    pub pending: i64,
    pub pinned: i64,
    pub mismatch: i64,
    /// Pending blocks that failed at least once.
    pub retrying: i64,
    /// The oldest pending block and when it was queued (unix ms).
    pub oldest_pending: Option<(String, i64)>,
    pub next_retry: Option<PinRetry>,
    pub mismatches: Vec<PinMismatch>,
}

impl Db<'_> {
    /// Queues the block numbered `block` for pinning; a block queued before
    /// keeps its row (and its state: a pinned block is not pushed again).
    pub(super) fn enqueue_pin(&self, block: i64, now: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO pin_outbox (block, queued, next_attempt) VALUES (?1, ?2, ?2)",
            )?
            .execute(params![block, now])?;
        Ok(())
    }

    /// Up to `limit` pending blocks due at `now`, longest-waiting first.
    pub(crate) fn pins_due(&self, now: i64, limit: usize) -> Result<Vec<DuePin>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT b.cid, b.data, o.attempts FROM pin_outbox o JOIN blocks b ON b.seq = o.block
             WHERE o.state = 'pending' AND o.next_attempt <= ?1
             ORDER BY o.next_attempt, o.queued, o.block LIMIT ?2",
        )?;
        let rows = statement
            .query_map(
                params![now, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    Ok(DuePin {
                        cid: r.get(0)?,
                        data: r.get(1)?,
                        attempts: r.get(2)?,
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Kubo holds and pins the block under the same CID.
    pub(crate) fn pin_done(&self, cid: &str, now: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE pin_outbox SET state = 'pinned', attempts = attempts + 1, last_error = NULL, done = ?2
                 WHERE block = (SELECT seq FROM blocks WHERE cid = ?1) AND state = 'pending'",
            )?
            .execute(params![cid, now])?;
        Ok(())
    }

    /// A push failed; the block stays pending until `next_attempt`.
    pub(crate) fn pin_failed(
        &self,
        cid: &str,
        error: &str,
        next_attempt: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE pin_outbox SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3
                 WHERE block = (SELECT seq FROM blocks WHERE cid = ?1) AND state = 'pending'",
            )?
            .execute(params![cid, error, next_attempt])?;
        Ok(())
    }

    /// Kubo named the block `kubo_cid`: terminal, never retried.
    pub(crate) fn pin_mismatch(
        &self,
        cid: &str,
        kubo_cid: &str,
        error: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE pin_outbox SET state = 'mismatch', attempts = attempts + 1, kubo_cid = ?2,
                 last_error = ?3, done = ?4 WHERE block = (SELECT seq FROM blocks WHERE cid = ?1) AND state = 'pending'",
            )?
            .execute(params![cid, kubo_cid, error, now])?;
        Ok(())
    }

    /// Counts per state, the oldest pending block, the next retry and every mismatch.
    pub fn pin_status(&self) -> Result<PinStatus, StoreError> {
        let mut status = PinStatus::default();
        let mut counts = self
            .conn
            .prepare_cached("SELECT state, COUNT(*) FROM pin_outbox GROUP BY state")?;
        for row in counts.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (state, count) = row?;
            match state.as_str() {
                "pending" => status.pending = count,
                "pinned" => status.pinned = count,
                _ => status.mismatch = count,
            }
        }
        status.retrying = self.conn.query_row(
            "SELECT COUNT(*) FROM pin_outbox WHERE state = 'pending' AND attempts > 0",
            [],
            |r| r.get(0),
        )?;
        status.oldest_pending = self
            .conn
            .query_row(
                "SELECT b.cid, o.queued FROM pin_outbox o JOIN blocks b ON b.seq = o.block
                 WHERE o.state = 'pending' ORDER BY o.queued, o.block LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        status.next_retry = self
            .conn
            .query_row(
                "SELECT b.cid, o.next_attempt, o.attempts, o.last_error FROM pin_outbox o
                 JOIN blocks b ON b.seq = o.block
                 WHERE o.state = 'pending' AND o.attempts > 0 ORDER BY o.next_attempt, o.block LIMIT 1",
                [],
                |r| {
                    Ok(PinRetry {
                        cid: r.get(0)?,
                        at: r.get(1)?,
                        attempts: r.get(2)?,
                        error: r.get(3)?,
                    })
                },
            )
            .optional()?;
        let mut mismatches = self.conn.prepare_cached(
            "SELECT b.cid, o.kubo_cid, o.last_error, o.done FROM pin_outbox o JOIN blocks b ON b.seq = o.block
             WHERE o.state = 'mismatch' ORDER BY o.done, o.block",
        )?;
        status.mismatches = mismatches
            .query_map([], |r| {
                Ok(PinMismatch {
                    cid: r.get(0)?,
                    kubo_cid: r.get(1)?,
                    error: r.get(2)?,
                    flagged: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;
    use crate::clock::unix_ms;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        (dir, store)
    }

    #[test]
    fn a_stored_block_is_queued_once_and_rolls_back_with_it() {
        let (_dir, store) = store();
        let conn = store.write_connection().unwrap();
        let db = Db::new(&conn);
        let refused: Result<(), StoreError> = db.atomically(|db| {
            db.put_block("bafk-refused", b"0")?;
            Err(StoreError::Thread("refused".into()))
        });
        assert!(refused.is_err());
        db.put_block("bafk-a", b"1").unwrap();
        db.put_block("bafk-a", b"1").unwrap();
        let due = db.pins_due(unix_ms(), 10).unwrap();
        assert_eq!(due.len(), 1, "the refused block left no pin job");
        assert_eq!(due[0].cid, "bafk-a");
        assert_eq!(due[0].data.as_deref(), Some(&b"1"[..]));
        assert_eq!(due[0].attempts, 0);
    }

    #[test]
    fn outcomes_move_rows_and_status_reports_them() {
        let (_dir, store) = store();
        let conn = store.write_connection().unwrap();
        let db = Db::new(&conn);
        for (seq, cid) in ["c1", "c2", "c3", "c4"].into_iter().enumerate() {
            conn.execute("INSERT INTO blocks (cid, data) VALUES (?1, x'00')", [cid])
                .unwrap();
            db.enqueue_pin(seq as i64 + 1, 1_000).unwrap();
        }
        db.pin_done("c1", 2_000).unwrap();
        db.pin_failed("c2", "daemon down", 60_000).unwrap();
        db.pin_mismatch("c3", "bafk-other", "Kubo named it bafk-other", 3_000)
            .unwrap();
        // Terminal states are never overwritten by a late outcome.
        db.pin_failed("c1", "late", 1).unwrap();
        db.pin_done("c3", 4_000).unwrap();

        let due: Vec<String> = db
            .pins_due(10_000, 10)
            .unwrap()
            .into_iter()
            .map(|p| p.cid)
            .collect();
        assert_eq!(due, ["c4"], "c2 waits for its retry time");
        assert_eq!(db.pins_due(60_000, 10).unwrap().len(), 2);
        assert_eq!(db.pins_due(60_000, 1).unwrap()[0].cid, "c4");

        let status = db.pin_status().unwrap();
        assert_eq!(
            (
                status.pending,
                status.pinned,
                status.mismatch,
                status.retrying
            ),
            (2, 1, 1, 1)
        );
        assert_eq!(status.oldest_pending, Some(("c2".into(), 1_000)));
        assert_eq!(
            status.next_retry,
            Some(PinRetry {
                cid: "c2".into(),
                at: 60_000,
                attempts: 1,
                error: Some("daemon down".into())
            })
        );
        assert_eq!(status.mismatches.len(), 1);
        assert_eq!(status.mismatches[0].cid, "c3");
        assert_eq!(status.mismatches[0].kubo_cid.as_deref(), Some("bafk-other"));
        assert_eq!(status.mismatches[0].flagged, Some(3_000));
    }

    /// A store from before the outbox (version 3) gets a pin job for every
    /// block it held, through both outbox layouts (0004, then 0006).
    #[test]
    fn the_migrations_queue_blocks_stored_before_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("votehub.sqlite");
        {
            let conn = super::super::database_at_version(&path, 3);
            conn.execute_batch("INSERT INTO blocks (cid, data) VALUES ('old', x'01');")
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let reader = store.reader().unwrap();
        let due = reader.db().pins_due(unix_ms(), 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].cid, "old");
        assert_eq!(due[0].data.as_deref(), Some(&[1u8][..]));
    }
}
