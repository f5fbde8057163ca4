//! Operators: argon2 PIN hashes, roles, login, lockout and unlock, and their audit rows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use station_store::{LockoutPolicy, NewOperator, OperatorError, Role, Store};

const STATION: &str = "st-test";

fn new_op(id: &str, role: Role, pin: &str) -> NewOperator {
    NewOperator {
        id: id.into(),
        name: format!("{id} name"),
        role,
        pin: pin.into(),
    }
}

#[test]
fn operators_log_in_with_their_pin_and_lock_out_after_repeated_failures() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("station.db")).unwrap();
    let op = store
        .add_operator(STATION, "admin", &new_op("T100", Role::Technician, "1234"))
        .unwrap();
    assert_eq!(op.role, Role::Technician);
    assert!(matches!(
        store.add_operator(STATION, "admin", &new_op("T100", Role::Admin, "9999")),
        Err(OperatorError::Exists(_))
    ));
    let policy = LockoutPolicy {
        max_attempts: 3,
        duration: Duration::from_secs(60),
    };
    let now = Utc::now();
    let ok = store
        .authenticate(STATION, "T100", "1234", policy, now)
        .unwrap();
    assert_eq!(ok.last_login_at, Some(now));

    // Unknown IDs and wrong PINs look the same to the person at the screen.
    let unknown = store
        .authenticate(STATION, "nobody", "1234", policy, now)
        .unwrap_err();
    assert_eq!(unknown.to_string(), "operator ID or PIN not recognised");
    let e = store
        .authenticate(STATION, "T100", "0000", policy, now)
        .unwrap_err();
    assert!(matches!(
        e,
        OperatorError::LoginFailed { remaining: Some(2) }
    ));
    assert_eq!(e.code(), "station::login::failed");
    store
        .authenticate(STATION, "T100", "0000", policy, now)
        .unwrap_err();
    let locked = store
        .authenticate(STATION, "T100", "0000", policy, now)
        .unwrap_err();
    assert!(matches!(locked, OperatorError::Locked { .. }), "{locked:?}");
    // Even the right PIN is refused while locked...
    assert!(matches!(
        store.authenticate(STATION, "T100", "1234", policy, now),
        Err(OperatorError::Locked { .. })
    ));
    // ...and accepted once the lock ran out.
    let later = now + chrono::Duration::seconds(61);
    store
        .authenticate(STATION, "T100", "1234", policy, later)
        .unwrap();

    // A supervisor's unlock ends a lock early.
    for _ in 0..3 {
        let _ = store.authenticate(STATION, "T100", "0000", policy, later);
    }
    assert!(
        store
            .operator("T100")
            .unwrap()
            .unwrap()
            .locked_until
            .is_some()
    );
    store.unlock_operator(STATION, "S1", "T100").unwrap();
    store
        .authenticate(STATION, "T100", "1234", policy, later)
        .unwrap();

    store
        .set_operator_pin(STATION, "A1", "T100", "5678")
        .unwrap();
    assert!(
        store
            .authenticate(STATION, "T100", "1234", policy, later)
            .is_err()
    );
    store
        .authenticate(STATION, "T100", "5678", policy, later)
        .unwrap();
    assert!(matches!(
        store.set_operator_pin(STATION, "A1", "T100", "12"),
        Err(OperatorError::WeakPin)
    ));
    assert!(matches!(
        store.unlock_operator(STATION, "A1", "ghost"),
        Err(OperatorError::Unknown(_))
    ));

    let kinds: Vec<String> = store
        .audit_rows(100)
        .unwrap()
        .into_iter()
        .rev()
        .map(|r| r.kind)
        .collect();
    for k in [
        "operator.added",
        "operator.login",
        "operator.login_failed",
        "operator.locked",
        "operator.unlocked",
        "operator.pin_set",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
    store.verify_audit().unwrap();
    // The PIN never reaches the audit log or the database in the clear.
    let conn = rusqlite_dump(&dir.path().join("station.db"));
    assert!(!conn.contains("5678"), "a PIN leaked into the database");
}

#[test]
fn a_v1_database_gains_the_operators_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.db");
    let sql =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/v1.sql"))
            .unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&sql).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert!(store.operators().unwrap().is_empty());
    store
        .add_operator(STATION, "admin", &new_op("S1", Role::Supervisor, "4321"))
        .unwrap();
    assert_eq!(store.operators().unwrap().len(), 1);
    store.verify_audit().unwrap();
}

#[test]
fn a_pin_typed_into_the_id_field_is_not_kept_in_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.db");
    let store = Store::open(&path).unwrap();
    store
        .add_operator(STATION, "admin", &new_op("T100", Role::Technician, "1234"))
        .unwrap();
    let policy = LockoutPolicy {
        max_attempts: 3,
        duration: Duration::from_secs(60),
    };
    // The technician typed their PIN where the ID goes.
    let err = store
        .authenticate(STATION, "918273", "1234", policy, Utc::now())
        .unwrap_err();
    assert!(matches!(err, OperatorError::LoginFailed { .. }), "{err:?}");
    let row = store.audit_rows(1).unwrap().remove(0);
    assert_eq!(row.kind, "operator.login_failed");
    assert_eq!(row.actor, station_store::UNKNOWN_OPERATOR);
    assert!(
        !rusqlite_dump(&path).contains("918273"),
        "the typed ID reached the database"
    );
}

#[test]
fn the_line_setup_outlives_the_store_and_every_change_is_audited() {
    use station_store::{LineSetting, LineSetup};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.db");
    {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.line_setup().unwrap(), LineSetup::default());
        store
            .set_line_setting(STATION, "S1", LineSetting::WorkOrder, Some("WO-1"))
            .unwrap();
        store
            .set_line_setting(STATION, "S1", LineSetting::WorkOrder, Some("WO-2"))
            .unwrap();
        store
            .set_line_setting(STATION, "S1", LineSetting::SlotProduct(3), Some("x509"))
            .unwrap();
        store
            .set_line_setting(STATION, "S1", LineSetting::SlotProduct(4), Some("tpm"))
            .unwrap();
        store
            .set_line_setting(STATION, "S1", LineSetting::SlotProduct(4), None)
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let setup = store.line_setup().unwrap();
    assert_eq!(setup.work_order.as_deref(), Some("WO-2"));
    assert_eq!(
        setup.slot_products.into_iter().collect::<Vec<_>>(),
        vec![(3, "x509".to_owned())]
    );
    let rows = store.audit_rows(5).unwrap();
    let kinds: Vec<&str> = rows.iter().rev().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "work_order.set",
            "work_order.set",
            "slot.product",
            "slot.product",
            "slot.product"
        ]
    );
    assert_eq!(rows[0].detail["product"], serde_json::Value::Null);
    store
        .set_line_setting(STATION, "S1", LineSetting::WorkOrder, None)
        .unwrap();
    assert_eq!(store.line_setup().unwrap().work_order, None);
    store.verify_audit().unwrap();
}

#[test]
fn yield_counts_passes_and_failures() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("station.db")).unwrap();
    let report = store
        .yield_report(&station_store::YieldFilter::default())
        .unwrap();
    assert_eq!((report.pass, report.fail), (0, 0));
    assert!(store.work_orders().unwrap().is_empty());
}

/// Every text value in the database, for leak checks.
fn rusqlite_dump(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut out = String::new();
    for table in ["operators", "audit"] {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                if let Ok(s) = r.get::<_, String>(i) {
                    out.push_str(&s);
                    out.push('\n');
                }
            }
        }
    }
    out
}
