//! What the store keeps of a device secret: sealed at creation (ciphertext only), purged once
//! delivered. The store never sees a secret in clear unless the station runs without
//! recipients (`plain`, a lab).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::types::ParseStatusError;

/// Where an enrollment's device secret (an individual symmetric key) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretState {
    /// The payload holds no secret (X.509, TPM, a revocation).
    None,
    /// The payload holds the keys in clear (a station without `[secrets]` recipients).
    Plain,
    /// The payload's keys are redacted; the whole payload is sealed beside it.
    Sealed,
    /// Delivered and purged: the payload's keys are redacted and nothing else holds them.
    Purged,
}

impl SecretState {
    /// The database string.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Plain => "plain",
            Self::Sealed => "sealed",
            Self::Purged => "purged",
        }
    }
}

impl fmt::Display for SecretState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SecretState {
    type Err = ParseStatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "none" => Self::None,
            "plain" => Self::Plain,
            "sealed" => Self::Sealed,
            "purged" => Self::Purged,
            _ => {
                return Err(ParseStatusError {
                    kind: "secret",
                    value: s.to_owned(),
                });
            }
        })
    }
}

/// A payload sealed where it was created: the age ciphertext of the whole enrollment JSON
/// (keys included), and the fingerprint of the recipients it was sealed to.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret {
    /// The age ciphertext.
    pub ciphertext: Vec<u8>,
    /// The recipients' fingerprint (`station_seal::fingerprint`).
    pub sealed_to: String,
}

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedSecret")
            .field(
                "ciphertext",
                &format_args!("<{} bytes>", self.ciphertext.len()),
            )
            .field("sealed_to", &self.sealed_to)
            .finish()
    }
}

/// Whether `payload_json` holds a secret in clear: a `primaryKey` or `secondaryKey` that is
/// neither null nor [`REDACTED`](crate::REDACTED).
#[must_use]
pub fn payload_has_secret(payload_json: &str) -> bool {
    fn walk(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Object(map) => map.iter().any(|(k, v)| {
                (matches!(k.as_str(), "primaryKey" | "secondaryKey")
                    && v.as_str().is_some_and(|s| s != crate::REDACTED))
                    || walk(v)
            }),
            serde_json::Value::Array(items) => items.iter().any(walk),
            _ => false,
        }
    }
    serde_json::from_str::<serde_json::Value>(payload_json).is_ok_and(|v| walk(&v))
}

/// The state a new row's secret starts in.
pub(crate) fn initial_state(payload_json: &str, sealed: bool) -> SecretState {
    if sealed {
        SecretState::Sealed
    } else if payload_has_secret(payload_json) {
        SecretState::Plain
    } else {
        SecretState::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redacted_or_absent_key_is_no_secret() {
        let with = r#"{"attestation":{"type":"symmetricKey","symmetricKey":{"primaryKey":"AAAA","secondaryKey":null}}}"#;
        assert!(payload_has_secret(with));
        assert!(!payload_has_secret(&crate::redact_payload(with)));
        assert!(!payload_has_secret(r#"{"attestation":{"type":"x509"}}"#));
        assert!(!payload_has_secret("not json"));
        assert_eq!(initial_state(with, true), SecretState::Sealed);
        assert_eq!(initial_state(with, false), SecretState::Plain);
        for s in ["none", "plain", "sealed", "purged"] {
            assert_eq!(s.parse::<SecretState>().map(SecretState::as_str), Ok(s));
        }
    }
}
