//! What left the station: every certificate and group-derived key is recorded before it
//! leaves, counted, and revoked when its unit does not pass (a disabled individual enrollment
//! queued for a group device, an uploaded enrollment disabled); a revoked registration ID is
//! burned.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use station_errors::Coded as _;
use station_store::{
    AlarmPolicy, EnrollmentStatus, NewCertificate, NewEnrollment, NewHandout, NewRun, NewUnit,
    RegisterCheck, RunId, StepRecord, Store, StoreError, UnitFailure, UnitId, UploadResult,
};

const REVOCATION: &str = r#"{"registrationId":"gw-SN1","attestation":{"type":"symmetricKey"},"provisioningStatus":"disabled"}"#;

fn run(store: &Store, id: &str) -> RunId {
    let run = RunId::from(id);
    store
        .start_run(&NewRun {
            id: run.clone(),
            station_id: "st1".into(),
            operator: "alice".into(),
            work_order: Some("WO-1".into()),
            config_path: "/etc/station.toml".into(),
        })
        .unwrap();
    run
}

fn new_unit(run: &RunId, slot: u16, serial: &str) -> NewUnit {
    NewUnit {
        run_id: run.clone(),
        slot,
        serial: serial.into(),
        product: "gw".into(),
        registration_id: format!("gw-{serial}"),
        attestation: "x509".into(),
        work_order: Some("WO-1".into()),
        operator: "alice".into(),
        station_id: "st1".into(),
        identity_json: None,
        rework: false,
    }
}

fn cert(unit: UnitId, serial: &str, revocation: Option<&str>) -> NewCertificate {
    NewCertificate {
        unit_id: unit,
        serial: serial.into(),
        subject: "CN=gw-x".into(),
        sha256: format!("{serial:0>64}"),
        spki_sha256: format!("{serial:f>64}"),
        ca_id: "ab".repeat(32),
        not_before: Utc::now(),
        not_after: Utc::now() + chrono::Duration::days(365),
        der: vec![0x30, 0x03, 0x02, 0x01, 0x01],
        revocation_json: revocation.map(str::to_owned),
    }
}

fn failure() -> UnitFailure {
    UnitFailure {
        step: "write-settings".into(),
        code: "station::smp::rejected".into(),
        message: "the board refused the write".into(),
    }
}

fn audit_kinds(store: &Store) -> Vec<String> {
    store
        .audit_rows(100)
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect()
}

#[test]
fn a_group_board_that_fails_after_taking_its_certificate_is_revoked_and_its_id_burned() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let r = run(&store, "r1");
    let u = store.begin_unit(&new_unit(&r, 1, "SN1")).unwrap();
    store
        .issue_certificate(&cert(u, "0a", Some(REVOCATION)), Some(5))
        .unwrap();
    store.finish_fail(u, &[], &failure()).unwrap();

    // The certificate is void, still counted, and listed for the CRL.
    assert_eq!(
        store.issued_certificates(Some(u)).unwrap()[0].status,
        "void"
    );
    assert_eq!(store.certificates_issued("WO-1").unwrap(), 1);
    let revoked = store.revoked_certificates().unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].serial, "0a");
    assert!(revoked[0].handout_revoked);
    // The group device's disabled individual enrollment is queued, with its payload.
    let queued = store
        .enrollments(Some(EnrollmentStatus::DisableQueued))
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].unit_id, u);
    assert_eq!(queued[0].registration_id, "gw-SN1");
    assert_eq!(queued[0].payload_json, REVOCATION);
    assert_eq!(store.queue_stats().unwrap().revocations_queued, 1);
    let kinds = audit_kinds(&store);
    for kind in [
        "credential.handed_out",
        "certificate.void",
        "credential.revoked",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
    }

    // The same registration ID is never begun again (any case), even for a new serial.
    let mut again = new_unit(&r, 2, "SN1");
    again.registration_id = "GW-sn1".into();
    let err = store.begin_unit(&again).unwrap_err();
    assert!(
        matches!(&err, StoreError::Revoked { unit, .. } if *unit == u),
        "{err:?}"
    );
    assert_eq!(err.code(), "station::unit::revoked");

    // The uploader's outcome ends it at `disabled`, audited.
    let claimed = store.claim_enrollments(10).unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .complete_uploads(
            "uploader",
            &[(claimed[0].id, UploadResult::Disabled { created: true })],
            station_store::Retention::Keep,
        )
        .unwrap();
    assert_eq!(
        store.enrollment_status(u).unwrap(),
        Some(EnrollmentStatus::Disabled)
    );
    assert!(
        audit_kinds(&store)
            .iter()
            .any(|k| k == "enrollment.disabled")
    );
    assert!(store.verify_audit().is_ok());
}

