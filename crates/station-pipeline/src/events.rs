//! Progress events: the one way the pipeline reports what it is doing.

use serde::Serialize;

/// A pipeline step, with operator text in `Display`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Open the port and read the DUT's identity.
    Identify,
    /// TPM: read the endorsement key (and SRK) through the DUT and check the EK certificate
    /// against the TPM vendors' CAs.
    ReadEk,
    /// Claim the unit and produce its identity material (symmetric key; for X.509 the
    /// registration ID and the certificate plan).
    Attest,
    /// X.509: have the DUT generate its key pair and return a CSR.
    Keygen,
    /// X.509: check the CSR against the product's policy (proof of possession, subject, key
    /// algorithm, no requested extensions).
    CheckCsr,
    /// X.509: sign the device certificate and record it (store and audit) before it leaves.
    Issue,
    /// X.509: install the chain on the DUT, compare its thumbprint and read it back.
    InstallCertificate,
    /// Write the `dps/*` settings.
    WriteSettings,
    /// Persist the settings to flash.
    Save,
    /// Reset the DUT and wait for it to come back.
    Reset,
    /// Read the settings back and compare.
    Verify,
    /// Lock the DUT's manufacturing mode.
    Lock,
    /// Record the unit and queue its enrollment.
    Record,
    /// After PASS, for a product with the register check: wait for the unit's enrollment to be
    /// uploaded, then have the board register with DPS over the fixture's network.
    Register,
}

impl Step {
    /// Stable name, as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Identify => "identify",
            Step::ReadEk => "read-ek",
            Step::Attest => "attest",
            Step::Keygen => "keygen",
            Step::CheckCsr => "check-csr",
            Step::Issue => "issue",
            Step::InstallCertificate => "install-certificate",
            Step::WriteSettings => "write-settings",
            Step::Save => "save",
            Step::Reset => "reset",
            Step::Verify => "verify",
            Step::Lock => "lock",
            Step::Record => "record",
            Step::Register => "register",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Step::Identify => "identifying the DUT",
            Step::ReadEk => "reading the TPM endorsement key",
            Step::Attest => "preparing its identity",
            Step::Keygen => "generating the device key",
            Step::CheckCsr => "checking the certificate request",
            Step::Issue => "issuing the device certificate",
            Step::InstallCertificate => "installing the certificate",
            Step::WriteSettings => "writing the DPS settings",
            Step::Save => "saving settings to flash",
            Step::Reset => "resetting the DUT",
            Step::Verify => "reading the settings back",
            Step::Lock => "locking the DUT",
            Step::Record => "recording the unit",
            Step::Register => "registering with DPS",
        })
    }
}

/// How a unit ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "result",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum UnitOutcome {
    /// Provisioned, recorded, enrollment queued (if the product queues one).
    Pass {
        /// Registration ID written to the DUT.
        registration_id: String,
        /// Whether an individual enrollment was queued.
        enrollment_queued: bool,
        /// Where DPS assigned the board, for a product with the register check.
        #[serde(skip_serializing_if = "Option::is_none")]
        registered: Option<Registered>,
    },
    /// Failed; nothing was queued.
    Fail {
        /// The step that failed.
        step: Step,
        /// Stable error code: the technician's text for it is the catalogue's
        /// (`locales/*/errors.ftl`), in their language.
        code: String,
        /// One line on what happened to this unit, with its particulars (English: the log, the
        /// CLI and the unit's details).
        message: String,
        /// What a supervisor or engineer does: the registry's action for `code` (English).
        help: String,
        /// A second code the technician must act on as well: `station::slot::blocked` when
        /// this failure blocked its slot.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        also: Option<String>,
        /// The unit is not decided: its claim stays open because the station cannot tell
        /// whether the board locked (the lock went unanswered, the board could not be read
        /// back). The board must come back to the station; it is not a FAIL to scrap.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pending: bool,
    },
    /// Nothing was done and no unit recorded: the slot has no board, or its board is one this
    /// station already provisioned (locked and matching its PASS unit). Neither counts in the
    /// yield; a good board run twice never turns into a FAIL.
    Skipped {
        /// Why.
        reason: SkipReason,
        /// One line for the technician.
        message: String,
        /// What to do.
        help: String,
        /// The PASS unit the board belongs to (`alreadyProvisioned`).
        #[serde(skip_serializing_if = "Option::is_none")]
        unit_id: Option<i64>,
    },
}

