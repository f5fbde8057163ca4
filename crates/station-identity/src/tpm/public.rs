//! Endorsement keys as DPS sees them: the marshalled `TPM2B_PUBLIC`, its base64 (`endorsementKey`),
//! its SHA-256 and the registration ID the Azure C SDK derives from it.
//!
//! Parsing is pure Rust (TPM 2.0 Library Part 2, `TPMT_PUBLIC`), so checks and tests need no
//! tpm2-tss.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::RegistrationId;

/// `TPM_ALG_RSA`.
const ALG_RSA: u16 = 0x0001;
/// `TPM_ALG_NULL`.
const ALG_NULL: u16 = 0x0010;
/// The exponent a zero `exponent` field stands for.
const DEFAULT_EXPONENT: u32 = 65_537;

/// A TPM object's public area exactly as the TPM marshals it: a `TPM2B_PUBLIC` (big-endian
/// 16-bit size, then the `TPMT_PUBLIC`). 316 bytes for an RSA-2048 EK from the default template.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TpmPublic {
    bytes: Vec<u8>,
    rsa: RsaPublic,
}

/// The RSA parameters of a public area.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RsaPublic {
    /// Key size in bits (`keyBits`).
    pub bits: u16,
    /// The public exponent, with the TPM's 0 already read as 65537.
    pub exponent: u32,
    /// The modulus, big-endian, as the TPM gives it (`unique.rsa`).
    pub modulus: Vec<u8>,
    /// `objectAttributes`.
    pub attributes: u32,
    /// `nameAlg`.
    pub name_alg: u16,
}

/// Why bytes are not a `TPM2B_PUBLIC` of an RSA key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublicAreaError {
    /// The bytes end before the structure does, or carry bytes after it.
    #[error("public area is truncated or has trailing bytes")]
    Malformed,
    /// The key is not RSA (the station reads RSA-2048 EKs).
    #[error("public area is not an RSA key (algorithm 0x{0:04x})")]
    NotRsa(u16),
}

impl TpmPublic {
    /// Parses a marshalled `TPM2B_PUBLIC` holding an RSA key.
    pub fn from_tpm2b(bytes: &[u8]) -> Result<Self, PublicAreaError> {
        let mut r = Reader(bytes);
        let size = usize::from(r.u16()?);
        if r.0.len() != size {
            return Err(PublicAreaError::Malformed);
        }
        let alg = r.u16()?;
        if alg != ALG_RSA {
            return Err(PublicAreaError::NotRsa(alg));
        }
        let name_alg = r.u16()?;
        let attributes = r.u32()?;
        r.sized()?; // authPolicy
        // TPMS_RSA_PARMS: symmetric (TPMT_SYM_DEF_OBJECT), scheme (TPMT_RSA_SCHEME),
        // keyBits, exponent.
        if r.u16()? != ALG_NULL {
            r.u16()?; // keyBits
            r.u16()?; // mode
        }
        if r.u16()? != ALG_NULL {
            r.u16()?; // hashAlg of the scheme
        }
        let bits = r.u16()?;
        let exponent = match r.u32()? {
            0 => DEFAULT_EXPONENT,
            e => e,
        };
        let modulus = r.sized()?.to_vec();
        if !r.0.is_empty() {
            return Err(PublicAreaError::Malformed);
        }
        Ok(Self {
            bytes: bytes.to_vec(),
            rsa: RsaPublic {
                bits,
                exponent,
                modulus,
                attributes,
                name_alg,
            },
        })
    }

    /// The marshalled `TPM2B_PUBLIC`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The RSA parameters.
    pub fn rsa(&self) -> &RsaPublic {
        &self.rsa
    }

