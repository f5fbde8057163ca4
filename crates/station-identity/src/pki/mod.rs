//! X.509 issuance: CSR policy, the line's signing CA behind the object-safe [`Issuer`] trait,
//! and its two key backends: an encrypted PKCS#8 file ([`file`](mod@file)) and a PKCS#11 token
//! ([`pkcs11`]).
//!
//! The issuance profile is the station's, never the CSR's: subject `CN=<registration ID>`
//! only, `CA:false` (critical), key usage `digitalSignature` (critical), extended key usage
//! `clientAuth`, validity from the product profile (backdated a minute for clock skew), a
//! random positive 128-bit serial, subject and authority key identifiers. The chain a device
//! receives is the leaf, the signing CA, then any configured intermediates.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyUsagePurpose, SerialNumber, SigningKey,
};
use sha2::{Digest, Sha256};

pub mod csr;
pub mod file;
pub mod pkcs11;

pub use csr::{CheckedCsr, CsrError, CsrPolicy, KeyAlgorithm, MAX_CN_LEN, check_csr};

/// Certificates are backdated by this much, so a device whose clock is a little behind still
/// accepts them.
const BACKDATE: Duration = Duration::from_secs(60);

/// Signs device certificates: the line's signing CA. Object-safe, so the pipeline holds an
/// `Arc<dyn Issuer>` without knowing whether the key is in a file or a token.
pub trait Issuer: Send + Sync {
    /// Stable id of the signing CA: the hex SHA-256 thumbprint of its certificate.
    fn ca_id(&self) -> &str;
    /// The signing CA's subject, e.g. `CN=Line 1 signing CA`.
    fn ca_subject(&self) -> &str;
    /// Where the key lives: `file` or `pkcs11`.
    fn backend(&self) -> &'static str;
    /// The certificates above a leaf, in the order a device receives them: the signing CA,
    /// then the configured intermediates (DER).
    fn chain(&self) -> &[Vec<u8>];
    /// Signs a leaf for `csr` under `profile` with `serial`. The result has been checked to
    /// verify under the signing CA's public key.
    fn issue(
        &self,
        csr: &CheckedCsr,
        profile: &LeafProfile,
        serial: &CertSerial,
    ) -> Result<IssuedCertificate, PkiError>;
    /// Signs an RFC 5280 CRL (DER) listing `revoked`, numbered `number` (it must grow with each
    /// CRL this CA publishes), valid until `next_update` from now.
    fn crl(
        &self,
        revoked: &[CrlEntry],
        number: u64,
        next_update: Duration,
    ) -> Result<Vec<u8>, PkiError>;
}

/// Why a certificate is on the CRL (RFC 5280 §5.3.1, the codes the station uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrlReason {
    /// The board holding it failed, was interrupted or voided: it never went into service.
    CessationOfOperation,
    /// DPS refused the board that holds it.
    PrivilegeWithdrawn,
}

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlEntry {
    /// Its serial number, big-endian bytes.
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub revoked_at: SystemTime,
    /// Why.
    pub reason: CrlReason,
}

/// What the product profile fixes for a leaf certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafProfile {
    /// How long the certificate is valid, from now.
    pub validity: Duration,
}

impl LeafProfile {
    /// A profile valid for `days` days.
    pub fn days(days: u32) -> Self {
        Self {
            validity: Duration::from_secs(u64::from(days) * 86_400),
        }
    }
}

/// A certificate serial number: 16 random bytes, first byte 0x01–0x7f, so it is a positive
/// 128-bit integer with a fixed-length DER encoding (RFC 5280 §4.1.2.2 allows 20 octets).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CertSerial([u8; 16]);

impl CertSerial {
    /// A fresh random serial from the operating system's generator.
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        rand::fill(&mut bytes[..]);
        bytes[0] = (bytes[0] & 0x7f).max(1);
        Self(bytes)
    }

    /// The serial as bytes (big-endian).
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The serial as lower-case hex, as stored and shown.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for CertSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertSerial({})", self.to_hex())
    }
}

