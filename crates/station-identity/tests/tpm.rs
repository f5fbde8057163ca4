//! The tss-esapi EK reader and the EK certificate checks against real swtpm TPMs, reached
//! through the loopback bridge. swtpm is started here; a missing swtpm fails the tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use station_identity::tpm::{
    EkCertError, EkReader, ReadRequest, TpmError, TpmLink, TpmLinkError, TssEkReader, VendorRoots,
};
use virtual_dut::tpm::{LocalCa, Manufacture, SwTpm, TpmPort, manufacture};

/// A link straight into a swtpm (the station's link goes through a DUT instead).
struct Direct(SwTpm);

impl TpmLink for Direct {
    fn transact(&mut self, command: &[u8]) -> Result<Vec<u8>, TpmLinkError> {
        self.0
            .execute(command)
            .map_err(|e| TpmLinkError::Failed(Box::new(e)))
    }
}

struct NoTpm;

impl TpmLink for NoTpm {
    fn transact(&mut self, _: &[u8]) -> Result<Vec<u8>, TpmLinkError> {
        Err(TpmLinkError::NoTpm)
    }
}

fn tpm(dir: &Path, name: &str, how: &Manufacture<'_>) -> Direct {
    let state = dir.join(name);
    manufacture(&state, how).unwrap();
    Direct(SwTpm::start(&state).unwrap())
}

fn roots(ca: &LocalCa) -> VendorRoots {
    VendorRoots::load(&[ca.root_cert()], &[ca.issuer_cert()]).unwrap()
}

fn good(ca: &LocalCa) -> Manufacture<'_> {
    Manufacture {
        ca: Some(ca),
        persistent_ek: true,
        change_eps: false,
    }
}

#[test]
fn reads_the_persistent_ek_and_its_certificate_which_chain_to_the_vendor_root() {
    let dir = tempfile::tempdir().unwrap();
    let ca = LocalCa::open(dir.path().join("ca")).unwrap();
    let mut link = tpm(dir.path(), "a", &good(&ca));
    let read = TssEkReader::new()
        .read(
            &mut link,
            &ReadRequest {
                include_srk: true,
                ..ReadRequest::default()
            },
        )
        .unwrap();
    assert!(read.ek_persistent);
    assert_eq!(read.ek.as_bytes().len(), 316, "RSA-2048 TPM2B_PUBLIC");
    assert_eq!(read.ek.rsa().bits, 2048);
    assert_eq!(read.ek.registration_id().as_str().len(), 52);
    let srk = read.srk.as_ref().expect("SRK read");
    assert_ne!(srk.as_bytes(), read.ek.as_bytes());
    assert!(read.exchange.commands > 0);

    let cert = read.ek_certificate.as_ref().expect("EK certificate in NV");
    let checked = roots(&ca).check(cert, &read.ek).unwrap();
    assert_eq!(checked.root, "CN=swtpm-localca-rootca");
    assert_eq!(checked.issuer, "CN=swtpm-localca");

    // Only the root, without the intermediate: the chain cannot be built.
    let root_only = VendorRoots::load(&[ca.root_cert()], &[]).unwrap();
    assert!(matches!(
        root_only.check(cert, &read.ek),
        Err(EkCertError::UnknownCa { .. })
    ));
}

#[test]
fn without_a_persistent_ek_creates_the_same_ek_from_the_default_template() {
    let dir = tempfile::tempdir().unwrap();
    let ca = LocalCa::open(dir.path().join("ca")).unwrap();
    let state = dir.path().join("t");
    manufacture(&state, &good(&ca)).unwrap();
    let persistent = {
        let mut link = Direct(SwTpm::start(&state).unwrap());
        TssEkReader::new()
            .read(&mut link, &ReadRequest::default())
            .unwrap()
    };
    let transient_state = dir.path().join("t2");
    virtual_dut::tpm::clone_state(&state, &transient_state).unwrap();
    let mut link = Direct(SwTpm::start(&transient_state).unwrap());
    // Evict the persistent EK the way a TPM without one would look.
    let evict = [
        0x80, 0x02, 0, 0, 0, 35, 0, 0, 0x01, 0x20, 0x40, 0, 0, 1, 0x81, 1, 0, 1, 0, 0, 0, 9, 0x40,
        0, 0, 9, 0, 0, 0, 0, 0, 0x81, 1, 0, 1,
    ];
    let rsp = link.0.execute(&evict).unwrap();
    assert_eq!(&rsp[6..10], &[0, 0, 0, 0], "evicted");
    let created = TssEkReader::new()
        .read(&mut link, &ReadRequest::default())
        .unwrap();
    assert!(!created.ek_persistent);
    assert_eq!(created.ek.as_bytes(), persistent.ek.as_bytes());
    roots(&ca)
        .check(created.ek_certificate.as_ref().unwrap(), &created.ek)
        .unwrap();
}

