//! Store behaviour against a real SQLite file in a temp dir.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use station_errors::Coded as _;
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use chrono::Utc;
use proptest::prelude::*;
use serde_json::json;
use station_store::{
    AuditBreak, AuditEntry, AuditSeq, DuplicateField, EnrollmentStatus, ExportFilter,
    NewEnrollment, NewRun, NewUnit, RunId, StepRecord, Store, StoreError, UnitClaims, UnitFailure,
    UnitFilter, UnitId, UnitStatus, UploadResult, YieldFilter,
};
use tempfile::TempDir;

const STATION: &str = "line1-st3";
const OPERATOR: &str = "alice";

struct Fixture {
    _dir: TempDir,
    store: Store,
    run: RunId,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("nested/dir/station.db")).expect("open");
    let run = RunId::from("7d3f5e9a-0000-4000-8000-000000000001");
    store.start_run(&new_run(&run)).expect("start run");
    Fixture {
        _dir: dir,
        store,
        run,
    }
}

fn new_run(id: &RunId) -> NewRun {
    NewRun {
        id: id.clone(),
        station_id: STATION.into(),
        operator: OPERATOR.into(),
        work_order: Some("WO-1".into()),
        config_path: "/etc/station.toml".into(),
    }
}

fn new_unit(run: &RunId, serial: &str, reg: &str) -> NewUnit {
    NewUnit {
        run_id: run.clone(),
        slot: 1,
        serial: serial.into(),
        product: "sensor-v2".into(),
        registration_id: reg.into(),
        attestation: "x509".into(),
        work_order: Some("WO-1".into()),
        operator: OPERATOR.into(),
        station_id: STATION.into(),
        identity_json: Some(r#"{"model":"s2","hw":"B","fw":"1.2.0","caps":["tpm2"]}"#.into()),
        rework: false,
    }
}

fn steps(names: &[&str], last_ok: bool) -> Vec<StepRecord> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| StepRecord {
            step: (*name).into(),
            ok: last_ok || i + 1 < names.len(),
            started_at: Utc::now(),
            duration: Duration::from_millis(10 * (i as u64 + 1)),
            detail: (i == 0).then(|| "first".to_owned()),
        })
        .collect()
}

fn enrollment(reg: &str) -> NewEnrollment {
    NewEnrollment {
        registration_id: reg.into(),
        payload_json: json!({ "registrationId": reg, "attestation": { "type": "x509" } })
            .to_string(),
        sealed: None,
    }
}

fn failure() -> UnitFailure {
    UnitFailure {
        step: "write-settings".into(),
        code: "station::smp::timeout".into(),
        message: "the DUT did not answer".into(),
    }
}

fn pass(f: &Fixture, serial: &str, reg: &str) -> UnitId {
    let id = f
        .store
        .begin_unit(&new_unit(&f.run, serial, reg))
        .expect("begin");
    f.store
        .finish_pass(
            id,
            &steps(&["identify", "certify"], true),
            Some(&enrollment(reg)),
        )
        .expect("pass");
    id
}

fn audit_kinds(store: &Store) -> Vec<String> {
    let mut rows = store.audit_rows(1000).expect("audit rows");
    rows.reverse();
    rows.into_iter().map(|r| r.kind).collect()
}

fn raw(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("raw open");
    conn.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    conn
}

#[test]
fn store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Store>();
    check::<StoreError>();
}

#[test]
fn pass_path_records_steps_enrollment_and_audit() {
    let f = fixture();
    let id = f
        .store
        .begin_unit(&new_unit(&f.run, "SN1", "reg-1"))
        .expect("begin");
    let steps = steps(
        &["identify", "keygen", "certify", "write-settings", "lock"],
        true,
    );
    f.store
        .finish_pass(id, &steps, Some(&enrollment("reg-1")))
        .expect("pass");

    let detail = f.store.unit(id).expect("unit").expect("exists");
    assert_eq!(detail.summary.status, UnitStatus::Pass);
    assert_eq!(detail.summary.serial.as_deref(), Some("SN1"));
    assert_eq!(detail.summary.operator, OPERATOR);
    assert!(detail.summary.finished_at.is_some());
    assert_eq!(
        detail.identity_json.as_deref().map(|s| s.contains("caps")),
        Some(true)
    );
    let names: Vec<_> = detail.steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(
        names,
        ["identify", "keygen", "certify", "write-settings", "lock"]
    );
    assert!(detail.steps.iter().all(|s| s.ok));
    assert_eq!(detail.steps[0].detail.as_deref(), Some("first"));
    let ms = detail.steps[2].duration.as_secs_f64() * 1000.0;
    assert!((ms - 30.0).abs() < 1e-6, "{ms}");
    let e = detail.enrollment.expect("enrollment");
    assert_eq!(e.status, EnrollmentStatus::Queued);
    assert_eq!(e.registration_id, "reg-1");
    assert_eq!(e.attempts, 0);

    assert_eq!(f.store.queue_depth().expect("depth"), 1);
    assert_eq!(
        f.store
            .enrollments(Some(EnrollmentStatus::Queued))
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        audit_kinds(&f.store),
        ["run.start", "unit.start", "unit.pass", "enrollment.queued"]
    );
    let report = f.store.verify_audit().expect("verify");
    assert_eq!(report.rows, 4);
    assert_eq!(report.head.to_string().len(), 64);
    assert_eq!(f.store.audit_rows(1).expect("rows")[0].hash, report.head);

    // The detail serialises for `--json`, with the JSON columns embedded.
    let v = serde_json::to_value(f.store.unit(id).expect("unit")).expect("json");
    assert_eq!(v["summary"]["status"], "pass");
    assert_eq!(v["identity_json"]["fw"], "1.2.0");
    assert_eq!(v["enrollment"]["payload_json"]["registrationId"], "reg-1");
    assert_eq!(v["steps"][1]["duration_ms"], 20.0);
}

#[test]
fn pass_without_enrollment_queues_nothing() {
    let f = fixture();
    let id = f
        .store
        .begin_unit(&new_unit(&f.run, "SN1", "reg-1"))
        .expect("begin");
    f.store.finish_pass(id, &[], None).expect("pass");
    assert_eq!(f.store.queue_depth().expect("depth"), 0);
    assert_eq!(
        audit_kinds(&f.store),
        ["run.start", "unit.start", "unit.pass"]
    );
}

#[test]
fn fail_queues_nothing_and_the_serial_may_start_again() {
    let f = fixture();
    let first = f
        .store
        .begin_unit(&new_unit(&f.run, "SN1", "reg-1"))
        .expect("begin");
    f.store
        .finish_fail(
            first,
            &steps(&["identify", "write-settings"], false),
            &failure(),
        )
        .expect("fail");
    assert_eq!(f.store.queue_depth().expect("depth"), 0);
    assert!(f.store.enrollments(None).expect("list").is_empty());

    let detail = f.store.unit(first).expect("unit").expect("exists");
    assert_eq!(detail.summary.status, UnitStatus::Fail);
    assert_eq!(
        detail.summary.failed_step.as_deref(),
        Some("write-settings")
    );
    assert_eq!(
        detail.summary.failure_code.as_deref(),
        Some("station::smp::timeout")
    );
    assert!(!detail.steps[1].ok);
    assert!(detail.enrollment.is_none());

    let second = f
        .store
        .begin_unit(&new_unit(&f.run, "SN1", "reg-1"))
        .expect("retry");
    assert_ne!(first, second);
    f.store
        .finish_pass(second, &[], Some(&enrollment("reg-1")))
        .expect("pass");
    assert_eq!(
        f.store
            .unit(second)
            .expect("unit")
            .expect("exists")
            .summary
            .rework_of,
        None
    );
    assert!(audit_kinds(&f.store).contains(&"unit.fail".to_owned()));
    f.store.verify_audit().expect("verify");
}

