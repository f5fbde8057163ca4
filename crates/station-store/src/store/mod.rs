//! The [`Store`]: one SQLite connection behind a mutex, one transaction per state change.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::StoreError;
use crate::schema;

/// A unit's status as read back: `committing` while it holds an open claim (its column stays
/// `in_progress`, so the partial unique indexes keep its serial, registration ID and EK). The
/// one SQL expression every query that reads a unit's status uses.
macro_rules! unit_status_sql {
    () => {
        "CASE WHEN units.status = 'in_progress' AND EXISTS (SELECT 1 FROM claims c \
         WHERE c.unit_id = units.id AND c.status = 'open') THEN 'committing' \
         ELSE units.status END"
    };
}

mod audit_log;
mod certificates;
pub(crate) mod claims;
pub(crate) mod handouts;
pub(crate) mod line;
pub(crate) mod line_db;
pub(crate) mod operators;
pub(crate) mod queue;
mod register_checks;
pub(crate) mod reports;
mod rows;
pub(crate) mod slot_blocks;
mod units;

/// How long a statement waits for another process's write lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection; more than the store has, so none is re-prepared.
const STATEMENT_CACHE_CAPACITY: usize = 64;

/// The station database: runs, units, steps, the enrollment queue and the audit chain.
///
/// One `Store` owns one SQLite connection behind a mutex, so it is `Send + Sync` and every method
/// takes `&self`; slots running in threads share an `Arc<Store>`. Each state change is one
/// `IMMEDIATE` transaction that also writes its audit rows, so a change and its audit record
/// commit together or not at all, and two processes on the same file serialise cleanly.
///
/// The file is opened in WAL mode, foreign keys on and a [`BUSY_TIMEOUT`]. Durability is a
/// group commit: a state change commits with `synchronous=NORMAL` (no fsync inside the
/// connection lock), then the method returns only after the write-ahead log has been fsynced
/// past that commit. Threads finishing together share one fsync, so a committed PASS survives
/// a power cut, as with `synchronous=FULL`, without 32 slots queueing one fsync each.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// Commits made so far (incremented under the connection lock).
    committed: std::sync::atomic::AtomicU64,
    /// The highest commit number known to be on disk; held while fsyncing.
    synced: Mutex<u64>,
}

impl Store {
    /// Opens (creating it and its parent directories if needed) and migrates the database.
    ///
    /// Opening does not touch units left `in_progress` by a station that was killed: call
    /// [`Store::mark_interrupted`] once at station start, when no run is active. (A second
    /// process, e.g. `station queue`, may open the same file while a run is going.)
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // The folder keeps the usual permissions (the demo puts the line database's
            // cluster under it); the files holding secrets are what is made private. Each
            // folder made is synced into its parent: a power cut does not take it away.
            crate::private_files::create_dir_all_synced(parent).map_err(|source| {
                StoreError::CreateDir {
                    path: parent.to_owned(),
                    source,
                }
            })?;
        }
        // The database is created owner-only, or for the `station` group (the kiosk and the
        // uploader) in the package's setgid folder; SQLite gives its -wal and -shm files the
        // database's mode. Tightened if an older station left it readable by others.
        Self::make_private(path).map_err(|source| StoreError::CreateDir {
            path: path.to_owned(),
            source,
        })?;
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NotWal {
                path: path.to_owned(),
                mode,
            });
        }
        // Durability comes from `Store::write`'s own fsync of the WAL (group commit).
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;
        // A purged secret is overwritten, not only unlinked from its page; a checkpointed WAL
        // shrinks back instead of keeping old frames (and what they held) at its end.
        conn.pragma_update(None, "secure_delete", true)
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_size_limit", 4_i64 << 20)
            .map_err(open_err)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        schema::migrate(&mut conn)?;
        tracing::info!(path = %path.display(), version = schema::LATEST, "station database open");
        Ok(Store {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            committed: std::sync::atomic::AtomicU64::new(0),
            synced: Mutex::new(0),
        })
    }

    /// The database file and its -wal and -shm companions (the files that hold its secrets).
    pub fn files(path: &Path) -> [PathBuf; 3] {
        let with = |suffix: &str| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            PathBuf::from(p)
        };
        [path.to_owned(), with("-wal"), with("-shm")]
    }

    fn make_private(path: &Path) -> std::io::Result<()> {
        match crate::private_files::create_new_database(path) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                for file in Self::files(path) {
                    // Another user's file (the other account of the `station` group) cannot
                    // be tightened by this one: `station check` reports it.
                    let shared = crate::private_files::Sharing::Database;
                    if let Err(e) = crate::private_files::tighten_as(&file, shared) {
                        tracing::warn!(path = %file.display(), error = %e,
                            "could not tighten the database's permissions");
                    }
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one `IMMEDIATE` transaction and commits it without waiting for the disk:
    /// it survives a crash of the station, and a power cut may only drop it together with
    /// everything after it (the log is flushed in order). Used for a unit's in-progress claim,
    /// which is worthless without the durable PASS that follows it.
    fn write_relaxed<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.commit(f).map(|(out, _)| out)
    }

    /// Makes a commit made without waiting for the disk ([`Store::claim_unit_unsynced`])
    /// durable: returns once the write-ahead log is fsynced past it (one fsync shared with
    /// any other thread syncing at the same time).
    pub fn sync(&self, pending: Unsynced) -> Result<(), StoreError> {
        self.sync_through(pending.0)
    }

    /// Copies the write-ahead log into the database file and truncates it, so a row rewritten
    /// since (a purged secret) no longer survives in an old log frame. Returns `false` when a
    /// reader still held part of the log: that part goes at a later checkpoint.
    pub fn checkpoint(&self) -> Result<bool, StoreError> {
        let conn = self.lock();
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(busy == 0)
    }

    /// Runs `f` in one `IMMEDIATE` transaction and returns once the commit is on disk.
    fn write<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (out, seq) = self.commit(f)?;
        self.sync_through(seq)?;
        Ok(out)
    }

    fn commit<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<(T, u64), StoreError> {
        use std::sync::atomic::Ordering;
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok((out, self.committed.fetch_add(1, Ordering::SeqCst) + 1))
    }

    /// Makes every commit up to `seq` durable: fsyncs the write-ahead log unless another
    /// thread's fsync, started after that commit, already did.
    fn sync_through(&self, seq: u64) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering;
        let mut synced = self.synced.lock().unwrap_or_else(PoisonError::into_inner);
        if *synced >= seq {
            return Ok(());
        }
        // Everything committed before this point is in the log file's page cache.
        let target = self.committed.load(Ordering::SeqCst);
        let wal = wal_path(&self.path);
        let sync = std::fs::File::open(&wal).and_then(|f| f.sync_data());
        sync.map_err(|source| StoreError::Sync { path: wal, source })?;
        *synced = target;
        Ok(())
    }

    /// Runs `f` in a read transaction, so several queries see one snapshot.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A thread that panicked while holding the lock dropped its transaction, which rolled
        // back, so the connection is still consistent: recover it instead of poisoning every
        // slot.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A commit that a crash of the station keeps but a power cut may not, until [`Store::sync`]
/// makes it durable.
#[must_use = "a claim must be synced before the lock frame leaves"]
#[derive(Debug, Clone, Copy)]
pub struct Unsynced(u64);

/// The write-ahead log of the database at `db`.
fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}
