//! What the uploader drains: the station's SQLite queue ([`StoreQueue`]) or a verified export
//! batch held in memory ([`MemoryQueue`], for `station import`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use station_store::{EnrollmentId, Store, StoreError, UploadResult};

use crate::schema::IndividualEnrollment;

/// Identifies one item within its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemId(pub i64);

/// One enrollment to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    /// Its id in the queue.
    pub id: ItemId,
    /// The enrollment exactly as it goes to DPS.
    pub enrollment: IndividualEnrollment,
}

/// What became of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemOutcome {
    /// DPS created it.
    Created,
    /// DPS already held it with the same attestation; nothing was changed.
    AlreadyPresent,
    /// DPS holds a different enrollment with this registration ID; it was not overwritten.
    Conflict(String),
    /// DPS refused the enrollment itself (e.g. an invalid key); retrying will not help.
    Rejected(String),
}

/// A queue failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The station database failed.
    #[error("the upload queue failed")]
    Store(#[from] StoreError),
    /// Another uploader is draining this database right now.
    #[error("another uploader is already running on {}", path.display())]
    Busy {
        /// The lock file.
        path: PathBuf,
    },
    /// The lock file could not be created.
    #[error("could not create the uploader lock file {}", path.display())]
    LockFile {
        /// The lock file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// A source of enrollments to upload, with a place to record what happened to them.
///
/// Calls block (SQLite); the uploader runs them on tokio's blocking pool.
pub trait UploadQueue: Send + Sync + 'static {
    /// Makes items a stopped uploader left in flight available again; returns how many.
    fn recover(&self) -> Result<u64, QueueError>;
    /// Claims up to `max` items that no batch holds, oldest first. Empty when none is left.
    fn claim(&self, max: usize) -> Result<Vec<QueueItem>, QueueError>;
    /// Records final outcomes and releases the items.
    fn complete(&self, outcomes: &[(ItemId, ItemOutcome)]) -> Result<(), QueueError>;
    /// Releases items without an outcome after a failed attempt, keeping `error`.
    fn release(&self, ids: &[ItemId], error: &str) -> Result<(), QueueError>;
}

/// The station database's enrollment queue.
///
/// Holds an exclusive lock on `<database>.upload.lock` for as long as it lives, so only one
/// uploader drains a database; the operating system drops the lock when the process dies,
/// which is what makes [`UploadQueue::recover`] safe.
#[derive(Debug)]
pub struct StoreQueue {
    store: Arc<Store>,
    actor: String,
    _lock: File,
}

impl StoreQueue {
    /// Takes the uploader lock for `store`'s database; audit rows name `actor`.
    pub fn open(store: Arc<Store>, actor: impl Into<String>) -> Result<Self, QueueError> {
        let path = lock_path(store.path());
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| QueueError::LockFile {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(QueueError::Busy { path }),
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(QueueError::LockFile { path, source });
            }
        }
        Ok(StoreQueue {
            store,
            actor: actor.into(),
            _lock: file,
        })
    }
}

/// The uploader lock file of a database.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".upload.lock");
    PathBuf::from(name)
}

impl UploadQueue for StoreQueue {
    fn recover(&self) -> Result<u64, QueueError> {
        Ok(self.store.release_in_flight()?)
    }

    fn claim(&self, max: usize) -> Result<Vec<QueueItem>, QueueError> {
        loop {
            let rows = self.store.claim_enrollments(max)?;
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let mut items = Vec::with_capacity(rows.len());
            let mut broken = Vec::new();
            for row in rows {
                match serde_json::from_str::<IndividualEnrollment>(&row.payload_json) {
                    Ok(e) if e.registration_id.eq_ignore_ascii_case(&row.registration_id) => {
                        items.push(QueueItem {
                            id: ItemId(row.id.0),
                            enrollment: e,
                        });
                    }
                    Ok(_) => broken.push((
                        row.id,
                        UploadResult::Conflict {
                            reason: "the queued payload names another registration ID".into(),
                        },
                    )),
                    Err(e) => broken.push((
                        row.id,
                        UploadResult::Conflict {
                            reason: format!(
                                "the queued payload is not a DPS IndividualEnrollment: {e}"
                            ),
                        },
                    )),
                }
            }
            if !broken.is_empty() {
                self.store.complete_uploads(&self.actor, &broken)?;
            }
            if !items.is_empty() {
                return Ok(items);
            }
        }
    }

