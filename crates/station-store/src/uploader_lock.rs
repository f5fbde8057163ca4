//! The uploader's lock beside the database (`<database>.upload.lock`): the uploader holds it
//! (an exclusive `flock`) for as long as it runs, so only one drains a database, and anyone
//! can tell whether one is running — the desktop app's Queue screen says so.

use std::fs::File;
use std::path::{Path, PathBuf};

/// The uploader lock file of the database `db`.
pub fn path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".upload.lock");
    PathBuf::from(name)
}

/// Whether an uploader holds `db`'s lock now (a running `station upload`). A lock file that
/// does not exist, or that nobody holds, is `false`: the operating system releases the lock
/// when its holder dies.
pub fn held(db: &Path) -> std::io::Result<bool> {
    let file = match File::open(path(db)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    match file.try_lock_shared() {
        Ok(()) => Ok(false),
        Err(std::fs::TryLockError::WouldBlock) => Ok(true),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_held_lock_says_an_uploader_runs_and_a_released_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("station.db");
        assert!(!held(&db).unwrap(), "no lock file: no uploader");
        let holder = File::create(path(&db)).unwrap();
        assert!(!held(&db).unwrap(), "a file nobody holds");
        holder.lock().unwrap();
        assert!(held(&db).unwrap());
        drop(holder);
        assert!(!held(&db).unwrap(), "released when its holder goes");
    }
}
