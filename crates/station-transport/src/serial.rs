//! Serial ports (real UARTs, USB CDC-ACM and pseudo-terminals) through the `serialport` crate.

use std::io::{ErrorKind, Read, Write};
use std::time::Duration;

use serialport::{ClearBuffer, SerialPort};

use crate::link::{Link, LinkError, LinkOpener, LinkStats};

/// A [`Link`] over a serial device node.
pub struct SerialLink {
    port: Box<dyn SerialPort>,
    name: String,
    stats: LinkStats,
}

impl SerialLink {
    /// Opens `path` at `baud`, 8N1, no flow control, raw mode.
    pub fn open(path: &str, baud: u32) -> Result<Self, LinkError> {
        let port = serialport::new(path, baud)
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(|e| LinkError::OpenPortFailed {
                port: path.to_owned(),
                source: std::io::Error::from(e),
            })?;
        Ok(Self {
            port,
            name: path.to_owned(),
            stats: LinkStats::default(),
        })
    }

    fn classify(&self, e: std::io::Error) -> LinkError {
        match e.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => LinkError::Timeout(Duration::ZERO),
            ErrorKind::BrokenPipe | ErrorKind::UnexpectedEof | ErrorKind::NotConnected => {
                LinkError::Disconnected {
                    port: self.name.clone(),
                }
            }
            // A pseudo-terminal whose other side closed reports EIO; a USB serial adapter that
            // was unplugged does the same.
            _ if e.raw_os_error() == Some(5) => LinkError::Disconnected {
                port: self.name.clone(),
            },
            _ => LinkError::Io {
                port: self.name.clone(),
                source: e,
            },
        }
    }
}

impl Link for SerialLink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        // No flush: on a tty that is tcdrain(), which would block until the last byte has left
        // the UART, delaying the read of the answer for nothing. The kernel keeps the order.
        self.port.write_all(bytes).map_err(|e| self.classify(e))?;
        self.stats.tx_bytes += bytes.len() as u64;
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        self.port
            .set_timeout(timeout.max(Duration::from_millis(1)))
            .map_err(|e| self.classify(std::io::Error::from(e)))?;
        match self.port.read(buf) {
            // A read of zero bytes from a tty means the other side hung up.
            Ok(0) => Err(LinkError::Disconnected {
                port: self.name.clone(),
            }),
            Ok(n) => {
                self.stats.rx_bytes += n as u64;
                Ok(n)
            }
            Err(e) => match self.classify(e) {
                LinkError::Timeout(_) => Err(LinkError::Timeout(timeout)),
                other => Err(other),
            },
        }
    }

    fn discard_input(&mut self) -> Result<(), LinkError> {
        self.port
            .clear(ClearBuffer::Input)
            .map_err(|e| self.classify(std::io::Error::from(e)))
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn stats(&self) -> LinkStats {
        self.stats
    }
}

/// Opens [`SerialLink`]s.
#[derive(Debug, Default, Clone, Copy)]
pub struct SerialOpener;

impl LinkOpener for SerialOpener {
    fn open(&self, port: &str, baud: u32) -> Result<Box<dyn Link>, LinkError> {
        Ok(Box::new(SerialLink::open(port, baud)?))
    }
}
