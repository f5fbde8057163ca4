//! What an audit row is: its sequence number, hashes, the entry a caller writes, the row read
//! back, a verification report and what breaks a chain. Free of SQL, so errors can name them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

/// The `prev_hash` of the first row.
pub(crate) const GENESIS: [u8; 32] = [0; 32];

/// The sequence number of an audit row; the first row is 1 and rows have no gaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct AuditSeq(pub i64);

impl fmt::Display for AuditSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A SHA-256 hash in the audit chain; `Display` and serde give lower-case hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuditHash(pub [u8; 32]);

impl AuditHash {
    /// The raw bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for AuditHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for AuditHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditHash({self})")
    }
}

impl Serialize for AuditHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An audit entry written by a caller outside the unit lifecycle (login, CA use, export, …).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// The station id.
    pub station_id: String,
    /// Who did it (the operator or supervisor, or a service name).
    pub actor: String,
    /// What happened, dotted, e.g. `operator.login`, `cert.issued`, `export.written`.
    pub kind: String,
    /// What it happened to: a serial, a registration ID, or empty.
    pub subject: String,
    /// Details, stored as compact JSON.
    pub detail: serde_json::Value,
}

/// An audit row, for display.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    /// The row's sequence number.
    pub seq: AuditSeq,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// The station id.
    pub station_id: String,
    /// Who did it.
    pub actor: String,
    /// What happened.
    pub kind: String,
    /// What it happened to (may be empty).
    pub subject: String,
    /// The details (a JSON string value if the stored text is not JSON, which only tampering
    /// causes).
    pub detail: serde_json::Value,
    /// The previous row's hash.
    pub prev_hash: AuditHash,
    /// This row's hash.
    pub hash: AuditHash,
}

/// The result of a successful [`Store::verify_audit`](crate::Store::verify_audit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// How many rows verified.
    pub rows: u64,
    /// The hash of the last row (32 zero bytes for an empty log).
    pub head: AuditHash,
}

impl AuditReport {
    /// Nothing verified yet: where a verification of the whole log starts.
    pub const EMPTY: Self = Self {
        rows: 0,
        head: AuditHash(GENESIS),
    };
}

/// What is wrong with the first audit row that does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditBreak {
    /// The row with this sequence number is missing (rows were deleted).
    MissingRow,
    /// A stored hash is not 32 bytes long.
    BadHashLength,
    /// The row's `prev_hash` is not the previous row's hash (a row before it was replaced or
    /// removed).
    PrevHashMismatch,
    /// The row's content does not match its hash (the row was edited).
    HashMismatch,
}

impl fmt::Display for AuditBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingRow => "the row is missing",
            Self::BadHashLength => "a stored hash is not 32 bytes",
            Self::PrevHashMismatch => "its previous-row hash does not match the row before it",
            Self::HashMismatch => "its content does not match its hash",
        })
    }
}
