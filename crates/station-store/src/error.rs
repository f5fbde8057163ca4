//! The store's error type, with the stable codes and help lines the technician sees.

use std::path::PathBuf;

use crate::audit::record::{AuditBreak, AuditSeq};
use crate::types::{EnrollmentId, EnrollmentStatus, RunId, UnitId, UnitStatus};

/// Which identifier of a unit collided with an existing unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DuplicateField {
    /// The unit serial number.
    Serial,
    /// The DPS registration ID.
    RegistrationId,
    /// The SHA-256 of a TPM's endorsement key: the same TPM in two units.
    EndorsementKey,
    /// The IoT Hub device ID rendered from the product's template.
    DeviceId,
}

impl std::fmt::Display for DuplicateField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Serial => "serial",
            Self::RegistrationId => "registration id",
            Self::EndorsementKey => "TPM endorsement key",
            Self::DeviceId => "device ID",
        })
    }
}

/// Everything that can go wrong in the station store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The directory that should hold the database, or the database file itself, could not be
    /// created; the station cannot record anything, so no unit may be provisioned.
    #[error("could not create {}", path.display())]
    CreateDir {
        /// The directory that could not be created.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The database file could not be opened or configured (WAL, durability, foreign keys).
    #[error("could not open the station database {}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },

    /// The write-ahead log could not be flushed to disk: the change is committed but may not
    /// survive a power cut, so it is not reported as done.
    #[error("could not flush the station database log {} to disk", path.display())]
    Sync {
        /// The log file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// SQLite would not switch the file to write-ahead logging (e.g. it is on a network share);
    /// the store refuses to run without it.
    #[error(
        "could not switch the station database {} to write-ahead logging (journal mode is {mode})",
        path.display()
    )]
    NotWal {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite reported.
        mode: String,
    },

    /// A schema migration failed; the database was left at its previous version.
    #[error("could not migrate the station database from schema version {from} to {to}")]
    Migrate {
        /// The schema version found in the file.
        from: u32,
        /// The schema version being migrated to.
        to: u32,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },

    /// The database was written by a newer station release; this release must not touch it.
    #[error(
        "the station database has schema version {found}, newer than this station supports \
         ({supported})"
    )]
    SchemaTooNew {
        /// The schema version found in the file.
        found: u32,
        /// The newest schema version this release knows.
        supported: u32,
    },

    /// Any other SQLite failure (disk full, I/O error, locked for too long, constraint).
    #[error("station database error")]
    Sqlite(#[from] rusqlite::Error),

    /// The serial or registration ID already belongs to a unit that passed or is in progress;
    /// provisioning it again would create a second identity for one device (or one identity for
    /// two devices).
    #[error("{field} {value} already belongs to unit {existing} ({status})")]
    Duplicate {
        /// Which identifier collided.
        field: DuplicateField,
        /// The identifier value.
        value: String,
        /// The unit that already holds it.
        existing: UnitId,
        /// That unit's status: `pass` or `in_progress`.
        status: UnitStatus,
    },

    /// No unit has this id.
    #[error("unit {0} does not exist")]
    UnknownUnit(UnitId),

    /// The unit holds no open claim (it was never claimed, or its claim was already completed,
    /// failed or voided).
    #[error("unit {0} has no open claim")]
    NoOpenClaim(UnitId),

    /// No run has this id.
    #[error("run {0} does not exist")]
    UnknownRun(RunId),

    /// A run with this id was already started.
    #[error("run {0} already exists")]
    RunExists(RunId),

    /// The run is finished; no unit may be added to it and it cannot be finished twice.
    #[error("run {0} is already finished")]
    RunFinished(RunId),

    /// No enrollment has this id.
    #[error("enrollment {0} does not exist")]
    UnknownEnrollment(EnrollmentId),

    /// The unit is not in the state the operation needs (e.g. finishing a unit twice, or
    /// reworking a unit that is still being provisioned).
    #[error("unit {unit} is {found}, expected {expected}")]
    InvalidState {
        /// The unit.
        unit: UnitId,
        /// The state the operation needs.
        expected: UnitStatus,
        /// The state the unit is in.
        found: UnitStatus,
    },

    /// The enrollment is not in the state the operation needs.
    #[error("enrollment {enrollment} is {found}, expected {expected}")]
    InvalidEnrollmentState {
        /// The enrollment.
        enrollment: EnrollmentId,
        /// The state the operation needs.
        expected: EnrollmentStatus,
        /// The state the enrollment is in.
        found: EnrollmentStatus,
    },

    /// A value handed to the store is not acceptable (empty serial, unknown attestation, an
    /// enrollment for a different registration ID than the unit's); this is a station bug.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The offending field.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },

    /// The audit chain does not verify: a row was changed, removed or inserted outside the
    /// station. The log is evidence; stop and call a supervisor.
    #[error("audit chain broken at row {seq}: {reason}")]
    AuditChainBroken {
        /// The first row that does not verify.
        seq: AuditSeq,
        /// What is wrong with it.
        reason: AuditBreak,
    },

    /// A JSON value could not be encoded or decoded.
    #[error("invalid json")]
    Json(#[from] serde_json::Error),

    /// The work order already has as many certificates as its quota allows; nothing was issued.
    #[error("work order quota reached: {work_order} has {issued} of {quota} certificates issued")]
    QuotaReached {
        /// The work order.
        work_order: String,
        /// The quota.
        quota: u64,
        /// Certificates already issued under it.
        issued: u64,
    },

    /// The station has used every certificate the line database leased it for the work order
    /// (and could get no more); nothing was issued.
    #[error(
        "work order {work_order}: this station's lease of its quota is used up ({used} issued)"
    )]
    LeaseExhausted {
        /// The work order.
        work_order: String,
        /// Certificates issued from this station's leases of it.
        used: i64,
    },

    /// A certificate with this serial was already issued (a random serial collided); the caller
    /// draws a new serial and tries again.
    #[error("certificate serial {serial} was already issued")]
    CertificateSerialTaken {
        /// The serial, hex.
        serial: String,
    },
    /// The device key of a CSR was certified before (for unit `unit`): two boards share a key
    /// pair, or a board sent another's request. No certificate was issued.
    #[error("this device key was already certified, for unit {unit} (certificate {serial})")]
    KeyReused {
        /// The unit whose certificate holds the key.
        unit: UnitId,
        /// That certificate's serial, hex.
        serial: String,
    },
    /// The slot is not blocked: there is nothing to clear.
    #[error("slot {slot} is not blocked")]
    NotBlocked {
        /// The slot.
        slot: u16,
    },
    /// The registration ID was revoked after an earlier unit failed holding a credential
    /// (DPS holds it disabled, for good). Nothing was begun.
    #[error("registration ID {registration_id} was revoked after unit {unit} failed")]
    Revoked {
        /// The registration ID.
        registration_id: String,
        /// The unit whose failure revoked it.
        unit: UnitId,
    },
}

