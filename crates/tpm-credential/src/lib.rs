//! TPM 2.0 credential protection done in software (TPM 2.0 Library Part 1 §24,
//! "Credential Protection"): what `TPM2_MakeCredential` computes, so that a verifier that holds
//! only an EK's *public* area can pose a challenge that only the TPM holding the EK's private
//! part can answer with `TPM2_ActivateCredential`.
//!
//! Two users, one implementation: the station's EK challenge inside `read-ek` (a board that
//! replays another TPM's EK cannot answer it) and dps-local's TPM attestation (DPS's own
//! challenge to a device in the field). Neither depends on the other.
//!
//! Only what both need is here: RSA keys with a SHA-256 name algorithm and an AES-128-CFB
//! symmetric definition, which is the TCG default EK template and the SRK templates in use.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use aes::cipher::{AsyncStreamCipher as _, KeyIvInit as _};
use hmac::{Hmac, Mac as _};
use rsa::{BigUint, Oaep, RsaPublicKey};
use sha2::{Digest as _, Sha256};

/// `TPM_ALG_RSA`.
pub const ALG_RSA: u16 = 0x0001;
/// `TPM_ALG_SHA256`.
pub const ALG_SHA256: u16 = 0x000B;
/// `TPM_ALG_NULL`.
pub const ALG_NULL: u16 = 0x0010;

/// Why a public area cannot carry a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The bytes are not a well-formed `TPM2B_PUBLIC`.
    #[error("the public area is malformed: {0}")]
    Malformed(&'static str),
    /// The key is not RSA.
    #[error("the public area is not an RSA key")]
    NotRsa,
    /// The name algorithm is not SHA-256.
    #[error("the public area's name algorithm is not SHA-256")]
    NameAlgorithm,
    /// The modulus and exponent do not make a usable RSA key.
    #[error("the public area is not a usable RSA key: {0}")]
    Key(String),
    /// RSA-OAEP encryption of the seed failed.
    #[error("RSA-OAEP encryption failed: {0}")]
    Encrypt(String),
}

/// An RSA public area read from a `TPM2B_PUBLIC`, with its TPM name.
#[derive(Debug, Clone)]
pub struct RsaArea {
    key: RsaPublicKey,
    name: Vec<u8>,
}

impl RsaArea {
    /// Parses a marshalled `TPM2B_PUBLIC` of an RSA key with a SHA-256 name algorithm.
    pub fn parse(tpm2b_public: &[u8]) -> Result<Self, CredentialError> {
        let mut r = Reader(tpm2b_public);
        let body = r.sized()?;
        if !r.0.is_empty() {
            return Err(CredentialError::Malformed("bytes after the public area"));
        }
        let mut p = Reader(body);
        if p.u16()? != ALG_RSA {
            return Err(CredentialError::NotRsa);
        }
        if p.u16()? != ALG_SHA256 {
            return Err(CredentialError::NameAlgorithm);
        }
        p.u32()?; // objectAttributes
        p.sized()?; // authPolicy
        if p.u16()? != ALG_NULL {
            p.u16()?; // keyBits
            p.u16()?; // mode
        }
        if p.u16()? != ALG_NULL {
            p.u16()?; // scheme hash
        }
        p.u16()?; // keyBits
        let exponent = match p.u32()? {
            0 => 65_537,
            e => e,
        };
        let modulus = p.sized()?;
        if !p.0.is_empty() {
            return Err(CredentialError::Malformed("bytes after the RSA modulus"));
        }
        let key = RsaPublicKey::new(BigUint::from_bytes_be(modulus), BigUint::from(exponent))
            .map_err(|e| CredentialError::Key(e.to_string()))?;
        Ok(Self {
            key,
            name: name_sha256(body),
        })
    }

    /// The object's TPM name: `nameAlg ‖ SHA-256(TPMT_PUBLIC)`.
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    /// Encrypts `seed` to this key with RSA-OAEP(SHA-256) and the TPM's label (its NUL
    /// included), as the TPM expects an encrypted secret (Part 1 §B.10.3).
    pub fn encrypt_seed(&self, label: &str, seed: &[u8]) -> Result<Vec<u8>, CredentialError> {
        let padding = Oaep::new_with_label::<Sha256, _>(format!("{label}\0"));
        self.key
            .encrypt(&mut rsa::rand_core::OsRng, padding, seed)
            .map_err(|e| CredentialError::Encrypt(e.to_string()))
    }
}

/// The TPM name of a marshalled `TPMT_PUBLIC` (without its size) whose name algorithm is
/// SHA-256: `0x000B ‖ SHA-256(TPMT_PUBLIC)`.
pub fn name_sha256(tpmt_public: &[u8]) -> Vec<u8> {
    let mut name = ALG_SHA256.to_be_bytes().to_vec();
    name.extend_from_slice(&Sha256::digest(tpmt_public));
    name
}

