//! Write-ahead claims: the outcome a unit is about to make true on its board, on disk before
//! the irreversible step (the lock) leaves the station, so a station killed at any instant
//! loses and duplicates nothing.
//!
//! A claim is `open` from [`Store::claim_unit`] until one of:
//! - [`Store::complete_claim`]: the board was locked (now, or found locked and matching when it
//!   came back); the unit passes and the claimed enrollment is queued;
//! - [`Store::finish_fail`]: the board refused the lock or disagrees with the claim; nothing is
//!   queued and its certificate is void;
//! - [`Store::void_claim`]: a supervisor says the board is gone; nothing is queued and its
//!   certificate is void.
//!
//! While it is open its unit reads back as `committing` and keeps its serial, registration ID
//! and EK reserved; [`Store::mark_interrupted`] leaves it alone.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::handouts::revoke_unit;
use super::rows::{in_progress_unit, insert_steps, record_pass};
use super::{Store, Unsynced};
use crate::audit;
use crate::error::StoreError;
use crate::sql::{Ts, now, parse_col};
use crate::types::{EnrollmentId, NewEnrollment, StepRecord, UnitId, UnitStatus};

/// What a unit is about to make true on its board, committed before the lock.
///
/// `Debug` shows no secret: settings are digests, and the enrollment shows only its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClaim {
    /// Every `dps/*` setting written to the board: name → lower-case hex SHA-256 of the value
    /// (see [`setting_digest`]).
    pub settings: BTreeMap<String, String>,
    /// X.509: the SHA-256 of the installed leaf certificate (lower-case hex).
    pub certificate_sha256: Option<String>,
    /// TPM: the SHA-256 of the EK's marshalled `TPM2B_PUBLIC` (lower-case hex).
    pub ek_sha256: Option<String>,
    /// The individual enrollment queued on PASS; `None` for group-enrollment products.
    pub enrollment: Option<NewEnrollment>,
}

/// The digest a claim keeps of a setting's value: lower-case hex SHA-256.
#[must_use]
pub fn setting_digest(value: &[u8]) -> String {
    hex::encode(Sha256::digest(value))
}

/// Where a claim is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClaimStatus {
    /// Waiting for its board.
    Open,
    /// The unit passed from it.
    Completed,
    /// The board disagreed or refused the lock; nothing was queued.
    Failed,
    /// A supervisor said the board is gone; nothing was queued.
    Voided,
}

impl ClaimStatus {
    /// The database string.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Voided => "voided",
        }
    }
}

impl std::str::FromStr for ClaimStatus {
    type Err = crate::ParseStatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "open" => Self::Open,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "voided" => Self::Voided,
            _ => {
                return Err(crate::ParseStatusError {
                    kind: "claim",
                    value: s.to_owned(),
                });
            }
        })
    }
}

/// A claim as stored, with its unit's context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimRecord {
    /// The unit.
    pub unit_id: UnitId,
    /// The board's serial.
    pub serial: String,
    /// The registration ID written to it.
    pub registration_id: String,
    /// The unit's product.
    pub product: Option<String>,
    /// The slot it was in.
    pub slot: u16,
    /// The run it was claimed in.
    pub run_id: String,
    /// The operator of that run.
    pub operator: String,
    /// The station.
    pub station_id: String,
    /// The unit's work order.
    pub work_order: Option<String>,
    /// Setting digests (name → hex SHA-256).
    pub settings: BTreeMap<String, String>,
    /// X.509 leaf thumbprint.
    pub certificate_sha256: Option<String>,
    /// TPM EK digest.
    pub ek_sha256: Option<String>,
    /// Whether an enrollment is queued when the claim completes.
    pub has_enrollment: bool,
    /// Where the claim is.
    pub status: ClaimStatus,
    /// When it was committed.
    pub created_at: DateTime<Utc>,
    /// The supervisor who said the board will be brought back, and when.
    pub waiting: Option<(String, DateTime<Utc>)>,
    /// How it was resolved (a message), once it is.
    pub resolution: Option<String>,
}

