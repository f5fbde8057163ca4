//! End-to-end X.509: virtual DUTs generate their keys and CSRs over real pseudo-terminals; the
//! station checks each CSR, issues from a signing CA (encrypted file key, or SoftHSM2), records
//! the certificate before installing it, and reads it back. One test per CSR fault knob: FAIL
//! with a plain reason and no certificate issued; the quota; chains pass `openssl verify`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use station_e2e::Harness;
use station_e2e::x509::{FileCa, file_ca};
use station_identity::pki::pkcs11::{self, Pkcs11Key, SOFTHSM2_MODULE};
use station_identity::pki::{Issuer, make_dev_ca, pem_encode};
use station_pipeline::{Permissions, RunSummary, Step, UnitOutcome};
use station_store::{EnrollmentStatus, UnitFilter, UnitStatus};
use virtual_dut::{Fault, FixtureSpec};

const BAUD: u32 = 115_200;

fn start(spec: FixtureSpec, enrollment: &str, quota: Option<u64>, ca: &FileCa) -> Harness {
    ca.harness(spec, enrollment, quota)
}

fn outcome(summary: &RunSummary, slot: u16) -> UnitOutcome {
    summary
        .units
        .iter()
        .find(|u| u.slot == slot)
        .unwrap()
        .outcome
        .clone()
}

/// `openssl verify -purpose sslclient` of the chain a DUT holds, under `root`.
fn openssl_verify(chain: &[Vec<u8>], root: &Path, dir: &Path) {
    let leaf = dir.join("leaf.pem");
    let inter = dir.join("untrusted.pem");
    std::fs::write(&leaf, pem_encode("CERTIFICATE", &chain[0])).unwrap();
    let rest: String = chain[1..]
        .iter()
        .map(|c| pem_encode("CERTIFICATE", c))
        .collect();
    std::fs::write(&inter, rest).unwrap();
    let out = Command::new("openssl")
        .args(["verify", "-purpose", "sslclient", "-CAfile"])
        .arg(root)
        .arg("-untrusted")
        .arg(&inter)
        .arg(&leaf)
        .output()
        .expect("openssl is installed (scripts/bootstrap.sh)");
    assert!(
        out.status.success(),
        "openssl verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sha256_hex(der: &[u8]) -> String {
    let described = station_identity::pki::describe_certificate(der);
    described
        .rsplit_once("sha256 ")
        .map(|(_, h)| h.trim().to_owned())
        .unwrap()
}

/// Every X.509 unit passes: the certificate in the DUT is the one recorded, it verifies, the
/// enrollment carries it, and the record came before the PASS in the audit chain.
fn assert_x509_pass(h: &Harness, summary: &RunSummary, root: &Path) {
    assert_eq!(summary.failed(), 0, "{:#?}", summary.units);
    let passed = h
        .store
        .units(&UnitFilter {
            status: Some(UnitStatus::Pass),
            ..Default::default()
        })
        .unwrap();
    let queued = h.store.enrollments(Some(EnrollmentStatus::Queued)).unwrap();
    for unit in &passed {
        let chain = h.fixture.keystore(unit.slot).unwrap().chain(0).unwrap();
        let records = h.store.issued_certificates(Some(unit.id)).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].sha256, sha256_hex(&chain[0]));
        assert_eq!(records[0].work_order.as_deref(), Some("WO-E2E"));
        assert_eq!(records[0].operator, "tech-1");
        assert_eq!(records[0].status, "issued");
        let reg = unit.registration_id.clone().unwrap();
        assert_eq!(records[0].subject, format!("CN={reg}"));
        let settings = h.fixture.flash(unit.slot).unwrap().decoded_settings();
        assert_eq!(settings["dps/attestation"], b"x509");
        assert!(!settings.contains_key("dps/sym_key"));
        openssl_verify(&chain, root, h.path());
        if let Some(e) = queued.iter().find(|e| e.registration_id == reg) {
            let json: serde_json::Value = serde_json::from_str(&e.payload_json).unwrap();
            assert_eq!(json["attestation"]["type"], "x509");
            let pem = json["attestation"]["x509"]["clientCertificates"]["primary"]["certificate"]
                .as_str()
                .unwrap();
            assert_eq!(pem, pem_encode("CERTIFICATE", &chain[0]));
        }
        let detail = h.store.unit(unit.id).unwrap().unwrap();
        let steps: Vec<&str> = detail.steps.iter().map(|s| s.step.as_str()).collect();
        assert_eq!(
            steps,
            [
                "identify",
                "attest",
                "keygen",
                "check-csr",
                "issue",
                "install-certificate",
                "write-settings",
                "save",
                "reset",
                "verify",
                "lock",
                "record"
            ]
        );
    }
    // The certificate reached the audit chain before the unit's PASS.
    let rows = h.store.audit_rows(1000).unwrap();
    for unit in &passed {
        let serial = unit.serial.clone().unwrap();
        let seq_of = |kind: &str| {
            rows.iter()
                .find(|r| r.kind == kind && r.subject == serial)
                .map(|r| r.seq)
                .unwrap()
        };
        assert!(seq_of("certificate.issued") < seq_of("unit.pass"));
    }
    assert!(h.store.verify_audit().is_ok());
}

