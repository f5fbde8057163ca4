//! The CA key file across a power cut, on the power-cut filesystem (testbed/powercut-fs): the
//! encrypted key `station ca init` writes, in a folder made for it, is there after the cut and
//! opens with its passphrase. (This crate wrote it with its own copy of `write_new`, which
//! synced the file but never its name.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use powercut_fs::Mount;
use station_identity::pki::file::{self, KdfCost};

#[test]
fn a_ca_key_written_in_a_new_folder_survives_a_power_cut() {
    let dir = tempfile::tempdir().unwrap();
    let mut disk = Mount::new(&dir.path().join("disk")).unwrap();
    let key_path = disk.path().join("etc/station/ca/signing-ca.key.pem");
    let key = file::generate_key().unwrap();
    file::write_encrypted_key(&key, &key_path, b"passphrase", KdfCost::Low).unwrap();
    disk.cut().unwrap();
    let read = file::read_encrypted_key(&key_path, b"passphrase").unwrap();
    assert_eq!(read.public_key_raw(), key.public_key_raw());
}
