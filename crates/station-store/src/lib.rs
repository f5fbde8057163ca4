#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]
#![deny(missing_docs, unreachable_pub)]

pub mod audit;
mod error;
pub mod schema;
mod store;
mod types;

pub use audit::{AuditBreak, AuditEntry, AuditHash, AuditReport, AuditRow, AuditSeq};
pub use error::{DuplicateField, StoreError};
pub use store::{BUSY_TIMEOUT, Store};
pub use types::{
    ATTESTATIONS, EnrollmentId, EnrollmentStatus, NewEnrollment, NewRun, NewUnit, ParseStatusError,
    QueuedEnrollment, RunId, StepRecord, UnitDetail, UnitFailure, UnitFilter, UnitId, UnitStatus,
    UnitSummary,
};
