//! The model served to the kernel over FUSE (fuser, no libfuse). Each mount is a generation:
//! after a cut the kernel's mount is dropped and a new one made, and a request still arriving
//! through the old one (a process that outlived the cut) is answered `EIO`, never applied.
//!
//! What the kernel is told: no `direct_io` (SQLite maps its `-shm` file shared and writable,
//! which FUSE allows only through the page cache); no writeback cache (each `write` reaches
//! the model when it is made, in order); no POSIX lock support (the kernel keeps locks local);
//! `fsync` and `fsyncdir` implemented (an `ENOSYS` answer would make the kernel stop sending
//! them, and every sync would silently succeed).

use std::ffi::OsStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use fuser::{
    FileAttr, FileType, Filesystem, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow,
};

use crate::model::{Attr, Errno, Kind, Model};

/// How long the kernel may keep an answer: only the kernel changes the model between cuts,
/// and a cut makes a new mount, so its caches are never stale.
const TTL: Duration = Duration::from_secs(1);

/// The model and the generation of the mount that may change it.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) model: Model,
    pub(crate) generation: u64,
}

/// One mount's view of the shared model.
pub(crate) struct Served {
    pub(crate) shared: Arc<Mutex<Shared>>,
    pub(crate) generation: u64,
}

fn file_attr(ino: u64, a: &Attr) -> FileAttr {
    FileAttr {
        ino,
        size: a.size,
        blocks: a.size.div_ceil(512),
        atime: a.mtime,
        mtime: a.mtime,
        ctime: a.ctime,
        crtime: a.ctime,
        kind: match a.kind {
            Kind::File => FileType::RegularFile,
            Kind::Dir => FileType::Directory,
        },
        perm: a.perm,
        nlink: a.nlink,
        uid: a.uid,
        gid: a.gid,
        rdev: 0,
        blksize: 4096,
        flags: 0,
    }
}

impl Served {
    /// The model, if this mount is the current one.
    fn model(&self) -> Result<MutexGuard<'_, Shared>, Errno> {
        let shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        if shared.generation == self.generation {
            Ok(shared)
        } else {
            Err(libc::EIO)
        }
    }

    fn entry(&self, result: impl FnOnce(&mut Model) -> Result<u64, Errno>, reply: ReplyEntry) {
        match self.model().and_then(|mut s| {
            let ino = result(&mut s.model)?;
            Ok(file_attr(ino, &s.model.attr(ino)?))
        }) {
            Ok(attr) => reply.entry(&TTL, &attr, 0),
            Err(e) => reply.error(e),
        }
    }

    fn empty(&self, result: impl FnOnce(&mut Model) -> Result<(), Errno>, reply: ReplyEmpty) {
        match self.model().and_then(|mut s| result(&mut s.model)) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }
}

/// Permission bits of a `mode`.
fn perm(mode: u32) -> u16 {
    u16::try_from(mode & 0o7777).unwrap_or(0o600)
}

impl Filesystem for Served {
    fn lookup(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEntry) {
        self.entry(|m| m.lookup(parent, name), reply);
    }

    fn getattr(&mut self, _req: &Request<'_>, ino: u64, _fh: Option<u64>, reply: ReplyAttr) {
        match self.model().and_then(|s| s.model.attr(ino)) {
            Ok(a) => reply.attr(&TTL, &file_attr(ino, &a)),
            Err(e) => reply.error(e),
        }
    }

    fn setattr(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        _mtime: Option<TimeOrNow>,
        _ctime: Option<std::time::SystemTime>,
        _fh: Option<u64>,
        _crtime: Option<std::time::SystemTime>,
        _chgtime: Option<std::time::SystemTime>,
        _bkuptime: Option<std::time::SystemTime>,
        _flags: Option<u32>,
        reply: ReplyAttr,
    ) {
        let result = self.model().and_then(|mut s| {
            if let Some(size) = size {
                s.model.truncate(ino, size)?;
            }
            s.model.set_attr(ino, mode.map(perm), uid, gid)?;
            s.model.attr(ino)
        });
        match result {
            Ok(a) => reply.attr(&TTL, &file_attr(ino, &a)),
            Err(e) => reply.error(e),
        }
    }

    fn mknod(
        &mut self,
        req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        umask: u32,
        _rdev: u32,
        reply: ReplyEntry,
    ) {
        if mode & libc::S_IFMT != libc::S_IFREG {
            reply.error(libc::EPERM);
            return;
        }
        let (uid, gid) = (req.uid(), req.gid());
        self.entry(
            |m| m.create(parent, name, perm(mode & !umask), uid, gid),
            reply,
        );
    }

    fn mkdir(
        &mut self,
        req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        let (uid, gid) = (req.uid(), req.gid());
        self.entry(
            |m| m.mkdir(parent, name, perm(mode & !umask), uid, gid),
            reply,
        );
    }

    fn unlink(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        self.empty(|m| m.unlink(parent, name), reply);
    }

    fn rmdir(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        self.empty(|m| m.rmdir(parent, name), reply);
    }

