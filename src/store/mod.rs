//! SQLite storage: the only module that writes SQL.
//!
//! One file in WAL mode. Reads come from a pool of read-only connections;
//! every write of the server goes through the single [`writer`] thread, which
//! commits messages in groups and acknowledges each only after its group's
//! transaction is durable. Migrations are append-only files applied in order
//! under `PRAGMA user_version`.

mod audit;
mod balances;
mod cache;
mod check;
mod court;
mod db;
mod listing;
mod messages;
mod outbox;
mod proposals;
mod social;
mod spaces;
mod votes;
pub mod writer;

use std::path::Path;
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};

pub use audit::{LogHead, VoteMessage};
pub(crate) use cache::{RowCache, RowView};
pub use check::LoggedMessage;
pub use court::CourtEventRow;
pub use db::Db;
pub use listing::{
    like_pattern, AliasRow, Cmp, Filter, FollowRow, LeaderboardRow, Page, SpaceCounts,
    StatementRow, SubscriptionRow, UserCounts, UserRow,
};
pub use messages::MessageRow;
pub use outbox::{DuePin, PinMismatch, PinRetry, PinStatus};
pub use proposals::{ProposalRow, StoredResult};
pub use spaces::SpaceRow;
pub use votes::{VoteOrder, VotePage, VoteRow};

/// Storage failures. They surface to clients as `server_error`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("stored JSON is corrupt: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot start a store thread: {0}")]
    Thread(String),
    #[error(transparent)]
    Dag(#[from] crate::ipld::DagError),
    /// A stored block's bytes no longer hash to its CID.
    #[error("stored block {0} does not hash to its CID")]
    CorruptBlock(String),
    /// The store cannot be written: a file or directory, and why.
    #[error("{}: {reason}", path.display())]
    NotWritable {
        path: std::path::PathBuf,
        reason: String,
    },
}

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_core.sql"),
    include_str!("migrations/0002_results.sql"),
    include_str!("migrations/0003_message_log.sql"),
    include_str!("migrations/0004_pin_outbox.sql"),
    include_str!("migrations/0005_audit.sql"),
    include_str!("migrations/0006_append_layout.sql"),
    include_str!("migrations/0007_proposal_counts.sql"),
    include_str!("migrations/0008_hub_reads.sql"),
    include_str!("migrations/0009_vote_timeline.sql"),
    include_str!("migrations/0010_court.sql"),
    include_str!("migrations/0011_votes_page.sql"),
];
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections in each read pool.
pub const READ_CONNECTIONS: u32 = 8;

/// The database file and its read pools.
#[derive(Clone)]
pub struct Store {
    path: std::path::PathBuf,
    readers: r2d2::Pool<SqliteConnectionManager>,
    /// Ingest's own readers: a crowd of slow reads (a million-vote count on
    /// the low-priority read threads) holding every pooled connection must
    /// never make a vote wait for one, as ingest reads on the HTTP workers.
    ingest_readers: r2d2::Pool<SqliteConnectionManager>,
}

