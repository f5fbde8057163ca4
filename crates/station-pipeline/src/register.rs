//! The register check: once a passed unit's enrollment is in DPS, its board registers with
//! DPS over the fixture's network (SMP group 64, id 6), as it will in the field. Only an
//! assignment keeps the unit's PASS; anything else fails it with a reason the technician can
//! act on.

use std::time::{Duration, Instant};

use station_smp::Client;
use station_smp::commands::provisioning::register_status;
use station_store::{EnrollmentStatus, Store, UnitId};

use crate::error::UnitFailure;
use crate::events::{Registered, Step};
use crate::request::StopFlag;

/// How often the slot looks at its enrollment while the uploader works.
const POLL: Duration = Duration::from_millis(100);

/// Waits until the unit's enrollment is uploaded (a unit that queued none, a group product's,
/// needs no wait): at most `wait`, and no longer than a requested stop.
pub(crate) fn wait_for_upload(
    store: &Store,
    unit: UnitId,
    wait: Duration,
    stop: &StopFlag,
) -> Result<(), UnitFailure> {
    let deadline = Instant::now() + wait;
    loop {
        let status = store
            .enrollment_status(unit)
            .map_err(|e| UnitFailure::from_store(Step::Register, &e))?;
        match status {
            None | Some(EnrollmentStatus::Uploaded) => return Ok(()),
            Some(EnrollmentStatus::Conflict) => {
                return Err(UnitFailure::new(
                    Step::Register,
                    "station::register::conflict",
                    "DPS already holds a different enrollment for this registration ID, so the board was not asked to register",
                ));
            }
            Some(EnrollmentStatus::DisableQueued | EnrollmentStatus::Disabled) => {
                return Err(UnitFailure::new(
                    Step::Register,
                    "station::unit::revoked",
                    "the unit's registration ID was revoked, so the board was not asked to register",
                ));
            }
            Some(EnrollmentStatus::Superseded) => {
                return Err(UnitFailure::new(
                    Step::Register,
                    "station::register::superseded",
                    "the unit's enrollment was superseded before it was uploaded",
                ));
            }
            Some(EnrollmentStatus::Queued) => {}
        }
        if stop.is_requested() {
            return Err(UnitFailure::new(
                Step::Register,
                "station::register::stopped",
                "the station was stopped before the unit's enrollment was uploaded; the board did not register",
            ));
        }
        if Instant::now() >= deadline {
            return Err(UnitFailure::new(
                Step::Register,
                "station::register::not_uploaded",
                format!(
                    "the unit's enrollment was not uploaded within {} s, so the board could not register",
                    wait.as_secs()
                ),
            ));
        }
        std::thread::sleep(POLL);
    }
}

/// Has the board register and reads how it went.
pub(crate) fn ask_board(client: &mut Client) -> Result<Registered, UnitFailure> {
    let answer = client
        .register()
        .map_err(|e| UnitFailure::from_smp(Step::Register, &e))?;
    let Some(answer) = answer else {
        return Err(UnitFailure::new(
            Step::Register,
            "station::register::no_network",
            "the board has no network on this fixture, so it cannot register with DPS here",
        ));
    };
    let reason = answer.reason.unwrap_or_else(|| "no reason given".into());
    match answer.status.as_str() {
        register_status::ASSIGNED => match (answer.hub, answer.device_id) {
            (Some(hub), Some(device_id)) if !hub.is_empty() && !device_id.is_empty() => {
                Ok(Registered { hub, device_id })
            }
            _ => Err(UnitFailure::new(
                Step::Register,
                "station::register::bad_answer",
                "the board says it was assigned but names no hub or device ID",
            )),
        },
        register_status::REFUSED => Err(UnitFailure::new(
            Step::Register,
            "station::register::refused",
            format!("DPS refused the board's registration: {reason}"),
        )),
        register_status::UNREACHABLE => Err(UnitFailure::new(
            Step::Register,
            "station::register::unreachable",
            format!("the board could not reach DPS: {reason}"),
        )),
        other => Err(UnitFailure::new(
            Step::Register,
            "station::register::bad_answer",
            format!("the board answered the register command with status {other:?}"),
        )),
    }
}
