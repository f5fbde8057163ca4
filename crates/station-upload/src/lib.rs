//! Enrollment records for the DPS service API, and how they reach DPS.
//!
//! - [`schema`] and [`sas`]: the wire types and shared access signatures, re-exported from
//!   `dps-wire` (defined once for the station, the uploader, dps-local and the virtual DUT).
//! - [`client`], [`queue`], [`uploader`] (feature `client`): the service-API client and the
//!   background uploader that drains the station's queue within the DPS rate limit.
//! - [`export`] (feature `export`): the signed batch export for a device operator and its
//!   verifier; with `client` too, `import` streams a verified batch into DPS, resumably.
//!
//! The schema needs no feature and no async runtime, so the synchronous pipeline can use it.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "export")]
pub mod delivery;
#[cfg(feature = "export")]
pub mod export;
#[cfg(all(feature = "client", feature = "export"))]
pub mod import;
#[cfg(all(feature = "client", feature = "export"))]
pub mod import_registry;
#[cfg(feature = "client")]
pub mod queue;
#[cfg(feature = "export")]
pub mod sealed;
pub use dps_wire::{API_VERSION, sas, schema};
#[cfg(feature = "client")]
pub mod uploader;

/// An error and its sources on one line (for logs and stored errors).
pub use station_errors::chain as error_chain;