#[test]
fn a_derived_key_is_recorded_before_it_leaves_and_settled_when_its_unit_passes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let r = run(&store, "r1");
    let u = store.begin_unit(&new_unit(&r, 1, "SN1")).unwrap();
    store
        .record_handout(&NewHandout {
            unit_id: u,
            revocation_json: REVOCATION.into(),
        })
        .unwrap();
    store.finish_pass(u, &[], None).unwrap();
    // Passed: nothing is revoked, and a register check that registers changes nothing.
    assert!(
        store
            .enrollments(Some(EnrollmentStatus::DisableQueued))
            .unwrap()
            .is_empty()
    );
    // A board DPS then refuses is revoked even though it passed.
    store
        .record_register_check(u, &step("register"), &refused())
        .unwrap();
    let queued = store
        .enrollments(Some(EnrollmentStatus::DisableQueued))
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].payload_json, REVOCATION);
}

#[test]
fn an_uploaded_enrollment_of_a_board_dps_refuses_is_queued_to_be_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let r = run(&store, "r1");
    let u = store.begin_unit(&new_unit(&r, 1, "SN1")).unwrap();
    let payload = r#"{"registrationId":"gw-SN1","attestation":{"type":"tpm"}}"#;
    store
        .finish_pass(
            u,
            &[],
            Some(&NewEnrollment {
                registration_id: "gw-SN1".into(),
                payload_json: payload.into(),
                sealed: None,
            }),
        )
        .unwrap();
    let claimed = store.claim_enrollments(10).unwrap();
    store
        .complete_uploads(
            "uploader",
            &[(
                claimed[0].id,
                UploadResult::Uploaded {
                    already_present: false,
                },
            )],
            station_store::Retention::Keep,
        )
        .unwrap();
    store
        .record_register_check(u, &step("register"), &refused())
        .unwrap();
    assert_eq!(
        store.enrollment_status(u).unwrap(),
        Some(EnrollmentStatus::DisableQueued)
    );
    // The uploader claims it as a revocation; a refusal by DPS makes it a conflict, and a
    // supervisor's retry makes it a revocation again, never a create.
    let claimed = store.claim_enrollments(10).unwrap();
    assert_eq!(claimed[0].status, EnrollmentStatus::DisableQueued);
    store
        .complete_uploads(
            "uploader",
            &[(
                claimed[0].id,
                UploadResult::Conflict {
                    reason: "rejected".into(),
                },
            )],
            station_store::Retention::Keep,
        )
        .unwrap();
    assert_eq!(
        store.enrollment_status(u).unwrap(),
        Some(EnrollmentStatus::Conflict)
    );
    store.requeue_enrollment(claimed[0].id, "sup").unwrap();
    assert_eq!(
        store.enrollment_status(u).unwrap(),
        Some(EnrollmentStatus::DisableQueued)
    );
}

#[test]
fn a_unit_that_never_took_a_credential_burns_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let r = run(&store, "r1");
    let u = store.begin_unit(&new_unit(&r, 1, "SN1")).unwrap();
    store.finish_fail(u, &[], &failure()).unwrap();
    assert!(store.enrollments(None).unwrap().is_empty());
    // The same board starts again.
    store.begin_unit(&new_unit(&r, 1, "SN1")).unwrap();
}

/// A unit on `slot` that takes a certificate for `serial` and fails; returns it.
fn fail_after_handout(store: &Store, r: &RunId, slot: u16, serial: &str, n: u32) -> UnitId {
    let u = store.begin_unit(&new_unit(r, slot, serial)).unwrap();
    let rev = REVOCATION.replace("SN1", serial);
    store
        .issue_certificate(&cert(u, &format!("{slot:02x}{n:02x}"), Some(&rev)), None)
        .unwrap();
    store.finish_fail(u, &[], &failure()).unwrap();
    u
}

