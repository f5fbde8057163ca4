//! X.509 harnesses: a development signing CA with its key in an encrypted file, and the
//! `[[product]]` of an X.509 product issuing from it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use station_identity::pki::file::{self, KdfCost};
use station_identity::pki::{Issuer, make_dev_ca, pem_encode};
use virtual_dut::FixtureSpec;

use crate::{Harness, HarnessOptions};

/// A development CA with its key in an encrypted file.
pub struct FileCa {
    /// Its root certificate (PEM file), for `openssl verify`.
    pub root: PathBuf,
    /// The loaded signing CA.
    pub issuer: Arc<dyn Issuer>,
}

/// Makes a development CA in `dir`.
///
/// # Panics
/// If the CA cannot be made (a test set-up failure).
#[must_use]
pub fn file_ca(dir: &Path) -> FileCa {
    let key = file::generate_key().expect("CA key");
    let dev = make_dev_ca("e2e", &key, 30).expect("development CA");
    let cert = dir.join("signing-ca.pem");
    let root = dir.join("root-ca.pem");
    std::fs::write(&cert, pem_encode("CERTIFICATE", &dev.signing_ca)).expect("write CA");
    std::fs::write(&root, pem_encode("CERTIFICATE", &dev.root)).expect("write root");
    let key_path = dir.join("signing-ca.key.pem");
    file::write_encrypted_key(&key, &key_path, b"e2e-pass", KdfCost::Low).expect("write key");
    let issuer = Arc::new(file::load_ca(&cert, &[], &key_path, b"e2e-pass").expect("load CA"));
    FileCa { root, issuer }
}

/// The `[[product]]` of an X.509 product `x509`; the CA paths are never opened by the pipeline
/// (the issuer is handed over already loaded), but the config must be valid.
#[must_use]
pub fn product(enrollment: &str, quota: Option<u64>) -> String {
    format!(
        r#"
[[product]]
id = "x509"
registration_id = {{ template = "x5-{{serial}}", lowercase = true }}
dps = {{ id_scope = "0ne00E2E509" }}
[product.attestation]
kind = "x509"
enrollment = "{enrollment}"
validity_days = 30
{quota}
ca = {{ backend = "file", certificate = "ca/signing-ca.pem", key = "ca/signing-ca.key.pem", passphrase = {{ env = "UNUSED_IN_TESTS" }} }}
"#,
        quota = quota.map_or(String::new(), |q| format!("quota_per_work_order = {q}")),
    )
}

impl FileCa {
    /// A harness whose every slot provisions the X.509 product from this CA.
    #[must_use]
    pub fn harness(&self, spec: FixtureSpec, enrollment: &str, quota: Option<u64>) -> Harness {
        let options = HarnessOptions {
            products: product(enrollment, quota),
            product_id: "x509".into(),
            ..HarnessOptions::default()
        };
        Harness::start_with_issuers(
            spec,
            &options,
            vec![("x509".into(), Arc::clone(&self.issuer))],
        )
    }
}
