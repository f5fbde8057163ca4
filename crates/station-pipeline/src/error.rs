//! Errors: run-level [`PipelineError`] and the per-unit [`UnitFailure`] a technician reads.

use station_smp::SmpError;
use station_store::StoreError;
use station_transport::LinkError;

use crate::events::Step;

/// Errors that stop a whole run before or outside any unit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The configuration names a slot the run was asked for but does not have.
    #[error("slot {0} is not in the fixture configuration")]
    UnknownSlot(u16),
    /// A slot names a product the configuration does not define (`check()` prevents this for
    /// a loaded configuration; a hand-built one may still carry it).
    #[error("slot {slot} uses product {product}, which is not configured")]
    UnknownProduct {
        /// The slot.
        slot: u16,
        /// The product id it names.
        product: String,
    },
    /// A slot has no port: not in the config, the fixture definition nor the ports file.
    #[error("{why}")]
    NoPort {
        /// The slot.
        slot: u16,
        /// Which of them was missing, in one line.
        why: String,
    },
    /// The fixture definition could not be read.
    #[error("could not read the fixture definition")]
    FixtureDefinition(#[source] station_config::ConfigError),
    /// The PC's serial ports could not be listed (slots are found through the definition).
    #[error("could not list the PC's serial ports")]
    Discovery(#[source] station_transport::discovery::DiscoveryError),
    /// The ports file could not be read.
    #[error("could not read the fixture's port map")]
    PortsFile(#[source] station_config::ConfigError),
    /// A product's secret (group key) could not be loaded.
    #[error("could not load the group key of product {product} from {source_desc}: {reason}")]
    Secret {
        /// Product id.
        product: String,
        /// Where it was looked for (never the value).
        source_desc: String,
        /// What went wrong.
        reason: String,
    },
    /// The `[secrets]` recipients could not be read or parsed.
    #[error("could not load the keys that seal device secrets: {reason}")]
    SealRecipients {
        /// What went wrong (never a secret: recipients are public keys).
        reason: String,
    },
    /// A TPM product's vendor CA certificates could not be loaded.
    #[error("could not load the TPM vendor CAs of product {product}")]
    VendorRoots {
        /// Product id.
        product: String,
        /// What went wrong (names the file).
        #[source]
        source: station_identity::tpm::VendorRootsError,
    },
    /// An X.509 product's signing CA could not be loaded (file, token or its secret).
    #[error("signing CA of product {product}: {reason}")]
    SigningCa {
        /// Product id.
        product: String,
        /// Stable code (`station::ca::…`).
        code: &'static str,
        /// What went wrong, with its causes (never a secret).
        reason: String,
    },
    /// A product's initial twin (its file) is unusable.
    #[error("the initial twin of product {product}: {reason}")]
    InitialTwin {
        /// Product id.
        product: String,
        /// What went wrong (names the file).
        reason: String,
    },
    /// The store failed.
    #[error("station database error")]
    Store(#[from] StoreError),
}

impl station_errors::Coded for PipelineError {
    fn code(&self) -> &'static str {
        match self {
            PipelineError::UnknownSlot(_) => "station::run::unknown_slot",
            PipelineError::UnknownProduct { .. } => "station::run::unknown_product",
            PipelineError::NoPort { .. } => "station::run::no_port",
            PipelineError::PortsFile(_) => "station::run::ports_file",
            PipelineError::FixtureDefinition(e) => e.code(),
            PipelineError::Discovery(_) => "station::ports::discovery",
            PipelineError::Secret { .. } => "station::run::secret",
            PipelineError::SealRecipients { .. } => "station::run::seal_recipients",
            PipelineError::VendorRoots { .. } => "station::run::tpm_vendor_roots",
            PipelineError::SigningCa { code, .. } => code,
            PipelineError::InitialTwin { .. } => "station::run::initial_twin",
            PipelineError::Store(e) => e.code(),
        }
    }
}

/// Why a unit failed: a stable code, one line for the log and the engineer, and the full cause
/// chain. What the technician reads, in their language, is the catalogue's text for the code
/// (`locales/*/errors.ftl`); what a supervisor does is the registry's action ([`Self::help`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFailure {
    /// The step that failed.
    pub step: Step,
    /// Stable code, e.g. `station::smp::timeout`.
    pub code: &'static str,
    /// One line naming what happened to this unit, with its particulars (English, for the log
    /// and the unit's details).
    pub message: String,
    /// The cause chain, for the log and the unit's step detail.
    pub detail: String,
}

impl UnitFailure {
    /// A failure with no lower-level cause.
    pub fn new(step: Step, code: &'static str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            step,
            code,
            detail: message.clone(),
            message,
        }
    }

    /// What a supervisor or engineer does about it: the registry's action for its code.
    pub fn help(&self) -> &'static str {
        station_errors::action(self.code)
    }

    /// Maps an SMP error during `step` to its code and one line.
    pub fn from_smp(step: Step, e: &SmpError) -> Self {
        let detail = chain(e);
        let (code, message): (&'static str, String) = match e {
            SmpError::Link(LinkError::OpenPortFailed { port, .. }) => (
                "station::link::open_failed",
                format!("could not open the slot's port {port}"),
            ),
            SmpError::Link(LinkError::Disconnected { .. }) => (
                "station::link::disconnected",
                format!("DUT disconnected while {step}"),
            ),
            SmpError::Link(_) => (
                "station::link::io",
                format!("serial port error while {step}"),
            ),
            SmpError::NoResponse {
                frame_errors,
                attempts,
                ..
            } if *frame_errors > 0 => (
                "station::smp::corrupted",
                format!(
                    "DUT answers were garbled while {step} ({frame_errors} damaged frames in {attempts} tries)"
                ),
            ),
            SmpError::NoResponse {
                attempts, timeout, ..
            } => (
                "station::smp::timeout",
                format!(
                    "DUT stopped answering while {step} ({attempts} tries, {} ms each)",
                    timeout.as_millis()
                ),
            ),
            SmpError::Device { command, rc } => (
                "station::smp::refused",
                format!("DUT refused {command} while {step}: {}", rc.describe()),
            ),
            SmpError::Malformed { command, .. } => (
                "station::smp::malformed",
                format!("DUT sent a malformed answer to {command} while {step}"),
            ),
            _ => (
                "station::smp::other",
                format!("communication failed while {step}"),
            ),
        };
        Self {
            step,
            code,
            message,
            detail,
        }
    }

    /// Maps a store error during `step`.
    pub fn from_store(step: Step, e: &StoreError) -> Self {
        Self {
            step,
            code: station_errors::Coded::code(e),
            message: e.to_string(),
            detail: chain(e),
        }
    }
}

/// The error and all its sources on one line.
pub(crate) use station_errors::chain;
