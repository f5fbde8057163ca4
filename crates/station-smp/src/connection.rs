//! One SMP conversation over a link: sequence numbers, CBOR, bounded waits and retries.

use std::time::{Duration, Instant};

use station_transport::framing::{self, Decoder, FrameError};
use station_transport::{Link, LinkError, LinkStats};

use crate::commands::Command;
use crate::error::{DeviceRc, SmpError};
use crate::header::{Header, Version};

/// Timeouts and retry limits of a [`Connection`].
#[derive(Debug, Clone, Copy)]
pub struct ConnectionConfig {
    /// How long one attempt waits for its response. Default 1 s.
    pub timeout: Duration,
    /// Attempts per command, the first included. Default 3.
    pub max_attempts: u32,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(1),
            max_attempts: 3,
        }
    }
}

/// An SMP conversation with one device.
///
/// Every request gets a fresh sequence number; only a response carrying that number, the
/// request's group and command id and the matching response op is accepted. Stale answers to
/// earlier attempts and anything that failed its CRC are discarded, never returned.
pub struct Connection {
    link: Box<dyn Link>,
    decoder: Decoder,
    seq: u8,
    config: ConnectionConfig,
    frame_errors_total: u64,
}

impl Connection {
    /// Wraps an open link.
    pub fn new(link: Box<dyn Link>, config: ConnectionConfig) -> Self {
        Self {
            link,
            decoder: Decoder::new(),
            seq: 0,
            config,
            frame_errors_total: 0,
        }
    }

    /// The link's name for messages.
    pub fn port(&self) -> &str {
        self.link.name()
    }

    /// Bytes moved so far.
    pub fn stats(&self) -> LinkStats {
        self.link.stats()
    }

    /// Damaged frames seen over the connection's life.
    pub fn frame_errors(&self) -> u64 {
        self.frame_errors_total
    }

    /// Current timeouts.
    pub fn config(&self) -> ConnectionConfig {
        self.config
    }

    /// Replaces the timeouts, returning the old ones (for scoped changes).
    pub fn set_config(&mut self, config: ConnectionConfig) -> ConnectionConfig {
        std::mem::replace(&mut self.config, config)
    }

    /// Sends `request` and waits for its response, retrying as configured.
    pub fn execute<C: Command>(&mut self, request: &C) -> Result<C::Response, SmpError> {
        let mut body = Vec::new();
        ciborium::into_writer(request, &mut body).map_err(|source| SmpError::Encode {
            command: C::NAME,
            source,
        })?;
        let secret = request.is_secret();
        let mut frame_errors = 0u32;
        let mut last_frame_error = None;
        for attempt in 1..=self.config.max_attempts {
            self.seq = self.seq.wrapping_add(1);
            let header = Header {
                op: C::OP,
                version: Version::V2,
                flags: 0,
                len: 0,
                group: C::GROUP,
                seq: self.seq,
                id: C::ID,
            };
            let packet = header.packet(&body);
            if secret {
                tracing::debug!(
                    command = C::NAME,
                    seq = self.seq,
                    attempt,
                    len = packet.len(),
                    "smp tx <redacted>"
                );
            } else {
                tracing::debug!(command = C::NAME, seq = self.seq, attempt, tx = %hex::encode(&packet), "smp tx");
            }
            if attempt > 1 {
                self.link.discard_input()?;
                self.decoder.reset();
            }
            self.link.write_all(&framing::encode(&packet))?;
            match self.await_response(header, secret) {
                Ok(body) => return decode_response::<C>(header, &body),
                Err(Wait::Link(e)) => return Err(SmpError::Link(e)),
                Err(Wait::TimedOut) => {
                    tracing::debug!(command = C::NAME, seq = self.seq, attempt, "smp timeout");
                }
                Err(Wait::Damaged(e)) => {
                    tracing::debug!(command = C::NAME, seq = self.seq, attempt, error = %e, "smp damaged frame");
                    frame_errors += 1;
                    self.frame_errors_total += 1;
                    last_frame_error = Some(e);
                }
            }
        }
        Err(SmpError::NoResponse {
            command: C::NAME,
            attempts: self.config.max_attempts,
            timeout: self.config.timeout,
            frame_errors,
            last_frame_error,
        })
    }

