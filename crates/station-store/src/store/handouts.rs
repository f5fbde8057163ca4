//! What crossed the link to a board: every certificate and group-derived key is recorded
//! before it leaves ([`Store::record_handout`], and [`Store::issue_certificate`] for a
//! certificate), settled when its unit passes, and revoked when it does not.
//!
//! Revoking is what DPS itself offers (DPS-NOTES §9): a group device gets a **disabled
//! individual enrollment** for its registration ID (queued as `disable_queued`), an individual
//! product's enrollment already in DPS is disabled (`uploaded` → `disable_queued`), one not
//! yet sent never goes (`superseded`). The uploader ends both at `disabled`; the station never
//! deletes them. A registration ID with a revocation is burned: no unit is begun for it again.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension as _, params};
use serde_json::json;

use super::Store;
use super::rows::{in_progress_unit, void_certificates};
use crate::audit;
use crate::error::StoreError;
use crate::sql::{Ts, now};
use crate::types::{HandoutKind, NewHandout, UnitId};

/// A revoked certificate, for the signing CA's CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedCertificate {
    /// Serial number, lower-case hex.
    pub serial: String,
    /// The signing CA's id.
    pub ca_id: String,
    /// When the station revoked it (its issue time for certificates voided before schema 12).
    pub revoked_at: DateTime<Utc>,
    /// Why it is void.
    pub reason: String,
    /// Its hand-out is recorded revoked (false only for certificates voided before schema 12).
    pub handout_revoked: bool,
}

impl Store {
    /// Records that a credential derived from a group enrollment's key is about to be written
    /// to `handout.unit_id`'s board, in one durable transaction with audit `credential.handed_out`.
    /// Call it before the key leaves the station: if the unit does not pass, the registration
    /// ID is revoked with `handout.revocation_json`.
    pub fn record_handout(&self, handout: &NewHandout) -> Result<(), StoreError> {
        self.write(|tx| {
            let u = in_progress_unit(tx, handout.unit_id)?;
            let registration_id = u.registration_id.clone().ok_or(StoreError::InvalidInput {
                field: "registration_id",
                reason: "a handed-out credential needs the unit's registration ID".to_owned(),
            })?;
            insert_handout(
                tx,
                handout.unit_id,
                &u.station_id,
                &u.operator,
                u.serial.as_deref(),
                HandoutKind::DerivedKey,
                &registration_id,
                None,
                Some(&handout.revocation_json),
            )
        })
    }