impl fmt::Display for CertSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A signed device certificate and the chain to send with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// The leaf, DER.
    pub der: Vec<u8>,
    /// Leaf first, then the signing CA and intermediates (DER): what the device stores.
    pub chain: Vec<Vec<u8>>,
    /// Serial number.
    pub serial: CertSerial,
    /// Subject, e.g. `CN=contoso-sn0001`.
    pub subject: String,
    /// SHA-256 of the leaf DER.
    pub sha256: [u8; 32],
    /// Start of validity.
    pub not_before: SystemTime,
    /// End of validity.
    pub not_after: SystemTime,
}

impl IssuedCertificate {
    /// The leaf as PEM (what a DPS individual enrollment carries).
    pub fn pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.der)
    }

    /// The SHA-256 thumbprint in lower-case hex.
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// Errors of the signing CA and its key backends. Never contains key material, PINs or
/// passphrases.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `ca init` or `ca import` would overwrite an existing CA file.
    #[error("{} already exists; refusing to overwrite a CA", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A file does not hold the PEM block expected.
    #[error("{} holds no {label} PEM block", path.display())]
    NoPem {
        /// The file.
        path: PathBuf,
        /// The PEM label looked for.
        label: &'static str,
    },
    /// A file's PEM is damaged (bad base64, a block without its end).
    #[error("{} is not well-formed PEM: {reason}", path.display())]
    BadPem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The encrypted key file could not be decrypted: wrong passphrase or a damaged file.
    #[error("cannot decrypt the CA key {} (wrong passphrase or damaged file)", path.display())]
    Decrypt {
        /// The key file.
        path: PathBuf,
    },
    /// The key could not be used (unsupported algorithm, malformed).
    #[error("the CA key is not usable: {reason}")]
    KeyRejected {
        /// Why.
        reason: String,
    },
    /// The private key does not belong to the CA certificate.
    #[error("the CA key does not match the CA certificate {}", path.display())]
    KeyMismatch {
        /// The certificate file.
        path: PathBuf,
    },
    /// The CA certificate is unusable (not parsable, not a CA).
    #[error("the CA certificate {} is not usable: {reason}", path.display())]
    BadCertificate {
        /// The certificate file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Building or signing a certificate failed.
    #[error("could not sign the certificate")]
    Sign(#[source] rcgen::Error),
    /// A certificate the CA just signed does not verify under the CA's key (a token fault).
    #[error("the signed certificate does not verify under the signing CA's key")]
    SelfCheck,
    /// The signing CA (or an intermediate sent with it) has expired: a leaf would be valid
    /// for no time at all.
    #[error("the signing CA's chain expired at {not_after}: no certificate can be issued")]
    CaExpired {
        /// When.
        not_after: String,
    },
    /// The PKCS#11 module could not be loaded or initialised.
    #[error("cannot load the PKCS#11 module {}", module.display())]
    Module {
        /// The module path.
        module: PathBuf,
        /// The cryptoki error.
        #[source]
        source: cryptoki::error::Error,
    },
    /// No token with this label is present.
    #[error("no PKCS#11 token labelled {label:?} in {}", module.display())]
    TokenNotFound {
        /// The token label.
        label: String,
        /// The module path.
        module: PathBuf,
    },
    /// No private key with this label is in the token.
    #[error("no private key labelled {key:?} in token {token:?}")]
    KeyNotFound {
        /// The token label.
        token: String,
        /// The key label.
        key: String,
    },
    /// A key with this label already exists in the token (`ca init` never replaces one).
    #[error("token {token:?} already holds a key labelled {key:?}")]
    KeyExists {
        /// The token label.
        token: String,
        /// The key label.
        key: String,
    },
    /// A PKCS#11 operation failed (login, find, sign…).
    #[error("PKCS#11 {operation} failed")]
    Pkcs11 {
        /// What was attempted.
        operation: &'static str,
        /// The cryptoki error.
        #[source]
        source: cryptoki::error::Error,
    },
}

/// The signing CA over any rcgen [`SigningKey`]: the file and PKCS#11 backends both build one.
pub struct SigningCa<K: SigningKey + Send + Sync> {
    issuer: rcgen::Issuer<'static, K>,
    /// The CA's SubjectPublicKeyInfo, DER, for the self-check of every issued leaf.
    ca_spki: Vec<u8>,
    chain: Vec<Vec<u8>>,
    id: String,
    subject: String,
    backend: &'static str,
    /// The earliest notAfter of the signing CA and the intermediates sent with it: no leaf
    /// outlives its chain.
    chain_not_after: (SystemTime, String),
    /// The CA certificate's subject key identifier, which its CRLs name as their authority key
    /// identifier (however the CA's maker derived it).
    ski: Option<Vec<u8>>,
}

impl<K: SigningKey + Send + Sync> SigningCa<K> {
    /// A signing CA from its certificate (DER), the intermediates to send after it, and its
    /// key. `cert_path` names the certificate in errors.
    ///
    /// # Errors
    /// [`PkiError::BadCertificate`] if the certificate does not parse or is not a CA,
    /// [`PkiError::KeyMismatch`] if `key` is not the certificate's key.
    pub fn new(
        cert_der: Vec<u8>,
        intermediates: Vec<Vec<u8>>,
        key: K,
        cert_path: &Path,
        backend: &'static str,
    ) -> Result<Self, PkiError> {
        let bad = |reason: String| PkiError::BadCertificate {
            path: cert_path.to_owned(),
            reason,
        };
        let (_, cert) = x509_parser::parse_x509_certificate(&cert_der)
            .map_err(|e| bad(format!("not a DER certificate ({e})")))?;
        if !cert.is_ca() {
            return Err(bad(
                "it is not a CA certificate (no basicConstraints CA:TRUE)".into(),
            ));
        }
        if cert.public_key().subject_public_key.data.as_ref() != key.der_bytes() {
            return Err(PkiError::KeyMismatch {
                path: cert_path.to_owned(),
            });
        }
        let ca_spki = cert.public_key().raw.to_vec();
        let subject = cert.subject().to_string();
        let ski = cert
            .extensions()
            .iter()
            .find_map(|ext| match ext.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(id) => {
                    Some(id.0.to_vec())
                }
                _ => None,
            });
        let issuer = rcgen::Issuer::from_ca_cert_der(&cert_der.as_slice().into(), key)
            .map_err(|e| bad(e.to_string()))?;
        let id = hex::encode(Sha256::digest(&cert_der));
        let mut chain = vec![cert_der];
        chain.extend(intermediates);
        let mut chain_not_after = (SystemTime::UNIX_EPOCH, String::new());
        for (i, der) in chain.iter().enumerate() {
            let (_, c) = x509_parser::parse_x509_certificate(der)
                .map_err(|e| bad(format!("a certificate of its chain does not parse ({e})")))?;
            let end = c.validity().not_after;
            let ends = SystemTime::UNIX_EPOCH
                + Duration::from_secs(u64::try_from(end.timestamp()).unwrap_or(0));
            if i == 0 || ends < chain_not_after.0 {
                chain_not_after = (ends, end.to_string());
            }
        }
        Ok(Self {
            issuer,
            ca_spki,
            chain,
            id,
            subject,
            backend,
            chain_not_after,
            ski,
        })
    }

    /// The CA's key.
    pub fn key(&self) -> &K {
        self.issuer.key()
    }
}

