//! The background uploader: drains an [`UploadQueue`] into DPS in bulk batches, within the
//! service's rate limit, and reconciles every item.
//!
//! - Batches of at most [`MAX_BULK_ENROLLMENTS`], sent as bulk `create`, one at a time.
//! - A token bucket at `ops_per_minute` paces the calls: a bulk call costs `ops_per_bulk`
//!   operations (10 unless configured), any other call 1. The bucket starts empty and holds at
//!   most one bulk call's worth plus one operation, so no window of time ever sees more than
//!   the budget plus one call.
//! - `429` waits `Retry-After` (or a backoff when absent) and empties the bucket; `5xx`, `408`
//!   and network errors back off exponentially with jitter.
//! - Per item: created; already present with the same attestation = done; present with a
//!   different attestation = a conflict for a supervisor, never overwritten (only `create` is
//!   ever sent); refused = a conflict with DPS's reason.
//! - Revocations (`ItemOp::Disable`) go one by one: `GET` for the ETag, then `PUT` with
//!   `provisioningStatus: disabled` and `If-Match` (or a disabled create when DPS holds none).
//! - Restart safety: a batch in flight when the station died is still `queued` (marked in
//!   flight); the next start releases it and sends it again, and the items DPS already created
//!   reconcile as already present.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng as _;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::client::{DpsClient, DpsError};
use crate::queue::{ItemId, ItemOp, ItemOutcome, QueueError, QueueItem, UploadQueue};
use crate::schema::{
    BulkOperationMode, IndividualEnrollment, MAX_BULK_ENROLLMENTS, ProvisioningStatus,
};
use dps_wire::RegistrationId;

/// The published DPS budget: 1,000 operations per minute per service.
pub const DEFAULT_OPS_PER_MINUTE: u32 = 1000;
/// What one bulk call is counted as until measured otherwise.
pub const DEFAULT_OPS_PER_BULK: u32 = 10;
/// Attempts at one batch before it is released (and, in drain mode, the run fails).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 12;

/// How the uploader paces and retries.
#[derive(Debug, Clone, PartialEq)]
pub struct UploaderSettings {
    /// The operations-per-minute budget. Default [`DEFAULT_OPS_PER_MINUTE`].
    pub ops_per_minute: u32,
    /// What a bulk call costs. Default [`DEFAULT_OPS_PER_BULK`].
    pub ops_per_bulk: u32,
    /// Enrollments per bulk call, 1 to [`MAX_BULK_ENROLLMENTS`]. Default 10.
    pub batch_size: usize,
    /// First backoff delay after a 5xx or network error. Default 500 ms.
    pub backoff_base: Duration,
    /// Longest backoff delay. Default 60 s.
    pub backoff_max: Duration,
    /// Attempts at one batch before it is released. Default [`DEFAULT_MAX_ATTEMPTS`].
    pub max_attempts: u32,
    /// How often a continuous uploader looks at an empty queue. Default 2 s.
    pub idle_poll: Duration,
}

impl Default for UploaderSettings {
    fn default() -> Self {
        Self {
            ops_per_minute: DEFAULT_OPS_PER_MINUTE,
            ops_per_bulk: DEFAULT_OPS_PER_BULK,
            batch_size: MAX_BULK_ENROLLMENTS,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(60),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            idle_poll: Duration::from_secs(2),
        }
    }
}

/// Whether the uploader stops when the queue is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// Upload what is queued, then return (`station upload --once`, import, the demo). A batch
    /// that still fails after `max_attempts` ends the run with an error.
    Drain,
    /// Keep running until shut down; a failing batch is released and tried again later.
    Continuous,
}

