//! The station's side of the line database: the outbox of what the line must still be told
//! (replayed in order when it is reachable), the quota leases it granted this station, and the
//! conflicts its replays found.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::Store;
use crate::audit;
use crate::error::StoreError;
use crate::sql::{Ts, now};
use crate::types::UnitId;

/// One thing the line database must still be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineOutboxRow {
    /// Its place in the outbox (replayed in this order).
    pub id: i64,
    /// `reserve`, `keep`, `release` or `unit`.
    pub op: String,
    /// The unit it is about.
    pub unit_ref: String,
    /// What (opaque JSON, never a secret).
    pub payload_json: String,
    /// When the station did it.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A conflict a replay found (see the line database's `conflicts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLineConflict {
    /// The line's conflict ID.
    pub line_id: i64,
    /// This station's unit.
    pub unit: Option<UnitId>,
    /// The identity's kind (`serial`, …).
    pub kind: String,
    /// Its value.
    pub value: String,
    /// The station whose unit holds it.
    pub holder_station: String,
    /// That unit.
    pub holder_unit: String,
}

/// A lease of a work order's quota, as this station holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineLease {
    /// The line's lease ID.
    pub id: i64,
    /// Certificates it allows.
    pub granted: i64,
    /// Issued from it.
    pub used: i64,
    /// What the line was last told of `used`.
    pub reported: i64,
}

impl Store {
    /// Appends to the outbox (durable before it returns).
    pub fn line_outbox_push(
        &self,
        op: &str,
        unit_ref: &str,
        payload_json: &str,
    ) -> Result<i64, StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO line_outbox (op, unit_ref, payload_json, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![op, unit_ref, payload_json, now()])?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// The oldest `limit` rows of the outbox, in order.
    pub fn line_outbox(&self, limit: u32) -> Result<Vec<LineOutboxRow>, StoreError> {
        self.read(|conn| {
            let rows = conn
                .prepare_cached(
                    "SELECT id, op, unit_ref, payload_json, created_at FROM line_outbox
                     ORDER BY id LIMIT ?1",
                )?
                .query_map([limit], |r| {
                    Ok(LineOutboxRow {
                        id: r.get(0)?,
                        op: r.get(1)?,
                        unit_ref: r.get(2)?,
                        payload_json: r.get(3)?,
                        created_at: r.get::<_, Ts>(4)?.0,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }

    /// How many rows wait in the outbox.
    pub fn line_outbox_len(&self) -> Result<i64, StoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT COUNT(*) FROM line_outbox")?
                .query_row([], |r| r.get(0))?)
        })
    }

    /// The line has row `id`: it leaves the outbox.
    pub fn line_outbox_done(&self, id: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM line_outbox WHERE id = ?1")?
                .execute([id])?;
            Ok(())
        })
    }