#[test]
fn x509_units_pass_with_recorded_verified_certificates_and_queued_enrollments() {
    let dir = tempfile::tempdir().unwrap();
    let ca = file_ca(dir.path());
    let h = start(
        FixtureSpec::uniform("unused", 3, BAUD),
        "individual",
        None,
        &ca,
    );
    let (summary, _) = h.run(Permissions::none());
    assert_x509_pass(&h, &summary, &ca.root);
    assert_eq!(h.store.queue_depth().unwrap(), 3);
    assert_eq!(h.store.issued_certificates(None).unwrap().len(), 3);
}

#[test]
fn group_enrolled_x509_products_queue_nothing_per_unit() {
    let dir = tempfile::tempdir().unwrap();
    let ca = file_ca(dir.path());
    let h = start(FixtureSpec::uniform("unused", 2, BAUD), "group", None, &ca);
    let (summary, _) = h.run(Permissions::none());
    assert_x509_pass(&h, &summary, &ca.root);
    assert_eq!(h.store.queue_depth().unwrap(), 0);
    assert!(summary.units.iter().all(|u| matches!(
        u.outcome,
        UnitOutcome::Pass {
            enrollment_queued: false,
            ..
        }
    )));
}

/// Slot 2 has `fault`; it FAILs at `step` with `code` and a reason containing `reason`;
/// slot 1 passes. Returns the harness for further checks.
fn fault_case(fault: Fault, step: Step, code: &str, reason: &str) -> (Harness, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let ca = file_ca(dir.path());
    let spec = FixtureSpec::uniform("unused", 2, BAUD).with_fault(2, fault);
    let h = start(spec, "individual", None, &ca);
    let (summary, _) = h.run(Permissions::none());
    assert!(
        matches!(outcome(&summary, 1), UnitOutcome::Pass { .. }),
        "{:?}",
        summary.units
    );
    match outcome(&summary, 2) {
        UnitOutcome::Fail {
            step: s,
            code: c,
            message,
            help,
            ..
        } => {
            assert_eq!((s, c.as_str()), (step, code), "{fault}: {message}");
            assert!(message.contains(reason), "{fault}: {message}");
            assert!(!message.contains('\n') && !help.is_empty());
        }
        other => panic!("{fault}: slot 2 should fail, got {other:?}"),
    }
    let failed = h
        .store
        .units(&UnitFilter {
            status: Some(UnitStatus::Fail),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].failed_step.as_deref(), Some(step.as_str()));
    // Nothing queued for it.
    let reg = failed[0].registration_id.clone().unwrap();
    assert!(
        h.store
            .enrollments(None)
            .unwrap()
            .iter()
            .all(|e| e.registration_id != reg)
    );
    assert!(h.store.verify_audit().is_ok());
    (h, dir)
}

/// A CSR fault: FAIL at check-csr, and no certificate issued for the unit.
fn csr_fault(fault: Fault, code: &str, reason: &str) {
    let (h, _dir) = fault_case(fault, Step::CheckCsr, code, reason);
    let failed = h
        .store
        .units(&UnitFilter {
            status: Some(UnitStatus::Fail),
            ..Default::default()
        })
        .unwrap();
    assert!(
        h.store
            .issued_certificates(Some(failed[0].id))
            .unwrap()
            .is_empty(),
        "{fault}: a certificate was issued"
    );
    assert_eq!(h.store.issued_certificates(None).unwrap().len(), 1);
    assert!(h.fixture.keystore(2).unwrap().chain(0).is_none());
}

#[test]
fn csr_with_the_wrong_cn_fails_and_issues_nothing() {
    csr_fault(
        Fault::CsrWrongCn,
        "station::x509::csr_wrong_subject",
        "certificate request names subject",
    );
}

#[test]
fn csr_with_a_broken_signature_fails_and_issues_nothing() {
    csr_fault(
        Fault::CsrBadSignature,
        "station::x509::csr_bad_signature",
        "bad signature (no proof of possession",
    );
}

#[test]
fn csr_asking_for_ca_fails_and_issues_nothing() {
    csr_fault(
        Fault::CsrCa,
        "station::x509::csr_asks_for_ca",
        "asks to be a CA",
    );
}

#[test]
fn csr_asking_for_extra_extensions_fails_and_issues_nothing() {
    csr_fault(
        Fault::CsrExtraExtension,
        "station::x509::csr_extensions",
        "asks for extensions the product profile does not allow (2.5.29.17)",
    );
}

#[test]
fn a_disallowed_key_type_fails_and_issues_nothing() {
    csr_fault(
        Fault::KeyP384,
        "station::x509::csr_key_not_allowed",
        "generated a ec-p384 key; this product allows only ec-p256",
    );
}