impl Store {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let mut conn = open_writer(path)?;
        migrate(&mut conn)?;
        drop(conn);
        let pool = || {
            let manager = SqliteConnectionManager::file(path)
                .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .with_init(|conn| {
                    conn.busy_timeout(BUSY_TIMEOUT)?;
                    conn.pragma_update(None, "cache_size", -8_192)
                });
            r2d2::Pool::builder()
                .max_size(READ_CONNECTIONS)
                .build(manager)
        };
        Ok(Store {
            path: path.to_path_buf(),
            readers: pool()?,
            ingest_readers: pool()?,
        })
    }

    /// Opens the database at `path` like [`Store::open`], after making sure
    /// it can be written: a server that cannot write would answer every
    /// message with an error. SQLite creates `-wal` and `-shm` files beside
    /// the database (and a `-journal` when it is not in WAL mode), so the
    /// directory must be writable as well as the files already there; then a
    /// write transaction is begun, written to and rolled back.
    pub fn open_writable(path: &Path) -> Result<Store, StoreError> {
        let not_writable = |path: &Path, reason: String| StoreError::NotWritable {
            path: path.to_path_buf(),
            reason,
        };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let probe = dir.join(format!(".votehub-write-probe-{}", std::process::id()));
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
            .map_err(|err| not_writable(dir, format!("creating a file there: {err}")))?;
        std::fs::remove_file(&probe)
            .map_err(|err| not_writable(dir, format!("removing a file there: {err}")))?;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let file = Path::new(&file);
            if file.exists() {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(file)
                    .map_err(|err| not_writable(file, format!("opening it to write: {err}")))?;
            }
        }
        let store = Store::open(path)?;
        let conn = store.write_connection()?;
        conn.execute_batch(
            "BEGIN IMMEDIATE; CREATE TABLE votehub_write_probe (x INTEGER); ROLLBACK;",
        )
        .map_err(|err| not_writable(path, err.to_string()))?;
        Ok(store)
    }

    /// A pooled read-only connection.
    pub fn reader(&self) -> Result<Reader, StoreError> {
        Ok(Reader(self.readers.get()?))
    }

    /// A read-only connection from ingest's own pool (see `ingest_readers`).
    pub(crate) fn ingest_reader(&self) -> Result<Reader, StoreError> {
        Ok(Reader(self.ingest_readers.get()?))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new read-write connection, for the writer thread and for CLI commands
    /// that change the store while a server may be running.
    pub fn write_connection(&self) -> Result<Connection, StoreError> {
        open_writer(&self.path)
    }

    /// Runs `work` in one transaction on a new write connection, committed
    /// if it succeeds: for commands that change the store without the
    /// server's writer (SQLite's lock orders them with a running server).
    pub fn write_once<T, E: From<StoreError>>(
        &self,
        work: impl FnOnce(&Db<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.write_connection()?;
        let tx = conn.transaction().map_err(StoreError::from)?;
        let value = work(&Db::new(&tx))?;
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }
}

/// A pooled read-only connection; [`Reader::db`] gives the typed queries.
pub struct Reader(r2d2::PooledConnection<SqliteConnectionManager>);

impl Reader {
    pub fn db(&self) -> Db<'_> {
        Db::new(&self.0)
    }

    /// One read transaction: every query through it sees the same snapshot,
    /// and the shared lock is taken once instead of per query.
    pub fn snapshot(&self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        Ok(self.0.unchecked_transaction()?)
    }
}

fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    // busy_timeout first: other connections may be opening at the same moment.
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit is on disk when it returns. The writer thread's own
    // connection lowers this to NORMAL and fsyncs the WAL itself (writer.rs).
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A WAL that was reset is cut back to this size rather than kept at its peak.
    conn.pragma_update(None, "journal_size_limit", WAL_LIMIT as i64)?;
    tune(&conn)?;
    Ok(conn)
}

/// The WAL size the checkpointer keeps the file under (`writer.rs`).
pub(crate) const WAL_LIMIT: u64 = 256 << 20;

