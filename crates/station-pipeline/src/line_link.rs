//! The station's link to the line database: every call it makes there, and what it does when
//! the line cannot be reached.
//!
//! - **In order, nothing lost.** Anything the line must hear (a reservation made apart, a
//!   keep, a release, a unit's outcome) goes through the store's outbox when the line does not
//!   answer, and the outbox is replayed, in order, before anything new is sent: the line never
//!   hears a keep before its reservation.
//! - **Apart.** Under `offline = "refuse"` a unit that needs a reservation is refused while
//!   the line is unreachable. Under `"local"` it goes ahead on the station's own uniqueness
//!   checks (the store's) and its quota leases; the replay then turns what another station
//!   took meanwhile into conflicts for the supervisors ([`SyncReport::conflicts`]).
//! - **Quota.** A quota product's certificates come only from leases
//!   ([`LineLink::ensure_lease`]), topped up while the line answers.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use station_config::OfflinePolicy;
use station_linedb::{Identity, IdentityKind, LineDb, LineDbError, LineUnit};
use station_store::{NewLineConflict, Store, StoreError, UnitId, UnitStatus};

/// Outbox rows replayed per call.
const REPLAY_BATCH: u32 = 256;

/// The station's link to the line database.
#[derive(Debug)]
pub struct LineLink {
    /// Connections: a slot takes a free one, so slots do not queue behind each other's round
    /// trips. The first also replays the outbox and leases.
    pool: Vec<Mutex<LineDb>>,
    /// Connections that commit without waiting for the server's disk, for units' finishes.
    lazy: Vec<Mutex<LineDb>>,
    next: AtomicUsize,
    /// The outbox may hold rows (true until a replay found it empty), so new updates must
    /// wait behind them.
    pending: AtomicBool,
    offline: OfflinePolicy,
    lease_block: u32,
}

/// How a reservation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserved {
    /// The line holds it for the unit.
    OnLine,
    /// The line is unreachable; the station went ahead (`offline = "local"`) and will replay.
    Apart,
}

/// Why the link refused.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The line refused, or could not be reached under `offline = "refuse"`.
    #[error(transparent)]
    Line(#[from] LineDbError),
    /// The station's own store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Outbox rows the line now has.
    pub replayed: i64,
    /// Rows still waiting (the line stopped answering).
    pub waiting: i64,
    /// Conflicts found (identities another station's unit took while this one was apart).
    pub conflicts: Vec<station_linedb::Conflict>,
    /// Whether the line answered.
    pub connected: bool,
    /// Rows of this station's audit chain copied to the line.
    pub audit_rows_copied: u64,
    /// Leases the line granted this station that its store did not hold (it was stopped
    /// between the grant and keeping it), now kept.
    pub leases_recovered: u64,
    /// Leases whose unused part went back to their closed work order, now given up here.
    pub leases_returned: u64,
}

/// An identity as the outbox keeps it.
#[derive(Debug, Serialize, Deserialize)]
struct OutboxIdentity {
    kind: String,
    value: String,
}

/// A unit's outcome as the outbox keeps it.
#[derive(Debug, Serialize, Deserialize)]
struct OutboxUnit {
    serial: Option<String>,
    registration_id: Option<String>,
    product: String,
    work_order: Option<String>,
    passed: bool,
    failed_step: Option<String>,
    failure_code: Option<String>,
    finished_at: DateTime<Utc>,
}

impl LineLink {
    /// A link over `db`.
    #[must_use]
    pub fn new(db: LineDb, offline: OfflinePolicy, lease_block: u32) -> Self {
        Self {
            lazy: vec![Mutex::new(db.another_lazy())],
            pool: vec![Mutex::new(db)],
            next: AtomicUsize::new(0),
            pending: AtomicBool::new(true),
            offline,
            lease_block: lease_block.max(1),
        }
    }

    /// Uses `connections` connections (at least 1) like the first, so up to that many slots
    /// talk to the line at once.
    #[must_use]
    pub fn with_connections(mut self, connections: usize) -> Self {
        while self.pool.len() < connections.max(1) {
            let (another, lazy) = {
                let db = self.db();
                (db.another(), db.another_lazy())
            };
            self.pool.push(Mutex::new(another));
            self.lazy.push(Mutex::new(lazy));
        }
        self
    }