#[test]
fn a_chain_corrupted_on_write_fails_and_its_certificate_is_void() {
    let (h, _dir) = fault_case(
        Fault::CorruptChain,
        Step::InstallCertificate,
        "station::x509::install_mismatch",
        "differs from the one issued",
    );
    let failed = h
        .store
        .units(&UnitFilter {
            status: Some(UnitStatus::Fail),
            ..Default::default()
        })
        .unwrap();
    // It was issued (recorded before it was sent), then voided when the unit failed.
    let records = h.store.issued_certificates(Some(failed[0].id)).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].status, "void");
}

#[test]
fn the_work_order_quota_stops_issuance() {
    let dir = tempfile::tempdir().unwrap();
    let ca = file_ca(dir.path());
    let h = start(
        FixtureSpec::uniform("unused", 2, BAUD),
        "individual",
        Some(1),
        &ca,
    );
    let (summary, _) = h.run(Permissions::none());
    assert_eq!(summary.passed(), 1, "{:?}", summary.units);
    let fail = summary
        .units
        .iter()
        .find(|u| matches!(u.outcome, UnitOutcome::Fail { .. }))
        .unwrap();
    let UnitOutcome::Fail {
        step,
        code,
        message,
        ..
    } = &fail.outcome
    else {
        unreachable!()
    };
    assert_eq!(*step, Step::Issue);
    assert_eq!(code, "station::store::quota_reached");
    assert!(message.contains("work order quota reached"), "{message}");
    let unit = fail.unit_id.map(station_store::UnitId).unwrap();
    assert!(h.store.issued_certificates(Some(unit)).unwrap().is_empty());
    assert_eq!(h.store.certificates_issued("WO-E2E").unwrap(), 1);
    assert!(h.fixture.keystore(fail.slot).unwrap().chain(0).is_none());

    // The next run of the same work order issues nothing at all: the passed board is refused
    // as a duplicate, the other one meets the quota again.
    let (again, _) = h.run(Permissions::none());
    assert_eq!(again.passed(), 0);
    assert_eq!(h.store.issued_certificates(None).unwrap().len(), 1);
}

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

#[test]
fn softhsm2_backed_ca_provisions_x509_units() {
    let Some(token_dir) = in_own_softhsm("softhsm2_backed_ca_provisions_x509_units") else {
        return;
    };
    let module = Path::new(SOFTHSM2_MODULE);
    pkcs11::init_token(module, "e2e-token", "5678", "1234").unwrap();
    let key = Pkcs11Key::generate(module, "e2e-token", "ca", "1234").unwrap();
    let dev = make_dev_ca("e2e-hsm", &key, 30).unwrap();
    drop(key);
    let cert = token_dir.join("signing-ca.pem");
    let root = token_dir.join("root-ca.pem");
    std::fs::write(&cert, pem_encode("CERTIFICATE", &dev.signing_ca)).unwrap();
    std::fs::write(&root, pem_encode("CERTIFICATE", &dev.root)).unwrap();
    let issuer: Arc<dyn Issuer> =
        Arc::new(pkcs11::load_ca(&cert, &[], module, "e2e-token", "ca", "1234").unwrap());
    assert_eq!(issuer.backend(), "pkcs11");
    let ca = FileCa { root, issuer };
    let h = start(
        FixtureSpec::uniform("unused", 2, BAUD),
        "individual",
        None,
        &ca,
    );
    let (summary, _) = h.run(Permissions::none());
    assert_x509_pass(&h, &summary, &ca.root);
    let records = h.store.issued_certificates(None).unwrap();
    assert!(records.iter().all(|r| r.ca_id == ca.issuer.ca_id()));
}

/// Two boards whose firmware ships one key pair instead of generating one: the first to reach
/// `issue` gets its certificate, the other is refused (`station::x509::key_reused`, naming
/// the unit that holds the key) and takes nothing away.
#[test]
fn boards_sharing_a_key_pair_get_one_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let ca = file_ca(dir.path());
    let spec = FixtureSpec::uniform("unused", 2, BAUD)
        .with_fault(1, Fault::SharedKey)
        .with_fault(2, Fault::SharedKey);
    let h = start(spec, "individual", None, &ca);
    let (summary, _) = h.run(Permissions::none());
    let passed: Vec<u16> = summary
        .units
        .iter()
        .filter(|u| matches!(u.outcome, UnitOutcome::Pass { .. }))
        .map(|u| u.slot)
        .collect();
    assert_eq!(passed.len(), 1, "{:?}", summary.units);
    let refused = if passed[0] == 1 { 2 } else { 1 };
    match outcome(&summary, refused) {
        UnitOutcome::Fail {
            step,
            code,
            message,
            ..
        } => {
            assert_eq!(
                (step, code.as_str()),
                (Step::Issue, "station::x509::key_reused")
            );
            assert!(message.contains("already certified"), "{message}");
        }
        other => panic!("the second board should be refused, got {other:?}"),
    }
    assert_eq!(h.store.issued_certificates(None).unwrap().len(), 1);
    assert!(h.fixture.keystore(refused).unwrap().chain(0).is_none());
}