#[test]
fn duplicates_are_refused_while_in_progress_and_after_pass() {
    let f = fixture();
    let running = f
        .store
        .begin_unit(&new_unit(&f.run, "SN1", "reg-1"))
        .expect("begin");

    let err = f
        .store
        .begin_unit(&new_unit(&f.run, "SN1", "reg-other"))
        .expect_err("dup serial");
    assert!(
        matches!(&err, StoreError::Duplicate { field: DuplicateField::Serial, value, existing, status: UnitStatus::InProgress }
            if value == "SN1" && *existing == running),
        "{err:?}"
    );
    // Running now: a code of its own, whose action is to take the duplicate out.
    assert_eq!(err.code(), "station::store::duplicate_running");
    let err = f
        .store
        .begin_unit(&new_unit(&f.run, "SN-other", "reg-1"))
        .expect_err("dup reg");
    assert!(
        matches!(&err, StoreError::Duplicate { field: DuplicateField::RegistrationId, existing, .. }
            if *existing == running),
        "{err:?}"
    );

    f.store
        .finish_pass(running, &[], Some(&enrollment("reg-1")))
        .expect("pass");
    let err = f
        .store
        .begin_unit(&new_unit(&f.run, "SN1", "reg-2"))
        .expect_err("dup serial");
    assert!(
        matches!(
            &err,
            StoreError::Duplicate {
                field: DuplicateField::Serial,
                status: UnitStatus::Pass,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "station::store::duplicate");
    assert!(err.action().contains("rework"), "{}", err.action());
    let err = f
        .store
        .begin_unit(&new_unit(&f.run, "SN2", "reg-1"))
        .expect_err("dup reg");
    assert!(
        matches!(
            &err,
            StoreError::Duplicate {
                field: DuplicateField::RegistrationId,
                ..
            }
        ),
        "{err:?}"
    );
    // Rework of another serial cannot take over a registration ID.
    let err = f
        .store
        .begin_unit(&NewUnit {
            rework: true,
            ..new_unit(&f.run, "SN2", "reg-1")
        })
        .expect_err("dup reg under rework");
    assert!(
        matches!(
            &err,
            StoreError::Duplicate {
                field: DuplicateField::RegistrationId,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        f.store.units(&UnitFilter::default()).expect("units").len(),
        1
    );
    assert_eq!(
        audit_kinds(&f.store)
            .iter()
            .filter(|k| *k == "unit.start")
            .count(),
        1
    );
}

#[test]
fn rework_supersedes_the_old_unit_and_its_enrollment() {
    let f = fixture();
    let old = pass(&f, "SN1", "reg-1");
    let new = f
        .store
        .begin_unit(&NewUnit {
            rework: true,
            ..new_unit(&f.run, "SN1", "reg-1")
        })
        .expect("rework");

    let old_detail = f.store.unit(old).expect("unit").expect("exists");
    assert_eq!(old_detail.summary.status, UnitStatus::Superseded);
    assert_eq!(
        old_detail.enrollment.expect("old enrollment").status,
        EnrollmentStatus::Superseded
    );
    let new_detail = f.store.unit(new).expect("unit").expect("exists");
    assert_eq!(new_detail.summary.rework_of, Some(old));
    assert_eq!(new_detail.summary.status, UnitStatus::InProgress);
    assert_eq!(f.store.queue_depth().expect("depth"), 0);

    let rows = f.store.audit_rows(10).expect("rows");
    let rework = rows
        .iter()
        .find(|r| r.kind == "unit.rework")
        .expect("rework audited");
    assert_eq!(rework.subject, "SN1");
    assert_eq!(rework.actor, OPERATOR);
    assert_eq!(rework.detail["reworks"], json!(old.0));
    assert_eq!(rework.detail["unit"], json!(new.0));
    assert_eq!(rework.detail["old_enrollment"]["superseded"], json!(true));

    f.store
        .finish_pass(new, &[], Some(&enrollment("reg-1")))
        .expect("pass rework");
    let queued = f
        .store
        .enrollments(Some(EnrollmentStatus::Queued))
        .expect("queued");
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].unit_id, new);
    f.store.verify_audit().expect("verify");
}

#[test]
fn rework_leaves_an_uploaded_enrollment_uploaded() {
    let f = fixture();
    let old = pass(&f, "SN1", "reg-1");
    let e = f
        .store
        .unit(old)
        .expect("unit")
        .expect("exists")
        .enrollment
        .expect("enrollment");
    f.store
        .mark_enrollment_uploaded(e.id, "uploader")
        .expect("uploaded");
    f.store
        .begin_unit(&NewUnit {
            rework: true,
            ..new_unit(&f.run, "SN1", "reg-1")
        })
        .expect("rework");
    let e = f
        .store
        .unit(old)
        .expect("unit")
        .expect("exists")
        .enrollment
        .expect("enrollment");
    assert_eq!(e.status, EnrollmentStatus::Uploaded);
}

#[test]
fn rework_of_a_running_unit_is_refused() {
    let f = fixture();
    let running = f
        .store
        .begin_unit(&new_unit(&f.run, "SN1", "reg-1"))
        .expect("begin");
    let err = f
        .store
        .begin_unit(&NewUnit {
            rework: true,
            ..new_unit(&f.run, "SN1", "reg-1")
        })
        .expect_err("rework running");
    assert!(
        matches!(err, StoreError::InvalidState { unit, expected: UnitStatus::Pass, found: UnitStatus::InProgress } if unit == running),
        "{err:?}"
    );
    assert_eq!(
        f.store
            .unit(running)
            .expect("unit")
            .expect("exists")
            .summary
            .status,
        UnitStatus::InProgress
    );
}

#[test]
fn rework_with_nothing_to_rework_starts_a_plain_unit() {
    let f = fixture();
    let id = f
        .store
        .begin_unit(&NewUnit {
            rework: true,
            ..new_unit(&f.run, "SN1", "reg-1")
        })
        .expect("begin");
    assert_eq!(
        f.store
            .unit(id)
            .expect("unit")
            .expect("exists")
            .summary
            .rework_of,
        None
    );
    assert!(!audit_kinds(&f.store).contains(&"unit.rework".to_owned()));
}

#[test]
fn concurrent_begin_with_the_same_serial_has_one_winner() {
    let f = fixture();
    let store = Arc::new(f.store);
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let store = Arc::clone(&store);
            let barrier = Arc::clone(&barrier);
            let run = f.run.clone();
            std::thread::spawn(move || {
                let mut unit = new_unit(&run, "SN-RACE", &format!("reg-{i}"));
                unit.slot = i;
                barrier.wait();
                store.begin_unit(&unit)
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    for r in &results {
        if let Err(e) = r {
            assert!(
                matches!(
                    e,
                    StoreError::Duplicate {
                        field: DuplicateField::Serial,
                        ..
                    }
                ),
                "{e:?}"
            );
        }
    }
    let filter = UnitFilter {
        serial: Some("SN-RACE".into()),
        ..UnitFilter::default()
    };
    assert_eq!(store.units(&filter).expect("units").len(), 1);
    store.verify_audit().expect("verify");
}

#[test]
fn concurrent_slots_on_different_serials_all_pass() {
    let f = fixture();
    let store = Arc::new(f.store);
    let handles: Vec<_> = (0..8u16)
        .map(|slot| {
            let store = Arc::clone(&store);
            let run = f.run.clone();
            std::thread::spawn(move || -> Result<(), StoreError> {
                for n in 0..5 {
                    let serial = format!("SN-{slot}-{n}");
                    let mut unit = new_unit(&run, &serial, &serial.to_lowercase());
                    unit.slot = slot;
                    let id = store.begin_unit(&unit)?;
                    store.finish_pass(
                        id,
                        &steps(&["a", "b"], true),
                        Some(&enrollment(&serial.to_lowercase())),
                    )?;
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread").expect("slot");
    }
    assert_eq!(store.queue_depth().expect("depth"), 40);
    assert_eq!(store.verify_audit().expect("verify").rows, 1 + 40 * 3);
}

#[test]
fn tampering_with_an_audit_row_is_detected() {
    let f = fixture();
    pass(&f, "SN1", "reg-1");
    pass(&f, "SN2", "reg-2");
    let target = f
        .store
        .audit_rows(100)
        .expect("rows")
        .into_iter()
        .find(|r| r.kind == "unit.pass" && r.subject == "SN1")
        .expect("row")
        .seq;
    f.store.verify_audit().expect("intact");

    let conn = raw(f.store.path());
    // An attacker with file access drops the guard first.
    conn.execute_batch("DROP TRIGGER audit_no_update")
        .expect("drop trigger");
    conn.execute(
        "UPDATE audit SET detail_json = '{\"unit\":999}' WHERE seq = ?1",
        [target.0],
    )
    .expect("tamper");
    drop(conn);

    let err = f.store.verify_audit().expect_err("tampered");
    assert!(
        matches!(err, StoreError::AuditChainBroken { seq, reason: AuditBreak::HashMismatch } if seq == target),
        "{err:?}"
    );
    assert!(err.to_string().contains(&format!("row {target}")), "{err}");
    // Display still works on a tampered log.
    assert!(!f.store.audit_rows(100).expect("rows").is_empty());
}

#[test]
fn the_audit_chain_verifies_in_chunks_as_a_whole_and_finds_tampering_after_a_checkpoint() {
    use station_store::AuditReport;
    let f = fixture();
    for i in 0..4 {
        pass(&f, &format!("SN{i}"), &format!("reg-{i}"));
    }
    let whole = f.store.verify_audit().expect("intact");
    assert!(whole.rows >= 8, "{whole:?}");
    // Three rows at a time reaches the same head; one more call says there is nothing new.
    let mut at = AuditReport::EMPTY;
    let mut calls = 0;
    loop {
        let next = f.store.verify_audit_from(at, 3).expect("chunk");
        calls += 1;
        if next == at {
            break;
        }
        assert!(next.rows - at.rows <= 3);
        at = next;
    }
    assert_eq!(at, whole);
    assert_eq!(calls, whole.rows.div_ceil(3) + 1);

    // New rows after the checkpoint; one of them is then tampered with.
    pass(&f, "SN9", "reg-9");
    let conn = raw(f.store.path());
    conn.execute_batch("DROP TRIGGER audit_no_update")
        .expect("drop trigger");
    let last = i64::try_from(whole.rows).expect("seq") + 1;
    conn.execute(
        "UPDATE audit SET actor = 'someone else' WHERE seq = ?1",
        [last],
    )
    .expect("tamper");
    drop(conn);
    let err = f.store.verify_audit_from(at, 3).expect_err("tampered");
    assert!(
        matches!(err, StoreError::AuditChainBroken { seq, reason: AuditBreak::HashMismatch } if seq.0 == last),
        "{err:?}"
    );
}

/// What the desktop app reads while slots run (queue overview, a unit's log) is served by
/// indexes, not by scanning tables that grow by a row per unit.
#[test]
fn the_screens_polled_during_runs_read_through_indexes() {
    let f = fixture();
    let conn = raw(f.store.path());
    let plan = |sql: &str| -> String {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("plan");
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .expect("rows")
            .collect::<Result<Vec<_>, _>>()
            .expect("detail");
        rows.join("; ")
    };
    for (sql, index) in [
        (
            "SELECT id FROM enrollments WHERE status = 'conflict' ORDER BY updated_at DESC LIMIT 10",
            "enrollments_status_updated",
        ),
        (
            "SELECT COUNT(*) FROM enrollments WHERE status = 'uploaded' AND updated_at >= 'x'",
            "enrollments_status_updated",
        ),
        (
            "SELECT COUNT(*) FROM enrollments WHERE status = 'conflict'",
            "COVERING INDEX enrollments_status",
        ),
        (
            "SELECT id FROM enrollments WHERE last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 10",
            "enrollments_errors",
        ),
        (
            "SELECT seq FROM audit WHERE subject IN ('a', 'b') AND subject <> '' ORDER BY seq LIMIT 10",
            "audit_subject",
        ),
    ] {
        let p = plan(sql);
        assert!(p.contains(index), "{sql}: {p}");
    }
}

#[test]
fn a_rehashed_row_breaks_the_next_link_and_a_deleted_row_leaves_a_gap() {
    let f = fixture();
    pass(&f, "SN1", "reg-1");
    let conn = raw(f.store.path());
    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete")
        .expect("drop triggers");
    // Point row 3 at a different predecessor: the link from row 2 to row 3 breaks.
    conn.execute(
        "UPDATE audit SET prev_hash = zeroblob(32) WHERE seq = 3",
        [],
    )
    .expect("tamper");
    let err = f.store.verify_audit().expect_err("broken link");
    assert!(
        matches!(
            err,
            StoreError::AuditChainBroken {
                seq: AuditSeq(3),
                reason: AuditBreak::PrevHashMismatch
            }
        ),
        "{err:?}"
    );
    conn.execute("DELETE FROM audit WHERE seq = 2", [])
        .expect("delete");
    let err = f.store.verify_audit().expect_err("gap");
    assert!(
        matches!(
            err,
            StoreError::AuditChainBroken {
                seq: AuditSeq(2),
                reason: AuditBreak::MissingRow
            }
        ),
        "{err:?}"
    );
}

#[test]
fn audit_rows_cannot_be_updated_or_deleted() {
    let f = fixture();
    pass(&f, "SN1", "reg-1");
    let conn = raw(f.store.path());
    let err = conn
        .execute("UPDATE audit SET actor = 'mallory' WHERE seq = 1", [])
        .expect_err("update refused");
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = conn
        .execute("DELETE FROM audit WHERE seq = 1", [])
        .expect_err("delete refused");
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = conn
        .execute("DELETE FROM audit", [])
        .expect_err("delete all refused");
    assert!(err.to_string().contains("append-only"), "{err}");
    f.store.verify_audit().expect("intact");
}

#[test]
fn mark_interrupted_closes_units_left_in_progress() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("station.db");
    let run = RunId::from("run-1");
    let (a, b, done) = {
        let store = Store::open(&path).expect("open");
        store.start_run(&new_run(&run)).expect("run");
        let a = store
            .begin_unit(&new_unit(&run, "SN1", "reg-1"))
            .expect("a");
        let mut unit = new_unit(&run, "SN2", "reg-2");
        unit.slot = 2;
        let b = store.begin_unit(&unit).expect("b");
        let done = store
            .begin_unit(&new_unit(&run, "SN3", "reg-3"))
            .expect("c");
        store.finish_pass(done, &[], None).expect("pass");
        (a, b, done)
        // The station is "killed" here: the store is dropped with two units in progress.
    };
    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.mark_interrupted().expect("mark"), 2);
    assert_eq!(store.mark_interrupted().expect("mark again"), 0);
    for id in [a, b] {
        let summary = store.unit(id).expect("unit").expect("exists").summary;
        assert_eq!(summary.status, UnitStatus::Interrupted);
        assert!(summary.finished_at.is_some());
    }
    assert_eq!(
        store
            .unit(done)
            .expect("unit")
            .expect("exists")
            .summary
            .status,
        UnitStatus::Pass
    );
    let interrupted = UnitFilter {
        status: Some(UnitStatus::Interrupted),
        ..UnitFilter::default()
    };
    assert_eq!(store.units(&interrupted).expect("units").len(), 2);
    let rows = store.audit_rows(100).expect("rows");
    let subjects: Vec<_> = rows
        .iter()
        .filter(|r| r.kind == "unit.interrupted")
        .map(|r| r.subject.as_str())
        .collect();
    assert_eq!(subjects, ["SN2", "SN1"]);
    // An interrupted serial may be provisioned again without a rework.
    store
        .begin_unit(&new_unit(&run, "SN1", "reg-1"))
        .expect("again");
    store.verify_audit().expect("verify");
}

#[test]
fn a_failing_enrollment_insert_rolls_back_the_whole_pass() {
    let f = fixture();
    let id = f
        .store
        .begin_unit(&new_unit(&f.run, "SN1", "reg-1"))
        .expect("begin");
    let audit_before = f.store.verify_audit().expect("verify").rows;

    // Make the enrollment insert fail: a row for this unit already exists (unit_id is UNIQUE).
    let conn = raw(f.store.path());
    conn.execute(
        "INSERT INTO enrollments (unit_id, registration_id, payload_json, status, created_at,
             updated_at)
         VALUES (?1, 'planted', '{}', 'uploaded', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        [id.0],
    )
    .expect("plant");
    drop(conn);

    let err = f
        .store
        .finish_pass(
            id,
            &steps(&["identify", "certify"], true),
            Some(&enrollment("reg-1")),
        )
        .expect_err("enrollment insert fails");
    assert!(matches!(err, StoreError::Sqlite(_)), "{err:?}");

    let detail = f.store.unit(id).expect("unit").expect("exists");
    assert_eq!(detail.summary.status, UnitStatus::InProgress);
    assert!(detail.summary.finished_at.is_none());
    assert!(detail.steps.is_empty());
    assert_eq!(f.store.verify_audit().expect("verify").rows, audit_before);
    assert!(!audit_kinds(&f.store).contains(&"unit.pass".to_owned()));
}

#[test]
fn finishing_needs_an_in_progress_unit() {
    let f = fixture();
    let id = pass(&f, "SN1", "reg-1");
    let err = f.store.finish_pass(id, &[], None).expect_err("second pass");
    assert!(
        matches!(
            err,
            StoreError::InvalidState {
                expected: UnitStatus::InProgress,
                found: UnitStatus::Pass,
                ..
            }
        ),
        "{err:?}"
    );
    let err = f
        .store
        .finish_fail(id, &[], &failure())
        .expect_err("fail after pass");
    assert!(matches!(err, StoreError::InvalidState { .. }), "{err:?}");
    let err = f
        .store
        .finish_pass(UnitId(999), &[], None)
        .expect_err("unknown");
    assert!(
        matches!(err, StoreError::UnknownUnit(UnitId(999))),
        "{err:?}"
    );
    assert!(f.store.unit(UnitId(999)).expect("lookup").is_none());
}

#[test]
fn an_enrollment_for_another_registration_id_or_bad_json_is_refused() {
    let f = fixture();
    let id = f
        .store
        .begin_unit(&new_unit(&f.run, "SN1", "reg-1"))
        .expect("begin");
    let err = f
        .store
        .finish_pass(id, &[], Some(&enrollment("reg-2")))
        .expect_err("mismatch");
    assert!(
        matches!(
            err,
            StoreError::InvalidInput {
                field: "registration_id",
                ..
            }
        ),
        "{err:?}"
    );
    let bad = NewEnrollment {
        registration_id: "reg-1".into(),
        payload_json: "{not json".into(),
        sealed: None,
    };
    let err = f
        .store
        .finish_pass(id, &[], Some(&bad))
        .expect_err("bad json");
    assert!(matches!(err, StoreError::Json(_)), "{err:?}");
    assert_eq!(
        f.store
            .unit(id)
            .expect("unit")
            .expect("exists")
            .summary
            .status,
        UnitStatus::InProgress
    );
}

#[test]
fn bad_unit_input_is_refused() {
    let f = fixture();
    for unit in [
        new_unit(&f.run, "", "reg-1"),
        new_unit(&f.run, "SN1", " "),
        NewUnit {
            attestation: "password".into(),
            ..new_unit(&f.run, "SN1", "reg-1")
        },
    ] {
        let err = f.store.begin_unit(&unit).expect_err("invalid");
        assert!(matches!(err, StoreError::InvalidInput { .. }), "{err:?}");
    }
    let err = f
        .store
        .begin_unit(&new_unit(&RunId::from("nope"), "SN1", "reg-1"))
        .expect_err("unknown run");
    assert!(matches!(err, StoreError::UnknownRun(_)), "{err:?}");
}

#[test]
fn unidentified_failures_have_no_serial_and_do_not_collide() {
    let f = fixture();
    let steps = steps(&["detect-device"], false);
    let a = f
        .store
        .record_unidentified_failure(&f.run, 3, &failure(), &steps)
        .expect("a");
    let b = f
        .store
        .record_unidentified_failure(&f.run, 4, &failure(), &[])
        .expect("b");
    assert_ne!(a, b);
    let detail = f.store.unit(a).expect("unit").expect("exists");
    assert_eq!(detail.summary.serial, None);
    assert_eq!(detail.summary.registration_id, None);
    assert_eq!(detail.summary.status, UnitStatus::Fail);
    assert_eq!(detail.summary.slot, 3);
    assert_eq!(detail.summary.operator, OPERATOR);
    assert_eq!(detail.summary.work_order.as_deref(), Some("WO-1"));
    assert_eq!(detail.steps.len(), 1);
    let rows = f.store.audit_rows(2).expect("rows");
    assert!(
        rows.iter()
            .all(|r| r.kind == "unit.fail" && r.subject.is_empty())
    );
    assert_eq!(rows[0].detail["unidentified"], json!(true));
    assert_eq!(f.store.queue_depth().expect("depth"), 0);
}

#[test]
fn runs_start_once_and_finish_once() {
    let f = fixture();
    let err = f.store.start_run(&new_run(&f.run)).expect_err("again");
    assert!(matches!(err, StoreError::RunExists(_)), "{err:?}");
    pass(&f, "SN1", "reg-1");
    f.store.finish_run(&f.run).expect("finish");
    let err = f.store.finish_run(&f.run).expect_err("twice");
    assert!(matches!(err, StoreError::RunFinished(_)), "{err:?}");
    let err = f
        .store
        .begin_unit(&new_unit(&f.run, "SN2", "reg-2"))
        .expect_err("closed run");
    assert!(matches!(err, StoreError::RunFinished(_)), "{err:?}");
    let err = f
        .store
        .finish_run(&RunId::from("nope"))
        .expect_err("unknown");
    assert!(matches!(err, StoreError::UnknownRun(_)), "{err:?}");
    let finish = &f.store.audit_rows(1).expect("rows")[0];
    assert_eq!(finish.kind, "run.finish");
    assert_eq!(finish.detail["units"]["pass"], json!(1));
}

#[test]
fn unit_listing_filters_newest_first() {
    let f = fixture();
    let other = RunId::from("run-2");
    f.store.start_run(&new_run(&other)).expect("run 2");
    let a = pass(&f, "SN1", "reg-1");
    let b = f
        .store
        .begin_unit(&new_unit(&f.run, "SN2", "reg-2"))
        .expect("b");
    f.store.finish_fail(b, &[], &failure()).expect("fail");
    let c = f
        .store
        .begin_unit(&new_unit(&other, "SN3", "reg-3"))
        .expect("c");

    let all = f.store.units(&UnitFilter::default()).expect("all");
    assert_eq!(all.iter().map(|u| u.id).collect::<Vec<_>>(), [c, b, a]);
    let run1 = UnitFilter {
        run: Some(f.run.clone()),
        ..UnitFilter::default()
    };
    assert_eq!(f.store.units(&run1).expect("run1").len(), 2);
    let failed = UnitFilter {
        status: Some(UnitStatus::Fail),
        ..UnitFilter::default()
    };
    assert_eq!(f.store.units(&failed).expect("failed")[0].id, b);
    let by_serial = UnitFilter {
        serial: Some("SN3".into()),
        ..UnitFilter::default()
    };
    assert_eq!(f.store.units(&by_serial).expect("serial")[0].id, c);
    let limited = UnitFilter {
        limit: Some(1),
        ..UnitFilter::default()
    };
    assert_eq!(f.store.units(&limited).expect("limit").len(), 1);
    let json = serde_json::to_value(&all[0]).expect("json");
    assert_eq!(json["status"], "in_progress");
    assert_eq!(json["run_id"], "run-2");
}

#[test]
fn the_upload_side_moves_enrollments_through_the_queue() {
    let f = fixture();
    pass(&f, "SN1", "reg-1");
    pass(&f, "SN2", "reg-2");
    pass(&f, "SN3", "reg-3");
    let queued = f
        .store
        .enrollments(Some(EnrollmentStatus::Queued))
        .expect("queued");
    assert_eq!(
        queued
            .iter()
            .map(|e| e.registration_id.as_str())
            .collect::<Vec<_>>(),
        ["reg-1", "reg-2", "reg-3"]
    );

    f.store
        .record_enrollment_error(queued[0].id, "503 service unavailable")
        .expect("error");
    f.store
        .mark_enrollment_uploaded(queued[0].id, "uploader")
        .expect("uploaded");
    f.store
        .mark_enrollment_conflict(queued[1].id, "uploader", "different attestation")
        .expect("conflict");
    assert_eq!(f.store.queue_depth().expect("depth"), 1);

    let all = f.store.enrollments(None).expect("all");
    assert_eq!(all[0].status, EnrollmentStatus::Uploaded);
    assert_eq!(all[0].attempts, 2);
    assert_eq!(all[0].last_error, None);
    assert_eq!(all[1].status, EnrollmentStatus::Conflict);
    assert_eq!(all[1].last_error.as_deref(), Some("different attestation"));

    let err = f
        .store
        .mark_enrollment_conflict(queued[0].id, "uploader", "x")
        .expect_err("uploaded");
    assert!(
        matches!(err, StoreError::InvalidEnrollmentState { .. }),
        "{err:?}"
    );
    // Only a conflict goes back to the queue, and it goes back clean.
    let err = f
        .store
        .requeue_enrollment(queued[2].id, "sup-1")
        .expect_err("a queued enrollment is not a conflict");
    assert!(
        matches!(err, StoreError::InvalidEnrollmentState { .. }),
        "{err:?}"
    );
    f.store
        .requeue_enrollment(queued[1].id, "sup-1")
        .expect("requeue");
    let again = &f.store.enrollments(None).expect("all")[1];
    assert_eq!(again.status, EnrollmentStatus::Queued);
    assert_eq!(again.last_error, None);
    assert_eq!(f.store.queue_depth().expect("depth"), 2);

    let kinds = audit_kinds(&f.store);
    assert!(kinds.contains(&"enrollment.uploaded".to_owned()));
    assert!(kinds.contains(&"enrollment.conflict".to_owned()));
    assert!(kinds.contains(&"enrollment.requeued".to_owned()));
    f.store.verify_audit().expect("verify");
}

#[test]
fn reopening_a_current_database_is_a_no_op() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("station.db");
    let run = RunId::from("run-1");
    let head = {
        let store = Store::open(&path).expect("open");
        store.start_run(&new_run(&run)).expect("run");
        store
            .begin_unit(&new_unit(&run, "SN1", "reg-1"))
            .expect("unit");
        store.verify_audit().expect("verify").head
    };
    let conn = raw(&path);
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("v");
    assert_eq!(version, 15);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    drop(conn);

    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.verify_audit().expect("verify").head, head);
    assert_eq!(store.units(&UnitFilter::default()).expect("units").len(), 1);
    let conn = raw(&path);
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("v");
    assert_eq!(version, 15);
}

#[test]
fn a_database_from_a_newer_release_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("station.db");
    raw(&path)
        .pragma_update(None, "user_version", 99)
        .expect("set version");
    let err = Store::open(&path).expect_err("too new");
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                supported: 15
            }
        ),
        "{err:?}"
    );
}

