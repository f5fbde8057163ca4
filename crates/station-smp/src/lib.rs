//! The SMP (MCUmgr) protocol the station speaks to devices under test.
//!
//! Layers, bottom up: [`header`] (the 8-byte SMP header), [`commands`] (every request and
//! response the station uses, declared once, one module per management group),
//! [`Connection`] (sequence numbers, CBOR, timeouts and retries over a
//! [`station_transport::Link`]) and [`Client`] (typed operations).
//!
//! The wire contract with firmware is documented in `docs/device-protocol.md`.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod client;
pub mod commands;
mod connection;
mod error;
pub mod header;

pub use client::{Client, REGISTER_TIMEOUT, TPM_COMMAND_TIMEOUT};
pub use connection::{Connection, ConnectionConfig};
pub use error::{DeviceRc, SmpError};
