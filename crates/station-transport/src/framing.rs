//! SMP over a serial console, framed exactly as Zephyr's `mcumgr_serial` does it.
//!
//! A packet (SMP header + CBOR body) travels as `len(u16 BE) ‖ packet ‖ crc16(BE)`, base64
//! encoded and cut into lines of at most [`MAX_FRAME_LEN`] bytes. The first line starts with
//! `06 09`, every further line with `04 14`, and each ends in `\n`. `len` counts the packet
//! and the CRC. The CRC is CRC-16/XMODEM (Zephyr's `crc16_itu_t` with seed 0) over the packet.
//! Every line's base64 is complete on its own (a multiple of four characters; only the last
//! line may carry `=` padding), so each line decodes independently.
//!
//! Spec: Zephyr `subsys/mgmt/mcumgr/transport/include/mgmt/mcumgr/transport/serial.h` and
//! the "SMP over console" document of mynewt-mcumgr (`transport/smp-console.md`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// First two bytes of a packet's first frame.
pub const START_MARKER: [u8; 2] = [0x06, 0x09];
/// First two bytes of every continuation frame.
pub const CONTINUATION_MARKER: [u8; 2] = [0x04, 0x14];
/// Maximum bytes on one line, marker and newline included (`MCUMGR_SERIAL_MAX_FRAME`).
pub const MAX_FRAME_LEN: usize = 127;
/// Base64 characters per line: the largest multiple of four that fits beside marker and `\n`.
const B64_PER_FRAME: usize = (MAX_FRAME_LEN - 3) / 4 * 4;
/// Lines longer than this without a newline are console noise and are dropped.
const MAX_LINE_LEN: usize = 4 * MAX_FRAME_LEN;
/// Largest packet the 16-bit length field can describe, minus the CRC.
pub const MAX_PACKET_LEN: usize = u16::MAX as usize - 2;

const CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM);

/// The CRC-16 the framing appends (CRC-16/XMODEM).
pub fn crc16(bytes: &[u8]) -> u16 {
    CRC16.checksum(bytes)
}

/// Encodes one SMP packet into the bytes to put on the wire.
///
/// # Panics
/// If `packet` is longer than [`MAX_PACKET_LEN`]; SMP packets are bounded far below that, so
/// a longer one is a bug in the caller.
pub fn encode(packet: &[u8]) -> Vec<u8> {
    assert!(
        packet.len() <= MAX_PACKET_LEN,
        "bug: SMP packet of {} bytes",
        packet.len()
    );
    let mut raw = Vec::with_capacity(packet.len() + 4);
    raw.extend_from_slice(&((packet.len() + 2) as u16).to_be_bytes());
    raw.extend_from_slice(packet);
    raw.extend_from_slice(&crc16(packet).to_be_bytes());
    let b64 = STANDARD.encode(&raw);
    let mut wire = Vec::with_capacity(b64.len() + b64.len() / B64_PER_FRAME * 3 + 3);
    for (i, chunk) in b64.as_bytes().chunks(B64_PER_FRAME).enumerate() {
        wire.extend_from_slice(if i == 0 {
            &START_MARKER
        } else {
            &CONTINUATION_MARKER
        });
        wire.extend_from_slice(chunk);
        wire.push(b'\n');
    }
    wire
}

/// Why received bytes did not make a packet. None of these is ever handed up as a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A line's payload was not valid base64.
    #[error("frame is not valid base64")]
    BadBase64,
    /// The first frame was too short to hold the length field.
    #[error("first frame too short for the length field")]
    MissingLength,
    /// More bytes arrived than the length field announced.
    #[error("packet longer than its length field ({declared} bytes declared)")]
    Overlong {
        /// The length the first frame announced.
        declared: usize,
    },
    /// A new packet started before the previous one was complete.
    #[error("packet truncated: {received} of {declared} bytes before the next packet started")]
    Truncated {
        /// Bytes received.
        received: usize,
        /// Bytes announced.
        declared: usize,
    },
    /// The CRC did not match: the packet was damaged on the way.
    #[error("CRC mismatch (received {received:#06x}, computed {computed:#06x})")]
    BadCrc {
        /// CRC carried by the frame.
        received: u16,
        /// CRC computed over what arrived.
        computed: u16,
    },
    /// A line grew past any valid frame length without a newline.
    #[error("line longer than {MAX_LINE_LEN} bytes without a newline")]
    LineTooLong,
}

/// Incremental decoder: feed it bytes as they arrive, in any split.
#[derive(Debug, Default)]
pub struct Decoder {
    line: Vec<u8>,
    discarding_line: bool,
    partial: Option<Partial>,
    ignored_lines: u64,
}

#[derive(Debug)]
struct Partial {
    declared: usize,
    data: Vec<u8>,
}

