//! Spaces: their controllers (the stand-in for ENS) and their accepted settings.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use super::db::json_column;
use super::{Db, StoreError};

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

pub(super) fn space_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SpaceRow> {
    Ok(SpaceRow {
        id: row.get("id")?,
        settings: json_column(row, "settings")?,
        ipfs: row.get("ipfs")?,
        created: row.get("created")?,
        updated: row.get("updated")?,
        deleted: row.get("deleted")?,
    })
}

impl Db<'_> {
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
            .query_row([id], space_from_row)
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
}
