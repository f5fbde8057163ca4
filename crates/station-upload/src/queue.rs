//! What the uploader drains: the station's SQLite queue ([`StoreQueue`]) or a verified export
//! batch streamed from its file (`crate::import::ImportQueue`, for `station import`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use station_store::{
    EnrollmentId, EnrollmentStatus, QueuedEnrollment, Retention, SecretState, Store, StoreError,
    UploadResult,
};

use crate::schema::IndividualEnrollment;

/// Identifies one item within its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemId(pub i64);

/// What DPS must do with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ItemOp {
    /// Create the enrollment (one already there with the same attestation is fine).
    #[default]
    Create,
    /// Make DPS refuse the registration ID: disable the enrollment it holds (`GET` for its
    /// ETag, `PUT` with `provisioningStatus: disabled` and `If-Match`), or create it disabled.
    Disable,
}

/// One enrollment to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    /// Its id in the queue.
    pub id: ItemId,
    /// The enrollment exactly as it goes to DPS (for [`ItemOp::Disable`], its attestation;
    /// the uploader sends it disabled).
    pub enrollment: IndividualEnrollment,
    /// What to do with it.
    pub op: ItemOp,
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
    /// DPS holds the registration ID's enrollment disabled ([`ItemOp::Disable`]); `created`
    /// when it held none before.
    Disabled {
        /// DPS held no enrollment for the ID: it was created disabled.
        created: bool,
    },
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
    /// Another kind of queue failed (an import's batch or journal): it has its own code. Its message is its whole chain.
    #[error("{}", crate::error_chain(.0.as_ref()))]
    Other(Box<dyn CodedError>),
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

/// An error of a queue other than the store's: it has its own stable code (docs/errors.md).
pub trait CodedError: station_errors::Coded + Send + Sync + 'static {}

impl<E: station_errors::Coded + Send + Sync + 'static> CodedError for E {}

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
    /// Opens sealed device secrets: the uploader's identity (`[secrets] identity_file`).
    opener: Option<station_seal::Opener>,
    /// Whether a secret DPS confirmed is purged.
    retention: Retention,
    /// Something was purged since the log was last truncated.
    purged: std::sync::atomic::AtomicBool,
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
            opener: None,
            retention: Retention::UntilDelivered,
            purged: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Opens sealed enrollments with `opener` (none: each becomes a conflict saying so) and
    /// purges a secret DPS confirmed unless `retention` keeps it.
    #[must_use]
    pub fn with_secrets(
        mut self,
        opener: Option<station_seal::Opener>,
        retention: Retention,
    ) -> Self {
        self.opener = opener;
        self.retention = retention;
        self
    }

    /// The enrollment `row` holds, as it goes to DPS: its payload, or for a sealed secret the
    /// payload opened with the uploader's identity. `Err` is why it cannot go (a conflict).
    fn payload(&self, row: &QueuedEnrollment) -> Result<IndividualEnrollment, String> {
        let parse = |text: &[u8]| {
            serde_json::from_slice::<IndividualEnrollment>(text)
                .map_err(|e| format!("the queued payload is not a DPS IndividualEnrollment: {e}"))
        };
        let disable = row.status == EnrollmentStatus::DisableQueued;
        let enrollment = match (row.secret, &row.sealed) {
            // A revocation needs no key: DPS is sent fresh ones with the disabled enrollment.
            (SecretState::Sealed | SecretState::Purged, _) if disable => {
                parse(row.payload_json.as_bytes())?
            }
            (SecretState::Sealed, Some(sealed)) => {
                let opener = self.opener.as_ref().ok_or_else(|| {
                    "the device key is sealed and this uploader has no identity to open it \
                     (secrets.identity_file)"
                        .to_owned()
                })?;
                let opened = opener
                    .open(&sealed.ciphertext)
                    .map_err(|e| format!("cannot open the sealed device key: {e}"))?;
                parse(&opened)?
            }
            (SecretState::Sealed, None) => {
                return Err("the row is marked sealed but holds no ciphertext".into());
            }
            (SecretState::Purged, _) => {
                return Err(format!(
                    "the device key was purged after delivery{}; nothing is left to upload",
                    row.purged_at
                        .map(|t| format!(" at {}", t.to_rfc3339()))
                        .unwrap_or_default()
                ));
            }
            (_, _) => parse(row.payload_json.as_bytes())?,
        };
        if enrollment.registration_id != row.registration_id {
            return Err("the queued payload names another registration ID".into());
        }
        Ok(enrollment)
    }
}

/// The uploader lock file of a database.
pub fn lock_path(db: &Path) -> PathBuf {
    station_store::uploader_lock::path(db)
}

impl UploadQueue for StoreQueue {
    fn recover(&self) -> Result<u64, QueueError> {
        Ok(self.store.release_in_flight()?)
    }

    fn claim(&self, max: usize) -> Result<Vec<QueueItem>, QueueError> {
        loop {
            let rows = self.store.claim_enrollments(max)?;
            if rows.is_empty() {
                // The queue is drained: old log frames may still hold what was purged, so
                // fold them into the file and truncate the log (not after every batch: a
                // truncating checkpoint waits for the kiosk's readers).
                if self
                    .purged
                    .swap(false, std::sync::atomic::Ordering::Relaxed)
                {
                    match self.store.checkpoint() {
                        Ok(true) => {}
                        Ok(false) => self
                            .purged
                            .store(true, std::sync::atomic::Ordering::Relaxed),
                        Err(e) => {
                            tracing::warn!(error = %e, "could not checkpoint after a purge");
                        }
                    }
                }
                return Ok(Vec::new());
            }
            let mut items = Vec::with_capacity(rows.len());
            let mut broken = Vec::new();
            for row in rows {
                match self.payload(&row) {
                    Ok(enrollment) => items.push(QueueItem {
                        id: ItemId(row.id.0),
                        enrollment,
                        op: if row.status == EnrollmentStatus::DisableQueued {
                            ItemOp::Disable
                        } else {
                            ItemOp::Create
                        },
                    }),
                    Err(reason) => broken.push((row.id, UploadResult::Conflict { reason })),
                }
            }
            if !broken.is_empty() {
                self.store
                    .complete_uploads(&self.actor, &broken, self.retention)?;
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
                    ItemOutcome::Disabled { created } => {
                        UploadResult::Disabled { created: *created }
                    }
                };
                (EnrollmentId(id.0), result)
            })
            .collect();
        self.store
            .complete_uploads(&self.actor, &results, self.retention)?;
        if self.retention == Retention::UntilDelivered {
            self.purged
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    fn release(&self, ids: &[ItemId], error: &str) -> Result<(), QueueError> {
        let ids: Vec<EnrollmentId> = ids.iter().map(|i| EnrollmentId(i.0)).collect();
        Ok(self.store.release_enrollments(&ids, error)?)
    }
}