impl<K: SigningKey + Send + Sync> fmt::Debug for SigningCa<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningCa")
            .field("id", &self.id)
            .field("subject", &self.subject)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl<K: SigningKey + Send + Sync> Issuer for SigningCa<K> {
    fn ca_id(&self) -> &str {
        &self.id
    }

    fn ca_subject(&self) -> &str {
        &self.subject
    }

    fn backend(&self) -> &'static str {
        self.backend
    }

    fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    fn crl(
        &self,
        revoked: &[CrlEntry],
        number: u64,
        next_update: Duration,
    ) -> Result<Vec<u8>, PkiError> {
        let now = SystemTime::now();
        let params = rcgen::CertificateRevocationListParams {
            this_update: to_offset(now),
            next_update: to_offset(now + next_update),
            crl_number: SerialNumber::from_slice(&number.to_be_bytes()),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|e| rcgen::RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&e.serial),
                    revocation_time: to_offset(e.revoked_at),
                    reason_code: Some(match e.reason {
                        CrlReason::CessationOfOperation => {
                            rcgen::RevocationReason::CessationOfOperation
                        }
                        CrlReason::PrivilegeWithdrawn => {
                            rcgen::RevocationReason::PrivilegeWithdrawn
                        }
                    }),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: match &self.ski {
                Some(id) => rcgen::KeyIdMethod::PreSpecified(id.clone()),
                None => rcgen::KeyIdMethod::Sha256,
            },
        };
        let crl = params.signed_by(&self.issuer).map_err(PkiError::Sign)?;
        Ok(crl.der().to_vec())
    }

    fn issue(
        &self,
        csr: &CheckedCsr,
        profile: &LeafProfile,
        serial: &CertSerial,
    ) -> Result<IssuedCertificate, PkiError> {
        let now = SystemTime::now();
        let not_before = now - BACKDATE;
        // Never past the CA's own end (RFC 5280 path validation would refuse the leaf then).
        let not_after = (now + profile.validity).min(self.chain_not_after.0);
        if not_after <= now {
            return Err(PkiError::CaExpired {
                not_after: self.chain_not_after.1.clone(),
            });
        }
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, csr.cn());
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(SerialNumber::from_slice(serial.as_bytes()));
        params.not_before = to_offset(not_before);
        params.not_after = to_offset(not_after);
        let cert = params
            .signed_by(&csr.spki, &self.issuer)
            .map_err(PkiError::Sign)?;
        let der = cert.der().to_vec();
        self_check(&der, &self.ca_spki)?;
        let mut chain = vec![der.clone()];
        chain.extend(self.chain.iter().cloned());
        Ok(IssuedCertificate {
            sha256: Sha256::digest(&der).into(),
            der,
            chain,
            serial: *serial,
            subject: format!("CN={}", csr.cn()),
            not_before: truncate_to_seconds(not_before),
            not_after: truncate_to_seconds(not_after),
        })
    }
}

