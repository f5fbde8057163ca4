//! Issued certificates: recorded with their audit row before they leave the station, quota per
//! work order, unique serials, voided when their unit fails; and the migration that adds them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use station_errors::Coded as _;
use std::path::Path;

use chrono::Utc;
use station_store::{
    NewCertificate, NewRun, NewUnit, RunId, Store, StoreError, UnitFailure, UnitFilter, UnitId,
};

fn run(store: &Store, id: &str, work_order: Option<&str>) -> RunId {
    let run = RunId::from(id);
    store
        .start_run(&NewRun {
            id: run.clone(),
            station_id: "st1".into(),
            operator: "alice".into(),
            work_order: work_order.map(str::to_owned),
            config_path: "/etc/station.toml".into(),
        })
        .unwrap();
    run
}

fn unit(store: &Store, run: &RunId, serial: &str, work_order: Option<&str>) -> UnitId {
    store
        .begin_unit(&NewUnit {
            run_id: run.clone(),
            slot: 1,
            serial: serial.into(),
            product: "gw".into(),
            registration_id: format!("gw-{serial}"),
            attestation: "x509".into(),
            work_order: work_order.map(str::to_owned),
            operator: "alice".into(),
            station_id: "st1".into(),
            identity_json: None,
            rework: false,
        })
        .unwrap()
}

fn cert(unit: UnitId, serial: &str) -> NewCertificate {
    NewCertificate {
        unit_id: unit,
        serial: serial.into(),
        subject: "CN=gw-x".into(),
        sha256: format!("{:0>64}", serial),
        spki_sha256: format!("{:f>64}", serial),
        ca_id: "ab".repeat(32),
        not_before: Utc::now(),
        not_after: Utc::now() + chrono::Duration::days(365),
        der: vec![0x30, 0x03, 0x02, 0x01, 0x01],
        revocation_json: None,
    }
}

#[test]
fn certificates_are_recorded_with_their_audit_row_and_count_against_the_quota() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let r = run(&store, "r1", Some("WO-7"));
    let u1 = unit(&store, &r, "SN1", Some("WO-7"));
    store.issue_certificate(&cert(u1, "01"), Some(2)).unwrap();
    let rows = store.issued_certificates(Some(u1)).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].work_order.as_deref(), Some("WO-7"));
    assert_eq!(rows[0].operator, "alice");
    assert_eq!(rows[0].station_id, "st1");
    assert_eq!(rows[0].status, "issued");
    let audit = store.audit_rows(10).unwrap();
    // Newest first: the certificate, then what crossed the link (the same transaction).
    assert_eq!(audit[0].kind, "credential.handed_out");
    assert_eq!(audit[0].detail["certificate_serial"], "01");
    assert_eq!(audit[1].kind, "certificate.issued");
    assert_eq!(audit[1].detail["serial"], "01");

    // A serial is issued once (for another key too).
    let mut again = cert(u1, "01");
    again.spki_sha256 = "e".repeat(64);
    let err = store.issue_certificate(&again, None).unwrap_err();
    assert!(
        matches!(err, StoreError::CertificateSerialTaken { .. }),
        "{err}"
    );

    let u2 = unit(&store, &r, "SN2", Some("WO-7"));
    store.issue_certificate(&cert(u2, "02"), Some(2)).unwrap();
    let u3 = unit(&store, &r, "SN3", Some("WO-7"));
    let err = store
        .issue_certificate(&cert(u3, "03"), Some(2))
        .unwrap_err();
    assert_eq!(err.code(), "station::store::quota_reached");
    assert!(
        err.to_string().starts_with("work order quota reached"),
        "{err}"
    );
    assert!(store.issued_certificates(Some(u3)).unwrap().is_empty());
    assert_eq!(store.certificates_issued("WO-7").unwrap(), 2);
    // Without a quota (or under another work order) issuance goes on.
    store.issue_certificate(&cert(u3, "03"), None).unwrap();
    assert!(store.verify_audit().is_ok());
}

#[test]
fn a_quota_needs_a_work_order_and_a_finished_unit_gets_no_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let r = run(&store, "r1", None);
    let u = unit(&store, &r, "SN1", None);
    let err = store
        .issue_certificate(&cert(u, "01"), Some(5))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::InvalidInput {
                field: "work_order",
                ..
            }
        ),
        "{err}"
    );
    store
        .finish_fail(
            u,
            &[],
            &UnitFailure {
                step: "check-csr".into(),
                code: "x".into(),
                message: "y".into(),
            },
        )
        .unwrap();
    let err = store.issue_certificate(&cert(u, "01"), None).unwrap_err();
    assert!(matches!(err, StoreError::InvalidState { .. }), "{err}");
}

