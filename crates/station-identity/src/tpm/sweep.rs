//! Before a read, the TPM is cleared of what an earlier, interrupted read left in it: the
//! transient objects and loaded sessions of a station that was killed or lost power between
//! `CreatePrimary` (or `StartAuthSession`) and its `FlushContext`. The board was not reset, so
//! they are still there, and a TPM holds only a few (three of each on many parts): after a few
//! such interruptions every read would fail for want of room.
//!
//! Firmware passes the station's commands to a TPM only the station uses during provisioning
//! (docs/device-protocol.md), so whatever is loaded when a read starts is the station's own
//! leftover. Two raw commands find it (`GetCapability` of the handles), one flushes each.
//! They are marshalled here, on the link, before the TPM software stack opens its context.

use super::{TpmLink, TpmLinkError};

const TAG_NO_SESSIONS: u16 = 0x8001;
const CC_FLUSH_CONTEXT: u32 = 0x0000_0165;
const CC_GET_CAPABILITY: u32 = 0x0000_017A;
const CAP_HANDLES: u32 = 0x0000_0001;
/// First handle of each range swept: transient objects, loaded (HMAC and policy) sessions.
const RANGES: [u32; 2] = [0x8000_0000, 0x0200_0000];
/// Handle types (the handle's top byte) a flush ends: transient objects, HMAC and policy
/// sessions.
const TRANSIENT: u32 = 0x80;
const HMAC_SESSION: u32 = 0x02;
const POLICY_SESSION: u32 = 0x03;
/// Handles asked for per range (more than any TPM holds).
const MAX_HANDLES: u32 = 64;

/// What the sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Swept {
    /// Transient objects and sessions flushed.
    pub(crate) flushed: u32,
    /// Commands sent.
    pub(crate) commands: u32,
    /// Bytes of those commands.
    pub(crate) command_bytes: u64,
    /// Bytes of their responses.
    pub(crate) response_bytes: u64,
}

impl Swept {
    fn send(&mut self, link: &mut dyn TpmLink, command: &[u8]) -> Result<Vec<u8>, TpmLinkError> {
        let response = link.transact(command)?;
        self.commands += 1;
        self.command_bytes += command.len() as u64;
        self.response_bytes += response.len() as u64;
        Ok(response)
    }
}

/// Flushes every transient object and loaded session in the TPM behind `link`.
pub(crate) fn sweep(link: &mut dyn TpmLink) -> Result<Swept, TpmLinkError> {
    let mut swept = Swept::default();
    for first in RANGES {
        let response = swept.send(link, &get_capability(first))?;
        // A TPM that refuses the query (or answers it malformed) is left as it is: the read
        // that follows fails on its own terms if the TPM is full.
        // Only what a flush may end, whatever the TPM lists: never a persistent object or an
        // NV index.
        for handle in handles(&response)
            .unwrap_or_default()
            .into_iter()
            .filter(|h| matches!(h >> 24, TRANSIENT | HMAC_SESSION | POLICY_SESSION))
        {
            swept.send(link, &flush_context(handle))?;
            swept.flushed += 1;
        }
    }
    if swept.flushed > 0 {
        tracing::info!(
            flushed = swept.flushed,
            "flushed objects and sessions an interrupted read left in the TPM"
        );
    }
    Ok(swept)
}

fn command(code: u32, body: &[u8]) -> Vec<u8> {
    let size = u32::try_from(10 + body.len()).unwrap_or(u32::MAX);
    let mut c = Vec::with_capacity(10 + body.len());
    c.extend_from_slice(&TAG_NO_SESSIONS.to_be_bytes());
    c.extend_from_slice(&size.to_be_bytes());
    c.extend_from_slice(&code.to_be_bytes());
    c.extend_from_slice(body);
    c
}

fn get_capability(first: u32) -> Vec<u8> {
    let mut body = Vec::with_capacity(12);
    body.extend_from_slice(&CAP_HANDLES.to_be_bytes());
    body.extend_from_slice(&first.to_be_bytes());
    body.extend_from_slice(&MAX_HANDLES.to_be_bytes());
    command(CC_GET_CAPABILITY, &body)
}

fn flush_context(handle: u32) -> Vec<u8> {
    command(CC_FLUSH_CONTEXT, &handle.to_be_bytes())
}

/// The handles of a successful `GetCapability(TPM_CAP_HANDLES)` response: header, moreData,
/// capability, then a `TPML_HANDLE`.
fn handles(response: &[u8]) -> Option<Vec<u32>> {
    let u32_at = |at: usize| {
        response
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    if u32_at(6)? != 0 || u32_at(11)? != CAP_HANDLES {
        return None;
    }
    let count = usize::try_from(u32_at(15)?).ok()?;
    (0..count.min(MAX_HANDLES as usize))
        .map(|i| u32_at(19 + 4 * i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TPM that holds `objects` and answers GetCapability and FlushContext.
    struct Held(Vec<u32>, Vec<Vec<u8>>);

    impl TpmLink for Held {
        fn transact(&mut self, command: &[u8]) -> Result<Vec<u8>, TpmLinkError> {
            self.1.push(command.to_vec());
            let code = u32::from_be_bytes([command[6], command[7], command[8], command[9]]);
            let mut rsp = vec![0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0];
            if code == CC_GET_CAPABILITY {
                let first =
                    u32::from_be_bytes([command[14], command[15], command[16], command[17]]);
                let found: Vec<u32> = self
                    .0
                    .iter()
                    .copied()
                    .filter(|h| (h >> 24) == (first >> 24) || (first >> 24 == 2 && h >> 24 == 3))
                    .collect();
                rsp.push(0);
                rsp.extend_from_slice(&CAP_HANDLES.to_be_bytes());
                rsp.extend_from_slice(&(found.len() as u32).to_be_bytes());
                for h in found {
                    rsp.extend_from_slice(&h.to_be_bytes());
                }
            } else {
                let h = u32::from_be_bytes([command[10], command[11], command[12], command[13]]);
                self.0.retain(|x| *x != h);
            }
            let size = rsp.len() as u32;
            rsp[2..6].copy_from_slice(&size.to_be_bytes());
            Ok(rsp)
        }
    }

    #[test]
    fn leftover_objects_and_sessions_are_flushed_and_persistent_ones_kept() {
        let mut tpm = Held(
            vec![
                0x8000_0000,
                0x8000_0001,
                0x0300_0000,
                0x0200_0001,
                0x8101_0001,
            ],
            Vec::new(),
        );
        let swept = sweep(&mut tpm).unwrap();
        assert_eq!(swept.flushed, 4);
        assert_eq!(tpm.0, vec![0x8101_0001], "the persistent EK stays");
        assert_eq!(swept.commands, 6);
        // A clean TPM costs the two queries only.
        let mut clean = Held(vec![0x8101_0001], Vec::new());
        let swept = sweep(&mut clean).unwrap();
        assert_eq!(
            (swept.flushed, swept.commands, swept.command_bytes),
            (0, 2, 44)
        );
        assert_eq!(clean.1[0], get_capability(0x8000_0000));
        assert_eq!(clean.1[0].len(), 22);
    }

    #[test]
    fn an_error_answer_flushes_nothing() {
        let rsp = [0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x01, 0x01];
        assert_eq!(handles(&rsp), None);
        assert_eq!(handles(&[0x80]), None);
    }
}
