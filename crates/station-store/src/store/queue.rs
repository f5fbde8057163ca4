//! The enrollment queue: upload claims and outcomes, conflicts, the queue overview and the
//! export stream.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde_json::json;

use super::Store;
use super::rows::{ENROLLMENT_COLUMNS, enrollment_from_row};
use crate::audit;
use crate::error::StoreError;
use crate::secrets::SecretState;
use crate::sql::{Ts, fmt_ts, now, parse_col};
use crate::types::{
    EnrollmentId, EnrollmentStatus, ExportFilter, ExportRecord, QueueOverview, QueueStats,
    QueuedEnrollment, UnitId, UploadResult,
};

impl Store {
    /// How many enrollments still hold a device's symmetric key in clear (what a stolen
    /// database would yield; `station check --security`).
    pub fn enrollments_holding_keys(&self) -> Result<u64, StoreError> {
        Ok(self.secret_counts()?.plain)
    }

    /// How many enrollments hold their device secret in clear, sealed, or purged.
    pub fn secret_counts(&self) -> Result<SecretCounts, StoreError> {
        self.read(|conn| {
            let mut counts = SecretCounts::default();
            let mut stmt =
                conn.prepare_cached("SELECT secret, COUNT(*) FROM enrollments GROUP BY secret")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let n = r.get::<_, i64>(1)?.unsigned_abs();
                match parse_col::<SecretState>(r, 0)? {
                    SecretState::Plain => counts.plain = n,
                    SecretState::Sealed => counts.sealed = n,
                    SecretState::Purged => counts.purged = n,
                    SecretState::None => {}
                }
            }
            Ok(counts)
        })
    }

    /// Purges the device secrets of `ids` once a sealed export carries them (`retain =
    /// "until-delivered"`): the payload's keys redacted, the ciphertext dropped; one audit
    /// `secret.purged` naming `delivery` (the batch). Rows without a secret are left alone.
    /// Returns how many were purged.
    pub fn purge_delivered(
        &self,
        ids: &[EnrollmentId],
        actor: &str,
        station_id: &str,
        delivery: &str,
    ) -> Result<u64, StoreError> {
        self.write(|tx| {
            let mut purged = 0u64;
            for id in ids {
                purged += u64::from(purge_secret(tx, *id)?);
            }
            if purged > 0 {
                audit::append(
                    tx,
                    station_id,
                    actor,
                    "secret.purged",
                    "",
                    &json!({ "enrollments": purged, "delivery": delivery }),
                )?;
            }
            Ok(purged)
        })
    }

    /// Enrollments with `status` (all when `None`), oldest first: queue order.
    pub fn enrollments(
        &self,
        status: Option<EnrollmentStatus>,
    ) -> Result<Vec<QueuedEnrollment>, StoreError> {
        self.read(|conn| {
            let sql = format!(
                "SELECT {ENROLLMENT_COLUMNS} FROM enrollments
                 WHERE (?1 IS NULL OR status = ?1) ORDER BY id"
            );
            let rows = conn
                .prepare_cached(&sql)?
                .query_map([status.map(EnrollmentStatus::as_str)], enrollment_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// How many enrollments are `queued`.
    pub fn queue_depth(&self) -> Result<u64, StoreError> {
        self.read(|conn| {
            let n: i64 = conn
                .prepare_cached("SELECT COUNT(*) FROM enrollments WHERE status = 'queued'")?
                .query_row([], |r| r.get(0))?;
            Ok(n.unsigned_abs())
        })
    }

    /// Marks a `queued` (or `conflict`, once a supervisor resolved it) enrollment `uploaded`,
    /// counting the attempt; audit `enrollment.uploaded` by `actor`.
    pub fn mark_enrollment_uploaded(
        &self,
        id: EnrollmentId,
        actor: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let e = enrollment_in(
                tx,
                id,
                &[EnrollmentStatus::Queued, EnrollmentStatus::Conflict],
            )?;
            tx.prepare_cached(
                "UPDATE enrollments SET status = 'uploaded', attempts = attempts + 1,
                     last_error = NULL, updated_at = ?2
                 WHERE id = ?1",
            )?
            .execute(params![id.0, now()])?;
            audit::append(
                tx,
                &e.station_id,
                actor,
                "enrollment.uploaded",
                &e.registration_id,
                &json!({ "enrollment": id, "unit": e.unit_id, "status_before": e.status }),
            )?;
            Ok(())
        })
    }

    /// Puts a `conflict` back in the upload queue: a supervisor removed or corrected the
    /// enrollment DPS held, so the station's own may now be created. Audit
    /// `enrollment.requeued` by `actor`.
    pub fn requeue_enrollment(&self, id: EnrollmentId, actor: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            let e = enrollment_in(tx, id, &[EnrollmentStatus::Conflict])?;
            // A revocation DPS refused goes back to being a revocation, never a create.
            let to = if e.unit_failed {
                "disable_queued"
            } else {
                "queued"
            };
            tx.prepare_cached(
                "UPDATE enrollments SET status = ?3, last_error = NULL, updated_at = ?2
                 WHERE id = ?1",
            )?
            .execute(params![id.0, now(), to])?;
            audit::append(
                tx,
                &e.station_id,
                actor,
                "enrollment.requeued",
                &e.registration_id,
                &json!({ "enrollment": id, "unit": e.unit_id, "status_before": e.status }),
            )?;
            Ok(())
        })
    }

    /// Marks a `queued` enrollment `conflict`: DPS holds a different enrollment with its
    /// registration ID, which a supervisor must resolve. Audit `enrollment.conflict`.
    pub fn mark_enrollment_conflict(
        &self,
        id: EnrollmentId,
        actor: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let e = enrollment_in(tx, id, &[EnrollmentStatus::Queued])?;
            tx.prepare_cached(
                "UPDATE enrollments SET status = 'conflict', attempts = attempts + 1,
                     last_error = ?2, updated_at = ?3
                 WHERE id = ?1",
            )?
            .execute(params![id.0, reason, now()])?;
            audit::append(
                tx,
                &e.station_id,
                actor,
                "enrollment.conflict",
                &e.registration_id,
                &json!({ "enrollment": id, "unit": e.unit_id, "reason": reason }),
            )?;
            Ok(())
        })
    }

    /// Counts a failed upload attempt of a `queued` enrollment, which stays queued (network
    /// error, throttling, 5xx). Not audited: nothing left the station.
    pub fn record_enrollment_error(&self, id: EnrollmentId, error: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            enrollment_in(tx, id, &[EnrollmentStatus::Queued])?;
            tx.prepare_cached(
                "UPDATE enrollments SET attempts = attempts + 1, last_error = ?2, updated_at = ?3
                 WHERE id = ?1",
            )?
            .execute(params![id.0, error, now()])?;
            Ok(())
        })
    }

    /// Claims up to `max` `queued` or `disable_queued` enrollments that no uploader holds,
    /// oldest first, and marks them in flight (the row's status says what DPS must do). Only one uploader may claim from a database at a time (the uploader
    /// holds a lock file); rows it leaves in flight when it stops are released by
    /// [`Store::release_in_flight`] at the next start.
    pub fn claim_enrollments(&self, max: usize) -> Result<Vec<QueuedEnrollment>, StoreError> {
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        self.write_relaxed(|tx| {
            let sql = format!(
                "SELECT {ENROLLMENT_COLUMNS} FROM enrollments
                 WHERE status IN ('queued', 'disable_queued') AND in_flight_since IS NULL
                 ORDER BY id LIMIT ?1"
            );
            let rows = tx
                .prepare_cached(&sql)?
                .query_map([limit], enrollment_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            let now = now();
            let mut mark =
                tx.prepare_cached("UPDATE enrollments SET in_flight_since = ?2 WHERE id = ?1")?;
            for row in &rows {
                mark.execute(params![row.id.0, now])?;
            }
            Ok(rows)
        })
    }

    /// Releases every in-flight claim (left by an uploader that stopped mid-batch) and returns
    /// how many there were. Call only while holding the uploader lock.
    pub fn release_in_flight(&self) -> Result<u64, StoreError> {
        let n = self.write_relaxed(|tx| {
            Ok(tx
                .prepare_cached(
                    "UPDATE enrollments SET in_flight_since = NULL
                     WHERE in_flight_since IS NOT NULL",
                )?
                .execute([])?)
        })?;
        if n > 0 {
            tracing::warn!(
                count = n,
                "enrollments left in flight by a stopped uploader are queued again"
            );
        }
        Ok(n as u64)
    }

    /// Releases claimed enrollments after a failed attempt (network error, throttling, 5xx),
    /// counting the attempt and keeping `error`; they stay `queued`. Not audited: nothing
    /// changed in DPS that the station knows of.
    pub fn release_enrollments(&self, ids: &[EnrollmentId], error: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            let now = now();
            let mut stmt = tx.prepare_cached(
                "UPDATE enrollments SET attempts = attempts + 1, last_error = ?2, updated_at = ?3,
                     in_flight_since = NULL
                 WHERE id = ?1",
            )?;
            for id in ids {
                stmt.execute(params![id.0, error, now])?;
            }
            Ok(())
        })
    }

    /// Records the outcome of one upload batch in one transaction: `uploaded` (audit
    /// `enrollment.uploaded`, with `already_present`) or `conflict` (audit
    /// `enrollment.conflict`), clearing the in-flight marks. Recording `uploaded` for an
    /// enrollment already `uploaded` changes nothing (a retried batch). An enrollment
    /// superseded by a rework while in flight is still recorded `uploaded`, because DPS now
    /// holds it (`status_before` says so).
    ///
    /// With [`Retention::UntilDelivered`] an uploaded enrollment's device secret is purged in
    /// the same transaction (DPS holds it now); its audit row says `secret_purged`.
    pub fn complete_uploads(
        &self,
        actor: &str,
        results: &[(EnrollmentId, UploadResult)],
        retention: Retention,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let now = now();
            for (id, result) in results {
                let e = enrollment_state(tx, *id)?;
                match result {
                    UploadResult::Uploaded { already_present } => {
                        if e.status == EnrollmentStatus::Superseded && e.unit_failed {
                            // Its unit failed while it was on its way: DPS holds it now, so it
                            // is disabled there.
                            tx.prepare_cached(
                                "UPDATE enrollments SET status = 'disable_queued', updated_at = ?2,
                                     in_flight_since = NULL
                                 WHERE id = ?1",
                            )?
                            .execute(params![id.0, now])?;
                            continue;
                        }
                        if e.status == EnrollmentStatus::Uploaded {
                            release_in_flight(tx, *id)?;
                            continue;
                        }
                        tx.prepare_cached(
                            "UPDATE enrollments SET status = 'uploaded', attempts = attempts + 1,
                                 last_error = NULL, updated_at = ?2, in_flight_since = NULL
                             WHERE id = ?1",
                        )?
                        .execute(params![id.0, now])?;
                        let purged =
                            retention == Retention::UntilDelivered && purge_secret(tx, *id)?;
                        audit::append(
                            tx,
                            &e.station_id,
                            actor,
                            "enrollment.uploaded",
                            &e.registration_id,
                            &json!({
                                "enrollment": id,
                                "unit": e.unit_id,
                                "status_before": e.status,
                                "already_present": already_present,
                                "secret_purged": purged,
                            }),
                        )?;
                    }
                    UploadResult::Disabled { created } => {
                        if e.status != EnrollmentStatus::DisableQueued {
                            release_in_flight(tx, *id)?;
                            continue;
                        }
                        tx.prepare_cached(
                            "UPDATE enrollments SET status = 'disabled', attempts = attempts + 1,
                                 last_error = NULL, updated_at = ?2, in_flight_since = NULL
                             WHERE id = ?1",
                        )?
                        .execute(params![id.0, now])?;
                        audit::append(
                            tx,
                            &e.station_id,
                            actor,
                            "enrollment.disabled",
                            &e.registration_id,
                            &json!({
                                "enrollment": id,
                                "unit": e.unit_id,
                                "created": created,
                            }),
                        )?;
                    }
                    UploadResult::Conflict { reason } => {
                        if !matches!(
                            e.status,
                            EnrollmentStatus::Queued | EnrollmentStatus::DisableQueued
                        ) {
                            release_in_flight(tx, *id)?;
                            continue;
                        }
                        tx.prepare_cached(
                            "UPDATE enrollments SET status = 'conflict', attempts = attempts + 1,
                                 last_error = ?2, updated_at = ?3, in_flight_since = NULL
                             WHERE id = ?1",
                        )?
                        .execute(params![id.0, reason, now])?;
                        audit::append(
                            tx,
                            &e.station_id,
                            actor,
                            "enrollment.conflict",
                            &e.registration_id,
                            &json!({ "enrollment": id, "unit": e.unit_id, "reason": reason }),
                        )?;
                    }
                }
            }
            Ok(())
        })
    }

    /// Queue depth, in-flight, uploaded and conflict counts, and the oldest queued time.
    pub fn queue_stats(&self) -> Result<QueueStats, StoreError> {
        self.read(queue_stats)
    }

    /// What the queue screen and `station queue` show, from one snapshot: the counts,
    /// uploads since `since`, the conflicts waiting for a supervisor and the newest upload
    /// errors (at most `limit` of each, newest first). Indexed queries only (a test reads
    /// their plans): it is polled while slots run, so it must not read the whole queue.
    pub fn queue_overview(
        &self,
        since: DateTime<Utc>,
        limit: u32,
    ) -> Result<QueueOverview, StoreError> {
        self.read(|conn| {
            let stats = queue_stats(conn)?;
            let uploaded_since: i64 = conn
                .prepare_cached(
                    "SELECT COUNT(*) FROM enrollments WHERE status = 'uploaded' AND updated_at >= ?1",
                )?
                .query_row([fmt_ts(since)], |r| r.get(0))?;
            let list = |sql: &str| -> Result<Vec<QueuedEnrollment>, StoreError> {
                let sql = format!("SELECT {ENROLLMENT_COLUMNS} FROM enrollments {sql} LIMIT ?1");
                Ok(conn
                    .prepare_cached(&sql)?
                    .query_map([limit], enrollment_from_row)?
                    .collect::<Result<Vec<_>, _>>()?)
            };
            Ok(QueueOverview {
                stats,
                uploaded_since: uploaded_since.unsigned_abs(),
                conflicts: list("WHERE status = 'conflict' ORDER BY updated_at DESC")?,
                last_errors: list("WHERE last_error IS NOT NULL ORDER BY updated_at DESC")?,
            })
        })
    }

    /// How many enrollments `filter` selects (what [`Store::export_records`] would stream now).
    pub fn count_export_records(&self, filter: &ExportFilter) -> Result<u64, StoreError> {
        self.count_export(filter, false)
    }

    /// How many enrollments `filter` would select but [`Store::export_records`] leaves out:
    /// their device secret was delivered (a sealed export, or DPS) and purged, so no batch can
    /// carry them again.
    pub fn count_delivered_export_records(&self, filter: &ExportFilter) -> Result<u64, StoreError> {
        self.count_export(filter, true)
    }

    fn count_export(&self, filter: &ExportFilter, purged: bool) -> Result<u64, StoreError> {
        if filter.statuses.is_empty() {
            return Ok(0);
        }
        let sql = export_sql(filter, "COUNT(*)", purged);
        self.read(|conn| {
            let n: i64 = conn.query_row(
                &sql,
                params![
                    filter.work_order,
                    filter.from.map(fmt_ts),
                    filter.to.map(fmt_ts)
                ],
                |r| r.get(0),
            )?;
            Ok(n.unsigned_abs())
        })
    }

    /// Streams the enrollments `filter` selects, oldest first, to `f` and returns how many
    /// there were. Rows are read one at a time inside one read transaction (one consistent
    /// snapshot), so memory stays flat for a million rows; `f` borrows each row's text.
    ///
    /// The connection is held until the stream ends: other calls on this `Store` wait (other
    /// processes are not blocked). An error from `f` stops the stream and is returned.
    pub fn export_records<E: From<StoreError>>(
        &self,
        filter: &ExportFilter,
        mut f: impl FnMut(&ExportRecord<'_>) -> Result<(), E>,
    ) -> Result<u64, E> {
        if filter.statuses.is_empty() {
            return Ok(0);
        }
        let sql = export_sql(
            filter,
            "e.id, e.unit_id, e.registration_id, e.payload_json, e.status, e.created_at,
                    u.serial, u.work_order, u.station_id, e.secret, e.payload_sealed, e.sealed_to",
            false,
        );
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(StoreError::from)?;
        let mut count = 0u64;
        {
            let mut stmt = tx.prepare(&sql).map_err(StoreError::from)?;
            let mut rows = stmt
                .query(params![
                    filter.work_order,
                    filter.from.map(fmt_ts),
                    filter.to.map(fmt_ts)
                ])
                .map_err(StoreError::from)?;
            while let Some(row) = rows.next().map_err(StoreError::from)? {
                let record = export_record(row).map_err(StoreError::from)?;
                f(&record)?;
                count += 1;
            }
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(count)
    }
}

/// Counts by status and the oldest queued enrollment, in `conn`'s transaction. Each count is
/// served by the `(status, …)` indexes: only the queued rows are read from the table, never
/// the uploaded ones, which grow by one per unit.
fn queue_stats(conn: &Connection) -> Result<QueueStats, StoreError> {
    let (queued, in_flight, oldest_queued_at) = conn
        .prepare_cached(
            "SELECT COUNT(*), COUNT(in_flight_since), MIN(created_at)
             FROM enrollments WHERE status = 'queued'",
        )?
        .query_row([], |r| {
            Ok((
                r.get::<_, i64>(0)?.unsigned_abs(),
                r.get::<_, i64>(1)?.unsigned_abs(),
                r.get::<_, Option<Ts>>(2)?.map(|t| t.0),
            ))
        })?;
    let count = |status: EnrollmentStatus| -> Result<u64, StoreError> {
        let n: i64 = conn
            .prepare_cached("SELECT COUNT(*) FROM enrollments WHERE status = ?1")?
            .query_row([status.as_str()], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    };
    Ok(QueueStats {
        queued,
        in_flight,
        uploaded: count(EnrollmentStatus::Uploaded)?,
        conflicts: count(EnrollmentStatus::Conflict)?,
        revocations_queued: count(EnrollmentStatus::DisableQueued)?,
        disabled: count(EnrollmentStatus::Disabled)?,
        oldest_queued_at,
    })
}

fn export_record<'r>(r: &'r Row<'_>) -> rusqlite::Result<ExportRecord<'r>> {
    let text = |idx: usize| -> rusqlite::Result<&'r str> {
        r.get_ref(idx)?.as_str().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
        })
    };
    let opt_text = |idx: usize| -> rusqlite::Result<Option<&'r str>> {
        r.get_ref(idx)?.as_str_or_null().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
        })
    };
    Ok(ExportRecord {
        id: EnrollmentId(r.get(0)?),
        unit_id: UnitId(r.get(1)?),
        registration_id: text(2)?,
        payload_json: text(3)?,
        status: parse_col(r, 4)?,
        created_at: text(5)?,
        serial: opt_text(6)?,
        work_order: opt_text(7)?,
        station_id: text(8)?,
        secret: parse_col(r, 9)?,
        sealed: r.get_ref(10)?.as_blob_or_null().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(10, rusqlite::types::Type::Blob, Box::new(e))
        })?,
        sealed_to: opt_text(11)?,
    })
}

