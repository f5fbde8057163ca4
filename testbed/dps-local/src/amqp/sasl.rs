//! The SASL layer of the AMQP device API (DPS-NOTES §2.7): `PLAIN` carrying a symmetric-key
//! device's SAS, and `TPM`, the challenge that proves a device holds its EK: the init names the
//! device and its EK, a one-byte challenge asks for its SRK, the key blob follows in segments
//! (SASL frames are at most 512 bytes), and the device answers with a SAS signed by the key it
//! recovered. Credentials are checked by the same [`Registrar`](crate::device::Registrar) as
//! every other transport; a device that fails gets the SASL outcome `auth`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use fe2o3_amqp::acceptor::SaslAcceptor;
use fe2o3_amqp::acceptor::sasl_acceptor::SaslServerFrame;
use fe2o3_amqp::types::primitives::{Array, Binary, Symbol};
use fe2o3_amqp::types::sasl::{SaslChallenge, SaslCode, SaslInit, SaslOutcome, SaslResponse};

use crate::device::{self, Credential};
use crate::service::Shared;

/// The blob bytes per TPM challenge segment: with the control byte and the frame's own
/// overhead (about 20 bytes) a segment stays well inside SASL's 512-byte frames.
const SEGMENT: usize = 400;
/// A segment that more follow.
const MORE: u8 = 0x80;
/// The last segment.
const LAST: u8 = 0xC0;

/// Who SASL proved the device to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) id_scope: String,
    pub(crate) registration_id: String,
    /// The SAS the device proved itself with (PLAIN's password, or the TPM's last answer).
    pub(crate) sas: String,
    /// `symmetricKey` or `tpm`, for the diagnostic log.
    pub(crate) attestation: &'static str,
}

/// Where a TPM challenge is.
#[derive(Debug, Clone, Default)]
enum Tpm {
    #[default]
    Idle,
    /// The init arrived: the SRK is asked for.
    WantSrk {
        id_scope: String,
        registration_id: String,
        ek: Vec<u8>,
    },
    /// Segments of the blob still to send (the next first), then the SAS.
    Sending {
        id_scope: String,
        registration_id: String,
        rest: VecDeque<Vec<u8>>,
        /// A decoy: the registrar refused the EK, so no SAS can pass.
        decoy: bool,
    },
}

/// The SASL acceptor for one connection (the library clones it once per negotiation); what it
/// proved lands in `proved`.
#[derive(Clone)]
pub(crate) struct DeviceSasl {
    shared: Arc<Shared>,
    protocol: &'static str,
    proved: Arc<Mutex<Option<Identity>>>,
    tpm: Tpm,
}

impl DeviceSasl {
    pub(crate) fn new(
        shared: Arc<Shared>,
        protocol: &'static str,
        proved: Arc<Mutex<Option<Identity>>>,
    ) -> Self {
        Self {
            shared,
            protocol,
            proved,
            tpm: Tpm::Idle,
        }
    }

    /// Checks `sas` for the device; the outcome.
    fn admit(
        &self,
        id_scope: &str,
        registration_id: &str,
        sas: &str,
        attestation: &'static str,
    ) -> SaslServerFrame {
        let request = device::Request {
            protocol: self.protocol,
            id_scope,
            registration_id,
            credential: Credential::Sas(sas),
        };
        let admitted = {
            let db = self.shared.db.lock().unwrap_or_else(|p| p.into_inner());
            self.shared.registrar.admit(&db, &request, attestation)
        };
        match admitted {
            Ok(()) => {
                *self.proved.lock().unwrap_or_else(|p| p.into_inner()) = Some(Identity {
                    id_scope: id_scope.to_owned(),
                    registration_id: registration_id.to_owned(),
                    sas: sas.to_owned(),
                    attestation,
                });
                outcome(SaslCode::Ok)
            }
            Err(answer) => {
                tracing::debug!(registration_id, body = %answer.body, "AMQP SASL refused");
                outcome(SaslCode::Auth)
            }
        }
    }

