//! A verified export batch as an upload queue, for `station import`.
//!
//! [`ImportQueue`] reads the batch's `enrollments.json` one line at a time as the uploader
//! claims it, so memory stays flat for any batch size: at any moment it holds one bit per
//! record (what is done), the batch in flight and the items to retry.
//!
//! Beside it runs a **journal**, a text file that grows by one line per enrollment DPS holds
//! (created, or already there with the same attestation). Its first line names the batch (the
//! SHA-256 of its signed manifest), the DPS service and the record count; every other line is
//! a record's index in the batch. An import that is stopped or killed and run again reads the
//! journal and claims only what it does not list, so an import under a real budget (about 17 h
//! for a million enrollments at 1,000 operations a minute) resumes where it stopped. The
//! journal is flushed after every batch and not fsynced: what a power cut loses from its tail
//! is sent again, and DPS answers "already present", so nothing is lost or duplicated either
//! way. Conflicts and rejections are not journaled: they are tried again by the next run, once
//! a supervisor has resolved them.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{BufRead as _, BufReader, BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::export::{JsonRecords, SealedEntry, VerifiedExport, VerifyError, keys_redacted};
use crate::queue::{ItemId, ItemOp, ItemOutcome, QueueError, QueueItem, UploadQueue};
use crate::schema::IndividualEnrollment;

/// The first word of a journal's first line.
pub const JOURNAL_FORMAT: &str = "station-import-journal/1";

/// The conflicts and rejections kept for the end-of-run report (the count is always exact).
const KEPT_PROBLEMS: usize = 20;

/// Why an import's journal or batch could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The journal could not be read or written.
    #[error("could not use the import journal {}", path.display())]
    Journal {
        /// The journal.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The journal belongs to another batch or another DPS service.
    #[error("the import journal {} is for another import: {found}", path.display())]
    OtherImport {
        /// The journal.
        path: PathBuf,
        /// Its first line.
        found: String,
    },
    /// A journal line is not a record of this batch.
    #[error("the import journal {} line {line} is not a record of this batch", path.display())]
    Corrupt {
        /// The journal.
        path: PathBuf,
        /// 1-based line.
        line: u64,
    },
    /// The batch could not be read while importing (it changed after it was verified?).
    #[error("the batch could not be read")]
    Batch(#[source] VerifyError),
    /// The batch carries sealed device keys and no identity was given to open them.
    #[error("the batch carries {count} sealed device key(s) and no identity to open them")]
    NoIdentity {
        /// How many.
        count: u64,
    },
    /// A sealed device key could not be opened, or does not match its signed enrollment.
    #[error("the sealed device key of {registration_id} {reason}")]
    Sealed {
        /// The enrollment.
        registration_id: String,
        /// What is wrong.
        reason: String,
    },
}

impl From<ImportError> for QueueError {
    fn from(e: ImportError) -> Self {
        QueueError::Other(Box::new(e))
    }
}

impl station_errors::Coded for ImportError {
    fn code(&self) -> &'static str {
        match self {
            Self::Journal { .. } | Self::Corrupt { .. } => "station::import::journal",
            Self::OtherImport { .. } => "station::import::other_journal",
            Self::Batch(e) => e.code(),
            Self::NoIdentity { .. } | Self::Sealed { .. } => "station::import::sealed",
        }
    }
}

