//! TPM units: the EK hash is claimed with the serial and registration ID, a TPM is never in two
//! units (unless the same board is reworked), and the migration that adds it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use station_store::{
    DuplicateField, NewRun, NewUnit, RunId, Store, StoreError, UnitFailure, UnitFilter, UnitStatus,
};

const EK_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const EK_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn run(store: &Store, id: &str) -> RunId {
    let run = RunId::from(id);
    store
        .start_run(&NewRun {
            id: run.clone(),
            station_id: "st1".into(),
            operator: "alice".into(),
            work_order: None,
            config_path: "/etc/station.toml".into(),
        })
        .unwrap();
    run
}

fn new_unit(run: &RunId, serial: &str, reg: &str, rework: bool) -> NewUnit {
    NewUnit {
        run_id: run.clone(),
        slot: 1,
        serial: serial.into(),
        product: "tpm".into(),
        registration_id: reg.into(),
        attestation: "tpm".into(),
        work_order: None,
        operator: "alice".into(),
        station_id: "st1".into(),
        identity_json: None,
        rework,
    }
}

#[test]
fn an_ek_already_in_a_unit_is_a_duplicate_tpm_unless_the_same_board_is_reworked() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let r = run(&store, "r1");
    let first = store
        .begin_tpm_unit(&new_unit(&r, "S1", "reg-1", false), EK_A)
        .unwrap();
    store.finish_pass(first, &[], None).unwrap();

    // Another board (another serial and registration ID) with the same EK: a cloned TPM.
    let err = store
        .begin_tpm_unit(&new_unit(&r, "S2", "reg-2", false), EK_A)
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Duplicate { field: DuplicateField::EndorsementKey, existing, status: UnitStatus::Pass, .. } if *existing == first),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("TPM endorsement key "), "{err}");
    // A rework of another board does not take the TPM either.
    assert!(matches!(
        store.begin_tpm_unit(&new_unit(&r, "S2", "reg-2", true), EK_A),
        Err(StoreError::Duplicate {
            field: DuplicateField::EndorsementKey,
            ..
        })
    ));
    // Upper-case hex is the same EK.
    assert!(
        store
            .begin_tpm_unit(&new_unit(&r, "S3", "reg-3", false), &EK_A.to_uppercase())
            .is_err()
    );
    assert!(matches!(
        store.begin_tpm_unit(&new_unit(&r, "S3", "reg-3", false), "abc"),
        Err(StoreError::InvalidInput { .. })
    ));

    // Without rework the same board is refused (by serial); with rework it supersedes itself.
    assert!(
        store
            .begin_tpm_unit(&new_unit(&r, "S1", "reg-1", false), EK_A)
            .is_err()
    );
    let again = store
        .begin_tpm_unit(&new_unit(&r, "S1", "reg-1", true), EK_A)
        .unwrap();
    store.finish_pass(again, &[], None).unwrap();
    let old = store.unit(first).unwrap().unwrap();
    assert_eq!(old.summary.status, UnitStatus::Superseded);

    // A failed unit releases its EK.
    let b = store
        .begin_tpm_unit(&new_unit(&r, "S4", "reg-4", false), EK_B)
        .unwrap();
    let failure = UnitFailure {
        step: "verify".into(),
        code: "x".into(),
        message: "m".into(),
    };
    store.finish_fail(b, &[], &failure).unwrap();
    store
        .begin_tpm_unit(&new_unit(&r, "S5", "reg-5", false), EK_B)
        .unwrap();

    // A board whose TPM could not be read is recorded with its serial and no registration ID.
    let refused = store
        .record_refused_unit(&new_unit(&r, "S6", "", false), &failure, &[])
        .unwrap();
    let detail = store.unit(refused).unwrap().unwrap();
    assert_eq!(detail.summary.serial.as_deref(), Some("S6"));
    assert_eq!(detail.summary.registration_id, None);
    store.verify_audit().unwrap();
}

#[test]
fn a_v1_database_gains_the_ek_column_and_its_units_have_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let source = include_str!("../src/schema.rs");
        let start = source.find("const V1: &str = r\"").unwrap() + "const V1: &str = r\"".len();
        let end = start + source[start..].find("\";").unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&source[start..end]).unwrap();
        conn.execute_batch(
            "INSERT INTO runs (id, station_id, operator, work_order, config_path, started_at)
             VALUES ('old-run', 'st1', 'bob', NULL, '/c.toml', '2025-01-01T00:00:00.000000Z');
             INSERT INTO units (run_id, slot, serial, product, registration_id, attestation,
                 work_order, operator, station_id, status, started_at, finished_at)
             VALUES ('old-run', 1, 'OLD1', 'p', 'old-1', 'tpm', NULL, 'bob', 'st1',
                 'pass', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:01.000000Z');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let ek: Option<String> = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT ek_sha256 FROM units WHERE serial = 'OLD1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ek, None);
    assert_eq!(store.units(&UnitFilter::default()).unwrap().len(), 1);
    let r = run(&store, "new");
    store
        .begin_tpm_unit(&new_unit(&r, "NEW1", "new-1", false), EK_A)
        .unwrap();
    let bad = rusqlite::Connection::open(&path).unwrap().execute(
        "UPDATE units SET ek_sha256 = 'short' WHERE serial = 'NEW1'",
        [],
    );
    assert!(bad.is_err(), "the column checks its length");
}