    /// The first connection (the outbox's, the leases', the views').
    fn db(&self) -> MutexGuard<'_, LineDb> {
        self.pool[0].lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A free connection of `pool`, else the next in turn.
    fn any<'a>(&self, pool: &'a [Mutex<LineDb>]) -> MutexGuard<'a, LineDb> {
        for m in pool {
            if let Ok(db) = m.try_lock() {
                return db;
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % pool.len();
        pool[i].lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replays the outbox if it may hold rows; true when it is empty (new updates may go
    /// straight to the line).
    fn caught_up(&self, store: &Store) -> Result<bool, StoreError> {
        if !self.pending.load(Ordering::SeqCst) {
            return Ok(true);
        }
        let mut db = self.db();
        let report = replay(&mut db, store)?;
        let empty = report.waiting == 0;
        if empty {
            self.pending.store(false, Ordering::SeqCst);
        }
        Ok(empty)
    }

    /// Keeps an update for the replay.
    fn queue(
        &self,
        store: &Store,
        op: &str,
        unit: UnitId,
        payload: &str,
    ) -> Result<(), StoreError> {
        self.pending.store(true, Ordering::SeqCst);
        store.line_outbox_push(op, &unit.0.to_string(), payload)?;
        Ok(())
    }

    /// Whether the line database answered the last call.
    pub fn connected(&self) -> bool {
        self.pool.iter().any(|m| {
            m.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_connected()
        })
    }

    /// The policy while apart.
    #[must_use]
    pub fn offline_policy(&self) -> OfflinePolicy {
        self.offline
    }

    /// Runs `f` on the line database (for views: status, conflicts).
    pub fn with_db<T>(&self, f: impl FnOnce(&mut LineDb) -> T) -> T {
        f(&mut self.db())
    }

    /// Reserves the unit's identities. Held by another unit: refused, naming it. Unreachable:
    /// refused, or (`offline = "local"`) kept in the outbox for the replay.
    pub fn reserve(
        &self,
        store: &Store,
        unit: UnitId,
        identities: &[Identity],
    ) -> Result<Reserved, LinkError> {
        let result = if self.caught_up(store)? {
            let mut db = self.any(&self.pool);
            match db.reserve(&unit.0.to_string(), identities) {
                // Held by one of this station's own units that a stop left unfinished (marked
                // interrupted at the restart, or failed while the line could not hear it): the
                // board is back on the fixture, so what that unit held is released and the
                // reservation tried once more.
                Err(LineDbError::Held(h))
                    if h.station_id == db.station_id() && !h.kept && stale(store, &h.unit_ref) =>
                {
                    tracing::info!(%unit, stale_unit = %h.unit_ref, "releasing what an unfinished unit of this station held on the line");
                    db.release(&h.unit_ref)
                        .and_then(|_| db.reserve(&unit.0.to_string(), identities))
                }
                other => other,
            }
        } else {
            Err(LineDbError::Offline)
        };
        match result {
            Ok(()) => Ok(Reserved::OnLine),
            Err(e) if e.is_unreachable() && self.offline == OfflinePolicy::Local => {
                let payload: Vec<OutboxIdentity> = identities
                    .iter()
                    .map(|i| OutboxIdentity {
                        kind: i.kind.as_str().to_owned(),
                        value: i.value.clone(),
                    })
                    .collect();
                self.queue(
                    store,
                    "reserve",
                    unit,
                    &serde_json::to_string(&payload).map_err(StoreError::from)?,
                )?;
                tracing::warn!(%unit, error = %e, "the line database is unreachable: provisioning on this station's checks; the reservation is replayed later");
                Ok(Reserved::Apart)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The unit's claim is committed here and its board is about to be locked: the line is
    /// told, so a station that meets the board while this one is stopped says where its claim
    /// is. Now, or at the replay; never in the unit's way (a line that cannot hear it now hears
    /// it from the outbox).
    pub fn claim(&self, store: &Store, unit: UnitId) {
        self.send_or_queue(store, unit, "claim", "{}", |db| {
            db.claim(&unit.0.to_string())
        });
    }

    /// A unit finished: passed, the line keeps its identities for good; failed, it releases
    /// what the unit held and had not kept; and the outcome is copied (no secrets). Now, or
    /// at the replay.
    #[allow(clippy::too_many_arguments)]
    pub fn finish(
        &self,
        store: &Store,
        unit: UnitId,
        serial: Option<&str>,
        registration_id: Option<&str>,
        product: &str,
        work_order: Option<&str>,
        failure: Option<(&str, &str)>,
    ) {
        let outcome = OutboxUnit {
            serial: serial.map(str::to_owned),
            registration_id: registration_id.map(str::to_owned),
            product: product.to_owned(),
            work_order: work_order.map(str::to_owned),
            passed: failure.is_none(),
            failed_step: failure.map(|(step, _)| step.to_owned()),
            failure_code: failure.map(|(_, code)| code.to_owned()),
            finished_at: Utc::now(),
        };
        let Ok(payload) = serde_json::to_string(&outcome) else {
            return;
        };
        let unit_ref = unit.0.to_string();
        self.send_or_queue(store, unit, "unit", &payload, |db| {
            db.finish_unit(&line_unit(&unit_ref, outcome))
        });
    }

    /// Sends an update on a lazy connection when the outbox is empty (so updates stay in
    /// order); otherwise, or when the line cannot take it, keeps it in the outbox as `op`
    /// with `payload` for the replay. Never fails the unit.
    fn send_or_queue(
        &self,
        store: &Store,
        unit: UnitId,
        op: &str,
        payload: &str,
        send: impl FnOnce(&mut LineDb) -> Result<(), LineDbError>,
    ) {
        let sent = match self.caught_up(store) {
            Ok(true) => send(&mut self.any(&self.lazy)),
            Ok(false) => Err(LineDbError::Offline),
            Err(e) => {
                tracing::warn!(error = %crate::error::chain(&e), "could not replay the line outbox");
                Err(LineDbError::Offline)
            }
        };
        if let Err(e) = sent {
            if !e.is_unreachable() {
                tracing::warn!(%unit, op, error = %crate::error::chain(&e), "the line database refused; kept in the outbox");
            }
            if let Err(e) = self.queue(store, op, unit, payload) {
                tracing::error!(%unit, op, error = %crate::error::chain(&e), "could not keep the update in the outbox: the line database will not hear of it");
            }
        }
    }

    /// Replays the outbox and reports the quota used: call it whenever the station is idle.
    pub fn sync(&self, store: &Store) -> Result<SyncReport, StoreError> {
        let mut db = self.db();
        let mut report = replay(&mut db, store)?;
        if report.waiting == 0 {
            self.pending.store(false, Ordering::SeqCst);
            for lease in store.line_leases_unreported()? {
                match db.use_lease(lease.id, lease.used) {
                    Ok(()) => store.line_lease_reported(lease.id, lease.used)?,
                    Err(e) => {
                        tracing::debug!(error = %e, "the quota use is reported later");
                        break;
                    }
                }
            }
            match settle_leases(&mut db, store) {
                Ok((recovered, returned)) => {
                    report.leases_recovered = recovered;
                    report.leases_returned = returned;
                }
                Err(e) => tracing::debug!(error = %e, "the leases are settled later"),
            }
            match copy_audit(&mut db, store) {
                Ok(n) => report.audit_rows_copied = n,
                Err(e) => tracing::debug!(error = %e, "the audit chain is copied later"),
            }
            if db.heartbeat().is_ok() {
                report.connected = true;
            }
        }
        report.connected &= db.is_connected();
        Ok(report)
    }

    /// Makes sure this station holds some of the work order's quota: when fewer than a quarter
    /// of a block is left it leases another block (opening the order at `quota` if the line
    /// has not got it). While apart the leases it holds are all it may issue from.
    pub(crate) fn ensure_lease(
        &self,
        store: &Store,
        work_order: &str,
        quota: u64,
    ) -> Result<(), LinkError> {
        let block = i64::from(self.lease_block);
        if store.line_lease_remaining(work_order)? * 4 >= block {
            return Ok(());
        }
        // One lease at a time per station: a slot that waited here finds the block another
        // slot just leased.
        let mut db = self.db();
        let remaining = store.line_lease_remaining(work_order)?;
        if remaining * 4 >= block {
            return Ok(());
        }
        let station = db.station_id().to_owned();
        let leased = db
            .open_work_order(work_order, i64::try_from(quota).unwrap_or(i64::MAX))
            .and_then(|line_quota| {
                if u64::try_from(line_quota).ok() != Some(quota) {
                    tracing::warn!(
                        work_order,
                        line_quota,
                        quota,
                        "the line opened this work order with another quota: the line's holds"
                    );
                }
                db.lease(work_order, block)
            });
        match leased {
            Ok(lease) => {
                store.add_line_lease(&station, lease.id, work_order, lease.granted)?;
                tracing::info!(
                    work_order,
                    lease = lease.id,
                    granted = lease.granted,
                    "leased a block of the work order's quota"
                );
                Ok(())
            }
            // What is left of the lease still serves; the issue step says when it is used up.
            Err(e) if remaining > 0 => {
                tracing::debug!(error = %e, remaining, "no new lease; issuing from what is left");
                Ok(())
            }
            Err(LineDbError::QuotaExhausted { .. } | LineDbError::UnknownWorkOrder(_)) => Ok(()),
            Err(e) if e.is_unreachable() => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Whether this station's unit `unit_ref` has ended without keeping what it reserved: it was
/// interrupted (the station stopped) or it failed; a unit in progress, committing (an open
/// claim: its board may be locked) or passed still holds.
fn stale(store: &Store, unit_ref: &str) -> bool {
    let Ok(id) = unit_ref.parse::<i64>() else {
        return false;
    };
    matches!(
        store.unit(UnitId(id)),
        Ok(Some(d)) if matches!(d.summary.status, UnitStatus::Interrupted | UnitStatus::Fail)
    )
}

/// Brings the station's leases in line with the line's, after the uses are reported: keeps
/// the leases the line granted that the store never recorded (the station stopped between the
/// line's grant and its own commit; the quota they hold would otherwise stay out of reach
/// until the order closes), and gives up what a closed order took back. Returns how many
/// leases were recovered and how many returned.
fn settle_leases(db: &mut LineDb, store: &Store) -> Result<(u64, u64), String> {
    let station = db.station_id().to_owned();
    let mut recovered = 0;
    for (lease, work_order) in db.unused_leases().map_err(|e| e.to_string())? {
        if store
            .add_line_lease(&station, lease.id, &work_order, lease.granted)
            .map_err(|e| e.to_string())?
        {
            tracing::warn!(
                work_order,
                lease = lease.id,
                granted = lease.granted,
                "kept a lease the line granted before the station stopped"
            );
            recovered += 1;
        }
    }
    let mut returned = 0;
    for (lease, keep) in db.returned_leases().map_err(|e| e.to_string())? {
        if store
            .return_line_lease(&station, lease, keep)
            .map_err(|e| e.to_string())?
        {
            tracing::info!(
                lease,
                keep,
                "the work order closed: its unused quota went back"
            );
            returned += 1;
        }
    }
    Ok((recovered, returned))
}

/// Audit rows copied per round trip.
const AUDIT_BATCH: u32 = 500;

/// Copies the rows of the station's audit chain the line does not hold yet, exactly as stored.
fn copy_audit(db: &mut LineDb, store: &Store) -> Result<u64, String> {
    let mut head = db.audit_copied().map_err(|e| e.to_string())?;
    let mut copied = 0;
    loop {
        let rows = store
            .raw_audit_after(head, AUDIT_BATCH)
            .map_err(|e| e.to_string())?;
        let Some(last) = rows.last().map(|r| r.seq) else {
            return Ok(copied);
        };
        let copies: Vec<station_linedb::AuditCopy> = rows
            .into_iter()
            .map(|r| station_linedb::AuditCopy {
                seq: r.seq,
                at: r.at,
                station_id: r.station_id,
                actor: r.actor,
                kind: r.kind,
                subject: r.subject,
                detail_json: r.detail_json,
                prev_hash: r.prev_hash,
                hash: r.hash,
            })
            .collect();
        db.copy_audit(&copies).map_err(|e| e.to_string())?;
        copied += copies.len() as u64;
        head = last;
    }
}

/// Verifies `station`'s audit chain from the line's copy alone (the station's own hash).
/// `Ok(report)`: every copied row verifies; `Err((seq, why))`: the first that does not.
pub fn verify_line_audit(
    db: &mut LineDb,
    station: &str,
) -> Result<
    Result<station_store::AuditReport, (station_store::AuditSeq, station_store::AuditBreak)>,
    LineDbError,
> {
    let mut report = station_store::AuditReport::EMPTY;
    let mut seq = 0;
    loop {
        let rows = db.audit_copy(station, seq, i64::from(AUDIT_BATCH))?;
        let Some(last) = rows.last().map(|r| r.seq) else {
            return Ok(Ok(report));
        };
        let raw: Vec<station_store::RawAuditRow> = rows
            .into_iter()
            .map(|r| station_store::RawAuditRow {
                seq: r.seq,
                at: r.at,
                station_id: r.station_id,
                actor: r.actor,
                kind: r.kind,
                subject: r.subject,
                detail_json: r.detail_json,
                prev_hash: r.prev_hash,
                hash: r.hash,
            })
            .collect();
        match station_store::verify_rows(report, &raw) {
            Ok(r) => report = r,
            Err(broken) => return Ok(Err(broken)),
        }
        seq = last;
    }
}

fn line_unit(unit_ref: &str, o: OutboxUnit) -> LineUnit {
    LineUnit {
        unit_ref: unit_ref.to_owned(),
        serial: o.serial,
        registration_id: o.registration_id,
        product: o.product,
        work_order: o.work_order,
        passed: o.passed,
        failed_step: o.failed_step,
        failure_code: o.failure_code,
        finished_at: o.finished_at,
    }
}

/// Replays the outbox in order until it is empty or the line stops answering.
fn replay(db: &mut LineDb, store: &Store) -> Result<SyncReport, StoreError> {
    let mut report = SyncReport::default();
    loop {
        let rows = store.line_outbox(REPLAY_BATCH)?;
        if rows.is_empty() {
            report.connected = db.is_connected();
            return Ok(report);
        }
        for row in rows {
            match apply(db, store, &row) {
                Ok(conflicts) => {
                    report.conflicts.extend(conflicts);
                    store.line_outbox_done(row.id)?;
                    report.replayed += 1;
                }
                Err(e) => {
                    if !e.is_unreachable() {
                        tracing::warn!(row = row.id, op = %row.op, error = %crate::error::chain(&e), "the line database refused a replayed row; it stays in the outbox");
                    }
                    report.waiting = store.line_outbox_len()?;
                    return Ok(report);
                }
            }
        }
    }
}

/// Sends one outbox row; a reservation made apart may come back with conflicts, which are
/// recorded on this station too.
fn apply(
    db: &mut LineDb,
    store: &Store,
    row: &station_store::LineOutboxRow,
) -> Result<Vec<station_linedb::Conflict>, LineDbError> {
    let unit_ref = row.unit_ref.as_str();
    match row.op.as_str() {
        "reserve" => {
            let identities: Vec<Identity> =
                serde_json::from_str::<Vec<OutboxIdentity>>(&row.payload_json)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|i| Some(Identity::new(IdentityKind::parse(&i.kind)?, i.value)))
                    .collect();
            let conflicts = db.replay_reservation(unit_ref, &identities, row.created_at)?;
            let station = db.station_id().to_owned();
            for c in &conflicts {
                tracing::error!(kind = c.identity.kind.as_str(), value = %c.identity.value, holder = %c.holder_station, holder_unit = %c.holder_unit, unit = unit_ref, "CONFLICT: provisioned here while apart from the line, and at another station meanwhile; a supervisor must decide");
                let recorded = store.record_line_conflict(
                    &station,
                    &NewLineConflict {
                        line_id: c.id,
                        unit: unit_ref.parse().ok().map(UnitId),
                        kind: c.identity.kind.as_str().to_owned(),
                        value: c.identity.value.clone(),
                        holder_station: c.holder_station.clone(),
                        holder_unit: c.holder_unit.clone(),
                    },
                );
                if let Err(e) = recorded {
                    tracing::error!(error = %crate::error::chain(&e), "could not record the conflict on this station (the line has it)");
                }
            }
            Ok(conflicts)
        }
        "claim" => db.claim(unit_ref).map(|()| Vec::new()),
        "keep" => db.keep(unit_ref).map(|_| Vec::new()),
        "release" => db.release(unit_ref).map(|_| Vec::new()),
        "unit" => match serde_json::from_str::<OutboxUnit>(&row.payload_json) {
            Ok(o) => db.finish_unit(&line_unit(unit_ref, o)).map(|()| Vec::new()),
            Err(e) => {
                tracing::warn!(row = row.id, error = %e, "an unreadable unit row in the line outbox was dropped");
                Ok(Vec::new())
            }
        },
        other => {
            tracing::warn!(
                row = row.id,
                op = other,
                "an unknown row in the line outbox was dropped"
            );
            Ok(Vec::new())
        }
    }
}

/// Why the station's `[line_db]` cannot be used (as opposed to the server being unreachable,
/// which [`open_line_db`] reports beside a connection that keeps trying).
#[derive(Debug, thiserror::Error)]
pub enum LineOpenError {
    /// The password could not be read.
    #[error("could not read the line database's password from {source_desc}: {reason}")]
    Password {
        /// Where it was looked for.
        source_desc: String,
        /// Why.
        reason: String,
    },
    /// The CA file could not be read or holds no usable certificate.
    #[error("the line database's CA file {}: {reason}", path.display())]
    CaFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
    /// An administration command, and no admin role in the configuration.
    #[error("this needs the line's admin role, and [line_db] names none")]
    NoAdmin,
    /// The server refused (login, schema) or the URL does not parse.
    #[error(transparent)]
    Line(LineDbError),
}

impl station_errors::Coded for LineOpenError {
    fn code(&self) -> &'static str {
        match self {
            Self::Password { .. } => "station::linedb::password",
            Self::CaFile { .. } => "station::linedb::tls",
            Self::NoAdmin => "station::linedb::no_admin",
            Self::Line(e) => e.code(),
        }
    }
}

/// The station's line database from `[line_db]` (`None` without one): the password read, TLS
/// set up, the connection opened. When the server is unreachable the connection comes back
/// unopened (it keeps trying) with the error beside it: whether the station may start apart
/// is the caller's decision (`line_db.offline`).
pub fn open_line_db(
    config: &station_config::StationConfig,
) -> Result<Option<(LineDb, Option<LineDbError>)>, LineOpenError> {
    open_line_db_as(config, LineLogin::Station)
}

/// Whose credentials a connection to the line database uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineLogin {
    /// The station's own role (`[line_db] url` and `password`).
    Station,
    /// The line's admin role (`admin_user`, `admin_password`): `station line-db`
    /// administration commands only.
    Admin,
}

/// [`open_line_db`] logging in as `login` says.
pub fn open_line_db_as(
    config: &station_config::StationConfig,
    login: LineLogin,
) -> Result<Option<(LineDb, Option<LineDbError>)>, LineOpenError> {
    let Some(section) = &config.line_db else {
        return Ok(None);
    };
    let secret = match login {
        LineLogin::Station => &section.password,
        LineLogin::Admin => {
            if section.admin_user.is_none() {
                return Err(LineOpenError::NoAdmin);
            }
            &section.admin_password
        }
    };
    let password = match secret {
        Some(source) => {
            let fail = |reason: String| LineOpenError::Password {
                source_desc: source.describe(),
                reason,
            };
            Some(zeroize::Zeroizing::new(match source {
                station_config::SecretSource::Env { env } => std::env::var(env)
                    .map_err(|_| fail(format!("environment variable {env} is not set")))?,
                station_config::SecretSource::File { file } => std::fs::read_to_string(file)
                    .map_err(|e| fail(format!("cannot read {}: {e}", file.display())))?,
            }))
        }
        None => None,
    };
    let mut db = LineDb::apart(
        &section.url,
        password.as_ref().map(|p| p.trim()),
        &config.station.id,
    )
    .map_err(LineOpenError::Line)?;
    if let (LineLogin::Admin, Some(user)) = (login, &section.admin_user) {
        db = db.with_user(user);
    }
    if let Some(path) = &section.ca_file {
        let fail = |reason: String| LineOpenError::CaFile {
            path: path.clone(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        db = db.with_ca(&pem).map_err(|e| fail(e.to_string()))?;
    }
    let fallback = db.another();
    match db.opened() {
        Ok(db) => Ok(Some((db, None))),
        Err(e) if e.is_unreachable() => Ok(Some((fallback, Some(e)))),
        Err(e) => Err(LineOpenError::Line(e)),
    }
}
