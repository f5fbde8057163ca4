//! The manifest's JWS (RFC 7515 compact serialisation, ES256, the signing certificate in
//! `x5c`): made by the station's signer, checked against the operator's trust anchors.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::{JWS_TYP, Manifest, VerifyError};

/// `payload` signed with `key`, `cert_der` (its certificate) in the header's `x5c`.
pub(super) fn sign(key: &SigningKey, cert_der: &[u8], payload: &[u8]) -> String {
    let header = serde_json::json!({
        "alg": "ES256",
        "typ": JWS_TYP,
        "x5c": [B64.encode(cert_der)],
    });
    let signing_input = format!(
        "{}.{}",
        B64URL.encode(header.to_string()),
        B64URL.encode(payload)
    );
    let sig: Signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", B64URL.encode(sig.to_bytes()))
}

/// The extended key usage that makes a certificate an export signer of this project: an OID
/// under `2.25` (a UUID, ITU-T X.667), so no other purpose's certificate carries it. A
/// certificate a trusted CA issued signs batches only with it: a device certificate of the
/// line's CA (whose key is on a board) never does.
pub const EXPORT_SIGNER_EKU: &str = "2.25.142306558930789876394765232086206794529";
/// [`EXPORT_SIGNER_EKU`], DER-encoded (the OID's content octets).
pub(crate) const EXPORT_SIGNER_EKU_DER: [u8; 20] = [
    0x69, 0x81, 0xd6, 0x8f, 0x9f, 0xc3, 0xcb, 0xa3, 0xe2, 0xb4, 0x9d, 0x9a, 0xaa, 0xe3, 0xe5, 0xc1,
    0xeb, 0xf9, 0x96, 0x21,
];

/// Checks the JWS and returns its manifest and the signer's subject.
pub(super) fn verify(jws: &str, trusted: &[Vec<u8>]) -> Result<(Manifest, String), VerifyError> {
    let bad = |s: &str| VerifyError::BadManifest(s.into());
    let mut parts = jws.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("it is not a JWS compact serialisation"));
    };
    let header: serde_json::Value = B64URL
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| bad("its header is not base64url JSON"))?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("ES256") {
        return Err(bad("its algorithm is not ES256"));
    }
    if header.get("typ").and_then(|a| a.as_str()) != Some(JWS_TYP) {
        return Err(bad("its type is not a station export manifest"));
    }
    if header.get("crit").is_some() {
        return Err(bad("it has critical header parameters"));
    }
    let x5c = header
        .get("x5c")
        .and_then(|x| x.as_array())
        .and_then(|a| a.first())
        .and_then(|c| c.as_str())
        .and_then(|c| B64.decode(c).ok())
        .ok_or_else(|| bad("it carries no signing certificate (x5c)"))?;
    let (_, signer) = X509Certificate::from_der(&x5c).map_err(|_| {
        VerifyError::UntrustedSigner("the signing certificate is not X.509 DER".into())
    })?;
    let via_ca = trusted_signer(&signer, &x5c, trusted)?;
    let key = VerifyingKey::from_public_key_der(signer.public_key().raw)
        .map_err(|_| VerifyError::UntrustedSigner("the signing key is not P-256".into()))?;
    let sig_bytes = B64URL.decode(s).map_err(|_| VerifyError::BadSignature)?;
    let sig = Signature::from_slice(&sig_bytes).map_err(|_| VerifyError::BadSignature)?;
    key.verify(format!("{h}.{p}").as_bytes(), &sig)
        .map_err(|_| VerifyError::BadSignature)?;
    let payload = B64URL
        .decode(p)
        .map_err(|_| bad("its payload is not base64url"))?;
    let manifest: Manifest = serde_json::from_slice(&payload)
        .map_err(|e| VerifyError::BadManifest(format!("its payload is not a manifest: {e}")))?;
    signer_profile(&signer, &manifest.station_id, via_ca)?;
    Ok((manifest, signer.subject().to_string()))
}

/// What makes a certificate one that may sign `station_id`'s batches: not a CA, allowed to
/// make digital signatures, naming the station (its OU, or a CN of `<station> export signer`),
/// and, when it was issued by a trusted CA rather than trusted itself, carrying
/// [`EXPORT_SIGNER_EKU`] and a key usage.
fn signer_profile(
    cert: &X509Certificate<'_>,
    station_id: &str,
    via_ca: bool,
) -> Result<(), VerifyError> {
    let untrusted = |s: String| VerifyError::UntrustedSigner(s);
    let subject = cert.subject().to_string();
    if cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|bc| bc.value.ca)
    {
        return Err(untrusted(format!(
            "{subject} is a CA certificate, not an export signer"
        )));
    }
    match cert.key_usage() {
        Ok(Some(ku)) if !ku.value.digital_signature() => {
            return Err(untrusted(format!(
                "{subject} is not allowed to make digital signatures (key usage)"
            )));
        }
        Ok(None) if via_ca => {
            return Err(untrusted(format!("{subject} has no key usage")));
        }
        Err(_) => return Err(untrusted(format!("{subject} has a malformed key usage"))),
        _ => {}
    }
    if via_ca {
        let is_signer = cert.extended_key_usage().ok().flatten().is_some_and(|eku| {
            eku.value
                .other
                .iter()
                .any(|oid| oid.as_bytes() == EXPORT_SIGNER_EKU_DER)
        });
        if !is_signer {
            return Err(untrusted(format!(
                "{subject} is not an export signer: its extended key usage lacks {EXPORT_SIGNER_EKU}"
            )));
        }
    }
    let names_station = cert
        .subject()
        .iter_organizational_unit()
        .any(|ou| ou.as_str() == Ok(station_id))
        || cert
            .subject()
            .iter_common_name()
            .any(|cn| cn.as_str() == Ok(format!("{station_id} export signer").as_str()));
    if !names_station {
        return Err(untrusted(format!(
            "{subject} does not name station {station_id}, whose batch this says it is"
        )));
    }
    Ok(())
}

/// Whether the signer (`signer`, DER `signer_der`) is trusted: itself a trusted certificate
/// (`false`) or issued by one (`true`).
fn trusted_signer(
    signer: &X509Certificate<'_>,
    signer_der: &[u8],
    trusted: &[Vec<u8>],
) -> Result<bool, VerifyError> {
    if trusted.iter().any(|t| t.as_slice() == signer_der) {
        return Ok(false);
    }
    for t in trusted {
        let Ok((_, anchor)) = X509Certificate::from_der(t) else {
            continue;
        };
        let is_ca = anchor
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|bc| bc.value.ca);
        if is_ca
            && signer.issuer() == anchor.subject()
            && signer.verify_signature(Some(anchor.public_key())).is_ok()
            && signer.validity().is_valid()
        {
            return Ok(true);
        }
    }
    Err(VerifyError::UntrustedSigner(format!(
        "{} is not the trusted certificate and was not issued by it",
        signer.subject()
    )))
}
