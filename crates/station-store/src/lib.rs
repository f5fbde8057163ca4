#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]
#![deny(missing_docs, unreachable_pub)]

pub mod audit;
mod error;
/// The station's private, durable files (the `station-files` crate, under its old name).
pub use station_files as private_files;
pub mod schema;
mod secrets;
mod sql;
mod store;
mod types;
pub mod uploader_lock;

pub use audit::{
    AuditBreak, AuditEntry, AuditHash, AuditReport, AuditRow, AuditSeq, RawAuditRow, verify_rows,
};
pub use error::{DuplicateField, StoreError};
pub use secrets::{SealedSecret, SecretState, payload_has_secret};
pub use store::claims::{ClaimRecord, ClaimStatus, NewClaim, setting_digest};
pub use store::handouts::RevokedCertificate;
pub use store::line::{LineSetting, LineSetup};
pub use store::line_db::{LineLease, LineOutboxRow, NewLineConflict};
pub use store::operators::{
    Action, LockoutPolicy, MAX_PIN_DIGITS, MIN_PIN_DIGITS, MIN_SUPERVISOR_PIN_DIGITS, NewOperator,
    Operator, OperatorError, Role, UNKNOWN_OPERATOR, require,
};
pub use store::queue::{Retention, SecretCounts};
pub use store::reports::{FailureReason, HourlyYield, UnitLogLine, YieldFilter, YieldReport};
pub use store::slot_blocks::{AlarmPolicy, SlotBlock};
pub use store::{BUSY_TIMEOUT, Store, Unsynced};
pub use types::{
    ATTESTATIONS, CertificateId, EnrollmentId, EnrollmentStatus, ExportFilter, ExportRecord,
    HandoutKind, IssuedCertificateRecord, NewCertificate, NewEnrollment, NewHandout, NewRun,
    NewUnit, ParseStatusError, QueueOverview, QueueStats, QueuedEnrollment, REDACTED,
    RegisterCheck, RegisterCheckRecord, RunId, StepRecord, UnitClaims, UnitDetail, UnitFailure,
    UnitFilter, UnitId, UnitStatus, UnitSummary, UploadResult, redact_payload,
};