impl station_errors::Coded for StoreError {
    fn code(&self) -> &'static str {
        match self {
            Self::CreateDir { .. } => "station::store::create_dir",
            Self::Open { .. } => "station::store::open",
            Self::NotWal { .. } => "station::store::not_wal",
            Self::Sync { .. } => "station::store::sync",
            Self::Migrate { .. } => "station::store::migrate",
            Self::SchemaTooNew { .. } => "station::store::schema_too_new",
            Self::Sqlite(_) => "station::store::sqlite",
            Self::Duplicate {
                status: UnitStatus::InProgress,
                ..
            } => "station::store::duplicate_running",
            Self::Duplicate {
                status: UnitStatus::Committing,
                ..
            } => "station::store::duplicate_open",
            Self::Duplicate { .. } => "station::store::duplicate",
            Self::UnknownUnit(_) => "station::store::unknown_unit",
            Self::NoOpenClaim(_) => "station::store::no_open_claim",
            Self::UnknownRun(_) => "station::store::unknown_run",
            Self::RunExists(_) => "station::store::run_exists",
            Self::RunFinished(_) => "station::store::run_finished",
            Self::UnknownEnrollment(_) => "station::store::unknown_enrollment",
            Self::InvalidState { .. } => "station::store::invalid_state",
            Self::InvalidEnrollmentState { .. } => "station::store::invalid_enrollment_state",
            Self::InvalidInput { .. } => "station::store::invalid_input",
            Self::AuditChainBroken { .. } => "station::store::audit_chain_broken",
            Self::Json(_) => "station::store::json",
            Self::QuotaReached { .. } => "station::store::quota_reached",
            Self::LeaseExhausted { .. } => "station::store::lease_exhausted",
            Self::CertificateSerialTaken { .. } => "station::store::certificate_serial_taken",
            Self::KeyReused { .. } => "station::x509::key_reused",
            Self::Revoked { .. } => "station::unit::revoked",
            Self::NotBlocked { .. } => "station::slot::not_blocked",
        }
    }
}