#[test]
fn the_partial_unique_index_backs_the_duplicate_check() {
    let f = fixture();
    pass(&f, "SN1", "reg-1");
    let conn = raw(f.store.path());
    let err = conn
        .execute(
            "INSERT INTO units (run_id, slot, serial, registration_id, operator, station_id,
                 status, started_at)
             VALUES (?1, 0, 'SN1', 'reg-9', 'x', 'x', 'in_progress', '2026-01-01T00:00:00Z')",
            [f.run.as_str()],
        )
        .expect_err("unique index");
    assert!(err.to_string().contains("UNIQUE"), "{err}");
}

#[test]
fn caller_audit_entries_join_the_chain() {
    let f = fixture();
    let seq = f
        .store
        .audit_append(&AuditEntry {
            station_id: STATION.into(),
            actor: "bob".into(),
            kind: "operator.login".into(),
            subject: String::new(),
            detail: json!({ "role": "supervisor" }),
        })
        .expect("append");
    assert_eq!(seq, AuditSeq(2));
    let row = &f.store.audit_rows(1).expect("rows")[0];
    assert_eq!(row.actor, "bob");
    assert_eq!(row.detail["role"], "supervisor");
    assert_eq!(f.store.verify_audit().expect("verify").rows, 2);
}

#[test]
fn error_messages_follow_the_style() {
    let errors = [
        StoreError::Duplicate {
            field: DuplicateField::RegistrationId,
            value: "reg-1".into(),
            existing: UnitId(4),
            status: UnitStatus::Pass,
        },
        StoreError::UnknownUnit(UnitId(1)),
        StoreError::UnknownRun(RunId::from("r")),
        StoreError::RunExists(RunId::from("r")),
        StoreError::RunFinished(RunId::from("r")),
        StoreError::InvalidState {
            unit: UnitId(1),
            expected: UnitStatus::InProgress,
            found: UnitStatus::Pass,
        },
        StoreError::AuditChainBroken {
            seq: AuditSeq(7),
            reason: AuditBreak::HashMismatch,
        },
        StoreError::SchemaTooNew {
            found: 9,
            supported: 1,
        },
        StoreError::InvalidInput {
            field: "serial",
            reason: "must not be empty".into(),
        },
    ];
    for e in &errors {
        let text = e.to_string();
        let first = text.chars().next().expect("non-empty");
        assert!(!first.is_uppercase(), "{text}");
        assert!(!text.ends_with('.'), "{text}");
        assert!(e.code().starts_with("station::store::"), "{}", e.code());
    }
    assert_eq!(
        errors[0].to_string(),
        "registration id reg-1 already belongs to unit 4 (pass)"
    );
    assert_eq!(
        errors[6].to_string(),
        "audit chain broken at row 7: its content does not match its hash"
    );
}

