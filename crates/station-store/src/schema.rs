//! The database schema and its migrations, applied in one transaction when the store opens.
//!
//! The schema version lives in `PRAGMA user_version`; migration `n` (0-based) takes a database from
//! version `n` to `n + 1`. Released migrations are never edited, only appended to.
//!
//! # Tables (schema version 1)
//!
//! All tables are `STRICT`. Timestamps are UTC RFC 3339 text with microseconds and a `Z`
//! (`2026-11-26T14:57:35.123456Z`), so they sort as text.
//!
//! - **`runs`**: one operator session. `id` (TEXT, a UUID, PK), `station_id`, `operator`,
//!   `work_order` (NULL), `config_path`, `started_at`, `finished_at` (NULL while open).
//! - **`units`**: one provisioning attempt of one DUT. `id` (INTEGER PK), `run_id` → `runs`,
//!   `slot`, `serial` (NULL for a slot that failed before a DUT identified itself), `product`,
//!   `registration_id`, `attestation` (`symmetric-key` | `x509` | `tpm`; these three are NULL
//!   only for unidentified units), `work_order`, `operator`, `station_id`, `status`
//!   (`in_progress` | `pass` | `fail` | `interrupted` | `superseded`), `failed_step`,
//!   `failure_code`, `failure_message`, `rework_of` → `units` (NULL), `identity_json` (what the
//!   DUT reported: model, hw, fw, caps), `started_at`, `finished_at`.
//!   Partial unique indexes allow at most one `in_progress`-or-`pass` unit per serial and per
//!   registration ID (NULLs are exempt).
//! - **`steps`**: the pipeline steps of a unit, written when the unit finishes. PK
//!   (`unit_id` → `units`, `seq` from 0 in run order), `step`, `outcome` (`ok` | `failed`),
//!   `started_at`, `duration_ms` (REAL), `detail` (NULL).
//! - **`enrollments`**: the enrollment queue. `id` (INTEGER PK), `unit_id` → `units` (UNIQUE),
//!   `registration_id`, `payload_json` (the DPS `IndividualEnrollment`, opaque), `status`
//!   (`queued` | `uploaded` | `conflict` | `superseded`), `created_at`, `updated_at`,
//!   `attempts` (default 0), `last_error` (NULL). At most one `queued` row per registration ID.
//! - **`audit`**: the hash chain (see [`crate::audit`]). `seq` (INTEGER PK, from 1, no gaps),
//!   `at`, `station_id`, `actor`, `kind`, `subject` (serial, registration ID or ''),
//!   `detail_json`, `prev_hash` (BLOB 32), `hash` (BLOB 32). Triggers `audit_no_update` and
//!   `audit_no_delete` abort any `UPDATE` or `DELETE`.

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// The migrations; index `n` upgrades schema version `n` to `n + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[V1];

/// The newest schema version this release writes.
pub(crate) const LATEST: u32 = MIGRATIONS.len() as u32;

const V1: &str = r"
CREATE TABLE runs (
    id          TEXT PRIMARY KEY NOT NULL,
    station_id  TEXT NOT NULL,
    operator    TEXT NOT NULL,
    work_order  TEXT,
    config_path TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT
) STRICT;

CREATE TABLE units (
    id              INTEGER PRIMARY KEY,
    run_id          TEXT NOT NULL REFERENCES runs(id),
    slot            INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 65535),
    serial          TEXT CHECK (serial <> ''),
    product         TEXT,
    -- DPS registration IDs are case-insensitive: so are comparisons here.
    registration_id TEXT COLLATE NOCASE CHECK (registration_id <> ''),
    attestation     TEXT CHECK (attestation IN ('symmetric-key', 'x509', 'tpm')),
    work_order      TEXT,
    operator        TEXT NOT NULL,
    station_id      TEXT NOT NULL,
    status          TEXT NOT NULL
        CHECK (status IN ('in_progress', 'pass', 'fail', 'interrupted', 'superseded')),
    failed_step     TEXT,
    failure_code    TEXT,
    failure_message TEXT,
    rework_of       INTEGER REFERENCES units(id),
    identity_json   TEXT,
    started_at      TEXT NOT NULL,
    finished_at     TEXT
) STRICT;
CREATE INDEX units_run ON units(run_id);
CREATE INDEX units_serial ON units(serial);
CREATE INDEX units_registration_id ON units(registration_id);
CREATE INDEX units_status ON units(status);
CREATE UNIQUE INDEX units_serial_active
    ON units(serial) WHERE status IN ('in_progress', 'pass');
CREATE UNIQUE INDEX units_registration_id_active
    ON units(registration_id) WHERE status IN ('in_progress', 'pass');

CREATE TABLE steps (
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    seq         INTEGER NOT NULL,
    step        TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),
    started_at  TEXT NOT NULL,
    duration_ms REAL NOT NULL CHECK (duration_ms >= 0),
    detail      TEXT,
    PRIMARY KEY (unit_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE enrollments (
    id              INTEGER PRIMARY KEY,
    unit_id         INTEGER NOT NULL UNIQUE REFERENCES units(id),
    registration_id TEXT NOT NULL,
    payload_json    TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'uploaded', 'conflict', 'superseded')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT
) STRICT;
CREATE INDEX enrollments_status ON enrollments(status, id);
CREATE UNIQUE INDEX enrollments_registration_id_queued
    ON enrollments(registration_id) WHERE status = 'queued';

CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    station_id  TEXT NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    detail_json TEXT NOT NULL,
    prev_hash   BLOB NOT NULL CHECK (length(prev_hash) = 32),
    hash        BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
";

/// Brings the database to [`LATEST`]; a database already there is left untouched.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found = user_version(conn)?;
    if found == LATEST {
        return Ok(());
    }
    if found > LATEST {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: LATEST,
        });
    }
    let fail = |source| StoreError::Migrate {
        from: found,
        to: LATEST,
        source,
    };
    // IMMEDIATE takes the write lock first, so two processes opening a fresh file cannot both
    // migrate it; the version is read again under the lock.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(fail)?;
    let from = user_version(&tx)?;
    if from > LATEST {
        return Err(StoreError::SchemaTooNew {
            found: from,
            supported: LATEST,
        });
    }
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        tx.execute_batch(sql).map_err(fail)?;
        tracing::info!(
            from = version,
            to = version + 1,
            "migrated station database"
        );
    }
    tx.pragma_update(None, "user_version", LATEST)
        .map_err(fail)?;
    tx.commit().map_err(fail)?;
    Ok(())
}

/// The schema version stored in the file (0 for a new file).
pub(crate) fn user_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}
