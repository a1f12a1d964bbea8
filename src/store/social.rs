//! Aliases, follows, subscriptions, profiles and statements.

use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use super::{Db, StoreError};

impl Db<'_> {
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
}
