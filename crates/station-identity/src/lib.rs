//! Device identities the station creates or reads: DPS registration IDs, symmetric keys, and
//! X.509 device certificates issued by the line's signing CA ([`pki`], with file and PKCS#11
//! key backends), and TPM endorsement keys read through the DUT and checked against the TPM
//! vendors' CAs ([`tpm`]).
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod pki;
pub mod symkey;
pub mod tpm;

/// DPS registration IDs (defined with the DPS wire, in `dps-wire`, so the uploader and the
/// export compare them the same way).
pub use dps_wire::registration_id;
pub use dps_wire::{RegistrationId, RegistrationIdError};
pub use symkey::{SymmetricKey, SymmetricKeyError};
