//! The append-only, hash-chained audit log: who did what, when, at which station.
//!
//! Every row carries the SHA-256 `hash` of its own content and the `prev_hash` of the row before
//! it (32 zero bytes for the first row), so changing, removing or inserting a row breaks the chain
//! from that row on. SQLite triggers also refuse `UPDATE` and `DELETE` on the table, so the
//! station itself cannot rewrite history; the chain catches anyone who edits the file directly.
//!
//! # Hash encoding
//!
//! `hash = SHA-256(enc(DOMAIN) ‖ enc(seq) ‖ enc(at) ‖ enc(station_id) ‖ enc(actor) ‖ enc(kind) ‖
//! enc(subject) ‖ enc(detail_json) ‖ enc(prev_hash))`, where `enc(x)` is the length of `x` in
//! bytes as a big-endian `u64` followed by the bytes of `x`, `DOMAIN` is the ASCII string
//! `station-audit-v1`, `seq` is the 8-byte big-endian two's-complement `i64`, the text fields are
//! their UTF-8 bytes exactly as stored, and `prev_hash` is its 32 bytes. Length prefixes make the
//! encoding unambiguous: no two different rows encode to the same bytes.
//!
//! The chain cannot show rows removed from its *end*; keep the `head` of a [`AuditReport`]
//! somewhere else (an export manifest, a supervisor's record) and compare it later.

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::sql::{Ts, fmt_ts};

pub(crate) mod record;

use record::GENESIS;
pub use record::{AuditBreak, AuditEntry, AuditHash, AuditReport, AuditRow, AuditSeq};

/// The domain-separation tag hashed first into every row.
const DOMAIN: &[u8] = b"station-audit-v1";

/// The fields of one row, borrowed, in hash order.
struct RowFields<'a> {
    seq: i64,
    at: &'a str,
    station_id: &'a str,
    actor: &'a str,
    kind: &'a str,
    subject: &'a str,
    detail_json: &'a str,
    prev_hash: &'a [u8; 32],
}

impl RowFields<'_> {
    fn hash(&self) -> [u8; 32] {
        fn field(h: &mut Sha256, bytes: &[u8]) {
            // usize → u64 never truncates on the platforms Rust supports.
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        }
        let mut h = Sha256::new();
        field(&mut h, DOMAIN);
        field(&mut h, &self.seq.to_be_bytes());
        field(&mut h, self.at.as_bytes());
        field(&mut h, self.station_id.as_bytes());
        field(&mut h, self.actor.as_bytes());
        field(&mut h, self.kind.as_bytes());
        field(&mut h, self.subject.as_bytes());
        field(&mut h, self.detail_json.as_bytes());
        field(&mut h, self.prev_hash);
        h.finalize().into()
    }
}

/// Appends one row, chained to the current head; call inside the write transaction of the
/// state change the row describes.
pub(crate) fn append(
    conn: &Connection,
    station_id: &str,
    actor: &str,
    kind: &str,
    subject: &str,
    detail: &serde_json::Value,
) -> Result<AuditSeq, StoreError> {
    let detail_json = serde_json::to_string(detail)?;
    let head: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev_hash) = match head {
        None => (1, GENESIS),
        Some((seq, hash)) => {
            let hash = <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| {
                StoreError::AuditChainBroken {
                    seq: AuditSeq(seq),
                    reason: AuditBreak::BadHashLength,
                }
            })?;
            (seq + 1, hash)
        }
    };
    let at = fmt_ts(Utc::now());
    let fields = RowFields {
        seq,
        at: &at,
        station_id,
        actor,
        kind,
        subject,
        detail_json: &detail_json,
        prev_hash: &prev_hash,
    };
    let hash = fields.hash();
    conn.prepare_cached(
        "INSERT INTO audit (seq, at, station_id, actor, kind, subject, detail_json, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(rusqlite::params![
        seq,
        at,
        station_id,
        actor,
        kind,
        subject,
        detail_json,
        prev_hash,
        hash
    ])?;
    tracing::debug!(seq, kind, subject, "audit row appended");
    Ok(AuditSeq(seq))
}

/// Walks the whole chain from the first row.
pub(crate) fn verify(conn: &Connection) -> Result<AuditReport, StoreError> {
    verify_from(conn, AuditReport::EMPTY, i64::MAX)
}

