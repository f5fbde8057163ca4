//! Checking a DUT's certificate signing request against the product's policy.
//!
//! The station never copies anything from a CSR into a certificate except the subject public
//! key: the subject, extensions and validity come from the product profile. A CSR is accepted
//! only if its signature verifies with the key it carries (proof of possession), its subject
//! is exactly `CN=<registration ID>`, its key algorithm is allowed, and it asks for nothing
//! else (no extension request, no other attributes).

use std::fmt;

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

/// Longest subject CN (and so X.509 registration ID) DPS accepts.
pub const MAX_CN_LEN: usize = 64;

/// A device key algorithm, as named in product profiles and on the device protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 (`ec-p256`).
    EcP256,
    /// ECDSA on NIST P-384 (`ec-p384`).
    EcP384,
}

impl KeyAlgorithm {
    /// The profile name, e.g. `ec-p256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EcP256 => "ec-p256",
            Self::EcP384 => "ec-p384",
        }
    }

    /// Parses a profile name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "ec-p256" => Some(Self::EcP256),
            "ec-p384" => Some(Self::EcP384),
            _ => None,
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a CSR must satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrPolicy {
    /// The subject CN the CSR must carry: the unit's registration ID.
    pub expected_cn: String,
    /// Key algorithms the product allows.
    pub allowed_algorithms: Vec<KeyAlgorithm>,
}

/// A CSR that passed [`check_csr`]: the subject public key to certify.
#[derive(Debug, Clone)]
pub struct CheckedCsr {
    pub(crate) spki: rcgen::SubjectPublicKeyInfo,
    spki_der: Vec<u8>,
    algorithm: KeyAlgorithm,
    cn: String,
}

impl CheckedCsr {
    /// The subject public key info, DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The key algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The subject CN (equal to the policy's expected CN).
    pub fn cn(&self) -> &str {
        &self.cn
    }
}

/// Why a CSR was refused. Every message is one plain sentence for the technician.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsrError {
    /// The bytes are not a PKCS#10 certification request.
    #[error("the DUT's certificate request is not a valid PKCS#10 CSR")]
    Malformed,
    /// The signature does not verify with the CSR's own key: the DUT did not prove it holds
    /// the private key.
    #[error(
        "the DUT's certificate request has a bad signature (no proof of possession of the key)"
    )]
    BadSignature,
    /// The subject is not exactly `CN=<registration ID>`.
    #[error("the DUT's certificate request names subject {found:?}, expected CN={expected}")]
    WrongSubject {
        /// The CN the policy requires.
        expected: String,
        /// The subject found (rendered).
        found: String,
    },
    /// The registration ID is too long to be a certificate CN.
    #[error(
        "registration ID {cn:?} is longer than the {MAX_CN_LEN} characters a certificate CN allows"
    )]
    CnTooLong {
        /// The CN.
        cn: String,
    },
    /// The key algorithm is not one the product allows.
    #[error("the DUT generated a {found} key; this product allows only {allowed}")]
    KeyNotAllowed {
        /// The algorithm found (profile name, or the OIDs when unknown).
        found: String,
        /// The allowed algorithms, comma separated.
        allowed: String,
    },
    /// The CSR asks for a CA certificate.
    #[error("the DUT's certificate request asks to be a CA (CA:TRUE)")]
    AsksForCa,
    /// The CSR requests extensions; the profile sets every extension itself.
    #[error(
        "the DUT's certificate request asks for extensions the product profile does not allow ({oids})"
    )]
    ExtensionsRequested {
        /// The requested extension OIDs, comma separated.
        oids: String,
    },
    /// The CSR carries attributes other than an extension request.
    #[error(
        "the DUT's certificate request carries attributes the product profile does not allow ({oids})"
    )]
    AttributesPresent {
        /// The attribute OIDs, comma separated.
        oids: String,
    },
}

impl CsrError {
    /// A stable code suffix, e.g. `bad_signature`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::BadSignature => "bad_signature",
            Self::WrongSubject { .. } => "wrong_subject",
            Self::CnTooLong { .. } => "cn_too_long",
            Self::KeyNotAllowed { .. } => "key_not_allowed",
            Self::AsksForCa => "asks_for_ca",
            Self::ExtensionsRequested { .. } => "extensions_requested",
            Self::AttributesPresent { .. } => "attributes_present",
        }
    }
}

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_COMMON_NAME: &str = "2.5.4.3";

