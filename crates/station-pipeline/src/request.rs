//! What a run is asked to do: slots, operator, work order, permissions, per-slot overrides,
//! and the flag that stops it gracefully.

use std::collections::BTreeMap;

/// Irreversible or safety-relevant actions a run may take, granted explicitly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Permissions {
    /// Provision a serial or registration ID that already passed (the old unit is
    /// superseded). A supervisor's decision; recorded in the audit log.
    pub rework: bool,
}

impl Permissions {
    /// No special permissions: duplicates are refused.
    pub fn none() -> Self {
        Self::default()
    }
}

/// A request to stop a run at its next safe point, shared with whoever asks (a signal handler,
/// the desktop app's close button). Clones share one flag.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl StopFlag {
    /// A flag nobody has raised.
    pub fn new() -> Self {
        Self::default()
    }

    /// A flag over an existing atomic (e.g. one a signal handler sets).
    pub fn from_atomic(flag: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Self {
        Self(flag)
    }

    /// Asks every slot to stop at its next safe point: a unit not yet claimed stops before its
    /// next step (FAIL `station::run::stopped`, nothing irreversible done); a claimed unit
    /// finishes its lock and record.
    pub fn request(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether a stop was requested.
    pub fn is_requested(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// Slots to run; `None` runs every configured slot.
    pub slots: Option<Vec<u16>>,
    /// The logged-in operator.
    pub operator: String,
    /// The work order, if any.
    pub work_order: Option<String>,
    /// Granted permissions.
    pub permissions: Permissions,
    /// Per-slot choices for this run, by slot index; slots not named run as configured.
    pub overrides: BTreeMap<u16, SlotOverride>,
    /// Raised to stop the run at the slots' next safe points (graceful stop).
    pub stop: StopFlag,
}

/// What one slot does differently in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotOverride {
    /// Provision this product instead of the slot's configured one (a supervisor's choice).
    pub product: Option<String>,
    /// The serial scanned from the board's label: the DUT must report exactly this serial,
    /// or the unit fails at `identify` before anything is written.
    pub expected_serial: Option<String>,
}

impl SlotOverride {
    /// The per-slot overrides of a run from its chosen products and scanned serials, each as
    /// `(slot, value)`.
    pub fn by_slot(
        products: impl IntoIterator<Item = (u16, String)>,
        expected_serials: impl IntoIterator<Item = (u16, String)>,
    ) -> BTreeMap<u16, SlotOverride> {
        let mut overrides: BTreeMap<u16, SlotOverride> = BTreeMap::new();
        for (slot, product) in products {
            overrides.entry(slot).or_default().product = Some(product);
        }
        for (slot, serial) in expected_serials {
            overrides.entry(slot).or_default().expected_serial = Some(serial);
        }
        overrides
    }
}
