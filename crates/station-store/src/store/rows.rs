//! Row helpers the store's parts share: a unit that must be in progress, an enrollment row,
//! and the certificate counts and voiding that several state changes make.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit;
use crate::error::StoreError;
use crate::sql::{Ts, fmt_ts, now, parse_col};
use crate::types::{EnrollmentId, QueuedEnrollment, StepRecord, UnitId, UnitStatus};

/// The unit columns a finishing transaction needs.
pub(super) struct UnitCtx {
    pub(super) run_id: String,
    pub(super) slot: u16,
    pub(super) serial: Option<String>,
    pub(super) registration_id: Option<String>,
    pub(super) operator: String,
    pub(super) station_id: String,
    /// Whether the unit holds an open claim (it is committing).
    pub(super) claimed: bool,
}

/// Loads a unit that must be `in_progress` (committing units included: check `claimed`).
pub(super) fn in_progress_unit(conn: &Connection, unit: UnitId) -> Result<UnitCtx, StoreError> {
    let (status, ctx) = conn
        .prepare_cached(concat!(
            "SELECT ",
            unit_status_sql!(),
            ", run_id, slot, serial, registration_id, operator, station_id
                 FROM units WHERE id = ?1"
        ))?
        .query_row([unit.0], |r| {
            let status: UnitStatus = parse_col(r, 0)?;
            Ok((
                status,
                UnitCtx {
                    run_id: r.get(1)?,
                    slot: r.get(2)?,
                    serial: r.get(3)?,
                    registration_id: r.get(4)?,
                    operator: r.get(5)?,
                    station_id: r.get(6)?,
                    claimed: status == UnitStatus::Committing,
                },
            ))
        })
        .optional()?
        .ok_or(StoreError::UnknownUnit(unit))?;
    if !matches!(status, UnitStatus::InProgress | UnitStatus::Committing) {
        return Err(StoreError::InvalidState {
            unit,
            expected: UnitStatus::InProgress,
            found: status,
        });
    }
    Ok(ctx)
}

pub(super) const ENROLLMENT_COLUMNS: &str = "id, unit_id, registration_id, payload_json, status, created_at, \
     updated_at, attempts, last_error, secret, purged_at, payload_sealed, sealed_to";

pub(super) fn enrollment_from_row(r: &Row<'_>) -> rusqlite::Result<QueuedEnrollment> {
    Ok(QueuedEnrollment {
        id: EnrollmentId(r.get(0)?),
        unit_id: UnitId(r.get(1)?),
        registration_id: r.get(2)?,
        payload_json: r.get(3)?,
        status: parse_col(r, 4)?,
        created_at: r.get::<_, Ts>(5)?.0,
        updated_at: r.get::<_, Ts>(6)?.0,
        attempts: r.get(7)?,
        last_error: r.get(8)?,
        secret: parse_col(r, 9)?,
        purged_at: r.get::<_, Option<Ts>>(10)?.map(|t| t.0),
        sealed: match (
            r.get::<_, Option<Vec<u8>>>(11)?,
            r.get::<_, Option<String>>(12)?,
        ) {
            (Some(ciphertext), sealed_to) => Some(crate::SealedSecret {
                ciphertext,
                sealed_to: sealed_to.unwrap_or_default(),
            }),
            (None, _) => None,
        },
    })
}

/// An enrollment as a PASS queues it: registration ID, payload, and its sealed copy.
#[derive(Clone, Copy)]
pub(super) struct PassEnrollment<'a> {
    pub(super) registration_id: &'a str,
    pub(super) payload_json: &'a str,
    pub(super) sealed: Option<(&'a [u8], &'a str)>,
}

impl<'a> From<&'a crate::NewEnrollment> for PassEnrollment<'a> {
    fn from(e: &'a crate::NewEnrollment) -> Self {
        Self {
            registration_id: &e.registration_id,
            payload_json: &e.payload_json,
            sealed: e
                .sealed
                .as_ref()
                .map(|s| (s.ciphertext.as_slice(), s.sealed_to.as_str())),
        }
    }
}

/// Every certificate issued under `work_order`, void ones included: a void certificate still
/// left the station (schema version 12).
pub(super) fn count_certificates(conn: &Connection, work_order: &str) -> Result<u64, StoreError> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM issued_certificates WHERE work_order = ?1")?
        .query_row([work_order], |r| r.get(0))?;
    Ok(n.unsigned_abs())
}

/// Why certificates become void.
pub(super) const VOID_UNIT_FAILED: &str = "the unit failed after issuance";
pub(super) const VOID_REGISTER_REFUSED: &str =
    "the board could not register with DPS: the unit goes to rework";