/// Checks `der` against `policy`; see the module documentation for the rules.
pub fn check_csr(der: &[u8], policy: &CsrPolicy) -> Result<CheckedCsr, CsrError> {
    if policy.expected_cn.chars().count() > MAX_CN_LEN {
        return Err(CsrError::CnTooLong {
            cn: policy.expected_cn.clone(),
        });
    }
    let (rest, csr) = X509CertificationRequest::from_der(der).map_err(|_| CsrError::Malformed)?;
    if !rest.is_empty() {
        return Err(CsrError::Malformed);
    }
    let info = &csr.certification_request_info;
    let spki = &info.subject_pki;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let algorithm = match (
        spki.algorithm.algorithm.to_id_string().as_str(),
        curve.as_deref(),
    ) {
        (OID_EC_PUBLIC_KEY, Some(OID_P256)) => Some(KeyAlgorithm::EcP256),
        (OID_EC_PUBLIC_KEY, Some(OID_P384)) => Some(KeyAlgorithm::EcP384),
        _ => None,
    };
    let allowed = || {
        policy
            .allowed_algorithms
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let algorithm = match algorithm {
        Some(a) if policy.allowed_algorithms.contains(&a) => a,
        Some(a) => {
            return Err(CsrError::KeyNotAllowed {
                found: a.to_string(),
                allowed: allowed(),
            });
        }
        None => {
            return Err(CsrError::KeyNotAllowed {
                found: format!(
                    "{} {}",
                    spki.algorithm.algorithm.to_id_string(),
                    curve.unwrap_or_default()
                ),
                allowed: allowed(),
            });
        }
    };
    csr.verify_signature().map_err(|_| CsrError::BadSignature)?;

    // Subject: exactly one attribute, CN, equal to the registration ID.
    let attrs: Vec<_> = info.subject.iter_attributes().collect();
    let cn = match attrs.as_slice() {
        [only] if only.attr_type().to_id_string() == OID_COMMON_NAME => {
            only.as_str().ok().map(str::to_owned)
        }
        _ => None,
    };
    if cn.as_deref() != Some(policy.expected_cn.as_str()) {
        return Err(CsrError::WrongSubject {
            expected: policy.expected_cn.clone(),
            found: info.subject.to_string(),
        });
    }

    // Attributes: nothing may be requested.
    let mut extension_oids = Vec::new();
    let mut other_oids = Vec::new();
    for attribute in info.attributes() {
        match attribute.parsed_attribute() {
            ParsedCriAttribute::ExtensionRequest(request) => {
                for ext in &request.extensions {
                    if let ParsedExtension::BasicConstraints(bc) = ext.parsed_extension()
                        && bc.ca
                    {
                        return Err(CsrError::AsksForCa);
                    }
                    extension_oids.push(ext.oid.to_id_string());
                }
            }
            _ => other_oids.push(attribute.oid.to_id_string()),
        }
    }
    if !extension_oids.is_empty() {
        return Err(CsrError::ExtensionsRequested {
            oids: extension_oids.join(", "),
        });
    }
    if !other_oids.is_empty() {
        return Err(CsrError::AttributesPresent {
            oids: other_oids.join(", "),
        });
    }
    let spki_der = spki.raw.to_vec();
    let parsed =
        rcgen::SubjectPublicKeyInfo::from_der(&spki_der).map_err(|_| CsrError::KeyNotAllowed {
            found: algorithm.to_string(),
            allowed: allowed(),
        })?;
    Ok(CheckedCsr {
        spki: parsed,
        spki_der,
        algorithm,
        cn: policy.expected_cn.clone(),
    })
}

#[cfg(test)]
mod tests {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair,
        PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, SanType,
    };

    use super::*;

    fn policy(cn: &str) -> CsrPolicy {
        CsrPolicy {
            expected_cn: cn.into(),
            allowed_algorithms: vec![KeyAlgorithm::EcP256],
        }
    }

    fn csr(
        cn: &str,
        alg: &'static rcgen::SignatureAlgorithm,
        edit: impl Fn(&mut CertificateParams),
    ) -> Vec<u8> {
        let key = KeyPair::generate_for(alg).unwrap();
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, cn);
        params.distinguished_name = dn;
        edit(&mut params);
        params.serialize_request(&key).unwrap().der().to_vec()
    }

    #[test]
    fn accepts_a_plain_p256_csr() {
        let der = csr("reg-1", &PKCS_ECDSA_P256_SHA256, |_| {});
        let checked = check_csr(&der, &policy("reg-1")).unwrap();
        assert_eq!(checked.algorithm(), KeyAlgorithm::EcP256);
        assert_eq!(checked.cn(), "reg-1");
    }

    #[test]
    fn refuses_every_policy_violation() {
        let p = policy("reg-1");
        let wrong_cn = csr("reg-2", &PKCS_ECDSA_P256_SHA256, |_| {});
        assert!(matches!(
            check_csr(&wrong_cn, &p),
            Err(CsrError::WrongSubject { .. })
        ));
        let mut bad_sig = csr("reg-1", &PKCS_ECDSA_P256_SHA256, |_| {});
        *bad_sig.last_mut().unwrap() ^= 1;
        assert_eq!(check_csr(&bad_sig, &p).unwrap_err(), CsrError::BadSignature);
        let ca = csr("reg-1", &PKCS_ECDSA_P256_SHA256, |c| {
            c.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        });
        assert_eq!(check_csr(&ca, &p).unwrap_err(), CsrError::AsksForCa);
        let san = csr("reg-1", &PKCS_ECDSA_P256_SHA256, |c| {
            c.subject_alt_names = vec![SanType::DnsName("x.example".try_into().unwrap())];
        });
        assert_eq!(
            check_csr(&san, &p).unwrap_err(),
            CsrError::ExtensionsRequested {
                oids: "2.5.29.17".into()
            }
        );
        let p384 = csr("reg-1", &PKCS_ECDSA_P384_SHA384, |_| {});
        assert_eq!(
            check_csr(&p384, &p).unwrap_err().to_string(),
            "the DUT generated a ec-p384 key; this product allows only ec-p256"
        );
        assert_eq!(check_csr(b"junk", &p).unwrap_err(), CsrError::Malformed);
        assert!(matches!(
            check_csr(&wrong_cn, &policy(&"a".repeat(65))),
            Err(CsrError::CnTooLong { .. })
        ));
        let two_attrs = csr("reg-1", &PKCS_ECDSA_P256_SHA256, |c| {
            c.distinguished_name.push(DnType::OrganizationName, "x");
        });
        assert!(matches!(
            check_csr(&two_attrs, &p),
            Err(CsrError::WrongSubject { .. })
        ));
    }
}
