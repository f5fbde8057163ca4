//! Removable drives a kiosk can export onto: a filesystem mounted below one of
//! `kiosk.removable_media` (udisks puts USB sticks under `/run/media/<user>/<label>`,
//! usbmount under `/media/usb0`). The list comes from the kernel's own mount table
//! (`/proc/self/mountinfo`), so a plain directory under `/media` is not mistaken for a stick,
//! and whatever is written there is flushed before the technician is told to pull it.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// One mounted removable drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drive {
    /// Its mount point.
    pub path: PathBuf,
    /// What the technician reads: the mount point's last component (the volume label).
    pub label: String,
}

/// The drives mounted below `roots`, as the kernel lists them now.
pub fn drives(roots: &[PathBuf]) -> Vec<Drive> {
    let table = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    drives_in(&table, roots)
}

/// [`drives`] over a mount table's text.
pub fn drives_in(mountinfo: &str, roots: &[PathBuf]) -> Vec<Drive> {
    let mut out: Vec<Drive> = mount_points(mountinfo)
        .into_iter()
        .filter(|p| roots.iter().any(|r| p.starts_with(r) && p != r))
        .map(|path| Drive {
            label: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            path,
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    out
}

/// The mount points of a `/proc/self/mountinfo` text (field 5, octal escapes undone).
fn mount_points(mountinfo: &str) -> Vec<PathBuf> {
    mountinfo
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| PathBuf::from(unescape(p)))
        .collect()
}

/// Undoes the kernel's `\ooo` escapes (space, tab, newline, backslash).
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)))
            .map(|d| d.iter().fold(0u32, |v, c| v * 8 + u32::from(c - b'0')));
        match octal.and_then(|v| u8::try_from(v).ok()) {
            Some(v) => {
                out.push(v);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Copies `src` (a file, or a directory and everything below it) into `into`, under its own
/// name; returns the copy's path. An existing copy is refused, never overwritten.
pub fn copy_tree(src: &Path, into: &Path) -> io::Result<PathBuf> {
    let name = src
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "nothing to copy"))?;
    let dst = into.join(name);
    if src.is_dir() {
        std::fs::create_dir(&dst)?;
        for entry in std::fs::read_dir(src)? {
            copy_tree(&entry?.path(), &dst)?;
        }
    } else {
        let mut from = File::open(src)?;
        let mut to = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&dst)?;
        io::copy(&mut from, &mut to)?;
    }
    Ok(dst)
}

/// Flushes `path` to the device: every file below it, each directory, then `path`'s parent
/// (which holds its name). What a technician pulls out after this has the whole batch.
pub fn sync_tree(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        for entry in std::fs::read_dir(path)? {
            sync_tree(&entry?.path())?;
        }
    }
    File::open(path)?.sync_all()?;
    if let Some(parent) = path.parent() {
        File::open(parent)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "\
22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
45 22 0:40 / /media rw - tmpfs none rw
46 45 8:17 / /media/usb0 rw,nosuid - vfat /dev/sdb1 rw
47 22 8:33 / /run/media/tess/LINE\\0403\\040BATCHES rw,nosuid - exfat /dev/sdc1 rw
48 22 0:41 / /mnt/other rw - tmpfs none rw
";

    #[test]
    fn lists_what_is_mounted_below_the_roots_and_nothing_else() {
        let roots = [PathBuf::from("/media"), PathBuf::from("/run/media")];
        let found = drives_in(TABLE, &roots);
        assert_eq!(
            found,
            [
                Drive {
                    path: "/media/usb0".into(),
                    label: "usb0".into()
                },
                Drive {
                    path: "/run/media/tess/LINE 3 BATCHES".into(),
                    label: "LINE 3 BATCHES".into()
                },
            ],
            "the root itself (/media on tmpfs) and mounts elsewhere are not drives"
        );
        assert!(drives_in(TABLE, &[PathBuf::from("/srv")]).is_empty());
    }

    #[test]
    fn a_batch_is_copied_whole_and_never_over_an_existing_one() {
        let dir = tempfile::tempdir().unwrap();
        let batch = dir.path().join("st-1-batch");
        std::fs::create_dir_all(batch.join("certs")).unwrap();
        std::fs::write(batch.join("manifest.json"), b"{}").unwrap();
        std::fs::write(batch.join("certs/a.pem"), b"PEM").unwrap();
        let stick = dir.path().join("stick");
        std::fs::create_dir(&stick).unwrap();
        let copy = copy_tree(&batch, &stick).unwrap();
        sync_tree(&copy).unwrap();
        assert_eq!(std::fs::read(copy.join("certs/a.pem")).unwrap(), b"PEM");
        assert_eq!(std::fs::read(copy.join("manifest.json")).unwrap(), b"{}");
        let again = copy_tree(&batch, &stick).unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
    }
}
