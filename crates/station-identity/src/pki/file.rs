//! The file backend: the signing CA key as an encrypted PKCS#8 file (PBES2: PBKDF2-SHA256 and
//! AES-256-CBC, readable by `openssl pkey`). The passphrase comes from an environment variable,
//! a file or a prompt, never from the config file; it and the decrypted key are wiped after use.

use std::path::{Path, PathBuf};

use pkcs8::der::Decode;
use pkcs8::pkcs5::pbes2;
use rcgen::KeyPair;
use zeroize::Zeroizing;

use super::{PkiError, SigningCa, pem_decode_all, read_certificates, write_new};

/// The PEM label of an encrypted PKCS#8 key.
pub const ENCRYPTED_KEY_LABEL: &str = "ENCRYPTED PRIVATE KEY";
/// The PEM label of an unencrypted PKCS#8 key (accepted by `ca import` only).
pub const PLAIN_KEY_LABEL: &str = "PRIVATE KEY";

/// A signing CA whose key was read from an encrypted PKCS#8 file.
pub type FileCa = SigningCa<KeyPair>;

/// How much work the passphrase-to-key derivation costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KdfCost {
    /// PBKDF2-SHA256 with 600 000 iterations (OWASP 2023): for real CA keys.
    Production,
    /// PBKDF2-SHA256 with 2 048 iterations: for throw-away keys in tests and the demo.
    Low,
}

impl KdfCost {
    fn iterations(self) -> u32 {
        match self {
            Self::Production => 600_000,
            Self::Low => 2_048,
        }
    }
}

/// A fresh P-256 key, generated in memory (for a file-backed CA).
pub fn generate_key() -> Result<KeyPair, PkiError> {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(PkiError::Sign)
}

/// Writes `key` encrypted under `passphrase` to `path` (mode 0600 where supported); refuses
/// to overwrite an existing file.
pub fn write_encrypted_key(
    key: &KeyPair,
    path: &Path,
    passphrase: &[u8],
    cost: KdfCost,
) -> Result<(), PkiError> {
    let der = Zeroizing::new(key.serialize_der());
    let info = pkcs8::PrivateKeyInfo::from_der(&der).map_err(|e| PkiError::KeyRejected {
        reason: e.to_string(),
    })?;
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    rand::fill(&mut salt[..]);
    rand::fill(&mut iv[..]);
    let params = pbes2::Parameters::pbkdf2_sha256_aes256cbc(cost.iterations(), &salt, &iv)
        .map_err(|e| PkiError::KeyRejected {
            reason: e.to_string(),
        })?;
    let encrypted =
        info.encrypt_with_params(params, passphrase)
            .map_err(|e| PkiError::KeyRejected {
                reason: e.to_string(),
            })?;
    let pem = super::pem_encode(ENCRYPTED_KEY_LABEL, encrypted.as_bytes());
    write_new(path, pem.as_bytes())?;
    restrict_permissions(path);
    Ok(())
}

/// Reads and decrypts the key at `path`.
pub fn read_encrypted_key(path: &Path, passphrase: &[u8]) -> Result<KeyPair, PkiError> {
    let text = read(path)?;
    let der = pem_decode_all(&text, ENCRYPTED_KEY_LABEL)
        .map_err(|reason| PkiError::BadPem {
            path: path.to_owned(),
            reason,
        })?
        .into_iter()
        .next()
        .ok_or_else(|| PkiError::NoPem {
            path: path.to_owned(),
            label: ENCRYPTED_KEY_LABEL,
        })?;
    let info = pkcs8::EncryptedPrivateKeyInfo::from_der(&der).map_err(|_| PkiError::Decrypt {
        path: path.to_owned(),
    })?;
    let plain = info.decrypt(passphrase).map_err(|_| PkiError::Decrypt {
        path: path.to_owned(),
    })?;
    KeyPair::try_from(plain.as_bytes()).map_err(|e| PkiError::KeyRejected {
        reason: e.to_string(),
    })
}

/// Reads a key to import: an encrypted PKCS#8 file (with `passphrase`) or a plain one.
pub fn read_any_key(path: &Path, passphrase: Option<&[u8]>) -> Result<KeyPair, PkiError> {
    let text = Zeroizing::new(read(path)?);
    if text.contains(ENCRYPTED_KEY_LABEL) {
        let pass = passphrase.ok_or_else(|| PkiError::Decrypt {
            path: path.to_owned(),
        })?;
        return read_encrypted_key(path, pass);
    }
    let der = pem_decode_all(&text, PLAIN_KEY_LABEL)
        .map_err(|reason| PkiError::BadPem {
            path: path.to_owned(),
            reason,
        })?
        .into_iter()
        .next()
        .map(Zeroizing::new)
        .ok_or_else(|| PkiError::NoPem {
            path: path.to_owned(),
            label: PLAIN_KEY_LABEL,
        })?;
    KeyPair::try_from(der.as_slice()).map_err(|e| PkiError::KeyRejected {
        reason: e.to_string(),
    })
}

