//! Typed queries over one connection: a pooled reader or the writer's
//! savepoint. `Db` is defined here; its queries live beside their tables, one
//! file per family (`messages`, `spaces`, `proposals`, `votes`, `social`,
//! `balances`, `audit`, `outbox`).

use rusqlite::{Connection, Row, RowIndex};
use serde::de::DeserializeOwned;

use super::StoreError;

/// Typed access to the tables. Read methods work on any connection; write
/// methods are only called by the writer thread and the CLI.
pub struct Db<'a> {
    pub(super) conn: &'a Connection,
}

/// A JSON text column, parsed (a `Value` unless the caller asks for a type).
pub(super) fn json_column<T: DeserializeOwned>(
    row: &Row<'_>,
    index: impl RowIndex,
) -> rusqlite::Result<T> {
    serde_json::from_str(text_column(row, index)?).map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(err))
    })
}

/// A text column, borrowed from the row.
fn text_column<'r>(row: &'r Row<'_>, index: impl RowIndex) -> rusqlite::Result<&'r str> {
    row.get_ref(index)?.as_str().map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(err))
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

    /// `PRAGMA integrity_check`'s verdict (`ok` when healthy).
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}