#[test]
fn repeated_failures_after_a_hand_out_block_the_slot_until_a_supervisor_clears_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let policy = AlarmPolicy::default();
    {
        let store = Store::open(&path).unwrap();
        let r = run(&store, "r1");
        for (n, serial) in ["SN1", "SN2"].iter().enumerate() {
            let u = fail_after_handout(&store, &r, 3, serial, n as u32);
            assert_eq!(store.raise_handout_alarm(u, &policy).unwrap(), None);
        }
        // A third unit is cut off mid-way (the station dies): revoked, but not the board's
        // doing, so it does not count.
        let u = store.begin_unit(&new_unit(&r, 3, "SN3")).unwrap();
        store
            .record_handout(&NewHandout {
                unit_id: u,
                revocation_json: REVOCATION.replace("SN1", "SN3"),
            })
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.mark_interrupted().unwrap(), 1);
    assert_eq!(
        store
            .enrollments(Some(EnrollmentStatus::DisableQueued))
            .unwrap()
            .len(),
        3
    );
    let r = run(&store, "r2");
    // A failure before anything crossed does not count and raises nothing.
    let clean = store.begin_unit(&new_unit(&r, 3, "SN9")).unwrap();
    store.finish_fail(clean, &[], &failure()).unwrap();
    assert_eq!(store.raise_handout_alarm(clean, &policy).unwrap(), None);
    assert_eq!(store.slot_block(3).unwrap(), None);
    // The third failure after a hand-out on slot 3 (the interrupted unit is not one): it blocks.
    let u = fail_after_handout(&store, &r, 3, "SN4", 4);
    let block = store.raise_handout_alarm(u, &policy).unwrap().unwrap();
    assert_eq!((block.slot, block.unit_id), (3, u));
    assert_eq!(block.failures_on_slot, 3);
    assert_eq!(block.serials, ["SN4", "SN2", "SN1"]);
    assert!(
        block
            .describe()
            .contains("3 units failed after taking a credential"),
        "{}",
        block.describe()
    );
    assert_eq!(store.slot_block(3).unwrap(), Some(block.clone()));
    assert_eq!(store.slot_block(4).unwrap(), None, "other slots run");
    // Blocked already: a later failure raises nothing new.
    let again = fail_after_handout(&store, &r, 3, "SN5", 5);
    assert_eq!(store.raise_handout_alarm(again, &policy).unwrap(), None);

    // Clearing needs a supervisor and a reason, and is audited.
    assert!(store.clear_slot_block(3, "st1", "", "x").is_err());
    assert!(matches!(
        store.clear_slot_block(4, "st1", "sup-1", "looked"),
        Err(StoreError::NotBlocked { slot: 4 })
    ));
    let cleared = store
        .clear_slot_block(3, "st1", "sup-1", "pogo pins replaced; boards quarantined")
        .unwrap();
    assert_eq!(cleared.cleared.as_ref().unwrap().by, "sup-1");
    assert_eq!(store.slot_block(3).unwrap(), None);
    let kinds: Vec<String> = store
        .audit_rows(1000)
        .unwrap()
        .into_iter()
        .map(|row| row.kind)
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "slot.blocked").count(), 1);
    assert_eq!(kinds.iter().filter(|k| *k == "slot.cleared").count(), 1);
    // Counting starts again after the clear: one more failure does not re-block.
    let after = fail_after_handout(&store, &r, 3, "SN6", 6);
    assert_eq!(store.raise_handout_alarm(after, &policy).unwrap(), None);
    let history = store.slot_blocks(10).unwrap();
    assert_eq!(history.len(), 1);
    assert!(history[0].cleared.is_some());
}

#[test]
fn one_serial_failing_on_several_slots_blocks_the_slot_it_fails_on_and_a_window_expires() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let r = run(&store, "r1");
    let policy = AlarmPolicy::default();
    let mut last = None;
    for (n, slot) in [5u16, 6, 7].into_iter().enumerate() {
        // The same board, moved from slot to slot, each time under a new registration ID.
        let u = store
            .begin_unit(&NewUnit {
                registration_id: format!("gw-SNX-{n}"),
                ..new_unit(&r, slot, "SNX")
            })
            .unwrap();
        store
            .issue_certificate(&cert(u, &format!("7{n}"), Some(REVOCATION)), None)
            .unwrap();
        store.finish_fail(u, &[], &failure()).unwrap();
        last = store.raise_handout_alarm(u, &policy).unwrap();
    }
    let block = last.expect("the third failure of one serial blocks");
    assert_eq!(
        (block.slot, block.failures_of_serial, block.failures_on_slot),
        (7, 3, 1)
    );
    assert!(
        block.describe().contains("one board failed 3 times"),
        "{}",
        block.describe()
    );

    // With a window that has already passed, the same history raises nothing.
    let u = fail_after_handout(&store, &r, 8, "SNY", 1);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let short = AlarmPolicy {
        failures: 1,
        window: chrono::Duration::milliseconds(10),
    };
    assert_eq!(store.raise_handout_alarm(u, &short).unwrap(), None);
    let within = AlarmPolicy {
        failures: 1,
        ..AlarmPolicy::default()
    };
    assert!(store.raise_handout_alarm(u, &within).unwrap().is_some());
}

fn step(name: &str) -> StepRecord {
    StepRecord {
        step: name.into(),
        ok: true,
        started_at: Utc::now(),
        duration: std::time::Duration::from_millis(5),
        detail: None,
    }
}

fn refused() -> RegisterCheck {
    RegisterCheck::Refused(UnitFailure {
        step: "register".into(),
        code: "station::register::refused".into(),
        message: "DPS refused the board".into(),
    })
}
