//! The database schema and its migrations, applied in one transaction when the store opens.
//!
//! The schema version lives in `PRAGMA user_version`; migration `n` (0-based) takes a database from
//! version `n` to `n + 1`. Released migrations are never edited, only appended to.
//!
//! # Tables (schema version 1; version 2, 3 and 4 changes listed on `V2`, `V3` and `V4`)
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
//!   Version 2 adds `in_flight_since` (NULL; see `V2` below).
//! - **`audit`**: the hash chain (see [`crate::audit`]). `seq` (INTEGER PK, from 1, no gaps),
//!   `at`, `station_id`, `actor`, `kind`, `subject` (serial, registration ID or ''),
//!   `detail_json`, `prev_hash` (BLOB 32), `hash` (BLOB 32). Triggers `audit_no_update` and
//!   `audit_no_delete` abort any `UPDATE` or `DELETE`.

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// The migrations; index `n` upgrades schema version `n` to `n + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13, V14, V15,
];

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

/// Version 2: the uploader's in-flight marker and the indexes export selects by.
///
/// - `enrollments.in_flight_since` (TEXT, NULL): set when an uploader claims the row for a
///   batch, cleared when the batch's outcome is recorded. A row still marked when an uploader
///   starts was left by one that stopped mid-batch; it is queued again and retried (the retry
///   reconciles with what DPS already holds, so it is idempotent).
/// - Indexes `enrollments_created_at` (export by time range) and `units_work_order` (export by
///   work order).
const V2: &str = r"
ALTER TABLE enrollments ADD COLUMN in_flight_since TEXT;
CREATE INDEX enrollments_created_at ON enrollments(created_at);
CREATE INDEX units_work_order ON units(work_order);
";

/// Version 3: the certificates the station issued (X.509 products).
///
/// - **`issued_certificates`**: one row per device certificate, committed (with its audit row
///   `certificate.issued`) before the certificate is sent to the DUT. `id` (INTEGER PK),
///   `serial` (hex, UNIQUE), `subject` (`CN=…`), `sha256` (hex thumbprint of the DER, UNIQUE),
///   `work_order` (NULL), `operator`, `station_id`, `unit_id` → `units`, `ca_id` (hex SHA-256
///   of the signing CA certificate), `not_before`, `not_after`, `issued_at`, `status`
///   (`issued` | `void`: the unit failed after issuance, so the certificate was never put in
///   service by this station). Quotas count every row of a work order, void ones included.
const V3: &str = r"
CREATE TABLE issued_certificates (
    id          INTEGER PRIMARY KEY,
    serial      TEXT NOT NULL UNIQUE CHECK (serial <> ''),
    subject     TEXT NOT NULL,
    sha256      TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    work_order  TEXT,
    operator    TEXT NOT NULL,
    station_id  TEXT NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    ca_id       TEXT NOT NULL,
    not_before  TEXT NOT NULL,
    not_after   TEXT NOT NULL,
    issued_at   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'void'))
) STRICT;
CREATE INDEX issued_certificates_work_order ON issued_certificates(work_order);
CREATE INDEX issued_certificates_unit ON issued_certificates(unit_id);
";

/// Version 4: the station's operators (desktop app login and roles).
///
/// - **`operators`**: `id` (TEXT PK, the badge ID), `name`, `role` (`technician` |
///   `supervisor` | `admin`), `pin_hash` (argon2id PHC string; never the PIN),
///   `failed_attempts` (consecutive wrong PINs), `locked_until` (NULL unless locked out),
///   `created_at`, `updated_at`, `last_login_at` (NULL). Changes and logins are audited
///   (`operator.added`, `operator.pin_set`, `operator.unlocked`, `operator.login`,
///   `operator.login_failed`, `operator.locked`).
const V4: &str = r"
CREATE TABLE operators (
    id              TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('technician', 'supervisor', 'admin')),
    pin_hash        TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    last_login_at   TEXT
) STRICT;
";

/// Version 5: TPM endorsement keys (TPM products).
///
/// - `units.ek_sha256` (TEXT, NULL unless the unit is a TPM unit): lower-case hex SHA-256 of
///   the EK's marshalled `TPM2B_PUBLIC`. A partial unique index allows at most one
///   `in_progress`-or-`pass` unit per EK, as for serials and registration IDs: a TPM is never
///   provisioned into two units (a cloned or transplanted TPM is refused).
const V5: &str = r"
ALTER TABLE units ADD COLUMN ek_sha256 TEXT CHECK (ek_sha256 IS NULL OR length(ek_sha256) = 64);
CREATE UNIQUE INDEX units_ek_sha256_active
    ON units(ek_sha256) WHERE status IN ('in_progress', 'pass');