#[test]
fn statuses_round_trip_through_their_strings() {
    for s in [
        UnitStatus::InProgress,
        UnitStatus::Pass,
        UnitStatus::Fail,
        UnitStatus::Interrupted,
        UnitStatus::Superseded,
    ] {
        assert_eq!(s.to_string().parse::<UnitStatus>().expect("parse"), s);
        assert_eq!(serde_json::to_value(s).expect("json"), json!(s.to_string()));
    }
    for s in [
        EnrollmentStatus::Queued,
        EnrollmentStatus::Uploaded,
        EnrollmentStatus::Conflict,
        EnrollmentStatus::Superseded,
    ] {
        assert_eq!(s.to_string().parse::<EnrollmentStatus>().expect("parse"), s);
        assert_eq!(serde_json::to_value(s).expect("json"), json!(s.to_string()));
    }
    assert!("nope".parse::<UnitStatus>().is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn random_appends_verify(
        entries in proptest::collection::vec(
            ("[a-z]{0,8}", "\\PC{0,12}", "[a-z.]{1,12}", "\\PC{0,12}", any::<i64>()),
            0..40,
        )
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("station.db")).expect("open");
        let mut last = None;
        for (station, actor, kind, subject, n) in &entries {
            let seq = store.audit_append(&AuditEntry {
                station_id: station.clone(),
                actor: actor.clone(),
                kind: kind.clone(),
                subject: subject.clone(),
                detail: json!({ "n": n, "text": subject }),
            }).expect("append");
            last = Some(seq);
        }
        let report = store.verify_audit().expect("verify");
        prop_assert_eq!(report.rows, entries.len() as u64);
        prop_assert_eq!(last.map_or(0, |s| s.0), entries.len() as i64);
        let rows = store.audit_rows(u32::MAX).expect("rows");
        prop_assert_eq!(rows.len(), entries.len());
        if let Some(newest) = rows.first() {
            prop_assert_eq!(newest.hash, report.head);
        }
    }
}