/// Why a slot was skipped ([`UnitOutcome::Skipped`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SkipReason {
    /// No board answered `identify` in `fixture.empty_after_ms`.
    Empty,
    /// A locked board that holds exactly what its PASS unit's claim says.
    AlreadyProvisioned,
}

/// Where DPS assigned a board that registered after PASS (the register check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Registered {
    /// The assigned hub.
    pub hub: String,
    /// The device ID at the hub.
    pub device_id: String,
}

/// Everything the pipeline reports, in this order per run:
///
/// 1. `RunStarted` once.
/// 2. For each slot, concurrently with other slots: `SlotStarted`, then for each step a
///    `StepStarted` followed by its `StepFinished` (steps in [`Step`] order, skipping the ones
///    the product does not use — `Keygen` to `InstallCertificate` run only for X.509 products —
///    and stopping after the first failed one); `Identified` comes right after `Identify` finishes successfully; then
///    `UnitFinished` exactly once. A PASS is only reported after the unit and its enrollment
///    are committed to the store; an X.509 certificate is committed (store and audit) in
///    `Issue`, before `InstallCertificate` sends it to the DUT.
/// 3. `RunFinished` once, after every slot's `UnitFinished`.
///
/// Every event carries the run id and the slot; unit events carry the serial once known.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ProgressEvent {
    /// A run began.
    #[serde(rename_all = "camelCase")]
    RunStarted {
        /// Run id.
        run_id: String,
        /// Slots taking part.
        slots: Vec<u16>,
    },
    /// A slot began its unit.
    #[serde(rename_all = "camelCase")]
    SlotStarted {
        /// Run id.
        run_id: String,
        /// Slot.
        slot: u16,
        /// The port it uses.
        port: String,
    },
    /// The DUT identified itself.
    #[serde(rename_all = "camelCase")]
    Identified {
        /// Run id.
        run_id: String,
        /// Slot.
        slot: u16,
        /// Serial.
        serial: String,
        /// Model.
        model: String,
        /// Firmware version.
        fw: String,
    },
    /// A step began.
    #[serde(rename_all = "camelCase")]
    StepStarted {
        /// Run id.
        run_id: String,
        /// Slot.
        slot: u16,
        /// Serial, once known.
        serial: Option<String>,
        /// The step.
        step: Step,
    },
    /// A step ended.
    #[serde(rename_all = "camelCase")]
    StepFinished {
        /// Run id.
        run_id: String,
        /// Slot.
        slot: u16,
        /// Serial, once known.
        serial: Option<String>,
        /// The step.
        step: Step,
        /// Whether it succeeded.
        ok: bool,
        /// How long it took.
        duration_ms: f64,
    },
    /// A unit ended.
    #[serde(rename_all = "camelCase")]
    UnitFinished {
        /// Run id.
        run_id: String,
        /// Slot.
        slot: u16,
        /// Serial, if the DUT identified itself.
        serial: Option<String>,
        /// Store id of the unit, if one was recorded.
        unit_id: Option<i64>,
        /// PASS or FAIL.
        outcome: UnitOutcome,
        /// Wall time of the unit.
        wall_ms: f64,
        /// Bytes moved over the link, both directions.
        link_bytes: u64,
    },
    /// The run ended.
    #[serde(rename_all = "camelCase")]
    RunFinished {
        /// Run id.
        run_id: String,
        /// Units that passed.
        passed: u32,
        /// Units that failed.
        failed: u32,
        /// Wall time of the run.
        wall_ms: f64,
    },
}

/// Receives progress events; called from the slots' threads.
pub trait EventSink: Send + Sync {
    /// Handles one event. Must not block for long.
    fn event(&self, event: &ProgressEvent);
}

/// Discards every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopSink;

impl EventSink for NoopSink {
    fn event(&self, _: &ProgressEvent) {}
}

impl<F: Fn(&ProgressEvent) + Send + Sync> EventSink for F {
    fn event(&self, event: &ProgressEvent) {
        self(event)
    }
}
