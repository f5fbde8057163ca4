//! Runs, units and their steps: starting a unit (the uniqueness rules, rework), PASS, FAIL,
//! interrupted units, and reading units back.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use super::Store;
use super::rows::{
    ENROLLMENT_COLUMNS, VOID_INTERRUPTED, VOID_UNIT_FAILED, enrollment_from_row, in_progress_unit,
    insert_steps, record_pass,
};
use crate::audit;
use crate::error::{DuplicateField, StoreError};
use crate::sql::{Ts, fmt_ts, now, parse_col, require_non_empty};
use crate::types::{
    ATTESTATIONS, EnrollmentId, EnrollmentStatus, NewEnrollment, NewRun, NewUnit, RunId,
    StepRecord, UnitClaims, UnitDetail, UnitFailure, UnitFilter, UnitId, UnitStatus, UnitSummary,
};

impl Store {
    /// Records the start of a run; audit `run.start`.
    pub fn start_run(&self, run: &NewRun) -> Result<(), StoreError> {
        self.write(|tx| {
            let exists = tx
                .prepare_cached("SELECT 1 FROM runs WHERE id = ?1")?
                .exists([run.id.as_str()])?;
            if exists {
                return Err(StoreError::RunExists(run.id.clone()));
            }
            tx.prepare_cached(
                "INSERT INTO runs (id, station_id, operator, work_order, config_path, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                run.id.as_str(),
                run.station_id,
                run.operator,
                run.work_order,
                run.config_path,
                now()
            ])?;
            audit::append(
                tx,
                &run.station_id,
                &run.operator,
                "run.start",
                "",
                &json!({
                    "run": run.id,
                    "work_order": run.work_order,
                    "config_path": run.config_path,
                }),
            )?;
            Ok(())
        })
    }

    /// Records the end of a run; audit `run.finish` with the run's unit counts by status.
    pub fn finish_run(&self, id: &RunId) -> Result<(), StoreError> {
        self.write(|tx| {
            let run = run_row(tx, id)?;
            if run.finished {
                return Err(StoreError::RunFinished(id.clone()));
            }
            tx.prepare_cached("UPDATE runs SET finished_at = ?2 WHERE id = ?1")?
                .execute(params![id.as_str(), now()])?;
            let mut counts = serde_json::Map::new();
            let mut stmt = tx.prepare_cached(
                "SELECT status, COUNT(*) FROM units WHERE run_id = ?1 GROUP BY status",
            )?;
            let mut rows = stmt.query([id.as_str()])?;
            while let Some(row) = rows.next()? {
                counts.insert(row.get(0)?, json!(row.get::<_, i64>(1)?));
            }
            audit::append(
                tx,
                &run.station_id,
                &run.operator,
                "run.finish",
                "",
                &json!({ "run": id, "units": counts }),
            )?;
            Ok(())
        })
    }

    /// Starts a unit: checks that its serial and registration ID are free, reworks the passed
    /// unit it replaces if `unit.rework` is set, and inserts it `in_progress`; audit
    /// `unit.start` (and `unit.rework`).
    ///
    /// A serial or registration ID held by a `pass` or `in_progress` unit is a
    /// [`StoreError::Duplicate`], unless `rework` is set and the serial's holder passed: then
    /// that unit becomes `superseded`, its enrollment too unless it was already uploaded, and
    /// the new unit records `rework_of`. Reworking a unit that is `in_progress` is
    /// [`StoreError::InvalidState`]. A serial with only failed or interrupted units starts
    /// without a rework; `rework` with nothing to rework starts a plain unit. The check and the
    /// insert are one transaction, so of two slots starting the same serial exactly one wins.
    pub fn begin_unit(&self, unit: &NewUnit) -> Result<UnitId, StoreError> {
        self.begin_unit_claiming(unit, &UnitClaims::default())
    }

    /// [`Store::begin_unit`] for a TPM unit: `ek_sha256` (lower-case hex SHA-256 of the EK's
    /// marshalled `TPM2B_PUBLIC`) is claimed with the serial and registration ID. An EK held
    /// by a `pass` or `in_progress` unit is a [`StoreError::Duplicate`] of
    /// [`DuplicateField::EndorsementKey`], unless that unit is the one this rework replaces:
    /// a TPM is never reworked away from another serial.
    pub fn begin_tpm_unit(&self, unit: &NewUnit, ek_sha256: &str) -> Result<UnitId, StoreError> {
        if ek_sha256.len() != 64 || !ek_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::InvalidInput {
                field: "ek_sha256",
                reason: "not 64 hex digits".into(),
            });
        }
        let ek = ek_sha256.to_ascii_lowercase();
        self.begin_unit_claiming(
            unit,
            &UnitClaims {
                ek_sha256: Some(&ek),
                ..UnitClaims::default()
            },
        )
    }

    /// [`Store::begin_unit`] claiming, with the serial and registration ID, what else must be
    /// the unit's alone (see [`UnitClaims`]). `claims.ek_sha256` must already be checked
    /// lower-case hex ([`Store::begin_tpm_unit`] does).
    pub fn begin_unit_claiming(
        &self,
        unit: &NewUnit,
        claims: &UnitClaims<'_>,
    ) -> Result<UnitId, StoreError> {
        let ek_sha256 = claims.ek_sha256;
        if let Some(device_id) = claims.device_id {
            require_non_empty("device_id", device_id)?;
        }
        require_non_empty("serial", &unit.serial)?;
        require_non_empty("registration_id", &unit.registration_id)?;
        if !ATTESTATIONS.contains(&unit.attestation.as_str()) {
            return Err(StoreError::InvalidInput {
                field: "attestation",
                reason: format!(
                    "{:?} is not one of {}",
                    unit.attestation,
                    ATTESTATIONS.join(", ")
                ),
            });
        }
        self.write_relaxed(|tx| {
            let run = run_row(tx, &unit.run_id)?;
            if run.finished {
                return Err(StoreError::RunFinished(unit.run_id.clone()));
            }
            let mut rework_of = None;
            if let Some((existing, status)) = active_unit(tx, DuplicateField::Serial, &unit.serial)?
            {
                match (status, unit.rework) {
                    (UnitStatus::Pass, true) => rework_of = Some(existing),
                    (UnitStatus::InProgress, true) => {
                        return Err(StoreError::InvalidState {
                            unit: existing,
                            expected: UnitStatus::Pass,
                            found: status,
                        });
                    }
                    _ => {
                        return Err(StoreError::Duplicate {
                            field: DuplicateField::Serial,
                            value: unit.serial.clone(),
                            existing,
                            status,
                        });
                    }
                }
            }
            if let Some(ek) = ek_sha256
                && let Some((existing, status)) =
                    active_unit(tx, DuplicateField::EndorsementKey, ek)?
                && Some(existing) != rework_of
            {
                // The same TPM in another unit: a cloned or transplanted TPM.
                return Err(StoreError::Duplicate {
                    field: DuplicateField::EndorsementKey,
                    value: ek.to_owned(),
                    existing,
                    status,
                });
            }
            if let Some((existing, status)) =
                active_unit(tx, DuplicateField::RegistrationId, &unit.registration_id)?
                && Some(existing) != rework_of
            {
                // A registration ID held by a unit with another serial is never reworked
                // away: two devices would share one DPS identity.
                return Err(StoreError::Duplicate {
                    field: DuplicateField::RegistrationId,
                    value: unit.registration_id.clone(),
                    existing,
                    status,
                });
            }
            if let Some(device_id) = claims.device_id
                && let Some((existing, status)) =
                    active_unit(tx, DuplicateField::DeviceId, device_id)?
                && Some(existing) != rework_of
            {
                // Two devices under one IoT Hub identity: a device ID template whose parts
                // run together (`{model}{serial}`), or a board reporting another's strings.
                return Err(StoreError::Duplicate {
                    field: DuplicateField::DeviceId,
                    value: device_id.to_owned(),
                    existing,
                    status,
                });
            }
            if let Some(revoked_by) =
                super::handouts::revoked_registration(tx, &unit.registration_id)?
            {
                // DPS refuses this registration ID for good (a disabled enrollment the station
                // never deletes): a board provisioned under it could never register.
                return Err(StoreError::Revoked {
                    registration_id: unit.registration_id.clone(),
                    unit: revoked_by,
                });
            }

            let now = now();
            let superseded = match rework_of {
                Some(old) => Some(supersede(tx, old, &now)?),
                None => None,
            };
            let id = UnitId(
                tx.prepare_cached(
                    "INSERT INTO units (run_id, slot, serial, product, registration_id,
                         attestation, work_order, operator, station_id, status, rework_of,
                         identity_json, started_at, ek_sha256, device_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'in_progress', ?10, ?11, ?12,
                         ?13, ?14)",
                )?
                .insert(params![
                    unit.run_id.as_str(),
                    unit.slot,
                    unit.serial,
                    unit.product,
                    unit.registration_id,
                    unit.attestation,
                    unit.work_order,
                    unit.operator,
                    unit.station_id,
                    rework_of.map(|u| u.0),
                    unit.identity_json,
                    now,
                    ek_sha256,
                    claims.device_id,
                ])?,
            );
            if let (Some(old), Some(superseded)) = (rework_of, superseded) {
                audit::append(
                    tx,
                    &unit.station_id,
                    &unit.operator,
                    "unit.rework",
                    &unit.serial,
                    &json!({
                        "unit": id,
                        "reworks": old,
                        "old_registration_id": superseded.registration_id,
                        "old_enrollment": superseded.enrollment.map(|(e, before)| json!({
                            "id": e,
                            "status_before": before,
                            "superseded": before != EnrollmentStatus::Uploaded
                                && before != EnrollmentStatus::Superseded,
                        })),
                    }),
                )?;
            }
            audit::append(
                tx,
                &unit.station_id,
                &unit.operator,
                "unit.start",
                &unit.serial,
                &json!({
                    "unit": id,
                    "run": unit.run_id,
                    "slot": unit.slot,
                    "product": unit.product,
                    "registration_id": unit.registration_id,
                    "attestation": unit.attestation,
                    "work_order": unit.work_order,
                    "rework_of": rework_of,
                    "ek_sha256": ek_sha256,
                }),
            )?;
            tracing::debug!(unit = %id, serial = %unit.serial, slot = unit.slot, "unit started");
            Ok(id)
        })
    }

    /// Records a PASS in one transaction: the steps, status `pass`, the queued enrollment (if
    /// any), audit `unit.pass` and `enrollment.queued`. The PASS and its enrollment commit
    /// together or not at all.
    ///
    /// The enrollment's registration ID must be the unit's, and its payload valid JSON.
    pub fn finish_pass(
        &self,
        unit: UnitId,
        steps: &[StepRecord],
        enrollment: Option<&NewEnrollment>,
    ) -> Result<(), StoreError> {
        if let Some(e) = enrollment {
            serde_json::from_str::<serde::de::IgnoredAny>(&e.payload_json)?;
        }
        self.write(|tx| {
            let u = in_progress_unit(tx, unit)?;
            if u.claimed {
                // A committing unit passes from its claim (`complete_claim`), never from here.
                return Err(StoreError::InvalidState {
                    unit,
                    expected: UnitStatus::InProgress,
                    found: UnitStatus::Committing,
                });
            }
            if let Some(e) = enrollment
                && u.registration_id.as_deref() != Some(e.registration_id.as_str())
            {
                return Err(StoreError::InvalidInput {
                    field: "registration_id",
                    reason: format!(
                        "the enrollment is for {:?} but unit {unit} has {:?}",
                        e.registration_id, u.registration_id
                    ),
                });
            }
            let enrollment_id = record_pass(
                tx,
                unit,
                &u,
                steps,
                enrollment.map(super::rows::PassEnrollment::from),
                json!({}),
            )?;
            tracing::debug!(%unit, enrollment = ?enrollment_id, "unit passed");
            Ok(())
        })
    }

    /// Records a FAIL in one transaction: the steps, status `fail` with the failure, audit
    /// `unit.fail`. Never queues anything; the serial may be started again without a rework.
    pub fn finish_fail(
        &self,
        unit: UnitId,
        steps: &[StepRecord],
        failure: &UnitFailure,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let u = in_progress_unit(tx, unit)?;
            insert_steps(tx, unit, steps)?;
            super::handouts::revoke_unit(tx, unit, &u.station_id, &u.operator, VOID_UNIT_FAILED)?;
            if u.claimed {
                // The board disagreed with the claim, or refused the lock: its enrollment is
                // never queued.
                tx.prepare_cached(
                    "UPDATE claims SET status = 'failed', resolved_at = ?2, resolved_by = ?3,
                         resolution = ?4
                     WHERE unit_id = ?1 AND status = 'open'",
                )?
                .execute(params![unit.0, now(), u.operator, failure.message])?;
            }
            tx.prepare_cached(
                "UPDATE units SET status = 'fail', finished_at = ?2, failed_step = ?3,
                     failure_code = ?4, failure_message = ?5
                 WHERE id = ?1",
            )?
            .execute(params![
                unit.0,
                now(),
                failure.step,
                failure.code,
                failure.message
            ])?;
            audit::append(
                tx,
                &u.station_id,
                &u.operator,
                "unit.fail",
                u.serial.as_deref().unwrap_or_default(),
                &json!({
                    "unit": unit,
                    "run": u.run_id,
                    "slot": u.slot,
                    "registration_id": u.registration_id,
                    "step": failure.step,
                    "code": failure.code,
                    "message": failure.message,
                    "steps": steps.len(),
                }),
            )?;
            tracing::debug!(%unit, step = %failure.step, code = %failure.code, "unit failed");
            Ok(())
        })
    }

    /// Records a slot that failed before a DUT identified itself (e.g. no DUT answered): a
    /// `fail` unit with no serial, product or registration ID, exempt from the uniqueness
    /// rules; operator, station and work order come from the run. Audit `unit.fail` with an
    /// empty subject.
    pub fn record_unidentified_failure(
        &self,
        run: &RunId,
        slot: u16,
        failure: &UnitFailure,
        steps: &[StepRecord],
    ) -> Result<UnitId, StoreError> {
        self.write(|tx| {
            let r = run_row(tx, run)?;
            if r.finished {
                return Err(StoreError::RunFinished(run.clone()));
            }
            let now = now();
            let started_at = steps
                .first()
                .map_or_else(|| now.clone(), |s| fmt_ts(s.started_at));
            let id = UnitId(
                tx.prepare_cached(
                    "INSERT INTO units (run_id, slot, work_order, operator, station_id, status,
                         failed_step, failure_code, failure_message, started_at, finished_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'fail', ?6, ?7, ?8, ?9, ?10)",
                )?
                .insert(params![
                    run.as_str(),
                    slot,
                    r.work_order,
                    r.operator,
                    r.station_id,
                    failure.step,
                    failure.code,
                    failure.message,
                    started_at,
                    now,
                ])?,
            );
            insert_steps(tx, id, steps)?;
            audit::append(
                tx,
                &r.station_id,
                &r.operator,
                "unit.fail",
                "",
                &json!({
                    "unit": id,
                    "run": run,
                    "slot": slot,
                    "unidentified": true,
                    "step": failure.step,
                    "code": failure.code,
                    "message": failure.message,
                    "steps": steps.len(),
                }),
            )?;
            tracing::debug!(unit = %id, slot, code = %failure.code, "unidentified slot failed");
            Ok(id)
        })
    }

    /// Records an identified DUT whose unit could not begin (a duplicate refused, a rework not
    /// allowed): a `fail` unit carrying the serial and registration ID it asked for, exempt
    /// from the uniqueness rules because it never held them. Audit `unit.fail` with the serial
    /// as subject. Also records an identified DUT that failed before its unit could begin (its
    /// TPM could not be read): an empty registration ID is stored as NULL.
    pub fn record_refused_unit(
        &self,
        unit: &NewUnit,
        failure: &UnitFailure,
        steps: &[StepRecord],
    ) -> Result<UnitId, StoreError> {
        self.write(|tx| {
            let r = run_row(tx, &unit.run_id)?;
            if r.finished {
                return Err(StoreError::RunFinished(unit.run_id.clone()));
            }
            let now = now();
            let started_at = steps.first().map_or_else(|| now.clone(), |s| fmt_ts(s.started_at));
            let id = UnitId(
                tx.prepare_cached(
                    "INSERT INTO units (run_id, slot, serial, product, registration_id, attestation,
                         work_order, operator, station_id, status, failed_step, failure_code,
                         failure_message, identity_json, started_at, finished_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'fail', ?10, ?11, ?12, ?13, ?14, ?15)",
                )?
                .insert(params![
                    unit.run_id.as_str(),
                    unit.slot,
                    unit.serial,
                    unit.product,
                    // Empty when it could not be derived (e.g. the TPM was unreadable).
                    (!unit.registration_id.is_empty()).then_some(&unit.registration_id),
                    unit.attestation,
                    unit.work_order,
                    unit.operator,
                    unit.station_id,
                    failure.step,
                    failure.code,
                    failure.message,
                    unit.identity_json,
                    started_at,
                    now,
                ])?,
            );
            insert_steps(tx, id, steps)?;
            audit::append(
                tx,
                &unit.station_id,
                &unit.operator,
                "unit.fail",
                &unit.serial,
                &json!({
                    "unit": id,
                    "run": unit.run_id,
                    "slot": unit.slot,
                    "refused": true,
                    "registration_id": unit.registration_id,
                    "step": failure.step,
                    "code": failure.code,
                    "message": failure.message,
                }),
            )?;
            Ok(id)
        })
    }

    /// Marks every unit still `in_progress` as `interrupted` (audit `unit.interrupted` each)
    /// and returns how many there were. Call once at station start, before any run begins:
    /// such units were left by a station that was killed. Their serials may then be started
    /// again without a rework.
    pub fn mark_interrupted(&self) -> Result<u64, StoreError> {
        let count = self.write(|tx| {
            let stale = {
                let mut stmt = tx.prepare_cached(
                    "SELECT id, serial, station_id, operator, run_id, slot, started_at
                     FROM units u WHERE status = 'in_progress'
                       AND NOT EXISTS (SELECT 1 FROM claims c
                                       WHERE c.unit_id = u.id AND c.status = 'open')
                     ORDER BY id",
                )?;
                stmt.query_map([], |r| {
                    Ok((
                        UnitId(r.get(0)?),
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, u16>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?
            };
            let now = now();
            for (id, serial, station_id, operator, run_id, slot, started_at) in &stale {
                tx.prepare_cached(
                    "UPDATE units SET status = 'interrupted', finished_at = ?2 WHERE id = ?1",
                )?
                .execute(params![id.0, now])?;
                super::handouts::revoke_unit(tx, *id, station_id, operator, VOID_INTERRUPTED)?;
                audit::append(
                    tx,
                    station_id,
                    operator,
                    "unit.interrupted",
                    serial.as_deref().unwrap_or_default(),
                    &json!({ "unit": id, "run": run_id, "slot": slot, "started_at": started_at }),
                )?;
            }
            Ok(stale.len() as u64)
        })?;
        if count > 0 {
            tracing::warn!(
                count,
                "units left in progress by a stopped station marked interrupted"
            );
        }
        Ok(count)
    }

    /// Lists units matching `filter`, newest first.
    pub fn units(&self, filter: &UnitFilter) -> Result<Vec<UnitSummary>, StoreError> {
        self.read(|conn| {
            let sql = format!(
                "SELECT {UNIT_COLUMNS} FROM units
                 WHERE (?1 IS NULL OR run_id = ?1) AND (?2 IS NULL OR {UNIT_STATUS} = ?2)
                   AND (?3 IS NULL OR serial = ?3)
                 ORDER BY id DESC LIMIT ?4"
            );
            let limit = filter.limit.map_or(-1, i64::from);
            let units = conn
                .prepare_cached(&sql)?
                .query_map(
                    params![
                        filter.run.as_ref().map(RunId::as_str),
                        filter.status.map(UnitStatus::as_str),
                        filter.serial,
                        limit
                    ],
                    summary_from_row,
                )?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(units)
        })
    }

    /// Units whose serial, registration ID or work order contains `text` (any case; `%` and
    /// `_` match themselves), of `status` when given, newest first, at most `limit`. A search
    /// reads every unit (no index serves a substring): about a second for a million units.
    pub fn search_units(
        &self,
        text: &str,
        status: Option<UnitStatus>,
        limit: u32,
    ) -> Result<Vec<UnitSummary>, StoreError> {
        let escaped: String = text
            .trim()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let pattern = format!("%{escaped}%");
        self.read(|conn| {
            let sql = format!(
                "SELECT {UNIT_COLUMNS} FROM units
                 WHERE (serial LIKE ?1 ESCAPE '\\' OR registration_id LIKE ?1 ESCAPE '\\'
                        OR work_order LIKE ?1 ESCAPE '\\')
                   AND (?2 IS NULL OR {UNIT_STATUS} = ?2)
                 ORDER BY id DESC LIMIT ?3"
            );
            Ok(conn
                .prepare_cached(&sql)?
                .query_map(
                    params![pattern, status.map(UnitStatus::as_str), i64::from(limit)],
                    summary_from_row,
                )?
                .collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// One unit with its steps (in run order) and its enrollment, or `None` if there is no
    /// such unit.
    pub fn unit(&self, id: UnitId) -> Result<Option<UnitDetail>, StoreError> {
        self.read(|conn| {
            let sql =
                format!("SELECT {UNIT_COLUMNS}, identity_json, ek_sha256 FROM units WHERE id = ?1");
            let Some((summary, identity_json, ek_sha256)) = conn
                .prepare_cached(&sql)?
                .query_row([id.0], |r| {
                    Ok((
                        summary_from_row(r)?,
                        r.get(UNIT_COLUMN_COUNT)?,
                        r.get(UNIT_COLUMN_COUNT + 1)?,
                    ))
                })
                .optional()?
            else {
                return Ok(None);
            };
            let steps = conn
                .prepare_cached(
                    "SELECT step, outcome, started_at, duration_ms, detail
                     FROM steps WHERE unit_id = ?1 ORDER BY seq",
                )?
                .query_map([id.0], step_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            let sql = format!("SELECT {ENROLLMENT_COLUMNS} FROM enrollments WHERE unit_id = ?1");
            let enrollment = conn
                .prepare_cached(&sql)?
                .query_row([id.0], enrollment_from_row)
                .optional()?;
            let register_check = Store::register_check_of(conn, id)?;
            Ok(Some(UnitDetail {
                summary,
                identity_json,
                ek_sha256,
                steps,
                enrollment,
                register_check,
            }))
        })
    }
}

/// A unit's status as read back: `committing` while it holds an open claim.
const UNIT_STATUS: &str = unit_status_sql!();

const UNIT_COLUMNS: &str = concat!(
    "id, run_id, slot, serial, product, registration_id, attestation, ",
    unit_status_sql!(),
    ", failed_step, failure_code, failure_message, work_order, operator, station_id, \
     started_at, finished_at, rework_of"
);
const UNIT_COLUMN_COUNT: usize = 17;

fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<UnitSummary> {
    Ok(UnitSummary {
        id: UnitId(r.get(0)?),
        run_id: RunId(r.get(1)?),
        slot: r.get(2)?,
        serial: r.get(3)?,
        product: r.get(4)?,
        registration_id: r.get(5)?,
        attestation: r.get(6)?,
        status: parse_col(r, 7)?,
        failed_step: r.get(8)?,
        failure_code: r.get(9)?,
        failure_message: r.get(10)?,
        work_order: r.get(11)?,
        operator: r.get(12)?,
        station_id: r.get(13)?,
        started_at: r.get::<_, Ts>(14)?.0,
        finished_at: r.get::<_, Option<Ts>>(15)?.map(|t| t.0),
        rework_of: r.get::<_, Option<i64>>(16)?.map(UnitId),
    })
}

fn step_from_row(r: &Row<'_>) -> rusqlite::Result<StepRecord> {
    let outcome: String = r.get(1)?;
    let ms: f64 = r.get(3)?;
    let duration = Duration::try_from_secs_f64(ms / 1000.0).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Real, Box::new(e))
    })?;
    Ok(StepRecord {
        step: r.get(0)?,
        ok: outcome == "ok",
        started_at: r.get::<_, Ts>(2)?.0,
        duration,
        detail: r.get(4)?,
    })
}

/// The run columns the store needs.
struct RunRow {
    station_id: String,
    operator: String,
    work_order: Option<String>,
    finished: bool,
}

fn run_row(conn: &Connection, id: &RunId) -> Result<RunRow, StoreError> {
    conn.prepare_cached(
        "SELECT station_id, operator, work_order, finished_at IS NOT NULL FROM runs WHERE id = ?1",
    )?
    .query_row([id.as_str()], |r| {
        Ok(RunRow {
            station_id: r.get(0)?,
            operator: r.get(1)?,
            work_order: r.get(2)?,
            finished: r.get(3)?,
        })
    })
    .optional()?
    .ok_or_else(|| StoreError::UnknownRun(id.clone()))
}

/// The `pass` or `in_progress` unit holding a serial or registration ID, if any.
fn active_unit(
    conn: &Connection,
    field: DuplicateField,
    value: &str,
) -> Result<Option<(UnitId, UnitStatus)>, StoreError> {
    let sql = match field {
        DuplicateField::RegistrationId => {
            concat!(
                "SELECT id, ",
                unit_status_sql!(),
                " FROM units WHERE registration_id = ?1 AND status IN ('in_progress', 'pass')
                 ORDER BY id DESC LIMIT 1"
            )
        }
        DuplicateField::Serial => {
            concat!(
                "SELECT id, ",
                unit_status_sql!(),
                " FROM units WHERE serial = ?1 AND status IN ('in_progress', 'pass')
                 ORDER BY id DESC LIMIT 1"
            )
        }
        DuplicateField::EndorsementKey => {
            concat!(
                "SELECT id, ",
                unit_status_sql!(),
                " FROM units WHERE ek_sha256 = ?1 AND status IN ('in_progress', 'pass')
                 ORDER BY id DESC LIMIT 1"
            )
        }
        DuplicateField::DeviceId => {
            concat!(
                "SELECT id, ",
                unit_status_sql!(),
                " FROM units WHERE device_id = ?1 AND status IN ('in_progress', 'pass')
                 ORDER BY id DESC LIMIT 1"
            )
        }
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row([value], |r| Ok((UnitId(r.get(0)?), parse_col(r, 1)?)))
        .optional()?)
}

/// What superseding a passed unit changed.
struct Superseded {
    registration_id: Option<String>,
    /// The old unit's enrollment and its status before the rework.
    enrollment: Option<(EnrollmentId, EnrollmentStatus)>,
}

/// Marks a passed unit `superseded`, and its enrollment too unless it already reached DPS.
fn supersede(conn: &Connection, old: UnitId, now: &str) -> Result<Superseded, StoreError> {
    let registration_id: Option<String> = conn
        .prepare_cached("SELECT registration_id FROM units WHERE id = ?1")?
        .query_row([old.0], |r| r.get(0))?;
    conn.prepare_cached("UPDATE units SET status = 'superseded' WHERE id = ?1")?
        .execute([old.0])?;
    let enrollment: Option<(EnrollmentId, EnrollmentStatus)> = conn
        .prepare_cached("SELECT id, status FROM enrollments WHERE unit_id = ?1")?
        .query_row([old.0], |r| Ok((EnrollmentId(r.get(0)?), parse_col(r, 1)?)))
        .optional()?;
    if let Some((id, EnrollmentStatus::Queued | EnrollmentStatus::Conflict)) = enrollment {
        conn.prepare_cached(
            "UPDATE enrollments SET status = 'superseded', updated_at = ?2 WHERE id = ?1",
        )?
        .execute(params![id.0, now])?;
    }
    Ok(Superseded {
        registration_id,
        enrollment,
    })
}