/// Verifies at most `max_rows` rows after those `from` covers, continuing its chain.
pub(crate) fn verify_from(
    conn: &Connection,
    from: AuditReport,
    max_rows: i64,
) -> Result<AuditReport, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, station_id, actor, kind, subject, detail_json, prev_hash, hash
         FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let start = i64::try_from(from.rows).unwrap_or(i64::MAX);
    let mut rows = stmt.query(rusqlite::params![start, max_rows])?;
    let mut chain = Chain::from(from);
    while let Some(row) = rows.next()? {
        let raw = RawAuditRow {
            seq: row.get(0)?,
            at: row.get(1)?,
            station_id: row.get(2)?,
            actor: row.get(3)?,
            kind: row.get(4)?,
            subject: row.get(5)?,
            detail_json: row.get(6)?,
            prev_hash: row.get(7)?,
            hash: row.get(8)?,
        };
        chain
            .check(&raw)
            .map_err(|(seq, reason)| StoreError::AuditChainBroken { seq, reason })?;
    }
    Ok(chain.report())
}

/// An audit row exactly as stored (the text the hash covers), e.g. to copy it elsewhere and
/// verify it there ([`verify_rows`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAuditRow {
    /// Sequence number.
    pub seq: i64,
    /// Timestamp text as stored.
    pub at: String,
    /// Station.
    pub station_id: String,
    /// Who.
    pub actor: String,
    /// What.
    pub kind: String,
    /// About what.
    pub subject: String,
    /// Details, the JSON text as stored.
    pub detail_json: String,
    /// The previous row's hash.
    pub prev_hash: Vec<u8>,
    /// This row's hash.
    pub hash: Vec<u8>,
}

/// Verifies `rows` (in order) as the continuation of the chain `from` covers; the first row
/// that does not verify is returned with why.
pub fn verify_rows(
    from: AuditReport,
    rows: &[RawAuditRow],
) -> Result<AuditReport, (AuditSeq, AuditBreak)> {
    let mut chain = Chain::from(from);
    for row in rows {
        chain.check(row)?;
    }
    Ok(chain.report())
}

/// A chain being verified, row after row.
struct Chain {
    expected_seq: i64,
    head: [u8; 32],
    count: u64,
}

impl From<AuditReport> for Chain {
    fn from(from: AuditReport) -> Self {
        Self {
            expected_seq: i64::try_from(from.rows).unwrap_or(i64::MAX) + 1,
            head: from.head.0,
            count: from.rows,
        }
    }
}

impl Chain {
    fn check(&mut self, row: &RawAuditRow) -> Result<(), (AuditSeq, AuditBreak)> {
        if row.seq != self.expected_seq {
            return Err((AuditSeq(self.expected_seq), AuditBreak::MissingRow));
        }
        let broken = |reason| (AuditSeq(row.seq), reason);
        let (Ok(prev_hash), Ok(hash)) = (
            <[u8; 32]>::try_from(row.prev_hash.as_slice()),
            <[u8; 32]>::try_from(row.hash.as_slice()),
        ) else {
            return Err(broken(AuditBreak::BadHashLength));
        };
        if prev_hash != self.head {
            return Err(broken(AuditBreak::PrevHashMismatch));
        }
        let fields = RowFields {
            seq: row.seq,
            at: &row.at,
            station_id: &row.station_id,
            actor: &row.actor,
            kind: &row.kind,
            subject: &row.subject,
            detail_json: &row.detail_json,
            prev_hash: &prev_hash,
        };
        if fields.hash() != hash {
            return Err(broken(AuditBreak::HashMismatch));
        }
        self.head = hash;
        self.expected_seq += 1;
        self.count += 1;
        Ok(())
    }

    fn report(&self) -> AuditReport {
        AuditReport {
            rows: self.count,
            head: AuditHash(self.head),
        }
    }
}

