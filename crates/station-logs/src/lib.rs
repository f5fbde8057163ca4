//! The station's log files: one per start, rotated daily and at a size limit, keeping a
//! configured number.
//!
//! Each process (`station run`, `station upload`, the desktop app) writes its own file,
//! `PREFIX-YYYYMMDDTHHMMSSZ-PID.log`, so processes never interleave lines or rotate each
//! other's files. A file is closed and the next one opened when the UTC day changes or when
//! the next line would take it past the size limit (a line is never split across files). On
//! opening and after every rotation, the oldest files of the same prefix beyond the number to
//! keep are removed — except files written in the last minute, which may belong to a process
//! still running. A fixture PC's log folder is therefore bounded by about `keep × max_bytes`.
//!
//! [`RollingFile`] is a plain [`std::io::Write`]: give it to `tracing_subscriber` in a
//! `Mutex`.
#![forbid(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDate, Utc};

/// How large a file may grow and how many are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogPolicy {
    /// A file is rotated before it would grow past this many bytes.
    pub max_bytes: u64,
    /// Files of this prefix kept in the folder (at least 1: the current one).
    pub keep: usize,
}

impl Default for LogPolicy {
    /// 50 MiB per file, 30 files.
    fn default() -> Self {
        Self {
            max_bytes: 50 << 20,
            keep: 30,
        }
    }
}

impl LogPolicy {
    /// The policy of `station.log_max_mb` and `station.log_keep`.
    pub fn from_config(max_mb: u32, keep: u32) -> Self {
        Self {
            max_bytes: u64::from(max_mb) << 20,
            keep: usize::try_from(keep).unwrap_or(usize::MAX),
        }
    }
}

/// Files written this recently are never removed: another process may be writing them.
const IN_USE_WINDOW: Duration = Duration::from_secs(60);

/// A log file that rotates itself. See the crate documentation.
pub struct RollingFile {
    dir: PathBuf,
    prefix: String,
    policy: LogPolicy,
    clock: Box<dyn Fn() -> DateTime<Utc> + Send>,
    file: File,
    path: PathBuf,
    opened_on: NaiveDate,
    written: u64,
    /// Files this process has opened, for names within one second.
    sequence: u32,
}

impl RollingFile {
    /// Opens the first file in `dir` (created if missing) and removes old ones.
    pub fn open(dir: &Path, prefix: &str, policy: LogPolicy) -> io::Result<Self> {
        Self::with_clock(dir, prefix, policy, Box::new(Utc::now))
    }

    /// [`RollingFile::open`] with a clock of the caller's (tests move the day on).
    pub fn with_clock(
        dir: &Path,
        prefix: &str,
        policy: LogPolicy,
        clock: Box<dyn Fn() -> DateTime<Utc> + Send>,
    ) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let now = clock();
        let (file, path) = create(dir, prefix, now, 0)?;
        let this = Self {
            dir: dir.to_owned(),
            prefix: prefix.to_owned(),
            policy: LogPolicy {
                max_bytes: policy.max_bytes.max(1),
                keep: policy.keep.max(1),
            },
            clock,
            file,
            path,
            opened_on: now.date_naive(),
            written: 0,
            sequence: 0,
        };
        this.prune();
        Ok(this)
    }

    /// The file being written now.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The files of this prefix in the folder, oldest first (by modification time, then name).
    pub fn files(dir: &Path, prefix: &str) -> io::Result<Vec<PathBuf>> {
        let mut found: Vec<(SystemTime, PathBuf)> = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if is_ours(name, prefix) {
                let modified = entry
                    .metadata()?
                    .modified()
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                found.push((modified, entry.path()));
            }
        }
        found.sort();
        Ok(found.into_iter().map(|(_, p)| p).collect())
    }

    fn rotate(&mut self, now: DateTime<Utc>) -> io::Result<()> {
        self.file.flush()?;
        self.sequence += 1;
        let (file, path) = create(&self.dir, &self.prefix, now, self.sequence)?;
        self.file = file;
        self.path = path;
        self.opened_on = now.date_naive();
        self.written = 0;
        self.prune();
        Ok(())
    }

    /// Removes the oldest files beyond `keep`, never the current one or one in use.
    fn prune(&self) {
        let Ok(files) = Self::files(&self.dir, &self.prefix) else {
            return;
        };
        let excess = files.len().saturating_sub(self.policy.keep);
        let recent = SystemTime::now() - IN_USE_WINDOW;
        for old in files.iter().take(excess) {
            if *old == self.path {
                continue;
            }
            let in_use = std::fs::metadata(old)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t > recent);
            if !in_use {
                let _ = std::fs::remove_file(old);
            }
        }
    }
}