";

/// Version 6: the supervisor's line set-up, kept across restarts of the station.
///
/// - **`line_settings`**: `key` (TEXT PK: `work_order`, or `slot.<n>.product` for a slot that
///   runs another product than its configured one), `value`, `actor`, `updated_at`. A setting
///   changes in the same transaction as its audit row (`work_order.set`, `slot.product`).
/// - Indexes for what the desktop app reads while slots run: enrollments by
///   `(status, updated_at)` and, where `last_error` is set, by `updated_at` (the queue
///   overview); audit rows by `subject` (a unit's log).
const V6: &str = r"
CREATE INDEX enrollments_status_updated ON enrollments(status, updated_at);
CREATE INDEX enrollments_errors ON enrollments(updated_at) WHERE last_error IS NOT NULL;
CREATE INDEX audit_subject ON audit(subject) WHERE subject <> '';
CREATE TABLE line_settings (
    key        TEXT PRIMARY KEY NOT NULL CHECK (key <> ''),
    value      TEXT NOT NULL,
    actor      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
";

/// Version 7: write-ahead claims (crash-safe provisioning) and why a certificate is void.
///
/// - **`claims`**: one row per unit that reached the irreversible step, committed durably
///   before the lock frame leaves the station. `unit_id` (PK → `units`), `serial`,
///   `registration_id`, `settings_json` (each `dps/*` setting written: name → SHA-256 hex of
///   its value; never the value, so no secret is stored twice), `certificate_sha256` (X.509:
///   the installed leaf's thumbprint), `ek_sha256` (TPM), `enrollment_json` (the enrollment to
///   queue on PASS; NULL for group-enrollment products), `status` (`open` | `completed` |
///   `failed` | `voided`), `created_at`, `waiting_by` / `waiting_at` (a supervisor said the
///   board will be brought back), `resolved_at`, `resolved_by`, `resolution`. At most one open
///   claim per serial. A unit with an open claim keeps `units.status = 'in_progress'` (its
///   serial, registration ID and EK stay reserved) and reads back as `committing`.
/// - `issued_certificates.void_reason` (TEXT, NULL unless void). From this version void
///   certificates no longer count against a work order's quota.
const V7: &str = r"
CREATE TABLE claims (
    unit_id            INTEGER PRIMARY KEY NOT NULL REFERENCES units(id),
    serial             TEXT NOT NULL CHECK (serial <> ''),
    registration_id    TEXT NOT NULL COLLATE NOCASE CHECK (registration_id <> ''),
    settings_json      TEXT NOT NULL,
    certificate_sha256 TEXT CHECK (certificate_sha256 IS NULL OR length(certificate_sha256) = 64),
    ek_sha256          TEXT CHECK (ek_sha256 IS NULL OR length(ek_sha256) = 64),
    enrollment_json    TEXT,
    status             TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'completed', 'failed', 'voided')),
    created_at         TEXT NOT NULL,
    waiting_by         TEXT,
    waiting_at         TEXT,
    resolved_at        TEXT,
    resolved_by        TEXT,
    resolution         TEXT
) STRICT;
CREATE UNIQUE INDEX claims_serial_open ON claims(serial) WHERE status = 'open';
CREATE INDEX claims_open ON claims(created_at) WHERE status = 'open';
ALTER TABLE issued_certificates ADD COLUMN void_reason TEXT;
";

/// Version 8: the register check (a product's board registers with DPS after PASS).
///
/// - **`register_checks`**: one row per unit whose board was asked to register: `unit_id` (PK
///   → `units`), `outcome` (`registered` | `refused`), `assigned_hub` and `device_id`
///   (`registered`), `code` and `message` (`refused`: the station's code and DPS's reason as
///   the board saw it), `checked_at`. A refused unit's status turns from `pass` to `fail` (step
///   `register`) in the same transaction; audit `unit.registered` / `unit.register_refused`.
const V8: &str = r"
CREATE TABLE register_checks (
    unit_id      INTEGER PRIMARY KEY NOT NULL REFERENCES units(id),
    outcome      TEXT NOT NULL CHECK (outcome IN ('registered', 'refused')),
    assigned_hub TEXT,
    device_id    TEXT,
    code         TEXT,
    message      TEXT,
    checked_at   TEXT NOT NULL
) STRICT;
";