/// The rows after `seq`, at most `limit`, exactly as stored.
pub(crate) fn raw_after(
    conn: &Connection,
    seq: i64,
    limit: u32,
) -> Result<Vec<RawAuditRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, station_id, actor, kind, subject, detail_json, prev_hash, hash
         FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![seq, limit], |r| {
            Ok(RawAuditRow {
                seq: r.get(0)?,
                at: r.get(1)?,
                station_id: r.get(2)?,
                actor: r.get(3)?,
                kind: r.get(4)?,
                subject: r.get(5)?,
                detail_json: r.get(6)?,
                prev_hash: r.get(7)?,
                hash: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The newest `limit` rows, newest first.
pub(crate) fn newest(conn: &Connection, limit: u32) -> Result<Vec<AuditRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, station_id, actor, kind, subject, detail_json, prev_hash, hash
         FROM audit ORDER BY seq DESC LIMIT ?1",
    )?;
    rows(&mut stmt, rusqlite::params![limit])
}

/// The rows about `a` or `b` (a unit's serial and registration ID), oldest first, at most
/// `limit`; uses the `audit_subject` index. Only rows of the kinds that are about a unit or
/// its board: a board reporting an operator's ID as its serial does not list that operator's
/// logins in its unit's view.
pub(crate) fn about(
    conn: &Connection,
    a: &str,
    b: &str,
    limit: u32,
) -> Result<Vec<AuditRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, station_id, actor, kind, subject, detail_json, prev_hash, hash
         FROM audit WHERE subject IN (?1, ?2) AND subject <> ''
           AND (kind LIKE 'unit.%' OR kind LIKE 'certificate.%' OR kind LIKE 'enrollment.%'
                OR kind LIKE 'claim.%' OR kind LIKE 'line.conflict%')
         ORDER BY seq LIMIT ?3",
    )?;
    rows(&mut stmt, rusqlite::params![a, b, limit])
}

fn rows(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<AuditRow>, StoreError> {
    let rows = stmt
        .query_map(params, |r| {
            let detail_json: String = r.get(6)?;
            let detail = serde_json::from_str(&detail_json)
                .unwrap_or(serde_json::Value::String(detail_json));
            Ok(AuditRow {
                seq: AuditSeq(r.get(0)?),
                at: r.get::<_, Ts>(1)?.0,
                station_id: r.get(2)?,
                actor: r.get(3)?,
                kind: r.get(4)?,
                subject: r.get(5)?,
                detail,
                prev_hash: AuditHash(r.get(7)?),
                hash: AuditHash(r.get(8)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(detail: &'a str, prev: &'a [u8; 32]) -> RowFields<'a> {
        RowFields {
            seq: 1,
            at: "2026-01-01T00:00:00.000000Z",
            station_id: "st",
            actor: "op",
            kind: "k",
            subject: "s",
            detail_json: detail,
            prev_hash: prev,
        }
    }

    #[test]
    fn field_boundaries_change_the_hash() {
        let a = RowFields {
            actor: "ab",
            kind: "c",
            ..fields("{}", &GENESIS)
        };
        let b = RowFields {
            actor: "a",
            kind: "bc",
            ..fields("{}", &GENESIS)
        };
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn every_field_is_hashed() {
        let base = fields("{}", &GENESIS).hash();
        let one = [1u8; 32];
        assert_ne!(
            base,
            RowFields {
                seq: 2,
                ..fields("{}", &GENESIS)
            }
            .hash()
        );
        assert_ne!(
            base,
            RowFields {
                at: "x",
                ..fields("{}", &GENESIS)
            }
            .hash()
        );
        assert_ne!(
            base,
            RowFields {
                station_id: "x",
                ..fields("{}", &GENESIS)
            }
            .hash()
        );
        assert_ne!(
            base,
            RowFields {
                actor: "x",
                ..fields("{}", &GENESIS)
            }
            .hash()
        );
        assert_ne!(
            base,
            RowFields {
                kind: "x",
                ..fields("{}", &GENESIS)
            }
            .hash()
        );
        assert_ne!(
            base,
            RowFields {
                subject: "x",
                ..fields("{}", &GENESIS)
            }
            .hash()
        );
        assert_ne!(base, fields("[]", &GENESIS).hash());
        assert_ne!(base, fields("{}", &one).hash());
    }

    #[test]
    fn hash_displays_as_hex() {
        let mut bytes = [0u8; 32];
        bytes[0] = 0xab;
        bytes[31] = 0x01;
        let text = AuditHash(bytes).to_string();
        assert_eq!(text.len(), 64);
        assert!(text.starts_with("ab00"));
        assert!(text.ends_with("01"));
    }
}
