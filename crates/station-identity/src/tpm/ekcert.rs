//! EK certificates: the TPM vendor CAs a station trusts, and the checks an EK certificate read
//! from a DUT's TPM must pass (it parses, it certifies this EK, it chains to a vendor root).

use std::path::{Path, PathBuf};

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::{ASN1Time, FromDer};
use x509_parser::public_key::PublicKey;

use super::public::TpmPublic;

/// Longest chain, leaf to root, the station follows.
const MAX_CHAIN_LEN: usize = 6;

/// The TPM vendor CAs a station trusts for EK certificates: roots (trust anchors) and the
/// intermediates that may stand between a root and an EK certificate (used to build the
/// chain, never trusted on their own).
#[derive(Debug, Clone, Default)]
pub struct VendorRoots {
    roots: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
}

/// An EK certificate that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EkCertificate {
    /// The certificate, DER, as read from NV (trailing padding removed).
    pub der: Vec<u8>,
    /// Its issuer, as text.
    pub issuer: String,
    /// Its serial number, lower-case hex.
    pub serial: String,
    /// The subject of the vendor root it chains to.
    pub root: String,
}

/// Why the vendor CA files cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VendorRootsError {
    /// A file could not be read.
    #[error("could not read TPM vendor CA file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file holds no certificate (PEM `CERTIFICATE` blocks or one DER certificate).
    #[error("TPM vendor CA file {} holds no certificate", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A certificate in a file does not parse.
    #[error("certificate {index} in TPM vendor CA file {} is not valid X.509", path.display())]
    BadCertificate {
        /// The file.
        path: PathBuf,
        /// 0-based position in the file.
        index: usize,
    },
    /// A file's PEM is damaged (a block with bad base64, or without its end): refused whole,
    /// never trimmed to its good blocks.
    #[error("TPM vendor CA file {} is not well-formed PEM: {reason}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A certificate given as a vendor root or intermediate is not a CA (no basicConstraints
    /// cA): an end-entity certificate cannot vouch for EK certificates.
    #[error(
        "certificate {index} in TPM vendor CA file {} is not a CA certificate (no basicConstraints CA:TRUE)",
        path.display()
    )]
    NotCa {
        /// The file.
        path: PathBuf,
        /// 0-based position in the file.
        index: usize,
    },
    /// No root is configured.
    #[error("no TPM vendor root CA is configured")]
    NoRoots,
}

/// Why an EK certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EkCertError {
    /// The NV index does not hold an X.509 certificate.
    #[error("the EK certificate in the TPM is not a valid X.509 certificate")]
    NotACertificate,
    /// The certificate's key is not RSA, so it cannot be this RSA EK's.
    #[error("the EK certificate does not carry an RSA key")]
    NotRsa,
    /// The certificate certifies another key than the TPM's EK.
    #[error("the EK certificate does not match the TPM's endorsement key")]
    KeyMismatch,
    /// No configured vendor CA signed the certificate (or an intermediate on its way): no CA
    /// has the issuer's name, or none of those that have it made the signature.
    #[error(
        "the EK certificate was not issued by a configured TPM vendor CA (its issuer is \"{issuer}\")"
    )]
    UnknownCa {
        /// The issuer named by the certificate the chain stopped at.
        issuer: String,
    },
    /// The EK certificate is itself a CA certificate: an EK certificate is an end-entity
    /// certificate, and a CA certificate in the TPM is another CA's, not this EK's.
    #[error("the EK certificate is a CA certificate, not an end-entity certificate")]
    NotEndEntity,
    /// A CA on the chain allows fewer intermediates below it than the chain has
    /// (basicConstraints pathLenConstraint).
    #[error(
        "\"{subject}\" allows {allowed} intermediate CA(s) below it, but the EK certificate's chain has {found}"
    )]
    PathTooLong {
        /// The CA whose constraint is broken.
        subject: String,
        /// Its pathLenConstraint.
        allowed: u32,
        /// Intermediates between it and the EK certificate.
        found: u32,
    },
    /// The certificate, or a CA on its chain, is outside its validity period.
    #[error(
        "\"{subject}\" on the EK certificate's chain is not valid now (valid {not_before} to {not_after})"
    )]
    OutsideValidity {
        /// Subject of the certificate that is not valid.
        subject: String,
        /// Its notBefore.
        not_before: String,
        /// Its notAfter.
        not_after: String,
    },
}

impl VendorRoots {
    /// Loads roots and intermediates from PEM (any number of `CERTIFICATE` blocks) or DER
    /// files.
    pub fn load(roots: &[PathBuf], intermediates: &[PathBuf]) -> Result<Self, VendorRootsError> {
        let mut out = Self::default();
        for path in roots {
            out.roots.extend(read_certificates(path)?);
        }
        for path in intermediates {
            out.intermediates.extend(read_certificates(path)?);
        }
        if out.roots.is_empty() {
            return Err(VendorRootsError::NoRoots);
        }
        Ok(out)
    }

    /// Builds from DER certificates (already parsed once by the caller or a test).
    pub fn from_der(roots: Vec<Vec<u8>>, intermediates: Vec<Vec<u8>>) -> Self {
        Self {
            roots,
            intermediates,
        }
    }

    /// Number of roots.
    pub fn roots(&self) -> usize {
        self.roots.len()
    }

    /// Checks `der` (as read from NV 0x01C00002) against `ek` and the vendor CAs, at `now`:
    /// it must parse, carry exactly the EK's modulus and exponent, and chain through the
    /// intermediates to a root with every signature verifying and every certificate valid.
    pub fn check(&self, der: &[u8], ek: &TpmPublic) -> Result<EkCertificate, EkCertError> {
        self.check_at(der, ek, ASN1Time::now())
    }

