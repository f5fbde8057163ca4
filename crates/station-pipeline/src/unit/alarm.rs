//! Repeated hand-outs are an alarm (docs/security.md): a slot where boards keep failing after
//! taking a credential is blocked, and a blocked slot starts no unit until a supervisor clears
//! it (`station slots --clear`). The counting and the block itself are the store's
//! ([`station_store::SlotBlock`]); this module applies them to a run.

use station_store::{AlarmPolicy, SlotBlock, UnitId};

use crate::events::{Step, UnitOutcome};
use crate::station::Station;

const BLOCKED: &str = "station::slot::blocked";

/// The configured policy.
fn policy(station: &Station) -> AlarmPolicy {
    let alarm = station.config().fixture.handout_alarm;
    AlarmPolicy {
        failures: alarm.failures,
        window: chrono::Duration::hours(i64::from(alarm.window_hours)),
    }
}

/// The outcome of a slot that may not start: it is blocked (or the station cannot tell,
/// which it treats as blocked). `None` when the slot may run.
pub(super) fn refuse_blocked(station: &Station, slot: u16) -> Option<UnitOutcome> {
    match station.store().slot_block(slot) {
        Ok(None) => None,
        Ok(Some(block)) => Some(UnitOutcome::Fail {
            step: Step::Identify,
            code: BLOCKED.into(),
            message: block.describe(),
            help: station_errors::action(BLOCKED).into(),
            also: None,
            pending: false,
        }),
        Err(e) => Some(UnitOutcome::Fail {
            step: Step::Identify,
            code: station_errors::Coded::code(&e).into(),
            message: format!(
                "slot {slot}: the station could not check whether the slot is blocked: {e}"
            ),
            help: station_errors::Coded::action(&e).into(),
            also: None,
            pending: false,
        }),
    }
}

/// After a unit failed: blocks its slot if its failure trips the alarm, and says so in the
/// unit's outcome (its own code and step stay).
pub(super) fn raise(station: &Station, unit: Option<UnitId>, outcome: UnitOutcome) -> UnitOutcome {
    let (Some(unit), UnitOutcome::Fail { .. }) = (unit, &outcome) else {
        return outcome;
    };
    match station.store().raise_handout_alarm(unit, &policy(station)) {
        Ok(None) => outcome,
        Ok(Some(block)) => {
            tracing::warn!(
                slot = block.slot,
                unit = unit.0,
                failures_on_slot = block.failures_on_slot,
                failures_of_serial = block.failures_of_serial,
                "slot blocked: repeated failures after a credential was handed out"
            );
            blocked(outcome, &block)
        }
        Err(e) => {
            // The unit's failure is recorded; only the alarm could not be checked.
            tracing::error!(unit = unit.0, error = %e, "could not check the hand-out alarm");
            outcome
        }
    }
}

/// `outcome` (a failure) with the block added to its message, its help and its codes.
fn blocked(outcome: UnitOutcome, block: &SlotBlock) -> UnitOutcome {
    match outcome {
        UnitOutcome::Fail {
            step,
            code,
            message,
            help,
            also: _,
            pending,
        } => UnitOutcome::Fail {
            step,
            code,
            message: format!("{message}; {}", block.describe()),
            help: format!("{help} {}", station_errors::action(BLOCKED)),
            also: Some(BLOCKED.into()),
            pending,
        },
        other => other,
    }
}
