//! The court's messages (`court_events`), grouped by subject.

use rusqlite::{params, OptionalExtension, Row};

use super::{Db, StoreError};

/// One accepted court message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourtEventRow {
    pub id: String,
    pub ipfs: String,
    pub space: String,
    /// `pool`, `settings`, `roles`, or the case id.
    pub subject: String,
    pub kind: String,
    pub author: String,
    pub timestamp: i64,
    pub received: i64,
    /// The signed message object, as JSON.
    pub message: String,
    /// What was established on acceptance, as JSON (`{}` if nothing).
    pub facts: String,
}

const COLUMNS: &str = "id, ipfs, space, subject, kind, author, timestamp, received, message, facts";

fn row(r: &Row<'_>) -> rusqlite::Result<CourtEventRow> {
    Ok(CourtEventRow {
        id: r.get(0)?,
        ipfs: r.get(1)?,
        space: r.get(2)?,
        subject: r.get(3)?,
        kind: r.get(4)?,
        author: r.get(5)?,
        timestamp: r.get(6)?,
        received: r.get(7)?,
        message: r.get(8)?,
        facts: r.get(9)?,
    })
}

impl Db<'_> {
    pub(crate) fn put_court_event(&self, event: &CourtEventRow) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO court_events ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ))?
            .execute(params![
                event.id,
                event.ipfs,
                event.space,
                event.subject,
                event.kind,
                event.author,
                event.timestamp,
                event.received,
                event.message,
                event.facts
            ])?;
        Ok(())
    }

    /// A subject's messages in receipt order.
    pub fn court_events(
        &self,
        space: &str,
        subject: &str,
    ) -> Result<Vec<CourtEventRow>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM court_events WHERE space = ?1 AND subject = ?2 ORDER BY seq"
        ))?;
        let rows = statement.query_map(params![space, subject], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Messages of one kind in a space, newest first.
    pub fn court_events_of_kind(
        &self,
        space: &str,
        kind: &str,
        limit: usize,
    ) -> Result<Vec<CourtEventRow>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM court_events WHERE space = ?1 AND kind = ?2 ORDER BY seq DESC LIMIT ?3"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement.query_map(params![space, kind, limit], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Db<'_> {
    /// Cases (space, claim id) whose bundle is not built yet, oldest first.
    pub fn cases_without_bundle(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT space, id FROM court_events WHERE kind = 'claim'
             AND id NOT IN (SELECT case_id FROM court_bundles) ORDER BY seq",
        )?;
        let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub(crate) fn set_case_bundle(
        &self,
        space: &str,
        case: &str,
        root: &str,
        built: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO court_bundles (case_id, space, root, built) VALUES (?1, ?2, ?3, ?4)",
            params![case, space, root, built],
        )?;
        Ok(())
    }

    /// A case's bundle root, once built.
    pub fn case_bundle(&self, case: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT root FROM court_bundles WHERE case_id = ?1")?
            .query_row([case], |r| r.get(0))
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_back_by_subject_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        let conn = store.write_connection().unwrap();
        let db = Db::new(&conn);
        let event = |id: &str, subject: &str, kind: &str| CourtEventRow {
            id: id.into(),
            ipfs: format!("cid-{id}"),
            space: "s".into(),
            subject: subject.into(),
            kind: kind.into(),
            author: "0xA".into(),
            timestamp: 1,
            received: 2,
            message: "{}".into(),
            facts: "{}".into(),
        };
        for (id, subject, kind) in [
            ("c1", "c1", "claim"),
            ("v1", "pool", "volunteer"),
            ("a1", "c1", "accept-case"),
            ("c2", "c2", "claim"),
        ] {
            db.put_court_event(&event(id, subject, kind)).unwrap();
        }
        let case: Vec<String> = db
            .court_events("s", "c1")
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(case, ["c1", "a1"]);
        let claims: Vec<String> = db
            .court_events_of_kind("s", "claim", 10)
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(claims, ["c2", "c1"]);
        assert!(
            db.put_court_event(&event("c1", "c1", "claim")).is_err(),
            "ids are unique"
        );
        assert!(db.court_events("other", "c1").unwrap().is_empty());
    }
}
