//! The station's files on disk: private when they hold secrets, durable when they are written.
//!
//! **Durable.** Every write here is synced with its name: the file's data (`fsync`), then the
//! folder that holds it, and each folder made on the way into its parent, because on Linux a
//! file's own fsync does not make a new name, a rename or a removal durable. After a power cut
//! a file written here is there, whole; one replaced ([`replace_public`]) is the old one or
//! the new one, never a mix or an empty file (docs/crash-safety.md, "Power cuts").
//!
//! **Private.** Files that hold secrets are created private, tightened when found open, and
//! checked.
//!
//! An export batch holds every enrollment, a key file a private key. Such a file is created
//! `0600` (a folder of them `0700`); when its group is `station` (the Debian package's group of
//! the kiosk and the uploader) or `station-upload` (the uploader's own, for its connection
//! string and identity), `0640` and `0750`, so the group may read. The station database, which
//! the kiosk and the uploader both write (its device keys are sealed), may be `0660` in the
//! `station` group ([`Sharing::Database`]). A file found more open than that is tightened to
//! it, and [`exposure`] says what is wrong with one for `station check`.
//!
//! Only on Unix; elsewhere the functions create and open files with the platform's defaults.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::Path;

/// The group whose members may read the station's private files (the Debian package makes it).
pub const STATION_GROUP: &str = "station";

/// The uploader's own group: its connection string and identity are readable by it alone.
pub const UPLOAD_GROUP: &str = "station-upload";

/// Who besides the owner may use a private file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// The owner; its group may read when it is `station` or `station-upload`.
    Private,
    /// The station database and its -wal and -shm: the `station` group may also write, so the
    /// kiosk and the uploader (two accounts) share it.
    Database,
}

/// Creates `path` afresh for writing with owner-only permissions, replacing whatever is there.
/// The parent folder must exist.
///
/// Never through a link: an existing entry (a file, or a symbolic link another user planted to
/// make the station overwrite its target) is removed, not opened, and the new file is created
/// exclusively (`O_CREAT|O_EXCL`, which does not follow a link either), so a link that appears
/// in between fails the call instead of being followed.
pub fn create(path: &Path) -> io::Result<File> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("{} is a directory", path.display()),
            ));
        }
        Ok(_) => std::fs::remove_file(path)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    create_new(path)
}

/// Like [`create`], but fails if `path` exists.
pub fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    private_mode(&mut options);
    options.open(path)
}

/// Writes `bytes` to `path` (created or replaced, private) and syncs it, and its name into
/// its folder: after a power cut the file is there, whole.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    fill_synced(create(path)?, path, bytes)
}

/// Writes `bytes` to a new private file at `path` and syncs it and its name, as [`write()`].
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    fill_synced(create_new(path)?, path, bytes)
}

/// Replaces `path` with `bytes` atomically and durably, private as [`create`] makes it: written
/// to a partial file beside it (`<path>.<pid>-<n>.partial`, created exclusively, never through a
/// link) and synced, renamed over `path`, the folder synced. A kill or a power cut at any
/// instant leaves the old file or the new one, whole (and perhaps a partial one); two
/// processes replacing one file never share a partial file.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_with(path, bytes, create_new)
}

/// As [`replace`], with the usual permissions: for a file others read (a CA certificate, a
/// CRL).
pub fn replace_public(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_with(path, bytes, |p| {
        OpenOptions::new().write(true).create_new(true).open(p)
    })
}

