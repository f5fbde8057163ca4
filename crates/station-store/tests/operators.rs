//! Operators: argon2 PIN hashes, roles, login, lockout and unlock, and their audit rows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use station_errors::Coded as _;
use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use station_store::{LockoutPolicy, NewOperator, OperatorError, Role, Store};

const STATION: &str = "st-test";

/// Three wrong PINs lock for a minute.
const THREE_TRIES: LockoutPolicy = LockoutPolicy {
    max_attempts: 3,
    duration: Duration::from_secs(60),
};

/// A store in `dir` with technician T100 (PIN 1234).
fn store_with_technician(dir: &Path) -> Store {
    let store = Store::open(&dir.join("station.db")).unwrap();
    store
        .add_operator(STATION, "admin", &new_op("T100", Role::Technician, "1234"))
        .unwrap();
    store
}

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
        store.add_operator(STATION, "admin", &new_op("T100", Role::Admin, "999999")),
        Err(OperatorError::Exists(_))
    ));
    let policy = THREE_TRIES;
    let now = Utc::now();
    let ok = store
        .authenticate(STATION, "T100", "1234", policy, now)
        .unwrap();
    assert_eq!(ok.last_login_at, Some(now));

    // Unknown IDs, wrong PINs and a locked operator with a wrong PIN look the same.
    let unknown = store
        .authenticate(STATION, "nobody", "1234", policy, now)
        .unwrap_err();
    assert_eq!(unknown.to_string(), "operator ID or PIN not recognised");
    for _ in 0..3 {
        let e = store
            .authenticate(STATION, "T100", "0000", policy, now)
            .unwrap_err();
        assert!(matches!(e, OperatorError::LoginFailed), "{e:?}");
        assert_eq!(e.code(), unknown.code());
        assert_eq!(e.to_string(), unknown.to_string());
    }
    // The third failure locked: a wrong PIN still hears "not recognised" (and is not
    // counted), only the right PIN learns of the lock.
    assert!(matches!(
        store.authenticate(STATION, "T100", "0000", policy, now),
        Err(OperatorError::LoginFailed)
    ));
    assert!(matches!(
        store.authenticate(STATION, "T100", "1234", policy, now),
        Err(OperatorError::Locked { .. })
    ));
    // ...and it is accepted once the lock ran out.
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
        Err(OperatorError::WeakPin { .. })
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
        .add_operator(STATION, "admin", &new_op("S1", Role::Supervisor, "432109"))
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
    let policy = THREE_TRIES;
    // The technician typed their PIN where the ID goes.
    let err = store
        .authenticate(STATION, "918273", "1234", policy, Utc::now())
        .unwrap_err();
    assert!(matches!(err, OperatorError::LoginFailed), "{err:?}");
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

/// Waiting a lock out does not reset the count: 5 failures lock for the policy's duration, 10
/// for four times as long, 15 until a supervisor unlocks, whatever the time between them.
#[test]
fn locks_escalate_and_the_third_needs_a_supervisor() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_technician(dir.path());
    let policy = LockoutPolicy::default();
    let mut now = Utc::now();
    let lock_after_five = |store: &Store, now| {
        for _ in 0..5 {
            let _ = store.authenticate(STATION, "T100", "0000", policy, now);
        }
        store.operator("T100").unwrap().unwrap().locked_until
    };
    let first = lock_after_five(&store, now).unwrap();
    assert!(
        (899..=900).contains(&(first - now).num_seconds()),
        "{first}"
    );
    now = first + chrono::Duration::seconds(1);
    let second = lock_after_five(&store, now).unwrap();
    assert!(
        (3599..=3600).contains(&(second - now).num_seconds()),
        "{second}"
    );
    now = second + chrono::Duration::seconds(1);
    let third = lock_after_five(&store, now).unwrap();
    assert!(
        third.timestamp() > now.timestamp() + 100 * 365 * 86_400,
        "{third}"
    );
    let years_later = now + chrono::Duration::days(3650);
    let err = store
        .authenticate(STATION, "T100", "1234", policy, years_later)
        .unwrap_err();
    assert!(matches!(err, OperatorError::Locked { .. }), "{err:?}");
    assert!(
        err.to_string()
            .ends_with("locked out until a supervisor unlocks them"),
        "{err}"
    );
    store.unlock_operator(STATION, "S1", "T100").unwrap();
    store
        .authenticate(STATION, "T100", "1234", policy, years_later)
        .unwrap();
    // A success resets the count: the next failure is the first again.
    let _ = store.authenticate(STATION, "T100", "0000", policy, years_later);
    assert_eq!(store.operator("T100").unwrap().unwrap().failed_attempts, 1);
}

/// Guesses made at once cannot outrun the count: of 12 wrong PINs sent from 12 threads
/// together, exactly `max_attempts` are checked before the lock, and the rest never are.
#[test]
fn attempts_made_at_once_are_counted_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.db");
    let store = Store::open(&path).unwrap();
    store
        .add_operator(STATION, "admin", &new_op("T100", Role::Technician, "1234"))
        .unwrap();
    drop(store);
    let policy = LockoutPolicy::default();
    let now = Utc::now();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(12));
    let threads: Vec<_> = (0..12)
        .map(|i| {
            let path = path.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                // Each thread its own connection, as another terminal or process would be.
                let store = Store::open(&path).unwrap();
                barrier.wait();
                let _ = store.authenticate(STATION, "T100", &format!("99{i:02}"), policy, now);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = Store::open(&path).unwrap();
    let op = store.operator("T100").unwrap().unwrap();
    assert_eq!(op.failed_attempts, 5, "only five attempts were counted");
    assert!(op.locked_until.is_some());
    let counted = store
        .audit_rows(100)
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == "operator.login_failed" && r.detail.get("failures").is_some())
        .count();
    assert_eq!(counted, 5, "only five PINs were checked against the hash");
}

/// An operator's own language is kept, handed back at login, audited when it changes, and
/// refused when it is not a language tag.
#[test]
fn an_operators_language_comes_back_at_login() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_technician(dir.path());
    let policy = THREE_TRIES;
    let login = || {
        store
            .authenticate(STATION, "T100", "1234", policy, Utc::now())
            .unwrap()
    };
    assert_eq!(
        login().language,
        None,
        "a new operator speaks the station's language"
    );

    store
        .set_operator_language(STATION, "S1", "T100", Some("zh-CN"))
        .unwrap();
    assert_eq!(login().language.as_deref(), Some("zh-CN"));
    let row = store
        .audit_rows(10)
        .unwrap()
        .into_iter()
        .find(|r| r.kind == "operator.language")
        .expect("the change is audited");
    assert_eq!((row.actor.as_str(), row.subject.as_str()), ("S1", "T100"));

    for bad in ["chinese", "z", "zh_CN", "en-", "'; DROP"] {
        let err = store
            .set_operator_language(STATION, "S1", "T100", Some(bad))
            .unwrap_err();
        assert_eq!(err.code(), "station::operators::bad_language", "{bad}");
    }
    assert_eq!(
        login().language.as_deref(),
        Some("zh-CN"),
        "a refused tag changes nothing"
    );
    assert!(matches!(
        store.set_operator_language(STATION, "S1", "nobody", Some("es")),
        Err(OperatorError::Unknown(_))
    ));
    store
        .set_operator_language(STATION, "S1", "T100", None)
        .unwrap();
    assert_eq!(store.operator("T100").unwrap().unwrap().language, None);
}