    fn rename(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        newparent: u64,
        newname: &OsStr,
        flags: u32,
        reply: ReplyEmpty,
    ) {
        if flags & !libc::RENAME_NOREPLACE != 0 {
            // RENAME_EXCHANGE, RENAME_WHITEOUT: not needed by what runs on it.
            reply.error(libc::EINVAL);
            return;
        }
        let no_replace = flags & libc::RENAME_NOREPLACE != 0;
        self.empty(
            |m| m.rename(parent, name, newparent, newname, no_replace),
            reply,
        );
    }

    fn link(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        newparent: u64,
        newname: &OsStr,
        reply: ReplyEntry,
    ) {
        self.entry(|m| m.link(ino, newparent, newname).map(|()| ino), reply);
    }

    fn open(&mut self, _req: &Request<'_>, ino: u64, _flags: i32, reply: ReplyOpen) {
        // O_TRUNC arrives as a setattr (no FUSE_ATOMIC_O_TRUNC).
        match self.model().and_then(|s| s.model.attr(ino)) {
            Ok(_) => reply.opened(0, 0),
            Err(e) => reply.error(e),
        }
    }

    fn read(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        size: u32,
        _flags: i32,
        _lock_owner: Option<u64>,
        reply: ReplyData,
    ) {
        let offset = u64::try_from(offset).unwrap_or(0);
        match self.model() {
            Ok(s) => match s.model.read(ino, offset, size as usize) {
                Ok(bytes) => reply.data(bytes),
                Err(e) => reply.error(e),
            },
            Err(e) => reply.error(e),
        }
    }

    fn write(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        data: &[u8],
        _write_flags: u32,
        _flags: i32,
        _lock_owner: Option<u64>,
        reply: ReplyWrite,
    ) {
        let offset = u64::try_from(offset).unwrap_or(0);
        match self
            .model()
            .and_then(|mut s| s.model.write(ino, offset, data))
        {
            Ok(n) => reply.written(u32::try_from(n).unwrap_or(u32::MAX)),
            Err(e) => reply.error(e),
        }
    }

    fn flush(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        _fh: u64,
        _lock_owner: u64,
        reply: ReplyEmpty,
    ) {
        // close(2) makes nothing durable.
        reply.ok();
    }

    fn fsync(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        self.empty(|m| m.fsync(ino), reply);
    }

    fn opendir(&mut self, _req: &Request<'_>, ino: u64, _flags: i32, reply: ReplyOpen) {
        match self.model().and_then(|s| s.model.list(ino)) {
            Ok(_) => reply.opened(0, 0),
            Err(e) => reply.error(e),
        }
    }

    fn readdir(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        mut reply: ReplyDirectory,
    ) {
        let listed = self.model().and_then(|s| {
            let parent = ino; // ".." is not looked up through readdir by the kernel.
            let mut all = vec![
                (std::ffi::OsString::from("."), ino, Kind::Dir),
                (std::ffi::OsString::from(".."), parent, Kind::Dir),
            ];
            all.extend(s.model.list(ino)?);
            Ok(all)
        });
        match listed {
            Ok(all) => {
                let skip = usize::try_from(offset).unwrap_or(0);
                for (i, (name, child, kind)) in all.into_iter().enumerate().skip(skip) {
                    let kind = match kind {
                        Kind::File => FileType::RegularFile,
                        Kind::Dir => FileType::Directory,
                    };
                    let next = i64::try_from(i + 1).unwrap_or(i64::MAX);
                    if reply.add(child, next, kind, name) {
                        break;
                    }
                }
                reply.ok();
            }
            Err(e) => reply.error(e),
        }
    }

    fn fsyncdir(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        self.empty(|m| m.fsync(ino), reply);
    }

    fn statfs(&mut self, _req: &Request<'_>, _ino: u64, reply: ReplyStatfs) {
        reply.statfs(1 << 22, 1 << 21, 1 << 21, 1 << 20, 1 << 19, 4096, 255, 4096);
    }

    fn access(&mut self, _req: &Request<'_>, _ino: u64, _mask: i32, reply: ReplyEmpty) {
        reply.ok();
    }

    fn create(
        &mut self,
        req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        umask: u32,
        _flags: i32,
        reply: ReplyCreate,
    ) {
        let (uid, gid) = (req.uid(), req.gid());
        let created = self.model().and_then(|mut s| {
            let ino = s
                .model
                .create(parent, name, perm(mode & !umask), uid, gid)?;
            Ok(file_attr(ino, &s.model.attr(ino)?))
        });
        match created {
            Ok(attr) => reply.created(&TTL, &attr, 0, 0, 0),
            Err(e) => reply.error(e),
        }
    }

    fn fallocate(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        length: i64,
        mode: i32,
        reply: ReplyEmpty,
    ) {
        if mode != 0 {
            reply.error(libc::EOPNOTSUPP);
            return;
        }
        self.empty(
            |m| {
                let end = u64::try_from(offset.saturating_add(length)).map_err(|_| libc::EINVAL)?;
                if m.attr(ino)?.size < end {
                    m.truncate(ino, end)?;
                }
                Ok(())
            },
            reply,
        );
    }
}