fn replace_with(
    path: &Path,
    bytes: &[u8],
    open: impl FnOnce(&Path) -> io::Result<File>,
) -> io::Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut partial = path.as_os_str().to_owned();
    partial.push(format!(
        ".{}-{}.partial",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let partial = std::path::PathBuf::from(partial);
    let written = (|| {
        let mut file = open(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&partial, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    sync_parent(path)
}

/// Writes `bytes` into `file` (just made at `path`), syncs it, then its name.
fn fill_synced(mut file: File, path: &Path, bytes: &[u8]) -> io::Result<()> {
    file.write_all(bytes)?;
    file.sync_all()?;
    sync_parent(path)
}

/// Fsyncs the folder holding `path`, which makes its entries (a new name, a rename, a
/// removal) durable: a file's own fsync does not (Linux, POSIX).
pub fn sync_parent(path: &Path) -> io::Result<()> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => sync_dir(parent),
        None => sync_dir(Path::new(".")),
    }
}

/// Fsyncs the folder `dir` itself (its entries).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` owner-only (its missing parents get the usual permissions: a private
/// folder may sit in a shared one). An existing `dir` is left as it is (use [`tighten`] on
/// one the station owns). Each folder it makes is synced into its parent: after a power cut,
/// `dir` is still there.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        create_dir_all_synced(parent)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    match builder.create(dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
        Ok(()) => sync_parent(dir),
    }
}

/// `std::fs::create_dir_all` with the usual permissions, each folder it makes synced into its
/// parent (the station's data folder, say: after a power cut it is still there).
pub fn create_dir_all_synced(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_all_synced(parent)?;
    }
    match std::fs::create_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
        Ok(()) => sync_parent(dir),
    }
}

/// What is wrong with a private file's permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// Its permission bits now, e.g. `0o644`.
    pub mode: u32,
    /// The bits it should have, e.g. `0o600`.
    pub wanted: u32,
    /// Who can read it that should not, e.g. "every user on the PC".
    pub readers: &'static str,
}

impl Exposure {
    /// The technician's wording: "mode 0644 (every user on the PC can read it; wanted 0600)".
    pub fn describe(&self) -> String {
        format!(
            "mode {:04o} ({} can read it; wanted {:04o})",
            self.mode, self.readers, self.wanted
        )
    }
}

/// Whether `path` (a file or folder holding secrets) is more open than it should be. `None`
/// when it is private, or does not exist.
pub fn exposure(path: &Path) -> io::Result<Option<Exposure>> {
    exposure_as(path, Sharing::Private)
}

/// [`exposure`] for a file shared as `sharing` says.
pub fn exposure_as(path: &Path, sharing: Sharing) -> io::Result<Option<Exposure>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mode = meta.mode() & 0o777;
        let wanted = wanted_mode(meta.is_dir(), meta.gid(), sharing);
        // Anything the owner has is fine; beyond the owner, only what `wanted` grants.
        let extra = mode & !wanted & 0o077;
        if extra == 0 {
            return Ok(None);
        }
        let readers = if extra & 0o007 != 0 {
            "every user on the PC"
        } else {
            "its group"
        };
        Ok(Some(Exposure {
            mode,
            wanted: (mode & 0o700) | (wanted & 0o077),
            readers,
        }))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, sharing);
        Ok(None)
    }
}

/// Takes away from `path` every permission beyond its owner (and, for the `station` group,
/// group read). Returns the exposure it fixed, if any.
pub fn tighten(path: &Path) -> io::Result<Option<Exposure>> {
    tighten_as(path, Sharing::Private)
}

/// [`tighten`] for a file shared as `sharing` says.
pub fn tighten_as(path: &Path, sharing: Sharing) -> io::Result<Option<Exposure>> {
    let found = exposure_as(path, sharing)?;
    #[cfg(unix)]
    if let Some(e) = &found {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(e.wanted))?;
        tracing::warn!(path = %path.display(), was = format!("{:04o}", e.mode),
            now = format!("{:04o}", e.wanted), "tightened a file that holds secrets");
    }
    Ok(found)
}

