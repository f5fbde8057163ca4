//! End-to-end: TPM products. Each TPM-equipped virtual DUT owns a real swtpm (EK certified by a
//! swtpm local CA in the test directory), reached only through the DUT's `tpm` SMP command over
//! a real pseudo-terminal; the station reads the EK with tss-esapi through its loopback bridge.
//! swtpm and tpm2-tools are started here; when they are missing the tests fail, not skip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use station_e2e::{Harness, HarnessOptions};
use station_identity::tpm::TpmPublic;
use station_pipeline::{Permissions, Step, UnitOutcome};
use station_store::{EnrollmentStatus, UnitFilter, UnitStatus};
use virtual_dut::tpm::LocalCa;
use virtual_dut::tpm_stack::PoweredTpm;
use virtual_dut::{Fault, FixtureSpec};

const BAUD: u32 = 115_200;

/// A TPM product trusting the local CA in `ca`.
fn tpm_product(ca: &LocalCa) -> String {
    format!(
        r#"
[[product]]
id = "tpm"
registration_id = {{ template = "tpm-{{serial}}", lowercase = true }}
dps = {{ id_scope = "0ne00E2E001" }}

[product.attestation]
kind = "tpm"
enrollment = "individual"
vendor_roots = ["{}"]
vendor_intermediates = ["{}"]
"#,
        ca.root_cert().display(),
        ca.issuer_cert().display()
    )
}

/// A fixture of `n` TPM slots, its vendor CA in `ca_dir` (created now), and a station.
fn start(ca_dir: &Path, spec: FixtureSpec) -> Harness {
    let ca = LocalCa::open(ca_dir).unwrap();
    ca.ensure_created().unwrap();
    let options = HarnessOptions {
        command_timeout_ms: 1000,
        products: tpm_product(&ca),
        product_id: "tpm".into(),
        ..HarnessOptions::default()
    };
    Harness::start(spec, &options)
}

fn tpm_fixture(ca_dir: &Path, n: u16) -> FixtureSpec {
    (1..=n).fold(FixtureSpec::uniform("unused", n, BAUD), |s, i| {
        s.with_tpm(i, ca_dir)
    })
}

fn outcome(summary: &station_pipeline::RunSummary, slot: u16) -> UnitOutcome {
    summary
        .units
        .iter()
        .find(|u| u.slot == slot)
        .unwrap()
        .outcome
        .clone()
}

/// Asserts slot `slot` failed at `step` with `code`, a message containing `needle`, nothing
/// queued for it, and a `fail` unit in the store that carries its serial.
fn assert_fails(
    h: &Harness,
    summary: &station_pipeline::RunSummary,
    slot: u16,
    step: Step,
    code: &str,
    needle: &str,
) {
    let UnitOutcome::Fail {
        step: s,
        code: c,
        message,
        help,
        ..
    } = outcome(summary, slot)
    else {
        panic!("slot {slot} should fail: {:#?}", summary.units);
    };
    assert_eq!((s, c.as_str()), (step, code), "{message}");
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    assert!(!help.is_empty());
    let serial = h.fixture.flash(slot).unwrap().identity.serial;
    assert!(
        message.contains(&serial),
        "the message names the DUT: {message}"
    );
    let units = h
        .store
        .units(&UnitFilter {
            status: Some(UnitStatus::Fail),
            ..Default::default()
        })
        .unwrap();
    assert!(
        units
            .iter()
            .any(|u| u.serial.as_deref() == Some(serial.as_str())),
        "the failed unit is recorded with its serial"
    );
    let queued = h.store.enrollments(None).unwrap();
    for e in &queued {
        let unit = h.store.unit(e.unit_id).unwrap().unwrap();
        assert_ne!(
            unit.summary.serial.as_deref(),
            Some(serial.as_str()),
            "nothing queued for it"
        );
    }
    assert!(
        !h.fixture.flash(slot).unwrap().locked,
        "a failed DUT stays unlocked"
    );
}

