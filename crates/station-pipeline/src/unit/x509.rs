//! X.509 units: the device's key generated on the board, its CSR checked, the certificate
//! issued (recorded and audited before it leaves) and installed, then read back.

use chrono::{DateTime, Utc};
use station_errors::Coded as _;
use station_identity::pki::{self, CertSerial, CheckedCsr, IssuedCertificate};
use station_smp::commands::provisioning::IdentityResponse;
use station_store::{NewCertificate, StoreError};

use super::{UnitRun, smp};
use crate::attest::{self, Attestation, DEVICE_KEY_SLOT, X509Plan};
use crate::error::UnitFailure;
use crate::events::Step;
use crate::facts::UnitFacts;

impl UnitRun<'_> {
    /// Keygen → CSR check → issue (recorded before it leaves) → install and read back.
    pub(super) fn certificate_steps(
        &mut self,
        identity: &IdentityResponse,
        plan: &X509Plan,
        attestation: &mut Attestation,
    ) -> Result<(), UnitFailure> {
        let alg = plan
            .policy
            .allowed_algorithms
            .first()
            .map_or("ec-p256", |a| a.as_str());
        let cn = plan.policy.expected_cn.clone();
        let csr = self.step(Step::Keygen, |u| {
            u.client()?
                .keygen(DEVICE_KEY_SLOT, alg, &cn)
                .map_err(|e| smp(Step::Keygen, &e))
        })?;
        let checked = self.step(Step::CheckCsr, |_| {
            pki::check_csr(&csr, &plan.policy).map_err(|e| csr_failure(&e))
        })?;
        let issued = self.step(Step::Issue, |u| u.issue(plan, &checked))?;
        self.step(Step::InstallCertificate, |u| u.install(&issued))?;
        if plan.individual {
            let facts = UnitFacts::of(
                self.station,
                self.plan.product,
                identity,
                self.request.work_order.as_deref(),
            );
            attestation.enrollment = Some(attest::x509_enrollment(
                self.plan.product,
                &attestation.registration_id,
                &issued,
                &facts,
            ));
        }
        self.certificate = Some(issued);
        Ok(())
    }

    /// Signs the certificate and commits it (store + audit) before anything is sent.
    pub(super) fn issue(
        &mut self,
        plan: &X509Plan,
        csr: &CheckedCsr,
    ) -> Result<IssuedCertificate, UnitFailure> {
        let product = &self.plan.product.id;
        let issuer = self.station.issuer(product).cloned().ok_or_else(|| {
            UnitFailure::new(
                Step::Issue,
                "station::x509::no_ca",
                format!("no signing CA is loaded for product {product}"),
            )
        })?;
        let unit = self.unit_id.ok_or_else(|| {
            UnitFailure::new(
                Step::Issue,
                "station::record::no_unit",
                "the unit was never claimed in the store",
            )
        })?;
        let store = self.station.store();
        // On a line, a quota product issues only from this station's leases of the order.
        let leased = match (
            self.station.line(),
            plan.quota,
            self.request.work_order.as_deref(),
        ) {
            (Some(line), Some(quota), Some(wo)) => {
                line.ensure_lease(store, wo, quota).map_err(|e| match e {
                    crate::line_link::LinkError::Store(e) => {
                        UnitFailure::from_store(Step::Issue, &e)
                    }
                    crate::line_link::LinkError::Line(e) => UnitFailure {
                        detail: crate::error::chain(&e),
                        ..UnitFailure::new(
                            Step::Issue,
                            e.code(),
                            format!(
                                "the line database could not lease work order {wo}'s quota: {e}"
                            ),
                        )
                    },
                })?;
                // None left: `issue_leased_certificate` refuses it (before anything is sent).
                true
            }
            _ => false,
        };
        // Cheap early refusal before the CA signs; `issue_certificate` enforces it atomically.
        if let (false, Some(quota), Some(wo)) =
            (leased, plan.quota, self.request.work_order.as_deref())
        {
            let issued = store
                .certificates_issued(wo)
                .map_err(|e| UnitFailure::from_store(Step::Issue, &e))?;
            if issued >= quota {
                let e = StoreError::QuotaReached {
                    work_order: wo.to_owned(),
                    quota,
                    issued,
                };
                return Err(UnitFailure::from_store(Step::Issue, &e));
            }
        }
        // A device key is certified once, on the whole line: boards that share a key pair (or
        // replay another board's request) get no certificate.
        let spki_sha256 = {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(csr.spki_der()))
        };
        self.reserve_on_line(
            Step::Issue,
            &[station_linedb::Identity::new(
                station_linedb::IdentityKind::SpkiSha256,
                spki_sha256.clone(),
            )],
        )?;
        let mut last = None;
        for _ in 0..MAX_SERIAL_ATTEMPTS {
            let serial = CertSerial::random();
            let cert = issuer
                .issue(csr, &plan.profile, &serial)
                .map_err(|e| UnitFailure {
                    detail: crate::error::chain(&e),
                    ..UnitFailure::new(
                        Step::Issue,
                        "station::x509::sign_failed",
                        "the signing CA could not sign the device certificate",
                    )
                })?;
            let record = NewCertificate {
                unit_id: unit,
                serial: cert.serial.to_hex(),
                subject: cert.subject.clone(),
                sha256: cert.sha256_hex(),
                spki_sha256: spki_sha256.clone(),
                ca_id: issuer.ca_id().to_owned(),
                not_before: DateTime::<Utc>::from(cert.not_before),
                not_after: DateTime::<Utc>::from(cert.not_after),
                der: cert.der.clone(),
                // A group device that does not pass is taken out of its group by this leaf.
                revocation_json: if plan.individual {
                    None
                } else {
                    Some(revocation_json(&attest::group_revocation(
                        &plan.registration_id,
                        attest::x509_client(&cert),
                    ))?)
                },
            };
            let issued = if leased {
                store.issue_leased_certificate(&record)
            } else {
                store.issue_certificate(&record, plan.quota)
            };
            match issued {
                Ok(_) => {
                    tracing::info!(slot = self.plan.index, serial = ?self.serial, cert_serial = %cert.serial, sha256 = %cert.sha256_hex(), ca = issuer.ca_id(), backend = issuer.backend(), "certificate issued");
                    return Ok(cert);
                }
                Err(e @ StoreError::CertificateSerialTaken { .. }) => last = Some(e),
                Err(e) => return Err(UnitFailure::from_store(Step::Issue, &e)),
            }
        }
        let e = last.unwrap_or(StoreError::CertificateSerialTaken {
            serial: String::new(),
        });
        Err(UnitFailure::from_store(Step::Issue, &e))
    }

    /// Installs the chain, checks the thumbprint the DUT reports, and reads the chain back.
    pub(super) fn install(&mut self, cert: &IssuedCertificate) -> Result<(), UnitFailure> {
        let client = self.client()?;
        let params = client
            .mcumgr_params()
            .map_err(|e| smp(Step::InstallCertificate, &e))?;
        // SMP header, CBOR map and array overhead, and each byte string's header.
        let packet: usize = 64 + cert.chain.iter().map(|c| c.len() + 3).sum::<usize>();
        if packet > params.buf_size as usize {
            return Err(UnitFailure::new(
                Step::InstallCertificate,
                "station::x509::chain_too_large",
                format!(
                    "the certificate chain ({packet} bytes) does not fit the DUT's {}-byte SMP buffer",
                    params.buf_size
                ),
            ));
        }
        let sha = client
            .install_certificate(DEVICE_KEY_SLOT, &cert.chain)
            .map_err(|e| smp(Step::InstallCertificate, &e))?;
        if sha.as_slice() != cert.sha256.as_slice() {
            return Err(UnitFailure::new(
                Step::InstallCertificate,
                "station::x509::install_mismatch",
                "the certificate stored on the DUT differs from the one issued (SHA-256 mismatch)",
            ));
        }
        let stored = client
            .read_certificate(DEVICE_KEY_SLOT)
            .map_err(|e| smp(Step::InstallCertificate, &e))?;
        if stored.as_deref() != Some(cert.chain.as_slice()) {
            return Err(UnitFailure::new(
                Step::InstallCertificate,
                "station::x509::readback_mismatch",
                "the certificate chain read back from the DUT differs from the one installed",
            ));
        }
        Ok(())
    }
}