const CLAIM_COLUMNS: &str = "c.unit_id, c.serial, c.registration_id, u.product, u.slot, u.run_id, \
     u.operator, u.station_id, u.work_order, c.settings_json, c.certificate_sha256, c.ek_sha256, \
     c.enrollment_json IS NOT NULL, c.status, c.created_at, c.waiting_by, c.waiting_at, \
     c.resolution";

fn claim_from_row(r: &Row<'_>) -> rusqlite::Result<ClaimRecord> {
    let settings: String = r.get(9)?;
    let settings = serde_json::from_str(&settings).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(9, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let waiting_by: Option<String> = r.get(15)?;
    let waiting_at: Option<Ts> = r.get(16)?;
    Ok(ClaimRecord {
        unit_id: UnitId(r.get(0)?),
        serial: r.get(1)?,
        registration_id: r.get(2)?,
        product: r.get(3)?,
        slot: r.get(4)?,
        run_id: r.get(5)?,
        operator: r.get(6)?,
        station_id: r.get(7)?,
        work_order: r.get(8)?,
        settings,
        certificate_sha256: r.get(10)?,
        ek_sha256: r.get(11)?,
        has_enrollment: r.get(12)?,
        status: parse_col(r, 13)?,
        created_at: r.get::<_, Ts>(14)?.0,
        waiting: waiting_by.zip(waiting_at.map(|t| t.0)),
        resolution: r.get(17)?,
    })
}

/// An open claim as a state change needs it: the record and the enrollment payload to queue.
struct OpenClaim {
    record: ClaimRecord,
    enrollment_json: Option<String>,
    enrollment_sealed: Option<Vec<u8>>,
    enrollment_sealed_to: Option<String>,
}

fn open_claim_of(conn: &Connection, unit: UnitId) -> Result<OpenClaim, StoreError> {
    let sql = format!(
        "SELECT {CLAIM_COLUMNS}, c.enrollment_json, c.enrollment_sealed, c.enrollment_sealed_to
         FROM claims c JOIN units u ON u.id = c.unit_id
         WHERE c.unit_id = ?1"
    );
    let claim = conn
        .prepare_cached(&sql)?
        .query_row([unit.0], |r| {
            Ok(OpenClaim {
                record: claim_from_row(r)?,
                enrollment_json: r.get(18)?,
                enrollment_sealed: r.get(19)?,
                enrollment_sealed_to: r.get(20)?,
            })
        })
        .optional()?
        .ok_or(StoreError::NoOpenClaim(unit))?;
    if claim.record.status != ClaimStatus::Open {
        return Err(StoreError::NoOpenClaim(unit));
    }
    Ok(claim)
}

impl Store {
    /// Commits a unit's claim durably (group commit with other slots), with the steps done so
    /// far: from here the unit is `committing`. Audit `unit.claim`. The claim must be on disk
    /// before the lock frame leaves the station.
    ///
    /// The unit must be `in_progress` and not yet claimed; the enrollment (if any) must be for
    /// the unit's registration ID and valid JSON.
    pub fn claim_unit(
        &self,
        unit: UnitId,
        steps: &[StepRecord],
        claim: &NewClaim,
    ) -> Result<(), StoreError> {
        let pending = self.claim_unit_unsynced(unit, steps, claim)?;
        self.sync(pending)
    }

    /// As [`Store::claim_unit`], returning once the claim is committed but before it is known
    /// to be on disk: a crash of the station keeps it, a power cut may not. The caller makes
    /// it durable with [`Store::sync`] (on another thread, while the board is read back)
    /// before the lock frame leaves.
    pub fn claim_unit_unsynced(
        &self,
        unit: UnitId,
        steps: &[StepRecord],
        claim: &NewClaim,
    ) -> Result<Unsynced, StoreError> {
        let payload_sha256 = match &claim.enrollment {
            Some(e) => {
                serde_json::from_str::<serde::de::IgnoredAny>(&e.payload_json)?;
                Some(hex::encode(Sha256::digest(e.payload_json.as_bytes())))
            }
            None => None,
        };
        let settings_json = serde_json::to_string(&claim.settings)?;
        let sealed = claim.enrollment.as_ref().and_then(|e| e.sealed.as_ref());
        self.commit(|tx| {
            let u = in_progress_unit(tx, unit)?;
            if u.claimed {
                return Err(StoreError::InvalidState {
                    unit,
                    expected: UnitStatus::InProgress,
                    found: UnitStatus::Committing,
                });
            }
            let (Some(serial), Some(registration_id)) = (&u.serial, &u.registration_id) else {
                return Err(StoreError::InvalidInput {
                    field: "unit",
                    reason: format!("unit {unit} has no serial or registration ID to claim"),
                });
            };
            if let Some(e) = &claim.enrollment
                && !e.registration_id.eq_ignore_ascii_case(registration_id)
            {
                return Err(StoreError::InvalidInput {
                    field: "registration_id",
                    reason: format!(
                        "the enrollment is for {:?} but unit {unit} has {registration_id:?}",
                        e.registration_id
                    ),
                });
            }
            insert_steps(tx, unit, steps)?;
            tx.prepare_cached(
                "INSERT INTO claims (unit_id, serial, registration_id, settings_json,
                     certificate_sha256, ek_sha256, enrollment_json, created_at,
                     enrollment_sealed, enrollment_sealed_to)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                unit.0,
                serial,
                registration_id,
                settings_json,
                claim.certificate_sha256,
                claim.ek_sha256,
                claim.enrollment.as_ref().map(|e| &e.payload_json),
                now(),
                sealed.map(|s| &s.ciphertext),
                sealed.map(|s| &s.sealed_to),
            ])?;
            audit::append(
                tx,
                &u.station_id,
                &u.operator,
                "unit.claim",
                serial,
                &json!({
                    "unit": unit,
                    "run": u.run_id,
                    "slot": u.slot,
                    "registration_id": registration_id,
                    "settings": claim.settings,
                    "certificate_sha256": claim.certificate_sha256,
                    "ek_sha256": claim.ek_sha256,
                    "enrollment_payload_sha256": payload_sha256,
                }),
            )?;
            tracing::debug!(%unit, %serial, "unit claimed");
            Ok(())
        })
        .map(|((), seq)| Unsynced(seq))
    }

    /// Passes a committing unit from its claim, in one durable transaction: the steps (appended
    /// to those recorded with the claim), status `pass`, the claimed enrollment `queued`, the
    /// claim `completed`; audit `unit.pass` (with `claim: true` and `recovered`) and
    /// `enrollment.queued`. `recovered` says the board was found locked and matching after the
    /// station lost track of it. Returns the queued enrollment.
    pub fn complete_claim(
        &self,
        unit: UnitId,
        steps: &[StepRecord],
        recovered: bool,
    ) -> Result<Option<EnrollmentId>, StoreError> {
        self.write(|tx| {
            let u = in_progress_unit(tx, unit)?;
            let claim = open_claim_of(tx, unit)?;
            tx.prepare_cached(
                "UPDATE claims SET status = 'completed', resolved_at = ?2, resolved_by = ?3,
                     resolution = ?4
                 WHERE unit_id = ?1",
            )?
            .execute(params![
                unit.0,
                now(),
                u.operator,
                if recovered {
                    "board found locked and matching the claim"
                } else {
                    "board locked"
                }
            ])?;
            let enrollment_id = record_pass(
                tx,
                unit,
                &u,
                steps,
                claim
                    .enrollment_json
                    .as_deref()
                    .map(|payload| super::rows::PassEnrollment {
                        registration_id: claim.record.registration_id.as_str(),
                        payload_json: payload,
                        sealed: claim
                            .enrollment_sealed
                            .as_deref()
                            .map(|c| (c, claim.enrollment_sealed_to.as_deref().unwrap_or(""))),
                    }),
                json!({ "claim": true, "recovered": recovered }),
            )?;
            tracing::debug!(%unit, recovered, enrollment = ?enrollment_id, "claim completed");
            Ok(enrollment_id)
        })
    }

    /// The open claim on a board's serial, if any: the board must be checked against it before
    /// anything else is done to it.
    pub fn open_claim(&self, serial: &str) -> Result<Option<ClaimRecord>, StoreError> {
        self.read(|conn| {
            let sql = format!(
                "SELECT {CLAIM_COLUMNS} FROM claims c JOIN units u ON u.id = c.unit_id
                 WHERE c.serial = ?1 AND c.status = 'open'"
            );
            Ok(conn
                .prepare_cached(&sql)?
                .query_row([serial], claim_from_row)
                .optional()?)
        })
    }

    /// The claim `unit` was committed under, whatever became of it: what its board was written
    /// (setting digests), for a check that needs no secret.
    pub fn claim_of_unit(&self, unit: UnitId) -> Result<Option<ClaimRecord>, StoreError> {
        self.read(|conn| {
            let sql = format!(
                "SELECT {CLAIM_COLUMNS} FROM claims c JOIN units u ON u.id = c.unit_id
                 WHERE c.unit_id = ?1"
            );
            Ok(conn
                .prepare_cached(&sql)?
                .query_row([unit.0], claim_from_row)
                .optional()?)
        })
    }

    /// Every open claim, oldest first: boards the station is waiting to see again, for the
    /// supervisor.
    pub fn open_claims(&self) -> Result<Vec<ClaimRecord>, StoreError> {
        self.read(|conn| {
            let sql = format!(
                "SELECT {CLAIM_COLUMNS} FROM claims c JOIN units u ON u.id = c.unit_id
                 WHERE c.status = 'open' ORDER BY c.created_at, c.unit_id"
            );
            Ok(conn
                .prepare_cached(&sql)?
                .query_map([], claim_from_row)?
                .collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// A supervisor's decision that a committing unit's board is gone (scrapped, lost): the
    /// claim becomes `voided`, the unit `fail` (`station::claim::voided`), its certificates
    /// void; nothing is queued. Audit `claim.voided` by `actor` with `reason`.
    pub fn void_claim(&self, unit: UnitId, actor: &str, reason: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            let u = in_progress_unit(tx, unit)?;
            let claim = open_claim_of(tx, unit)?.record;
            let now = now();
            let message = format!("the board was declared gone by {actor}: {reason}");
            tx.prepare_cached(
                "UPDATE claims SET status = 'voided', resolved_at = ?2, resolved_by = ?3,
                     resolution = ?4
                 WHERE unit_id = ?1",
            )?
            .execute(params![unit.0, now, actor, message])?;
            tx.prepare_cached(
                "UPDATE units SET status = 'fail', finished_at = ?2, failed_step = 'lock',
                     failure_code = 'station::claim::voided', failure_message = ?3
                 WHERE id = ?1",
            )?
            .execute(params![unit.0, now, message])?;
            revoke_unit(
                tx,
                unit,
                &u.station_id,
                actor,
                "the claim was voided: the board is gone",
            )?;
            audit::append(
                tx,
                &u.station_id,
                actor,
                "claim.voided",
                &claim.serial,
                &json!({
                    "unit": unit,
                    "registration_id": claim.registration_id,
                    "reason": reason,
                    "had_enrollment": claim.has_enrollment,
                }),
            )?;
            Ok(())
        })
    }

    /// A supervisor's decision that a committing unit's board will be brought back: the claim
    /// stays open (it completes or fails when the board is seen). Audit `claim.waiting` by
    /// `actor`.
    pub fn keep_claim_waiting(&self, unit: UnitId, actor: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            let u = in_progress_unit(tx, unit)?;
            let claim = open_claim_of(tx, unit)?.record;
            tx.prepare_cached(
                "UPDATE claims SET waiting_by = ?2, waiting_at = ?3 WHERE unit_id = ?1",
            )?
            .execute(params![unit.0, actor, now()])?;
            audit::append(
                tx,
                &u.station_id,
                actor,
                "claim.waiting",
                &claim.serial,
                &json!({ "unit": unit, "registration_id": claim.registration_id }),
            )?;
            Ok(())
        })
    }
}