pub(super) const VOID_INTERRUPTED: &str =
    "the station stopped before the unit was claimed; the certificate never went into service";

/// Marks the `issued` certificates of a unit that will not pass `void` with `reason` (audit
/// `certificate.void` each, by `actor`): they never went into service from this station.
pub(super) fn void_certificates(
    conn: &Connection,
    unit: UnitId,
    station_id: &str,
    actor: &str,
    reason: &str,
) -> Result<(), StoreError> {
    let serials = conn
        .prepare_cached(
            "SELECT serial FROM issued_certificates WHERE unit_id = ?1 AND status = 'issued'",
        )?
        .query_map([unit.0], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for serial in serials {
        conn.prepare_cached(
            "UPDATE issued_certificates SET status = 'void', void_reason = ?2 WHERE serial = ?1",
        )?
        .execute(params![serial.as_str(), reason])?;
        audit::append(
            conn,
            station_id,
            actor,
            "certificate.void",
            &serial,
            &json!({ "unit": unit, "serial": serial, "reason": reason }),
        )?;
    }
    Ok(())
}

/// Appends `steps` to a unit's recorded steps (a committing unit recorded the first ones with
/// its claim).
pub(super) fn insert_steps(
    conn: &Connection,
    unit: UnitId,
    steps: &[StepRecord],
) -> Result<(), StoreError> {
    let first: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(seq) + 1, 0) FROM steps WHERE unit_id = ?1")?
        .query_row([unit.0], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO steps (unit_id, seq, step, outcome, started_at, duration_ms, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (seq, step) in (first..).zip(steps) {
        stmt.execute(params![
            unit.0,
            seq,
            step.step,
            if step.ok { "ok" } else { "failed" },
            fmt_ts(step.started_at),
            step.duration.as_secs_f64() * 1000.0,
            step.detail,
        ])?;
    }
    Ok(())
}

/// Records a PASS inside a write transaction: `steps` appended, status `pass`, the enrollment
/// (registration ID, payload JSON) queued if there is one, audit `unit.pass` (its detail with
/// `extra`'s fields added) and `enrollment.queued`. Returns the queued enrollment.
pub(super) fn record_pass(
    conn: &Connection,
    unit: UnitId,
    u: &UnitCtx,
    steps: &[StepRecord],
    enrollment: Option<PassEnrollment<'_>>,
    extra: serde_json::Value,
) -> Result<Option<EnrollmentId>, StoreError> {
    let now = now();
    insert_steps(conn, unit, steps)?;
    // What its board took is in service.
    conn.prepare_cached(
        "UPDATE handouts SET status = 'in_service' WHERE unit_id = ?1 AND status = 'out'",
    )?
    .execute([unit.0])?;
    conn.prepare_cached("UPDATE units SET status = 'pass', finished_at = ?2 WHERE id = ?1")?
        .execute(params![unit.0, now])?;
    let enrollment_id = match enrollment {
        Some(e) => Some(EnrollmentId(
            conn.prepare_cached(
                "INSERT INTO enrollments (unit_id, registration_id, payload_json, status,
                     created_at, updated_at, secret, payload_sealed, sealed_to)
                 VALUES (?1, ?2, ?3, 'queued', ?4, ?4, ?5, ?6, ?7)",
            )?
            .insert(params![
                unit.0,
                e.registration_id,
                e.payload_json,
                now,
                crate::secrets::initial_state(e.payload_json, e.sealed.is_some()).as_str(),
                e.sealed.map(|(c, _)| c),
                e.sealed.map(|(_, to)| to),
            ])?,
        )),
        None => None,
    };
    let mut detail = json!({
        "unit": unit,
        "run": u.run_id,
        "slot": u.slot,
        "registration_id": u.registration_id,
        "steps": steps.len(),
        "enrollment": enrollment_id,
    });
    if let (Some(detail), serde_json::Value::Object(extra)) = (detail.as_object_mut(), extra) {
        detail.extend(extra);
    }
    audit::append(
        conn,
        &u.station_id,
        &u.operator,
        "unit.pass",
        u.serial.as_deref().unwrap_or_default(),
        &detail,
    )?;
    if let (Some(id), Some(e)) = (enrollment_id, enrollment) {
        audit::append(
            conn,
            &u.station_id,
            &u.operator,
            "enrollment.queued",
            e.registration_id,
            &json!({
                "enrollment": id,
                "unit": unit,
                "serial": u.serial,
                "payload_sha256": hex::encode(Sha256::digest(e.payload_json.as_bytes())),
                "secret": crate::secrets::initial_state(e.payload_json, e.sealed.is_some()),
                "sealed_to": e.sealed.map(|(_, to)| to),
            }),
        )?;
    }
    Ok(enrollment_id)
}