#[test]
fn certificate_faults_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let ca = LocalCa::open(dir.path().join("ca")).unwrap();
    ca.ensure_created().unwrap();
    let vendor = roots(&ca);
    let reader = TssEkReader::new();

    // No EK certificate at all.
    let mut link = tpm(
        dir.path(),
        "no-cert",
        &Manufacture {
            ca: None,
            persistent_ek: true,
            change_eps: false,
        },
    );
    let read = reader.read(&mut link, &ReadRequest::default()).unwrap();
    assert!(read.ek_certificate.is_none());

    // A certificate from another CA.
    let rogue = LocalCa::open(dir.path().join("rogue")).unwrap();
    let mut link = tpm(dir.path(), "rogue", &good(&rogue));
    let read = reader.read(&mut link, &ReadRequest::default()).unwrap();
    assert_eq!(
        vendor.check(read.ek_certificate.as_ref().unwrap(), &read.ek),
        Err(EkCertError::UnknownCa {
            issuer: "CN=swtpm-localca".into()
        }),
        "same names as the vendor's intermediate, different keys"
    );
    // The rogue CA's names equal the vendor's; with the rogue intermediate configured the
    // chain still stops, because the vendor root did not sign it.
    let mixed = VendorRoots::load(&[ca.root_cert()], &[rogue.issuer_cert()]).unwrap();
    assert!(matches!(
        mixed.check(read.ek_certificate.as_ref().unwrap(), &read.ek),
        Err(EkCertError::UnknownCa { .. })
    ));

    // The endorsement seed changed after certification.
    let mut link = tpm(
        dir.path(),
        "eps",
        &Manufacture {
            ca: Some(&ca),
            persistent_ek: true,
            change_eps: true,
        },
    );
    let read = reader.read(&mut link, &ReadRequest::default()).unwrap();
    assert!(!read.ek_persistent, "ChangeEPS flushed the persistent EK");
    assert_eq!(
        vendor.check(read.ek_certificate.as_ref().unwrap(), &read.ek),
        Err(EkCertError::KeyMismatch)
    );

    // Garbage in the NV index.
    assert_eq!(
        vendor.check(&[0x30, 0x03, 1, 2, 3], &read.ek),
        Err(EkCertError::NotACertificate)
    );
}

#[test]
fn a_dut_without_a_tpm_is_reported_as_such() {
    match TssEkReader::new().read(&mut NoTpm, &ReadRequest::default()) {
        Err(TpmError::NoTpm) => {}
        other => panic!("expected NoTpm, got {other:?}"),
    }
}

