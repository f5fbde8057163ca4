//! The filesystem as two layers, per inode: what the kernel would show (every write, at once)
//! and what a disk would hold after a power cut (only what was made durable). A file's data
//! becomes durable when it is fsynced (through any descriptor: durability belongs to the inode,
//! not to the descriptor that wrote); a directory's entries (create, rename, unlink, link) when
//! the directory is fsynced. [`Model::cut`] throws the volatile layer away. Unsynced writes
//! are lost whole: no torn writes.
//!
//! No FUSE here: the model is plain data, tested on its own; `fs` serves it to the kernel.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::time::SystemTime;

/// The root directory's inode (FUSE's).
pub const ROOT: u64 = 1;

/// Why an operation failed, as an errno.
pub type Errno = i32;

/// What an inode is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
}

/// An inode's attributes, as `stat` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    /// File or directory.
    pub kind: Kind,
    /// Size in bytes (a directory: its entry count).
    pub size: u64,
    /// Permission bits.
    pub perm: u16,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Links to it (a directory: 2 plus its subdirectories).
    pub nlink: u32,
    /// Last data change.
    pub mtime: SystemTime,
    /// Last attribute change.
    pub ctime: SystemTime,
}

#[derive(Debug, Clone)]
enum Content {
    File {
        data: Vec<u8>,
        durable: Vec<u8>,
    },
    Dir {
        entries: BTreeMap<OsString, u64>,
        durable: BTreeMap<OsString, u64>,
    },
}

#[derive(Debug, Clone)]
struct Inode {
    content: Content,
    perm: u16,
    durable_perm: u16,
    uid: u32,
    gid: u32,
    mtime: SystemTime,
    ctime: SystemTime,
}

/// What a cut threw away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CutReport {
    /// Files whose content differed from what was last made durable.
    pub files_reverted: usize,
    /// Directories whose entries differed from what was last made durable.
    pub dirs_reverted: usize,
    /// Inodes no durable entry reaches any more.
    pub inodes_dropped: usize,
}

/// Counts of what made data durable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCounts {
    /// `fsync`/`fdatasync` on files.
    pub fsync: u64,
    /// `fsync` on directories.
    pub fsyncdir: u64,
}

/// The two-layer filesystem.
#[derive(Debug)]
pub struct Model {
    inodes: BTreeMap<u64, Inode>,
    next: u64,
    counts: SyncCounts,
}

impl Default for Model {
    fn default() -> Self {
        Model::new(0, 0)
    }
}

impl Model {
    /// An empty filesystem whose root belongs to `uid`/`gid` (durable: a formatted disk).
    pub fn new(uid: u32, gid: u32) -> Model {
        let now = SystemTime::now();
        let root = Inode {
            content: Content::Dir {
                entries: BTreeMap::new(),
                durable: BTreeMap::new(),
            },
            perm: 0o755,
            durable_perm: 0o755,
            uid,
            gid,
            mtime: now,
            ctime: now,
        };
        Model {
            inodes: BTreeMap::from([(ROOT, root)]),
            next: ROOT + 1,
            counts: SyncCounts::default(),
        }
    }

    fn inode(&self, ino: u64) -> Result<&Inode, Errno> {
        self.inodes.get(&ino).ok_or(libc::ENOENT)
    }

    fn inode_mut(&mut self, ino: u64) -> Result<&mut Inode, Errno> {
        self.inodes.get_mut(&ino).ok_or(libc::ENOENT)
    }

    fn entries(&self, dir: u64) -> Result<&BTreeMap<OsString, u64>, Errno> {
        match &self.inode(dir)?.content {
            Content::Dir { entries, .. } => Ok(entries),
            Content::File { .. } => Err(libc::ENOTDIR),
        }
    }

    fn entries_mut(&mut self, dir: u64) -> Result<&mut BTreeMap<OsString, u64>, Errno> {
        let inode = self.inode_mut(dir)?;
        inode.mtime = SystemTime::now();
        inode.ctime = inode.mtime;
        match &mut inode.content {
            Content::Dir { entries, .. } => Ok(entries),
            Content::File { .. } => Err(libc::ENOTDIR),
        }
    }