/// Checks that `leaf` verifies under the CA key `ca_spki`.
fn self_check(leaf: &[u8], ca_spki: &[u8]) -> Result<(), PkiError> {
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::parse_x509_certificate(leaf).map_err(|_| PkiError::SelfCheck)?;
    let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(ca_spki)
        .map_err(|_| PkiError::SelfCheck)?;
    cert.verify_signature(Some(&spki))
        .map_err(|_| PkiError::SelfCheck)
}

/// A development CA hierarchy: a self-signed root (whose key is discarded after use) and the
/// signing CA it certifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevCaCertificates {
    /// The root, DER: the trust anchor, never sent to devices.
    pub root: Vec<u8>,
    /// The signing CA, DER.
    pub signing_ca: Vec<u8>,
}

/// Makes a development root (fresh software key, thrown away afterwards) and a signing CA
/// certificate for `signing_key` under it, valid for `days` days. `name` goes into both
/// subjects, e.g. `"line1"` gives `CN=line1 development root` and `CN=line1 signing CA`.
pub fn make_dev_ca(
    name: &str,
    signing_key: &impl SigningKey,
    days: u32,
) -> Result<DevCaCertificates, PkiError> {
    let root_key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(PkiError::Sign)?;
    let now = SystemTime::now();
    let validity = |params: &mut CertificateParams| {
        params.not_before = to_offset(now - BACKDATE);
        params.not_after = to_offset(now + Duration::from_secs(u64::from(days) * 86_400));
        params.serial_number = Some(SerialNumber::from_slice(CertSerial::random().as_bytes()));
    };
    let mut root = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, format!("{name} development root"));
    root.distinguished_name = dn;
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    validity(&mut root);
    let root_cert = root.self_signed(&root_key).map_err(PkiError::Sign)?;
    let root_issuer = rcgen::Issuer::new(root, root_key);

    let mut signing = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, format!("{name} signing CA"));
    signing.distinguished_name = dn;
    signing.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    signing.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    signing.use_authority_key_identifier_extension = true;
    validity(&mut signing);
    let signing_cert = signing
        .signed_by(signing_key, &root_issuer)
        .map_err(PkiError::Sign)?;
    Ok(DevCaCertificates {
        root: root_cert.der().to_vec(),
        signing_ca: signing_cert.der().to_vec(),
    })
}

