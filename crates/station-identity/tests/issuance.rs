//! Issuance against both key backends: an encrypted file and a SoftHSM2 token. Every issued
//! chain passes `openssl verify -purpose sslclient` and rustls-webpki client-auth validation;
//! the token's CA key is sensitive and never extractable.
//!
//! SoftHSM2 reads its token directory from `SOFTHSM2_CONF` when it initialises. Each SoftHSM2
//! test therefore runs itself again in a child process with `SOFTHSM2_CONF` pointing at a fresh
//! temporary token directory. A missing SoftHSM2 is a failure, not a skip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use rustls_pki_types::{CertificateDer, UnixTime};
use station_identity::pki::file::{self, KdfCost};
use station_identity::pki::pkcs11::{self, Pkcs11Key, SOFTHSM2_MODULE};
use station_identity::pki::{
    CertSerial, CsrPolicy, Issuer, KeyAlgorithm, LeafProfile, check_csr, make_dev_ca, pem_encode,
};

const TOKEN: &str = "station-test";
const PIN: &str = "1234";
const KEY_LABEL: &str = "signing-ca";

/// In the parent: runs `test` again in a child with its own SoftHSM2 token directory and
/// returns `None` after asserting it passed. In the child: returns the token directory.
fn in_own_softhsm(test: &str) -> Option<PathBuf> {
    assert!(
        Path::new(SOFTHSM2_MODULE).exists(),
        "SoftHSM2 is not installed ({SOFTHSM2_MODULE} missing): run scripts/bootstrap.sh"
    );
    if std::env::var_os("STATION_SOFTHSM_CHILD").is_some() {
        let conf = PathBuf::from(std::env::var_os("SOFTHSM2_CONF").unwrap());
        return Some(conf.parent().unwrap().to_owned());
    }
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env("SOFTHSM2_CONF", &conf)
        .env("STATION_SOFTHSM_CHILD", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child run of {test} failed:\n{text}");
    assert!(text.contains("1 passed"), "child ran no test:\n{text}");
    None
}

/// A CSR for a fresh device key, as a DUT would make it.
fn device_csr(cn: &str) -> Vec<u8> {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.serialize_request(&key).unwrap().der().to_vec()
}

/// Issues `n` leaves and checks each chain with openssl and webpki.
fn issue_and_verify(ca: &dyn Issuer, root: &[u8], dir: &Path, n: usize) {
    let root_pem = dir.join("root.pem");
    std::fs::write(&root_pem, pem_encode("CERTIFICATE", root)).unwrap();
    let anchor_der = CertificateDer::from(root.to_vec());
    let anchors = [webpki::anchor_from_trusted_cert(&anchor_der).unwrap()];
    let mut serials = std::collections::HashSet::new();
    for i in 0..n {
        let cn = format!("dev-{i:04}");
        let checked = check_csr(
            &device_csr(&cn),
            &CsrPolicy {
                expected_cn: cn.clone(),
                allowed_algorithms: vec![KeyAlgorithm::EcP256],
            },
        )
        .unwrap();
        let issued = ca
            .issue(&checked, &LeafProfile::days(30), &CertSerial::random())
            .unwrap();
        assert!(serials.insert(issued.serial));
        assert_eq!(issued.chain.len(), 2);

        // openssl: the leaf, with the signing CA as untrusted intermediate, under the root.
        let leaf_pem = dir.join(format!("leaf-{i}.pem"));
        let inter_pem = dir.join(format!("inter-{i}.pem"));
        std::fs::write(&leaf_pem, issued.pem()).unwrap();
        std::fs::write(&inter_pem, pem_encode("CERTIFICATE", &issued.chain[1])).unwrap();
        let out = Command::new("openssl")
            .args(["verify", "-purpose", "sslclient", "-CAfile"])
            .arg(&root_pem)
            .arg("-untrusted")
            .arg(&inter_pem)
            .arg(&leaf_pem)
            .output()
            .expect("openssl is installed (scripts/bootstrap.sh)");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains(": OK"),
            "openssl verify: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );

        // rustls-webpki: client-auth path validation.
        let leaf = CertificateDer::from(issued.der.clone());
        let ee = webpki::EndEntityCert::try_from(&leaf).unwrap();
        let intermediates = [CertificateDer::from(issued.chain[1].clone())];
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &intermediates,
            UnixTime::now(),
            webpki::KeyUsage::client_auth(),
            None,
            None,
        )
        .unwrap();
        // And not for a TLS server: the profile gives clientAuth only.
        assert!(
            ee.verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &anchors,
                &intermediates,
                UnixTime::now(),
                webpki::KeyUsage::server_auth(),
                None,
                None,
            )
            .is_err()
        );
    }
}