    /// The certificates this station voided, oldest first: what its CRL lists.
    pub fn revoked_certificates(&self) -> Result<Vec<RevokedCertificate>, StoreError> {
        self.read(|conn| {
            let rows = conn
                .prepare_cached(
                    "SELECT c.serial, c.ca_id, COALESCE(MAX(h.revoked_at), c.issued_at),
                            COALESCE(c.void_reason, ''), COUNT(h.id) > 0
                     FROM issued_certificates c
                     LEFT JOIN handouts h ON h.certificate_serial = c.serial
                         AND h.status = 'revoked'
                     WHERE c.status = 'void'
                     GROUP BY c.id ORDER BY c.id",
                )?
                .query_map([], |r| {
                    Ok(RevokedCertificate {
                        serial: r.get(0)?,
                        ca_id: r.get(1)?,
                        revoked_at: r.get::<_, Ts>(2)?.0,
                        reason: r.get(3)?,
                        handout_revoked: r.get(4)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }
}

/// Records one credential handed out to `unit`'s board, with audit `credential.handed_out`.
#[allow(clippy::too_many_arguments)]
pub(super) fn insert_handout(
    conn: &Connection,
    unit: UnitId,
    station_id: &str,
    actor: &str,
    serial: Option<&str>,
    kind: HandoutKind,
    registration_id: &str,
    certificate_serial: Option<&str>,
    revocation_json: Option<&str>,
) -> Result<(), StoreError> {
    let id = conn
        .prepare_cached(
            "INSERT INTO handouts (unit_id, kind, registration_id, certificate_serial,
                 revocation_json, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .insert(params![
            unit.0,
            kind.as_str(),
            registration_id,
            certificate_serial,
            revocation_json,
            now()
        ])?;
    audit::append(
        conn,
        station_id,
        actor,
        "credential.handed_out",
        serial.unwrap_or_default(),
        &json!({
            "handout": id,
            "unit": unit,
            "kind": kind,
            "registration_id": registration_id,
            "certificate_serial": certificate_serial,
            "revocable": revocation_json.is_some(),
        }),
    )?;
    Ok(())
}

/// A unit will not pass (failed, interrupted, its claim voided, its board refused by DPS):
/// its certificates are void and everything its board took is revoked, in `conn`'s
/// transaction, each with audit `credential.revoked` by `actor`.
///
/// - a group product's handout queues its disabled individual enrollment (`disable_queued`);
/// - an enrollment of the unit DPS holds (`uploaded`) is queued to be disabled; one not yet
///   sent (`queued`, `conflict`) is `superseded`.
pub(super) fn revoke_unit(
    conn: &Connection,
    unit: UnitId,
    station_id: &str,
    actor: &str,
    reason: &str,
) -> Result<(), StoreError> {
    void_certificates(conn, unit, station_id, actor, reason)?;
    let now = now();
    let subject: String = conn
        .prepare_cached("SELECT COALESCE(serial, '') FROM units WHERE id = ?1")?
        .query_row([unit.0], |r| r.get(0))?;
    let handouts = conn
        .prepare_cached(
            "SELECT id, kind, registration_id, certificate_serial, revocation_json FROM handouts
             WHERE unit_id = ?1 AND status IN ('out', 'in_service') ORDER BY id",
        )?
        .query_map([unit.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (id, kind, registration_id, certificate_serial, revocation) in handouts {
        conn.prepare_cached(
            "UPDATE handouts SET status = 'revoked', revoked_at = ?2, revoked_reason = ?3
             WHERE id = ?1",
        )?
        .execute(params![id, now, reason])?;
        let mut queued = None;
        if let Some(payload) = revocation {
            // A unit has at most one enrollment row; a second revocable handout of the same
            // unit names the same registration ID, so the first row covers it.
            let exists = conn
                .prepare_cached("SELECT id FROM enrollments WHERE unit_id = ?1")?
                .query_row([unit.0], |r| r.get::<_, i64>(0))
                .optional()?;
            queued = Some(match exists {
                Some(e) => e,
                None => conn
                    .prepare_cached(
                        "INSERT INTO enrollments (unit_id, registration_id, payload_json, status,
                             created_at, updated_at)
                         VALUES (?1, ?2, ?3, 'disable_queued', ?4, ?4)",
                    )?
                    .insert(params![unit.0, registration_id, payload, now])?,
            });
        }
        audit::append(
            conn,
            station_id,
            actor,
            "credential.revoked",
            &subject,
            &json!({
                "handout": id,
                "unit": unit,
                "kind": kind,
                "registration_id": registration_id,
                "certificate_serial": certificate_serial,
                "enrollment": queued,
                "reason": reason,
            }),
        )?;
    }
    // The unit's own enrollment: one DPS holds is disabled there, one not yet sent never goes.
    let own = conn
        .prepare_cached(
            "SELECT id, registration_id, status FROM enrollments
             WHERE unit_id = ?1 AND status IN ('uploaded', 'queued', 'conflict')",
        )?
        .query_row([unit.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    if let Some((id, registration_id, status)) = own {
        let to = if status == "uploaded" {
            "disable_queued"
        } else {
            "superseded"
        };
        conn.prepare_cached(
            "UPDATE enrollments SET status = ?2, updated_at = ?3, last_error = NULL WHERE id = ?1",
        )?
        .execute(params![id, to, now])?;
        if to == "disable_queued" {
            audit::append(
                conn,
                station_id,
                actor,
                "credential.revoked",
                &subject,
                &json!({
                    "unit": unit,
                    "kind": "enrollment",
                    "registration_id": registration_id,
                    "enrollment": id,
                    "reason": reason,
                }),
            )?;
        }
    }
    Ok(())
}

/// The unit whose revocation burned `registration_id`, if any.
pub(super) fn revoked_registration(
    conn: &Connection,
    registration_id: &str,
) -> Result<Option<UnitId>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT unit_id FROM enrollments
             WHERE registration_id = ?1 COLLATE NOCASE
               AND status IN ('disable_queued', 'disabled')
             ORDER BY id LIMIT 1",
        )?
        .query_row([registration_id], |r| Ok(UnitId(r.get(0)?)))
        .optional()?)
}