/// Version 9: the station's side of the line database (PostgreSQL, `[line_db]`).
///
/// - **`line_outbox`**: what the line database must still be told, in order: `id` (INTEGER
///   PK), `op` (`reserve` | `keep` | `release` | `unit`), `unit_ref` (the unit's ID as text),
///   `payload_json` (the identities' kinds and values, never a secret: keys only by their
///   SHA-256; or the unit's outcome), `created_at`. A row is deleted once the line has it.
/// - **`line_leases`**: the blocks of work-order quota the line granted this station: `id`
///   (INTEGER PK, the line's lease ID), `work_order`, `granted`, `used` (certificates issued
///   from it, in the same transaction as each certificate), `reported` (what the line was last
///   told), `granted_at`. A certificate of a quota product on a line is issued only from here.
/// - **`line_conflicts`**: identities this station provisioned while apart that the replay
///   found held by another station's unit: `id` (INTEGER PK), `line_id` (the line's conflict
///   ID, UNIQUE), `unit_id` → `units`, `kind`, `value`, `holder_station`, `holder_unit`,
///   `detected_at`. Audit `line.conflict`.
const V9: &str = r"
CREATE TABLE line_outbox (
    id           INTEGER PRIMARY KEY,
    op           TEXT NOT NULL CHECK (op IN ('reserve', 'keep', 'release', 'unit')),
    unit_ref     TEXT NOT NULL CHECK (unit_ref <> ''),
    payload_json TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE TABLE line_leases (
    id         INTEGER PRIMARY KEY NOT NULL,
    work_order TEXT NOT NULL CHECK (work_order <> ''),
    granted    INTEGER NOT NULL CHECK (granted > 0),
    used       INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= granted),
    reported   INTEGER NOT NULL DEFAULT 0 CHECK (reported >= 0 AND reported <= used),
    granted_at TEXT NOT NULL
) STRICT;
CREATE INDEX line_leases_open ON line_leases(work_order) WHERE used < granted;
CREATE TABLE line_conflicts (
    id             INTEGER PRIMARY KEY,
    line_id        INTEGER NOT NULL UNIQUE,
    unit_id        INTEGER REFERENCES units(id),
    kind           TEXT NOT NULL,
    value          TEXT NOT NULL,
    holder_station TEXT NOT NULL,
    holder_unit    TEXT NOT NULL,
    detected_at    TEXT NOT NULL
) STRICT;
";

