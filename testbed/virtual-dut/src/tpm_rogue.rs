//! Rogue TPM firmware: a board whose `tpm` command does not pass commands to its TPM
//! unmodified. [`Fault::ReplayEk`](crate::Fault::ReplayEk) answers the reads of the EK and of
//! its certificate from another TPM (a copy of another slot's, as firmware that recorded a
//! genuine board's answers would); [`Fault::AlterEk`](crate::Fault::AlterEk) changes one
//! non-key bit of the EK's public area (and its name, so the answer stays self-consistent).
//! Every other command reaches the board's own TPM.

use std::io;

use sha2::{Digest, Sha256};

use crate::tpm::{SwTpm, TpmPort};

/// `TPM_CC_ReadPublic`.
const CC_READ_PUBLIC: u32 = 0x0173;
/// `TPM_CC_NV_ReadPublic`.
const CC_NV_READ_PUBLIC: u32 = 0x0169;
/// `TPM_CC_NV_Read`.
const CC_NV_READ: u32 = 0x014E;
/// The persistent EK and the EK certificate's NV index (TCG EK Credential Profile).
const EK_HANDLE: u32 = 0x8101_0001;
const EK_CERT_INDEX: u32 = 0x01C0_0002;
/// `userWithAuth` in `objectAttributes`.
const USER_WITH_AUTH: u32 = 0x0000_0040;

/// How the firmware lies.
#[derive(Debug)]
enum Lie {
    /// EK and EK-certificate reads go to this other TPM.
    Replay(SwTpm),
    /// The EK's public area comes back with `userWithAuth` flipped.
    Alter,
}

/// A board's TPM behind rogue firmware.
#[derive(Debug)]
pub(crate) struct RogueTpm {
    own: SwTpm,
    lie: Lie,
}

impl RogueTpm {
    /// Answers EK reads from `other` (a copy of another board's TPM).
    pub(crate) fn replaying(own: SwTpm, other: SwTpm) -> Self {
        Self {
            own,
            lie: Lie::Replay(other),
        }
    }

    /// Flips a non-key bit of the EK it reports.
    pub(crate) fn altering(own: SwTpm) -> Self {
        Self {
            own,
            lie: Lie::Alter,
        }
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// True for a read of the EK or of its certificate (what a replaying firmware answers itself).
fn reads_the_ek(command: &[u8]) -> bool {
    match u32_at(command, 6) {
        Some(CC_READ_PUBLIC) => u32_at(command, 10) == Some(EK_HANDLE),
        Some(CC_NV_READ_PUBLIC) => u32_at(command, 10) == Some(EK_CERT_INDEX),
        Some(CC_NV_READ) => u32_at(command, 14) == Some(EK_CERT_INDEX),
        _ => false,
    }
}

/// A successful `TPM2_ReadPublic` response with `userWithAuth` flipped in `outPublic` and the
/// name recomputed; anything else unchanged.
fn alter(mut response: Vec<u8>) -> Vec<u8> {
    if u32_at(&response, 6) != Some(0) || response.len() < 12 {
        return response;
    }
    let size = usize::from(u16::from_be_bytes([response[10], response[11]]));
    let (public, name) = (12..12 + size, 12 + size + 4..12 + size + 36);
    if response.len() < name.end {
        return response;
    }
    let Some(attributes) = u32_at(&response, 16) else {
        return response;
    };
    response[16..20].copy_from_slice(&(attributes ^ USER_WITH_AUTH).to_be_bytes());
    let digest = Sha256::digest(&response[public]);
    response[name].copy_from_slice(&digest);
    response
}

impl TpmPort for RogueTpm {
    fn execute(&mut self, command: &[u8]) -> io::Result<Vec<u8>> {
        match &mut self.lie {
            Lie::Replay(other) if reads_the_ek(command) => other.execute(command),
            Lie::Alter
                if u32_at(command, 6) == Some(CC_READ_PUBLIC)
                    && u32_at(command, 10) == Some(EK_HANDLE) =>
            {
                self.own.execute(command).map(alter)
            }
            _ => self.own.execute(command),
        }
    }

    fn reset(&mut self) -> io::Result<()> {
        if let Lie::Replay(other) = &mut self.lie {
            other.reset()?;
        }
        self.own.reset()
    }

    fn power_off(&mut self) -> io::Result<()> {
        self.own.power_off()
    }

    fn power_on(&mut self) -> io::Result<()> {
        self.own.power_on()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ek_and_ek_certificate_reads_are_replayed() {
        let read_public = |h: u32| {
            let mut c = vec![0x80, 0x01, 0, 0, 0, 14, 0, 0, 0x01, 0x73];
            c.extend_from_slice(&h.to_be_bytes());
            c
        };
        assert!(reads_the_ek(&read_public(EK_HANDLE)));
        assert!(!reads_the_ek(&read_public(0x8100_0001)));
        let mut nv_read = vec![0x80, 0x02, 0, 0, 0, 18, 0, 0, 0x01, 0x4e];
        nv_read.extend_from_slice(&EK_CERT_INDEX.to_be_bytes());
        nv_read.extend_from_slice(&EK_CERT_INDEX.to_be_bytes());
        assert!(reads_the_ek(&nv_read));
        assert!(!reads_the_ek(&[0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x01, 0x47]));
    }
}
