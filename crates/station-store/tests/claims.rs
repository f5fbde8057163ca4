//! Write-ahead claims: a unit claimed before its lock survives a station restart as
//! `committing`, passes from its claim exactly once, fails or is voided with nothing queued,
//! and its certificates follow it (void unless the unit passes).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::Utc;
use station_store::{
    ClaimStatus, DuplicateField, EnrollmentStatus, NewCertificate, NewClaim, NewEnrollment, NewRun,
    NewUnit, RunId, Store, StoreError, UnitFailure, UnitFilter, UnitId, UnitStatus, setting_digest,
};

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

fn new_unit(run: &RunId, serial: &str) -> NewUnit {
    NewUnit {
        run_id: run.clone(),
        slot: 1,
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

fn cert(unit: UnitId, serial: &str) -> NewCertificate {
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
        revocation_json: None,
    }
}

fn claim(serial: &str, cert_serial: &str) -> NewClaim {
    let mut settings = BTreeMap::new();
    settings.insert(
        "dps/reg_id".to_owned(),
        setting_digest(format!("gw-{serial}").as_bytes()),
    );
    settings.insert("dps/id_scope".to_owned(), setting_digest(b"0ne001"));
    NewClaim {
        settings,
        certificate_sha256: Some(format!("{cert_serial:0>64}")),
        ek_sha256: None,
        enrollment: Some(NewEnrollment {
            registration_id: format!("gw-{serial}"),
            payload_json: format!(r#"{{"registrationId":"gw-{serial}"}}"#),
            sealed: None,
        }),
    }
}

fn step(name: &str) -> station_store::StepRecord {
    station_store::StepRecord {
        step: name.into(),
        ok: true,
        started_at: Utc::now(),
        duration: std::time::Duration::from_millis(3),
        detail: None,
    }
}

fn status(store: &Store, unit: UnitId) -> UnitStatus {
    store.unit(unit).unwrap().unwrap().summary.status
}

/// A claimed unit, as a killed station leaves it: claimed, maybe locked, never recorded.
fn claimed(store: &Store, serial: &str, cert_serial: &str) -> UnitId {
    let r = run(store, &format!("run-{serial}"));
    let u = store.begin_unit(&new_unit(&r, serial)).unwrap();
    store
        .issue_certificate(&cert(u, cert_serial), Some(10))
        .unwrap();
    store
        .claim_unit(
            u,
            &[step("identify"), step("verify")],
            &claim(serial, cert_serial),
        )
        .unwrap();
    u
}

#[test]
fn a_claim_survives_a_restart_as_committing_and_passes_once_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let u = {
        let store = Store::open(&path).unwrap();
        claimed(&store, "SN1", "0a")
        // The station dies here: no PASS.
    };
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.mark_interrupted().unwrap(),
        0,
        "a claimed unit is not interrupted"
    );
    assert_eq!(status(&store, u), UnitStatus::Committing);
    let listed = store
        .units(&UnitFilter {
            status: Some(UnitStatus::Committing),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        store
            .units(&UnitFilter {
                status: Some(UnitStatus::InProgress),
                ..Default::default()
            })
            .unwrap()
            .is_empty()
    );
    assert!(
        store.enrollments(None).unwrap().is_empty(),
        "nothing queued before the PASS"
    );
    let open = store.open_claim("SN1").unwrap().expect("open claim");
    assert_eq!(open.unit_id, u);
    assert_eq!(open.registration_id, "gw-SN1");
    assert_eq!(open.settings["dps/id_scope"], setting_digest(b"0ne001"));
    assert_eq!(
        open.certificate_sha256.as_deref(),
        Some(&*format!("{:0>64}", "0a"))
    );
    assert!(open.has_enrollment);
    assert_eq!(store.open_claims().unwrap().len(), 1);

    // The serial and registration ID stay reserved while committing.
    let r2 = run(&store, "r2");
    let err = store.begin_unit(&new_unit(&r2, "SN1")).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Duplicate {
                field: DuplicateField::Serial,
                status: UnitStatus::Committing,
                ..
            }
        ),
        "{err:?}"
    );
    // A committing unit passes only from its claim.
    let err = store.finish_pass(u, &[], None).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::InvalidState {
                found: UnitStatus::Committing,
                ..
            }
        ),
        "{err:?}"
    );

    let e = store.complete_claim(u, &[step("recover")], true).unwrap();
    assert!(e.is_some());
    assert_eq!(status(&store, u), UnitStatus::Pass);
    let queued = store.enrollments(Some(EnrollmentStatus::Queued)).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].payload_json, r#"{"registrationId":"gw-SN1"}"#);
    assert!(store.open_claim("SN1").unwrap().is_none());
    // Once only.
    assert!(matches!(
        store.complete_claim(u, &[], true).unwrap_err(),
        StoreError::InvalidState { .. }
    ));
    // Steps recorded with the claim come first, the recovery's after them.
    let steps: Vec<_> = store
        .unit(u)
        .unwrap()
        .unwrap()
        .steps
        .into_iter()
        .map(|s| s.step)
        .collect();
    assert_eq!(steps, ["identify", "verify", "recover"]);
    assert_eq!(
        store.issued_certificates(Some(u)).unwrap()[0].status,
        "issued"
    );
    let pass = store
        .audit_rows(5)
        .unwrap()
        .into_iter()
        .find(|a| a.kind == "unit.pass")
        .unwrap();
    assert_eq!(pass.detail["recovered"], true);
    store.verify_audit().unwrap();
}

