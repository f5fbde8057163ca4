//! Device identities the station creates or reads: DPS registration IDs and symmetric keys.
//! X.509 issuance and TPM endorsement-key reading join here as their issues land.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod registration_id;
pub mod symkey;

pub use registration_id::{RegistrationId, RegistrationIdError};
pub use symkey::{SymmetricKey, SymmetricKeyError};