    /// The attributes of `ino`.
    pub fn attr(&self, ino: u64) -> Result<Attr, Errno> {
        let inode = self.inode(ino)?;
        let (kind, size, nlink) = match &inode.content {
            Content::File { data, .. } => (Kind::File, data.len() as u64, self.links_to(ino)),
            Content::Dir { entries, .. } => {
                let subdirs = entries
                    .values()
                    .filter(|i| {
                        matches!(
                            self.inodes.get(i).map(|n| &n.content),
                            Some(Content::Dir { .. })
                        )
                    })
                    .count();
                (
                    Kind::Dir,
                    entries.len() as u64,
                    2 + u32::try_from(subdirs).unwrap_or(u32::MAX - 2),
                )
            }
        };
        Ok(Attr {
            kind,
            size,
            perm: inode.perm,
            uid: inode.uid,
            gid: inode.gid,
            nlink,
            mtime: inode.mtime,
            ctime: inode.ctime,
        })
    }

    /// How many current directory entries name `ino` (0 once unlinked: it lives while open).
    fn links_to(&self, ino: u64) -> u32 {
        let n = self
            .inodes
            .values()
            .filter_map(|i| match &i.content {
                Content::Dir { entries, .. } => {
                    Some(entries.values().filter(|e| **e == ino).count())
                }
                Content::File { .. } => None,
            })
            .sum::<usize>();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The inode `name` in `dir` names.
    pub fn lookup(&self, dir: u64, name: &OsStr) -> Result<u64, Errno> {
        self.entries(dir)?.get(name).copied().ok_or(libc::ENOENT)
    }

    /// The entries of `dir`, in name order.
    pub fn list(&self, dir: u64) -> Result<Vec<(OsString, u64, Kind)>, Errno> {
        Ok(self
            .entries(dir)?
            .iter()
            .map(|(name, ino)| {
                let kind = self.attr(*ino).map_or(Kind::File, |a| a.kind);
                (name.clone(), *ino, kind)
            })
            .collect())
    }

    fn add(
        &mut self,
        dir: u64,
        name: &OsStr,
        content: Content,
        perm: u16,
        uid: u32,
        gid: u32,
    ) -> Result<u64, Errno> {
        if self.entries(dir)?.contains_key(name) {
            return Err(libc::EEXIST);
        }
        let ino = self.next;
        self.next += 1;
        let now = SystemTime::now();
        self.inodes.insert(
            ino,
            Inode {
                content,
                perm,
                // A new inode's attributes: what its creation wrote (reached only through an
                // entry, which is durable only once its directory is synced).
                durable_perm: perm,
                uid,
                gid,
                mtime: now,
                ctime: now,
            },
        );
        self.entries_mut(dir)?.insert(name.to_owned(), ino);
        Ok(ino)
    }

    /// Creates an empty file `name` in `dir`.
    pub fn create(
        &mut self,
        dir: u64,
        name: &OsStr,
        perm: u16,
        uid: u32,
        gid: u32,
    ) -> Result<u64, Errno> {
        let content = Content::File {
            data: Vec::new(),
            durable: Vec::new(),
        };
        self.add(dir, name, content, perm, uid, gid)
    }

    /// Creates an empty directory `name` in `dir`.
    pub fn mkdir(
        &mut self,
        dir: u64,
        name: &OsStr,
        perm: u16,
        uid: u32,
        gid: u32,
    ) -> Result<u64, Errno> {
        let content = Content::Dir {
            entries: BTreeMap::new(),
            durable: BTreeMap::new(),
        };
        self.add(dir, name, content, perm, uid, gid)
    }

    fn data(&self, ino: u64) -> Result<&Vec<u8>, Errno> {
        match &self.inode(ino)?.content {
            Content::File { data, .. } => Ok(data),
            Content::Dir { .. } => Err(libc::EISDIR),
        }
    }

    fn data_mut(&mut self, ino: u64) -> Result<&mut Vec<u8>, Errno> {
        let inode = self.inode_mut(ino)?;
        inode.mtime = SystemTime::now();
        inode.ctime = inode.mtime;
        match &mut inode.content {
            Content::File { data, .. } => Ok(data),
            Content::Dir { .. } => Err(libc::EISDIR),
        }
    }

    /// Up to `size` bytes of `ino` from `offset`.
    pub fn read(&self, ino: u64, offset: u64, size: usize) -> Result<&[u8], Errno> {
        let data = self.data(ino)?;
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(data.len());
        let end = start.saturating_add(size).min(data.len());
        Ok(&data[start..end])
    }

    /// Writes `bytes` at `offset` (zero-filling a gap); bytes written.
    pub fn write(&mut self, ino: u64, offset: u64, bytes: &[u8]) -> Result<usize, Errno> {
        let data = self.data_mut(ino)?;
        let start = usize::try_from(offset).map_err(|_| libc::EFBIG)?;
        let end = start.checked_add(bytes.len()).ok_or(libc::EFBIG)?;
        if data.len() < end {
            data.resize(end, 0);
        }
        data[start..end].copy_from_slice(bytes);
        Ok(bytes.len())
    }

    /// Sets the size of `ino` (truncating or zero-extending).
    pub fn truncate(&mut self, ino: u64, size: u64) -> Result<(), Errno> {
        let size = usize::try_from(size).map_err(|_| libc::EFBIG)?;
        self.data_mut(ino)?.resize(size, 0);
        Ok(())
    }

    /// Sets the permission bits and owner of `ino`.
    pub fn set_attr(
        &mut self,
        ino: u64,
        perm: Option<u16>,
        uid: Option<u32>,
        gid: Option<u32>,
    ) -> Result<(), Errno> {
        let inode = self.inode_mut(ino)?;
        if let Some(perm) = perm {
            inode.perm = perm;
        }
        if let Some(uid) = uid {
            inode.uid = uid;
        }
        if let Some(gid) = gid {
            inode.gid = gid;
        }
        inode.ctime = SystemTime::now();
        Ok(())
    }

    /// Removes the entry `name` (a file) from `dir`; the inode lives on while open.
    pub fn unlink(&mut self, dir: u64, name: &OsStr) -> Result<(), Errno> {
        let ino = self.lookup(dir, name)?;
        if self.attr(ino)?.kind == Kind::Dir {
            return Err(libc::EISDIR);
        }
        self.entries_mut(dir)?.remove(name);
        Ok(())
    }

    /// Removes the empty directory `name` from `dir`.
    pub fn rmdir(&mut self, dir: u64, name: &OsStr) -> Result<(), Errno> {
        let ino = self.lookup(dir, name)?;
        if !self.entries(ino)?.is_empty() {
            return Err(libc::ENOTEMPTY);
        }
        self.entries_mut(dir)?.remove(name);
        Ok(())
    }

    /// Renames `name` in `dir` to `new_name` in `new_dir`, replacing what was there (unless
    /// `no_replace`).
    pub fn rename(
        &mut self,
        dir: u64,
        name: &OsStr,
        new_dir: u64,
        new_name: &OsStr,
        no_replace: bool,
    ) -> Result<(), Errno> {
        let ino = self.lookup(dir, name)?;
        let moving_dir = self.attr(ino)?.kind == Kind::Dir;
        if let Ok(existing) = self.lookup(new_dir, new_name) {
            if existing == ino {
                return Ok(());
            }
            if no_replace {
                return Err(libc::EEXIST);
            }
            match (moving_dir, self.attr(existing)?.kind) {
                (true, Kind::File) => return Err(libc::ENOTDIR),
                (false, Kind::Dir) => return Err(libc::EISDIR),
                (true, Kind::Dir) if !self.entries(existing)?.is_empty() => {
                    return Err(libc::ENOTEMPTY);
                }
                _ => {}
            }
        }
        if moving_dir && self.is_within(new_dir, ino) {
            return Err(libc::EINVAL);
        }
        self.entries_mut(new_dir)?;
        self.entries_mut(dir)?.remove(name);
        self.entries_mut(new_dir)?.insert(new_name.to_owned(), ino);
        Ok(())
    }

    /// Whether `dir` is `ancestor` or below it.
    fn is_within(&self, dir: u64, ancestor: u64) -> bool {
        let mut stack = vec![ancestor];
        while let Some(d) = stack.pop() {
            if d == dir {
                return true;
            }
            if let Ok(entries) = self.entries(d) {
                stack.extend(
                    entries
                        .values()
                        .copied()
                        .filter(|i| self.attr(*i).is_ok_and(|a| a.kind == Kind::Dir)),
                );
            }
        }
        false
    }

    /// A second name `new_name` in `new_dir` for the file `ino`.
    pub fn link(&mut self, ino: u64, new_dir: u64, new_name: &OsStr) -> Result<(), Errno> {
        if self.attr(ino)?.kind == Kind::Dir {
            return Err(libc::EPERM);
        }
        if self.entries(new_dir)?.contains_key(new_name) {
            return Err(libc::EEXIST);
        }
        self.entries_mut(new_dir)?.insert(new_name.to_owned(), ino);
        Ok(())
    }

    /// `fsync` of a file (or of a directory: its entries): what it holds now is what a disk
    /// holds.
    pub fn fsync(&mut self, ino: u64) -> Result<(), Errno> {
        let inode = self.inode_mut(ino)?;
        inode.durable_perm = inode.perm;
        match &mut inode.content {
            Content::File { data, durable } => {
                durable.clone_from(data);
                self.counts.fsync += 1;
            }
            Content::Dir { entries, durable } => {
                durable.clone_from(entries);
                self.counts.fsyncdir += 1;
            }
        }
        Ok(())
    }

    /// Everything made durable (a clean shutdown; a test's setup before its first cut).
    pub fn sync_all(&mut self) {
        for inode in self.inodes.values_mut() {
            inode.durable_perm = inode.perm;
            match &mut inode.content {
                Content::File { data, durable } => durable.clone_from(data),
                Content::Dir { entries, durable } => durable.clone_from(entries),
            }
        }
    }

    /// How many fsyncs made data durable so far.
    pub fn sync_counts(&self) -> SyncCounts {
        self.counts
    }

    /// The power cut: every inode back to what was last made durable; inodes no durable
    /// entry reaches are dropped (a file created and synced in a directory never synced).
    pub fn cut(&mut self) -> CutReport {
        let mut report = CutReport::default();
        for inode in self.inodes.values_mut() {
            inode.perm = inode.durable_perm;
            match &mut inode.content {
                Content::File { data, durable } => {
                    if data != durable {
                        report.files_reverted += 1;
                        data.clone_from(durable);
                    }
                }
                Content::Dir { entries, durable } => {
                    if entries != durable {
                        report.dirs_reverted += 1;
                        entries.clone_from(durable);
                    }
                }
            }
        }
        let mut reached = std::collections::BTreeSet::from([ROOT]);
        let mut stack = vec![ROOT];
        while let Some(dir) = stack.pop() {
            if let Ok(entries) = self.entries(dir) {
                for ino in entries.values() {
                    if reached.insert(*ino) {
                        stack.push(*ino);
                    }
                }
            }
        }
        let before = self.inodes.len();
        self.inodes.retain(|ino, _| reached.contains(ino));
        report.inodes_dropped = before - self.inodes.len();
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> &OsStr {
        OsStr::new(s)
    }

    #[test]
    fn a_write_is_durable_only_once_its_inode_is_synced() {
        let mut m = Model::default();
        let f = m.create(ROOT, name("f"), 0o644, 0, 0).unwrap();
        m.fsync(ROOT).unwrap();
        m.write(f, 0, b"kept").unwrap();
        m.fsync(f).unwrap();
        m.write(f, 4, b" lost").unwrap();
        assert_eq!(m.read(f, 0, 100).unwrap(), b"kept lost");
        let report = m.cut();
        assert_eq!(m.read(f, 0, 100).unwrap(), b"kept");
        assert_eq!(report.files_reverted, 1);
    }

    #[test]
    fn entries_are_durable_only_once_their_directory_is_synced() {
        let mut m = Model::default();
        let d = m.mkdir(ROOT, name("d"), 0o755, 0, 0).unwrap();
        m.fsync(ROOT).unwrap();
        let f = m.create(d, name("new"), 0o600, 0, 0).unwrap();
        m.write(f, 0, b"synced data, unsynced name").unwrap();
        m.fsync(f).unwrap();
        let report = m.cut();
        assert_eq!(m.lookup(d, name("new")), Err(libc::ENOENT));
        assert_eq!(report.inodes_dropped, 1);

        let f = m.create(d, name("new"), 0o600, 0, 0).unwrap();
        m.fsync(d).unwrap();
        m.cut();
        // The name survived; the data was never synced.
        assert_eq!(m.lookup(d, name("new")), Ok(f));
        assert_eq!(m.read(f, 0, 10).unwrap(), b"");
    }

    #[test]
    fn an_unsynced_rename_or_unlink_is_undone() {
        let mut m = Model::default();
        let old = m.create(ROOT, name("batch.json"), 0o644, 0, 0).unwrap();
        m.write(old, 0, b"old").unwrap();
        let tmp = m.create(ROOT, name("batch.json.tmp"), 0o644, 0, 0).unwrap();
        m.write(tmp, 0, b"new").unwrap();
        m.sync_all();
        m.rename(
            ROOT,
            name("batch.json.tmp"),
            ROOT,
            name("batch.json"),
            false,
        )
        .unwrap();
        m.unlink(ROOT, name("batch.json")).ok();
        m.cut();
        assert_eq!(m.lookup(ROOT, name("batch.json")), Ok(old));
        assert_eq!(m.lookup(ROOT, name("batch.json.tmp")), Ok(tmp));

        m.rename(
            ROOT,
            name("batch.json.tmp"),
            ROOT,
            name("batch.json"),
            false,
        )
        .unwrap();
        m.fsync(ROOT).unwrap();
        m.cut();
        assert_eq!(m.lookup(ROOT, name("batch.json")), Ok(tmp));
        assert_eq!(m.read(tmp, 0, 10).unwrap(), b"new");
    }

    #[test]
    fn an_unlinked_file_lives_on_for_its_open_descriptors() {
        let mut m = Model::default();
        let f = m.create(ROOT, name("f"), 0o644, 0, 0).unwrap();
        m.unlink(ROOT, name("f")).unwrap();
        assert_eq!(m.attr(f).unwrap().nlink, 0);
        m.write(f, 0, b"still here").unwrap();
        assert_eq!(m.read(f, 0, 100).unwrap(), b"still here");
    }

    #[test]
    fn rename_refuses_what_posix_refuses() {
        let mut m = Model::default();
        let d = m.mkdir(ROOT, name("d"), 0o755, 0, 0).unwrap();
        m.create(d, name("f"), 0o644, 0, 0).unwrap();
        m.create(ROOT, name("g"), 0o644, 0, 0).unwrap();
        assert_eq!(
            m.rename(ROOT, name("d"), d, name("inside"), false),
            Err(libc::EINVAL)
        );
        assert_eq!(
            m.rename(ROOT, name("g"), ROOT, name("d"), false),
            Err(libc::EISDIR)
        );
        assert_eq!(
            m.rename(ROOT, name("g"), d, name("f"), true),
            Err(libc::EEXIST)
        );
        assert_eq!(m.rmdir(ROOT, name("d")), Err(libc::ENOTEMPTY));
        assert_eq!(
            m.rename(ROOT, name("nothing"), ROOT, name("x"), false),
            Err(libc::ENOENT)
        );
    }
}