/// What the uploader reports while it works, in order per batch: `BatchStarted`, then any
/// `Throttled`/`Retrying`, then one `Uploaded` or `Conflict` per item.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum UploadEvent {
    /// Items a stopped uploader left in flight were queued again.
    Recovered {
        /// How many.
        count: u64,
    },
    /// A batch was claimed.
    BatchStarted {
        /// Its size.
        size: usize,
    },
    /// DPS holds the enrollment.
    Uploaded {
        /// The registration ID.
        registration_id: String,
        /// It was already there with the same attestation.
        already_present: bool,
    },
    /// DPS holds the registration ID's enrollment disabled: a revocation reached it.
    Disabled {
        /// The registration ID.
        registration_id: String,
        /// DPS held none: it was created disabled.
        created: bool,
    },
    /// The enrollment needs a supervisor.
    Conflict {
        /// The registration ID.
        registration_id: String,
        /// Why.
        reason: String,
    },
    /// DPS answered 429; the uploader waits.
    Throttled {
        /// How long.
        wait: Duration,
    },
    /// A call failed and will be retried.
    Retrying {
        /// The attempt that failed (1-based).
        attempt: u32,
        /// The wait before the next one.
        wait: Duration,
        /// What failed.
        error: String,
    },
    /// The queue is empty (continuous mode).
    Idle,
}

/// Counters of one uploader run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadStats {
    /// Batches claimed.
    pub batches: u64,
    /// HTTP requests sent (all kinds).
    pub requests: u64,
    /// Bulk calls sent.
    pub bulk_calls: u64,
    /// Operations spent from the budget.
    pub ops: u64,
    /// Enrollments created.
    pub created: u64,
    /// Enrollments found already present with the same attestation.
    pub already_present: u64,
    /// Conflicts (different attestation present).
    pub conflicts: u64,
    /// Enrollments DPS refused.
    pub rejected: u64,
    /// Registration IDs disabled in DPS (revocations).
    pub disabled: u64,
    /// 429 answers.
    pub throttled: u64,
    /// Retries after 5xx, 408 or network errors.
    pub retries: u64,
    /// Items a stopped uploader had left in flight.
    pub recovered: u64,
}

/// Why the uploader stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The queue failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// DPS refused the station itself (credentials, permissions); retrying will not help.
    #[error(transparent)]
    Dps(#[from] DpsError),
    /// A batch still failed after every attempt; its items stay queued.
    #[error("gave up on a batch after {attempts} attempts")]
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        last: DpsError,
    },
    /// DPS never confirmed some items of a batch (per-item 5xx, read-backs failing); they
    /// stay queued.
    #[error("DPS did not confirm {count} enrollment(s) after {attempts} attempts")]
    Unconfirmed {
        /// Attempts made.
        attempts: u32,
        /// Items left queued.
        count: usize,
    },
    /// A blocking queue task panicked (a bug).
    #[error("the upload queue task failed")]
    Join(#[from] tokio::task::JoinError),
}

impl station_errors::Coded for UploadError {
    fn code(&self) -> &'static str {
        match self {
            Self::Queue(QueueError::Busy { .. }) => "station::upload::busy",
            Self::Queue(QueueError::Store(e)) => e.code(),
            Self::Queue(QueueError::Other(e)) => e.code(),
            Self::Queue(_) => "station::upload::queue",
            Self::Dps(e) => e.code(),
            Self::GaveUp { .. } | Self::Unconfirmed { .. } => "station::upload::gave_up",
            Self::Join(_) => "station::upload::internal",
        }
    }
}

/// Receives [`UploadEvent`]s.
pub type UploadSink = Arc<dyn Fn(&UploadEvent) + Send + Sync>;

/// A budget shared with other uploaders (a line's stations on one DPS), drawn from before every
/// call instead of the uploader's own bucket, so N uploaders together stay within one budget.
/// Any `Fn(u32) -> Result<Option<Duration>, String>` is one.
pub trait SharedBudget: Send + Sync + 'static {
    /// Takes `n` operations: `Ok(None)` taken; `Ok(Some(wait))` short, nothing taken, try again
    /// after `wait`; `Err(reason)` the budget cannot be reached (the uploader waits: sending
    /// without it could spend what other stations counted on).
    fn take(&self, n: u32) -> Result<Option<Duration>, String>;
}

