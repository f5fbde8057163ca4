//! One unit's provisioning, from opening its slot's port to recording the result.
//!
//! This module is the step loop ([`provision`], `UnitRun::run`): identify, read the EK, attest,
//! write, save, reset, verify, lock, record. Each other job has its own module, as methods of
//! the same `UnitRun`:
//!
//! - `x509`: a certificate's keygen, CSR check, issuance (audited before it leaves) and install;
//! - `record`: the write-ahead claim, the lock, and the PASS record;
//! - `verify`: reading the board back after its reset;
//! - `recover`: a board the station lost track of, checked against its claim;
//! - `line`: reservations in the line database;
//! - `register_check`: the board's own registration with DPS after PASS;
//! - `alarm`: a slot blocked after repeated failures with a credential handed out.

mod alarm;
mod line;
mod record;
mod recover;
mod register_check;
mod verify;
mod x509;

use std::time::{Duration, Instant};

use chrono::Utc;
use station_config::ProductProfile;
use station_config::{AttestationConfig, TpmRegistrationId};
use station_identity::RegistrationId;
use station_identity::pki::IssuedCertificate;
use station_smp::commands::provisioning::IdentityResponse;
use station_smp::{Client, Connection, ConnectionConfig};
use station_store::{DuplicateField, RunId, StepRecord, StoreError, UnitClaims, UnitId};

use crate::attest::{self, Attestation};
use crate::error::UnitFailure;
use crate::events::{EventSink, ProgressEvent, SkipReason, Step, UnitOutcome};
use crate::facts::UnitFacts;
use crate::report::UnitReport;
use crate::request::RunRequest;
use crate::station::Station;
use crate::tpm::TpmIdentity;
use record::{Pass, enrollment_of};

/// Everything one slot needs to provision its unit.
pub(crate) struct SlotPlan<'a> {
    pub(crate) index: u16,
    pub(crate) port: String,
    /// The fixture definition found no single board in the slot (one line with what to do):
    /// the slot is empty and nothing is opened.
    pub(crate) no_board: Option<String>,
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
    // Ends the slot before any unit exists: no serial, no unit, nothing on the link.
    let without_unit = |outcome| {
        let report = UnitReport {
            slot: plan.index,
            serial: None,
            unit_id: None,
            outcome,
            wall: started.elapsed(),
            link_bytes: 0,
            steps: Vec::new(),
        };
        finished(run_id, sink, report)
    };
    if let Some(why) = &plan.no_board {
        return without_unit(UnitOutcome::Skipped {
            reason: SkipReason::Empty,
            message: why.clone(),
            help: station_errors::action(EMPTY_SLOT).into(),
            unit_id: None,
        });
    }
    if let Some(outcome) = alarm::refuse_blocked(station, plan.index) {
        // Blocked: no unit is started, nothing touches the board.
        return without_unit(outcome);
    }
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
    let outcome = alarm::raise(station, unit.unit_id, outcome);
    let link_bytes = unit.client.as_ref().map_or(0, |c| c.stats().total());
    drop(unit.client.take());
    finished(
        run_id,
        sink,
        UnitReport {
            slot: plan.index,
            serial: unit.serial,
            unit_id: unit.unit_id.map(|u| u.0),
            outcome,
            wall: started.elapsed(),
            link_bytes,
            steps: unit
                .steps
                .iter()
                .map(|s| (s.step.clone(), s.duration, s.ok))
                .collect(),
        },
    )
}

