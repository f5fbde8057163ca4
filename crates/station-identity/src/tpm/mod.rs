//! TPM endorsement keys, read through the DUT: the [`EkReader`] the pipeline calls, the
//! loopback TCTI bridge that lets tss-esapi reach a TPM behind a serial link, the EK
//! certificate checks and the DPS values (`endorsementKey`, registration ID).
//!
//! The pipeline sees only this module's own types: [`TpmLink`] (how a raw TPM command reaches
//! the TPM; the pipeline implements it over SMP), [`EkReader`] (what reads the EK; the
//! front-end picks [`TssEkReader`]), [`TpmReadout`], [`TpmPublic`] and [`VendorRoots`]. No
//! tss-esapi type crosses this module's boundary.

#[cfg(feature = "tss")]
mod bridge;
mod ekcert;
mod public;
#[cfg(feature = "tss")]
mod sweep;
mod template;
#[cfg(feature = "tss")]
mod tss;

use std::time::Duration;

pub use ekcert::{EkCertError, EkCertificate, VendorRoots, VendorRootsError};
pub use public::{PublicAreaError, RsaPublic, TpmPublic, base32_lower};
pub use template::{EkTemplate, EkTemplateError};
#[cfg(feature = "tss")]
pub use tss::{DEFAULT_READ_TIMEOUT, TssEkReader};

/// Persistent handle of the RSA EK (TCG EK Credential Profile 2.0, §2.2.1.4).
pub const EK_HANDLE: u32 = 0x8101_0001;
/// Persistent handle of the SRK (TCG TPM v2.0 Provisioning Guidance, §7.8).
pub const SRK_HANDLE: u32 = 0x8100_0001;
/// NV index of the RSA-2048 EK certificate (TCG EK Credential Profile 2.0, §2.2.1.4).
pub const EK_CERT_NV_INDEX: u32 = 0x01C0_0002;

/// How raw TPM 2.0 commands reach a TPM: in the station, the DUT's `tpm` SMP command.
pub trait TpmLink {
    /// Sends one raw TPM command and returns the TPM's raw response.
    fn transact(&mut self, command: &[u8]) -> Result<Vec<u8>, TpmLinkError>;
}

/// Why a command did not reach the TPM.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TpmLinkError {
    /// The DUT reports that it has no TPM.
    #[error("the DUT has no TPM")]
    NoTpm,
    /// The link to the DUT failed (the cause says how).
    #[error("could not reach the DUT's TPM")]
    Failed(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// What to read besides the EK and its certificate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadRequest {
    /// The template the EK must have been created from; another EK is refused
    /// ([`TpmError::EkTemplate`]) before it is challenged.
    pub ek_template: EkTemplate,
    /// Also read the SRK (persistent at [`SRK_HANDLE`], else created from the Azure C SDK's
    /// SRK template).
    pub include_srk: bool,
}

/// What was read from a TPM; nothing in it is checked yet (see [`VendorRoots::check`]).
#[derive(Debug, Clone)]
pub struct TpmReadout {
    /// The EK's public area.
    pub ek: TpmPublic,
    /// True when the EK was the persistent one at [`EK_HANDLE`]; false when it was created
    /// from the default RSA-2048 template.
    pub ek_persistent: bool,
    /// The contents of NV [`EK_CERT_NV_INDEX`]; `None` when the TPM has no such index.
    pub ek_certificate: Option<Vec<u8>>,
    /// The SRK's public area, when asked for.
    pub srk: Option<TpmPublic>,
    /// The TPM traffic the read took.
    pub exchange: ExchangeStats,
}

/// TPM traffic of one read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExchangeStats {
    /// Commands sent.
    pub commands: u32,
    /// Bytes of raw TPM commands.
    pub command_bytes: u64,
    /// Bytes of raw TPM responses.
    pub response_bytes: u64,
    /// Time spent waiting for the link (SMP round trips) in all.
    pub link_time: Duration,
}

/// Reads a TPM's endorsement key (and certificate, and optionally the SRK) over a [`TpmLink`].
pub trait EkReader: Send + Sync {
    /// Reads the EK: the persistent one at [`EK_HANDLE`] if present, else the EK created from
    /// the default RSA-2048 template (then flushed); checks it is from
    /// [`ReadRequest::ek_template`]; proves the TPM holds it (a `TPM2_MakeCredential`
    /// challenge made in software, answered by `TPM2_ActivateCredential` on the board); reads
    /// the EK certificate from NV [`EK_CERT_NV_INDEX`] and the SRK if asked for.
    fn read(&self, link: &mut dyn TpmLink, request: &ReadRequest) -> Result<TpmReadout, TpmError>;
}

/// Why a TPM could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TpmError {
    /// The DUT has no TPM: it said so, or it does not report the `tpm2` capability.
    #[error("the DUT has no TPM")]
    NoTpm,
    /// A command did not reach the TPM.
    #[error("could not reach the DUT's TPM")]
    Link(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The loopback bridge for the TPM software stack could not be opened.
    #[error("could not open the loopback TPM bridge")]
    Bridge(#[source] std::io::Error),
    /// The TPM (or the software stack talking to it) failed an operation.
    #[error("the TPM failed while {operation}")]
    Stack {
        /// What the reader was doing, e.g. "creating the EK".
        operation: &'static str,
        /// The software stack's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The EK is not from the template the product requires.
    #[error("the TPM's endorsement key is not from the required template")]
    EkTemplate(#[source] EkTemplateError),
    /// The TPM did not answer the credential challenge posed to the EK it reported: the EK
    /// (and its certificate) are not this TPM's.
    #[error("the TPM did not prove it holds the endorsement key it reported: {reason}")]
    EkNotHeld {
        /// What went wrong: the TPM's refusal, or a wrong answer.
        reason: String,
    },
    /// The EK (or SRK) is not an RSA key the station can use.
    #[error("the TPM's key is not a usable RSA key")]
    UnsupportedKey(#[source] PublicAreaError),
    /// The read did not finish in time.
    #[error("reading the TPM did not finish within {0:?}")]
    Timeout(Duration),
}

impl TpmError {
    /// True when the DUT has no TPM at all.
    pub fn is_no_tpm(&self) -> bool {
        matches!(self, TpmError::NoTpm)
    }
}