    /// Waits for the response to `request`, until the attempt's deadline.
    fn await_response(&mut self, request: Header, secret: bool) -> Result<Vec<u8>, Wait> {
        let deadline = Instant::now() + self.config.timeout;
        let mut buf = [0u8; 512];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Wait::TimedOut);
            }
            let n = match self.link.read(&mut buf, left) {
                Ok(n) => n,
                Err(LinkError::Timeout(_)) => return Err(Wait::TimedOut),
                Err(e) => return Err(Wait::Link(e)),
            };
            for decoded in self.decoder.feed(&buf[..n]) {
                let packet = match decoded {
                    Ok(p) => p,
                    // A damaged frame may have been our response: give up on this attempt at
                    // once rather than waiting out the timeout.
                    Err(e) => return Err(Wait::Damaged(e)),
                };
                let Ok((h, body)) = Header::parse(&packet) else {
                    tracing::debug!(rx = %hex::encode(&packet), "smp rx: not an SMP packet, ignored");
                    continue;
                };
                if h.seq != request.seq
                    || h.group != request.group
                    || h.id != request.id
                    || h.op != request.op.response()
                {
                    tracing::debug!(
                        seq = h.seq,
                        group = h.group,
                        id = h.id,
                        "smp rx: not ours, ignored"
                    );
                    continue;
                }
                if secret {
                    tracing::debug!(seq = h.seq, len = packet.len(), "smp rx <redacted>");
                } else {
                    tracing::debug!(seq = h.seq, rx = %hex::encode(&packet), "smp rx");
                }
                return Ok(body.to_vec());
            }
        }
    }
}

enum Wait {
    TimedOut,
    Damaged(FrameError),
    Link(LinkError),
}

/// Decodes a response body, turning `rc`/`err` into [`SmpError::Device`].
fn decode_response<C: Command>(header: Header, body: &[u8]) -> Result<C::Response, SmpError> {
    let value: ciborium::Value =
        ciborium::from_reader(body).map_err(|source| SmpError::Malformed {
            command: C::NAME,
            source,
        })?;
    if let Some(rc) = error_in(&value, header.group) {
        return Err(SmpError::Device {
            command: C::NAME,
            rc,
        });
    }
    value.deserialized().map_err(|e| SmpError::Malformed {
        command: C::NAME,
        source: into_de_error(e),
    })
}

fn into_de_error(e: ciborium::value::Error) -> ciborium::de::Error<std::io::Error> {
    match e {
        ciborium::value::Error::Custom(s) => ciborium::de::Error::Semantic(None, s),
    }
}

/// Finds a non-zero `rc` (v1) or `err: {group, rc}` (v2) in a response map.
fn error_in(value: &ciborium::Value, default_group: u16) -> Option<DeviceRc> {
    let map = value.as_map()?;
    let field = |m: &[(ciborium::Value, ciborium::Value)], key: &str| {
        m.iter()
            .find(|(k, _)| k.as_text() == Some(key))
            .map(|(_, v)| v.clone())
    };
    if let Some(err) = field(map, "err") {
        let inner = err.as_map()?;
        let group = field(inner, "group")
            .and_then(|g| g.as_integer())
            .and_then(|g| u16::try_from(g).ok());
        let rc = field(inner, "rc")
            .and_then(|r| r.as_integer())
            .and_then(|r| i64::try_from(r).ok())?;
        if rc == 0 {
            return None;
        }
        return Some(DeviceRc::Group {
            group: group.unwrap_or(default_group),
            rc,
        });
    }
    let rc = field(map, "rc")
        .and_then(|r| r.as_integer())
        .and_then(|r| i64::try_from(r).ok())?;
    (rc != 0).then(|| DeviceRc::from_mgmt(rc))
}