impl<F> SharedBudget for F
where
    F: Fn(u32) -> Result<Option<Duration>, String> + Send + Sync + 'static,
{
    fn take(&self, n: u32) -> Result<Option<Duration>, String> {
        self(n)
    }
}

/// How long the uploader waits when the shared budget cannot be reached.
const SHARED_BUDGET_RETRY: Duration = Duration::from_secs(2);

/// The token bucket that keeps the uploader within its operations budget.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    per_sec: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A bucket refilled at `ops_per_minute`, holding at most `capacity` operations; it starts
    /// empty.
    pub fn new(ops_per_minute: u32, capacity: u32) -> Self {
        Self {
            per_sec: f64::from(ops_per_minute.max(1)) / 60.0,
            capacity: f64::from(capacity.max(1)),
            tokens: 0.0,
            last: Instant::now(),
        }
    }

    /// How long until `n` operations are available (zero if they are).
    pub fn wait_for(&mut self, n: u32) -> Duration {
        self.refill();
        let need = f64::from(n).min(self.capacity) - self.tokens;
        if need <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(need / self.per_sec)
        }
    }

    /// Spends `n` operations (the caller waited [`TokenBucket::wait_for`] first).
    pub fn take(&mut self, n: u32) {
        self.refill();
        self.tokens -= f64::from(n).min(self.capacity);
    }

    /// Empties the bucket (after a 429: the service saw more than the station counted).
    pub fn drain(&mut self) {
        self.refill();
        self.tokens = self.tokens.min(0.0);
    }

    fn refill(&mut self) {
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.per_sec).min(self.capacity);
    }
}

/// What to do after a failed call.
enum Next {
    Retry,
    Stop(UploadError),
}

/// Drains a queue into DPS; see the module docs.
pub struct Uploader {
    client: Arc<DpsClient>,
    queue: Arc<dyn UploadQueue>,
    settings: UploaderSettings,
    bucket: TokenBucket,
    shared: Option<Arc<dyn SharedBudget>>,
    sink: UploadSink,
    stats: UploadStats,
    shutdown: watch::Receiver<bool>,
}