impl Decoder {
    /// A decoder with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Consumes `bytes`, returning every packet (or framing error) they completed, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Result<Vec<u8>, FrameError>> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == b'\n' {
                if self.discarding_line {
                    self.discarding_line = false;
                } else {
                    let line = std::mem::take(&mut self.line);
                    self.line_complete(&line, &mut out);
                    self.line = line;
                }
                self.line.clear();
            } else if !self.discarding_line {
                self.line.push(b);
                if self.line.len() > MAX_LINE_LEN {
                    self.line.clear();
                    self.discarding_line = true;
                    if self.partial.take().is_some() {
                        out.push(Err(FrameError::LineTooLong));
                    }
                }
            }
        }
        out
    }

    /// Drops any partial packet and buffered line (after a timeout or before a retry).
    pub fn reset(&mut self) {
        self.line.clear();
        self.discarding_line = false;
        self.partial = None;
    }

    /// Lines that carried no SMP frame (console output, noise) since creation.
    pub fn ignored_lines(&self) -> u64 {
        self.ignored_lines
    }

    /// True while a packet has started but not completed.
    pub fn in_packet(&self) -> bool {
        self.partial.is_some()
    }

    fn line_complete(&mut self, line: &[u8], out: &mut Vec<Result<Vec<u8>, FrameError>>) {
        // Zephyr's console may emit "\r\n"; tolerate a trailing carriage return.
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() < 2 {
            self.ignored_lines += u64::from(!line.is_empty());
            return;
        }
        let (marker, payload) = line.split_at(2);
        if marker == START_MARKER {
            if let Some(p) = self.partial.take() {
                out.push(Err(FrameError::Truncated {
                    received: p.data.len(),
                    declared: p.declared,
                }));
            }
            let decoded = match STANDARD.decode(payload) {
                Ok(d) => d,
                Err(_) => return out.push(Err(FrameError::BadBase64)),
            };
            if decoded.len() < 2 {
                return out.push(Err(FrameError::MissingLength));
            }
            let declared = usize::from(u16::from_be_bytes([decoded[0], decoded[1]]));
            self.partial = Some(Partial {
                declared,
                data: decoded[2..].to_vec(),
            });
        } else if marker == CONTINUATION_MARKER {
            let Some(partial) = self.partial.as_mut() else {
                // A continuation of a packet we never saw the start of: noise to us.
                self.ignored_lines += 1;
                return;
            };
            match STANDARD.decode(payload) {
                Ok(d) => partial.data.extend_from_slice(&d),
                Err(_) => {
                    self.partial = None;
                    return out.push(Err(FrameError::BadBase64));
                }
            }
        } else {
            self.ignored_lines += 1;
            return;
        }
        self.check_complete(out);
    }

    fn check_complete(&mut self, out: &mut Vec<Result<Vec<u8>, FrameError>>) {
        let Some(partial) = self.partial.as_ref() else {
            return;
        };
        if partial.data.len() < partial.declared {
            return;
        }
        let Some(p) = self.partial.take() else { return };
        if p.data.len() > p.declared || p.declared < 2 {
            return out.push(Err(FrameError::Overlong {
                declared: p.declared,
            }));
        }
        let (packet, crc) = p.data.split_at(p.declared - 2);
        let received = u16::from_be_bytes([crc[0], crc[1]]);
        let computed = crc16(packet);
        if received != computed {
            return out.push(Err(FrameError::BadCrc { received, computed }));
        }
        out.push(Ok(packet.to_vec()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_xmodem_check_value() {
        // The CRC catalogue's check value for CRC-16/XMODEM over "123456789".
        assert_eq!(crc16(b"123456789"), 0x31c3);
    }

    #[test]
    fn echo_request_matches_the_python_smp_encoding() {
        // smp (PyPI) 4.x `EchoWriteRequest(d="Hello world!")` with sequence 0, framed by
        // `smp.packet.encode`: checked once with the Python package and pinned here.
        let packet = b"\x0a\x00\x00\x10\x00\x00\x00\x00\xa1adlHello world!";
        let wire = encode(packet);
        assert_eq!(wire, b"\x06\tABoKAAAQAAAAAKFhZGxIZWxsbyB3b3JsZCG8Ew==\n");
        let mut d = Decoder::new();
        assert_eq!(d.feed(&wire), vec![Ok(packet.to_vec())]);
    }

    #[test]
    fn long_packets_use_continuation_frames_within_the_line_limit() {
        let packet: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let wire = encode(&packet);
        let lines: Vec<&[u8]> = wire.split_inclusive(|&b| b == b'\n').collect();
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() <= MAX_FRAME_LEN));
        assert!(
            lines[1..]
                .iter()
                .all(|l| l.starts_with(&CONTINUATION_MARKER))
        );
    }

    #[test]
    fn console_noise_between_packets_is_ignored() {
        let mut bytes = b"*** Booting Zephyr OS ***\r\n".to_vec();
        bytes.extend(encode(b"abc"));
        let mut d = Decoder::new();
        assert_eq!(d.feed(&bytes), vec![Ok(b"abc".to_vec())]);
        assert_eq!(d.ignored_lines(), 1);
    }
}