    /// Standard base64 of the marshalled bytes: DPS `endorsementKey` / `storageRootKey`.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.bytes)
    }

    /// SHA-256 of the marshalled bytes.
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.bytes).into()
    }

    /// Lower-case hex of [`TpmPublic::sha256`]: the EK hash the store keeps unique.
    pub fn sha256_hex(&self) -> String {
        self.sha256().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The Azure C SDK's default TPM registration ID: lower-case RFC 4648 base32 of the SHA-256
    /// of the marshalled bytes, without `=` padding (52 characters).
    pub fn registration_id(&self) -> RegistrationId {
        // Base32 has only letters and digits 2-7, always 52 of them here: always a valid ID.
        RegistrationId::parse(&base32_lower(&self.sha256()))
            .expect("bug: base32 of a SHA-256 is a valid registration ID")
    }
}

impl std::fmt::Debug for TpmPublic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TpmPublic")
            .field("len", &self.bytes.len())
            .field("sha256", &self.sha256_hex())
            .field("bits", &self.rsa.bits)
            .finish()
    }
}

/// Lower-case RFC 4648 base32 without padding.
pub fn base32_lower(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut acc: u64 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        acc = (acc << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PublicAreaError> {
        if self.0.len() < n {
            return Err(PublicAreaError::Malformed);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u16(&mut self) -> Result<u16, PublicAreaError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, PublicAreaError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn sized(&mut self) -> Result<&'a [u8], PublicAreaError> {
        let n = usize::from(self.u16()?);
        self.take(n)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An RSA-2048 EK public area from the default template (TCG EK Credential Profile B.3.3)
    /// with `modulus` as its unique field.
    pub(crate) fn ek_public(modulus: &[u8; 256]) -> Vec<u8> {
        let mut t = vec![0x00, 0x01, 0x00, 0x0b, 0x00, 0x03, 0x00, 0xb2, 0x00, 0x20];
        t.extend_from_slice(&[
            0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5,
            0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b,
            0x33, 0x14, 0x69, 0xaa,
        ]);
        t.extend_from_slice(&[0x00, 0x06, 0x00, 0x80, 0x00, 0x43, 0x00, 0x10, 0x08, 0x00]);
        t.extend_from_slice(&[0, 0, 0, 0, 0x01, 0x00]);
        t.extend_from_slice(modulus);
        let mut out = (t.len() as u16).to_be_bytes().to_vec();
        out.extend_from_slice(&t);
        out
    }

    #[test]
    fn rfc4648_base32_vectors_in_lower_case_without_padding() {
        for (input, expected) in [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ] {
            assert_eq!(base32_lower(input.as_bytes()), expected);
        }
    }

    #[test]
    fn parses_the_default_ek_template_shape_and_derives_dps_values() {
        let bytes = ek_public(&[0xa5; 256]);
        assert_eq!(bytes.len(), 316);
        // The prefix DPS-NOTES §4 decodes from a real EK: `AToAAQALAAMAsgAg`.
        let ek = TpmPublic::from_tpm2b(&bytes).unwrap();
        assert!(ek.to_base64().starts_with("AToAAQALAAMAsgAg"));
        assert_eq!(ek.rsa().bits, 2048);
        assert_eq!(ek.rsa().exponent, 65_537);
        assert_eq!(ek.rsa().modulus, vec![0xa5; 256]);
        assert_eq!(ek.rsa().attributes, 0x0003_00b2);
        let id = ek.registration_id();
        assert_eq!(id.as_str().len(), 52);
        assert_eq!(id.as_str(), base32_lower(&Sha256::digest(&bytes)));
        assert!(
            id.as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c))
        );
        assert_eq!(ek.sha256_hex().len(), 64);
    }

    #[test]
    fn rejects_truncated_trailing_and_non_rsa_areas() {
        let bytes = ek_public(&[1; 256]);
        assert_eq!(
            TpmPublic::from_tpm2b(&bytes[..300]),
            Err(PublicAreaError::Malformed)
        );
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            TpmPublic::from_tpm2b(&long),
            Err(PublicAreaError::Malformed)
        );
        let mut ecc = bytes;
        ecc[3] = 0x23;
        assert_eq!(
            TpmPublic::from_tpm2b(&ecc),
            Err(PublicAreaError::NotRsa(0x23))
        );
    }
}