#[test]
fn debug_output_hides_enrollment_payloads() {
    let f = fixture();
    let secret = "c2VjcmV0LWRldmljZS1rZXk=";
    let id = f
        .store
        .begin_unit(&new_unit(&f.run, "SN1", "reg-1"))
        .expect("begin");
    let e = NewEnrollment {
        registration_id: "reg-1".into(),
        payload_json: json!({ "attestation": { "symmetricKey": { "primaryKey": secret } } })
            .to_string(),
        sealed: None,
    };
    assert!(!format!("{e:?}").contains(secret));
    f.store.finish_pass(id, &[], Some(&e)).expect("pass");
    let detail = f.store.unit(id).expect("unit").expect("exists");
    assert!(!format!("{detail:?}").contains(secret));
    assert!(
        detail
            .enrollment
            .expect("enrollment")
            .payload_json
            .contains(secret)
    );
    let rows = f.store.audit_rows(10).expect("rows");
    assert!(!format!("{rows:?}").contains(secret));
}

#[test]
fn registration_ids_collide_case_insensitively_as_in_dps() {
    let f = fixture();
    pass(&f, "SN-1", "dev-abc");
    let err = f
        .store
        .begin_unit(&new_unit(&f.run, "SN-2", "DEV-ABC"))
        .expect_err("DPS registration IDs are case-insensitive");
    assert!(matches!(
        err,
        StoreError::Duplicate {
            field: DuplicateField::RegistrationId,
            ..
        }
    ));
}