/// A larger page cache for the connections that write, so hot B-tree pages
/// are not re-read for every insert.
fn tune(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "cache_size", -16_384)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// A database file migrated only up to `version`, as an older votehub left
/// it: for tests of the later migrations.
#[cfg(test)]
fn database_at_version(path: &Path, version: usize) -> Connection {
    let conn = Connection::open(path).expect("test database");
    for migration in &MIGRATIONS[..version] {
        conn.execute_batch(migration).expect("earlier migration");
    }
    conn.pragma_update(None, "user_version", version as i64)
        .expect("user_version");
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_write_probe_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("votehub.sqlite");
        for _ in 0..2 {
            let store = Store::open_writable(&path).unwrap();
            let tables: i64 = store
                .reader()
                .unwrap()
                .0
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'votehub_write_probe'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(tables, 0);
        }
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|name| name.starts_with("votehub.sqlite")),
            "{names:?}"
        );
        let missing = dir.path().join("gone").join("votehub.sqlite");
        assert!(matches!(
            Store::open_writable(&missing),
            Err(StoreError::NotWritable { path, .. }) if path == dir.path().join("gone")
        ));
    }

    #[test]
    fn atomically_keeps_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        let conn = store.write_connection().unwrap();
        let db = Db::new(&conn);
        let failed: Result<(), StoreError> = db.atomically(|db| {
            db.put_block("a", b"1")?;
            Err(StoreError::Thread("refused".into()))
        });
        assert!(failed.is_err());
        assert_eq!(db.raw_block("a").unwrap(), None);
        db.atomically(|db| db.put_block("b", b"2")).unwrap();
        assert_eq!(db.raw_block("b").unwrap(), Some(b"2".to_vec()));
    }

    #[test]
    fn migrations_apply_once_and_reopen_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("votehub.sqlite");
        Store::open(&path).unwrap();
        let store = Store::open(&path).unwrap();
        let conn = store.write_connection().unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn the_append_layout_keeps_blocks_votes_and_pin_jobs_stored_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("votehub.sqlite");
        {
            let conn = database_at_version(&path, 5);
            conn.execute_batch(
                "INSERT INTO blocks (cid, data) VALUES ('old', x'01');
                 INSERT INTO blocks (cid, data) VALUES ('waiting', x'02');
                 INSERT INTO pin_outbox (cid, queued, state, attempts, next_attempt, done)
                   VALUES ('old', 1, 'pinned', 1, 1, 2);
                 INSERT INTO pin_outbox (cid, queued, next_attempt) VALUES ('waiting', 1, 1);
                 INSERT INTO votes (id, ipfs, voter, created, space, proposal, choice, reason, app, metadata, vp,
                   vp_by_strategy, vp_state)
                 VALUES ('0x1', 'bafk1', '0xA', 10, 's.eth', '0xp', '1', '', '', '{}', 1, '[1]', 'final');",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let conn = store.write_connection().unwrap();
        let db = Db::new(&conn);
        assert_eq!(db.raw_block("old").unwrap(), Some(vec![1]));
        // Pin jobs keep their state: the pinned block is not pushed again.
        let due: Vec<String> = db
            .pins_due(10, 10)
            .unwrap()
            .into_iter()
            .map(|p| p.cid)
            .collect();
        assert_eq!(due, ["waiting"]);
        assert_eq!(db.pin_status().unwrap().pinned, 1);
        assert_eq!(
            db.current_vote("0xA", "s.eth", "0xp").unwrap(),
            Some(("0x1".to_string(), 10))
        );
        // The voter's key is still unique: a revote replaces the old row.
        let revote = VoteRow {
            id: "0x2".into(),
            ipfs: "bafk2".into(),
            voter: "0xA".into(),
            created: 20,
            space: "s.eth".into(),
            proposal: "0xp".into(),
            choice: serde_json::json!(2),
            reason: String::new(),
            app: String::new(),
            metadata: serde_json::json!({}),
            vp: 1.0,
            vp_by_strategy: vec![1.0],
            vp_state: "final".into(),
        };
        db.put_vote(&revote, true).unwrap();
        let count: i64 = conn
            .query_row("SELECT COUNT(*) FROM votes", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, 1);
        assert_eq!(
            db.current_vote("0xA", "s.eth", "0xp").unwrap(),
            Some(("0x2".to_string(), 20))
        );
    }

    #[test]
    fn vote_counters_move_out_of_the_proposal_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("votehub.sqlite");
        {
            let conn = database_at_version(&path, 6);
            for (id, votes, changes) in [("0xp", 3, 5), ("0xq", 0, 0)] {
                conn.execute(
                    "INSERT INTO proposals (id, ipfs, author, created, space, network, symbol, type, strategies,
                       validation, plugins, title, body, discussion, choices, labels, start, end, snapshot, quorum,
                       quorum_type, privacy, app, votes, vote_changes)
                     VALUES (?1, 'bafk', '0xA', 1, 's.eth', '1', 'VOTE', 'single-choice', '[]', '{}', '{}', 't', 'b',
                       '', '[\"A\",\"B\"]', '[]', 1, 2, 1, 0, '', '', '', ?2, ?3)",
                    rusqlite::params![id, votes, changes],
                )
                .unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        let reader = store.reader().unwrap();
        let counted = |id: &str| {
            let row = reader.db().proposal(id).unwrap().unwrap();
            (row.votes, row.vote_changes)
        };
        assert_eq!(counted("0xp"), (3, 5));
        assert_eq!(counted("0xq"), (0, 0));
        let listed = reader.db().proposals("s.eth", 10, 0).unwrap();
        assert_eq!(listed.len(), 2);
    }
}