/// The enrollment columns a queue transition needs.
struct EnrollmentState {
    unit_id: UnitId,
    registration_id: String,
    status: EnrollmentStatus,
    station_id: String,
    /// Its unit did not pass (failed, interrupted): the row is a revocation.
    unit_failed: bool,
}

/// The enrollment's state, refused unless its status is one of `allowed` (the first is the one
/// the error names as expected).
fn enrollment_in(
    conn: &Connection,
    id: EnrollmentId,
    allowed: &[EnrollmentStatus],
) -> Result<EnrollmentState, StoreError> {
    let e = enrollment_state(conn, id)?;
    if allowed.contains(&e.status) {
        Ok(e)
    } else {
        Err(StoreError::InvalidEnrollmentState {
            enrollment: id,
            expected: allowed.first().copied().unwrap_or(e.status),
            found: e.status,
        })
    }
}

fn enrollment_state(conn: &Connection, id: EnrollmentId) -> Result<EnrollmentState, StoreError> {
    conn.prepare_cached(
        "SELECT e.unit_id, e.registration_id, e.status, u.station_id,
                u.status IN ('fail', 'interrupted')
         FROM enrollments e JOIN units u ON u.id = e.unit_id WHERE e.id = ?1",
    )?
    .query_row([id.0], |r| {
        Ok(EnrollmentState {
            unit_id: UnitId(r.get(0)?),
            registration_id: r.get(1)?,
            status: parse_col(r, 2)?,
            station_id: r.get(3)?,
            unit_failed: r.get(4)?,
        })
    })
    .optional()?
    .ok_or(StoreError::UnknownEnrollment(id))
}