#[test]
fn a_refused_unit_is_recorded_with_its_serial_and_holds_nothing() {
    let f = fixture();
    let first = pass(&f, "SN-7", "dev-7");
    let again = new_unit(&f.run, "SN-7", "dev-7");
    assert!(f.store.begin_unit(&again).is_err());
    let refused = f
        .store
        .record_refused_unit(&again, &failure(), &steps(&["identify", "attest"], false))
        .expect("refused attempt recorded");
    let detail = f.store.unit(refused).unwrap().unwrap();
    assert_eq!(detail.summary.status, UnitStatus::Fail);
    assert_eq!(detail.summary.serial.as_deref(), Some("SN-7"));
    assert_eq!(detail.steps.len(), 2);
    assert!(detail.enrollment.is_none());
    // The original PASS still holds the serial.
    let held = f.store.unit(first).unwrap().unwrap();
    assert_eq!(held.summary.status, UnitStatus::Pass);
    assert_eq!(f.store.queue_depth().unwrap(), 1);
    assert!(
        audit_kinds(&f.store)
            .iter()
            .filter(|k| *k == "unit.fail")
            .count()
            == 1
    );
    f.store.verify_audit().expect("chain intact");
}

/// Many slots finishing at once share fsyncs (group commit); every PASS they were told about
/// is in the file when it is opened again.
#[test]
fn concurrent_passes_are_all_durable_after_group_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.db");
    let run = RunId::from("7d3f5e9a-0000-4000-8000-00000000000a");
    {
        let store = Arc::new(Store::open(&path).unwrap());
        store.start_run(&new_run(&run)).unwrap();
        let barrier = Arc::new(Barrier::new(16));
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let (store, barrier, run) = (Arc::clone(&store), Arc::clone(&barrier), run.clone());
                std::thread::spawn(move || {
                    let reg = format!("dev-{i}");
                    let id = store
                        .begin_unit(&new_unit(&run, &format!("SN-{i}"), &reg))
                        .unwrap();
                    barrier.wait();
                    store
                        .finish_pass(id, &steps(&["identify"], true), Some(&enrollment(&reg)))
                        .unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }
    let reopened = Store::open(&path).unwrap();
    let passed = reopened
        .units(&UnitFilter {
            status: Some(UnitStatus::Pass),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(passed.len(), 16);
    assert_eq!(reopened.queue_depth().unwrap(), 16);
    reopened.verify_audit().unwrap();
}

/// The v1 database in testdata/v1.sql, written by the v1 release, loaded into `path`.
fn v1_database(path: &Path) {
    let sql =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/v1.sql"))
            .expect("v1 dump");
    raw(path).execute_batch(&sql).expect("load v1 dump");
}

#[test]
fn a_v1_database_migrates_keeping_its_rows_and_audit_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("station.db");
    v1_database(&path);
    let version: u32 = raw(&path)
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("v");
    assert_eq!(version, 1);

    let store = Store::open(&path).expect("open migrates");
    let version: u32 = raw(&path)
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("v");
    assert!(version >= 4, "{version}");
    let report = store.verify_audit().expect("the v1 chain still verifies");
    assert_eq!(
        report.head.to_string(),
        "402c01ba80c89d34689532952b29a379a5202f9f373744b3cc52de76c716ec8e"
    );
    let stats = store.queue_stats().expect("stats");
    assert_eq!((stats.queued, stats.uploaded, stats.in_flight), (2, 1, 0));
    // The v2 columns work on v1 rows.
    let claimed = store.claim_enrollments(10).expect("claim");
    assert_eq!(claimed.len(), 2);
    assert_eq!(store.queue_stats().expect("stats").in_flight, 2);
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
        .expect("complete");
    assert_eq!(store.release_in_flight().expect("release"), 1);
    let mut n = 0;
    store
        .export_records::<StoreError>(
            &ExportFilter {
                work_order: Some("WO-V1".into()),
                ..ExportFilter::default()
            },
            |r| {
                assert!(r.payload_json.contains(r.registration_id));
                n += 1;
                Ok(())
            },
        )
        .expect("export");
    assert_eq!(n, 3);
    store.verify_audit().expect("verify after v2 writes");
    drop(store);
    // Opening again is a no-op.
    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.queue_stats().expect("stats").uploaded, 2);
}

#[test]
fn the_uploader_claims_completes_and_releases_batches() {
    let f = fixture();
    for i in 0..5 {
        pass(&f, &format!("SN{i}"), &format!("reg-{i}"));
    }
    let first = f.store.claim_enrollments(3).expect("claim");
    assert_eq!(
        first
            .iter()
            .map(|e| e.registration_id.as_str())
            .collect::<Vec<_>>(),
        ["reg-0", "reg-1", "reg-2"]
    );
    // Claimed rows are not handed out twice.
    let second = f.store.claim_enrollments(10).expect("claim");
    assert_eq!(second.len(), 2);
    let stats = f.store.queue_stats().expect("stats");
    assert_eq!((stats.queued, stats.in_flight), (5, 5));
    assert!(stats.oldest_queued_at.is_some());

    f.store
        .complete_uploads(
            "uploader",
            &[
                (
                    first[0].id,
                    UploadResult::Uploaded {
                        already_present: false,
                    },
                ),
                (
                    first[1].id,
                    UploadResult::Uploaded {
                        already_present: true,
                    },
                ),
                (
                    first[2].id,
                    UploadResult::Conflict {
                        reason: "different key".into(),
                    },
                ),
            ],
            station_store::Retention::Keep,
        )
        .expect("complete");
    // A retried batch recording `uploaded` again changes nothing.
    f.store
        .complete_uploads(
            "uploader",
            &[(
                first[0].id,
                UploadResult::Uploaded {
                    already_present: true,
                },
            )],
            station_store::Retention::Keep,
        )
        .expect("idempotent");
    f.store
        .release_enrollments(&[second[0].id], "503 from DPS")
        .expect("release");
    let stats = f.store.queue_stats().expect("stats");
    assert_eq!(
        (
            stats.queued,
            stats.in_flight,
            stats.uploaded,
            stats.conflicts
        ),
        (2, 1, 2, 1)
    );
    let released = f
        .store
        .enrollments(Some(EnrollmentStatus::Queued))
        .expect("list");
    assert_eq!(released[0].last_error.as_deref(), Some("503 from DPS"));
    assert_eq!(released[0].attempts, 1);
    // The queue screen's overview: the same counts, uploads in the window, the conflict and
    // the errors (the conflict's reason and the 503), newest first, at most `limit` each.
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let o = f.store.queue_overview(hour_ago, 10).expect("overview");
    assert_eq!((o.stats.queued, o.uploaded_since), (2, 2));
    assert_eq!(o.conflicts.len(), 1);
    assert_eq!(o.conflicts[0].registration_id, "reg-2");
    let errors: Vec<_> = o
        .last_errors
        .iter()
        .map(|e| e.last_error.as_deref())
        .collect();
    assert_eq!(errors, [Some("503 from DPS"), Some("different key")]);
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let o = f.store.queue_overview(later, 1).expect("overview");
    assert_eq!((o.uploaded_since, o.last_errors.len()), (0, 1));
    // A stopped uploader's claims come back.
    assert_eq!(f.store.release_in_flight().expect("release"), 1);
    assert_eq!(f.store.claim_enrollments(10).expect("claim").len(), 2);

    let kinds = audit_kinds(&f.store);
    assert_eq!(
        kinds.iter().filter(|k| *k == "enrollment.uploaded").count(),
        2
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "enrollment.conflict").count(),
        1
    );
    let conflict = f
        .store
        .enrollments(Some(EnrollmentStatus::Conflict))
        .expect("list");
    assert_eq!(conflict[0].last_error.as_deref(), Some("different key"));
    f.store.verify_audit().expect("verify");
}