/// A chain the vendor CAs' constraints do not allow is refused: an EK certificate that is a CA
/// certificate, and a chain longer than a CA's pathLenConstraint. The certificates carry the
/// real EK's key (read from a swtpm), issued by CAs made here.
#[test]
fn an_ek_certificate_that_is_a_ca_or_breaks_a_path_length_is_refused() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SubjectPublicKeyInfo};
    use x509_parser::prelude::FromDer as _;
    let dir = tempfile::tempdir().unwrap();
    let ca = LocalCa::open(dir.path().join("ca")).unwrap();
    let mut link = tpm(dir.path(), "a", &good(&ca));
    let read = TssEkReader::new()
        .read(&mut link, &ReadRequest::default())
        .unwrap();
    let genuine = read.ek_certificate.as_ref().unwrap();
    let (_, parsed) = x509_parser::certificate::X509Certificate::from_der(genuine).unwrap();
    let ek_spki = SubjectPublicKeyInfo::from_der(parsed.public_key().raw).unwrap();

    let ca_params = |name: &str, is_ca: IsCa| {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(rcgen::DnType::CommonName, name);
        p.is_ca = is_ca;
        p
    };
    // A root that allows no intermediate below it.
    let root_key = KeyPair::generate().unwrap();
    let root_params = ca_params("vendor root", IsCa::Ca(BasicConstraints::Constrained(0)));
    let root = root_params.self_signed(&root_key).unwrap();
    let root_issuer = rcgen::Issuer::new(root_params, &root_key);

    // The EK's key in a CA certificate straight under the root: not an end-entity.
    let as_ca = ca_params("ek as ca", IsCa::Ca(BasicConstraints::Unconstrained))
        .signed_by(&ek_spki, &root_issuer)
        .unwrap();
    let vendor = VendorRoots::from_der(vec![root.der().to_vec()], vec![]);
    assert_eq!(
        vendor.check(as_ca.der(), &read.ek),
        Err(EkCertError::NotEndEntity)
    );

    // An intermediate below a pathLen-0 root, then the EK certificate: one too many.
    let inter_key = KeyPair::generate().unwrap();
    let inter_params = ca_params("vendor issuing", IsCa::Ca(BasicConstraints::Unconstrained));
    let inter = inter_params.signed_by(&inter_key, &root_issuer).unwrap();
    let inter_issuer = rcgen::Issuer::new(inter_params, &inter_key);
    let leaf = ca_params("ek", IsCa::ExplicitNoCa)
        .signed_by(&ek_spki, &inter_issuer)
        .unwrap();
    let vendor = VendorRoots::from_der(vec![root.der().to_vec()], vec![inter.der().to_vec()]);
    assert!(
        matches!(
            vendor.check(leaf.der(), &read.ek),
            Err(EkCertError::PathTooLong {
                allowed: 0,
                found: 1,
                ..
            })
        ),
        "{:?}",
        vendor.check(leaf.der(), &read.ek)
    );
    // The same EK certificate straight under the root is within the constraint.
    let direct = ca_params("ek", IsCa::ExplicitNoCa)
        .signed_by(&ek_spki, &root_issuer)
        .unwrap();
    assert!(vendor.check(direct.der(), &read.ek).is_ok());

    // An end-entity certificate given as a vendor root is refused when the files load.
    let leaf_file = dir.path().join("not-a-ca.pem");
    std::fs::write(&leaf_file, leaf.pem()).unwrap();
    let err = VendorRoots::load(&[leaf_file], &[]).unwrap_err();
    assert!(err.to_string().contains("not a CA certificate"), "{err}");
}

/// A link that dies right after the challenge's `ActivateCredential`, before anything is
/// flushed: the station killed, or the cable pulled, in the middle of a read, with the board
/// (and its TPM) left powered.
struct DiesAfterActivate<'l> {
    link: &'l mut Direct,
    activated: bool,
}

impl TpmLink for DiesAfterActivate<'_> {
    fn transact(&mut self, command: &[u8]) -> Result<Vec<u8>, TpmLinkError> {
        if self.activated {
            return Err(TpmLinkError::Failed("the station stopped".into()));
        }
        self.activated = command.get(6..10) == Some(&[0, 0, 0x01, 0x47]);
        self.link.transact(command)
    }
}

#[test]
fn reads_interrupted_after_the_tpm_loaded_objects_do_not_fill_it_for_the_next_read() {
    let dir = tempfile::tempdir().unwrap();
    let ca = LocalCa::open(dir.path().join("ca")).unwrap();
    let mut link = tpm(
        dir.path(),
        "t",
        &Manufacture {
            persistent_ek: false,
            ..good(&ca)
        },
    );
    let full = TssEkReader::new()
        .read(&mut link, &ReadRequest::default())
        .unwrap();
    // Cut each read when the EK, the challenge's key and its session are loaded (and not yet
    // flushed), five times: more than the TPM has room for.
    for _ in 0..5 {
        let cut = TssEkReader::new().read(
            &mut DiesAfterActivate {
                link: &mut link,
                activated: false,
            },
            &ReadRequest::default(),
        );
        assert!(matches!(cut, Err(TpmError::Link(_))), "{cut:?}");
    }
    let again = TssEkReader::new()
        .read(&mut link, &ReadRequest::default())
        .unwrap();
    assert_eq!(again.ek.as_bytes(), full.ek.as_bytes());
}
