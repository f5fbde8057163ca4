//! The power-cut filesystem through the kernel: each semantic it claims, shown with plain file
//! calls and with SQLite in WAL mode (shared writable mmap of `-shm`, POSIX locks, fsync through
//! another descriptor than the one that wrote). Needs `/dev/fuse` and root or `fusermount3`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

use powercut_fs::Mount;

fn mounted() -> (tempfile::TempDir, Mount) {
    let dir = tempfile::tempdir().unwrap();
    let mount = Mount::new(&dir.path().join("disk")).unwrap();
    (dir, mount)
}

/// fsync of a directory, as a program does it.
fn sync_dir(path: &Path) {
    File::open(path).unwrap().sync_all().unwrap();
}

fn read(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

#[test]
fn what_was_fsynced_survives_a_cut_and_what_was_not_is_lost_whole() {
    let (_dir, mut mount) = mounted();
    let root = mount.path().to_owned();
    let kept = root.join("kept");
    let mut f = File::create(&kept).unwrap();
    f.write_all(b"synced").unwrap();
    f.sync_all().unwrap();
    sync_dir(&root);
    f.write_all(b" and then some").unwrap();
    drop(f);
    assert_eq!(read(&kept).unwrap(), b"synced and then some");
    let report = mount.cut().unwrap();
    assert_eq!(read(&kept).unwrap(), b"synced");
    assert_eq!(report.files_reverted, 1);
    assert!(mount.sync_counts().fsync >= 1 && mount.sync_counts().fsyncdir >= 1);
}

#[test]
fn a_file_is_synced_through_any_of_its_descriptors() {
    let (_dir, mut mount) = mounted();
    let path = mount.path().join("wal");
    let mut writer = File::create(&path).unwrap();
    sync_dir(mount.path());
    writer.write_all(b"written by one descriptor").unwrap();
    // Another descriptor, as SQLite syncs its log.
    File::open(&path).unwrap().sync_data().unwrap();
    drop(writer);
    mount.cut().unwrap();
    assert_eq!(read(&path).unwrap(), b"written by one descriptor");
}

#[test]
fn a_new_name_needs_its_directory_synced() {
    let (_dir, mut mount) = mounted();
    let root = mount.path().to_owned();
    std::fs::create_dir(root.join("exports")).unwrap();
    sync_dir(&root);
    let batch = root.join("exports/batch-1.json");
    let mut f = File::create(&batch).unwrap();
    f.write_all(b"{}").unwrap();
    f.sync_all().unwrap();
    drop(f);
    mount.cut().unwrap();
    assert!(
        !batch.exists(),
        "a name in a directory never synced survived the cut"
    );

    let mut f = File::create(&batch).unwrap();
    f.write_all(b"{}").unwrap();
    f.sync_all().unwrap();
    sync_dir(&root.join("exports"));
    drop(f);
    mount.cut().unwrap();
    assert_eq!(read(&batch).unwrap(), b"{}");

    // A directory made and never synced into its parent is lost with all it holds.
    std::fs::create_dir(root.join("new")).unwrap();
    std::fs::write(root.join("new/file"), b"x").unwrap();
    File::open(root.join("new/file"))
        .unwrap()
        .sync_all()
        .unwrap();
    sync_dir(&root.join("new"));
    mount.cut().unwrap();
    assert!(!root.join("new").exists());
}

#[test]
fn an_unsynced_rename_and_unlink_are_undone() {
    let (_dir, mut mount) = mounted();
    let root = mount.path().to_owned();
    std::fs::write(root.join("current"), b"old").unwrap();
    std::fs::write(root.join("next.tmp"), b"new").unwrap();
    std::fs::write(root.join("doomed"), b"d").unwrap();
    mount.sync_all();
    std::fs::rename(root.join("next.tmp"), root.join("current")).unwrap();
    std::fs::remove_file(root.join("doomed")).unwrap();
    assert_eq!(read(&root.join("current")).unwrap(), b"new");
    mount.cut().unwrap();
    assert_eq!(read(&root.join("current")).unwrap(), b"old");
    assert_eq!(read(&root.join("next.tmp")).unwrap(), b"new");
    assert_eq!(read(&root.join("doomed")).unwrap(), b"d");

    std::fs::rename(root.join("next.tmp"), root.join("current")).unwrap();
    sync_dir(&root);
    mount.cut().unwrap();
    assert_eq!(read(&root.join("current")).unwrap(), b"new");
    assert!(!root.join("next.tmp").exists());
}

#[test]
fn inode_numbers_and_modes_stay_across_a_cut() {
    let (_dir, mut mount) = mounted();
    let path = mount.path().join("key");
    std::fs::write(&path, b"k").unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    mount.sync_all();
    let before = std::fs::metadata(&path).unwrap();
    mount.cut().unwrap();
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(before.ino(), after.ino());
    assert_eq!(after.mode() & 0o777, 0o600);
}

#[test]
fn a_file_unlinked_while_open_lives_on_for_its_descriptor() {
    let (_dir, mount) = mounted();
    let path = mount.path().join("scratch");
    let mut f = OpenOptions::new()
        .create_new(true)
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    f.write_all(b"still usable").unwrap();
    f.seek(SeekFrom::Start(0)).unwrap();
    let mut back = String::new();
    f.read_to_string(&mut back).unwrap();
    assert_eq!(back, "still usable");
    assert!(!path.exists());
}

#[test]
fn a_descriptor_that_outlives_the_cut_cannot_write_to_the_new_disk() {
    let (_dir, mut mount) = mounted();
    let path = mount.path().join("f");
    std::fs::write(&path, b"before").unwrap();
    mount.sync_all();
    let mut zombie = OpenOptions::new().write(true).open(&path).unwrap();
    mount.cut().unwrap();
    let late = zombie
        .write_all(b"after the cut")
        .and_then(|()| zombie.sync_all());
    assert!(late.is_err(), "a write through the old mount was accepted");
    drop(zombie);
    assert_eq!(read(&path).unwrap(), b"before");
}

#[test]
fn sqlite_in_wal_mode_keeps_what_it_committed_with_a_full_sync() {
    let (_dir, mut mount) = mounted();
    let db = mount.path().join("station.db");
    let open = || {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "journal_mode", "WAL").unwrap();
        c
    };
    {
        let c = open();
        c.pragma_update(None, "synchronous", "FULL").unwrap();
        c.execute_batch(
            "CREATE TABLE units (serial TEXT PRIMARY KEY); INSERT INTO units VALUES ('A'), ('B');",
        )
        .unwrap();
        // A second connection reads through the shared-memory index (mmap of -shm) and locks.
        let reader = open();
        let n: i64 = reader
            .query_row("SELECT COUNT(*) FROM units", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
        c.pragma_update(None, "synchronous", "OFF").unwrap();
        c.execute("INSERT INTO units VALUES ('unsynced')", [])
            .unwrap();
    }
    mount.cut().unwrap();
    let c = open();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let serials: Vec<String> = c
        .prepare("SELECT serial FROM units ORDER BY serial")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        serials,
        ["A", "B"],
        "the FULL commits survive, the OFF one is lost"
    );
}