#[test]
fn export_records_stream_by_work_order_time_and_status() {
    let f = fixture();
    for i in 0..4 {
        pass(&f, &format!("SN{i}"), &format!("reg-{i}"));
    }
    let all = f.store.enrollments(None).expect("list");
    let cut = all[2].created_at;
    let claimed = f.store.claim_enrollments(1).expect("claim");
    f.store
        .complete_uploads(
            "uploader",
            &[(claimed[0].id, UploadResult::Conflict { reason: "x".into() })],
            station_store::Retention::Keep,
        )
        .expect("conflict");

    let collect = |filter: &ExportFilter| {
        let mut ids = Vec::new();
        let n = f
            .store
            .export_records::<StoreError>(filter, |r| {
                assert_eq!(r.station_id, STATION);
                assert_eq!(r.work_order, Some("WO-1"));
                ids.push(r.registration_id.to_owned());
                Ok(())
            })
            .expect("export");
        assert_eq!(n as usize, ids.len());
        ids
    };
    // The default leaves the conflict out.
    assert_eq!(
        collect(&ExportFilter::default()),
        ["reg-1", "reg-2", "reg-3"]
    );
    assert_eq!(
        collect(&ExportFilter {
            from: Some(cut),
            ..ExportFilter::default()
        }),
        ["reg-2", "reg-3"]
    );
    assert_eq!(
        collect(&ExportFilter {
            to: Some(cut),
            statuses: vec![EnrollmentStatus::Conflict, EnrollmentStatus::Queued],
            ..ExportFilter::default()
        }),
        ["reg-0", "reg-1"]
    );
    assert!(
        collect(&ExportFilter {
            work_order: Some("WO-other".into()),
            ..ExportFilter::default()
        })
        .is_empty()
    );
    // An error from the callback stops the stream.
    let mut seen = 0;
    let err = f
        .store
        .export_records(&ExportFilter::default(), |_| {
            seen += 1;
            Err(StoreError::InvalidInput {
                field: "test",
                reason: "stop".into(),
            })
        })
        .expect_err("stops");
    assert!(matches!(err, StoreError::InvalidInput { .. }));
    assert_eq!(seen, 1);
}

/// The register check after PASS: an assignment is recorded and audited; a refusal turns the
/// unit FAIL at `register`, supersedes an enrollment that never reached DPS (so a rework can
/// queue its own), and is audited; a unit that is not PASS cannot be checked.
#[test]
fn a_register_check_is_recorded_and_a_refusal_fails_the_unit_for_rework() {
    use station_store::{EnrollmentStatus, RegisterCheck, UnitFailure, UnitStatus};
    let f = fixture();
    let step = |ok| steps(&["register"], ok).remove(0);
    let ok_unit = pass(&f, "SN1", "reg-1");
    f.store
        .record_register_check(
            ok_unit,
            &step(true),
            &RegisterCheck::Registered {
                assigned_hub: "hub-1.azure-devices.net".into(),
                device_id: "reg-1".into(),
            },
        )
        .unwrap();
    let detail = f.store.unit(ok_unit).unwrap().unwrap();
    assert_eq!(detail.summary.status, UnitStatus::Pass);
    assert!(matches!(
        detail.register_check.unwrap().check,
        RegisterCheck::Registered { .. }
    ));

    let refused = pass(&f, "SN2", "reg-2");
    let failure = UnitFailure {
        step: "register".into(),
        code: "station::register::not_uploaded".into(),
        message: "the unit's enrollment was not uploaded within 120 s".into(),
    };
    f.store
        .record_register_check(
            refused,
            &step(false),
            &RegisterCheck::Refused(failure.clone()),
        )
        .unwrap();
    let detail = f.store.unit(refused).unwrap().unwrap();
    assert_eq!(detail.summary.status, UnitStatus::Fail);
    assert_eq!(detail.summary.failed_step.as_deref(), Some("register"));
    assert_eq!(
        detail.enrollment.unwrap().status,
        EnrollmentStatus::Superseded
    );
    assert_eq!(detail.steps.last().unwrap().step, "register");
    // Checked once: the unit is no longer PASS.
    assert!(
        f.store
            .record_register_check(refused, &step(false), &RegisterCheck::Refused(failure))
            .is_err()
    );
    // The serial is free for a rework's new unit, and the chain holds both outcomes.
    pass(&f, "SN2", "reg-2");
    let kinds: Vec<String> = f
        .store
        .audit_rows(100)
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert!(kinds.iter().any(|k| k == "unit.registered"));
    assert!(kinds.iter().any(|k| k == "unit.register_refused"));
    f.store.verify_audit().unwrap();
}

