//! The provisioning pipeline: for every fixture slot, concurrently, identify the DUT, attest
//! its identity, write the DPS settings, save, reset, read them back, lock, and record the
//! unit with its queued enrollment.
//!
//! The pipeline sees only traits ([`station_transport::LinkOpener`]) and the store; the
//! front-ends (CLI, desktop app) choose the concrete links and render [`ProgressEvent`]s.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod allocation;
mod attest;
mod board_strings;
pub mod crl;
mod error;
mod events;
mod facts;
pub mod issuers;
pub mod line;
mod line_link;
mod register;
mod report;
mod request;
mod run;
mod secrets;
mod station;
mod tpm;
mod unit;

pub use error::{PipelineError, UnitFailure};
pub use events::{EventSink, NoopSink, ProgressEvent, Registered, SkipReason, Step, UnitOutcome};
pub use line_link::{
    LineLink, LineLogin, LineOpenError, LinkError, Reserved, SyncReport, open_line_db,
    open_line_db_as, verify_line_audit,
};
pub use report::{RunSummary, UnitReport};
pub use request::{Permissions, RunRequest, SlotOverride, StopFlag};
pub use secrets::{load_sealer, retention};
pub use station::{MAX_LINE_CONNECTIONS, Station};