/// What `TPM2_MakeCredential` returns: the two buffers `TPM2_ActivateCredential` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The body of the `TPM2B_ID_OBJECT` (`credentialBlob`), without its size.
    pub id_object: Vec<u8>,
    /// The body of the `TPM2B_ENCRYPTED_SECRET` (`secret`), without its size.
    pub secret: Vec<u8>,
}

/// `TPM2_MakeCredential` (Part 1 §24.4, Part 3 §12.6): protects `credential` (at most 32
/// bytes, the name algorithm's digest size) to the EK `ek`, bound to the object named
/// `object_name`. Only the TPM holding `ek`'s private part, with that object loaded, recovers
/// it.
pub fn make_credential(
    ek: &RsaArea,
    credential: &[u8],
    object_name: &[u8],
) -> Result<Credential, CredentialError> {
    let seed: [u8; 32] = rand::random();
    let secret = ek.encrypt_seed("IDENTITY", &seed)?;
    let sym = kdfa(&seed, "STORAGE", object_name, &[], 128);
    let mut enc_identity = tpm2b(credential);
    aes128_cfb_encrypt(&sym, &mut enc_identity);
    let hmac_key = kdfa(&seed, "INTEGRITY", &[], &[], 256);
    let integrity = hmac_sha256(&hmac_key, &[&enc_identity, object_name]);
    let mut id_object = tpm2b(&integrity);
    id_object.extend_from_slice(&enc_identity);
    Ok(Credential { id_object, secret })
}

/// KDFa (Part 1 §11.4.10.2) with HMAC-SHA256: `bits` bits from `key`, `label`, `context_u`
/// and `context_v`.
pub fn kdfa(key: &[u8], label: &str, context_u: &[u8], context_v: &[u8], bits: u32) -> Vec<u8> {
    let bytes = usize::try_from(bits / 8).unwrap_or(0);
    let mut out = Vec::with_capacity(bytes + 32);
    let mut counter: u32 = 1;
    while out.len() < bytes {
        out.extend_from_slice(&hmac_sha256(
            key,
            &[
                &counter.to_be_bytes(),
                label.as_bytes(),
                &[0],
                context_u,
                context_v,
                &bits.to_be_bytes(),
            ],
        ));
        counter += 1;
    }
    out.truncate(bytes);
    out
}

/// HMAC-SHA256 over the concatenation of `parts`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(key).expect("HMAC takes any key");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

/// AES-128 in CFB mode with a zero IV, in place: the TPM's parameter and credential cipher.
pub fn aes128_cfb_encrypt(key: &[u8], data: &mut [u8]) {
    let iv = [0u8; 16];
    cfb_mode::Encryptor::<aes::Aes128>::new_from_slices(key, &iv)
        .expect("bug: an AES-128 key is 16 bytes")
        .encrypt(data);
}

/// A TPM2B: the 16-bit big-endian size, then the bytes.
pub fn tpm2b(bytes: &[u8]) -> Vec<u8> {
    let mut out = u16::try_from(bytes.len())
        .expect("bug: a TPM2B holds at most 65535 bytes")
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(bytes);
    out
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CredentialError> {
        if self.0.len() < n {
            return Err(CredentialError::Malformed("truncated"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u16(&mut self) -> Result<u16, CredentialError> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, CredentialError> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn sized(&mut self) -> Result<&'a [u8], CredentialError> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// KDFa's first block is HMAC(key, 1 ‖ label ‖ 0 ‖ u ‖ v ‖ bits), truncated.
    #[test]
    fn kdfa_is_the_counter_mode_hmac_of_part_1() {
        let key = [7u8; 32];
        let out = kdfa(&key, "STORAGE", b"name", &[], 128);
        let block = hmac_sha256(
            &key,
            &[
                &1u32.to_be_bytes(),
                b"STORAGE",
                &[0],
                b"name",
                &128u32.to_be_bytes(),
            ],
        );
        assert_eq!(out, block[..16]);
        let long = kdfa(&key, "INTEGRITY", &[], &[], 512);
        assert_eq!(long.len(), 64);
        assert_ne!(long[..32], long[32..], "the counter changes each block");
    }

    #[test]
    fn a_truncated_or_non_rsa_area_is_refused() {
        assert!(matches!(
            RsaArea::parse(&[0, 4, 0, 1]),
            Err(CredentialError::Malformed(_))
        ));
        assert_eq!(
            RsaArea::parse(&[0, 4, 0, 0x23, 0, 0x0b]).unwrap_err(),
            CredentialError::NotRsa
        );
        assert_eq!(
            RsaArea::parse(&[0, 4, 0, 1, 0, 4]).unwrap_err(),
            CredentialError::NameAlgorithm
        );
    }
}