#[test]
fn a_board_that_disagrees_fails_its_claim_with_nothing_queued_and_its_certificate_void() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let u = claimed(&store, "SN2", "0b");
    store
        .finish_fail(
            u,
            &[step("recover")],
            &UnitFailure {
                step: "recover".into(),
                code: "station::recover::mismatch".into(),
                message: "dps/reg_id on the board is not the claimed one".into(),
            },
        )
        .unwrap();
    assert_eq!(status(&store, u), UnitStatus::Fail);
    assert!(store.enrollments(None).unwrap().is_empty());
    assert!(store.open_claim("SN2").unwrap().is_none());
    let cert = &store.issued_certificates(Some(u)).unwrap()[0];
    assert_eq!(cert.status, "void");
    // It left the station: it still counts.
    assert_eq!(store.certificates_issued("WO-1").unwrap(), 1);
    // The serial is free again.
    let r = run(&store, "again");
    store.begin_unit(&new_unit(&r, "SN2")).unwrap();
    store.verify_audit().unwrap();
}

#[test]
fn a_supervisor_voids_a_claim_whose_board_is_gone_or_keeps_it_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let gone = claimed(&store, "SN3", "0c");
    let back = claimed(&store, "SN4", "0d");

    store.keep_claim_waiting(back, "sup").unwrap();
    let open = store.open_claim("SN4").unwrap().unwrap();
    assert_eq!(
        open.waiting.as_ref().map(|(who, _)| who.as_str()),
        Some("sup")
    );
    assert_eq!(open.status, ClaimStatus::Open);

    store.void_claim(gone, "sup", "board scrapped").unwrap();
    let detail = store.unit(gone).unwrap().unwrap().summary;
    assert_eq!(detail.status, UnitStatus::Fail);
    assert_eq!(
        detail.failure_code.as_deref(),
        Some("station::claim::voided")
    );
    let cert = &store.issued_certificates(Some(gone)).unwrap()[0];
    assert_eq!(cert.status, "void");
    assert!(cert.void_reason.as_deref().unwrap().contains("voided"));
    assert!(matches!(
        store.void_claim(gone, "sup", "again").unwrap_err(),
        StoreError::InvalidState { .. } | StoreError::NoOpenClaim(_)
    ));
    let kinds: Vec<_> = store
        .audit_rows(20)
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect();
    assert!(kinds.contains(&"claim.voided".to_owned()));
    assert!(kinds.contains(&"claim.waiting".to_owned()));
    assert_eq!(store.open_claims().unwrap().len(), 1);
    assert!(store.enrollments(None).unwrap().is_empty());
    store.verify_audit().unwrap();
}

#[test]
fn an_interrupted_unit_voids_the_certificate_it_never_put_in_service() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let u = {
        let store = Store::open(&path).unwrap();
        let r = run(&store, "r1");
        let u = store.begin_unit(&new_unit(&r, "SN5")).unwrap();
        store.issue_certificate(&cert(u, "0e"), Some(1)).unwrap();
        u
        // Killed between issue and claim.
    };
    let store = Store::open(&path).unwrap();
    assert_eq!(store.mark_interrupted().unwrap(), 1);
    let c = &store.issued_certificates(Some(u)).unwrap()[0];
    assert_eq!(c.status, "void");
    assert!(c.void_reason.as_deref().unwrap().contains("stopped"));
    // It may have reached the board: it still counts, so a quota of one is spent.
    let r = run(&store, "r2");
    let u2 = store.begin_unit(&new_unit(&r, "SN5")).unwrap();
    assert!(matches!(
        store
            .issue_certificate(&cert(u2, "0f"), Some(1))
            .unwrap_err(),
        StoreError::QuotaReached { issued: 1, .. }
    ));
    store.issue_certificate(&cert(u2, "0f"), Some(2)).unwrap();
    store.verify_audit().unwrap();
}

#[test]
fn a_claim_must_name_the_units_registration_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let r = run(&store, "r1");
    let u = store.begin_unit(&new_unit(&r, "SN6")).unwrap();
    let mut c = claim("SN6", "10");
    c.enrollment.as_mut().unwrap().registration_id = "someone-else".into();
    assert!(matches!(
        store.claim_unit(u, &[], &c).unwrap_err(),
        StoreError::InvalidInput { .. }
    ));
    store.claim_unit(u, &[], &claim("SN6", "10")).unwrap();
    assert!(matches!(
        store.claim_unit(u, &[], &claim("SN6", "10")).unwrap_err(),
        StoreError::InvalidState {
            found: UnitStatus::Committing,
            ..
        }
    ));
}
