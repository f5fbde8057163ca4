//! The station's provisioning group (64): identity, key generation, certificates, TPM
//! forwarding and lock. The contract for firmware is `docs/device-protocol.md`.

use serde::{Deserialize, Serialize};

use super::{Empty, group, smp_command};

/// Provisioning group return codes (SMP v2 `err.rc` with `err.group == 64`).
pub mod rc {
    /// Unknown error.
    pub const UNKNOWN: i64 = 1;
    /// The device is locked: identity and `dps/*` writes are refused.
    pub const LOCKED: i64 = 2;
    /// The lock confirmation did not carry the device's serial.
    pub const SERIAL_MISMATCH: i64 = 3;
    /// The device has no hardware for this command (no secure element, no TPM).
    pub const NO_HARDWARE: i64 = 4;
}

/// Capability strings a device may report in [`IdentityResponse::caps`].
pub mod caps {
    /// Symmetric-key storage for DPS (`dps/sym_key`).
    pub const SYMKEY: &str = "symkey";
    /// On-device P-256 key generation with CSR.
    pub const EC_P256_KEYGEN: &str = "ec-p256-keygen";
    /// A TPM 2.0 reachable through the `tpm` command.
    pub const TPM2: &str = "tpm2";
}

/// Identity (id 0, read): who the device is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Identity {}

/// Identity response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityResponse {
    /// Manufacturing serial number.
    pub serial: String,
    /// Model name.
    pub model: String,
    /// Hardware revision.
    pub hw: String,
    /// Firmware version.
    pub fw: String,
    /// Capabilities (see [`caps`]).
    pub caps: Vec<String>,
    /// True once the device's manufacturing mode is locked.
    pub locked: bool,
}
smp_command!(Identity => IdentityResponse, Read, group::PROVISIONING, 0, "provisioning.identity");

/// Lock (id 4, write): ends manufacturing mode. The device's serial is the confirmation.
#[derive(Debug, Clone, Serialize)]
pub struct Lock {
    /// The device's serial, echoed back as confirmation.
    pub serial: String,
}
smp_command!(Lock => Empty, Write, group::PROVISIONING, 4, "provisioning.lock");

/// Command ids reserved by the contract and implemented as their issues land.
pub mod id {
    /// Key generation (write): key slot, algorithm, subject CN → CSR (DER).
    pub const KEYGEN: u8 = 1;
    /// Certificate install (write) / read (read).
    pub const CERTIFICATE: u8 = 2;
    /// Raw TPM 2.0 command forwarding (write).
    pub const TPM: u8 = 3;
}