/// The query of the enrollments `filter` selects (parameters: work order, from, to), oldest
/// first, selecting `columns`.
/// The export query; `purged` selects the rows it leaves out (their secret purged) instead.
fn export_sql(filter: &ExportFilter, columns: &str, purged: bool) -> String {
    // The statuses are the enum's own fixed strings, never user text.
    let statuses: Vec<String> = filter
        .statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!(
        "SELECT {columns}
         FROM enrollments e JOIN units u ON u.id = e.unit_id
         WHERE (?1 IS NULL OR u.work_order = ?1)
           AND (?2 IS NULL OR e.created_at >= ?2)
           AND (?3 IS NULL OR e.created_at < ?3)
           AND e.status IN ({})
           AND e.secret {} 'purged'
         ORDER BY e.id",
        statuses.join(", "),
        if purged { "=" } else { "<>" }
    )
}

/// Clears an enrollment's in-flight mark without changing it (a retried or overtaken outcome).
fn release_in_flight(conn: &Connection, id: EnrollmentId) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE enrollments SET in_flight_since = NULL WHERE id = ?1")?
        .execute([id.0])?;
    Ok(())
}

/// How long a delivered device secret is kept (`[secrets] retain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Purged once delivered.
    UntilDelivered,
    /// Kept, sealed (a lab).
    Keep,
}

/// [`Store::secret_counts`]: enrollments by where their device secret is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SecretCounts {
    /// Keys in clear in the payload.
    pub plain: u64,
    /// Keys only in a sealed ciphertext.
    pub sealed: u64,
    /// Delivered and purged.
    pub purged: u64,
}

/// Purges one enrollment's secret in `conn`'s transaction: keys redacted in the payload, the
/// ciphertext dropped, `secret = 'purged'`. Returns whether it held one.
pub(super) fn purge_secret(conn: &Connection, id: EnrollmentId) -> Result<bool, StoreError> {
    let payload: Option<String> = conn
        .prepare_cached(
            "SELECT payload_json FROM enrollments WHERE id = ?1 AND secret IN ('plain', 'sealed')",
        )?
        .query_row([id.0], |r| r.get(0))
        .optional()?;
    let Some(payload) = payload else {
        return Ok(false);
    };
    conn.prepare_cached(
        "UPDATE enrollments SET payload_json = ?2, payload_sealed = NULL, secret = 'purged',
             purged_at = ?3
         WHERE id = ?1",
    )?
    .execute(params![id.0, crate::redact_payload(&payload), now()])?;
    Ok(true)
}
