//! The byte-link abstraction every device connection implements.

use std::time::Duration;

/// A bidirectional byte link to one device under test (serial port, pseudo-terminal, USB CDC).
///
/// Implementations are blocking; every read is bounded by the timeout it is given.
pub trait Link: Send {
    /// Writes every byte of `bytes`, returning once the operating system has taken them.
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), LinkError>;

    /// Reads at least one byte into `buf`, waiting at most `timeout`.
    ///
    /// Returns [`LinkError::Timeout`] when nothing arrived in time and
    /// [`LinkError::Disconnected`] when the device went away.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError>;

    /// Discards anything already received but not yet read.
    fn discard_input(&mut self) -> Result<(), LinkError>;

    /// A short human name for logs and messages, e.g. `/dev/ttyACM3`.
    fn name(&self) -> &str;

    /// Bytes moved so far in each direction.
    fn stats(&self) -> LinkStats;
}

/// Opens links by port name; the pipeline receives one from the front-end and never names a
/// concrete link type.
pub trait LinkOpener: Send + Sync {
    /// Opens `port` at `baud`.
    fn open(&self, port: &str, baud: u32) -> Result<Box<dyn Link>, LinkError>;
}

/// Byte counters of a link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Bytes written to the device.
    pub tx_bytes: u64,
    /// Bytes read from the device.
    pub rx_bytes: u64,
}

impl LinkStats {
    /// Both directions together.
    pub fn total(&self) -> u64 {
        self.tx_bytes + self.rx_bytes
    }
}

/// Errors of the link layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The port could not be opened (missing, busy, or no permission).
    #[error("could not open serial port {port}")]
    OpenPortFailed {
        /// The port that was asked for.
        port: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// Nothing arrived before the deadline.
    #[error("no data from the device within {0:?}")]
    Timeout(Duration),
    /// The device disappeared (unplugged, powered off, port closed).
    #[error("the device disconnected from {port}")]
    Disconnected {
        /// The port the device was on.
        port: String,
    },
    /// Any other input/output failure on the port.
    #[error("input/output error on {port}")]
    Io {
        /// The port in use.
        port: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl LinkError {
    /// True for errors that a retry of the same command may cure.
    pub fn is_retryable(&self) -> bool {
        matches!(self, LinkError::Timeout(_))
    }
}
