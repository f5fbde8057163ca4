//! The station's files across a power cut, on the power-cut filesystem (testbed/powercut-fs):
//! what station-files writes, and the folders it makes, are still there after the cut, whole;
//! what it replaces is the old file or the new one. A file's own fsync does not make its name
//! durable; the folder's does.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt as _;

use powercut_fs::Mount;
use station_files as private_files;

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

/// A replaced file (a CRL, a CA certificate, an export manifest) is the new one after the cut,
/// never the old one or an empty one; the folders made for it are there too.
#[test]
fn a_replaced_file_is_the_new_one_after_a_power_cut() {
    let dir = tempfile::tempdir().unwrap();
    let mut disk = Mount::new(&dir.path().join("disk")).unwrap();
    let ca = disk.path().join("etc/station/ca");
    private_files::create_dir_all_synced(&ca).unwrap();
    let crl = ca.join("crl.pem");
    private_files::replace_public(&crl, b"first list").unwrap();
    disk.cut().unwrap();
    assert_eq!(std::fs::read(&crl).unwrap(), b"first list");
    private_files::replace_public(&crl, b"second list, one more revoked").unwrap();
    let manifest = ca.join("manifest.jws");
    private_files::replace(&manifest, b"signed").unwrap();
    disk.cut().unwrap();
    assert_eq!(
        std::fs::read(&crl).unwrap(),
        b"second list, one more revoked"
    );
    assert_eq!(std::fs::read(&manifest).unwrap(), b"signed");
    assert_eq!(
        std::fs::metadata(&manifest).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::read_dir(&ca).unwrap().count(),
        2,
        "no partial file left beside them"
    );
}
