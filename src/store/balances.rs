//! Imported balance snapshots: per (network, token, block), each holder's balance and the file's CID.

use rusqlite::{params, OptionalExtension};

use super::{Db, StoreError};

impl Db<'_> {
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
}