impl std::fmt::Debug for Uploader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uploader")
            .field("settings", &self.settings)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Uploader {
    /// An uploader of `queue` to `client`; it stops early when `shutdown` becomes `true`.
    pub fn new(
        client: Arc<DpsClient>,
        queue: Arc<dyn UploadQueue>,
        settings: UploaderSettings,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        // One bulk call plus one operation of slack, so timer overshoot on a wait is not lost.
        let capacity = settings.ops_per_bulk.max(1) + 1;
        Self {
            bucket: TokenBucket::new(settings.ops_per_minute, capacity),
            shared: None,
            client,
            queue,
            settings,
            sink: Arc::new(|_| {}),
            stats: UploadStats::default(),
            shutdown,
        }
    }

    /// Sends events to `sink` (default: nowhere).
    #[must_use]
    pub fn with_sink(mut self, sink: UploadSink) -> Self {
        self.sink = sink;
        self
    }

    /// Draws every call's operations from `budget` (shared with the line's other uploaders)
    /// instead of this uploader's own bucket.
    #[must_use]
    pub fn with_shared_budget(mut self, budget: Arc<dyn SharedBudget>) -> Self {
        self.shared = Some(budget);
        self
    }

    /// The counters so far.
    pub fn stats(&self) -> &UploadStats {
        &self.stats
    }

    /// Runs until the queue is empty ([`RunMode::Drain`]) or shutdown ([`RunMode::Continuous`]).
    pub async fn run(&mut self, mode: RunMode) -> Result<UploadStats, UploadError> {
        let queue = Arc::clone(&self.queue);
        let recovered = tokio::task::spawn_blocking(move || queue.recover()).await??;
        if recovered > 0 {
            self.stats.recovered += recovered;
            self.emit(&UploadEvent::Recovered { count: recovered });
        }
        let batch_size = self.settings.batch_size.clamp(1, MAX_BULK_ENROLLMENTS);
        loop {
            if self.stopping() {
                break;
            }
            let queue = Arc::clone(&self.queue);
            let batch = tokio::task::spawn_blocking(move || queue.claim(batch_size)).await??;
            if batch.is_empty() {
                match mode {
                    RunMode::Drain => break,
                    RunMode::Continuous => {
                        self.emit(&UploadEvent::Idle);
                        let poll = self.settings.idle_poll;
                        if self.sleep(poll).await {
                            break;
                        }
                        continue;
                    }
                }
            }
            self.stats.batches += 1;
            self.emit(&UploadEvent::BatchStarted { size: batch.len() });
            match self.batch(batch).await {
                Ok(()) => {}
                Err(e @ (UploadError::GaveUp { .. } | UploadError::Unconfirmed { .. }))
                    if mode == RunMode::Continuous =>
                {
                    tracing::warn!(error = %e, "batch released after failed attempts");
                    let wait = self.settings.backoff_max;
                    if self.sleep(wait).await {
                        break;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(self.stats.clone())
    }

    /// Uploads one claimed batch until every item has an outcome.
    async fn batch(&mut self, mut pending: Vec<QueueItem>) -> Result<(), UploadError> {
        let mut attempt = 0u32;
        let mut per_item = false;
        while !pending.is_empty() {
            if self.stopping() {
                self.release(&pending, "the uploader stopped").await?;
                return Ok(());
            }
            let result = self.send(pending.clone(), per_item).await;
            match result {
                Ok((outcomes, retry)) => {
                    self.record(&pending, outcomes).await?;
                    if !retry.is_empty() {
                        attempt += 1;
                        let wait = self.backoff(attempt);
                        if attempt >= self.settings.max_attempts {
                            self.release(&retry, "DPS did not confirm the items")
                                .await?;
                            return Err(UploadError::Unconfirmed {
                                attempts: attempt,
                                count: retry.len(),
                            });
                        }
                        self.emit(&UploadEvent::Retrying {
                            attempt,
                            wait,
                            error: "some items could not be confirmed".into(),
                        });
                        if self.sleep(wait).await {
                            self.release(&retry, "the uploader stopped").await?;
                            return Ok(());
                        }
                    }
                    pending = retry;
                }
                Err(e) if !per_item && is_request_rejected(&e) => {
                    // The service refused the bulk request as a whole (e.g. one malformed
                    // item): send the items one by one so one bad record blocks nothing.
                    tracing::warn!(error = %e, "bulk request refused; uploading items one by one");
                    per_item = true;
                }
                Err(e) => {
                    attempt += 1;
                    match self.after_failure(e, attempt).await {
                        Next::Retry => {}
                        Next::Stop(err) => {
                            let message = err.to_string();
                            self.release(&pending, &message).await?;
                            return Err(err);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Sends one attempt at `items`: creates in one bulk call (or one by one, `per_item`),
    /// revocations one by one; returns the settled outcomes and the items to try again.
    async fn send(
        &mut self,
        items: Vec<QueueItem>,
        per_item: bool,
    ) -> Result<(Vec<(ItemId, ItemOutcome)>, Vec<QueueItem>), DpsError> {
        let (disables, creates): (Vec<_>, Vec<_>) =
            items.into_iter().partition(|i| i.op == ItemOp::Disable);
        let (mut outcomes, mut retry) = if creates.is_empty() {
            (Vec::new(), Vec::new())
        } else if per_item {
            self.individually(creates).await?
        } else {
            self.bulk(creates).await?
        };
        for item in disables {
            self.disable(item, &mut outcomes, &mut retry).await?;
        }
        Ok((outcomes, retry))
    }

    /// Makes DPS refuse `item`'s registration ID: the enrollment it holds is read for its
    /// ETag and written back disabled with `If-Match` (a change made meanwhile is a 412, and
    /// the item is tried again); none held is created disabled. The attestation sent is the
    /// station's own (a `GET` never returns symmetric keys), with fresh random symmetric keys
    /// in place of the device's: the station keeps no device key to send (sealed or purged),
    /// and a disabled enrollment whose key nobody holds refuses the device twice over.
    async fn disable(
        &mut self,
        item: QueueItem,
        outcomes: &mut Vec<(ItemId, ItemOutcome)>,
        retry: &mut Vec<QueueItem>,
    ) -> Result<(), DpsError> {
        let mut disabled = item.enrollment.clone();
        disabled.provisioning_status = Some(ProvisioningStatus::Disabled);
        if let Some(keys) = disabled.attestation.symmetric_key.as_mut() {
            keys.primary_key = Some(random_key());
            keys.secondary_key = Some(random_key());
        }
        disabled.etag = None;
        self.spend(1).await;
        self.stats.requests += 1;
        let present = match self
            .client
            .enrollment(item.enrollment.registration_id.as_str())
            .await
        {
            Ok(present) => Some(present),
            Err(e) if e.is_not_found() => None,
            Err(e) if e.is_unauthorized() => return Err(e),
            Err(e) if e.is_retryable() => {
                retry.push(item);
                return Ok(());
            }
            Err(e) => {
                outcomes.push((item.id, ItemOutcome::Rejected(e.to_string())));
                return Ok(());
            }
        };
        if let Some(p) = &present
            && p.provisioning_status == Some(ProvisioningStatus::Disabled)
        {
            outcomes.push((item.id, ItemOutcome::Disabled { created: false }));
            return Ok(());
        }
        let if_match = present
            .as_ref()
            .map(|p| p.etag.clone().unwrap_or_else(|| "*".to_owned()));
        self.spend(1).await;
        self.stats.requests += 1;
        match self
            .client
            .create_or_update(&disabled, if_match.as_deref())
            .await
        {
            Ok(_) => outcomes.push((
                item.id,
                ItemOutcome::Disabled {
                    created: present.is_none(),
                },
            )),
            // Changed or created meanwhile: read it again.
            Err(e) if e.is_precondition_failed() || e.is_conflict() || e.is_retryable() => {
                retry.push(item);
            }
            Err(e) if e.is_unauthorized() => return Err(e),
            Err(e) => outcomes.push((item.id, ItemOutcome::Rejected(e.to_string()))),
        }
        Ok(())
    }

    /// One bulk create; returns the settled outcomes and the items to try again.
    async fn bulk(
        &mut self,
        items: Vec<QueueItem>,
    ) -> Result<(Vec<(ItemId, ItemOutcome)>, Vec<QueueItem>), DpsError> {
        self.spend(self.settings.ops_per_bulk).await;
        let enrollments: Vec<IndividualEnrollment> =
            items.iter().map(|i| i.enrollment.clone()).collect();
        self.stats.requests += 1;
        self.stats.bulk_calls += 1;
        let result = self
            .client
            .bulk(BulkOperationMode::Create, &enrollments)
            .await?;
        // Keyed by ID, so DPS's spelling and ours match whatever their case.
        let errors: HashMap<RegistrationId, (i32, String)> = result
            .errors
            .iter()
            .filter_map(|e| {
                let id = RegistrationId::parse(&e.registration_id).ok()?;
                Some((id, (e.error_code, e.error_status.clone())))
            })
            .collect();
        let mut outcomes = Vec::new();
        let mut retry = Vec::new();
        for item in items {
            match errors.get(&item.enrollment.registration_id) {
                None if result.is_successful || !errors.is_empty() => {
                    outcomes.push((item.id, ItemOutcome::Created));
                }
                // Not successful, yet no item named: find out what DPS holds.
                None => self.verify(item, &mut outcomes, &mut retry).await?,
                Some((code, status)) => match code / 1000 {
                    409 => self.verify(item, &mut outcomes, &mut retry).await?,
                    401 | 403 => {
                        return Err(DpsError::Service(Box::new(crate::client::ServiceError {
                            operation: "bulk create",
                            status: u16::try_from(code / 1000).unwrap_or(401),
                            error_code: Some(*code),
                            error_code_header: None,
                            tracking_id: None,
                            message: status.clone(),
                            retry_after: None,
                        })));
                    }
                    408 | 429 | 500..=599 => retry.push(item),
                    _ => outcomes.push((
                        item.id,
                        ItemOutcome::Rejected(format!("errorCode {code}: {status}")),
                    )),
                },
            }
        }
        Ok((outcomes, retry))
    }

    /// One `PUT` (create) per item, after the service refused a bulk request as a whole.
    async fn individually(
        &mut self,
        items: Vec<QueueItem>,
    ) -> Result<(Vec<(ItemId, ItemOutcome)>, Vec<QueueItem>), DpsError> {
        let mut outcomes = Vec::new();
        let mut retry = Vec::new();
        for item in items {
            self.spend(1).await;
            self.stats.requests += 1;
            match self.client.create_or_update(&item.enrollment, None).await {
                Ok(_) => outcomes.push((item.id, ItemOutcome::Created)),
                Err(e) if e.is_conflict() => self.verify(item, &mut outcomes, &mut retry).await?,
                Err(e) if e.is_retryable() => retry.push(item),
                Err(e) if e.is_unauthorized() => return Err(e),
                Err(e) => outcomes.push((item.id, ItemOutcome::Rejected(e.to_string()))),
            }
        }
        Ok((outcomes, retry))
    }

    /// Compares what DPS holds for `item` with what the station would send.
    async fn verify(
        &mut self,
        item: QueueItem,
        outcomes: &mut Vec<(ItemId, ItemOutcome)>,
        retry: &mut Vec<QueueItem>,
    ) -> Result<(), DpsError> {
        self.spend(1).await;
        self.stats.requests += 1;
        let id = &item.enrollment.registration_id;
        match self.client.attestation_mechanism(id.as_str()).await {
            Ok(present) if item.enrollment.attestation.same_identity(&present) => {
                outcomes.push((item.id, ItemOutcome::AlreadyPresent));
            }
            Ok(present) => outcomes.push((
                item.id,
                ItemOutcome::Conflict(format!(
                    "DPS already holds {id} with a different {:?} attestation; it was not \
                     overwritten",
                    present.kind
                )),
            )),
            Err(e) if e.is_unauthorized() => return Err(e),
            Err(e) => {
                tracing::debug!(registration_id = %id, error = %e, "could not read back");
                retry.push(item);
            }
        }
        Ok(())
    }

    /// Decides what follows a failed call: wait and retry, or stop.
    async fn after_failure(&mut self, e: DpsError, attempt: u32) -> Next {
        if !e.is_retryable() {
            return Next::Stop(UploadError::Dps(e));
        }
        if attempt >= self.settings.max_attempts {
            return Next::Stop(UploadError::GaveUp {
                attempts: attempt,
                last: e,
            });
        }
        let wait = if e.is_throttled() {
            self.stats.throttled += 1;
            self.bucket.drain();
            let wait = e.retry_after().unwrap_or_else(|| self.backoff(attempt));
            self.emit(&UploadEvent::Throttled { wait });
            wait
        } else {
            self.stats.retries += 1;
            let wait = self.backoff(attempt);
            self.emit(&UploadEvent::Retrying {
                attempt,
                wait,
                error: crate::error_chain(&e),
            });
            wait
        };
        tracing::info!(attempt, wait_ms = wait.as_millis() as u64, error = %e, "retrying");
        // A shutdown during the wait is seen by the caller's `stopping()`, which releases the
        // batch.
        let _ = self.sleep(wait).await;
        Next::Retry
    }

    /// Records outcomes and emits their events.
    async fn record(
        &mut self,
        batch: &[QueueItem],
        outcomes: Vec<(ItemId, ItemOutcome)>,
    ) -> Result<(), UploadError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let queue = Arc::clone(&self.queue);
        let to_store = outcomes.clone();
        tokio::task::spawn_blocking(move || queue.complete(&to_store)).await??;
        let names: HashMap<ItemId, &str> = batch
            .iter()
            .map(|i| (i.id, i.enrollment.registration_id.as_str()))
            .collect();
        for (id, outcome) in outcomes {
            let registration_id = names.get(&id).copied().unwrap_or_default().to_owned();
            let event = match outcome {
                ItemOutcome::Created => {
                    self.stats.created += 1;
                    UploadEvent::Uploaded {
                        registration_id,
                        already_present: false,
                    }
                }
                ItemOutcome::AlreadyPresent => {
                    self.stats.already_present += 1;
                    UploadEvent::Uploaded {
                        registration_id,
                        already_present: true,
                    }
                }
                ItemOutcome::Conflict(reason) => {
                    self.stats.conflicts += 1;
                    UploadEvent::Conflict {
                        registration_id,
                        reason,
                    }
                }
                ItemOutcome::Rejected(reason) => {
                    self.stats.rejected += 1;
                    UploadEvent::Conflict {
                        registration_id,
                        reason: format!("rejected by DPS: {reason}"),
                    }
                }
                ItemOutcome::Disabled { created } => {
                    self.stats.disabled += 1;
                    UploadEvent::Disabled {
                        registration_id,
                        created,
                    }
                }
            };
            self.emit(&event);
        }
        Ok(())
    }

    async fn release(&mut self, items: &[QueueItem], error: &str) -> Result<(), UploadError> {
        if items.is_empty() {
            return Ok(());
        }
        let queue = Arc::clone(&self.queue);
        let ids: Vec<ItemId> = items.iter().map(|i| i.id).collect();
        let error = error.to_owned();
        tokio::task::spawn_blocking(move || queue.release(&ids, &error)).await??;
        Ok(())
    }

    /// Waits until the bucket holds `n` operations, then spends them.
    async fn spend(&mut self, n: u32) {
        if let Some(shared) = self.shared.clone() {
            while !self.stopping() {
                let budget = Arc::clone(&shared);
                let wait = match tokio::task::spawn_blocking(move || budget.take(n)).await {
                    Ok(Ok(None)) => break,
                    Ok(Ok(Some(wait))) => wait,
                    Ok(Err(reason)) => {
                        tracing::warn!(%reason, "the line's DPS budget cannot be reached; waiting");
                        SHARED_BUDGET_RETRY
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the line's DPS budget check failed; waiting");
                        SHARED_BUDGET_RETRY
                    }
                };
                tokio::time::sleep(wait).await;
            }
            self.stats.ops += u64::from(n);
            return;
        }
        loop {
            let wait = self.bucket.wait_for(n);
            if wait.is_zero() {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        self.bucket.take(n);
        self.stats.ops += u64::from(n);
    }

    /// Exponential backoff with jitter: a random delay in `[d/2, d]`, `d = base · 2^(n-1)`,
    /// capped at `backoff_max`.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = 2f64.powi(i32::try_from(attempt.saturating_sub(1).min(30)).unwrap_or(30));
        let d = (self.settings.backoff_base.as_secs_f64() * exp)
            .min(self.settings.backoff_max.as_secs_f64());
        Duration::from_secs_f64(rand::rng().random_range(d / 2.0..=d.max(f64::MIN_POSITIVE)))
    }

    /// Sleeps; returns true if shutdown was requested meanwhile.
    async fn sleep(&mut self, d: Duration) -> bool {
        if self.stopping() {
            return true;
        }
        tokio::select! {
            () = tokio::time::sleep(d) => false,
            _ = self.shutdown.changed() => true,
        }
    }

    fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    fn emit(&self, event: &UploadEvent) {
        (self.sink)(event);
    }
}

/// A whole request refused for its content (not credentials, not throttling, not transient).
fn is_request_rejected(e: &DpsError) -> bool {
    matches!(e.status(), Some(400 | 413 | 415 | 422))
}

/// A fresh 256-bit symmetric key, base64: what a revocation's disabled enrollment carries.
fn random_key() -> String {
    use base64::Engine as _;
    let mut key = [0u8; 32];
    rand::rng().fill(&mut key[..]);
    base64::engine::general_purpose::STANDARD.encode(key)
}