/// The enrollment `entry` seals, opened with `opener` and checked against `signed` (the
/// batch's signed record, keys redacted): the same enrollment once its keys are redacted, so a
/// ciphertext moved to another record, or sealed with other content, is refused.
fn unseal(
    opener: Option<&station_seal::Opener>,
    entry: &SealedEntry,
    signed: &IndividualEnrollment,
) -> Result<IndividualEnrollment, ImportError> {
    use base64::Engine as _;
    let fail = |reason: String| ImportError::Sealed {
        registration_id: signed.registration_id.to_string(),
        reason,
    };
    let opener = opener.ok_or(ImportError::NoIdentity { count: 1 })?;
    let ciphertext = base64::engine::general_purpose::STANDARD
        .decode(&entry.sealed)
        .map_err(|e| fail(format!("is not base64: {e}")))?;
    let opened = opener
        .open(&ciphertext)
        .map_err(|e| fail(format!("cannot be opened: {e}")))?;
    let text = std::str::from_utf8(&opened).map_err(|_| fail("is not text".into()))?;
    let enrollment: IndividualEnrollment = serde_json::from_str(text)
        .map_err(|e| fail(format!("is not an IndividualEnrollment: {e}")))?;
    let redacted: IndividualEnrollment = serde_json::from_str(&station_store::redact_payload(text))
        .map_err(|e| fail(format!("cannot be redacted: {e}")))?;
    if &redacted != signed {
        return Err(fail(
            "does not match the signed enrollment it is filed under".into(),
        ));
    }
    Ok(enrollment)
}

/// The default journal of the batch at `batch` (a folder or a sealed file): beside it,
/// `<name>.import-journal`.
pub fn default_journal_path(batch: &Path) -> PathBuf {
    let name = batch
        .file_name()
        .map_or_else(|| "batch".into(), |n| n.to_string_lossy().into_owned());
    batch
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!("{name}.import-journal"))
}

/// How far an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportProgress {
    /// Records in the batch.
    pub total: u64,
    /// Records DPS holds: journaled by an earlier run or by this one.
    pub done: u64,
    /// Of `done`, those an earlier run had journaled.
    pub resumed: u64,
    /// Conflicts and rejections this run (not done: the next run tries them again).
    pub problems: u64,
}

impl ImportProgress {
    /// Records that have an outcome this run or an earlier one.
    pub fn handled(&self) -> u64 {
        self.done + self.problems
    }

    /// Records without an outcome.
    pub fn open(&self) -> u64 {
        self.total.saturating_sub(self.handled())
    }
}

/// A verified batch being imported; see the module docs.
#[derive(Debug)]
pub struct ImportQueue {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    records: JsonRecords,
    /// The batch's sealed secrets, read in step with `records`.
    sealed: Option<JsonRecords<SealedEntry>>,
    /// Opens them: the operator's identity.
    opener: Option<station_seal::Opener>,
    /// Read once `records` is done: indexes from `enrollments` on.
    revocations: JsonRecords,
    /// How many enrollments the batch holds (the first revocation's index).
    enrollments: u64,
    /// The index of the next record `records` yields.
    next: u64,
    done: Bitset,
    progress: ImportProgress,
    retry: VecDeque<QueueItem>,
    in_flight: HashMap<ItemId, QueueItem>,
    problems: Vec<(String, String)>,
    journal: BufWriter<File>,
    journal_path: PathBuf,
}

impl ImportQueue {
    /// The queue of `batch` into the DPS service `target` (its host name), journaled in
    /// `journal`: created if missing, resumed if it names this batch and target, refused if it
    /// names another. `fresh` starts the journal again.
    pub fn open(
        batch: &VerifiedExport,
        target: &str,
        journal: &Path,
        fresh: bool,
        opener: Option<station_seal::Opener>,
    ) -> Result<Self, ImportError> {
        if batch.manifest.sealed > 0 && opener.is_none() {
            return Err(ImportError::NoIdentity {
                count: batch.manifest.sealed,
            });
        }
        // Enrollments first, then revocations (a revocation may disable one of them).
        let total = batch.manifest.records + batch.manifest.revocations;
        let header = format!(
            "{JOURNAL_FORMAT} batch={} target={target} records={total}",
            batch.manifest_sha256
        );
        let io = |source| ImportError::Journal {
            path: journal.to_owned(),
            source,
        };
        let mut done = Bitset::new(total);
        let mut resumed = 0u64;
        let valid = if fresh || !journal.exists() {
            None
        } else {
            read_journal(journal, &header, total, &mut done, &mut resumed)?
        };
        match valid {
            // A line cut short by a kill is dropped before anything is appended.
            Some(len) => File::options()
                .write(true)
                .open(journal)
                .and_then(|f| f.set_len(len))
                .map_err(io)?,
            // New, fresh, or killed before its header was whole: start it.
            None => {
                let mut f = station_store::private_files::create(journal).map_err(io)?;
                writeln!(f, "{header}").map_err(io)?;
            }
        }
        let file = File::options().append(true).open(journal).map_err(io)?;
        let records = batch.records().map_err(ImportError::Batch)?;
        let revocations = batch.revocations().map_err(ImportError::Batch)?;
        let sealed = batch.sealed_secrets().map_err(ImportError::Batch)?;
        Ok(Self {
            inner: Mutex::new(Inner {
                records,
                sealed,
                opener,
                revocations,
                enrollments: batch.manifest.records,
                next: 0,
                done,
                progress: ImportProgress {
                    total,
                    done: resumed,
                    resumed,
                    problems: 0,
                },
                retry: VecDeque::new(),
                in_flight: HashMap::new(),
                problems: Vec::new(),
                journal: BufWriter::new(file),
                journal_path: journal.to_owned(),
            }),
        })
    }

