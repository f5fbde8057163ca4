//! The Azure IoT Hub Device Provisioning Service wire, defined once for everything that speaks
//! it here: the station's uploader (service API), dps-local (both APIs, server side) and the
//! virtual DUT's field firmware (device API).
//!
//! - [`schema`]: service-API types (api-version 2021-10-01).
//! - [`device`]: device-API types, request paths and MQTT topics.
//! - [`sas`]: connection strings and shared access signatures, signing and verification.
//! - [`RegistrationId`]: DPS's registration-ID rule, case-insensitive as DPS is.
//!
//! No async runtime and no I/O: the synchronous pipeline uses it too.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod device;
pub mod registration_id;
pub mod sas;
pub mod schema;

pub use registration_id::{RegistrationId, RegistrationIdError};

/// The DPS service API version every service request uses.
pub const API_VERSION: &str = "2021-10-01";