    /// Records a conflict a replay found, with audit `line.conflict` (once per line ID).
    pub fn record_line_conflict(
        &self,
        station_id: &str,
        conflict: &NewLineConflict,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO line_conflicts (line_id, unit_id, kind, value, holder_station,
                                                 holder_unit, detected_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (line_id) DO NOTHING",
                )?
                .execute(params![
                    conflict.line_id,
                    conflict.unit.map(|u| u.0),
                    conflict.kind,
                    conflict.value,
                    conflict.holder_station,
                    conflict.holder_unit,
                    now()
                ])?;
            if inserted == 1 {
                audit::append(
                    tx,
                    station_id,
                    "line",
                    "line.conflict",
                    &conflict.value,
                    &json!({
                        "line_conflict": conflict.line_id,
                        "unit": conflict.unit,
                        "kind": conflict.kind,
                        "value": conflict.value,
                        "holder_station": conflict.holder_station,
                        "holder_unit": conflict.holder_unit,
                    }),
                )?;
            }
            Ok(inserted == 1)
        })
    }

    /// How many conflicts this station's replays found.
    pub fn line_conflict_count(&self) -> Result<i64, StoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT COUNT(*) FROM line_conflicts")?
                .query_row([], |r| r.get(0))?)
        })
    }

    /// Keeps a lease the line granted, with audit `line.lease` (a lease already held is kept as
    /// it is). Returns whether the lease was new here.
    pub fn add_line_lease(
        &self,
        station_id: &str,
        id: i64,
        work_order: &str,
        granted: i64,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO line_leases (id, work_order, granted, granted_at)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
                )?
                .execute(params![id, work_order, granted, now()])?;
            if inserted == 1 {
                audit::append(
                    tx,
                    station_id,
                    "line",
                    "line.lease",
                    "",
                    &json!({ "lease": id, "work_order": work_order, "granted": granted }),
                )?;
            }
            Ok(inserted == 1)
        })
    }

    /// The line returned what lease `id` had not used when its work order closed: the station
    /// may issue at most `keep` certificates from it in all (fewer than it already issued
    /// never: those stand, and the line takes them back from the return). A lease with nothing
    /// issued and nothing kept is dropped. Audit `line.lease_returned`; returns whether the
    /// lease changed.
    pub fn return_line_lease(
        &self,
        station_id: &str,
        id: i64,
        keep: i64,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let row: Option<(String, i64, i64)> = tx
                .prepare_cached("SELECT work_order, granted, used FROM line_leases WHERE id = ?1")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let Some((work_order, granted, used)) = row else {
                return Ok(false);
            };
            let now = keep.max(used);
            if now >= granted {
                return Ok(false);
            }
            if now == 0 {
                tx.prepare_cached("DELETE FROM line_leases WHERE id = ?1")?
                    .execute([id])?;
            } else {
                tx.prepare_cached("UPDATE line_leases SET granted = ?2 WHERE id = ?1")?
                    .execute(params![id, now])?;
            }
            audit::append(
                tx,
                station_id,
                "line",
                "line.lease_returned",
                "",
                &json!({ "lease": id, "work_order": work_order, "returned": granted - now }),
            )?;
            Ok(true)
        })
    }

    /// Certificates this station may still issue for `work_order` from its leases.
    pub fn line_lease_remaining(&self, work_order: &str) -> Result<i64, StoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT COALESCE(SUM(granted - used), 0) FROM line_leases WHERE work_order = ?1",
                )?
                .query_row([work_order], |r| r.get(0))?)
        })
    }

    /// Leases whose use the line has not been told of yet.
    pub fn line_leases_unreported(&self) -> Result<Vec<LineLease>, StoreError> {
        self.read(|conn| {
            let rows = conn
                .prepare_cached(
                    "SELECT id, granted, used, reported FROM line_leases WHERE used > reported
                     ORDER BY id",
                )?
                .query_map([], |r| {
                    Ok(LineLease {
                        id: r.get(0)?,
                        granted: r.get(1)?,
                        used: r.get(2)?,
                        reported: r.get(3)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }

    /// The line was told that lease `id` has `used` certificates issued.
    pub fn line_lease_reported(&self, id: i64, used: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE line_leases SET reported = MAX(reported, ?2) WHERE id = ?1 AND used >= ?2",
            )?
            .execute(params![id, used])?;
            Ok(())
        })
    }
}

/// Counts one certificate on the oldest lease of `work_order` with room (in the caller's
/// transaction).
pub(super) fn use_lease(tx: &Connection, work_order: &str) -> Result<(), StoreError> {
    let lease: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM line_leases WHERE work_order = ?1 AND used < granted
             ORDER BY id LIMIT 1",
        )?
        .query_row([work_order], |r| r.get(0))
        .optional()?;
    let Some(lease) = lease else {
        let used: i64 = tx
            .prepare_cached("SELECT COALESCE(SUM(used), 0) FROM line_leases WHERE work_order = ?1")?
            .query_row([work_order], |r| r.get(0))?;
        return Err(StoreError::LeaseExhausted {
            work_order: work_order.to_owned(),
            used,
        });
    };
    tx.prepare_cached("UPDATE line_leases SET used = used + 1 WHERE id = ?1")?
        .execute([lease])?;
    Ok(())
}