    /// How far the import is.
    pub fn progress(&self) -> ImportProgress {
        self.lock().progress
    }

    /// The first conflicts and rejections of this run: (registration ID, reason).
    pub fn problems(&self) -> Vec<(String, String)> {
        self.lock().problems.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Reads a journal into `done`; returns the length of its complete lines, or `None` when it
/// has not even a whole header.
fn read_journal(
    path: &Path,
    header: &str,
    total: u64,
    done: &mut Bitset,
    count: &mut u64,
) -> Result<Option<u64>, ImportError> {
    let io = |source| ImportError::Journal {
        path: path.to_owned(),
        source,
    };
    let mut reader = BufReader::new(File::open(path).map_err(io)?);
    let mut line = String::new();
    let mut valid = 0u64;
    let mut n = 0u64;
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(io)?;
        if read == 0 || !line.ends_with('\n') {
            break;
        }
        n += 1;
        let text = line.trim_end();
        if n == 1 {
            if text != header {
                return Err(ImportError::OtherImport {
                    path: path.to_owned(),
                    found: text.chars().take(200).collect(),
                });
            }
        } else {
            let index = text
                .parse::<u64>()
                .ok()
                .filter(|&i| i < total)
                .ok_or_else(|| ImportError::Corrupt {
                    path: path.to_owned(),
                    line: n,
                })?;
            if done.set(index) {
                *count += 1;
            }
        }
        valid += read as u64;
    }
    Ok((n > 0).then_some(valid))
}

impl UploadQueue for ImportQueue {
    fn recover(&self) -> Result<u64, QueueError> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let n = inner.in_flight.len() as u64;
        let mut items: Vec<_> = inner.in_flight.drain().map(|(_, item)| item).collect();
        items.sort_by_key(|item| item.id);
        inner.retry.extend(items);
        Ok(n)
    }

