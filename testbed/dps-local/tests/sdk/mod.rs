//! What the tests that drive Microsoft's SDKs share: certificates on disk for the SDKs'
//! X.509 security clients, group-derived keys, and a service client to enroll devices.

#![allow(dead_code, reason = "each test binary uses its own part")]

use std::path::{Path, PathBuf};

use base64::Engine as _;

/// A group device's key as DPS derives it: base64(HMAC-SHA256(group key, registration ID)).
pub(crate) fn derived_key(group_key: &str, registration_id: &str) -> String {
    use hmac::Mac as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&b64.decode(group_key).unwrap())
            .unwrap();
    mac.update(registration_id.as_bytes());
    b64.encode(mac.finalize().into_bytes())
}

/// A certificate authority, and its certificate's PEM.
pub(crate) struct Ca {
    pub(crate) issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pub(crate) pem: String,
}

/// A self-signed CA named `name`.
pub(crate) fn ca(name: &str) -> Ca {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let params = ca_params(name);
    let pem = params.self_signed(&key).unwrap().pem();
    Ca {
        issuer: rcgen::Issuer::new(params, key),
        pem,
    }
}

/// An intermediate CA named `name`, signed by `parent`.
pub(crate) fn intermediate(parent: &Ca, name: &str) -> Ca {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let params = ca_params(name);
    let pem = params.signed_by(&key, &parent.issuer).unwrap().pem();
    Ca {
        issuer: rcgen::Issuer::new(params, key),
        pem,
    }
}

fn ca_params(name: &str) -> rcgen::CertificateParams {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
}

/// A device certificate and its key, written under `dir`.
pub(crate) struct Leaf {
    /// The leaf's PEM alone (what an individual enrollment holds).
    pub(crate) pem: String,
    /// The leaf then `chain`, as the device presents it.
    pub(crate) cert_file: PathBuf,
    pub(crate) key_file: PathBuf,
}

/// A client certificate with common name `cn` from `ca`; the file holds the leaf then `chain`.
pub(crate) fn leaf(ca: &Ca, cn: &str, chain: &[&str], dir: &Path) -> Leaf {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let pem = params.signed_by(&key, &ca.issuer).unwrap().pem();
    let stem = format!("{cn}-{}", rand::random::<u64>());
    let cert_file = dir.join(format!("{stem}.pem"));
    let key_file = dir.join(format!("{stem}.key"));
    std::fs::write(
        &cert_file,
        [pem.as_str()]
            .iter()
            .chain(chain)
            .copied()
            .collect::<String>(),
    )
    .unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    Leaf {
        pem,
        cert_file,
        key_file,
    }
}

/// Creates each individual enrollment and group through dps-local's service API.
pub(crate) fn enroll(
    server: &dps_local::Server,
    individuals: &[serde_json::Value],
    groups: &[serde_json::Value],
) {
    let client = station_upload::client::DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for e in individuals {
        let e: dps_wire::schema::IndividualEnrollment = serde_json::from_value(e.clone()).unwrap();
        rt.block_on(client.create_or_update(&e, None)).unwrap();
    }
    for g in groups {
        let g: dps_wire::schema::EnrollmentGroup = serde_json::from_value(g.clone()).unwrap();
        rt.block_on(client.create_or_update_group(&g, None))
            .unwrap();
    }
}

/// The repository's root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