    fn complete(&self, outcomes: &[(ItemId, ItemOutcome)]) -> Result<(), QueueError> {
        let results: Vec<(EnrollmentId, UploadResult)> = outcomes
            .iter()
            .map(|(id, outcome)| {
                let result = match outcome {
                    ItemOutcome::Created => UploadResult::Uploaded {
                        already_present: false,
                    },
                    ItemOutcome::AlreadyPresent => UploadResult::Uploaded {
                        already_present: true,
                    },
                    ItemOutcome::Conflict(reason) => UploadResult::Conflict {
                        reason: reason.clone(),
                    },
                    ItemOutcome::Rejected(reason) => UploadResult::Conflict {
                        reason: format!("rejected by DPS: {reason}"),
                    },
                };
                (EnrollmentId(id.0), result)
            })
            .collect();
        Ok(self.store.complete_uploads(&self.actor, &results)?)
    }

    fn release(&self, ids: &[ItemId], error: &str) -> Result<(), QueueError> {
        let ids: Vec<EnrollmentId> = ids.iter().map(|i| EnrollmentId(i.0)).collect();
        Ok(self.store.release_enrollments(&ids, error)?)
    }
}

/// Where an item of a [`MemoryQueue`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemoryState {
    /// Not yet uploaded.
    Pending,
    /// Claimed by a batch.
    InFlight,
    /// Finished.
    Done(ItemOutcome),
}

#[derive(Debug)]
struct MemoryItem {
    enrollment: IndividualEnrollment,
    state: MemoryState,
    attempts: u32,
    last_error: Option<String>,
}

/// An in-memory queue (e.g. a verified export being imported). Re-running an import is safe:
/// enrollments DPS already holds with the same attestation count as already present.
#[derive(Debug)]
pub struct MemoryQueue {
    items: Mutex<Vec<MemoryItem>>,
}

impl MemoryQueue {
    /// A queue holding `enrollments`, in order.
    pub fn new(enrollments: Vec<IndividualEnrollment>) -> Self {
        MemoryQueue {
            items: Mutex::new(
                enrollments
                    .into_iter()
                    .map(|enrollment| MemoryItem {
                        enrollment,
                        state: MemoryState::Pending,
                        attempts: 0,
                        last_error: None,
                    })
                    .collect(),
            ),
        }
    }

    /// Every item's registration ID and state, in order.
    pub fn states(&self) -> Vec<(String, MemoryState)> {
        self.lock()
            .iter()
            .map(|i| (i.enrollment.registration_id.clone(), i.state.clone()))
            .collect()
    }

    /// The last error of each item that has one.
    pub fn errors(&self) -> Vec<(String, u32, String)> {
        self.lock()
            .iter()
            .filter_map(|i| {
                i.last_error
                    .clone()
                    .map(|e| (i.enrollment.registration_id.clone(), i.attempts, e))
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<MemoryItem>> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn index(id: ItemId) -> usize {
    usize::try_from(id.0).unwrap_or(usize::MAX)
}

impl UploadQueue for MemoryQueue {
    fn recover(&self) -> Result<u64, QueueError> {
        let mut n = 0;
        for item in self.lock().iter_mut() {
            if item.state == MemoryState::InFlight {
                item.state = MemoryState::Pending;
                n += 1;
            }
        }
        Ok(n)
    }

    fn claim(&self, max: usize) -> Result<Vec<QueueItem>, QueueError> {
        let mut items = self.lock();
        let mut out = Vec::new();
        for (i, item) in items.iter_mut().enumerate() {
            if out.len() == max {
                break;
            }
            if item.state == MemoryState::Pending {
                item.state = MemoryState::InFlight;
                out.push(QueueItem {
                    id: ItemId(i64::try_from(i).unwrap_or(i64::MAX)),
                    enrollment: item.enrollment.clone(),
                });
            }
        }
        Ok(out)
    }

    fn complete(&self, outcomes: &[(ItemId, ItemOutcome)]) -> Result<(), QueueError> {
        let mut items = self.lock();
        for (id, outcome) in outcomes {
            if let Some(item) = items.get_mut(index(*id)) {
                item.attempts += 1;
                item.state = MemoryState::Done(outcome.clone());
            }
        }
        Ok(())
    }

    fn release(&self, ids: &[ItemId], error: &str) -> Result<(), QueueError> {
        let mut items = self.lock();
        for id in ids {
            if let Some(item) = items.get_mut(index(*id)) {
                item.attempts += 1;
                item.last_error = Some(error.to_owned());
                item.state = MemoryState::Pending;
            }
        }
        Ok(())
    }
}
