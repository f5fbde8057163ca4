//! The copy of every station's audit chain: appended row for row, exactly as the station
//! stores it, so the chain can be verified from the line's copy (by the station's own hash,
//! `station_store::verify_rows`) without the station.

use crate::{LineDb, LineDbError};

/// One audit row as the station stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCopy {
    /// Sequence number in the station's chain.
    pub seq: i64,
    /// Timestamp text.
    pub at: String,
    /// The station named in the row.
    pub station_id: String,
    /// Who.
    pub actor: String,
    /// What.
    pub kind: String,
    /// About what.
    pub subject: String,
    /// Details (JSON text).
    pub detail_json: String,
    /// Previous row's hash.
    pub prev_hash: Vec<u8>,
    /// This row's hash.
    pub hash: Vec<u8>,
}

impl LineDb {
    /// The last sequence number of this station's chain the line holds (0: none).
    pub fn audit_copied(&mut self) -> Result<i64, LineDbError> {
        self.with(|c, station| {
            Ok(c.query_one(
                "SELECT COALESCE(MAX(seq), 0)::BIGINT FROM audit_copies WHERE station_id = $1",
                &[&station],
            )?
            .get(0))
        })
    }

    /// Appends rows of this station's chain, in one transaction (a row already copied is left
    /// as it is: the copy never changes).
    pub fn copy_audit(&mut self, rows: &[AuditCopy]) -> Result<(), LineDbError> {
        self.with(|client, station| {
            let mut tx = client.transaction()?;
            let insert = tx.prepare(
                "INSERT INTO audit_copies (station_id, seq, at, row_station_id, actor, kind,
                                           subject, detail_json, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (station_id, seq) DO NOTHING",
            )?;
            for r in rows {
                tx.execute(
                    &insert,
                    &[
                        &station,
                        &r.seq,
                        &r.at,
                        &r.station_id,
                        &r.actor,
                        &r.kind,
                        &r.subject,
                        &r.detail_json,
                        &r.prev_hash,
                        &r.hash,
                    ],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Rows of `station`'s chain after `seq`, oldest first, at most `limit`.
    pub fn audit_copy(
        &mut self,
        station: &str,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditCopy>, LineDbError> {
        self.with(|c, _| {
            Ok(c.query(
                "SELECT seq, at, row_station_id, actor, kind, subject, detail_json, prev_hash, hash
                 FROM audit_copies WHERE station_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&station, &seq, &limit],
            )?
            .iter()
            .map(|r| AuditCopy {
                seq: r.get(0),
                at: r.get(1),
                station_id: r.get(2),
                actor: r.get(3),
                kind: r.get(4),
                subject: r.get(5),
                detail_json: r.get(6),
                prev_hash: r.get(7),
                hash: r.get(8),
            })
            .collect())
        })
    }
}