/// Loads a file-backed signing CA: its certificate (first PEM certificate in `cert`), the
/// intermediates to send after it, and the key decrypted with `passphrase`.
pub fn load_ca(
    cert: &Path,
    intermediates: &[PathBuf],
    key: &Path,
    passphrase: &[u8],
) -> Result<FileCa, PkiError> {
    let cert_der = first_certificate(cert)?;
    let mut chain = Vec::new();
    for path in intermediates {
        chain.extend(read_certificates(path)?);
    }
    let key = read_encrypted_key(key, passphrase)?;
    SigningCa::new(cert_der, chain, key, cert, "file")
}

/// The first certificate in a PEM file.
pub fn first_certificate(path: &Path) -> Result<Vec<u8>, PkiError> {
    read_certificates(path)?
        .into_iter()
        .next()
        .ok_or_else(|| PkiError::NoPem {
            path: path.to_owned(),
            label: "CERTIFICATE",
        })
}

fn read(path: &Path) -> Result<String, PkiError> {
    std::fs::read_to_string(path).map_err(|source| PkiError::ReadFile {
        path: path.to_owned(),
        source,
    })
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::{
        CertSerial, CsrPolicy, Issuer, KeyAlgorithm, LeafProfile, check_csr, make_dev_ca,
        pem_encode,
    };

    #[test]
    fn encrypted_key_round_trips_and_refuses_a_wrong_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.key.pem");
        let key = generate_key().unwrap();
        write_encrypted_key(&key, &path, b"right", KdfCost::Low).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let back = read_encrypted_key(&path, b"right").unwrap();
        assert_eq!(back.public_key_raw(), key.public_key_raw());
        assert!(matches!(
            read_encrypted_key(&path, b"wrong"),
            Err(PkiError::Decrypt { .. })
        ));
        assert!(matches!(
            write_encrypted_key(&key, &path, b"x", KdfCost::Low),
            Err(PkiError::Exists { .. })
        ));
    }

    #[test]
    fn issues_a_leaf_with_the_station_profile() {
        let dir = tempfile::tempdir().unwrap();
        let key = generate_key().unwrap();
        let dev = make_dev_ca("unit", &key, 30).unwrap();
        let cert_path = dir.path().join("ca.pem");
        std::fs::write(&cert_path, pem_encode("CERTIFICATE", &dev.signing_ca)).unwrap();
        let key_path = dir.path().join("ca.key.pem");
        write_encrypted_key(&key, &key_path, b"pw", KdfCost::Low).unwrap();
        let ca = load_ca(&cert_path, &[], &key_path, b"pw").unwrap();

        let device = KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "dev-1");
        let csr = params.serialize_request(&device).unwrap();
        let checked = check_csr(
            csr.der(),
            &CsrPolicy {
                expected_cn: "dev-1".into(),
                allowed_algorithms: vec![KeyAlgorithm::EcP256],
            },
        )
        .unwrap();
        let serial = CertSerial::random();
        let issued = ca
            .issue(&checked, &LeafProfile::days(365), &serial)
            .unwrap();
        assert_eq!(issued.chain.len(), 2);
        assert_eq!(issued.subject, "CN=dev-1");
        let (_, leaf) = x509_parser::parse_x509_certificate(&issued.der).unwrap();
        assert!(!leaf.is_ca());
        assert_eq!(
            leaf.raw_serial_as_string().replace(':', ""),
            serial.to_hex()
        );
        let bc = leaf.basic_constraints().unwrap().unwrap();
        assert!(bc.critical && !bc.value.ca);
        let ku = leaf.key_usage().unwrap().unwrap().value;
        assert!(ku.digital_signature() && !ku.key_cert_sign());
        let eku = leaf.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && !eku.server_auth);
        assert!(leaf.subject_key_identifier().is_some());
        assert!(leaf.authority_key_identifier().is_some());
        assert_eq!(
            leaf.public_key().subject_public_key.data.as_ref(),
            device.public_key_raw()
        );
    }

    trait KeyIdExt {
        fn subject_key_identifier(&self) -> Option<()>;
        fn authority_key_identifier(&self) -> Option<()>;
    }

    impl KeyIdExt for x509_parser::certificate::X509Certificate<'_> {
        fn subject_key_identifier(&self) -> Option<()> {
            self.extensions()
                .iter()
                .any(|e| e.oid.to_id_string() == "2.5.29.14")
                .then_some(())
        }
        fn authority_key_identifier(&self) -> Option<()> {
            self.extensions()
                .iter()
                .any(|e| e.oid.to_id_string() == "2.5.29.35")
                .then_some(())
        }
    }
}
