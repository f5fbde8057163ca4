//! The audit log through the store: appending rows outside the unit lifecycle, verifying the
//! chain, reading rows for display.

use rusqlite::OptionalExtension as _;

use super::Store;
use crate::audit::{self, AuditEntry, AuditReport, AuditRow, AuditSeq};
use crate::error::StoreError;

impl Store {
    /// Appends an audit row for an event outside the unit lifecycle (login, CA use, export…).
    pub fn audit_append(&self, entry: &AuditEntry) -> Result<AuditSeq, StoreError> {
        self.write(|tx| {
            audit::append(
                tx,
                &entry.station_id,
                &entry.actor,
                &entry.kind,
                &entry.subject,
                &entry.detail,
            )
        })
    }

    /// Verifies the whole audit chain; a broken chain is [`StoreError::AuditChainBroken`]
    /// naming the first row that does not verify.
    pub fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        self.read(audit::verify)
    }

    /// Verifies at most `max_rows` audit rows after those `from` covers (a report from an
    /// earlier call, or [`AuditReport::EMPTY`]) in one short read transaction, and returns the
    /// report that covers them too; the same report back means no newer rows. Rows cannot be
    /// changed or deleted through SQLite (triggers), so a screen can verify the new rows in
    /// chunks without holding up the slots; `station audit verify` checks the whole file.
    pub fn verify_audit_from(
        &self,
        from: AuditReport,
        max_rows: u32,
    ) -> Result<AuditReport, StoreError> {
        self.read(|conn| audit::verify_from(conn, from, i64::from(max_rows)))
    }

    /// The audit rows after `seq`, oldest first, at most `limit`, exactly as stored (to copy
    /// them to the line database, where the chain verifies the same way).
    pub fn raw_audit_after(
        &self,
        seq: i64,
        limit: u32,
    ) -> Result<Vec<audit::RawAuditRow>, StoreError> {
        self.read(|conn| audit::raw_after(conn, seq, limit))
    }

    /// The hash of audit row `seq`, if there is such a row: to compare with a head anchored
    /// outside the station (`station audit verify --expect-head`).
    pub fn audit_hash_at(&self, seq: i64) -> Result<Option<audit::AuditHash>, StoreError> {
        self.read(|conn| {
            let hash: Option<Vec<u8>> = conn
                .prepare_cached("SELECT hash FROM audit WHERE seq = ?1")?
                .query_row([seq], |r| r.get(0))
                .optional()?;
            Ok(hash.and_then(|h| <[u8; 32]>::try_from(h).ok().map(audit::AuditHash)))
        })
    }

    /// The newest `limit` audit rows, newest first, for display.
    pub fn audit_rows(&self, limit: u32) -> Result<Vec<AuditRow>, StoreError> {
        self.read(|conn| audit::newest(conn, limit))
    }
}