    fn claim(&self, max: usize) -> Result<Vec<QueueItem>, QueueError> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let mut out = Vec::new();
        while out.len() < max {
            let Some(item) = inner.retry.pop_front() else {
                break;
            };
            out.push(item);
        }
        while out.len() < max {
            let (record, op) = if inner.next < inner.enrollments {
                (inner.records.next(), ItemOp::Create)
            } else {
                (inner.revocations.next(), ItemOp::Disable)
            };
            let Some(record) = record else {
                break;
            };
            let (_, mut enrollment) =
                record.map_err(|e| QueueError::from(ImportError::Batch(e)))?;
            let index = inner.next;
            inner.next += 1;
            // The sealed secrets follow the records: read in step, even for a record done.
            let sealed = if op == ItemOp::Create && keys_redacted(&enrollment) {
                let entry = inner
                    .sealed
                    .as_mut()
                    .and_then(Iterator::next)
                    .transpose()
                    .map_err(|e| QueueError::from(ImportError::Batch(e)))?;
                Some(entry.ok_or_else(|| {
                    QueueError::from(ImportError::Sealed {
                        registration_id: enrollment.registration_id.to_string(),
                        reason: "has no entry in the batch".into(),
                    })
                })?)
            } else {
                None
            };
            if inner.done.get(index) {
                continue;
            }
            if let Some((_, entry)) = sealed {
                enrollment =
                    unseal(inner.opener.as_ref(), &entry, &enrollment).map_err(QueueError::from)?;
            }
            out.push(QueueItem {
                id: ItemId(i64::try_from(index).unwrap_or(i64::MAX)),
                enrollment,
                op,
            });
        }
        for item in &out {
            inner.in_flight.insert(item.id, item.clone());
        }
        Ok(out)
    }

    fn complete(&self, outcomes: &[(ItemId, ItemOutcome)]) -> Result<(), QueueError> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        for (id, outcome) in outcomes {
            let Some(QueueItem { enrollment, .. }) = inner.in_flight.remove(id) else {
                continue;
            };
            match outcome {
                ItemOutcome::Created
                | ItemOutcome::AlreadyPresent
                | ItemOutcome::Disabled { .. } => {
                    let index = u64::try_from(id.0).unwrap_or(u64::MAX);
                    if inner.done.set(index) {
                        inner.progress.done += 1;
                        writeln!(inner.journal, "{index}").map_err(|source| {
                            QueueError::from(ImportError::Journal {
                                path: inner.journal_path.clone(),
                                source,
                            })
                        })?;
                    }
                }
                ItemOutcome::Conflict(reason) | ItemOutcome::Rejected(reason) => {
                    inner.progress.problems += 1;
                    if inner.problems.len() < KEPT_PROBLEMS {
                        inner
                            .problems
                            .push((enrollment.registration_id.to_string(), reason.clone()));
                    }
                }
            }
        }
        inner.journal.flush().map_err(|source| {
            QueueError::from(ImportError::Journal {
                path: inner.journal_path.clone(),
                source,
            })
        })?;
        Ok(())
    }

    fn release(&self, ids: &[ItemId], _error: &str) -> Result<(), QueueError> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        for id in ids {
            if let Some(item) = inner.in_flight.remove(id) {
                inner.retry.push_back(item);
            }
        }
        Ok(())
    }
}

/// One bit per record.
#[derive(Debug)]
struct Bitset {
    words: Vec<u64>,
    len: u64,
}

impl Bitset {
    fn new(len: u64) -> Self {
        Self {
            words: vec![0; usize::try_from(len.div_ceil(64)).unwrap_or(0)],
            len,
        }
    }

    fn get(&self, i: u64) -> bool {
        let (word, bit) = (usize::try_from(i / 64).unwrap_or(usize::MAX), i % 64);
        i < self.len && self.words.get(word).is_some_and(|w| w & (1 << bit) != 0)
    }

    /// Sets bit `i`; `true` when it was clear.
    fn set(&mut self, i: u64) -> bool {
        if i >= self.len {
            return false;
        }
        let (word, bit) = (usize::try_from(i / 64).unwrap_or(usize::MAX), i % 64);
        match self.words.get_mut(word) {
            Some(w) if *w & (1 << bit) == 0 => {
                *w |= 1 << bit;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bitset_counts_each_record_once() {
        let mut b = Bitset::new(130);
        assert!(b.set(0) && b.set(64) && b.set(129));
        assert!(!b.set(64), "set twice");
        assert!(!b.set(130), "out of range");
        assert!(b.get(129) && !b.get(128) && !b.get(1000));
    }

    #[test]
    fn the_default_journal_sits_beside_the_batch() {
        assert_eq!(
            default_journal_path(Path::new("/media/usb/batch-7.tar.age")),
            Path::new("/media/usb/batch-7.tar.age.import-journal")
        );
        assert_eq!(
            default_journal_path(Path::new("exports/batch-7/")),
            Path::new("exports/batch-7.import-journal")
        );
    }
}