/// Version 10: the line is told of each unit's claim.
///
/// - **`line_outbox.op`** may also be `claim` (the unit's claim was committed and its board is
///   about to be locked; payload `{}`), replayed in order like the others. SQLite cannot widen
///   a CHECK in place: the table is rebuilt with its rows and IDs.
const V10: &str = r"
CREATE TABLE line_outbox_v10 (
    id           INTEGER PRIMARY KEY,
    op           TEXT NOT NULL CHECK (op IN ('reserve', 'claim', 'keep', 'release', 'unit')),
    unit_ref     TEXT NOT NULL CHECK (unit_ref <> ''),
    payload_json TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
INSERT INTO line_outbox_v10 (id, op, unit_ref, payload_json, created_at)
    SELECT id, op, unit_ref, payload_json, created_at FROM line_outbox;
DROP TABLE line_outbox;
ALTER TABLE line_outbox_v10 RENAME TO line_outbox;
";

/// Version 11: a device key is certified once.
///
/// - **`issued_certificates.spki_sha256`** (TEXT, NULL for certificates issued before this
///   version): SHA-256 (hex) of the device key's SubjectPublicKeyInfo, unique where set. A CSR
///   for a key the station certified before is refused (`station::x509::key_reused`): boards
///   that share a key pair, or a board replaying another's CSR, get no certificate.
const V11: &str = r"
ALTER TABLE issued_certificates ADD COLUMN spki_sha256 TEXT
    CHECK (spki_sha256 IS NULL OR length(spki_sha256) = 64);
CREATE UNIQUE INDEX issued_certificates_spki ON issued_certificates (spki_sha256)
    WHERE spki_sha256 IS NOT NULL;
";

/// Version 12: what a board took is accounted for, and revoked when its unit does not pass.
///
/// - **`handouts`**: one row per credential that crossed the link to a board, written durably
///   before it left: `id` (INTEGER PK), `unit_id` → `units`, `kind` (`certificate` |
///   `derived_key`: a group enrollment's device key), `registration_id`, `certificate_serial`
///   (a certificate's, NULL for a key), `revocation_json` (for a group product, the disabled
///   individual enrollment that takes the device out of its group: DPS-NOTES §9; NULL for an
///   individual product, whose own enrollment is disabled instead), `status` (`out` → `in_service`
///   when its unit passes, or `revoked`), `created_at`, `revoked_at`, `revoked_reason`.
/// - **`issued_certificates.der`** (BLOB, NULL before this version): the leaf as it left, so it
///   can be revoked by certificate. From this version every issued certificate counts against
///   its work order's quota, void or not: a void one still left the station.
/// - **`enrollments.status`** may also be `disable_queued` (DPS must refuse this registration
///   ID: an uploaded enrollment of a unit that failed after PASS, or a group device's disabled
///   individual enrollment) and `disabled` (DPS holds it disabled). SQLite cannot widen a CHECK
///   in place: the table is rebuilt with its rows, IDs and indexes. A registration ID with a
///   revocation is burned: no unit is begun for it again (`station::unit::revoked`).
const V12: &str = r"
CREATE TABLE handouts (
    id                 INTEGER PRIMARY KEY,
    unit_id            INTEGER NOT NULL REFERENCES units(id),
    kind               TEXT NOT NULL CHECK (kind IN ('certificate', 'derived_key')),
    registration_id    TEXT NOT NULL COLLATE NOCASE CHECK (registration_id <> ''),
    certificate_serial TEXT,
    revocation_json    TEXT,
    status             TEXT NOT NULL DEFAULT 'out' CHECK (status IN ('out', 'in_service', 'revoked')),
    created_at         TEXT NOT NULL,
    revoked_at         TEXT,
    revoked_reason     TEXT
) STRICT;
CREATE INDEX handouts_unit ON handouts(unit_id);
CREATE INDEX handouts_revoked ON handouts(revoked_at) WHERE status = 'revoked';
ALTER TABLE issued_certificates ADD COLUMN der BLOB;
CREATE TABLE enrollments_v12 (
    id              INTEGER PRIMARY KEY,
    unit_id         INTEGER NOT NULL UNIQUE REFERENCES units(id),
    registration_id TEXT NOT NULL,
    payload_json    TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'uploaded', 'conflict', 'superseded', 'disable_queued', 'disabled')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT,
    in_flight_since TEXT
) STRICT;
INSERT INTO enrollments_v12 (id, unit_id, registration_id, payload_json, status, created_at,
        updated_at, attempts, last_error, in_flight_since)
    SELECT id, unit_id, registration_id, payload_json, status, created_at, updated_at, attempts,
        last_error, in_flight_since FROM enrollments;
DROP TABLE enrollments;
ALTER TABLE enrollments_v12 RENAME TO enrollments;
CREATE INDEX enrollments_status ON enrollments(status, id);
CREATE UNIQUE INDEX enrollments_registration_id_queued
    ON enrollments(registration_id) WHERE status = 'queued';
CREATE INDEX enrollments_created_at ON enrollments(created_at);
CREATE INDEX enrollments_status_updated ON enrollments(status, updated_at);
CREATE INDEX enrollments_errors ON enrollments(updated_at) WHERE last_error IS NOT NULL;
CREATE INDEX enrollments_revoked ON enrollments(registration_id COLLATE NOCASE)
    WHERE status IN ('disable_queued', 'disabled');
";

/// Version 13: a slot where boards keep failing after taking a credential is blocked.
///
/// - **`slot_blocks`**: one row per block. `id` (INTEGER PK), `slot`, `unit_id` → `units`
///   (the unit whose failure tripped it), `blocked_at`, `failures_on_slot` and
///   `failures_of_serial` (the counts that tripped it), `window_hours`, `threshold`,
///   `serials_json` (the serials counted on the slot, newest first), and once a supervisor
///   clears it `cleared_at`, `cleared_by`, `clear_reason`. At most one uncleared row per slot.
/// - **`units.device_id`** (TEXT, NULL when the product renders none): the IoT Hub device ID,
///   unique among `in_progress` and `pass` units like the serial and registration ID.
const V13: &str = r"
ALTER TABLE units ADD COLUMN device_id TEXT CHECK (device_id IS NULL OR device_id <> '');
CREATE UNIQUE INDEX units_device_id_active
    ON units(device_id) WHERE device_id IS NOT NULL AND status IN ('in_progress', 'pass');
