//! One unit's provisioning, from opening its slot's port to recording the result.

use std::time::{Duration, Instant};

use chrono::Utc;
use station_config::ProductProfile;
use station_identity::RegistrationId;
use station_smp::commands::provisioning::IdentityResponse;
use station_smp::{Client, Connection, ConnectionConfig};
use station_store::{NewEnrollment, NewUnit, RunId, StepRecord, UnitId};

use crate::RunRequest;
use crate::attest::{self, Attestation, UnitFacts};
use crate::error::UnitFailure;
use crate::events::{EventSink, ProgressEvent, Step, UnitOutcome};
use crate::station::{Station, UnitReport};

/// Everything one slot needs to provision its unit.
pub(crate) struct SlotPlan<'a> {
    pub(crate) index: u16,
    pub(crate) port: String,
    pub(crate) baud: u32,
    pub(crate) product: &'a ProductProfile,
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
    };
    let outcome = match unit.run() {
        Ok(outcome) => outcome,
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
}

impl UnitRun<'_> {
    fn run(&mut self) -> Result<UnitOutcome, UnitFailure> {
        let identity = self.step(Step::Identify, |u| u.identify())?;
        let product = self.plan.product;
        let attestation = self.step(Step::Attest, |u| u.attest(&identity))?;
        self.step(Step::WriteSettings, |u| {
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
        self.step(Step::Verify, |u| u.verify(&attestation))?;
        self.step(Step::Lock, |u| {
            u.client()?
                .lock(&identity.serial)
                .map_err(|e| smp(Step::Lock, &e))
        })?;
        self.record(product, &attestation)
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

    /// Names the unit, claims it in the store (duplicate check) and builds its identity.
    fn attest(&mut self, identity: &IdentityResponse) -> Result<Attestation, UnitFailure> {
        let product = self.plan.product;
        let registration_id = self.registration_id(identity)?;
        let config = self.station.config();
        let new_unit = NewUnit {
            run_id: self.run_id.clone(),
            slot: self.plan.index,
            serial: identity.serial.clone(),
            product: product.id.clone(),
            registration_id: registration_id.to_string(),
            attestation: product.attestation.kind().to_owned(),
            work_order: self.request.work_order.clone(),
            operator: self.request.operator.clone(),
            station_id: config.station.id.clone(),
            identity_json: serde_json::to_string(identity).ok(),
            rework: self.request.permissions.rework,
        };
        match self.station.store().begin_unit(&new_unit) {
            Ok(id) => self.unit_id = Some(id),
            Err(e) => {
                let failure = UnitFailure::from_store(Step::Attest, &e);
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
        let facts = UnitFacts {
            identity,
            station_id: &config.station.id,
            work_order: self.request.work_order.as_deref(),
            device_id: product.device_id.as_ref().map(|t| {
                t.replace("{serial}", &identity.serial)
                    .replace("{model}", &identity.model)
                    .replace("{station}", &config.station.id)
            }),
        };
        attest::attest(
            product,
            &registration_id,
            self.station.group_key(&product.id),
            &facts,
        )
    }

    /// Reads every written setting back after the reset and compares.
    fn verify(&mut self, attestation: &Attestation) -> Result<(), UnitFailure> {
        let client = self.client()?;
        for s in &attestation.settings {
            let got = client
                .read_setting(&s.name, s.secret)
                .map_err(|e| smp(Step::Verify, &e))?;
            match got {
                Some(v) if v.as_slice() == s.value.as_slice() => {}
                Some(_) => {
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

    /// Commits PASS and the queued enrollment together; only then is PASS reported.
    fn record(
        &mut self,
        product: &ProductProfile,
        attestation: &Attestation,
    ) -> Result<UnitOutcome, UnitFailure> {
        let started_at = Utc::now();
        let t = Instant::now();
        self.emit_step_started(Step::Record);
        let registration_id = attestation
            .settings
            .iter()
            .find(|s| s.name.ends_with("/reg_id"))
            .map(|s| String::from_utf8_lossy(&s.value).into_owned())
            .unwrap_or_default();
        let enrollment = match &attestation.enrollment {
            Some(e) => Some(NewEnrollment {
                registration_id: e.registration_id.clone(),
                payload_json: serde_json::to_string(e).map_err(|e| {
                    UnitFailure::new(
                        Step::Record,
                        "station::record::encode",
                        format!("cannot encode the enrollment: {e}"),
                        "This is a station bug; report it.",
                    )
                })?,
            }),
            None => None,
        };
        let unit = self.unit_id.ok_or_else(|| {
            UnitFailure::new(
                Step::Record,
                "station::record::no_unit",
                "the unit was never claimed in the store",
                "This is a station bug; report it.",
            )
        })?;
        let mut steps = self.steps.clone();
        steps.push(StepRecord {
            step: Step::Record.as_str().into(),
            ok: true,
            started_at,
            duration: t.elapsed(),
            detail: None,
        });
        let result = self
            .station
            .store()
            .finish_pass(unit, &steps, enrollment.as_ref());
        let ok = result.is_ok();
        self.emit_step_finished(Step::Record, ok, t.elapsed());
        match result {
            Ok(()) => {
                self.steps = steps;
                tracing::info!(slot = self.plan.index, serial = ?self.serial, %registration_id, product = %product.id, "unit PASS");
                Ok(UnitOutcome::Pass {
                    registration_id,
                    enrollment_queued: enrollment.is_some(),
                })
            }
            Err(e) => Err(UnitFailure::from_store(Step::Record, &e)),
        }
    }

    /// Records the failure (if the unit was claimed) and builds the outcome.
    fn fail(&mut self, failure: &UnitFailure) -> UnitOutcome {
        tracing::warn!(
            slot = self.plan.index, serial = ?self.serial, step = failure.step.as_str(), code = failure.code,
            detail = %failure.detail, "unit FAIL: {}", failure.message
        );
        let store = self.station.store();
        let recorded = match self.unit_id {
            Some(unit) => match store.finish_fail(unit, &self.steps, &store_failure(failure)) {
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
        UnitOutcome::Fail {
            step: failure.step,
            code: failure.code.to_owned(),
            message: failure.message.clone(),
            help: failure.help.clone(),
        }
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
