//! Attestation checks: does this credential prove this enrollment's identity?
//!
//! - Symmetric key: a device SAS (`skn` absent or `registration`), `sr` the device's resource
//!   (compared decoded, case-insensitively), not expired, HMAC over `sr` and `se` exactly as
//!   received, with the enrollment's primary or secondary key.
//! - X.509 (individual): the TLS client chain's leaf is the enrollment's primary or secondary
//!   certificate, its CN is the registration ID, and it is within its validity. The TLS
//!   handshake already proved the device holds the leaf's private key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use dps_wire::device::{DEVICE_KEY_NAME, X509CertificateInfo, sas_resource};
use dps_wire::sas::{PolicyKey, SasFields};
use rustls::pki_types::CertificateDer;
use sha2::Digest as _;

use super::codes;

/// What the device presented.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Credential<'a> {
    /// A SAS token (HTTPS `Authorization`, or the MQTT password).
    Sas(&'a str),
    /// The TLS client chain, leaf first.
    Certificates(&'a [CertificateDer<'static>]),
    /// Nothing.
    None,
}

impl Credential<'_> {
    /// The attestation it can prove, for the diagnostic log.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Credential::Sas(_) => "symmetricKey",
            Credential::Certificates(_) => "x509",
            Credential::None => "none",
        }
    }
}

/// Why a credential does not prove the enrollment: DPS's code and our reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) error_code: i32,
    pub(crate) message: String,
}

fn refuse(error_code: i32, message: impl Into<String>) -> Refusal {
    Refusal {
        error_code,
        message: message.into(),
    }
}

/// Checks a symmetric-key credential against the enrollment's keys.
pub(crate) fn symmetric_key(
    credential: Credential<'_>,
    id_scope: &str,
    registration_id: &str,
    keys: &[PolicyKey],
    now: u64,
) -> Result<(), Refusal> {
    let Credential::Sas(token) = credential else {
        return Err(refuse(
            codes::UNAUTHORIZED,
            "this enrollment uses a symmetric key: send a SAS token",
        ));
    };
    let fields = SasFields::parse(token).map_err(|e| {
        refuse(
            codes::UNAUTHORIZED,
            format!("the SAS token is malformed: {e}"),
        )
    })?;
    if let Some(name) = fields.key_name.as_deref()
        && name != DEVICE_KEY_NAME
    {
        return Err(refuse(
            codes::UNAUTHORIZED,
            format!("a device SAS is signed with skn=registration, not {name:?}"),
        ));
    }
    let want = sas_resource(id_scope, registration_id).to_ascii_lowercase();
    if fields.resource().as_deref() != Some(want.as_str()) {
        return Err(refuse(
            codes::UNAUTHORIZED,
            format!(
                "the SAS token is for {:?}, not {want:?}",
                fields.resource().unwrap_or_default()
            ),
        ));
    }
    if fields.expiry <= now {
        return Err(refuse(
            codes::UNAUTHORIZED,
            format!("the SAS token expired at {} (now {now})", fields.expiry),
        ));
    }
    if keys.iter().any(|k| fields.signed_by(k)) {
        Ok(())
    } else {
        Err(refuse(
            codes::UNAUTHORIZED,
            "the SAS signature does not match the enrollment's key",
        ))
    }
}

/// Checks an X.509 credential against an individual enrollment's certificates (PEM or base64
/// DER, as the service API takes them). Returns the leaf's certificate info.
pub(crate) fn x509_individual(
    credential: Credential<'_>,
    registration_id: &str,
    enrolled: &[&str],
    now: i64,
) -> Result<X509CertificateInfo, Refusal> {
    let leaf = client_chain(credential, "enrollment")?[0].as_ref();
    let (_, cert) = x509_parser::parse_x509_certificate(leaf).map_err(|_| {
        refuse(
            codes::INVALID_CERTIFICATE,
            "the client certificate is not valid DER",
        )
    })?;
    check_leaf(&cert, registration_id, now)?;
    let matches = enrolled
        .iter()
        .filter_map(|text| certificate_der(text))
        .any(|der| der == leaf);
    if !matches {
        return Err(refuse(
            codes::INVALID_CERTIFICATE,
            "the certificate is not the one in the enrollment (another key or another CA)",
        ));
    }
    Ok(certificate_info(leaf, &cert))
}

