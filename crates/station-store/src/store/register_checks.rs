//! The register check: after PASS, the board registers with DPS over the fixture's network;
//! the outcome is recorded on the unit, and a refusal fails it (for rework).

use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::Store;
use super::handouts::revoke_unit;
use super::rows::{VOID_REGISTER_REFUSED, insert_steps};
use crate::audit;
use crate::error::StoreError;
use crate::sql::{Ts, now, parse_col};
use crate::types::{
    EnrollmentStatus, RegisterCheck, RegisterCheckRecord, StepRecord, UnitId, UnitStatus,
};

impl Store {
    /// Where the unit's queued enrollment is on its way to DPS; `None` if it queued none (a
    /// group-enrollment product, whose group the uploader keeps in DPS).
    pub fn enrollment_status(&self, unit: UnitId) -> Result<Option<EnrollmentStatus>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT status FROM enrollments WHERE unit_id = ?1")?
                .query_row([unit.0], |r| parse_col(r, 0))
                .optional()?)
        })
    }

    /// Records a passed unit's register check in one transaction: its `register` step, the
    /// check, and audit `unit.registered`; or, when refused, status `fail` at step `register`
    /// with the failure, its certificates void, an enrollment not yet uploaded superseded,
    /// audit `unit.register_refused`. An uploaded enrollment stays (DPS holds it; a rework
    /// replaces it).
    pub fn record_register_check(
        &self,
        unit: UnitId,
        step: &StepRecord,
        check: &RegisterCheck,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let (status, serial, station_id, operator, registration_id): (
                UnitStatus,
                Option<String>,
                String,
                String,
                Option<String>,
            ) = tx
                .prepare_cached(
                    "SELECT status, serial, station_id, operator, registration_id
                     FROM units WHERE id = ?1",
                )?
                .query_row([unit.0], |r| {
                    Ok((parse_col(r, 0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .optional()?
                .ok_or(StoreError::UnknownUnit(unit))?;
            if status != UnitStatus::Pass {
                return Err(StoreError::InvalidState {
                    unit,
                    expected: UnitStatus::Pass,
                    found: status,
                });
            }
            insert_steps(tx, unit, std::slice::from_ref(step))?;
            let subject = serial.as_deref().unwrap_or_default();
            match check {
                RegisterCheck::Registered {
                    assigned_hub,
                    device_id,
                } => {
                    tx.prepare_cached(
                        "INSERT INTO register_checks
                             (unit_id, outcome, assigned_hub, device_id, checked_at)
                         VALUES (?1, 'registered', ?2, ?3, ?4)",
                    )?
                    .execute(params![
                        unit.0,
                        assigned_hub,
                        device_id,
                        now()
                    ])?;
                    audit::append(
                        tx,
                        &station_id,
                        &operator,
                        "unit.registered",
                        subject,
                        &json!({
                            "unit": unit,
                            "registration_id": registration_id,
                            "assigned_hub": assigned_hub,
                            "device_id": device_id,
                        }),
                    )?;
                }
                RegisterCheck::Refused(failure) => {
                    tx.prepare_cached(
                        "INSERT INTO register_checks (unit_id, outcome, code, message, checked_at)
                         VALUES (?1, 'refused', ?2, ?3, ?4)",
                    )?
                    .execute(params![
                        unit.0,
                        failure.code,
                        failure.message,
                        now()
                    ])?;
                    tx.prepare_cached(
                        "UPDATE units SET status = 'fail', failed_step = ?2, failure_code = ?3,
                             failure_message = ?4
                         WHERE id = ?1",
                    )?
                    .execute(params![
                        unit.0,
                        failure.step,
                        failure.code,
                        failure.message
                    ])?;
                    // DPS refused the board itself: what it took is revoked, its enrollment
                    // disabled in DPS (or never sent).
                    revoke_unit(tx, unit, &station_id, &operator, VOID_REGISTER_REFUSED)?;
                    audit::append(
                        tx,
                        &station_id,
                        &operator,
                        "unit.register_refused",
                        subject,
                        &json!({
                            "unit": unit,
                            "registration_id": registration_id,
                            "code": failure.code,
                            "message": failure.message,
                        }),
                    )?;
                }
            }
            Ok(())
        })
    }

    /// The unit's register check, if its board was asked to register.
    pub(crate) fn register_check_of(
        conn: &rusqlite::Connection,
        unit: UnitId,
    ) -> Result<Option<RegisterCheckRecord>, StoreError> {
        Ok(conn
            .prepare_cached(
                "SELECT outcome, assigned_hub, device_id, code, message, checked_at, \
                     (SELECT failed_step FROM units WHERE id = ?1)
                 FROM register_checks WHERE unit_id = ?1",
            )?
            .query_row([unit.0], |r| {
                let outcome: String = r.get(0)?;
                let check = if outcome == "registered" {
                    RegisterCheck::Registered {
                        assigned_hub: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                        device_id: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    }
                } else {
                    RegisterCheck::Refused(crate::types::UnitFailure {
                        step: r
                            .get::<_, Option<String>>(6)?
                            .unwrap_or_else(|| "register".into()),
                        code: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                        message: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    })
                };
                Ok(RegisterCheckRecord {
                    check,
                    checked_at: r.get::<_, Ts>(5)?.0,
                })
            })
            .optional()?)
    }
}
