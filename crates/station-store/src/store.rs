//! The [`Store`]: one SQLite connection behind a mutex, one transaction per state change.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditEntry, AuditReport, AuditRow, AuditSeq};
use crate::error::{DuplicateField, StoreError};
use crate::schema;
use crate::types::{
    ATTESTATIONS, CertificateId, EnrollmentId, EnrollmentStatus, ExportFilter, ExportRecord,
    IssuedCertificateRecord, NewCertificate, NewEnrollment, NewRun, NewUnit, QueueOverview,
    QueueStats, QueuedEnrollment, RunId, StepRecord, UnitDetail, UnitFailure, UnitFilter, UnitId,
    UnitStatus, UnitSummary, UploadResult,
};

pub(crate) mod line;
pub(crate) mod operators;
pub(crate) mod reports;

/// How long a statement waits for another process's write lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection; more than the store has, so none is re-prepared.
const STATEMENT_CACHE_CAPACITY: usize = 64;

/// The station database: runs, units, steps, the enrollment queue and the audit chain.
///
/// One `Store` owns one SQLite connection behind a mutex, so it is `Send + Sync` and every method
/// takes `&self`; slots running in threads share an `Arc<Store>`. Each state change is one
/// `IMMEDIATE` transaction that also writes its audit rows, so a change and its audit record
/// commit together or not at all, and two processes on the same file serialise cleanly.
///
/// The file is opened in WAL mode, foreign keys on and a [`BUSY_TIMEOUT`]. Durability is a
/// group commit: a state change commits with `synchronous=NORMAL` (no fsync inside the
/// connection lock), then the method returns only after the write-ahead log has been fsynced
/// past that commit. Threads finishing together share one fsync, so a committed PASS survives
/// a power cut, as with `synchronous=FULL`, without 32 slots queueing one fsync each.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// Commits made so far (incremented under the connection lock).
    committed: std::sync::atomic::AtomicU64,
    /// The highest commit number known to be on disk; held while fsyncing.
    synced: Mutex<u64>,
}

