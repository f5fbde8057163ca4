//! The station's private files across a power cut, on the power-cut filesystem
//! (testbed/powercut-fs): what `private_files` writes, and the folders it makes, are still there
//! after the cut, whole. A file's own fsync does not make its name durable; the folder's does.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt as _;

use powercut_fs::Mount;
use station_store::private_files;

#[test]
fn a_private_file_and_the_folders_made_for_it_survive_a_power_cut() {
    let dir = tempfile::tempdir().unwrap();
    let mut disk = Mount::new(&dir.path().join("disk")).unwrap();
    let keys = disk.path().join("var/lib/station/keys");
    private_files::create_dir_all(&keys).unwrap();
    private_files::write_new(&keys.join("export.key"), b"a signing key").unwrap();
    private_files::write_new(&disk.path().join("passphrase"), b"first").unwrap();
    private_files::write(&disk.path().join("passphrase"), b"second").unwrap();
    disk.cut().unwrap();
    assert_eq!(
        std::fs::read(keys.join("export.key")).unwrap(),
        b"a signing key"
    );
    assert_eq!(
        std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(
        std::fs::read(disk.path().join("passphrase")).unwrap(),
        b"second"
    );
}

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
