//! Device identities the station creates or reads: DPS registration IDs, symmetric keys, and
//! X.509 device certificates issued by the line's signing CA ([`pki`], with file and PKCS#11
//! key backends), and TPM endorsement keys read through the DUT and checked against the TPM
//! vendors' CAs ([`tpm`]).
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod pki;
pub mod registration_id;
pub mod symkey;
pub mod tpm;

pub use registration_id::{RegistrationId, RegistrationIdError};
pub use symkey::{SymmetricKey, SymmetricKeyError};
