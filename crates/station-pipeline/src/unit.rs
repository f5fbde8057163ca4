//! One unit's provisioning, from opening its slot's port to recording the result.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use station_config::ProductProfile;
use station_config::{AttestationConfig, TpmRegistrationId};
use station_identity::RegistrationId;
use station_identity::pki::{self, CertSerial, CheckedCsr, IssuedCertificate};
use station_smp::commands::provisioning::IdentityResponse;
use station_smp::{Client, Connection, ConnectionConfig};
use station_store::{
    ClaimRecord, DuplicateField, NewCertificate, NewClaim, NewEnrollment, NewUnit, RunId,
    StepRecord, Store, StoreError, UnitId, Unsynced, setting_digest,
};

use crate::attest::{self, Attestation, DEVICE_KEY_SLOT, X509Plan};
use crate::error::UnitFailure;
use crate::events::{EventSink, ProgressEvent, Step, UnitOutcome};
use crate::facts::UnitFacts;
use crate::report::UnitReport;
use crate::request::RunRequest;
use crate::station::Station;
use crate::tpm::TpmIdentity;

/// Everything one slot needs to provision its unit.
pub(crate) struct SlotPlan<'a> {
    pub(crate) index: u16,
    pub(crate) port: String,
    pub(crate) baud: u32,
    pub(crate) product: &'a ProductProfile,
    /// The serial scanned for this slot, which the DUT must report.
    pub(crate) expected_serial: Option<String>,
}

/// Runs one unit through every step; never panics on device or store errors, always returns
/// a report and always emits exactly one `UnitFinished`.
pub(crate) fn provision(
    station: &Station,
    run_id: &RunId,
    request: &RunRequest,
    plan: &SlotPlan<'_>,
    sink: &dyn EventSink,
) -> UnitReport {
    let started = Instant::now();
    sink.event(&ProgressEvent::SlotStarted {
        run_id: run_id.to_string(),
        slot: plan.index,
        port: plan.port.clone(),
    });
    let mut unit = UnitRun {
        station,
        run_id,
        request,
        plan,
        sink,
        steps: Vec::new(),
        serial: None,
        unit_id: None,
        client: None,
        certificate: None,
        identified: None,
        recorded_steps: 0,
        keep_claim: false,
    };
    let outcome = match unit.run() {
        Ok(outcome) => match &plan.product.register_check {
            Some(check) => unit.register_check(outcome, check),
            None => outcome,
        },
        Err(failure) => unit.fail(&failure),
    };
    let link_bytes = unit.client.as_ref().map_or(0, |c| c.stats().total());
    drop(unit.client.take());
    let wall = started.elapsed();
    sink.event(&ProgressEvent::UnitFinished {
        run_id: run_id.to_string(),
        slot: plan.index,
        serial: unit.serial.clone(),
        unit_id: unit.unit_id.map(|u| u.0),
        outcome: outcome.clone(),
        wall_ms: wall.as_secs_f64() * 1e3,
        link_bytes,
    });
    UnitReport {
        slot: plan.index,
        serial: unit.serial,
        unit_id: unit.unit_id.map(|u| u.0),
        outcome,
        wall,
        link_bytes,
        steps: unit
            .steps
            .iter()
            .map(|s| (s.step.clone(), s.duration, s.ok))
            .collect(),
    }
}

struct UnitRun<'a> {
    station: &'a Station,
    run_id: &'a RunId,
    request: &'a RunRequest,
    plan: &'a SlotPlan<'a>,
    sink: &'a dyn EventSink,
    steps: Vec<StepRecord>,
    serial: Option<String>,
    unit_id: Option<UnitId>,
    client: Option<Client>,
    /// The certificate installed on an X.509 unit, for read-back after the reset.
    certificate: Option<IssuedCertificate>,
    /// A DUT identified but refused at `identify` (not the scanned board), for its record.
    identified: Option<IdentityResponse>,
    /// Steps already in the store (recorded with the unit's claim).
    recorded_steps: usize,
    /// The unit's claim must stay open on failure: the station cannot tell whether the board
    /// is locked (the lock went unanswered, the PASS could not be recorded, the board could not
    /// be read back). It is completed or failed when the board is next seen.
    keep_claim: bool,
}

/// Attempts at a fresh random serial when one collides with an issued certificate.
const MAX_SERIAL_ATTEMPTS: u32 = 3;

