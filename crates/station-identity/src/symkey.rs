//! Symmetric keys for DPS symmetric-key attestation.
//!
//! A device in an enrollment group gets `base64(HMAC-SHA256(base64decode(groupKey),
//! registrationId))` (DPS "symmetric key attestation" concept page); a device with an
//! individual enrollment gets a random key. Keys are secrets: [`SymmetricKey`] has no
//! `Display`, its `Debug` is redacted, and its bytes are wiped on drop.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::registration_id::RegistrationId;

/// Bytes in a key the station generates (what the Azure portal generates: 64).
pub const GENERATED_KEY_LEN: usize = 64;
/// DPS accepts keys of 16 to 64 bytes.
const KEY_LEN_RANGE: std::ops::RangeInclusive<usize> = 16..=64;

/// A symmetric key. Never printed, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct SymmetricKey(Zeroizing<Vec<u8>>);

/// Why text is not a usable symmetric key. Never contains the key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SymmetricKeyError {
    /// Not base64.
    #[error("symmetric key is not valid base64")]
    NotBase64,
    /// Decoded to a length DPS does not accept.
    #[error("symmetric key is {0} bytes; DPS accepts 16 to 64")]
    BadLength(usize),
}

impl SymmetricKey {
    /// Decodes a base64 key (surrounding whitespace ignored).
    pub fn from_base64(text: &str) -> Result<Self, SymmetricKeyError> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| SymmetricKeyError::NotBase64)?,
        );
        if !KEY_LEN_RANGE.contains(&bytes.len()) {
            return Err(SymmetricKeyError::BadLength(bytes.len()));
        }
        Ok(Self(bytes))
    }

    /// A fresh random key from the operating system's generator.
    pub fn random() -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; GENERATED_KEY_LEN]);
        rand::fill(&mut bytes[..]);
        Self(bytes)
    }

    /// The device key DPS expects for `registration_id` in the group whose key this is.
    pub fn derive_device_key(&self, registration_id: &RegistrationId) -> SymmetricKey {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("bug: HMAC rejected a key");
        mac.update(registration_id.as_str().as_bytes());
        let mut out = mac.finalize().into_bytes();
        let key = SymmetricKey(Zeroizing::new(out.to_vec()));
        out.zeroize();
        key
    }

    /// The key in base64, as DPS and the device store it. Wiped when dropped.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(&*self.0))
    }

    /// Key length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a key has at least 16 bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for SymmetricKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SymmetricKey(<redacted, {} bytes>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector from the DPS documentation (concepts-symmetric-key-attestation).
    #[test]
    fn reproduces_the_dps_documentation_vector() {
        let group = SymmetricKey::from_base64(
            "8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==",
        )
        .unwrap();
        let id = RegistrationId::parse("sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6").unwrap();
        assert_eq!(
            &*group.derive_device_key(&id).to_base64(),
            "Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc="
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let k = SymmetricKey::from_base64("AAECAwQFBgcICQoLDA0ODw==").unwrap();
        let shown = format!("{k:?}");
        assert!(!shown.contains("AAECAwQFBgcICQoLDA0ODw"));
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn random_keys_differ_and_have_the_portal_length() {
        let (a, b) = (SymmetricKey::random(), SymmetricKey::random());
        assert_ne!(a, b);
        assert_eq!(a.len(), GENERATED_KEY_LEN);
        assert!(SymmetricKey::from_base64(&a.to_base64()).is_ok());
    }

    #[test]
    fn rejects_bad_keys() {
        assert_eq!(
            SymmetricKey::from_base64("not base64!"),
            Err(SymmetricKeyError::NotBase64)
        );
        assert_eq!(
            SymmetricKey::from_base64("AAAA"),
            Err(SymmetricKeyError::BadLength(3))
        );
    }
}
