//! The register check after PASS: the enrollment uploaded, the board registers with DPS over
//! the fixture's network from its own flash.

use std::time::{Duration, Instant};

use chrono::Utc;
use station_store::StepRecord;

use super::{UnitRun, failed, store_failure};
use crate::error::UnitFailure;
use crate::events::{Step, UnitOutcome};

impl UnitRun<'_> {
    /// The register check after PASS: the enrollment uploaded, the board registers over the
    /// fixture's network. Recorded on the unit; anything but an assignment fails it.
    pub(super) fn register_check(
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
                self.station.refresh_crl(&self.plan.product.id);
                failed(&failure)
            }
        }
    }
}