    /// The SRK arrived: the TPM challenge's blob, from the same registrar call that answers an
    /// HTTPS or MQTT device's first TPM registration.
    fn challenge(
        &mut self,
        id_scope: String,
        registration_id: String,
        ek: &[u8],
        srk: &[u8],
    ) -> SaslServerFrame {
        let body = serde_json::json!({
            "registrationId": registration_id,
            "tpm": { "endorsementKey": B64.encode(ek), "storageRootKey": B64.encode(srk) },
        });
        let request = device::Request {
            protocol: self.protocol,
            id_scope: &id_scope,
            registration_id: &registration_id,
            credential: Credential::None,
        };
        let answer = {
            let db = self.shared.db.lock().unwrap_or_else(|p| p.into_inner());
            self.shared
                .registrar
                .register(&db, &request, body.to_string().as_bytes())
        };
        let blob = answer
            .body
            .get("authenticationKey")
            .and_then(serde_json::Value::as_str)
            .and_then(|k| B64.decode(k).ok());
        // A refused EK (not the enrollment's, or no enrollment) still gets a challenge, made
        // for the EK it presented with a key nobody keeps, and fails at the SAS. Failing SASL
        // before the last segment hangs Microsoft's Node SDK for good (it listens for the
        // connection's end only once it answered the challenge); and a device learns nothing
        // about enrollments before it proves its EK. The refusal is in the diagnostic log.
        let decoy = answer.status != 401;
        let blob = match blob.filter(|_| !decoy) {
            Some(blob) => blob,
            None => {
                tracing::debug!(%registration_id, body = %answer.body, "AMQP TPM challenge refused");
                match device::tpm::authentication_key(ek, srk, &rand::random::<[u8; 32]>()) {
                    Ok(blob) => blob,
                    Err(_) => return outcome(SaslCode::Auth),
                }
            }
        };
        let mut rest = segments(&blob);
        let first = rest.pop_front().unwrap_or_else(|| vec![LAST]);
        self.tpm = Tpm::Sending {
            id_scope,
            registration_id,
            rest,
            decoy,
        };
        challenge_frame(first)
    }
}

/// The blob in challenge segments, in order: each a control byte ([`MORE`], the last
/// [`LAST`]) and up to [`SEGMENT`] bytes.
fn segments(blob: &[u8]) -> VecDeque<Vec<u8>> {
    let count = blob.len().div_ceil(SEGMENT);
    blob.chunks(SEGMENT)
        .enumerate()
        .map(|(n, chunk)| {
            let mut segment = vec![if n + 1 == count { LAST } else { MORE }];
            segment.extend_from_slice(chunk);
            segment
        })
        .collect()
}

fn outcome(code: SaslCode) -> SaslServerFrame {
    SaslServerFrame::Outcome(SaslOutcome {
        code,
        additional_data: None,
    })
}

fn challenge_frame(bytes: Vec<u8>) -> SaslServerFrame {
    SaslServerFrame::Challenge(SaslChallenge {
        challenge: Binary::from(bytes),
    })
}

/// `{idScope}/registrations/{registrationId}`: the scope and the ID.
pub(crate) fn parse_identity(text: &str) -> Option<(String, String)> {
    let (scope, id) = text.trim_start_matches('/').split_once("/registrations/")?;
    (!scope.is_empty() && !id.is_empty() && !id.contains('/'))
        .then(|| (scope.to_owned(), id.to_owned()))
}

/// PLAIN's initial response `authzid \0 authcid \0 password` (RFC 4616): authcid and password.
fn parse_plain(response: &[u8]) -> Option<(&str, &str)> {
    let mut parts = response.split(|b| *b == 0);
    let _authzid = parts.next()?;
    let authcid = std::str::from_utf8(parts.next()?).ok()?;
    let password = std::str::from_utf8(parts.next()?).ok()?;
    parts.next().is_none().then_some((authcid, password))
}

/// The TPM mechanism's init `\0 idScope \0 registrationId \0 EK` (the EK may hold zeros).
fn parse_tpm_init(init: &[u8]) -> Option<(String, String, Vec<u8>)> {
    let rest = init.strip_prefix(&[0])?;
    let scope_end = rest.iter().position(|b| *b == 0)?;
    let (scope, rest) = (&rest[..scope_end], &rest[scope_end + 1..]);
    let id_end = rest.iter().position(|b| *b == 0)?;
    let (id, ek) = (&rest[..id_end], &rest[id_end + 1..]);
    let text = |b: &[u8]| std::str::from_utf8(b).ok().map(str::to_owned);
    (!ek.is_empty()).then_some(())?;
    Some((text(scope)?, text(id)?, ek.to_vec()))
}

impl SaslAcceptor for DeviceSasl {
    fn mechanisms(&self) -> Array<Symbol> {
        Array::from(vec![Symbol::from("PLAIN"), Symbol::from("TPM")])
    }

