//! The store across a power cut, on the power-cut filesystem (testbed/powercut-fs). The files
//! it writes beside the database are station-files', tested there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use powercut_fs::Mount;

/// The store made in a folder that did not exist: the folder, the database and what it
/// committed are there after the cut (SQLite syncs the folder when it makes the WAL; the
/// folders above it are the store's to sync).
#[test]
fn a_new_store_and_its_folders_survive_a_power_cut() {
    use station_store::{NewRun, RunId, Store};
    let dir = tempfile::tempdir().unwrap();
    let mut disk = Mount::new(&dir.path().join("disk")).unwrap();
    let db = disk.path().join("var/lib/station/station.db");
    let store = Store::open(&db).unwrap();
    store
        .start_run(&NewRun {
            id: RunId::from("run-before-the-cut"),
            station_id: "st-1".into(),
            operator: "tech".into(),
            work_order: None,
            config_path: "station.toml".into(),
        })
        .unwrap();
    drop(store);
    disk.cut().unwrap();
    let store = Store::open(&db).unwrap();
    store.verify_audit().unwrap();
    let rows = store.audit_rows(10).unwrap();
    assert!(
        rows.iter().any(|r| r.kind.starts_with("run.")),
        "the run's audit row was lost: {rows:?}"
    );
}
