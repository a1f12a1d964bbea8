//! The spaces and proposals that every vote reads, kept between messages.
//!
//! A vote's checks read its space and its proposal, which change only through
//! rare messages (settings, proposal, update, delete, flag) while votes arrive
//! by the thousand. Each entry carries the generation it was read under; the
//! writer bumps the generation the moment a group holding such a message is
//! committed (`Writer::submit_then`), and an entry also expires after [`TTL`],
//! so a change written by another process (a CLI command beside the server)
//! is seen within that time. A cached row is therefore never older than the
//! read snapshot an uncached read would have used, except for changes made by
//! another process, which are seen within [`TTL`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Db, ProposalRow, SpaceRow, StoreError};

/// How long an entry is trusted without a change seen in this process.
pub const TTL: Duration = Duration::from_secs(1);
/// Entries kept per table; the table is emptied when full. Votes go to the
/// few proposals that are open, and a proposal row holds its whole body.
const CAPACITY: usize = 1024;

struct Entry<T> {
    generation: u64,
    read: Instant,
    row: Arc<T>,
}

type Table<T> = Mutex<HashMap<String, Entry<T>>>;

/// Recently read space and proposal rows; shared by the ingest workers.
#[derive(Default)]
pub(crate) struct RowCache {
    generation: AtomicU64,
    spaces: Table<SpaceRow>,
    proposals: Table<ProposalRow>,
}

impl RowCache {
    /// The cache as of now. Take it before the read snapshot it serves
    /// begins: a change committed after that bumps past its generation, so
    /// a row read from the older snapshot is never kept as current.
    pub fn view(&self) -> RowView<'_> {
        RowView {
            cache: self,
            generation: self.generation.load(Ordering::Acquire),
        }
    }

    /// A space or a proposal was written: every entry is read again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

/// The cache as one read snapshot sees it ([`RowCache::view`]).
pub(crate) struct RowView<'a> {
    cache: &'a RowCache,
    generation: u64,
}

impl RowView<'_> {
    /// The space row (deleted or not), as [`Db::space`] reads it.
    pub fn space(&self, db: &Db<'_>, id: &str) -> Result<Option<Arc<SpaceRow>>, StoreError> {
        self.get(&self.cache.spaces, id, || db.space(id))
    }

    /// The live proposal, as [`Db::proposal`] reads it.
    pub fn proposal(&self, db: &Db<'_>, id: &str) -> Result<Option<Arc<ProposalRow>>, StoreError> {
        self.get(&self.cache.proposals, id, || db.proposal(id))
    }

    fn get<T>(
        &self,
        table: &Table<T>,
        id: &str,
        read: impl FnOnce() -> Result<Option<T>, StoreError>,
    ) -> Result<Option<Arc<T>>, StoreError> {
        if let Ok(table) = table.lock() {
            if let Some(entry) = table.get(id) {
                if entry.generation == self.generation && entry.read.elapsed() < TTL {
                    return Ok(Some(Arc::clone(&entry.row)));
                }
            }
        }
        // Rows that do not exist are not kept: ids are the sender's choice.
        let Some(row) = read()? else {
            return Ok(None);
        };
        let row = Arc::new(row);
        if let Ok(mut table) = table.lock() {
            if table.len() >= CAPACITY {
                table.clear();
            }
            table.insert(
                id.to_string(),
                Entry {
                    generation: self.generation,
                    read: Instant::now(),
                    row: Arc::clone(&row),
                },
            );
        }
        Ok(Some(row))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;

    fn settings(db: &Db<'_>, name: &str) {
        db.upsert_space("s.eth", &serde_json::json!({ "name": name }), "bafk", 1)
            .unwrap();
    }

    fn name(row: &SpaceRow) -> &str {
        row.settings["name"].as_str().unwrap()
    }

    #[test]
    fn a_row_is_read_again_after_a_change_and_missing_rows_are_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        let conn = store.write_connection().unwrap();
        let db = Db::new(&conn);
        let cache = RowCache::default();
        assert!(cache.view().space(&db, "s.eth").unwrap().is_none());
        settings(&db, "first");
        let first = cache.view().space(&db, "s.eth").unwrap().unwrap();
        assert_eq!(name(&first), "first");

        settings(&db, "second");
        // Until told, the cached row stands (within its TTL)...
        assert_eq!(
            name(&cache.view().space(&db, "s.eth").unwrap().unwrap()),
            "first"
        );
        // ...and once told, the store is read again.
        cache.invalidate();
        assert_eq!(
            name(&cache.view().space(&db, "s.eth").unwrap().unwrap()),
            "second"
        );

        // A change from another process is seen once the entry expires.
        settings(&db, "third");
        std::thread::sleep(TTL);
        assert_eq!(
            name(&cache.view().space(&db, "s.eth").unwrap().unwrap()),
            "third"
        );
    }
}