/// The most a private file or folder may grant: owner only, plus group read (and, for a
/// folder, search) when its group is `station` or `station-upload`, plus group write for the
/// shared database in the `station` group.
#[cfg(unix)]
fn wanted_mode(is_dir: bool, gid: u32, sharing: Sharing) -> u32 {
    let station = group_id(STATION_GROUP) == Some(gid);
    let group = station || group_id(UPLOAD_GROUP) == Some(gid);
    match (is_dir, group) {
        (false, _) if station && sharing == Sharing::Database => 0o660,
        (false, false) => 0o600,
        (false, true) => 0o640,
        (true, false) => 0o700,
        (true, true) => 0o750,
    }
}

/// A group's ID, from `/etc/group`.
#[cfg(unix)]
pub fn group_id(name: &str) -> Option<u32> {
    let groups = std::fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next() == Some(name))
            .then(|| fields.nth(1)?.parse().ok())
            .flatten()
    })
}

/// Creates the database file `path` afresh: `0660` when its folder belongs to the `station`
/// group (the package's `/var/lib/station`, setgid, so the file is the group's too and the
/// kiosk and the uploader share it), else owner-only. Fails if it exists.
pub fn create_new_database(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let shared =
            std::fs::metadata(folder).is_ok_and(|m| group_id(STATION_GROUP) == Some(m.gid()));
        options.mode(if shared { 0o660 } else { 0o600 });
        let file = options.open(path)?;
        if shared {
            // Whatever the umask of the account that made it: the other one must write it.
            use std::os::unix::fs::PermissionsExt as _;
            file.set_permissions(std::fs::Permissions::from_mode(0o660))?;
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

fn private_mode(options: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = options;
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_are_created_private_and_open_ones_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        create_dir_all(&sub).unwrap();
        assert_eq!(mode(&sub), 0o700);
        assert_ne!(
            mode(&dir.path().join("a")) & 0o005,
            0,
            "a parent stays traversable by others (a shared folder may hold a private one)"
        );

        let new = sub.join("new");
        write_new(&new, b"secret").unwrap();
        assert_eq!(mode(&new), 0o600);
        assert!(exposure(&new).unwrap().is_none());
        assert!(write_new(&new, b"again").is_err(), "create_new refuses");

        let open = sub.join("open");
        std::fs::write(&open, b"x").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = exposure(&open).unwrap().expect("0644 is exposed");
        assert_eq!((e.mode, e.wanted), (0o644, 0o600));
        assert_eq!(e.readers, "every user on the PC");
        assert!(e.describe().contains("0644"), "{}", e.describe());
        assert_eq!(tighten(&open).unwrap(), Some(e));
        assert_eq!(mode(&open), 0o600);
        assert_eq!(tighten(&open).unwrap(), None, "nothing left to fix");

        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o640)).unwrap();
        if group_id(STATION_GROUP).is_none() && group_id(UPLOAD_GROUP).is_none() {
            assert_eq!(exposure(&open).unwrap().unwrap().readers, "its group");
        }
        // `create` tightens a file it truncates.
        drop(create(&open).unwrap());
        assert_eq!(mode(&open), 0o600);
        assert!(exposure(&dir.path().join("missing")).unwrap().is_none());
    }

    /// Another user plants a link where the station writes a partial file: the station
    /// replaces the link and never writes through it.
    #[test]
    fn create_never_writes_through_a_symbolic_link() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep me").unwrap();
        let partial = dir.path().join("batch.partial");
        std::os::unix::fs::symlink(&victim, &partial).unwrap();
        let mut f = create(&partial).unwrap();
        f.write_all(b"export bytes").unwrap();
        drop(f);
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
        assert!(!std::fs::symlink_metadata(&partial).unwrap().is_symlink());
        assert_eq!(std::fs::read(&partial).unwrap(), b"export bytes");
        assert_eq!(mode(&partial), 0o600);
        // A dangling link is not followed either (no file appears at its target).
        let target = dir.path().join("created-elsewhere");
        let dangling = dir.path().join("journal");
        std::os::unix::fs::symlink(&target, &dangling).unwrap();
        drop(create(&dangling).unwrap());
        assert!(!target.exists());
        assert!(create(dir.path()).is_err(), "a directory is not replaced");
    }
}