CREATE TABLE slot_blocks (
    id                 INTEGER PRIMARY KEY,
    slot               INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 65535),
    unit_id            INTEGER NOT NULL REFERENCES units(id),
    blocked_at         TEXT NOT NULL,
    failures_on_slot   INTEGER NOT NULL CHECK (failures_on_slot >= 0),
    failures_of_serial INTEGER NOT NULL CHECK (failures_of_serial >= 0),
    window_hours       INTEGER NOT NULL CHECK (window_hours > 0),
    threshold          INTEGER NOT NULL CHECK (threshold > 0),
    serials_json       TEXT NOT NULL,
    cleared_at         TEXT,
    cleared_by         TEXT,
    clear_reason       TEXT,
    CHECK ((cleared_at IS NULL) = (cleared_by IS NULL))
) STRICT;
CREATE UNIQUE INDEX slot_blocks_active ON slot_blocks(slot) WHERE cleared_at IS NULL;
CREATE INDEX units_slot_started ON units(slot, started_at);
";

/// Version 14: device secrets are sealed where they are created and purged once delivered.
///
/// - **`enrollments.secret`** (`none` | `plain` | `sealed` | `purged`): where the row's device
///   secret is. `payload_json` of a `sealed` or `purged` row holds its keys as `<redacted>`;
///   **`payload_sealed`** (BLOB) is the age ciphertext of the whole payload while `sealed`,
///   **`sealed_to`** the fingerprint of its recipients, **`purged_at`** when it was purged.
/// - **`claims.enrollment_sealed`** and **`claims.enrollment_sealed_to`**: the same for a
///   claim's enrollment. Trigger `claims_forget_secret` clears them, and redacts
///   `enrollment_json`, when the claim ends (any status but `open`).
/// - Rows that kept keys in clear where nothing needs them any more are redacted now: a
///   revocation (DPS is sent fresh random keys with the disabled enrollment), a group
///   device's revocation hand-out, a claim that has ended. A queued or uploaded enrollment of
///   an older station stays `plain` until it is delivered and purged.
const V14: &str = r"
ALTER TABLE enrollments ADD COLUMN secret TEXT NOT NULL DEFAULT 'none'
    CHECK (secret IN ('none', 'plain', 'sealed', 'purged'));
ALTER TABLE enrollments ADD COLUMN payload_sealed BLOB;
ALTER TABLE enrollments ADD COLUMN sealed_to TEXT;
ALTER TABLE enrollments ADD COLUMN purged_at TEXT;
ALTER TABLE claims ADD COLUMN enrollment_sealed BLOB;
ALTER TABLE claims ADD COLUMN enrollment_sealed_to TEXT;
UPDATE enrollments SET payload_json = json_set(payload_json,
        '$.attestation.symmetricKey.primaryKey', '<redacted>',
        '$.attestation.symmetricKey.secondaryKey', '<redacted>')
    WHERE status IN ('disable_queued', 'disabled', 'superseded')
      AND json_valid(payload_json)
      AND json_type(payload_json, '$.attestation.symmetricKey') = 'object';
UPDATE enrollments SET secret = 'plain'
    WHERE json_valid(payload_json)
      AND json_type(payload_json, '$.attestation.symmetricKey.primaryKey') = 'text'
      AND json_extract(payload_json, '$.attestation.symmetricKey.primaryKey') <> '<redacted>';
UPDATE handouts SET revocation_json = json_set(revocation_json,
        '$.attestation.symmetricKey.primaryKey', '<redacted>',
        '$.attestation.symmetricKey.secondaryKey', '<redacted>')
    WHERE revocation_json IS NOT NULL AND json_valid(revocation_json)
      AND json_type(revocation_json, '$.attestation.symmetricKey') = 'object';
UPDATE claims SET enrollment_json = json_set(enrollment_json,
        '$.attestation.symmetricKey.primaryKey', '<redacted>',
        '$.attestation.symmetricKey.secondaryKey', '<redacted>')
    WHERE status <> 'open' AND enrollment_json IS NOT NULL AND json_valid(enrollment_json)
      AND json_type(enrollment_json, '$.attestation.symmetricKey') = 'object';
CREATE TRIGGER claims_forget_secret AFTER UPDATE OF status ON claims
    WHEN NEW.status <> 'open'
BEGIN
    UPDATE claims SET enrollment_sealed = NULL, enrollment_sealed_to = NULL,
        enrollment_json = CASE
            WHEN json_valid(enrollment_json)
             AND json_type(enrollment_json, '$.attestation.symmetricKey') = 'object'
            THEN json_set(enrollment_json,
                '$.attestation.symmetricKey.primaryKey', '<redacted>',
                '$.attestation.symmetricKey.secondaryKey', '<redacted>')
            ELSE enrollment_json END
    WHERE unit_id = NEW.unit_id;
END;
";

/// An operator's own language: the app speaks it after their login (NULL: the station's).
const V15: &str = r"
ALTER TABLE operators ADD COLUMN language TEXT;
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