/// Emits the slot's `UnitFinished`, which says what `report` says, and returns the report.
fn finished(run_id: &RunId, sink: &dyn EventSink, report: UnitReport) -> UnitReport {
    sink.event(&ProgressEvent::UnitFinished {
        run_id: run_id.to_string(),
        slot: report.slot,
        serial: report.serial.clone(),
        unit_id: report.unit_id,
        outcome: report.outcome.clone(),
        wall_ms: report.wall.as_secs_f64() * 1e3,
        link_bytes: report.link_bytes,
    });
    report
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

/// The code of an identify that heard nothing: the slot is empty ([`UnitOutcome::Skipped`]).
const EMPTY_SLOT: &str = "station::slot::empty";

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
            Err(failure) if failure.code == EMPTY_SLOT => {
                return Ok(UnitOutcome::Skipped {
                    reason: SkipReason::Empty,
                    help: failure.help().to_owned(),
                    message: failure.message,
                    unit_id: None,
                });
            }
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
        // A good board run again: locked, holding exactly what its PASS unit wrote. Nothing
        // is recorded against it; a clone or an altered board still fails below.
        if identity.locked
            && !self.request.permissions.rework
            && let Some(outcome) = self.already_provisioned(&identity)?
        {
            return Ok(outcome);
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
            // A group-derived key is handed out once it is sent: recorded first, so a unit that
            // does not pass has its registration ID revoked.
            if let (Some(revocation), Some(unit)) = (&attestation.revocation, u.unit_id) {
                let handout = station_store::NewHandout {
                    unit_id: unit,
                    revocation_json: x509::revocation_json(revocation)?,
                };
                u.station
                    .store()
                    .record_handout(&handout)
                    .map_err(|e| UnitFailure::from_store(Step::WriteSettings, &e))?;
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
            let enrollment = enrollment_of(&attestation, self.station.sealer())?;
            return self.record(
                &attestation.registration_id,
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
            &attestation.registration_id,
            Pass::FromClaim { recovered: false },
        )
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
        // One probe first, as long as an empty slot may take: silence (not a byte back) means
        // no board, and no unit is made of it; anything else is tried as usual.
        let probe = ConnectionConfig {
            timeout: Duration::from_millis(fixture.empty_after_ms),
            max_attempts: 1,
        };
        let client = self
            .client
            .insert(Client::new(Connection::new(link, probe)));
        let first = client.identity();
        client.connection().set_config(config);
        let identity = match first {
            Ok(identity) => identity,
            Err(e) if client.stats().rx_bytes == 0 && e.is_silence() => {
                return Err(UnitFailure::new(
                    Step::Identify,
                    EMPTY_SLOT,
                    format!(
                        "no board answered in slot {} within {} ms",
                        self.plan.index, fixture.empty_after_ms
                    ),
                ));
            }
            Err(_) => client.identity().map_err(|e| smp(Step::Identify, &e))?,
        };
        // Nothing a board says about itself is used before it is checked.
        crate::board_strings::check(&identity, self.plan.product)?;
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
        let ek_sha256 = tpm.map(|t| t.ek.sha256_hex());
        let device_id =
            crate::facts::device_id(product, identity, &self.station.config().station.id);
        let begun = self.station.store().begin_unit_claiming(
            &new_unit,
            &UnitClaims {
                ek_sha256: ek_sha256.as_deref(),
                device_id: device_id.as_deref(),
            },
        );
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
                        )
                    },
                    StoreError::Duplicate {
                        field: DuplicateField::DeviceId,
                        value,
                        existing,
                        status,
                    } => UnitFailure {
                        detail: crate::error::chain(&e),
                        ..UnitFailure::new(
                            Step::Attest,
                            "station::unit::duplicate_device_id",
                            format!(
                                "DUT {}: its device ID {value} already belongs to unit {existing} ({status})",
                                identity.serial
                            ),
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
        self.reserve_board_on_line(identity, registration_id.as_ref(), tpm, &attestation)?;
        if identity.locked {
            return Err(UnitFailure::new(
                Step::Attest,
                "station::dut::locked",
                format!(
                    "DUT {} is already locked and cannot be provisioned again",
                    identity.serial
                ),
            ));
        }
        Ok(attestation)
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
            let mut outcome = failed(failure);
            if let UnitOutcome::Fail { pending, .. } = &mut outcome {
                *pending = true;
            }
            return outcome;
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
        if self
            .steps
            .iter()
            .any(|s| s.step == Step::Issue.as_str() && s.ok)
        {
            // Its certificate is void now: the CRL lists it.
            self.station.refresh_crl(&self.plan.product.id);
        }
        failed(failure)
    }

    fn client(&mut self) -> Result<&mut Client, UnitFailure> {
        self.client.as_mut().ok_or_else(|| {
            UnitFailure::new(
                Step::Identify,
                "station::link::closed",
                "the slot's port is not open",
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

/// The outcome a failure is reported as.
fn failed(failure: &UnitFailure) -> UnitOutcome {
    UnitOutcome::Fail {
        step: failure.step,
        code: failure.code.to_owned(),
        message: failure.message.clone(),
        help: failure.help().to_owned(),
        also: None,
        pending: false,
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