/// Encodes `der` as a PEM block with `label` (64-column lines, `\n` line ends).
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(label, der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// Every PEM block in `text` with `label`, decoded, in order (blocks with other labels are
/// passed over). A damaged block — bad base64, or a beginning without its end — is an error,
/// never skipped: a trust file must not quietly lose a certificate.
pub fn pem_decode_all(text: &str, label: &str) -> Result<Vec<Vec<u8>>, String> {
    let blocks = pem::parse_many(text).map_err(|e| format!("damaged PEM: {e}"))?;
    // `parse_many` passes over a block that never ends: count the beginnings too.
    let begun = text.matches("-----BEGIN ").count();
    if begun != blocks.len() {
        return Err(format!(
            "damaged PEM: {begun} block(s) begin, {} end properly",
            blocks.len()
        ));
    }
    Ok(blocks
        .into_iter()
        .filter(|b| b.tag() == label)
        .map(pem::Pem::into_contents)
        .collect())
}

/// Reads every certificate in a PEM file.
pub fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, PkiError> {
    let text = std::fs::read_to_string(path).map_err(|source| PkiError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    let certs = pem_decode_all(&text, "CERTIFICATE").map_err(|reason| PkiError::BadPem {
        path: path.to_owned(),
        reason,
    })?;
    if certs.is_empty() {
        return Err(PkiError::NoPem {
            path: path.to_owned(),
            label: "CERTIFICATE",
        });
    }
    Ok(certs)
}

/// Writes `text` to a new owner-only file at `path` (a key), creating parent directories
/// (owner-only too); refuses to overwrite.
pub(crate) fn write_new(path: &Path, text: &[u8]) -> Result<(), PkiError> {
    let io = |source| PkiError::WriteFile {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        station_files::create_dir_all(parent).map_err(io)?;
    }
    station_files::write_new(path, text).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            PkiError::Exists {
                path: path.to_owned(),
            }
        } else {
            io(e)
        }
    })
}

/// A short description of a certificate: subject, issuer, serial, validity, SHA-256.
pub fn describe_certificate(der: &[u8]) -> String {
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, c)) => format!(
            "subject {}\n  issuer {}\n  serial {}\n  valid {} to {}\n  sha256 {}",
            c.subject(),
            c.issuer(),
            c.raw_serial_as_string().replace(':', ""),
            c.validity().not_before,
            c.validity().not_after,
            hex::encode(Sha256::digest(der))
        ),
        Err(e) => format!("unparsable certificate ({e})"),
    }
}

fn to_offset(t: SystemTime) -> time::OffsetDateTime {
    time::OffsetDateTime::from(truncate_to_seconds(t))
}

/// X.509 times have whole seconds.
fn truncate_to_seconds(t: SystemTime) -> SystemTime {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => SystemTime::UNIX_EPOCH + Duration::from_secs(d.as_secs()),
        Err(_) => t,
    }
}