#[test]
fn tpm_slots_pass_and_the_endorsement_key_is_the_one_tpm2_tools_reads() {
    let ca = tempfile::tempdir().unwrap();
    let spec = tpm_fixture(ca.path(), 2).with_fault(2, Fault::TransientEk);
    let h = start(ca.path(), spec);
    let (summary, _) = h.run(Permissions::none());
    assert_eq!(summary.passed(), 2, "{:#?}", summary.units);
    let queued = h.store.enrollments(Some(EnrollmentStatus::Queued)).unwrap();
    assert_eq!(queued.len(), 2);

    let mut endorsement_keys = Vec::new();
    for slot in 1..=2u16 {
        let flash = h.fixture.flash(slot).unwrap();
        assert!(flash.locked);
        let settings = flash.decoded_settings();
        assert_eq!(settings["dps/attestation"], b"tpm");
        let reg_id = String::from_utf8(settings["dps/reg_id"].clone()).unwrap();
        let e = queued
            .iter()
            .find(|e| e.registration_id == reg_id)
            .expect("enrollment queued under the DUT's registration ID");
        let json: serde_json::Value = serde_json::from_str(&e.payload_json).unwrap();
        assert_eq!(json["attestation"]["type"], "tpm");
        assert!(json["attestation"]["tpm"].get("storageRootKey").is_none());
        assert_eq!(
            json["optionalDeviceInformation"]["ekCertificateIssuer"],
            "CN=swtpm-localca"
        );
        let ek = json["attestation"]["tpm"]["endorsementKey"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(ek.len(), 424, "base64 of a 316-byte RSA-2048 TPM2B_PUBLIC");
        assert_eq!(reg_id.len(), 52);
        endorsement_keys.push((ek, reg_id));

        let unit = h
            .store
            .units(&UnitFilter {
                status: Some(UnitStatus::Pass),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .find(|u| u.slot == slot)
            .unwrap();
        let steps: Vec<String> = h
            .store
            .unit(unit.id)
            .unwrap()
            .unwrap()
            .steps
            .into_iter()
            .map(|s| s.step)
            .collect();
        assert_eq!(
            steps,
            [
                "identify",
                "read-ek",
                "attest",
                "write-settings",
                "save",
                "reset",
                "verify",
                "lock",
                "record"
            ]
        );
    }
    assert_ne!(endorsement_keys[0], endorsement_keys[1]);

    // The same TPMs, read by tpm2-tools straight from swtpm (no DUT, no station).
    let tpm_dirs: Vec<_> = (1..=2).map(|s| h.fixture.tpm_dir(s)).collect();
    h.fixture.stop();
    let out = tempfile::tempdir().unwrap();
    // Slot 1: the persistent EK.
    let tpm = PoweredTpm::start(&tpm_dirs[0], out.path().to_owned()).unwrap();
    tpm.tool(
        "tpm2_readpublic",
        &["-c", "0x81010001", "-f", "tss", "-o", "ek1.pub"],
    )
    .unwrap();
    drop(tpm);
    // Slot 2 has no persistent EK: tpm2-tools creates it from the default template too.
    let tpm = PoweredTpm::start(&tpm_dirs[1], out.path().to_owned()).unwrap();
    tpm.tool("tpm2_createek", &["-G", "rsa", "-c", "ek2.ctx"])
        .unwrap();
    tpm.tool(
        "tpm2_readpublic",
        &["-c", "ek2.ctx", "-f", "tss", "-o", "ek2.pub"],
    )
    .unwrap();
    drop(tpm);
    for (i, (station_ek, reg_id)) in endorsement_keys.iter().enumerate() {
        let tools_ek = std::fs::read(out.path().join(format!("ek{}.pub", i + 1))).unwrap();
        assert_eq!(tools_ek.len(), 316);
        let tools_ek = TpmPublic::from_tpm2b(&tools_ek).unwrap();
        assert_eq!(
            &tools_ek.to_base64(),
            station_ek,
            "slot {}: the station's endorsementKey bytes are tpm2-tools' TPM2B_PUBLIC",
            i + 1
        );
        // The Azure C SDK's registration ID: base32(SHA-256(those bytes)), 52 characters.
        assert_eq!(tools_ek.registration_id().as_str(), reg_id);
    }
}

#[test]
fn a_dut_without_a_tpm_fails() {
    let ca = tempfile::tempdir().unwrap();
    let spec = tpm_fixture(ca.path(), 2).with_fault(2, Fault::NoTpm);
    let h = start(ca.path(), spec);
    let (summary, _) = h.run(Permissions::none());
    assert!(matches!(outcome(&summary, 1), UnitOutcome::Pass { .. }));
    assert_fails(
        &h,
        &summary,
        2,
        Step::ReadEk,
        "station::tpm::no_tpm",
        "has no TPM",
    );
    assert_eq!(h.store.enrollments(None).unwrap().len(), 1);
}

#[test]
fn a_tpm_without_an_ek_certificate_fails() {
    let ca = tempfile::tempdir().unwrap();
    let spec = tpm_fixture(ca.path(), 1).with_fault(1, Fault::NoEkCert);
    let h = start(ca.path(), spec);
    let (summary, _) = h.run(Permissions::none());
    assert_fails(
        &h,
        &summary,
        1,
        Step::ReadEk,
        "station::tpm::no_ek_certificate",
        "has no EK certificate",
    );
    assert!(h.store.enrollments(None).unwrap().is_empty());
}

#[test]
fn an_ek_certificate_from_an_unknown_ca_fails() {
    let ca = tempfile::tempdir().unwrap();
    let spec = tpm_fixture(ca.path(), 1).with_fault(1, Fault::EkCertUnknownCa);
    let h = start(ca.path(), spec);
    let (summary, _) = h.run(Permissions::none());
    assert_fails(
        &h,
        &summary,
        1,
        Step::ReadEk,
        "station::tpm::ek_cert_untrusted",
        "not issued by a configured TPM vendor CA",
    );
    assert!(h.store.enrollments(None).unwrap().is_empty());
}

#[test]
fn an_ek_certificate_that_does_not_match_the_ek_fails() {
    let ca = tempfile::tempdir().unwrap();
    let spec = tpm_fixture(ca.path(), 1).with_fault(1, Fault::EkCertMismatch);
    let h = start(ca.path(), spec);
    let (summary, _) = h.run(Permissions::none());
    assert_fails(
        &h,
        &summary,
        1,
        Step::ReadEk,
        "station::tpm::ek_cert_mismatch",
        "does not match the TPM's endorsement key",
    );
    assert!(h.store.enrollments(None).unwrap().is_empty());
}

#[test]
fn two_duts_with_the_same_ek_fail_as_a_duplicate_tpm() {
    let ca = tempfile::tempdir().unwrap();
    // Slot 2's swtpm state is a copy of slot 1's: the same EK on two boards. Both run at once.
    let spec = tpm_fixture(ca.path(), 2).with_fault(2, Fault::CloneTpm(1));
    let h = start(ca.path(), spec);
    let (summary, _) = h.run(Permissions::none());
    assert_eq!(summary.passed(), 1, "{:#?}", summary.units);
    let failed = summary
        .units
        .iter()
        .find(|u| matches!(u.outcome, UnitOutcome::Fail { .. }))
        .unwrap()
        .slot;
    assert_fails(
        &h,
        &summary,
        failed,
        Step::Attest,
        "station::tpm::duplicate_ek",
        "duplicate TPM",
    );
    assert_eq!(h.store.enrollments(None).unwrap().len(), 1);

    // Run again (a rework is not asked for): the clone still cannot take the EK.
    let h2_summary = h.station.run(
        &station_pipeline::RunRequest {
            slots: Some(vec![failed]),
            operator: "tech-1".into(),
            work_order: None,
            permissions: Permissions { rework: true },
            ..Default::default()
        },
        &station_pipeline::NoopSink,
    );
    let again = h2_summary.unwrap();
    assert!(matches!(
        &again.units[0].outcome,
        UnitOutcome::Fail { code, .. } if code == "station::tpm::duplicate_ek"
    ));
    assert_eq!(h.store.enrollments(None).unwrap().len(), 1);
}

#[test]
fn a_board_replaying_another_tpms_ek_fails_at_read_ek_and_the_genuine_board_passes() {
    let ca = tempfile::tempdir().unwrap();
    // Slot 2's firmware answers the EK and EK-certificate reads from a copy of slot 1's TPM:
    // a valid EK and a valid certificate, which its own TPM does not hold.
    let spec = tpm_fixture(ca.path(), 2).with_fault(2, Fault::ReplayEk(1));
    let h = start(ca.path(), spec);
    let (summary, _) = h.run(Permissions::none());
    assert!(
        matches!(outcome(&summary, 1), UnitOutcome::Pass { .. }),
        "the genuine board passes whatever the order: {:#?}",
        summary.units
    );
    assert_fails(
        &h,
        &summary,
        2,
        Step::ReadEk,
        "station::tpm::ek_not_held",
        "did not prove it holds the endorsement key",
    );
    assert_eq!(h.store.enrollments(None).unwrap().len(), 1);
}

#[test]
fn a_board_that_changes_a_non_key_bit_of_its_ek_fails_on_the_template() {
    let ca = tempfile::tempdir().unwrap();
    let spec = tpm_fixture(ca.path(), 1).with_fault(1, Fault::AlterEk);
    let h = start(ca.path(), spec);
    let (summary, _) = h.run(Permissions::none());
    assert_fails(
        &h,
        &summary,
        1,
        Step::ReadEk,
        "station::tpm::ek_template",
        "objectAttributes",
    );
    assert!(h.store.enrollments(None).unwrap().is_empty());
}
