//! The line's view: every station's unit outcomes, the conflicts found on replay, the work
//! orders' quota, the stations; and the DPS budget the line's uploaders share.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::{Identity, IdentityKind, LineDb, LineDbError};

/// A unit's outcome as the line keeps it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineUnit {
    /// The station's unit.
    pub unit_ref: String,
    /// The board's serial (absent when it never identified itself).
    pub serial: Option<String>,
    /// Its registration ID.
    pub registration_id: Option<String>,
    /// The product.
    pub product: String,
    /// The work order.
    pub work_order: Option<String>,
    /// Passed (or failed).
    pub passed: bool,
    /// Where it failed.
    pub failed_step: Option<String>,
    /// Why (the error code).
    pub failure_code: Option<String>,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
}

/// An identity a station provisioned while apart, held meanwhile by another station's unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Its number.
    pub id: i64,
    /// The identity both units have.
    pub identity: Identity,
    /// The station whose unit holds the reservation.
    pub holder_station: String,
    /// That unit.
    pub holder_unit: String,
    /// Whether the holder's board is locked (kept) or was still being provisioned.
    pub holder_kept: bool,
    /// The station that provisioned it while apart.
    pub station_id: String,
    /// Its unit.
    pub unit_ref: String,
    /// When that station did it.
    pub done_at: DateTime<Utc>,
    /// When the replay found it.
    pub detected_at: DateTime<Utc>,
    /// Who resolved it, how and when; `None` while open.
    pub resolved: Option<(String, String, DateTime<Utc>)>,
}

/// A board whose station stopped while locking it: its unit's claim is open there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenClaim {
    /// The station holding the claim (the only one that can complete the unit).
    pub station_id: String,
    /// Its unit.
    pub unit_ref: String,
    /// The board's serial, when the unit reserved one.
    pub serial: Option<String>,
    /// When the station claimed it.
    pub claimed_at: DateTime<Utc>,
}

/// A station of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationSeen {
    /// Its ID.
    pub id: String,
    /// When it last spoke to the line database.
    pub last_seen: DateTime<Utc>,
}

/// A work order's quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkOrderStatus {
    /// The order.
    pub id: String,
    /// Its certificate quota.
    pub quota: i64,
    /// Leased to stations (after returns).
    pub leased: i64,
    /// Issued from the leases, as the stations last reported.
    pub used: i64,
    /// Closed.
    pub closed: bool,
}

/// Yield of one station on one work order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YieldRow {
    /// The station.
    pub station_id: String,
    /// The work order (`None`: units run without one).
    pub work_order: Option<String>,
    /// Units passed.
    pub passed: i64,
    /// Units failed.
    pub failed: i64,
}

/// The whole line at a glance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineStatus {
    /// Every station, most recently seen first.
    pub stations: Vec<StationSeen>,
    /// Every work order.
    pub work_orders: Vec<WorkOrderStatus>,
    /// Yield per station and work order.
    pub yields: Vec<YieldRow>,
    /// Conflicts not yet resolved, oldest first.
    pub conflicts: Vec<Conflict>,
    /// Claims still open (boards a stopped station must complete), oldest first.
    pub claims: Vec<OpenClaim>,
}

