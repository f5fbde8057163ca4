//! The station's export signing key (ECDSA P-256) and its self-signed certificate: loaded, or
//! created on first use (the key owner-only).

use std::path::{Path, PathBuf};

use p256::ecdsa::{SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
use station_store::private_files;
use zeroize::Zeroizing;

use super::ExportError;

/// The station's export signing key (ECDSA P-256) and its certificate.
///
/// `Debug` never shows the key.
pub struct StationSigner {
    key: SigningKey,
    cert_der: Vec<u8>,
}

impl std::fmt::Debug for StationSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StationSigner")
            .field("cert_bytes", &self.cert_der.len())
            .finish_non_exhaustive()
    }
}

/// The certificate file next to a signing key: `<key path>.crt` with the extension replaced
/// (`keys/export.key` → `keys/export.crt`).
pub fn cert_path_for(key_path: &Path) -> PathBuf {
    key_path.with_extension("crt")
}

impl StationSigner {
    /// Loads the PKCS#8 PEM key at `key_path` and its certificate ([`cert_path_for`]), or,
    /// when neither exists, creates both: a new P-256 key (file mode 0600) and a self-signed
    /// certificate naming `station_id`. Returns the signer and whether it was created.
    pub fn load_or_create(key_path: &Path, station_id: &str) -> Result<(Self, bool), ExportError> {
        let cert_path = cert_path_for(key_path);
        let fail = |path: &Path, reason: String| ExportError::SigningKey {
            path: path.to_owned(),
            reason,
        };
        if !key_path.exists() && !cert_path.exists() {
            Self::create(key_path, &cert_path, station_id)?;
            return Self::load(key_path).map(|s| (s, true));
        }
        if !cert_path.exists() {
            return Err(fail(&cert_path, "the certificate is missing".into()));
        }
        Self::load(key_path)
            .map(|s| (s, false))
            .map_err(|e| match e {
                ExportError::SigningKey { .. } => e,
                other => fail(key_path, other.to_string()),
            })
    }

    /// Loads an existing key and its certificate.
    pub fn load(key_path: &Path) -> Result<Self, ExportError> {
        let cert_path = cert_path_for(key_path);
        let fail = |path: &Path, reason: String| ExportError::SigningKey {
            path: path.to_owned(),
            reason,
        };
        let pem = Zeroizing::new(
            std::fs::read_to_string(key_path).map_err(|e| fail(key_path, e.to_string()))?,
        );
        let key = SigningKey::from_pkcs8_pem(&pem)
            .map_err(|_| fail(key_path, "not a PKCS#8 PEM P-256 private key".into()))?;
        let cert_pem =
            std::fs::read_to_string(&cert_path).map_err(|e| fail(&cert_path, e.to_string()))?;
        let cert_der = super::pem_certificates(cert_pem.as_bytes())
            .map_err(|e| fail(&cert_path, e))?
            .into_iter()
            .next()
            .ok_or_else(|| fail(&cert_path, "no PEM certificate in the file".into()))?;
        let spki = spki_of(&cert_der).map_err(|e| fail(&cert_path, e))?;
        let cert_key = VerifyingKey::from_public_key_der(&spki)
            .map_err(|_| fail(&cert_path, "the certificate's key is not P-256".into()))?;
        if &cert_key != key.verifying_key() {
            return Err(fail(
                &cert_path,
                "the certificate does not belong to the key".into(),
            ));
        }
        Ok(StationSigner { key, cert_der })
    }

    fn create(key_path: &Path, cert_path: &Path, station_id: &str) -> Result<(), ExportError> {
        let fail = |reason: String| ExportError::SigningKey {
            path: key_path.to_owned(),
            reason,
        };
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| fail(e.to_string()))?;
        let mut params =
            rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| fail(e.to_string()))?;
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            format!("{station_id} export signer"),
        );
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationalUnitName, station_id);
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        params.is_ca = rcgen::IsCa::ExplicitNoCa;
        // extKeyUsage = SEQUENCE { the export-signer OID } (rcgen's own EKU type takes arcs
        // of at most 64 bits; a UUID arc is 128).
        let mut eku = vec![
            0x30,
            2 + super::jws::EXPORT_SIGNER_EKU_DER.len() as u8,
            0x06,
        ];
        eku.push(super::jws::EXPORT_SIGNER_EKU_DER.len() as u8);
        eku.extend_from_slice(&super::jws::EXPORT_SIGNER_EKU_DER);
        params
            .custom_extensions
            .push(rcgen::CustomExtension::from_oid_content(
                &[2, 5, 29, 37],
                eku,
            ));
        params.not_before = rcgen::date_time_ymd(2025, 1, 1);
        params.not_after = rcgen::date_time_ymd(2050, 1, 1);
        let cert = params.self_signed(&key).map_err(|e| fail(e.to_string()))?;
        if let Some(dir) = key_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_files::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        }
        // The certificate first, then the key whose presence says the signer exists: a power
        // cut in between leaves no key (the next export makes both again), never a key without
        // its certificate. Each is synced with its name.
        private_files::replace_public(cert_path, cert.pem().as_bytes()).map_err(|e| {
            ExportError::SigningKey {
                path: cert_path.to_owned(),
                reason: e.to_string(),
            }
        })?;
        private_files::write_new(key_path, key.serialize_pem().as_bytes())
            .map_err(|e| fail(e.to_string()))?;
        tracing::info!(key = %key_path.display(), cert = %cert_path.display(), "created the export signing key");
        Ok(())
    }

    /// The signing certificate (DER).
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The signing certificate as PEM (what a device operator is given as `--trust`).
    pub fn certificate_pem(&self) -> String {
        super::pem::encode("CERTIFICATE", &self.cert_der)
    }

    /// A JWS compact serialisation of `payload`, ES256, with the certificate in `x5c`.
    pub fn sign_jws(&self, payload: &[u8]) -> String {
        super::jws::sign(&self.key, &self.cert_der, payload)
    }
}

fn spki_of(cert_der: &[u8]) -> Result<Vec<u8>, String> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    X509Certificate::from_der(cert_der)
        .map(|(_, c)| c.public_key().raw.to_vec())
        .map_err(|_| "not an X.509 certificate".to_owned())
}