#[test]
fn file_ca_issues_chains_that_openssl_and_webpki_accept() {
    let dir = tempfile::tempdir().unwrap();
    let key = file::generate_key().unwrap();
    let dev = make_dev_ca("file-test", &key, 30).unwrap();
    let cert = dir.path().join("ca.pem");
    std::fs::write(&cert, pem_encode("CERTIFICATE", &dev.signing_ca)).unwrap();
    let key_path = dir.path().join("ca.key.pem");
    file::write_encrypted_key(&key, &key_path, b"pass", KdfCost::Low).unwrap();
    // openssl reads the encrypted key with the passphrase, and not without it.
    let out = Command::new("openssl")
        .args(["pkey", "-noout", "-passin", "pass:pass", "-in"])
        .arg(&key_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ca = file::load_ca(&cert, &[], &key_path, b"pass").unwrap();
    assert_eq!(ca.backend(), "file");
    issue_and_verify(&ca, &dev.root, dir.path(), 3);
}

#[test]
fn softhsm2_ca_issues_chains_and_its_key_never_leaves_the_token() {
    let Some(token_dir) =
        in_own_softhsm("softhsm2_ca_issues_chains_and_its_key_never_leaves_the_token")
    else {
        return;
    };
    let module = Path::new(SOFTHSM2_MODULE);
    pkcs11::init_token(module, TOKEN, "5678", PIN).unwrap();
    // A wrong PIN is refused (before any login of this process).
    assert!(matches!(
        Pkcs11Key::generate(module, TOKEN, KEY_LABEL, "0000"),
        Err(station_identity::pki::PkiError::Pkcs11 {
            operation: "log in",
            ..
        })
    ));
    let key = Pkcs11Key::generate(module, TOKEN, KEY_LABEL, PIN).unwrap();
    let protection = key.protection().unwrap();
    assert!(protection.sensitive, "{protection:?}");
    assert!(!protection.extractable, "{protection:?}");
    assert!(protection.always_sensitive, "{protection:?}");
    assert!(protection.never_extractable, "{protection:?}");
    assert!(
        !key.value_readable(),
        "the token handed out the private key"
    );
    // A second key with the same label is refused.
    assert!(Pkcs11Key::generate(module, TOKEN, KEY_LABEL, PIN).is_err());

    let dev = make_dev_ca("hsm-test", &key, 30).unwrap();
    let cert = token_dir.join("ca.pem");
    std::fs::write(&cert, pem_encode("CERTIFICATE", &dev.signing_ca)).unwrap();
    drop(key);
    let ca = pkcs11::load_ca(&cert, &[], module, TOKEN, KEY_LABEL, PIN).unwrap();
    assert_eq!(ca.backend(), "pkcs11");
    assert!(!ca.key().protection().unwrap().extractable);
    issue_and_verify(&ca, &dev.root, &token_dir, 3);
}

/// A trust or chain file with a damaged certificate block is refused whole: the good blocks
/// beside it are not quietly used alone (the old decoder skipped a bad block).
#[test]
fn a_pem_file_with_a_damaged_block_is_refused_not_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let key = file::generate_key().unwrap();
    let dev = make_dev_ca("pem-test", &key, 30).unwrap();
    let good = pem_encode("CERTIFICATE", &dev.root);
    let path = dir.path().join("roots.pem");
    std::fs::write(&path, &good).unwrap();
    assert_eq!(
        station_identity::pki::read_certificates(&path).unwrap(),
        vec![dev.root.clone()]
    );
    for damaged in [
        "-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nMIIB\n",
    ] {
        std::fs::write(&path, format!("{good}{damaged}")).unwrap();
        let err = station_identity::pki::read_certificates(&path).unwrap_err();
        assert!(err.to_string().contains("not well-formed PEM"), "{err}");
    }
}

/// A leaf never outlives its signing CA: a product asking for a year under a CA with a day
/// left gets a leaf that ends with the CA, and it still verifies.
#[test]
fn a_leaf_ends_no_later_than_its_signing_ca() {
    use x509_parser::prelude::FromDer as _;
    let dir = tempfile::tempdir().unwrap();
    let key = file::generate_key().unwrap();
    let dev = make_dev_ca("short-ca", &key, 1).unwrap();
    let cert = dir.path().join("ca.pem");
    std::fs::write(&cert, pem_encode("CERTIFICATE", &dev.signing_ca)).unwrap();
    let key_path = dir.path().join("ca.key.pem");
    file::write_encrypted_key(&key, &key_path, b"pass", KdfCost::Low).unwrap();
    let ca = file::load_ca(&cert, &[], &key_path, b"pass").unwrap();
    let checked = check_csr(
        &device_csr("dev-short"),
        &CsrPolicy {
            expected_cn: "dev-short".into(),
            allowed_algorithms: vec![KeyAlgorithm::EcP256],
        },
    )
    .unwrap();
    let issued = ca
        .issue(&checked, &LeafProfile::days(365), &CertSerial::random())
        .unwrap();
    let (_, ca_cert) =
        x509_parser::certificate::X509Certificate::from_der(&dev.signing_ca).unwrap();
    let (_, leaf) = x509_parser::certificate::X509Certificate::from_der(&issued.der).unwrap();
    assert!(
        leaf.validity().not_after <= ca_cert.validity().not_after,
        "leaf ends {} after its CA {}",
        leaf.validity().not_after,
        ca_cert.validity().not_after
    );
    assert!(
        leaf.validity().not_after.timestamp() >= ca_cert.validity().not_after.timestamp() - 1,
        "clamped to the CA's end, not shorter"
    );
    issue_and_verify(&ca, &dev.root, dir.path(), 1);
}
