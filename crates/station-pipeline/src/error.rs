//! Errors: run-level [`PipelineError`] and the per-unit [`UnitFailure`] a technician reads.

use station_smp::DeviceRc;
use station_smp::SmpError;
use station_smp::commands::{group, provisioning, settings};
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
    #[error("could not load the group key of product {product} from {source_desc}")]
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
        /// What to do.
        help: String,
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

impl PipelineError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
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

    /// One line on what to do.
    pub fn help(&self) -> String {
        match self {
            PipelineError::UnknownSlot(_) => "Pick a slot listed under [[fixture.slot]] in the station config.".into(),
            PipelineError::UnknownProduct { .. } => {
                "Add the product as a [[product]] in the station config, or fix the slot's product.".into()
            }
            PipelineError::NoPort { .. } => {
                "Set `port` for the slot, or `fixture.ports_file` and start the fixture that writes it.".into()
            }
            PipelineError::PortsFile(_) => {
                "Start the fixture (e.g. `virtual-fixture start`) so it writes its port map, then retry.".into()
            }
            PipelineError::FixtureDefinition(e) => e.help().unwrap_or_else(|| "Fix the fixture definition file.".into()),
            PipelineError::Discovery(_) => {
                "Check that udev is running and the station may read /sys and /dev; `station ports` shows what the PC sees.".into()
            }
            PipelineError::Secret { reason, .. } => format!("{reason}; ask the line engineer to install the key."),
            PipelineError::SealRecipients { .. } => {
                "Fix secrets.recipients or secrets.recipients_file: age public keys (age1…), one per line.".into()
            }
            PipelineError::VendorRoots { source, .. } => format!(
                "{source}: check the product's attestation.vendor_roots and vendor_intermediates files."
            ),
            PipelineError::SigningCa { help, .. } => help.clone(),
            PipelineError::InitialTwin { .. } => {
                "Fix the product's initial_twin file: a JSON object {\"tags\": {…}, \"properties\": {\"desired\": {…}}}.".into()
            }
            PipelineError::Store(e) => e.help().unwrap_or_else(|| "Check the disk and the database path.".into()),
        }
    }
}

/// Why a unit failed: one line for the technician, a stable code, what to do, and the full
/// cause chain for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFailure {
    /// The step that failed.
    pub step: Step,
    /// Stable code, e.g. `station::smp::timeout`.
    pub code: &'static str,
    /// One sentence, naming the failed step in station terms.
    pub message: String,
    /// One action to take.
    pub help: String,
    /// The cause chain, for the log and the unit's step detail.
    pub detail: String,
}

impl UnitFailure {
    /// A failure with no lower-level cause.
    pub fn new(
        step: Step,
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        let message = message.into();
        Self {
            step,
            code,
            detail: message.clone(),
            message,
            help: help.into(),
        }
    }

    /// Maps an SMP error during `step` to what the technician needs.
    pub fn from_smp(step: Step, e: &SmpError) -> Self {
        let detail = chain(e);
        let (code, message, help): (&'static str, String, String) = match e {
            SmpError::Link(LinkError::OpenPortFailed { port, .. }) => (
                "station::link::open_failed",
                format!("could not open the slot's port {port}"),
                "Check the fixture cable and that no other program holds the port; \
                 the station user needs the dialout group."
                    .into(),
            ),
            SmpError::Link(LinkError::Disconnected { .. }) => (
                "station::link::disconnected",
                format!("DUT disconnected while {step}"),
                "Check that the board is seated and the cable is in, then run the slot again.".into(),
            ),
            SmpError::Link(_) => (
                "station::link::io",
                format!("serial port error while {step}"),
                "Reseat the USB cable; if it repeats, check the fixture PC's port.".into(),
            ),
            SmpError::NoResponse { frame_errors, attempts, .. } if *frame_errors > 0 => (
                "station::smp::corrupted",
                format!("DUT answers were garbled while {step} ({frame_errors} damaged frames in {attempts} tries)"),
                "Check the serial cable and the slot's baud rate, reseat the DUT and run the slot again.".into(),
            ),
            SmpError::NoResponse { attempts, timeout, .. } => (
                "station::smp::timeout",
                format!("DUT stopped answering while {step} ({attempts} tries, {} ms each)", timeout.as_millis()),
                "Power-cycle the DUT and run the slot again; if it repeats, send the unit to rework.".into(),
            ),
            SmpError::Device { command, rc } => {
                let help = match rc {
                    DeviceRc::Group { group: group::SETTINGS, rc: settings::rc::WRITE_NOT_SUPPORTED } => {
                        "The firmware refuses settings writes: check the DUT runs manufacturing firmware, \
                         then send it to rework."
                    }
                    DeviceRc::Group { group: group::PROVISIONING, rc: provisioning::rc::LOCKED } => {
                        "The DUT is already locked; send it to rework."
                    }
                    DeviceRc::NotSupported => "The DUT firmware lacks this command; check the firmware version.",
                    _ => "Send the unit to rework with this message.",
                };
                ("station::smp::refused", format!("DUT refused {command} while {step}: {}", rc.describe()), help.into())
            }
            SmpError::Malformed { command, .. } => (
                "station::smp::malformed",
                format!("DUT sent a malformed answer to {command} while {step}"),
                "Check the DUT firmware version against the station's device protocol.".into(),
            ),
            _ => ("station::smp::other", format!("communication failed while {step}"), "Run the slot again.".into()),
        };
        Self {
            step,
            code,
            message,
            help,
            detail,
        }
    }

    /// Maps a store error during `step`.
    pub fn from_store(step: Step, e: &StoreError) -> Self {
        Self {
            step,
            code: e.code(),
            message: e.to_string(),
            help: e
                .help()
                .unwrap_or_else(|| "Check the station's disk, then run the slot again.".into()),
            detail: chain(e),
        }
    }
}

/// The error and all its sources, joined with ": ".
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