impl Write for RollingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let now = (self.clock)();
        let new_day = now.date_naive() != self.opened_on;
        let full = self.written > 0 && self.written + buf.len() as u64 > self.policy.max_bytes;
        if new_day || full {
            self.rotate(now)?;
        }
        self.file.write_all(buf)?;
        self.written += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// `PREFIX-YYYYMMDDTHHMMSSZ-PID[-N].log`
fn create(
    dir: &Path,
    prefix: &str,
    now: DateTime<Utc>,
    sequence: u32,
) -> io::Result<(File, PathBuf)> {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let pid = std::process::id();
    let name = if sequence == 0 {
        format!("{prefix}-{stamp}-{pid}.log")
    } else {
        format!("{prefix}-{stamp}-{pid}-{sequence}.log")
    };
    let path = dir.join(name);
    let file = OpenOptions::new().create(true).append(true).open(&path)?;
    Ok((file, path))
}

/// Whether `name` is one of `prefix`'s files (`station-2026…` is, `station-desktop-2026…` is
/// not one of `station`'s).
fn is_ours(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|rest| {
            rest.ends_with(".log")
                && rest.len() > 17
                && rest.as_bytes()[..8].iter().all(u8::is_ascii_digit)
                && rest.as_bytes()[8] == b'T'
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::{Arc, Mutex};

    use super::*;

    fn text(dir: &Path, prefix: &str) -> String {
        RollingFile::files(dir, prefix)
            .unwrap()
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    #[test]
    fn a_file_rotates_at_its_size_limit_without_splitting_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let policy = LogPolicy {
            max_bytes: 100,
            keep: 100,
        };
        let mut log = RollingFile::open(dir.path(), "station", policy).unwrap();
        let mut expected = String::new();
        for i in 0..50 {
            let line = format!("line {i:03} of the log\n");
            log.write_all(line.as_bytes()).unwrap();
            expected.push_str(&line);
        }
        log.flush().unwrap();
        let files = RollingFile::files(dir.path(), "station").unwrap();
        assert!(files.len() >= 10, "{} files", files.len());
        for f in &files {
            let body = std::fs::read_to_string(f).unwrap();
            assert!(body.len() <= 100, "{}: {} bytes", f.display(), body.len());
            assert!(body.ends_with('\n'), "no line split across files");
        }
        assert_eq!(
            text(dir.path(), "station"),
            expected,
            "nothing lost, in order"
        );
    }

    #[test]
    fn a_new_day_starts_a_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(Mutex::new(
            DateTime::parse_from_rfc3339("2026-12-04T23:59:58Z")
                .unwrap()
                .to_utc(),
        ));
        let clock = Arc::clone(&now);
        let mut log = RollingFile::with_clock(
            dir.path(),
            "station",
            LogPolicy::default(),
            Box::new(move || *clock.lock().unwrap()),
        )
        .unwrap();
        log.write_all(b"before midnight\n").unwrap();
        let first = log.path().to_owned();
        log.write_all(b"still the 4th\n").unwrap();
        assert_eq!(log.path(), first);
        *now.lock().unwrap() = DateTime::parse_from_rfc3339("2026-12-05T00:00:01Z")
            .unwrap()
            .to_utc();
        log.write_all(b"after midnight\n").unwrap();
        assert_ne!(log.path(), first);
        assert!(log.path().to_string_lossy().contains("20261205T000001Z"));
        assert_eq!(
            std::fs::read_to_string(log.path()).unwrap(),
            "after midnight\n"
        );
    }

    #[test]
    fn only_the_configured_number_of_files_is_kept_and_others_prefixes_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        for i in 0..8 {
            let p = dir
                .path()
                .join(format!("station-2026110{i}T080000Z-1{i}.log"));
            std::fs::write(&p, "old\n").unwrap();
            File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(old + Duration::from_secs(i))
                .unwrap();
        }
        let desktop = dir.path().join("station-desktop-20261101T080000Z-9.log");
        std::fs::write(&desktop, "app\n").unwrap();
        let unrelated = dir.path().join("notes.txt");
        std::fs::write(&unrelated, "keep me").unwrap();
        let policy = LogPolicy {
            max_bytes: 1 << 20,
            keep: 3,
        };
        let log = RollingFile::open(dir.path(), "station", policy).unwrap();
        let files = RollingFile::files(dir.path(), "station").unwrap();
        assert_eq!(files.len(), 3, "{files:?}");
        assert_eq!(
            files.last().unwrap(),
            log.path(),
            "the current file is kept"
        );
        assert!(files[0].to_string_lossy().contains("20261106"), "{files:?}");
        assert!(desktop.exists() && unrelated.exists());

        // A file another process wrote a moment ago is not removed, even beyond `keep`.
        let busy = dir.path().join("station-20261001T080000Z-77.log");
        std::fs::write(&busy, "busy\n").unwrap();
        drop(RollingFile::open(dir.path(), "station", policy).unwrap());
        assert!(busy.exists());
    }
}