impl UnitRun<'_> {
    fn run(&mut self) -> Result<UnitOutcome, UnitFailure> {
        let identity = match self.step(Step::Identify, |u| {
            let identity = u.identify()?;
            if let Err(failure) = u.check_scanned_serial(&identity) {
                u.identified = Some(identity);
                return Err(failure);
            }
            Ok(identity)
        }) {
            Ok(identity) => identity,
            Err(failure) => {
                // A board that answered but is not the scanned one is recorded with its own
                // serial, so the refusal is on its history.
                if let Some(identity) = self.identified.take() {
                    self.record_unclaimed(&identity, &failure);
                }
                return Err(failure);
            }
        };
        // A board the station lost track of while locking it: check it against its claim
        // before anything else is done to it.
        match self.station.store().open_claim(&identity.serial) {
            Ok(Some(claim)) => return self.recover(&identity, &claim),
            Ok(None) => {}
            Err(e) => return Err(UnitFailure::from_store(Step::Identify, &e)),
        }
        let product = self.plan.product;
        let tpm = if matches!(product.attestation, AttestationConfig::Tpm { .. }) {
            match self.step(Step::ReadEk, |u| u.read_ek(&identity)) {
                Ok(tpm) => Some(tpm),
                Err(failure) => {
                    self.record_unclaimed(&identity, &failure);
                    return Err(failure);
                }
            }
        } else {
            None
        };
        let mut attestation = self.step(Step::Attest, |u| u.attest(&identity, tpm.as_ref()))?;
        if let Some(plan) = attestation.x509.take() {
            self.certificate_steps(&identity, &plan, &mut attestation)?;
        }
        self.step(Step::WriteSettings, |u| {
            // The line also keeps the certificate serial unique.
            if let Some(cert) = &u.certificate {
                u.reserve_on_line(
                    Step::WriteSettings,
                    &[station_linedb::Identity::new(
                        station_linedb::IdentityKind::CertSerial,
                        cert.serial.to_hex(),
                    )],
                )?;
            }
            for s in &attestation.settings {
                u.client()?
                    .write_setting(&s.name, &s.value, s.secret)
                    .map_err(|e| smp(Step::WriteSettings, &e))?;
            }
            Ok(())
        })?;
        self.step(Step::Save, |u| {
            u.client()?.save_settings().map_err(|e| smp(Step::Save, &e))
        })?;
        let reset_timeout = Duration::from_millis(self.station.config().fixture.reset_timeout_ms);
        self.step(Step::Reset, |u| {
            let c = u.client()?;
            c.reset().map_err(|e| smp(Step::Reset, &e))?;
            c.wait_until_ready(reset_timeout)
                .map_err(|e| smp(Step::Reset, &e))
        })?;
        if !self.station.write_ahead_claim() {
            self.step(Step::Verify, |u| u.verify(&attestation))?;
            self.step(Step::Lock, |u| {
                u.client()?
                    .lock(&identity.serial)
                    .map_err(|e| smp(Step::Lock, &e))
            })?;
            let enrollment = enrollment_of(&attestation)?;
            return self.record(
                registration_id_of(&attestation),
                Pass::WithoutClaim(enrollment.as_ref()),
            );
        }
        // Write-ahead: the board's settings are final, so the outcome is claimed now and
        // fsynced on another thread while the board is read back; the lock frame waits for it.
        let claim = self.new_claim(&attestation, tpm.as_ref())?;
        let durable = self.step(Step::Verify, |u| {
            let durable = u.claim(&claim)?;
            u.claim_on_line();
            u.verify(&attestation)?;
            Ok(durable)
        })?;
        self.step(Step::Lock, |u| {
            durable
                .wait()
                .map_err(|e| UnitFailure::from_store(Step::Lock, &e))?;
            u.lock_board(&identity.serial)
        })?;
        self.record(
            registration_id_of(&attestation),
            Pass::FromClaim { recovered: false },
        )
    }

    /// What the unit is about to make true on the board: every setting written (as digests),
    /// the installed certificate, the EK, and the enrollment to queue.
    fn new_claim(
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
            enrollment: enrollment_of(attestation)?,
        })
    }

    /// Commits the claim and starts making it durable (grouped with other slots' fsyncs).
    fn claim(&mut self, claim: &NewClaim) -> Result<ClaimSync, UnitFailure> {
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
    fn lock_board(&mut self, serial: &str) -> Result<(), UnitFailure> {
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
                        "Run the slot again with the same board: the station reads it back and completes or fails the unit. If the board is gone, a supervisor resolves it with `station claims`.",
                    )
                })
            }
        }
    }

    /// Passes the claimed unit and queues its enrollment; only then is PASS reported.
    /// Commits the PASS and its queued enrollment (from the claim, or directly without one);
    /// only then is PASS reported.
    fn record(
        &mut self,
        registration_id: String,
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
                        Some(&registration_id),
                        &self.plan.product.id,
                        self.request.work_order.as_deref(),
                        None,
                    );
                }
                tracing::info!(slot = self.plan.index, serial = ?self.serial, %registration_id, "unit PASS");
                Ok(UnitOutcome::Pass {
                    registration_id,
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

    /// On a line of stations: reserves the board's serial, registration ID and EK, and the
    /// SHA-256 of each secret setting (the device's key), in the line database before anything
    /// irreversible, in one round trip (see [`Self::reserve_on_line`]).
    fn reserve_board_on_line(
        &mut self,
        identity: &IdentityResponse,
        registration_id: &str,
        tpm: Option<&TpmIdentity>,
        attestation: &Attestation,
    ) -> Result<(), UnitFailure> {
        use station_linedb::{Identity, IdentityKind};
        let mut identities = vec![
            Identity::new(IdentityKind::Serial, identity.serial.clone()),
            Identity::new(IdentityKind::RegistrationId, registration_id),
        ];
        if let Some(tpm) = tpm {
            identities.push(Identity::new(IdentityKind::EkSha256, tpm.ek.sha256_hex()));
        }
        identities.extend(
            attestation
                .settings
                .iter()
                .filter(|s| s.secret)
                .map(|s| Identity::new(IdentityKind::SymkeySha256, setting_digest(&s.value))),
        );
        self.reserve_on_line(Step::Attest, &identities)
    }

    /// Tells the line the unit's claim is committed (if the station is on one).
    fn claim_on_line(&self) {
        if let (Some(unit), Some(line)) = (self.unit_id, self.station.line()) {
            line.claim(self.station.store(), unit);
        }
    }

    /// Reserves `identities` for this unit in the line database, if the station is on one.
    /// Held by another station's unit → refused, naming it; the line database unreachable →
    /// refused (nothing is provisioned that the line cannot vouch for).
    fn reserve_on_line(
        &mut self,
        step: Step,
        identities: &[station_linedb::Identity],
    ) -> Result<(), UnitFailure> {
        use crate::line_link::LinkError;
        use station_linedb::LineDbError;
        let (Some(unit), Some(line)) = (self.unit_id, self.station.line()) else {
            return Ok(());
        };
        let serial = self.serial.clone().unwrap_or_default();
        match line.reserve(self.station.store(), unit, identities) {
            Ok(_) => Ok(()),
            Err(LinkError::Line(e @ LineDbError::Held(_))) => Err(UnitFailure {
                detail: crate::error::chain(&e),
                ..UnitFailure::new(
                    step,
                    "station::linedb::held",
                    format!("DUT {serial}: {e}"),
                    "Take the board off the fixture: the line already has it. If its serial is cloned, quarantine it and call a supervisor.",
                )
            }),
            Err(LinkError::Line(e)) => Err(UnitFailure {
                detail: crate::error::chain(&e),
                ..UnitFailure::new(
                    step,
                    e.code(),
                    format!("the line database could not reserve DUT {serial}: {e}"),
                    "Check the station's network to the line database (station check), then run the slot again. Nothing was written to the board.",
                )
            }),
            Err(LinkError::Store(e)) => Err(UnitFailure::from_store(step, &e)),
        }
    }

    /// The register check after PASS: the enrollment uploaded, the board registers over the
    /// fixture's network. Recorded on the unit; anything but an assignment fails it.
    fn register_check(
        &mut self,
        passed: UnitOutcome,
        check: &station_config::RegisterCheck,
    ) -> UnitOutcome {
        let Some(unit) = self.unit_id else {
            return passed;
        };
        let UnitOutcome::Pass {
            registration_id,
            enrollment_queued,
            ..
        } = passed
        else {
            return passed;
        };
        let started_at = Utc::now();
        let t = Instant::now();
        self.emit_step_started(Step::Register);
        let wait = Duration::from_secs(check.upload_wait_secs);
        let result =
            crate::register::wait_for_upload(self.station.store(), unit, wait, &self.request.stop)
                .and_then(|()| crate::register::ask_board(self.client()?));
        let duration = t.elapsed();
        let step = StepRecord {
            step: Step::Register.as_str().into(),
            ok: result.is_ok(),
            started_at,
            duration,
            detail: result.as_ref().err().map(|f| f.detail.clone()),
        };
        self.steps.push(step.clone());
        let record = match &result {
            Ok(r) => station_store::RegisterCheck::Registered {
                assigned_hub: r.hub.clone(),
                device_id: r.device_id.clone(),
            },
            Err(failure) => station_store::RegisterCheck::Refused(store_failure(failure)),
        };
        let recorded = self
            .station
            .store()
            .record_register_check(unit, &step, &record);
        self.emit_step_finished(Step::Register, result.is_ok() && recorded.is_ok(), duration);
        if let Err(e) = recorded {
            tracing::error!(error = %crate::error::chain(&e), "could not record the register check");
            let failure = UnitFailure::from_store(Step::Register, &e);
            return failed(&failure);
        }
        match result {
            Ok(registered) => {
                tracing::info!(slot = self.plan.index, serial = ?self.serial, hub = %registered.hub, device_id = %registered.device_id, "board registered with DPS");
                UnitOutcome::Pass {
                    registration_id,
                    enrollment_queued,
                    registered: Some(registered),
                }
            }
            Err(failure) => {
                tracing::warn!(
                    slot = self.plan.index, serial = ?self.serial, code = failure.code,
                    detail = %failure.detail, "register check FAIL: {}", failure.message
                );
                // The line's copy follows: the unit is a failure now (its board stays locked,
                // so its reservations stay kept).
                if let Some(line) = self.station.line() {
                    line.finish(
                        self.station.store(),
                        unit,
                        self.serial.as_deref(),
                        Some(&registration_id),
                        &self.plan.product.id,
                        self.request.work_order.as_deref(),
                        Some((failure.step.as_str(), failure.code)),
                    );
                }
                failed(&failure)
            }
        }
    }

    /// A board with an open claim: reads it back (lock state, every claimed setting, the
    /// certificate, the EK) and completes the claim if it matches, locking it first if it is
    /// not locked yet; a board that disagrees fails the unit and nothing is queued.
    fn recover(
        &mut self,
        identity: &IdentityResponse,
        claim: &ClaimRecord,
    ) -> Result<UnitOutcome, UnitFailure> {
        self.unit_id = Some(claim.unit_id);
        // Until the board is read back, a failure (the link) leaves the claim open.
        self.keep_claim = true;
        tracing::warn!(slot = self.plan.index, serial = %claim.serial, unit = %claim.unit_id, locked = identity.locked, "board has an open claim: checking it");
        let disagreement = self.step(Step::Verify, |u| u.compare_with_claim(identity, claim))?;
        if let Some(why) = disagreement {
            self.keep_claim = false;
            return Err(UnitFailure::new(
                Step::Verify,
                "station::recover::mismatch",
                format!(
                    "board {} does not hold the identity the station committed to it ({why}); nothing was queued for it",
                    claim.serial
                ),
                "Send the board to rework; its certificate (if any) is void.",
            ));
        }
        if !identity.locked {
            self.keep_claim = false;
            self.step(Step::Lock, |u| u.lock_board(&claim.serial))?;
        }
        self.record(
            claim.registration_id.clone(),
            Pass::FromClaim {
                recovered: identity.locked,
            },
        )
    }

    /// `None` if the board holds exactly what the claim says; otherwise the first difference.
    fn compare_with_claim(
        &mut self,
        identity: &IdentityResponse,
        claim: &ClaimRecord,
    ) -> Result<Option<String>, UnitFailure> {
        for (name, digest) in &claim.settings {
            let Some(digest) = digest_bytes(digest) else {
                return Ok(Some(format!("the claim's digest of {name} is damaged")));
            };
            match self.holds_setting(name, name.ends_with("sym_key"), &digest)? {
                Some(true) => {}
                Some(false) => return Ok(Some(format!("{name} differs"))),
                None => return Ok(Some(format!("{name} is missing"))),
            }
        }
        if let Some(want) = &claim.certificate_sha256 {
            let chain = self
                .client()?
                .read_certificate(DEVICE_KEY_SLOT)
                .map_err(|e| smp(Step::Verify, &e))?;
            let leaf = chain.as_ref().and_then(|c| c.first());
            match leaf {
                Some(leaf) if setting_digest(leaf) == *want => {}
                Some(_) => return Ok(Some("its device certificate is another one".into())),
                None => return Ok(Some("it holds no device certificate".into())),
            }
        }
        if let Some(want) = &claim.ek_sha256 {
            let product = claim
                .product
                .as_deref()
                .and_then(|p| self.station.config().product(p))
                .unwrap_or(self.plan.product);
            let station = self.station;
            let client = self.client()?;
            let tpm = crate::tpm::read_ek(
                station.ek_reader(),
                station.vendor_roots(&product.id),
                product,
                identity,
                client,
            )?;
            if tpm.ek.sha256_hex() != *want {
                return Ok(Some("its TPM endorsement key is another one".into()));
            }
        }
        Ok(None)
    }

    fn claimed_unit(&self, step: Step) -> Result<UnitId, UnitFailure> {
        self.unit_id.ok_or_else(|| {
            UnitFailure::new(
                step,
                "station::record::no_unit",
                "the unit was never claimed in the store",
                "This is a station bug; report it.",
            )
        })
    }

    /// Keygen → CSR check → issue (recorded before it leaves) → install and read back.
    fn certificate_steps(
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
                &cn,
                &issued,
                &facts,
            ));
        }
        self.certificate = Some(issued);
        Ok(())
    }

    /// Signs the certificate and commits it (store + audit) before anything is sent.
    fn issue(
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
                "Restart the station with the CA configured for this product (see `station ca show`).",
            )
        })?;
        let unit = self.unit_id.ok_or_else(|| {
            UnitFailure::new(
                Step::Issue,
                "station::record::no_unit",
                "the unit was never claimed in the store",
                "This is a station bug; report it.",
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
                    crate::line_link::LinkError::Store(e) => UnitFailure::from_store(Step::Issue, &e),
                    crate::line_link::LinkError::Line(e) => UnitFailure {
                        detail: crate::error::chain(&e),
                        ..UnitFailure::new(
                            Step::Issue,
                            e.code(),
                            format!("the line database could not lease work order {wo}'s quota: {e}"),
                            "Check the station's network to the line database (station check), then run the slot again. No certificate was issued.",
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
        let mut last = None;
        for _ in 0..MAX_SERIAL_ATTEMPTS {
            let serial = CertSerial::random();
            let cert = issuer.issue(csr, &plan.profile, &serial).map_err(|e| {
                UnitFailure {
                    detail: crate::error::chain(&e),
                    ..UnitFailure::new(
                        Step::Issue,
                        "station::x509::sign_failed",
                        "the signing CA could not sign the device certificate",
                        "Check the CA (HSM connected, key present) with `station ca show`, then run the slot again.",
                    )
                }
            })?;
            let record = NewCertificate {
                unit_id: unit,
                serial: cert.serial.to_hex(),
                subject: cert.subject.clone(),
                sha256: cert.sha256_hex(),
                ca_id: issuer.ca_id().to_owned(),
                not_before: DateTime::<Utc>::from(cert.not_before),
                not_after: DateTime::<Utc>::from(cert.not_after),
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
    fn install(&mut self, cert: &IssuedCertificate) -> Result<(), UnitFailure> {
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
                "Use fewer intermediates, or firmware with a larger MCUmgr buffer.",
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
                "The DUT's certificate storage may be faulty: send the unit to rework.",
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
                "The DUT's certificate storage may be faulty: send the unit to rework.",
            ));
        }
        Ok(())
    }

    /// Opens the port, reads the identity, names the unit and claims it in the store.
    fn identify(&mut self) -> Result<IdentityResponse, UnitFailure> {
        let fixture = &self.station.config().fixture;
        let link = self
            .station
            .opener()
            .open(&self.plan.port, self.plan.baud)
            .map_err(|e| smp(Step::Identify, &station_smp::SmpError::Link(e)))?;
        let config = ConnectionConfig {
            timeout: Duration::from_millis(fixture.command_timeout_ms),
            max_attempts: fixture.max_attempts,
        };
        let client = self
            .client
            .insert(Client::new(Connection::new(link, config)));
        let identity = client.identity().map_err(|e| smp(Step::Identify, &e))?;
        self.serial = Some(identity.serial.clone());
        self.sink.event(&ProgressEvent::Identified {
            run_id: self.run_id.to_string(),
            slot: self.plan.index,
            serial: identity.serial.clone(),
            model: identity.model.clone(),
            fw: identity.fw.clone(),
        });
        Ok(identity)
    }

    /// A scanned label must name the board in the slot: a board swapped after scanning, or
    /// a label scanned into the wrong slot, stops here, before any identity is made for it.
    fn check_scanned_serial(&self, identity: &IdentityResponse) -> Result<(), UnitFailure> {
        match &self.plan.expected_serial {
            Some(scanned) if *scanned != identity.serial => Err(UnitFailure::new(
                Step::Identify,
                "station::identify::serial_mismatch",
                format!(
                    "the scanned serial {scanned} is not the board in slot {}, which reports {}",
                    self.plan.index, identity.serial
                ),
                "Check which board sits in this slot, scan its own label, and run the slot again.",
            )),
            _ => Ok(()),
        }
    }

    fn registration_id(&self, identity: &IdentityResponse) -> Result<RegistrationId, UnitFailure> {
        let rule = &self.plan.product.registration_id;
        let station_id = &self.station.config().station.id;
        RegistrationId::render(
            &rule.template,
            |name| match name {
                "serial" => Some(identity.serial.clone()),
                "model" => Some(identity.model.clone()),
                "station" => Some(station_id.clone()),
                _ => None,
            },
            rule.lowercase,
        )
        .map_err(|e| {
            UnitFailure::new(
                Step::Attest,
                "station::identity::bad_registration_id",
                format!(
                    "cannot make a DPS registration ID for serial {}: {e}",
                    identity.serial
                ),
                "Check the DUT's serial number, or the product's registration_id template.",
            )
        })
    }

    /// TPM: reads the EK through the DUT and checks its certificate.
    fn read_ek(&mut self, identity: &IdentityResponse) -> Result<TpmIdentity, UnitFailure> {
        let station = self.station;
        let product = self.plan.product;
        let client = self.client()?;
        crate::tpm::read_ek(
            station.ek_reader(),
            station.vendor_roots(&product.id),
            product,
            identity,
            client,
        )
    }

    /// Records an identified DUT that failed before its unit could be claimed (its TPM could
    /// not be read), so the record carries its serial.
    fn record_unclaimed(&mut self, identity: &IdentityResponse, failure: &UnitFailure) {
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

    fn new_unit(&self, identity: &IdentityResponse, registration_id: String) -> NewUnit {
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

    /// Names the unit, claims it in the store (duplicate check) and builds its identity.
    fn attest(
        &mut self,
        identity: &IdentityResponse,
        tpm: Option<&TpmIdentity>,
    ) -> Result<Attestation, UnitFailure> {
        let product = self.plan.product;
        let registration_id = match (&product.attestation, tpm) {
            (
                AttestationConfig::Tpm {
                    registration_id: TpmRegistrationId::EkHash,
                    ..
                },
                Some(tpm),
            ) => tpm.ek.registration_id(),
            _ => self.registration_id(identity)?,
        };
        let new_unit = self.new_unit(identity, registration_id.to_string());
        let begun = match tpm {
            Some(tpm) => self
                .station
                .store()
                .begin_tpm_unit(&new_unit, &tpm.ek.sha256_hex()),
            None => self.station.store().begin_unit(&new_unit),
        };
        match begun {
            Ok(id) => self.unit_id = Some(id),
            Err(e) => {
                let failure = match &e {
                    StoreError::Duplicate {
                        field: DuplicateField::EndorsementKey,
                        existing,
                        status,
                        ..
                    } => UnitFailure {
                        detail: crate::error::chain(&e),
                        ..UnitFailure::new(
                            Step::Attest,
                            "station::tpm::duplicate_ek",
                            format!(
                                "duplicate TPM: the endorsement key of DUT {}'s TPM already belongs to unit {existing} ({status})",
                                identity.serial
                            ),
                            "Two boards must never share a TPM (it may be cloned): quarantine this board and call a supervisor.",
                        )
                    },
                    _ => UnitFailure::from_store(Step::Attest, &e),
                };
                // Keep a record of the refused attempt, serial included.
                match self.station.store().record_refused_unit(
                    &new_unit,
                    &store_failure(&failure),
                    &self.steps,
                ) {
                    Ok(id) => self.unit_id = Some(id),
                    Err(e2) => {
                        tracing::error!(error = %crate::error::chain(&e2), "could not record a refused unit")
                    }
                }
                return Err(failure);
            }
        }
        let facts = UnitFacts::of(
            self.station,
            product,
            identity,
            self.request.work_order.as_deref(),
        );
        let attestation = attest::attest(
            product,
            &registration_id,
            self.station.group_key(&product.id),
            tpm,
            &facts,
        )?;
        // The line first: a board another station provisioned is named as such.
        self.reserve_board_on_line(identity, &registration_id.to_string(), tpm, &attestation)?;
        if identity.locked {
            return Err(UnitFailure::new(
                Step::Attest,
                "station::dut::locked",
                format!(
                    "DUT {} is already locked and cannot be provisioned again",
                    identity.serial
                ),
                "Send the unit to rework to have it unlocked.",
            ));
        }
        Ok(attestation)
    }

    /// Reads every written setting (and an X.509 unit's chain) back after the reset and
    /// compares.
    /// Whether the board holds `name` with the value whose SHA-256 is `digest`; `None`: it
    /// holds no such setting. A secret is proven, not read back (the setting proof over a fresh
    /// nonce, docs/device-protocol.md): it never crosses the link twice, and a locked board
    /// does not return it at all.
    fn holds_setting(
        &mut self,
        name: &str,
        secret: bool,
        digest: &[u8; 32],
    ) -> Result<Option<bool>, UnitFailure> {
        if !secret {
            return Ok(self
                .client()?
                .read_setting(name, false)
                .map_err(|e| smp(Step::Verify, &e))?
                .map(|v| {
                    use sha2::Digest as _;
                    sha2::Sha256::digest(&v).as_slice() == digest
                }));
        }
        let nonce: [u8; 32] = rand::random();
        let mac = self
            .client()?
            .prove_setting(name, &nonce)
            .map_err(|e| smp(Step::Verify, &e))?;
        let want = station_smp::commands::provisioning::setting_proof(digest, &nonce, name);
        Ok(mac.map(|m| constant_time_eq(&m, &want)))
    }

    fn verify(&mut self, attestation: &Attestation) -> Result<(), UnitFailure> {
        if let Some(chain) = self.certificate.as_ref().map(|c| c.chain.clone()) {
            let stored = self
                .client()?
                .read_certificate(DEVICE_KEY_SLOT)
                .map_err(|e| smp(Step::Verify, &e))?;
            if stored.as_deref() != Some(chain.as_slice()) {
                return Err(UnitFailure::new(
                    Step::Verify,
                    "station::verify::certificate_lost",
                    "the device certificate did not persist across the reset",
                    "The DUT lost its certificate storage: send the unit to rework.",
                ));
            }
        }
        for s in &attestation.settings {
            use sha2::Digest as _;
            let digest: [u8; 32] = sha2::Sha256::digest(s.value.as_slice()).into();
            match self.holds_setting(&s.name, s.secret, &digest)? {
                Some(true) => {}
                Some(false) => {
                    return Err(UnitFailure::new(
                        Step::Verify,
                        "station::verify::mismatch",
                        format!("{} read back different from what was written", s.name),
                        "Flash may be faulty: send the unit to rework.",
                    ));
                }
                None => {
                    return Err(UnitFailure::new(
                        Step::Verify,
                        "station::verify::not_persisted",
                        format!("{} did not persist across the reset", s.name),
                        "The DUT lost its settings (flash fault or reset during save): send the unit to rework.",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Records the failure (if the unit was claimed) and builds the outcome.
    fn fail(&mut self, failure: &UnitFailure) -> UnitOutcome {
        tracing::warn!(
            slot = self.plan.index, serial = ?self.serial, step = failure.step.as_str(), code = failure.code,
            detail = %failure.detail, "unit FAIL: {}", failure.message
        );
        let store = self.station.store();
        if self.keep_claim {
            tracing::warn!(slot = self.plan.index, serial = ?self.serial, unit = ?self.unit_id, "the unit's claim stays open until its board is seen again");
            return failed(failure);
        }
        if let (Some(unit), Some(line)) = (self.unit_id, self.station.line()) {
            line.finish(
                store,
                unit,
                self.serial.as_deref(),
                None,
                &self.plan.product.id,
                self.request.work_order.as_deref(),
                Some((failure.step.as_str(), failure.code)),
            );
        }
        let steps = &self.steps[self.recorded_steps..];
        let recorded = match self.unit_id {
            Some(unit) => match store.finish_fail(unit, steps, &store_failure(failure)) {
                // A refused unit was already recorded as failed.
                Err(station_store::StoreError::InvalidState { .. }) => Ok(()),
                other => other,
            },
            None => store
                .record_unidentified_failure(
                    self.run_id,
                    self.plan.index,
                    &store_failure(failure),
                    &self.steps,
                )
                .map(|id| self.unit_id = Some(id)),
        };
        if let Err(e) = recorded {
            tracing::error!(error = %crate::error::chain(&e), "could not record a failed unit");
        }
        failed(failure)
    }

    fn client(&mut self) -> Result<&mut Client, UnitFailure> {
        self.client.as_mut().ok_or_else(|| {
            UnitFailure::new(
                Step::Identify,
                "station::link::closed",
                "the slot's port is not open",
                "Run the slot again.",
            )
        })
    }

    /// Runs one step, timing it, recording it and reporting it.
    fn step<T>(
        &mut self,
        step: Step,
        f: impl FnOnce(&mut Self) -> Result<T, UnitFailure>,
    ) -> Result<T, UnitFailure> {
        // A safe point: before the claim nothing irreversible was done, so a requested stop
        // ends the unit here; a claimed unit finishes its lock and record.
        if self.request.stop.is_requested() && self.recorded_steps == 0 && !self.keep_claim {
            return Err(UnitFailure::new(
                step,
                "station::run::stopped",
                format!(
                    "the station was stopped before slot {} finished; nothing irreversible was done",
                    self.plan.index
                ),
                "Run the slot again when the station is back.",
            ));
        }
        let started_at = Utc::now();
        let t = Instant::now();
        self.emit_step_started(step);
        let result = f(self);
        let duration = t.elapsed();
        self.steps.push(StepRecord {
            step: step.as_str().into(),
            ok: result.is_ok(),
            started_at,
            duration,
            detail: result.as_ref().err().map(|f| f.detail.clone()),
        });
        self.emit_step_finished(step, result.is_ok(), duration);
        result
    }

    fn emit_step_started(&self, step: Step) {
        self.sink.event(&ProgressEvent::StepStarted {
            run_id: self.run_id.to_string(),
            slot: self.plan.index,
            serial: self.serial.clone(),
            step,
        });
    }

    fn emit_step_finished(&self, step: Step, ok: bool, duration: Duration) {
        self.sink.event(&ProgressEvent::StepFinished {
            run_id: self.run_id.to_string(),
            slot: self.plan.index,
            serial: self.serial.clone(),
            step,
            ok,
            duration_ms: duration.as_secs_f64() * 1e3,
        });
    }
}

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
    UnitFailure::new(
        Step::CheckCsr,
        code,
        e.to_string(),
        "No certificate was issued. The DUT firmware made a bad certificate request: send the unit to rework.",
    )
}

/// How [`UnitRun::record`] commits a PASS.
#[derive(Clone, Copy)]
enum Pass<'a> {
    /// From the unit's claim (committed before the lock).
    FromClaim {
        /// The board was found locked and matching after the station lost track of it.
        recovered: bool,
    },
    /// Directly, with this enrollment: no claim was made
    /// ([`Station::dangerous_without_claim`], the benchmark only).
    WithoutClaim(Option<&'a NewEnrollment>),
}

/// The registration ID written to the DUT (its `…/reg_id` setting).
fn registration_id_of(attestation: &Attestation) -> String {
    attestation
        .settings
        .iter()
        .find(|s| s.name.ends_with("/reg_id"))
        .map(|s| String::from_utf8_lossy(&s.value).into_owned())
        .unwrap_or_default()
}

/// The individual enrollment a unit queues on PASS, if its product has one.
fn enrollment_of(attestation: &Attestation) -> Result<Option<NewEnrollment>, UnitFailure> {
    match &attestation.enrollment {
        Some(e) => Ok(Some(NewEnrollment {
            registration_id: e.registration_id.clone(),
            payload_json: serde_json::to_string(e).map_err(|e| {
                UnitFailure::new(
                    Step::Record,
                    "station::record::encode",
                    format!("cannot encode the enrollment: {e}"),
                    "This is a station bug; report it.",
                )
            })?,
        })),
        None => Ok(None),
    }
}

/// The outcome a failure is reported as.
fn failed(failure: &UnitFailure) -> UnitOutcome {
    UnitOutcome::Fail {
        step: failure.step,
        code: failure.code.to_owned(),
        message: failure.message.clone(),
        help: failure.help.clone(),
    }
}

fn smp(step: Step, e: &station_smp::SmpError) -> UnitFailure {
    UnitFailure::from_smp(step, e)
}

fn store_failure(f: &UnitFailure) -> station_store::UnitFailure {
    station_store::UnitFailure {
        step: f.step.as_str().into(),
        code: f.code.into(),
        message: f.message.clone(),
    }
}

/// A committed claim being fsynced on its own thread, so the disk's latency overlaps the
/// board's readback instead of delaying the lock frame.
enum ClaimSync {
    Syncing(std::thread::JoinHandle<Result<(), StoreError>>),
    /// No thread could be started: synced inline.
    Synced(Result<(), StoreError>),
}

impl ClaimSync {
    fn start(store: Arc<Store>, pending: Unsynced) -> Self {
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
    fn wait(self) -> Result<(), StoreError> {
        match self {
            Self::Syncing(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Self::Synced(result) => result,
        }
    }
}

/// A claim's hex SHA-256 digest as bytes.
fn digest_bytes(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Compares two MACs without an early exit.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