/// Attempts at a fresh random serial when one collides with an issued certificate.
const MAX_SERIAL_ATTEMPTS: u32 = 3;

/// A CSR refused by policy: the plain reason, one code per kind of violation.
fn csr_failure(e: &pki::CsrError) -> UnitFailure {
    use pki::CsrError as E;
    let code = match e {
        E::Malformed => "station::x509::csr_malformed",
        E::BadSignature => "station::x509::csr_bad_signature",
        E::WrongSubject { .. } => "station::x509::csr_wrong_subject",
        E::CnTooLong { .. } => "station::x509::cn_too_long",
        E::KeyNotAllowed { .. } => "station::x509::csr_key_not_allowed",
        E::AsksForCa => "station::x509::csr_asks_for_ca",
        E::ExtensionsRequested { .. } => "station::x509::csr_extensions",
        _ => "station::x509::csr_rejected",
    };
    UnitFailure::new(Step::CheckCsr, code, e.to_string())
}

/// A revocation enrollment as the store keeps it.
pub(super) fn revocation_json(
    e: &station_upload::schema::IndividualEnrollment,
) -> Result<String, UnitFailure> {
    serde_json::to_string(e).map_err(|e| {
        UnitFailure::new(
            Step::Issue,
            "station::bug::revocation",
            format!("the revocation enrollment could not be written: {e}"),
        )
    })
}