    fn check_at(
        &self,
        der: &[u8],
        ek: &TpmPublic,
        now: ASN1Time,
    ) -> Result<EkCertificate, EkCertError> {
        // NV indices are often larger than the certificate: the rest is padding.
        let (rest, leaf) =
            X509Certificate::from_der(der).map_err(|_| EkCertError::NotACertificate)?;
        let der = der[..der.len() - rest.len()].to_vec();
        match leaf.public_key().parsed() {
            Ok(PublicKey::RSA(rsa)) => {
                let same = strip(rsa.modulus) == strip(&ek.rsa().modulus)
                    && strip(rsa.exponent) == strip(&ek.rsa().exponent.to_be_bytes());
                if !same {
                    return Err(EkCertError::KeyMismatch);
                }
            }
            _ => return Err(EkCertError::NotRsa),
        }
        if leaf.is_ca() {
            return Err(EkCertError::NotEndEntity);
        }
        // Only CA certificates issue (a root or intermediate that is not one was refused at
        // load; from_der callers get the same rule here).
        let roots: Vec<X509Certificate<'_>> = parse_all(&self.roots)
            .into_iter()
            .filter(|c| c.is_ca())
            .collect();
        let cas: Vec<X509Certificate<'_>> = parse_all(&self.intermediates)
            .into_iter()
            .filter(|c| c.is_ca())
            .collect();
        let mut current = leaf;
        // Intermediate CAs between the EK certificate and `current`'s issuer.
        let mut below = 0u32;
        for _ in 0..MAX_CHAIN_LEN {
            valid_now(&current, now)?;
            if let Some(root) = issuer_in(&current, &roots) {
                valid_now(root, now)?;
                path_len_allows(root, below)?;
                let (_, leaf) =
                    X509Certificate::from_der(&der).map_err(|_| EkCertError::NotACertificate)?;
                return Ok(EkCertificate {
                    issuer: leaf.issuer().to_string(),
                    serial: leaf.raw_serial_as_string().replace(':', ""),
                    root: root.subject().to_string(),
                    der,
                });
            }
            match issuer_in(&current, &cas) {
                Some(next) => {
                    path_len_allows(next, below)?;
                    current = next.clone();
                    below += 1;
                }
                None => break,
            }
        }
        Err(EkCertError::UnknownCa {
            issuer: current.issuer().to_string(),
        })
    }
}

/// The certificate in `candidates` that issued `cert`: same name, and its key verifies the
/// signature (a CA with the right name but another key did not issue it).
fn issuer_in<'c>(
    cert: &X509Certificate<'_>,
    candidates: &'c [X509Certificate<'c>],
) -> Option<&'c X509Certificate<'c>> {
    candidates.iter().find(|c| {
        c.subject().as_raw() == cert.issuer().as_raw()
            && cert.verify_signature(Some(c.public_key())).is_ok()
    })
}

/// `ca` issues a chain with `below` intermediate CAs between it and the EK certificate: its
/// pathLenConstraint, if it has one, must allow them (RFC 5280 §4.2.1.9).
fn path_len_allows(ca: &X509Certificate<'_>, below: u32) -> Result<(), EkCertError> {
    let allowed = ca
        .basic_constraints()
        .ok()
        .flatten()
        .and_then(|bc| bc.value.path_len_constraint);
    match allowed {
        Some(allowed) if below > allowed => Err(EkCertError::PathTooLong {
            subject: ca.subject().to_string(),
            allowed,
            found: below,
        }),
        _ => Ok(()),
    }
}

fn valid_now(cert: &X509Certificate<'_>, now: ASN1Time) -> Result<(), EkCertError> {
    let v = cert.validity();
    if v.not_before <= now && now <= v.not_after {
        return Ok(());
    }
    Err(EkCertError::OutsideValidity {
        subject: cert.subject().to_string(),
        not_before: v.not_before.to_string(),
        not_after: v.not_after.to_string(),
    })
}

fn parse_all(ders: &[Vec<u8>]) -> Vec<X509Certificate<'_>> {
    ders.iter()
        .filter_map(|d| X509Certificate::from_der(d).ok().map(|(_, c)| c))
        .collect()
}

/// Big-endian integer without leading zero bytes.
fn strip(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[start..]
}

fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, VendorRootsError> {
    let data = std::fs::read(path).map_err(|source| VendorRootsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let ders: Vec<Vec<u8>> =
        if data.starts_with(b"-----") || data.windows(11).any(|w| w == b"-----BEGIN ") {
            let text = String::from_utf8_lossy(&data);
            crate::pki::pem_decode_all(&text, "CERTIFICATE").map_err(|reason| {
                VendorRootsError::Damaged {
                    path: path.to_owned(),
                    reason,
                }
            })?
        } else {
            vec![data]
        };
    if ders.is_empty() {
        return Err(VendorRootsError::Empty {
            path: path.to_owned(),
        });
    }
    for (index, der) in ders.iter().enumerate() {
        match X509Certificate::from_der(der) {
            Err(_) => {
                return Err(VendorRootsError::BadCertificate {
                    path: path.to_owned(),
                    index,
                });
            }
            Ok((_, cert)) if !cert.is_ca() => {
                return Err(VendorRootsError::NotCa {
                    path: path.to_owned(),
                    index,
                });
            }
            Ok(_) => {}
        }
    }
    Ok(ders)
}
