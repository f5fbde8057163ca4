//! The write-ahead claim, the lock, and the PASS record: what makes a unit's outcome durable
//! before (claim) and after (record) the board is locked.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use station_config::{AttestationConfig, TpmRegistrationId};
use station_identity::pki::IssuedCertificate;
use station_smp::commands::provisioning::IdentityResponse;
use station_store::{
    NewClaim, NewEnrollment, NewUnit, StepRecord, Store, StoreError, UnitId, Unsynced,
    setting_digest,
};

use station_identity::RegistrationId;

use super::{UnitRun, smp, store_failure};
use crate::attest::Attestation;
use crate::error::UnitFailure;
use crate::events::{Step, UnitOutcome};
use crate::tpm::TpmIdentity;

impl UnitRun<'_> {
    /// What the unit is about to make true on the board: every setting written (as digests),
    /// the installed certificate, the EK, and the enrollment to queue.
    pub(super) fn new_claim(
        &self,
        attestation: &Attestation,
        tpm: Option<&TpmIdentity>,
    ) -> Result<NewClaim, UnitFailure> {
        Ok(NewClaim {
            settings: attestation
                .settings
                .iter()
                .map(|s| (s.name.clone(), setting_digest(&s.value)))
                .collect(),
            certificate_sha256: self.certificate.as_ref().map(IssuedCertificate::sha256_hex),
            ek_sha256: tpm.map(|t| t.ek.sha256_hex()),
            enrollment: enrollment_of(attestation, self.station.sealer())?,
        })
    }

    /// Commits the claim and starts making it durable (grouped with other slots' fsyncs).
    pub(super) fn claim(&mut self, claim: &NewClaim) -> Result<ClaimSync, UnitFailure> {
        let unit = self.claimed_unit(Step::Verify)?;
        let pending = self
            .station
            .store()
            .claim_unit_unsynced(unit, &self.steps, claim)
            .map_err(|e| UnitFailure::from_store(Step::Verify, &e))?;
        self.recorded_steps = self.steps.len();
        Ok(ClaimSync::start(Arc::clone(&self.station.store), pending))
    }

    /// Sends the lock. A DUT that refuses it is not locked (the claim fails); a lock that goes
    /// unanswered may have happened, so the claim stays open for the board's next contact.
    pub(super) fn lock_board(&mut self, serial: &str) -> Result<(), UnitFailure> {
        match self.client()?.lock(serial) {
            Ok(()) => Ok(()),
            Err(e @ station_smp::SmpError::Device { .. }) => Err(smp(Step::Lock, &e)),
            Err(e) => {
                self.keep_claim = true;
                Err(UnitFailure {
                    detail: crate::error::chain(&e),
                    ..UnitFailure::new(
                        Step::Lock,
                        "station::lock::unconfirmed",
                        format!(
                            "the DUT did not confirm the lock ({e}); it may or may not be locked"
                        ),
                    )
                })
            }
        }
    }

    /// Passes the claimed unit and queues its enrollment; only then is PASS reported.
    /// Commits the PASS and its queued enrollment (from the claim, or directly without one);
    /// only then is PASS reported.
    pub(super) fn record(
        &mut self,
        registration_id: &RegistrationId,
        pass: Pass<'_>,
    ) -> Result<UnitOutcome, UnitFailure> {
        let started_at = Utc::now();
        let t = Instant::now();
        self.emit_step_started(Step::Record);
        let unit = self.claimed_unit(Step::Record)?;
        let record = StepRecord {
            step: Step::Record.as_str().into(),
            ok: true,
            started_at,
            duration: t.elapsed(),
            detail: None,
        };
        let mut steps = self.steps[self.recorded_steps..].to_vec();
        steps.push(record.clone());
        let store = self.station.store();
        let result = match pass {
            Pass::FromClaim { recovered } => store
                .complete_claim(unit, &steps, recovered)
                .map(|e| e.is_some()),
            Pass::WithoutClaim(enrollment) => store
                .finish_pass(unit, &steps, enrollment)
                .map(|()| enrollment.is_some()),
        };
        self.emit_step_finished(Step::Record, result.is_ok(), t.elapsed());
        match result {
            Ok(enrollment_queued) => {
                self.steps.push(record);
                // Locked and recorded: the line keeps its identities for good.
                if let Some(line) = self.station.line() {
                    line.finish(
                        store,
                        unit,
                        self.serial.as_deref(),
                        Some(registration_id.as_str()),
                        &self.plan.product.id,
                        self.request.work_order.as_deref(),
                        None,
                    );
                }
                tracing::info!(slot = self.plan.index, serial = ?self.serial, %registration_id, "unit PASS");
                Ok(UnitOutcome::Pass {
                    registration_id: registration_id.to_string(),
                    enrollment_queued,
                    registered: None,
                })
            }
            Err(e) => {
                // A claimed board is locked: its claim stays open and completes at its next
                // contact.
                self.keep_claim = matches!(pass, Pass::FromClaim { .. });
                Err(UnitFailure::from_store(Step::Record, &e))
            }
        }
    }

    pub(super) fn claimed_unit(&self, step: Step) -> Result<UnitId, UnitFailure> {
        self.unit_id.ok_or_else(|| {
            UnitFailure::new(
                step,
                "station::record::no_unit",
                "the unit was never claimed in the store",
            )
        })
    }

    /// Records an identified DUT that failed before its unit could be claimed (its TPM could
    /// not be read), so the record carries its serial.
    pub(super) fn record_unclaimed(&mut self, identity: &IdentityResponse, failure: &UnitFailure) {
        let registration_id = match &self.plan.product.attestation {
            AttestationConfig::Tpm {
                registration_id: TpmRegistrationId::Template,
                ..
            } => self
                .registration_id(identity)
                .map(|r| r.to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let new_unit = self.new_unit(identity, registration_id);
        match self.station.store().record_refused_unit(
            &new_unit,
            &store_failure(failure),
            &self.steps,
        ) {
            Ok(id) => self.unit_id = Some(id),
            Err(e) => {
                tracing::error!(error = %crate::error::chain(&e), "could not record a failed unit");
            }
        }
    }

    pub(super) fn new_unit(&self, identity: &IdentityResponse, registration_id: String) -> NewUnit {
        let product = self.plan.product;
        NewUnit {
            run_id: self.run_id.clone(),
            slot: self.plan.index,
            serial: identity.serial.clone(),
            product: product.id.clone(),
            registration_id,
            attestation: product.attestation.kind().to_owned(),
            work_order: self.request.work_order.clone(),
            operator: self.request.operator.clone(),
            station_id: self.station.config().station.id.clone(),
            identity_json: serde_json::to_string(identity).ok(),
            rework: self.request.permissions.rework,
        }
    }
}

/// How [`UnitRun::record`] commits a PASS.
#[derive(Clone, Copy)]
pub(super) enum Pass<'a> {
    /// From the unit's claim (committed before the lock).
    FromClaim {
        /// The board was found locked and matching after the station lost track of it.
        recovered: bool,
    },
    /// Directly, with this enrollment: no claim was made
    /// ([`Station::dangerous_without_claim`], the benchmark only).
    WithoutClaim(Option<&'a NewEnrollment>),
}

/// The individual enrollment a unit queues on PASS, if its product has one. A payload that
/// carries a device secret is sealed here, to `sealer`'s recipients, before it goes anywhere
/// near the store: the store gets the payload with its keys redacted and the ciphertext.
pub(super) fn enrollment_of(
    attestation: &Attestation,
    sealer: Option<&station_seal::Sealer>,
) -> Result<Option<NewEnrollment>, UnitFailure> {
    let Some(e) = &attestation.enrollment else {
        return Ok(None);
    };
    let payload = zeroize::Zeroizing::new(serde_json::to_string(e).map_err(|e| {
        UnitFailure::new(
            Step::Record,
            "station::record::encode",
            format!("cannot encode the enrollment: {e}"),
        )
    })?);
    let registration_id = e.registration_id.to_string();
    match sealer {
        Some(sealer) if station_store::payload_has_secret(&payload) => {
            let ciphertext = sealer.seal(payload.as_bytes()).map_err(|e| {
                UnitFailure::new(
                    Step::Record,
                    "station::record::seal",
                    format!("cannot seal the device key: {e}"),
                )
            })?;
            Ok(Some(NewEnrollment {
                registration_id,
                payload_json: station_store::redact_payload(&payload),
                sealed: Some(station_store::SealedSecret {
                    ciphertext,
                    sealed_to: sealer.fingerprint().to_owned(),
                }),
            }))
        }
        _ => Ok(Some(NewEnrollment::plain(
            registration_id,
            payload.as_str(),
        ))),
    }
}

/// A committed claim being fsynced on its own thread, so the disk's latency overlaps the
/// board's readback instead of delaying the lock frame.
pub(super) enum ClaimSync {
    Syncing(std::thread::JoinHandle<Result<(), StoreError>>),
    /// No thread could be started: synced inline.
    Synced(Result<(), StoreError>),
}

impl ClaimSync {
    pub(super) fn start(store: Arc<Store>, pending: Unsynced) -> Self {
        let on_thread = Arc::clone(&store);
        match std::thread::Builder::new()
            .name("claim-sync".into())
            .spawn(move || on_thread.sync(pending))
        {
            Ok(handle) => Self::Syncing(handle),
            Err(_) => Self::Synced(store.sync(pending)),
        }
    }

    /// Returns once the claim is on disk.
    pub(super) fn wait(self) -> Result<(), StoreError> {
        match self {
            Self::Syncing(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Self::Synced(result) => result,
        }
    }
}
