//! The signed content of `manifest.jws`.

use serde::{Deserialize, Serialize};

/// The signed content of `manifest.jws`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`](super::FORMAT).
    pub format: String,
    /// The station that wrote the export.
    pub station_id: String,
    /// When the export was written (RFC 3339 UTC).
    pub created_at: String,
    /// Who wrote it.
    pub exported_by: String,
    /// How many enrollments each file holds.
    pub records: u64,
    /// How many revocations `revocations.json` holds.
    pub revocations: u64,
    /// How many sealed secrets `sealed-secrets.json` holds (format 3; 0 in format 2).
    #[serde(default)]
    pub sealed: u64,
    /// What was selected.
    pub selection: Selection,
    /// When the first and last exported enrollments were queued.
    pub time_range: Option<TimeRange>,
    /// The files and their digests.
    pub files: Vec<FileEntry>,
    /// The station's audit-chain head when the export was written (hex SHA-256).
    pub audit_head: Option<String>,
}

/// The selection an export was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Selection {
    /// The work order, if one was selected.
    pub work_order: Option<String>,
    /// The start of the time range (inclusive), if any.
    pub from: Option<String>,
    /// The end of the time range (exclusive), if any.
    pub to: Option<String>,
    /// The enrollment statuses included.
    pub statuses: Vec<String>,
}

/// The queue times of the first and last record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeRange {
    /// The first record's queue time.
    pub first: String,
    /// The last record's queue time.
    pub last: String,
}

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileEntry {
    /// The file name, relative to the export directory.
    pub name: String,
    /// Lower-case hex SHA-256 of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}
