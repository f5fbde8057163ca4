//! The 8-byte SMP header.
//!
//! Layout (Zephyr `smp_hdr`, SMP version 2): byte 0 = `res:3 | ver:2 | op:3`, byte 1 = flags,
//! bytes 2–3 = body length (BE), bytes 4–5 = group (BE), byte 6 = sequence, byte 7 = command
//! id. Spec: Zephyr `doc/services/device_mgmt/smp_protocol.rst`.

/// Length of the header in bytes.
pub const HEADER_LEN: usize = 8;

/// The operation code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Read request.
    Read = 0,
    /// Read response.
    ReadRsp = 1,
    /// Write request.
    Write = 2,
    /// Write response.
    WriteRsp = 3,
}

impl Op {
    /// The response op that answers this request op.
    pub fn response(self) -> Op {
        match self {
            Op::Read | Op::ReadRsp => Op::ReadRsp,
            Op::Write | Op::WriteRsp => Op::WriteRsp,
        }
    }

    /// True for the two request ops.
    pub fn is_request(self) -> bool {
        matches!(self, Op::Read | Op::Write)
    }

    fn from_bits(bits: u8) -> Option<Op> {
        match bits {
            0 => Some(Op::Read),
            1 => Some(Op::ReadRsp),
            2 => Some(Op::Write),
            3 => Some(Op::WriteRsp),
            _ => None,
        }
    }
}

/// SMP protocol version carried in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// Version 1 (errors as a bare `rc`).
    V1 = 0,
    /// Version 2 (group errors as `err: {group, rc}`).
    V2 = 1,
}

/// A decoded SMP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Operation.
    pub op: Op,
    /// Protocol version.
    pub version: Version,
    /// Flags (unused by the groups the station uses; kept as received).
    pub flags: u8,
    /// Length of the CBOR body that follows.
    pub len: u16,
    /// Management group.
    pub group: u16,
    /// Sequence number; a response carries its request's.
    pub seq: u8,
    /// Command id within the group.
    pub id: u8,
}

/// Why eight bytes were not a header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// Fewer than eight bytes.
    #[error("packet of {0} bytes is shorter than an SMP header")]
    Short(usize),
    /// The op bits are not an SMP op.
    #[error("unknown SMP op {0}")]
    UnknownOp(u8),
    /// The version bits are not 1 or 2.
    #[error("unknown SMP version bits {0}")]
    UnknownVersion(u8),
    /// The body length does not match the bytes after the header.
    #[error("header announces {declared} body bytes, {actual} present")]
    LengthMismatch {
        /// Length in the header.
        declared: u16,
        /// Bytes present.
        actual: usize,
    },
}

impl Header {
    /// Encodes the header.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let [l0, l1] = self.len.to_be_bytes();
        let [g0, g1] = self.group.to_be_bytes();
        [
            ((self.version as u8) << 3) | self.op as u8,
            self.flags,
            l0,
            l1,
            g0,
            g1,
            self.seq,
            self.id,
        ]
    }

    /// Splits a packet into its header and CBOR body, checking the declared length.
    pub fn parse(packet: &[u8]) -> Result<(Header, &[u8]), HeaderError> {
        if packet.len() < HEADER_LEN {
            return Err(HeaderError::Short(packet.len()));
        }
        let op = Op::from_bits(packet[0] & 0x07).ok_or(HeaderError::UnknownOp(packet[0] & 0x07))?;
        let version = match (packet[0] >> 3) & 0x03 {
            0 => Version::V1,
            1 => Version::V2,
            other => return Err(HeaderError::UnknownVersion(other)),
        };
        let header = Header {
            op,
            version,
            flags: packet[1],
            len: u16::from_be_bytes([packet[2], packet[3]]),
            group: u16::from_be_bytes([packet[4], packet[5]]),
            seq: packet[6],
            id: packet[7],
        };
        let body = &packet[HEADER_LEN..];
        if body.len() != usize::from(header.len) {
            return Err(HeaderError::LengthMismatch {
                declared: header.len,
                actual: body.len(),
            });
        }
        Ok((header, body))
    }

    /// Builds a whole packet: this header (with `len` set from `body`) followed by `body`.
    ///
    /// # Panics
    /// If `body` exceeds 65535 bytes — no SMP body the station builds comes close.
    pub fn packet(mut self, body: &[u8]) -> Vec<u8> {
        self.len = u16::try_from(body.len()).expect("bug: SMP body over 65535 bytes");
        let mut p = Vec::with_capacity(HEADER_LEN + body.len());
        p.extend_from_slice(&self.to_bytes());
        p.extend_from_slice(body);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_python_smp_echo_header() {
        // smp 4.x: EchoWriteRequest(d="Hello world!") header with sequence 0.
        let h = Header {
            op: Op::Write,
            version: Version::V2,
            flags: 0,
            len: 16,
            group: 0,
            seq: 0,
            id: 0,
        };
        assert_eq!(h.to_bytes(), [0x0a, 0, 0, 0x10, 0, 0, 0, 0]);
        let mut p = h.to_bytes().to_vec();
        p.extend_from_slice(&[0; 16]);
        assert_eq!(Header::parse(&p).unwrap().0, h);
    }

    #[test]
    fn rejects_length_mismatch() {
        let h = Header {
            op: Op::Read,
            version: Version::V2,
            flags: 0,
            len: 3,
            group: 3,
            seq: 9,
            id: 0,
        };
        let p = h.to_bytes();
        assert!(matches!(
            Header::parse(&p),
            Err(HeaderError::LengthMismatch { .. })
        ));
    }
}
