//! What a run did: one report per slot.

use std::time::Duration;

use crate::events::UnitOutcome;

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Run id.
    pub run_id: String,
    /// One report per slot, in slot order.
    pub units: Vec<UnitReport>,
    /// Wall time.
    pub wall: Duration,
}

impl RunSummary {
    /// Units that passed.
    pub fn passed(&self) -> usize {
        self.units
            .iter()
            .filter(|u| matches!(u.outcome, UnitOutcome::Pass { .. }))
            .count()
    }

    /// Units that failed.
    pub fn failed(&self) -> usize {
        self.units
            .iter()
            .filter(|u| matches!(u.outcome, UnitOutcome::Fail { .. }))
            .count()
    }

    /// Slots skipped: empty, or holding a board already provisioned (no unit recorded).
    pub fn skipped(&self) -> usize {
        self.units
            .iter()
            .filter(|u| matches!(u.outcome, UnitOutcome::Skipped { .. }))
            .count()
    }
}

/// One slot's result.
#[derive(Debug, Clone)]
pub struct UnitReport {
    /// Slot.
    pub slot: u16,
    /// Serial, if the DUT identified itself.
    pub serial: Option<String>,
    /// Store id, if recorded.
    pub unit_id: Option<i64>,
    /// PASS or FAIL.
    pub outcome: UnitOutcome,
    /// Wall time of the unit.
    pub wall: Duration,
    /// Bytes moved over the link.
    pub link_bytes: u64,
    /// Steps: name, duration, success.
    pub steps: Vec<(String, Duration, bool)>,
}
