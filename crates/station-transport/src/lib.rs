//! Links to devices under test and the SMP serial framing that runs over them.
//!
//! A [`Link`] moves bytes and nothing else; [`framing`] turns SMP packets into the
//! console frames Zephyr's UART/shell transports speak, and back. Sequence numbers, CBOR and
//! retries live one layer up, in `station-smp`.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod discovery;
pub mod framing;
mod link;
mod serial;

pub use link::{Link, LinkError, LinkOpener, LinkStats};
pub use serial::{SerialLink, SerialOpener};
