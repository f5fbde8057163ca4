//! A filesystem for tests that can lose power.
//!
//! [`Mount::new`] mounts an empty filesystem (FUSE, served by this process) at a directory.
//! Everything written to it is visible at once, as on any filesystem; what a disk would keep
//! after a power cut is tracked per inode: a file's data once it is fsynced (through any
//! descriptor), a directory's entries (create, rename, unlink, link) once the directory is
//! fsynced. [`Mount::cut`] is the power cut: the unsynced layer is thrown away, the kernel's
//! mount (and with it the page cache that still holds the lost data) is dropped and a new one
//! made over what is left. Unsynced writes are lost whole: no torn writes.
//!
//! The "disk" is this process's memory (the daemon outlives every process it serves, as a disk
//! outlives a PC's programs); inode numbers are kept across cuts, locks stay in the kernel, a
//! file unlinked while open lives on for its descriptors. Every process that had files open on
//! the mount must be gone before a cut: a request still arriving through the old mount is
//! refused (`EIO`), never applied.
//!
//! Mounting needs `/dev/fuse` and either root (the mount system call) or `fusermount3` (the
//! `fuse3` package).
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod fs;
pub mod model;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use model::{CutReport, SyncCounts};

use crate::fs::{Served, Shared};

/// A mounted power-cut filesystem; unmounted when dropped.
pub struct Mount {
    path: PathBuf,
    shared: Arc<Mutex<Shared>>,
    session: Option<fuser::BackgroundSession>,
}

impl std::fmt::Debug for Mount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mount")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Mount {
    /// Mounts an empty filesystem at `path` (made if missing), owned by this process's user.
    pub fn new(path: &Path) -> std::io::Result<Mount> {
        std::fs::create_dir_all(path)?;
        let (uid, gid) = owner(path);
        let shared = Arc::new(Mutex::new(Shared {
            model: model::Model::new(uid, gid),
            generation: 0,
        }));
        let mut mount = Mount {
            path: path.to_owned(),
            shared,
            session: None,
        };
        mount.attach()?;
        Ok(mount)
    }

    /// Where it is mounted.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn attach(&mut self) -> std::io::Result<()> {
        let generation = self.lock().generation;
        let served = Served {
            shared: Arc::clone(&self.shared),
            generation,
        };
        let options = [
            fuser::MountOption::FSName("powercut".into()),
            fuser::MountOption::Subtype("powercut".into()),
        ];
        self.session = Some(fuser::spawn_mount2(served, &self.path, &options)?);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes everything durable, as a clean shutdown would (a test's setup before its cuts).
    pub fn sync_all(&self) {
        self.lock().model.sync_all();
    }

    /// How many `fsync`s of files and directories the mount has served.
    pub fn sync_counts(&self) -> SyncCounts {
        self.lock().model.sync_counts()
    }

    /// The power cut: every process using the mount must be gone. Unsynced data and entries
    /// are lost; the mount is made again over what a disk would hold.
    pub fn cut(&mut self) -> std::io::Result<CutReport> {
        let report = {
            let mut shared = self.lock();
            shared.generation += 1;
            shared.model.cut()
        };
        self.detach();
        self.attach()?;
        Ok(report)
    }

    /// Unmounts lazily: the path is free at once, and the kernel drops the old mount (and its
    /// page cache) once nothing holds it. fuser's own unmount is not lazy: with a descriptor
    /// still open it fails, and the new mount would go on top of the old one.
    fn detach(&mut self) {
        if self.session.is_none() {
            return;
        }
        let detached = rustix::mount::unmount(&self.path, rustix::mount::UnmountFlags::DETACH)
            .is_ok()
            || std::process::Command::new("fusermount3")
                .arg("-uz")
                .arg(&self.path)
                .status()
                .is_ok_and(|s| s.success());
        if !detached {
            eprintln!("powercut-fs: could not unmount {}", self.path.display());
        }
        drop(self.session.take());
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        self.lock().generation += 1;
        self.detach();
    }
}

/// The owner of `path`, for the new filesystem's root.
fn owner(path: &Path) -> (u32, u32) {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(path).map_or((0, 0), |m| (m.uid(), m.gid()))
}