/// Checks an X.509 credential against an enrollment group's signing certificate: the leaf's CN
/// is the registration ID, every certificate is within its validity, and the chain the device
/// presented leads, signature by signature, from the leaf to the signing certificate (which
/// need not be sent). Returns the leaf's and the signing certificate's info.
pub(crate) fn x509_group(
    credential: Credential<'_>,
    registration_id: &str,
    signing_pem: &str,
    now: i64,
) -> Result<(X509CertificateInfo, X509CertificateInfo), Refusal> {
    let chain = client_chain(credential, "enrollment group")?;
    let bad = |m: &str| refuse(codes::INVALID_CERTIFICATE, m);
    let signer_der = certificate_der(signing_pem)
        .ok_or_else(|| bad("the group's signing certificate is not PEM"))?;
    let (_, signer) = x509_parser::parse_x509_certificate(&signer_der)
        .map_err(|_| bad("the group's signing certificate is not valid DER"))?;
    let parsed: Vec<_> = chain
        .iter()
        .map(|c| x509_parser::parse_x509_certificate(c.as_ref()).map(|(_, c)| c))
        .collect::<Result<_, _>>()
        .map_err(|_| bad("a presented certificate is not valid DER"))?;
    let leaf = &parsed[0];
    check_leaf(leaf, registration_id, now)?;
    if valid_now(&signer, now).is_err() {
        return Err(bad("the group's signing certificate is not valid now"));
    }
    let mut current = leaf;
    for _ in 0..parsed.len() {
        valid_now(current, now)?;
        if current.issuer() == signer.subject()
            && current.verify_signature(Some(signer.public_key())).is_ok()
        {
            return Ok((
                certificate_info(chain[0].as_ref(), leaf),
                certificate_info(&signer_der, &signer),
            ));
        }
        let next = parsed[1..].iter().find(|c| {
            c.subject() == current.issuer()
                && c.is_ca()
                && current.verify_signature(Some(c.public_key())).is_ok()
        });
        match next {
            Some(n) => current = n,
            None => break,
        }
    }
    Err(bad(
        "the certificate chain does not lead to the group's signing certificate (another CA, or an intermediate missing)",
    ))
}

/// The TLS client chain (leaf first, never empty) of an X.509 credential for `whose`
/// attestation.
fn client_chain<'a>(
    credential: Credential<'a>,
    whose: &str,
) -> Result<&'a [CertificateDer<'static>], Refusal> {
    match credential {
        Credential::Certificates(chain) if !chain.is_empty() => Ok(chain),
        Credential::Certificates(_) => Err(refuse(
            codes::INVALID_CERTIFICATE,
            "no client certificate was presented",
        )),
        _ => Err(refuse(
            codes::INVALID_CERTIFICATE,
            format!("this {whose} uses X.509: connect with the device certificate (mutual TLS)"),
        )),
    }
}

/// The device certificate's CN is the registration ID and it is valid now.
fn check_leaf(
    leaf: &x509_parser::certificate::X509Certificate<'_>,
    registration_id: &str,
    now: i64,
) -> Result<(), Refusal> {
    let cn = leaf
        .subject()
        .iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok())
        .unwrap_or_default();
    if !cn.eq_ignore_ascii_case(registration_id) {
        return Err(refuse(
            codes::INVALID_CERTIFICATE,
            format!("the certificate's CN is {cn:?}, not the registration ID {registration_id:?}"),
        ));
    }
    valid_now(leaf, now)
}

/// `cert` is within its validity at `now` (Unix seconds).
fn valid_now(
    cert: &x509_parser::certificate::X509Certificate<'_>,
    now: i64,
) -> Result<(), Refusal> {
    let validity = cert.validity();
    if now < validity.not_before.timestamp() || now > validity.not_after.timestamp() {
        return Err(refuse(
            codes::INVALID_CERTIFICATE,
            format!(
                "the certificate {} is not valid now (valid {} to {})",
                cert.subject(),
                validity.not_before,
                validity.not_after
            ),
        ));
    }
    Ok(())
}

/// The service's `info` for a certificate an enrollment holds (PEM or base64 DER), as DPS
/// returns it beside each certificate; `None` if it does not parse.
pub(crate) fn enrollment_certificate_info(text: &str) -> Option<X509CertificateInfo> {
    let der = certificate_der(text)?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der).ok()?;
    Some(certificate_info(&der, &cert))
}

/// A certificate as the service API holds it: PEM, or base64 of the DER.
fn certificate_der(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        B64.decode(body).ok()
    } else {
        B64.decode(text).ok()
    }
}

fn certificate_info(
    der: &[u8],
    cert: &x509_parser::certificate::X509Certificate<'_>,
) -> X509CertificateInfo {
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02X}")).collect::<String>();
    let time = |t: x509_parser::time::ASN1Time| {
        chrono::DateTime::from_timestamp(t.timestamp(), 0)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    X509CertificateInfo {
        subject_name: cert.subject().to_string(),
        sha1_thumbprint: hex(&sha1::Sha1::digest(der)),
        sha256_thumbprint: hex(&sha2::Sha256::digest(der)),
        issuer_name: cert.issuer().to_string(),
        not_before_utc: time(cert.validity().not_before),
        not_after_utc: time(cert.validity().not_after),
        serial_number: cert.raw_serial_as_string().replace(':', "").to_uppercase(),
        version: i32::try_from(cert.version().0).unwrap_or(2) + 1,
    }
}