    fn on_init(&mut self, init: SaslInit) -> SaslServerFrame {
        let response = init
            .initial_response
            .map(|b| b.into_vec())
            .unwrap_or_default();
        match init.mechanism.as_str() {
            "PLAIN" => {
                let Some((authcid, password)) = parse_plain(&response) else {
                    return outcome(SaslCode::Auth);
                };
                let Some((id_scope, registration_id)) = parse_identity(authcid) else {
                    tracing::debug!(authcid, "AMQP PLAIN: not {{idScope}}/registrations/{{id}}");
                    return outcome(SaslCode::Auth);
                };
                self.admit(&id_scope, &registration_id, password, "symmetricKey")
            }
            "TPM" => {
                let Some((id_scope, registration_id, ek)) = parse_tpm_init(&response) else {
                    return outcome(SaslCode::Auth);
                };
                self.tpm = Tpm::WantSrk {
                    id_scope,
                    registration_id,
                    ek,
                };
                // One byte: "send your SRK" (a longer challenge is a segment).
                challenge_frame(vec![0])
            }
            _ => outcome(SaslCode::Auth),
        }
    }

    fn on_response(&mut self, response: SaslResponse) -> SaslServerFrame {
        let response = response.response.into_vec();
        match std::mem::take(&mut self.tpm) {
            Tpm::WantSrk {
                id_scope,
                registration_id,
                ek,
            } => match response.strip_prefix(&[0]) {
                Some(srk) if !srk.is_empty() => self.challenge(id_scope, registration_id, &ek, srk),
                _ => outcome(SaslCode::Auth),
            },
            Tpm::Sending {
                id_scope,
                registration_id,
                mut rest,
                decoy,
            } => {
                if let Some(next) = rest.pop_front() {
                    self.tpm = Tpm::Sending {
                        id_scope,
                        registration_id,
                        rest,
                        decoy,
                    };
                    return challenge_frame(next);
                }
                // The blob is sent: this is the device's SAS.
                let sas = response
                    .strip_prefix(&[0])
                    .and_then(|s| std::str::from_utf8(s).ok());
                match sas {
                    Some(sas) if !decoy => self.admit(&id_scope, &registration_id, sas, "tpm"),
                    _ => outcome(SaslCode::Auth),
                }
            }
            Tpm::Idle => outcome(SaslCode::Auth),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{LAST, MORE, SEGMENT, parse_identity, parse_plain, parse_tpm_init, segments};

    #[test]
    fn a_blob_goes_out_in_order_and_only_the_last_segment_says_so() {
        // Three segments (a 3072-bit EK's blob is this long): the order must hold past two.
        let blob: Vec<u8> = (0..2 * SEGMENT + 7).map(|i| (i % 251) as u8).collect();
        let sent = segments(&blob);
        assert_eq!(
            sent.iter().map(|s| s[0]).collect::<Vec<_>>(),
            [MORE, MORE, LAST]
        );
        assert_eq!(
            sent.iter()
                .flat_map(|s| s[1..].to_vec())
                .collect::<Vec<_>>(),
            blob
        );
        assert_eq!(segments(&blob[..SEGMENT]).len(), 1);
    }

    #[test]
    fn plain_and_tpm_inits_parse() {
        assert_eq!(
            parse_plain(b"\0scope/registrations/dev-1\0SharedAccessSignature sr=x"),
            Some(("scope/registrations/dev-1", "SharedAccessSignature sr=x"))
        );
        assert_eq!(parse_plain(b"no separators"), None);
        assert_eq!(parse_plain(b"\0a\0b\0c"), None);
        assert_eq!(
            parse_identity("0ne001/registrations/dev-1"),
            Some(("0ne001".into(), "dev-1".into()))
        );
        assert_eq!(parse_identity("0ne001/registrations/"), None);
        assert_eq!(parse_identity("0ne001/devices/dev-1"), None);
        assert_eq!(parse_identity("0ne001/registrations/a/b"), None);
        assert_eq!(
            parse_tpm_init(b"\0scope\0dev-1\0\x01\0\x02"),
            Some(("scope".into(), "dev-1".into(), vec![1, 0, 2]))
        );
        assert_eq!(parse_tpm_init(b"\0scope\0dev-1\0"), None);
        assert_eq!(parse_tpm_init(b"scope\0dev-1\0ek"), None);
    }
}