/// Keeps (pass) or releases (fail) a unit's reservations and copies its outcome.
const FINISH_UNIT: &str = "WITH kept AS (
                     UPDATE reservations SET state = 'kept', kept_at = now()
                     WHERE station_id = $1 AND unit_ref = $2 AND state = 'held' AND $7 = 'pass'
                     RETURNING 1),
                 released AS (
                     DELETE FROM reservations
                     WHERE station_id = $1 AND unit_ref = $2 AND state = 'held' AND $7 = 'fail'
                     RETURNING 1)
                 INSERT INTO units (station_id, unit_ref, serial, registration_id, product,
                                    work_order, status, failed_step, failure_code, finished_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (station_id, unit_ref) DO UPDATE SET
                    status = EXCLUDED.status, failed_step = EXCLUDED.failed_step,
                    failure_code = EXCLUDED.failure_code, finished_at = EXCLUDED.finished_at";

impl LineDb {
    /// A unit finished, in one statement: passed, its reservations are kept for good; failed,
    /// what it still holds and has not kept is released (a unit failed after its lock keeps
    /// what was kept); and its outcome is copied to `units` (a second copy of the same unit replaces the first:
    /// a pass later failed by its register check, or a replay).
    ///
    /// On a connection from [`LineDb::another_lazy`] it is committed without waiting for the
    /// server's disk: see there what a crash of the server may cost.
    pub fn finish_unit(&mut self, unit: &LineUnit) -> Result<(), LineDbError> {
        self.with_prepared(FINISH_UNIT, |c, finish, station| {
            c.execute(
                finish,
                &[
                    &station,
                    &unit.unit_ref,
                    &unit.serial,
                    &unit.registration_id,
                    &unit.product,
                    &unit.work_order,
                    &if unit.passed { "pass" } else { "fail" },
                    &unit.failed_step,
                    &unit.failure_code,
                    &unit.finished_at,
                ],
            )?;
            Ok(())
        })
    }

    /// Closes conflict `id`: `by` (a supervisor) says what was done with the boards.
    /// Returns false when there is no such open conflict.
    pub fn resolve_conflict(
        &mut self,
        id: i64,
        by: &str,
        resolution: &str,
    ) -> Result<bool, LineDbError> {
        self.with(|c, _| {
            Ok(c.execute(
                "UPDATE conflicts SET resolved_at = now(), resolved_by = $2, resolution = $3
                 WHERE id = $1 AND resolved_at IS NULL",
                &[&id, &by, &resolution],
            )? == 1)
        })
    }

    /// The line at a glance: stations, work orders, yield, open conflicts.
    pub fn status(&mut self) -> Result<LineStatus, LineDbError> {
        self.with(|c, _| {
            let stations = c
                .query(
                    "SELECT id, last_seen FROM stations ORDER BY last_seen DESC",
                    &[],
                )?
                .iter()
                .map(|r| StationSeen {
                    id: r.get(0),
                    last_seen: r.get(1),
                })
                .collect();
            let work_orders = c
                .query(
                    "SELECT w.id, w.quota, w.leased, COALESCE(SUM(l.used), 0)::BIGINT,
                            w.closed_at IS NOT NULL
                     FROM work_orders w LEFT JOIN quota_leases l ON l.work_order_id = w.id
                     GROUP BY w.id ORDER BY w.id",
                    &[],
                )?
                .iter()
                .map(|r| WorkOrderStatus {
                    id: r.get(0),
                    quota: r.get(1),
                    leased: r.get(2),
                    used: r.get(3),
                    closed: r.get(4),
                })
                .collect();
            let yields = c
                .query(
                    "SELECT station_id, work_order,
                            COUNT(*) FILTER (WHERE status = 'pass'),
                            COUNT(*) FILTER (WHERE status = 'fail')
                     FROM units GROUP BY station_id, work_order
                     ORDER BY station_id, work_order NULLS LAST",
                    &[],
                )?
                .iter()
                .map(|r| YieldRow {
                    station_id: r.get(0),
                    work_order: r.get(1),
                    passed: r.get(2),
                    failed: r.get(3),
                })
                .collect();
            let conflicts = c
                .query(
                    "SELECT c.id, c.kind, c.value, c.holder_station, c.holder_unit,
                            COALESCE(r.state = 'kept', false), c.station_id, c.unit_ref,
                            c.done_at, c.detected_at
                     FROM conflicts c
                     LEFT JOIN reservations r ON r.kind = c.kind AND r.value = c.value
                     WHERE c.resolved_at IS NULL ORDER BY c.id",
                    &[],
                )?
                .iter()
                .filter_map(|r| {
                    let kind = IdentityKind::parse(&r.get::<_, String>(1))?;
                    Some(Conflict {
                        id: r.get(0),
                        identity: Identity::new(kind, r.get::<_, String>(2)),
                        holder_station: r.get(3),
                        holder_unit: r.get(4),
                        holder_kept: r.get(5),
                        station_id: r.get(6),
                        unit_ref: r.get(7),
                        done_at: r.get(8),
                        detected_at: r.get(9),
                        resolved: None,
                    })
                })
                .collect();
            let claims = c
                .query(
                    "SELECT station_id, unit_ref,
                            MAX(value) FILTER (WHERE kind = 'serial'), MIN(claimed_at)
                     FROM reservations WHERE claimed_at IS NOT NULL AND state = 'held'
                     GROUP BY station_id, unit_ref ORDER BY MIN(claimed_at)",
                    &[],
                )?
                .iter()
                .map(|r| OpenClaim {
                    station_id: r.get(0),
                    unit_ref: r.get(1),
                    serial: r.get(2),
                    claimed_at: r.get(3),
                })
                .collect();
            Ok(LineStatus {
                stations,
                work_orders,
                yields,
                conflicts,
                claims,
            })
        })
    }

    /// Takes `n` operations from the line's DPS budget `budget` (a token bucket refilled at
    /// `ops_per_minute`, holding at most `capacity`, starting empty), shared by every station
    /// that names the same budget. `None` when taken; `Some(wait)` when the bucket is short,
    /// with how long until it would not be (nothing is taken then).
    pub fn take_budget(
        &mut self,
        budget: &str,
        n: u32,
        ops_per_minute: u32,
        capacity: u32,
    ) -> Result<Option<Duration>, LineDbError> {
        let per_sec = f64::from(ops_per_minute.max(1)) / 60.0;
        let capacity = f64::from(capacity.max(1));
        let need = f64::from(n).min(capacity);
        self.with(|client, _| {
            let mut tx = client.transaction()?;
            tx.execute(
                "INSERT INTO dps_budgets (id, tokens, updated_at)
                 VALUES ($1, 0, clock_timestamp()) ON CONFLICT (id) DO NOTHING",
                &[&budget],
            )?;
            // The row lock serialises the line's uploaders on this budget.
            let row = tx.query_one(
                "SELECT tokens, EXTRACT(EPOCH FROM clock_timestamp() - updated_at)::FLOAT8
                 FROM dps_budgets WHERE id = $1 FOR UPDATE",
                &[&budget],
            )?;
            let (tokens, elapsed): (f64, f64) = (row.get(0), row.get(1));
            let tokens = (tokens + elapsed.max(0.0) * per_sec).min(capacity);
            let (left, wait) = if tokens >= need {
                (tokens - need, None)
            } else {
                (
                    tokens,
                    Some(Duration::from_secs_f64((need - tokens) / per_sec)),
                )
            };
            tx.execute(
                "UPDATE dps_budgets SET tokens = $2, updated_at = clock_timestamp() WHERE id = $1",
                &[&budget, &left],
            )?;
            tx.commit()?;
            Ok(wait)
        })
    }
}

/// The line's DPS budget as one uploader draws from it: its own connection to the line
/// database, the budget's name (one per DPS instance) and its pacing.
#[derive(Debug)]
pub struct LineBudget {
    db: std::sync::Mutex<LineDb>,
    id: String,
    ops_per_minute: u32,
    capacity: u32,
}

impl LineBudget {
    /// The budget `id` (e.g. `dps:<service host>`), refilled at `ops_per_minute` and holding
    /// at most `capacity` operations (one bulk call and one more, as the uploader's own
    /// bucket), drawn through `db`.
    #[must_use]
    pub fn new(db: LineDb, id: impl Into<String>, ops_per_minute: u32, capacity: u32) -> Self {
        Self {
            db: std::sync::Mutex::new(db),
            id: id.into(),
            ops_per_minute,
            capacity,
        }
    }

    /// Takes `n` operations (see [`LineDb::take_budget`]).
    pub fn take(&self, n: u32) -> Result<Option<Duration>, LineDbError> {
        let mut db = self
            .db
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        db.take_budget(&self.id, n, self.ops_per_minute, self.capacity)
    }
}