/// The database holds every unit's symmetric key: a new one (and its folder, WAL and shared
/// memory) is private to the station's account, and one an older station left readable by
/// every user is tightened when it is opened.
#[cfg(unix)]
#[test]
fn the_database_is_private_and_an_open_one_is_tightened() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/station.db");
    let f = {
        let store = Store::open(&path).unwrap();
        let run = RunId("r-private".into());
        store.start_run(&new_run(&run)).unwrap();
        for file in Store::files(&path) {
            assert!(file.exists(), "{}", file.display());
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        store
    };
    drop(f);
    for file in Store::files(&path).iter().filter(|f| f.exists()) {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let _store = Store::open(&path).unwrap();
    for file in Store::files(&path).iter().filter(|f| f.exists()) {
        assert_eq!(mode(file), 0o600, "{} tightened", file.display());
    }
}

#[test]
fn reports_redact_device_keys_wherever_they_sit() {
    let payload = json!({
        "registrationId": "r-1",
        "attestation": { "type": "symmetricKey",
            "symmetricKey": { "primaryKey": "c2VjcmV0LTE=", "secondaryKey": "c2VjcmV0LTI=" } },
        "initialTwin": { "tags": { "primaryKey": null } }
    })
    .to_string();
    let red = station_store::redact_payload(&payload);
    assert!(!red.contains("c2VjcmV0"), "{red}");
    let v: serde_json::Value = serde_json::from_str(&red).unwrap();
    assert_eq!(
        v["attestation"]["symmetricKey"]["primaryKey"],
        station_store::REDACTED
    );
    assert_eq!(
        v["attestation"]["symmetricKey"]["secondaryKey"],
        station_store::REDACTED
    );
    assert_eq!(v["registrationId"], "r-1", "the rest is kept");
    assert!(
        v["initialTwin"]["tags"]["primaryKey"].is_null(),
        "null is not a secret"
    );
    assert_eq!(
        station_store::redact_payload("not json c2VjcmV0"),
        format!("\"{}\"", station_store::REDACTED)
    );
}

/// The Yield screen's failure reasons are a Pareto by error code and step: each bar labelled
/// with the code's plain title (never one unit's message with its serial), with its count and
/// share, most frequent first; the same code at two steps is two bars.
#[test]
fn failure_reasons_are_a_pareto_by_code_and_step_with_plain_titles() {
    let f = fixture();
    pass(&f, "SN-P", "reg-p");
    let fail = |serial: &str, step: &str, code: &str| {
        let id = f
            .store
            .begin_unit(&new_unit(&f.run, serial, &format!("reg-{serial}")))
            .unwrap();
        let failure = UnitFailure {
            step: step.into(),
            code: code.into(),
            message: format!("board {serial} did not answer"),
        };
        f.store
            .finish_fail(id, &steps(&["identify", step], false), &failure)
            .unwrap();
    };
    for i in 0..3 {
        fail(
            &format!("SN-T{i}"),
            "write-settings",
            "station::smp::timeout",
        );
    }
    fail("SN-T9", "identify", "station::smp::timeout");
    fail("SN-C", "issue", "station::x509::csr_bad_signature");
    fail("SN-C2", "issue", "station::x509::csr_bad_signature");
    let report = f.store.yield_report(&YieldFilter::default()).unwrap();
    assert_eq!((report.pass, report.fail), (1, 6));
    let bars: Vec<(&str, &str, u64)> = report
        .reasons
        .iter()
        .map(|r| (r.code.as_str(), r.step.as_str(), r.count))
        .collect();
    assert_eq!(
        bars,
        [
            ("station::smp::timeout", "write-settings", 3),
            ("station::x509::csr_bad_signature", "issue", 2),
            ("station::smp::timeout", "identify", 1),
        ]
    );
    let top = &report.reasons[0];
    assert!((top.share - 0.5).abs() < 1e-9, "{}", top.share);
    let total: f64 = report.reasons.iter().map(|r| r.share).sum();
    assert!((total - 1.0).abs() < 1e-9);
    assert_eq!(top.title, station_errors::title("station::smp::timeout"));
    assert_ne!(top.title, top.code, "the registry knows the code");
    for r in &report.reasons {
        assert!(
            !r.title.contains("SN-"),
            "a title names no unit: {}",
            r.title
        );
        assert!(
            r.message.contains("SN-"),
            "the newest example is kept for detail"
        );
    }
}

/// A unit's view lists the audit rows about its board, not rows about someone who shares the
/// subject: a board reporting a supervisor's operator ID as its serial does not list that
/// supervisor's logins.
#[test]
fn a_units_view_shows_only_rows_about_the_unit() {
    let f = fixture();
    f.store
        .audit_append(&station_store::AuditEntry {
            station_id: STATION.into(),
            actor: "S200".into(),
            kind: "operator.login".into(),
            subject: "S200".into(),
            detail: json!({ "role": "supervisor" }),
        })
        .unwrap();
    let unit = f
        .store
        .begin_unit(&new_unit(&f.run, "S200", "reg-s200"))
        .unwrap();
    let detail = f.store.unit(unit).unwrap().unwrap();
    let log = f.store.unit_log(&detail).unwrap();
    let audit: Vec<&str> = log
        .iter()
        .filter(|l| l.source.starts_with("audit"))
        .map(|l| l.text.as_str())
        .collect();
    assert!(
        audit.iter().any(|t| t.starts_with("unit.start")),
        "the unit's own rows are listed: {audit:?}"
    );
    assert!(
        audit.iter().all(|t| !t.starts_with("operator.")),
        "an operator's rows leaked into the unit's view: {audit:?}"
    );
}

#[test]
fn a_device_id_is_one_units_among_active_ones_and_is_freed_when_it_fails() {
    let f = fixture();
    let claims = |device_id| UnitClaims {
        device_id: Some(device_id),
        ..UnitClaims::default()
    };
    // `{model}-{serial}` with model "a-b", serial "c" and model "a", serial "b-c".
    let first = f
        .store
        .begin_unit_claiming(&new_unit(&f.run, "c", "reg-1"), &claims("a-b-c"))
        .unwrap();
    let err = f
        .store
        .begin_unit_claiming(&new_unit(&f.run, "b-c", "reg-2"), &claims("a-b-c"))
        .unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Duplicate {
                field: DuplicateField::DeviceId,
                existing,
                status: UnitStatus::InProgress,
                ..
            } if *existing == first
        ),
        "{err:?}"
    );
    // Device IDs are case-sensitive at the hub: another case is another device.
    f.store
        .begin_unit_claiming(&new_unit(&f.run, "C2", "reg-3"), &claims("A-B-C"))
        .unwrap();
    // A failed unit gives its device ID back.
    f.store.finish_fail(first, &[], &failure()).unwrap();
    f.store
        .begin_unit_claiming(&new_unit(&f.run, "b-c", "reg-2"), &claims("a-b-c"))
        .unwrap();
}

/// What a stolen database would yield: enrollments whose payload holds a device key are
/// counted (`station check --security`), X.509 ones are not.
#[test]
fn enrollments_holding_device_keys_are_counted() {
    let f = fixture();
    pass(&f, "SN1", "reg-1");
    assert_eq!(f.store.enrollments_holding_keys().unwrap(), 0);
    let id = f
        .store
        .begin_unit(&new_unit(&f.run, "SN2", "reg-2"))
        .unwrap();
    f.store
        .finish_pass(
            id,
            &[],
            Some(&NewEnrollment {
                registration_id: "reg-2".into(),
                payload_json: json!({
                    "registrationId": "reg-2",
                    "attestation": { "type": "symmetricKey",
                        "symmetricKey": { "primaryKey": "a2V5", "secondaryKey": "a2V5" } },
                })
                .to_string(),
                sealed: None,
            }),
        )
        .unwrap();
    assert_eq!(f.store.enrollments_holding_keys().unwrap(), 1);
}

/// Units found by any part of their serial, registration ID or work order, in any case, of
/// one status when asked; `%` and `_` are plain characters, not wildcards.
#[test]
fn units_are_found_by_part_of_their_serial_registration_id_or_work_order() {
    let f = fixture();
    let run = RunId::from("run-search");
    f.store.start_run(&new_run(&run)).unwrap();
    let a = f
        .store
        .begin_unit(&new_unit(&run, "SN-0042", "reg-a"))
        .unwrap();
    f.store.finish_pass(a, &[], None).unwrap();
    let mut b = new_unit(&run, "SN-0043", "reg_b%");
    b.work_order = Some("WO-77".into());
    let b = f.store.begin_unit(&b).unwrap();
    let found = |text: &str, status: Option<UnitStatus>| -> Vec<i64> {
        f.store
            .search_units(text, status, 100)
            .unwrap()
            .iter()
            .map(|u| u.id.0)
            .collect()
    };
    assert_eq!(found("004", None), vec![b.0, a.0], "newest first");
    assert_eq!(found("sn-0042", None), vec![a.0], "any case");
    assert_eq!(found("wo-77", None), vec![b.0], "by work order");
    assert_eq!(found("REG_B", None), vec![b.0], "by registration ID");
    assert_eq!(
        found("%", None),
        vec![b.0],
        "% is a character, not a wildcard"
    );
    assert_eq!(found("g_", None), vec![b.0], "_ is a character too");
    assert_eq!(found("004", Some(UnitStatus::Pass)), vec![a.0]);
    assert!(found("nothing-like-it", None).is_empty());
}