#[test]
fn a_unit_failing_after_issuance_voids_its_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let r = run(&store, "r1", Some("WO-1"));
    let u = unit(&store, &r, "SN1", Some("WO-1"));
    store.issue_certificate(&cert(u, "0a"), Some(10)).unwrap();
    store
        .finish_fail(
            u,
            &[],
            &UnitFailure {
                step: "install-certificate".into(),
                code: "station::x509::install_mismatch".into(),
                message: "m".into(),
            },
        )
        .unwrap();
    let rows = store.issued_certificates(Some(u)).unwrap();
    assert_eq!(rows[0].status, "void");
    assert!(
        store
            .audit_rows(5)
            .unwrap()
            .iter()
            .any(|a| a.kind == "certificate.void")
    );
    assert_eq!(
        rows[0].void_reason.as_deref(),
        Some("the unit failed after issuance")
    );
    // A void certificate still left the station: it counts against the quota.
    assert_eq!(store.certificates_issued("WO-1").unwrap(), 1);
    assert!(store.verify_audit().is_ok());
}

/// The version-1 schema, exactly as released (taken from the migration source).
fn v1_sql() -> String {
    let source = include_str!("../src/schema.rs");
    let start = source.find("const V1: &str = r\"").unwrap() + "const V1: &str = r\"".len();
    let end = start + source[start..].find("\";").unwrap();
    source[start..end].to_owned()
}

#[test]
fn a_v1_database_migrates_to_the_latest_schema_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&v1_sql()).unwrap();
        conn.execute_batch(
            "INSERT INTO runs (id, station_id, operator, work_order, config_path, started_at)
             VALUES ('old-run', 'st1', 'bob', 'WO-OLD', '/c.toml', '2025-01-01T00:00:00.000000Z');
             INSERT INTO units (run_id, slot, serial, product, registration_id, attestation,
                 work_order, operator, station_id, status, started_at, finished_at)
             VALUES ('old-run', 1, 'OLD1', 'p', 'old-1', 'symmetric-key', 'WO-OLD', 'bob', 'st1',
                 'pass', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:01.000000Z');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let units = store.units(&UnitFilter::default()).unwrap();
    assert_eq!(units.len(), 1);
    assert_eq!(units[0].serial.as_deref(), Some("OLD1"));
    assert!(store.issued_certificates(None).unwrap().is_empty());
    let r = run(&store, "new-run", Some("WO-OLD"));
    let u = unit(&store, &r, "NEW1", Some("WO-OLD"));
    store.issue_certificate(&cert(u, "0b"), Some(1)).unwrap();
    drop(store);
    let version: u32 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert!(version >= 3, "{version}");
    // Reopening the migrated file changes nothing.
    let store = Store::open(Path::new(&path)).unwrap();
    assert_eq!(store.issued_certificates(None).unwrap().len(), 1);
}

/// A device key is certified once: a second board presenting the same key (a shared key pair,
/// or another board's request replayed) gets no certificate, and the refusal names the unit
/// that holds it. The first board's certificate stands.
#[test]
fn a_key_certified_before_is_refused_for_another_unit() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let run = run(&store, "r-key", Some("WO-1"));
    let first = unit(&store, &run, "SN-A", Some("WO-1"));
    store.issue_certificate(&cert(first, "0a"), None).unwrap();
    let second = unit(&store, &run, "SN-B", Some("WO-1"));
    let mut same_key = cert(second, "0b");
    same_key.spki_sha256 = cert(first, "0a").spki_sha256;
    match store.issue_certificate(&same_key, None) {
        Err(StoreError::KeyReused { unit, serial }) => {
            assert_eq!((unit, serial.as_str()), (first, "0a"));
        }
        other => panic!("a reused key must be refused, got {other:?}"),
    }
    assert_eq!(
        StoreError::KeyReused {
            unit: first,
            serial: "0a".into()
        }
        .code(),
        "station::x509::key_reused"
    );
    // Its own key is certified.
    store.issue_certificate(&cert(second, "0b"), None).unwrap();
}