impl Store {
    /// Opens (creating it and its parent directories if needed) and migrates the database.
    ///
    /// Opening does not touch units left `in_progress` by a station that was killed: call
    /// [`Store::mark_interrupted`] once at station start, when no run is active. (A second
    /// process, e.g. `station queue`, may open the same file while a run is going.)
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_owned(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NotWal {
                path: path.to_owned(),
                mode,
            });
        }
        // Durability comes from `Store::write`'s own fsync of the WAL (group commit).
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        schema::migrate(&mut conn)?;
        tracing::info!(path = %path.display(), version = schema::LATEST, "station database open");
        Ok(Store {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            committed: std::sync::atomic::AtomicU64::new(0),
            synced: Mutex::new(0),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

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
        self.begin_unit_with_ek(unit, None)
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
        self.begin_unit_with_ek(unit, Some(&ek_sha256.to_ascii_lowercase()))
    }

    fn begin_unit_with_ek(
        &self,
        unit: &NewUnit,
        ek_sha256: Option<&str>,
    ) -> Result<UnitId, StoreError> {
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

            let now = now();
            let superseded = match rework_of {
                Some(old) => Some(supersede(tx, old, &now)?),
                None => None,
            };
            let id = UnitId(
                tx.prepare_cached(
                    "INSERT INTO units (run_id, slot, serial, product, registration_id,
                         attestation, work_order, operator, station_id, status, rework_of,
                         identity_json, started_at, ek_sha256)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'in_progress', ?10, ?11, ?12,
                         ?13)",
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
        let payload_sha256 = match enrollment {
            Some(e) => {
                serde_json::from_str::<serde::de::IgnoredAny>(&e.payload_json)?;
                Some(hex(&Sha256::digest(e.payload_json.as_bytes())))
            }
            None => None,
        };
        self.write(|tx| {
            let u = in_progress_unit(tx, unit)?;
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
            let now = now();
            insert_steps(tx, unit, steps)?;
            tx.prepare_cached("UPDATE units SET status = 'pass', finished_at = ?2 WHERE id = ?1")?
                .execute(params![unit.0, now])?;
            let enrollment_id = match enrollment {
                Some(e) => Some(EnrollmentId(
                    tx.prepare_cached(
                        "INSERT INTO enrollments (unit_id, registration_id, payload_json, status,
                             created_at, updated_at)
                         VALUES (?1, ?2, ?3, 'queued', ?4, ?4)",
                    )?
                    .insert(params![
                        unit.0,
                        e.registration_id,
                        e.payload_json,
                        now
                    ])?,
                )),
                None => None,
            };
            let subject = u.serial.as_deref().unwrap_or_default();
            audit::append(
                tx,
                &u.station_id,
                &u.operator,
                "unit.pass",
                subject,
                &json!({
                    "unit": unit,
                    "run": u.run_id,
                    "slot": u.slot,
                    "registration_id": u.registration_id,
                    "steps": steps.len(),
                    "enrollment": enrollment_id,
                }),
            )?;
            if let (Some(id), Some(e)) = (enrollment_id, enrollment) {
                audit::append(
                    tx,
                    &u.station_id,
                    &u.operator,
                    "enrollment.queued",
                    &e.registration_id,
                    &json!({
                        "enrollment": id,
                        "unit": unit,
                        "serial": u.serial,
                        "payload_sha256": payload_sha256,
                    }),
                )?;
            }
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
            void_certificates(tx, unit, &u.station_id, &u.operator)?;
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
                     FROM units WHERE status = 'in_progress' ORDER BY id",
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
                 WHERE (?1 IS NULL OR run_id = ?1) AND (?2 IS NULL OR status = ?2)
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
            Ok(Some(UnitDetail {
                summary,
                identity_json,
                ek_sha256,
                steps,
                enrollment,
            }))
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
            tx.prepare_cached(
                "UPDATE enrollments SET status = 'queued', last_error = NULL, updated_at = ?2
                 WHERE id = ?1",
            )?
            .execute(params![id.0, now()])?;
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

    /// Claims up to `max` `queued` enrollments that no uploader holds, oldest first, and marks
    /// them in flight. Only one uploader may claim from a database at a time (the uploader
    /// holds a lock file); rows it leaves in flight when it stops are released by
    /// [`Store::release_in_flight`] at the next start.
    pub fn claim_enrollments(&self, max: usize) -> Result<Vec<QueuedEnrollment>, StoreError> {
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        self.write_relaxed(|tx| {
            let sql = format!(
                "SELECT {ENROLLMENT_COLUMNS} FROM enrollments
                 WHERE status = 'queued' AND in_flight_since IS NULL ORDER BY id LIMIT ?1"
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
    pub fn complete_uploads(
        &self,
        actor: &str,
        results: &[(EnrollmentId, UploadResult)],
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let now = now();
            for (id, result) in results {
                let e = enrollment_state(tx, *id)?;
                match result {
                    UploadResult::Uploaded { already_present } => {
                        if e.status == EnrollmentStatus::Uploaded {
                            tx.prepare_cached(
                                "UPDATE enrollments SET in_flight_since = NULL WHERE id = ?1",
                            )?
                            .execute([id.0])?;
                            continue;
                        }
                        tx.prepare_cached(
                            "UPDATE enrollments SET status = 'uploaded', attempts = attempts + 1,
                                 last_error = NULL, updated_at = ?2, in_flight_since = NULL
                             WHERE id = ?1",
                        )?
                        .execute(params![id.0, now])?;
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
                            }),
                        )?;
                    }
                    UploadResult::Conflict { reason } => {
                        if e.status != EnrollmentStatus::Queued {
                            tx.prepare_cached(
                                "UPDATE enrollments SET in_flight_since = NULL WHERE id = ?1",
                            )?
                            .execute([id.0])?;
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
        // The statuses are the enum's own fixed strings, never user text.
        let statuses: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let sql = format!(
            "SELECT e.id, e.unit_id, e.registration_id, e.payload_json, e.status, e.created_at,
                    u.serial, u.work_order, u.station_id
             FROM enrollments e JOIN units u ON u.id = e.unit_id
             WHERE (?1 IS NULL OR u.work_order = ?1)
               AND (?2 IS NULL OR e.created_at >= ?2)
               AND (?3 IS NULL OR e.created_at < ?3)
               AND e.status IN ({})
             ORDER BY e.id",
            statuses.join(", ")
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

    /// Records a certificate about to be sent to a DUT, in one durable transaction with its
    /// audit row `certificate.issued`: the certificate is on disk and in the audit chain before
    /// it leaves the station.
    ///
    /// The unit must be `in_progress`; work order, operator and station come from it. With a
    /// `quota`, the unit's work order may hold at most that many certificates (void ones count):
    /// one more is [`StoreError::QuotaReached`], and a unit without a work order is
    /// [`StoreError::InvalidInput`]. A serial already recorded is
    /// [`StoreError::CertificateSerialTaken`]. Check and insert are one transaction, so two
    /// slots racing for the last certificate of a quota cannot both get it.
    pub fn issue_certificate(
        &self,
        cert: &NewCertificate,
        quota: Option<u64>,
    ) -> Result<CertificateId, StoreError> {
        require_non_empty("serial", &cert.serial)?;
        if cert.sha256.len() != 64 {
            return Err(StoreError::InvalidInput {
                field: "sha256",
                reason: "must be 64 hex characters".to_owned(),
            });
        }
        self.write(|tx| {
            let u = in_progress_unit(tx, cert.unit_id)?;
            let work_order: Option<String> = tx
                .prepare_cached("SELECT work_order FROM units WHERE id = ?1")?
                .query_row([cert.unit_id.0], |r| r.get(0))?;
            if let Some(quota) = quota {
                let Some(wo) = work_order.as_deref() else {
                    return Err(StoreError::InvalidInput {
                        field: "work_order",
                        reason: "a certificate quota needs a work order".to_owned(),
                    });
                };
                let issued = count_certificates(tx, wo)?;
                if issued >= quota {
                    return Err(StoreError::QuotaReached {
                        work_order: wo.to_owned(),
                        quota,
                        issued,
                    });
                }
            }
            let taken = tx
                .prepare_cached("SELECT 1 FROM issued_certificates WHERE serial = ?1")?
                .exists([cert.serial.as_str()])?;
            if taken {
                return Err(StoreError::CertificateSerialTaken {
                    serial: cert.serial.clone(),
                });
            }
            let now = now();
            let id = CertificateId(
                tx.prepare_cached(
                    "INSERT INTO issued_certificates (serial, subject, sha256, work_order,
                         operator, station_id, unit_id, ca_id, not_before, not_after, issued_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?
                .insert(params![
                    cert.serial,
                    cert.subject,
                    cert.sha256,
                    work_order,
                    u.operator,
                    u.station_id,
                    cert.unit_id.0,
                    cert.ca_id,
                    fmt_ts(cert.not_before),
                    fmt_ts(cert.not_after),
                    now,
                ])?,
            );
            audit::append(
                tx,
                &u.station_id,
                &u.operator,
                "certificate.issued",
                u.serial.as_deref().unwrap_or_default(),
                &json!({
                    "certificate": id,
                    "serial": cert.serial,
                    "subject": cert.subject,
                    "sha256": cert.sha256,
                    "work_order": work_order,
                    "unit": cert.unit_id,
                    "registration_id": u.registration_id,
                    "ca": cert.ca_id,
                    "not_after": fmt_ts(cert.not_after),
                }),
            )?;
            tracing::debug!(unit = %cert.unit_id, serial = %cert.serial, "certificate recorded");
            Ok(id)
        })
    }

    /// How many certificates were issued under `work_order` (void ones included).
    pub fn certificates_issued(&self, work_order: &str) -> Result<u64, StoreError> {
        self.read(|conn| count_certificates(conn, work_order))
    }

    /// Issued certificates, oldest first: all of them, or only those of `unit`.
    pub fn issued_certificates(
        &self,
        unit: Option<UnitId>,
    ) -> Result<Vec<IssuedCertificateRecord>, StoreError> {
        self.read(|conn| {
            let rows = conn
                .prepare_cached(
                    "SELECT id, serial, subject, sha256, work_order, operator, station_id,
                         unit_id, ca_id, not_before, not_after, issued_at, status
                     FROM issued_certificates WHERE (?1 IS NULL OR unit_id = ?1) ORDER BY id",
                )?
                .query_map([unit.map(|u| u.0)], |r| {
                    Ok(IssuedCertificateRecord {
                        id: CertificateId(r.get(0)?),
                        serial: r.get(1)?,
                        subject: r.get(2)?,
                        sha256: r.get(3)?,
                        work_order: r.get(4)?,
                        operator: r.get(5)?,
                        station_id: r.get(6)?,
                        unit_id: UnitId(r.get(7)?),
                        ca_id: r.get(8)?,
                        not_before: r.get::<_, Ts>(9)?.0,
                        not_after: r.get::<_, Ts>(10)?.0,
                        issued_at: r.get::<_, Ts>(11)?.0,
                        status: r.get(12)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

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

    /// The newest `limit` audit rows, newest first, for display.
    pub fn audit_rows(&self, limit: u32) -> Result<Vec<AuditRow>, StoreError> {
        self.read(|conn| audit::newest(conn, limit))
    }

    /// Runs `f` in an `IMMEDIATE` transaction and commits if it returns `Ok`.
    /// Runs `f` in one `IMMEDIATE` transaction and commits it without waiting for the disk:
    /// it survives a crash of the station, and a power cut may only drop it together with
    /// everything after it (the log is flushed in order). Used for a unit's in-progress claim,
    /// which is worthless without the durable PASS that follows it.
    fn write_relaxed<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.commit(f).map(|(out, _)| out)
    }

    /// Runs `f` in one `IMMEDIATE` transaction and returns once the commit is on disk.
    fn write<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (out, seq) = self.commit(f)?;
        self.sync_through(seq)?;
        Ok(out)
    }

    fn commit<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<(T, u64), StoreError> {
        use std::sync::atomic::Ordering;
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok((out, self.committed.fetch_add(1, Ordering::SeqCst) + 1))
    }

    /// Makes every commit up to `seq` durable: fsyncs the write-ahead log unless another
    /// thread's fsync, started after that commit, already did.
    fn sync_through(&self, seq: u64) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering;
        let mut synced = self.synced.lock().unwrap_or_else(PoisonError::into_inner);
        if *synced >= seq {
            return Ok(());
        }
        // Everything committed before this point is in the log file's page cache.
        let target = self.committed.load(Ordering::SeqCst);
        let wal = wal_path(&self.path);
        let sync = std::fs::File::open(&wal).and_then(|f| f.sync_data());
        sync.map_err(|source| StoreError::Sync { path: wal, source })?;
        *synced = target;
        Ok(())
    }

    /// Runs `f` in a read transaction, so several queries see one snapshot.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A thread that panicked while holding the lock dropped its transaction, which rolled
        // back, so the connection is still consistent: recover it instead of poisoning every
        // slot.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
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
        oldest_queued_at,
    })
}

/// The write-ahead log of the database at `db`.
fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// A timestamp column, stored as RFC 3339 text.
pub(crate) struct Ts(pub(crate) DateTime<Utc>);

impl FromSql for Ts {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        DateTime::parse_from_rfc3339(text)
            .map(|t| Ts(t.with_timezone(&Utc)))
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// Formats a timestamp the way every column stores it: UTC, microseconds, `Z`.
pub(crate) fn fmt_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn now() -> String {
    fmt_ts(Utc::now())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            // Writing to a String cannot fail.
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn require_non_empty(field: &'static str, value: &str) -> Result<(), StoreError> {
    if value.trim().is_empty() {
        return Err(StoreError::InvalidInput {
            field,
            reason: "must not be empty".to_owned(),
        });
    }
    Ok(())
}

/// A status column parsed with `FromStr`.
fn parse_col<T>(r: &Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = r.get(idx)?;
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

const UNIT_COLUMNS: &str = "id, run_id, slot, serial, product, registration_id, attestation, \
     status, failed_step, failure_code, failure_message, work_order, operator, station_id, \
     started_at, finished_at, rework_of";
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

const ENROLLMENT_COLUMNS: &str = "id, unit_id, registration_id, payload_json, status, created_at, \
     updated_at, attempts, last_error";

fn enrollment_from_row(r: &Row<'_>) -> rusqlite::Result<QueuedEnrollment> {
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
    })
}

fn insert_steps(conn: &Connection, unit: UnitId, steps: &[StepRecord]) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO steps (unit_id, seq, step, outcome, started_at, duration_ms, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (seq, step) in steps.iter().enumerate() {
        stmt.execute(params![
            unit.0,
            // A slice never holds more than isize::MAX elements, so this cannot wrap.
            seq as i64,
            step.step,
            if step.ok { "ok" } else { "failed" },
            fmt_ts(step.started_at),
            step.duration.as_secs_f64() * 1000.0,
            step.detail,
        ])?;
    }
    Ok(())
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
            "SELECT id, status FROM units
             WHERE registration_id = ?1 AND status IN ('in_progress', 'pass')
             ORDER BY id DESC LIMIT 1"
        }
        DuplicateField::Serial => {
            "SELECT id, status FROM units
             WHERE serial = ?1 AND status IN ('in_progress', 'pass')
             ORDER BY id DESC LIMIT 1"
        }
        DuplicateField::EndorsementKey => {
            "SELECT id, status FROM units
             WHERE ek_sha256 = ?1 AND status IN ('in_progress', 'pass')
             ORDER BY id DESC LIMIT 1"
        }
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row([value], |r| Ok((UnitId(r.get(0)?), parse_col(r, 1)?)))
        .optional()?)
}

fn count_certificates(conn: &Connection, work_order: &str) -> Result<u64, StoreError> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM issued_certificates WHERE work_order = ?1")?
        .query_row([work_order], |r| r.get(0))?;
    Ok(n.unsigned_abs())
}

/// Marks the certificates of a failing unit `void` (audit `certificate.void` each): they were
/// issued but the unit never passed, so this station never put them in service.
fn void_certificates(
    conn: &Connection,
    unit: UnitId,
    station_id: &str,
    operator: &str,
) -> Result<(), StoreError> {
    let serials = conn
        .prepare_cached(
            "SELECT serial FROM issued_certificates WHERE unit_id = ?1 AND status = 'issued'",
        )?
        .query_map([unit.0], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for serial in serials {
        conn.prepare_cached("UPDATE issued_certificates SET status = 'void' WHERE serial = ?1")?
            .execute([serial.as_str()])?;
        audit::append(
            conn,
            station_id,
            operator,
            "certificate.void",
            &serial,
            &json!({ "unit": unit, "serial": serial, "reason": "unit failed after issuance" }),
        )?;
    }
    Ok(())
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

/// The unit columns a finishing transaction needs.
struct UnitCtx {
    run_id: String,
    slot: u16,
    serial: Option<String>,
    registration_id: Option<String>,
    operator: String,
    station_id: String,
}

/// Loads a unit that must be `in_progress`.
fn in_progress_unit(conn: &Connection, unit: UnitId) -> Result<UnitCtx, StoreError> {
    let (status, ctx) = conn
        .prepare_cached(
            "SELECT status, run_id, slot, serial, registration_id, operator, station_id
             FROM units WHERE id = ?1",
        )?
        .query_row([unit.0], |r| {
            Ok((
                parse_col::<UnitStatus>(r, 0)?,
                UnitCtx {
                    run_id: r.get(1)?,
                    slot: r.get(2)?,
                    serial: r.get(3)?,
                    registration_id: r.get(4)?,
                    operator: r.get(5)?,
                    station_id: r.get(6)?,
                },
            ))
        })
        .optional()?
        .ok_or(StoreError::UnknownUnit(unit))?;
    if status != UnitStatus::InProgress {
        return Err(StoreError::InvalidState {
            unit,
            expected: UnitStatus::InProgress,
            found: status,
        });
    }
    Ok(ctx)
}

/// The enrollment columns a queue transition needs.
struct EnrollmentState {
    unit_id: UnitId,
    registration_id: String,
    status: EnrollmentStatus,
    station_id: String,
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
        "SELECT e.unit_id, e.registration_id, e.status, u.station_id
         FROM enrollments e JOIN units u ON u.id = e.unit_id WHERE e.id = ?1",
    )?
    .query_row([id.0], |r| {
        Ok(EnrollmentState {
            unit_id: UnitId(r.get(0)?),
            registration_id: r.get(1)?,
            status: parse_col(r, 2)?,
            station_id: r.get(3)?,
        })
    })
    .optional()?
    .ok_or(StoreError::UnknownEnrollment(id))
}
