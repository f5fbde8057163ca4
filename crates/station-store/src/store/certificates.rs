//! Issued device certificates: recorded before they leave the station, voided when they
//! never reach a device, counted against work-order quotas.

use rusqlite::{OptionalExtension as _, params};
use serde_json::json;

use super::Store;
use super::rows::{count_certificates, in_progress_unit};
use crate::audit;
use crate::error::StoreError;
use crate::sql::{Ts, fmt_ts, now, require_non_empty};
use crate::types::{CertificateId, HandoutKind, IssuedCertificateRecord, NewCertificate, UnitId};

/// What bounds the certificates of a work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quota {
    /// Nothing.
    None,
    /// This station's own count.
    Local(u64),
    /// The leases the line database granted this station.
    Leased,
}

impl Store {
    /// Records a certificate about to be sent to a DUT, in one durable transaction with its
    /// audit row `certificate.issued`: the certificate is on disk and in the audit chain before
    /// it leaves the station.
    ///
    /// The unit must be `in_progress`; work order, operator and station come from it. With a
    /// `quota`, the unit's work order may hold at most that many certificates (void ones too: they left the station):
    /// one more is [`StoreError::QuotaReached`], and a unit without a work order is
    /// [`StoreError::InvalidInput`]. A serial already recorded is
    /// [`StoreError::CertificateSerialTaken`]. Check and insert are one transaction, so two
    /// slots racing for the last certificate of a quota cannot both get it.
    pub fn issue_certificate(
        &self,
        cert: &NewCertificate,
        quota: Option<u64>,
    ) -> Result<CertificateId, StoreError> {
        self.issue(cert, quota.map_or(Quota::None, Quota::Local))
    }

    /// [`Store::issue_certificate`] on a line of stations: the certificate is issued only from a
    /// lease of its work order's quota the line database granted this station
    /// ([`Store::add_line_lease`]), the oldest lease with room first, and counted on it in the
    /// same transaction. None left is [`StoreError::LeaseExhausted`].
    pub fn issue_leased_certificate(
        &self,
        cert: &NewCertificate,
    ) -> Result<CertificateId, StoreError> {
        self.issue(cert, Quota::Leased)
    }

    fn issue(&self, cert: &NewCertificate, quota: Quota) -> Result<CertificateId, StoreError> {
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
            if quota != Quota::None && work_order.is_none() {
                return Err(StoreError::InvalidInput {
                    field: "work_order",
                    reason: "a certificate quota needs a work order".to_owned(),
                });
            }
            if quota == Quota::Leased
                && let Some(wo) = work_order.as_deref()
            {
                super::line_db::use_lease(tx, wo)?;
            }
            if let Quota::Local(quota) = quota {
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
            if cert.spki_sha256.len() != 64 {
                return Err(StoreError::InvalidInput {
                    field: "spki_sha256",
                    reason: "must be 64 hex characters".to_owned(),
                });
            }
            let reused: Option<(i64, String)> = tx
                .prepare_cached(
                    "SELECT unit_id, serial FROM issued_certificates WHERE spki_sha256 = ?1",
                )?
                .query_row([cert.spki_sha256.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((unit, serial)) = reused {
                return Err(StoreError::KeyReused {
                    unit: crate::UnitId(unit),
                    serial,
                });
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
                         operator, station_id, unit_id, ca_id, not_before, not_after, issued_at,
                         spki_sha256, der)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
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
                    cert.spki_sha256,
                    cert.der,
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
                    "spki_sha256": cert.spki_sha256,
                    "work_order": work_order,
                    "unit": cert.unit_id,
                    "registration_id": u.registration_id,
                    "ca": cert.ca_id,
                    "not_after": fmt_ts(cert.not_after),
                }),
            )?;
            super::handouts::insert_handout(
                tx,
                cert.unit_id,
                &u.station_id,
                &u.operator,
                u.serial.as_deref(),
                HandoutKind::Certificate,
                u.registration_id.as_deref().unwrap_or(&cert.subject),
                Some(&cert.serial),
                cert.revocation_json.as_deref(),
            )?;
            tracing::debug!(unit = %cert.unit_id, serial = %cert.serial, "certificate recorded");
            Ok(id)
        })
    }

    /// How many certificates were issued under `work_order` (void ones included: they left the station).
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
                         unit_id, ca_id, not_before, not_after, issued_at, status, void_reason
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
                        void_reason: r.get(13)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }
}
