//! Enrollment records for the DPS service API.
//!
//! [`schema`] holds the wire types, defined once for the station, the uploader and the local
//! DPS service. The uploader, export and verifier land with the upload issue.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod schema;

/// The DPS service API version every request uses.
pub const API_VERSION: &str = "2021-10-01";
