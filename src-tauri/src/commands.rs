//! The Tauri commands: parse arguments, check the operator's role, call the core, map errors.
//!
//! Every command is `async` and runs its work on the blocking pool (the store and the pipeline
//! block), so the main thread never waits on the database or a serial port.

use crate::launch::Launch;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use station_pipeline::{Permissions, RunRequest, SlotOverride};
use station_store::{
    Action, AuditRow, ClaimRecord, EnrollmentId, EnrollmentStatus, NewOperator, Operator,
    QueueStats, Role, StepRecord, UnitFilter, UnitId, UnitLogLine, UnitStatus, UnitSummary,
    YieldFilter, YieldReport,
};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};

use crate::error::CommandError;
use crate::events::{Forwarder, TimedEvent};
use crate::state::{StationState, Unavailable};

/// Runs `f` on the blocking pool with the managed state.
async fn blocking<R: Runtime, T: Send + 'static>(
    app: &AppHandle<R>,
    f: impl FnOnce(&StationState) -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || f(app.state::<Launch>().station()?))
        .await
        .map_err(|e| CommandError::Task(e.to_string()))?
}

/// What the login screen and the header need before anyone logs in.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    station_id: String,
    station_name: Option<String>,
    fixture_name: String,
    /// Slots per row of the fixture (`fixture.columns`), for the Run screen's layout.
    fixture_columns: Option<u16>,
    /// A scan starts its slot (`fixture.auto_start`).
    auto_start: bool,
    /// Which results sound (`kiosk.sounds`).
    sounds: station_config::Sounds,
    /// The station's language (`kiosk.locale`): the screens' language when nobody has chosen.
    locale: &'static str,
    slots: Vec<SlotInfo>,
    products: Vec<ProductInfo>,
    idle_logout_seconds: u32,
    exit_requires_supervisor_pin: bool,
    kiosk: bool,
    virtual_fixture: bool,
    work_order: Option<String>,
    log_path: Option<String>,
    version: &'static str,
}

/// One fixture slot: the product it runs now and the one the config gives it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotInfo {
    index: u16,
    product: String,
    configured_product: String,
    /// Where the slot sits on the bed (fixture definition), 1-based.
    row: Option<u16>,
    column: Option<u16>,
}

/// One product profile, and why it cannot run now if it cannot.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductInfo {
    id: String,
    description: Option<String>,
    attestation: String,
    /// The board registers with DPS after PASS (one more step).
    register_check: bool,
    unavailable: Option<Unavailable>,
}

fn slot_infos(st: &StationState) -> Vec<SlotInfo> {
    st.slot_products()
        .into_iter()
        .map(|(index, product, configured_product)| {
            let position = st.slot_position(index);
            SlotInfo {
                index,
                product,
                configured_product,
                row: position.map(|p| p.0),
                column: position.map(|p| p.1),
            }
        })
        .collect()
}

/// Station identity, slots, products and kiosk settings.
#[tauri::command]
pub async fn app_info<R: Runtime>(app: AppHandle<R>) -> Result<AppInfo, CommandError> {
    blocking(&app, |st| {
        let c = st.config();
        Ok(AppInfo {
            station_id: c.station.id.clone(),
            station_name: c.station.name.clone(),
            fixture_name: c.fixture.name.clone(),
            fixture_columns: st.fixture_columns(),
            auto_start: c.fixture.auto_start,
            sounds: c.kiosk.sounds,
            locale: c.kiosk.locale.tag(),
            slots: slot_infos(st),
            products: c
                .products
                .iter()
                .map(|p| ProductInfo {
                    id: p.id.clone(),
                    description: p.description.clone(),
                    attestation: serde_json::to_value(&p.attestation)
                        .ok()
                        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(String::from))
                        .unwrap_or_default(),
                    register_check: p.register_check.is_some(),
                    unavailable: st.unavailable(&p.id).cloned(),
                })
                .collect(),
            idle_logout_seconds: c.kiosk.idle_logout_seconds,
            exit_requires_supervisor_pin: c.kiosk.exit_requires_supervisor_pin,
            kiosk: c.kiosk.fullscreen,
            virtual_fixture: st.has_virtual_fixture(),
            work_order: st.work_order(),
            log_path: st.log_path().map(|p| p.display().to_string()),
            version: env!("CARGO_PKG_VERSION"),
        })
    })
    .await
}

/// The start-up screen's Retry: opens the station again once its cause is fixed; the new
/// cause if it is not.
#[tauri::command]
pub async fn retry_start<R: Runtime>(app: AppHandle<R>) -> Result<(), CommandError> {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || app.state::<Launch>().retry())
        .await
        .map_err(|e| CommandError::Task(e.to_string()))?
}

/// The UI reports its login screen usable; returns milliseconds since the process started.
#[tauri::command]
pub async fn ui_ready<R: Runtime>(app: AppHandle<R>) -> Result<f64, CommandError> {
    blocking(&app, |st| Ok(st.ui_ready())).await
}

/// The logged-in operator, as the UI sees them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    operator_id: String,
    name: String,
    role: Role,
    /// The operator's own language (`zh-CN`): the app speaks it from their login on.
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    /// A supervisor approving in place: the screens show their controls while it lasts.
    #[serde(skip_serializing_if = "Option::is_none")]
    approved_by: Option<Approver>,
}

/// The supervisor approving in place.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Approver {
    operator_id: String,
    name: String,
    role: Role,
}

impl From<Operator> for SessionInfo {
    fn from(o: Operator) -> Self {
        Self {
            operator_id: o.id,
            name: o.name,
            role: o.role,
            language: o.language,
            approved_by: None,
        }
    }
}

impl SessionInfo {
    /// The session now, with the supervisor approving in place, if any.
    fn current(st: &StationState) -> Option<Self> {
        st.session_view().map(|(o, a)| Self::with_approver(o, a))
    }

    fn with_approver(operator: Operator, approver: Option<Operator>) -> Self {
        Self {
            approved_by: approver.map(|a| Approver {
                operator_id: a.id,
                name: a.name,
                role: a.role,
            }),
            ..Self::from(operator)
        }
    }
}

/// A supervisor approves in place with their badge and PIN, without logging the technician
/// out; returns the session with them as approver.
#[tauri::command]
pub async fn approve<R: Runtime>(
    app: AppHandle<R>,
    operator_id: String,
    pin: String,
) -> Result<SessionInfo, CommandError> {
    blocking(&app, move |st| {
        st.approve(&operator_id, &pin)?;
        SessionInfo::current(st).ok_or(CommandError::NotLoggedIn)
    })
    .await
}

/// Ends a supervisor's in-place approval; returns the technician's session.
#[tauri::command]
pub async fn end_approval<R: Runtime>(app: AppHandle<R>) -> Result<SessionInfo, CommandError> {
    blocking(&app, |st| {
        st.end_approval()?;
        SessionInfo::current(st).ok_or(CommandError::NotLoggedIn)
    })
    .await
}

/// Logs an operator in with their badge ID and PIN.
#[tauri::command]
pub async fn login<R: Runtime>(
    app: AppHandle<R>,
    operator_id: String,
    pin: String,
) -> Result<SessionInfo, CommandError> {
    blocking(&app, move |st| Ok(st.login(&operator_id, &pin)?.into())).await
}

/// Logs the operator out (`reason`: `user` or `idle`).
#[tauri::command]
pub async fn logout<R: Runtime>(app: AppHandle<R>, reason: String) -> Result<(), CommandError> {
    let reason = if reason == "idle" { "idle" } else { "user" };
    blocking(&app, move |st| st.logout(reason)).await
}

/// The current session, if any.
#[tauri::command]
pub async fn session<R: Runtime>(app: AppHandle<R>) -> Result<Option<SessionInfo>, CommandError> {
    blocking(&app, |st| Ok(SessionInfo::current(st))).await
}

/// The UI saw operator input (keys, pointer): keeps the session alive between commands.
/// Fails with `session_expired` when it already went idle.
#[tauri::command]
pub async fn touch_session<R: Runtime>(app: AppHandle<R>) -> Result<SessionInfo, CommandError> {
    blocking(&app, |st| {
        st.touch()?;
        SessionInfo::current(st).ok_or(CommandError::NotLoggedIn)
    })
    .await
}

/// Sets the station's work order (supervisor).
#[tauri::command]
pub async fn set_work_order<R: Runtime>(
    app: AppHandle<R>,
    work_order: Option<String>,
) -> Result<Option<String>, CommandError> {
    blocking(&app, move |st| {
        let op = st.authorize(Action::SetWorkOrder)?;
        let wo = work_order
            .map(|w| w.trim().to_owned())
            .filter(|w| !w.is_empty());
        st.set_work_order(&op.id, wo.clone())?;
        Ok(wo)
    })
    .await
}

/// Sets the product `slot` runs (supervisor); `None` returns it to its configured product.
/// Returns every slot.
#[tauri::command]
pub async fn set_slot_product<R: Runtime>(
    app: AppHandle<R>,
    slot: u16,
    product: Option<String>,
) -> Result<Vec<SlotInfo>, CommandError> {
    blocking(&app, move |st| {
        let op = st.authorize(Action::SetSlotProduct)?;
        if st.running().contains(&slot) {
            return Err(CommandError::SlotBusy(slot));
        }
        st.set_slot_product(&op.id, slot, product.as_deref())?;
        Ok(slot_infos(st))
    })
    .await
}

/// How a run ended.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    run_id: String,
    passed: usize,
    failed: usize,
    wall_ms: f64,
}

/// Provisions `slots` (all when absent), streaming progress over `on_event`. `rework` provisions
/// units that already passed again and needs a supervisor. `expected_serials` are the labels
/// scanned per slot: a board reporting another serial fails at identify. Each slot runs the
/// product a supervisor chose for it.
#[tauri::command]
pub async fn run_slots<R: Runtime>(
    app: AppHandle<R>,
    slots: Option<Vec<u16>>,
    rework: bool,
    expected_serials: Option<HashMap<u16, String>>,
    on_event: Channel<Vec<TimedEvent>>,
) -> Result<RunResult, CommandError> {
    blocking(&app, move |st| {
        let op = st.authorize(if rework {
            Action::Rework
        } else {
            Action::Provision
        })?;
        let wanted: Vec<u16> = match &slots {
            Some(s) => s.clone(),
            None => st.config().fixture.slots.iter().map(|s| s.index).collect(),
        };
        if st.stop_flag().is_requested() {
            return Err(CommandError::Closing);
        }
        let _claim = st.claim_slots(&wanted)?;
        st.fixture_ready()?;
        let overrides =
            SlotOverride::by_slot(st.product_overrides(), expected_serials.unwrap_or_default());
        let request = RunRequest {
            slots: Some(wanted),
            operator: op.id.clone(),
            work_order: st.work_order(),
            permissions: Permissions { rework },
            overrides,
            stop: st.stop_flag(),
        };
        let forwarder = Forwarder::start(move |batch| {
            if let Err(e) = on_event.send(batch) {
                tracing::warn!(error = %e, "could not forward progress events to the UI");
            }
        });
        let sink = |event: &station_pipeline::ProgressEvent| forwarder.send(event);
        let summary = crate::priority::below_the_screen(|| st.station().run(&request, &sink));
        // Every event reaches the UI before the command answers.
        drop(forwarder);
        let summary = summary?;
        Ok(RunResult {
            run_id: summary.run_id.clone(),
            passed: summary.passed(),
            failed: summary.failed(),
            wall_ms: summary.wall.as_secs_f64() * 1e3,
        })
    })
    .await
}

/// The newest units.
#[tauri::command]
pub async fn units<R: Runtime>(
    app: AppHandle<R>,
    limit: Option<u32>,
    search: Option<String>,
    status: Option<String>,
    refresh: Option<bool>,
) -> Result<Vec<UnitSummary>, CommandError> {
    blocking(&app, move |st| {
        // The screen's own refresh does not keep an idle session alive.
        if refresh.unwrap_or(false) {
            st.authorize_passive(Action::Provision)?;
        } else {
            st.authorize(Action::Provision)?;
        }
        let limit = limit.unwrap_or(100).min(1000);
        let status: Option<UnitStatus> = match status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(s.parse().map_err(|e: station_store::ParseStatusError| {
                station_store::StoreError::InvalidInput {
                    field: "status",
                    reason: e.to_string(),
                }
            })?),
        };
        let search = search.as_deref().map(str::trim).unwrap_or_default();
        if search.is_empty() {
            Ok(st.store().units(&UnitFilter {
                status,
                limit: Some(limit),
                ..Default::default()
            })?)
        } else {
            Ok(st.store().search_units(search, status, limit)?)
        }
    })
    .await
}

/// A unit's enrollment, without its payload (which may hold device keys).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentView {
    id: i64,
    unit_id: i64,
    registration_id: String,
    status: EnrollmentStatus,
    attempts: u32,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&station_store::QueuedEnrollment> for EnrollmentView {
    fn from(e: &station_store::QueuedEnrollment) -> Self {
        Self {
            id: e.id.0,
            unit_id: e.unit_id.0,
            registration_id: e.registration_id.clone(),
            status: e.status,
            attempts: e.attempts,
            last_error: e.last_error.clone(),
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A certificate issued for the unit.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateView {
    serial: String,
    subject: String,
    thumbprint_sha256: String,
    not_after: DateTime<Utc>,
    status: String,
}

/// A unit in detail: steps with durations, identity and log.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnitView {
    summary: UnitSummary,
    identity: serde_json::Value,
    steps: Vec<StepRecord>,
    enrollment: Option<EnrollmentView>,
    certificates: Vec<CertificateView>,
    ek_hash: Option<String>,
    log: Vec<UnitLogLine>,
}

/// One unit with its steps, identity and log.
#[tauri::command]
pub async fn unit<R: Runtime>(app: AppHandle<R>, id: i64) -> Result<UnitView, CommandError> {
    blocking(&app, move |st| {
        st.authorize(Action::Provision)?;
        let store = st.store();
        let detail = store
            .unit(UnitId(id))?
            .ok_or(CommandError::UnknownUnit(id))?;
        let identity = detail
            .identity_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or(serde_json::Value::Null);
        let ek_hash = detail.ek_sha256.clone();
        let certificates = store
            .issued_certificates(Some(UnitId(id)))?
            .into_iter()
            .map(|c| CertificateView {
                serial: c.serial,
                subject: c.subject,
                thumbprint_sha256: c.sha256,
                not_after: c.not_after,
                status: c.status,
            })
            .collect();
        let log = store.unit_log(&detail)?;
        Ok(UnitView {
            enrollment: detail.enrollment.as_ref().map(EnrollmentView::from),
            summary: detail.summary,
            identity,
            steps: detail.steps,
            certificates,
            ek_hash,
            log,
        })
    })
    .await
}

/// The station's link to the line database, for the header.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineView {
    /// The station is on a line (`[line_db]`).
    configured: bool,
    /// The line database answered just now.
    connected: bool,
    /// `refuse` or `local`: what the station does while apart.
    offline: &'static str,
    /// Updates waiting in the outbox for the line.
    waiting: i64,
    /// Conflicts this station's replays found.
    conflicts: i64,
}

/// Whether the station is connected to its line (replaying what waits first); polled.
#[tauri::command]
pub async fn line_status<R: Runtime>(app: AppHandle<R>) -> Result<LineView, CommandError> {
    blocking(&app, |st| {
        st.authorize_passive(Action::Provision)?;
        let Some(link) = st.station().line() else {
            return Ok(LineView {
                configured: false,
                connected: false,
                offline: "refuse",
                waiting: 0,
                conflicts: 0,
            });
        };
        let report = st.station().sync_line().transpose()?;
        Ok(LineView {
            configured: true,
            connected: report.as_ref().is_some_and(|r| r.connected),
            offline: match link.offline_policy() {
                station_config::OfflinePolicy::Refuse => "refuse",
                station_config::OfflinePolicy::Local => "local",
            },
            waiting: st.store().line_outbox_len()?,
            conflicts: st.store().line_conflict_count()?,
        })
    })
    .await
}

/// The whole line as its database sees it, for the supervisor's Line panel.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineOverview {
    /// The station is on a line (`[line_db]`); nothing else is filled in otherwise.
    configured: bool,
    /// This station's ID (to pick its row out).
    station: String,
    stations: Vec<LineStationView>,
    work_orders: Vec<LineWorkOrderView>,
    #[serde(rename = "yield")]
    yields: Vec<LineYieldView>,
    conflicts: Vec<LineConflictView>,
    /// Boards left mid-lock: claims open for a minute or more.
    claims: Vec<LineClaimView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LineStationView {
    id: String,
    last_seen: DateTime<Utc>,
    seconds_ago: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LineWorkOrderView {
    id: String,
    quota: i64,
    leased: i64,
    used: i64,
    closed: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LineYieldView {
    station: String,
    work_order: Option<String>,
    passed: i64,
    failed: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LineConflictView {
    id: i64,
    kind: &'static str,
    value: String,
    holder_station: String,
    holder_unit: String,
    station: String,
    unit: String,
    done_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LineClaimView {
    station: String,
    unit: String,
    serial: Option<String>,
    claimed_at: DateTime<Utc>,
}

/// A claim open this long is a board left mid-lock, not one being locked.
const STALE_CLAIM_SECS: i64 = 60;

/// The line's stations, work orders, yield per station and work order, open conflicts and
/// boards left mid-lock (read, like the yield; this station's outbox is replayed first). Polled.
#[tauri::command]
pub async fn line_overview<R: Runtime>(app: AppHandle<R>) -> Result<LineOverview, CommandError> {
    blocking(&app, |st| {
        st.authorize_passive(Action::Provision)?;
        let station = st.station().config().station.id.clone();
        let Some(link) = st.station().line() else {
            return Ok(LineOverview {
                configured: false,
                station,
                stations: Vec::new(),
                work_orders: Vec::new(),
                yields: Vec::new(),
                conflicts: Vec::new(),
                claims: Vec::new(),
            });
        };
        st.station().sync_line().transpose()?;
        let status = link.with_db(station_linedb::LineDb::status)?;
        let now = Utc::now();
        Ok(LineOverview {
            configured: true,
            station,
            stations: status
                .stations
                .into_iter()
                .map(|s| LineStationView {
                    seconds_ago: (now - s.last_seen).num_seconds(),
                    id: s.id,
                    last_seen: s.last_seen,
                })
                .collect(),
            work_orders: status
                .work_orders
                .into_iter()
                .map(|w| LineWorkOrderView {
                    id: w.id,
                    quota: w.quota,
                    leased: w.leased,
                    used: w.used,
                    closed: w.closed,
                })
                .collect(),
            yields: status
                .yields
                .into_iter()
                .map(|y| LineYieldView {
                    station: y.station_id,
                    work_order: y.work_order,
                    passed: y.passed,
                    failed: y.failed,
                })
                .collect(),
            conflicts: status
                .conflicts
                .into_iter()
                .map(|c| LineConflictView {
                    id: c.id,
                    kind: c.identity.kind.as_str(),
                    value: c.identity.value,
                    holder_station: c.holder_station,
                    holder_unit: c.holder_unit,
                    station: c.station_id,
                    unit: c.unit_ref,
                    done_at: c.done_at,
                })
                .collect(),
            claims: status
                .claims
                .into_iter()
                .filter(|c| (now - c.claimed_at).num_seconds() >= STALE_CLAIM_SECS)
                .map(|c| LineClaimView {
                    station: c.station_id,
                    unit: c.unit_ref,
                    serial: c.serial,
                    claimed_at: c.claimed_at,
                })
                .collect(),
        })
    })
    .await
}

/// The upload queue for the queue screen.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    stats: QueueStats,
    /// Whether an uploader (`station upload`, the uploader service) holds the database's
    /// lock now; `None` when that could not be told.
    uploader_running: Option<bool>,
    uploaded_last_hour: u64,
    conflicts: Vec<EnrollmentView>,
    last_errors: Vec<EnrollmentView>,
}

/// Queue depth, upload rate, conflicts and the last upload errors. The screen polls it, so it
/// does not count as operator activity.
#[tauri::command]
pub async fn queue_status<R: Runtime>(app: AppHandle<R>) -> Result<QueueView, CommandError> {
    blocking(&app, |st| {
        st.authorize_passive(Action::Provision)?;
        let hour_ago = Utc::now() - chrono::Duration::hours(1);
        let q = st.store().queue_overview(hour_ago, 10)?;
        Ok(QueueView {
            stats: q.stats,
            uploader_running: station_store::uploader_lock::held(&st.config().storage.database)
                .ok(),
            uploaded_last_hour: q.uploaded_since,
            conflicts: q.conflicts.iter().map(EnrollmentView::from).collect(),
            last_errors: q.last_errors.iter().map(EnrollmentView::from).collect(),
        })
    })
    .await
}

/// A supervisor resolves a conflict: they checked that the enrollment DPS holds is the right
/// one for this device, so the queued record counts as uploaded.
#[tauri::command]
pub async fn resolve_conflict<R: Runtime>(
    app: AppHandle<R>,
    enrollment_id: i64,
) -> Result<(), CommandError> {
    blocking(&app, move |st| {
        let op = st.authorize(Action::ResolveConflict)?;
        st.store()
            .mark_enrollment_uploaded(EnrollmentId(enrollment_id), &op.id)?;
        Ok(())
    })
    .await
}

/// Puts a conflict back in the upload queue (supervisor), after the stale enrollment was
/// removed from DPS.
#[tauri::command]
pub async fn requeue_enrollment<R: Runtime>(
    app: AppHandle<R>,
    enrollment_id: i64,
) -> Result<(), CommandError> {
    blocking(&app, move |st| {
        let op = st.authorize(Action::ResolveConflict)?;
        st.store()
            .requeue_enrollment(EnrollmentId(enrollment_id), &op.id)?;
        Ok(())
    })
    .await
}

/// An open claim: a board locked (or about to be) whose PASS is not recorded yet, waiting to be
/// seen again in a slot or decided by a supervisor.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimView {
    unit_id: i64,
    serial: String,
    registration_id: String,
    product: Option<String>,
    slot: u16,
    operator: String,
    work_order: Option<String>,
    created_at: DateTime<Utc>,
    has_certificate: bool,
    has_enrollment: bool,
    /// The supervisor who said the board will be brought back.
    waiting_by: Option<String>,
    waiting_at: Option<DateTime<Utc>>,
}

impl From<&ClaimRecord> for ClaimView {
    fn from(c: &ClaimRecord) -> Self {
        Self {
            unit_id: c.unit_id.0,
            serial: c.serial.clone(),
            registration_id: c.registration_id.clone(),
            product: c.product.clone(),
            slot: c.slot,
            operator: c.operator.clone(),
            work_order: c.work_order.clone(),
            created_at: c.created_at,
            has_certificate: c.certificate_sha256.is_some(),
            has_enrollment: c.has_enrollment,
            waiting_by: c.waiting.as_ref().map(|(by, _)| by.clone()),
            waiting_at: c.waiting.as_ref().map(|(_, at)| *at),
        }
    }
}

/// Every open claim, oldest first. The Units and Queue screens poll it, so it does not count
/// as operator activity.
#[tauri::command]
pub async fn open_claims<R: Runtime>(app: AppHandle<R>) -> Result<Vec<ClaimView>, CommandError> {
    blocking(&app, |st| {
        st.authorize_passive(Action::Provision)?;
        Ok(st
            .store()
            .open_claims()?
            .iter()
            .map(ClaimView::from)
            .collect())
    })
    .await
}

/// A supervisor declares a claimed unit's board gone (scrapped, lost): the claim and its
/// certificate are void, the unit fails, nothing is queued. Audited with the reason.
#[tauri::command]
pub async fn void_claim<R: Runtime>(
    app: AppHandle<R>,
    unit_id: i64,
    reason: String,
) -> Result<(), CommandError> {
    blocking(&app, move |st| {
        let op = st.authorize(Action::ResolveClaim)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CommandError::NoReason);
        }
        st.store().void_claim(UnitId(unit_id), &op.id, reason)?;
        Ok(())
    })
    .await
}

/// A supervisor says a claimed unit's board will be brought back: the claim stays open (the
/// board's next contact completes or fails it). Audited.
#[tauri::command]
pub async fn keep_claim_waiting<R: Runtime>(
    app: AppHandle<R>,
    unit_id: i64,
) -> Result<(), CommandError> {
    blocking(&app, move |st| {
        let op = st.authorize(Action::ResolveClaim)?;
        st.store().keep_claim_waiting(UnitId(unit_id), &op.id)?;
        Ok(())
    })
    .await
}

/// A written export batch.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportView {
    dir: String,
    records: u64,
    manifest_sha256: String,
    certificate: String,
    /// The removable drive it was written to (and flushed), if one was chosen.
    drive: Option<String>,
}

/// A removable drive the export can go to.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriveView {
    path: String,
    label: String,
}

/// The removable drives mounted now (below `kiosk.removable_media`). Polled by the Supervisor
/// screen, so it does not count as activity.
#[tauri::command]
pub async fn removable_drives<R: Runtime>(
    app: AppHandle<R>,
) -> Result<Vec<DriveView>, CommandError> {
    blocking(&app, |st| {
        st.authorize_passive(Action::Export)?;
        Ok(crate::media::drives(&st.config().kiosk.removable_media)
            .into_iter()
            .map(|d| DriveView {
                path: d.path.display().to_string(),
                label: d.label,
            })
            .collect())
    })
    .await
}

/// Writes a signed export batch (supervisor) into a new directory under `upload.export_dir`,
/// or on `drive` (one of [`removable_drives`]) with the signing certificate beside it,
/// flushed before the answer: the enrollments of `work_order` (all when absent), queued only
/// or queued and uploaded.
#[tauri::command]
pub async fn export_batch<R: Runtime>(
    app: AppHandle<R>,
    work_order: Option<String>,
    queued_only: bool,
    drive: Option<String>,
) -> Result<ExportView, CommandError> {
    use station_store::ExportFilter;
    use station_upload::export::{ExportRequest, StationSigner, cert_path_for};
    blocking(&app, move |st| {
        let op = st.authorize(Action::Export)?;
        let section = st
            .config()
            .upload
            .as_ref()
            .ok_or(CommandError::NoUploadSection)?;
        let station_id = st.config().station.id.clone();
        let (signer, _) = StationSigner::load_or_create(&section.signing_key, &station_id)?;
        let work_order = work_order
            .map(|w| w.trim().to_owned())
            .filter(|w| !w.is_empty());
        // Only a drive the kernel lists as mounted where sticks go: never a path the UI made up.
        let drive = match drive {
            None => None,
            Some(d) => Some(
                crate::media::drives(&st.config().kiosk.removable_media)
                    .into_iter()
                    .find(|m| m.path == std::path::Path::new(&d))
                    .ok_or(CommandError::NoSuchDrive(d))?,
            ),
        };
        // The batch is written on the station first, then copied: a stick that fails mid-copy
        // loses nothing (device keys are purged once delivered; the station's copy remains).
        let out_dir = section.export_dir.join(format!(
            "{station_id}-{}",
            Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
        ));
        let request = ExportRequest {
            filter: ExportFilter {
                work_order,
                from: None,
                to: None,
                statuses: if queued_only {
                    vec![EnrollmentStatus::Queued]
                } else {
                    vec![EnrollmentStatus::Queued, EnrollmentStatus::Uploaded]
                },
            },
            out_dir,
            station_id,
            actor: op.id.clone(),
            crls: station_pipeline::crl::current(st.config()),
            sealed_for: None,
        };
        let recipients = station_upload::sealed::parse_recipients(&section.export_recipients)?;
        let retention = station_pipeline::retention(&st.config().secrets);
        // With recipients, the batch leaves the station sealed: one file, no plain folder; the
        // device keys it delivered are purged.
        let delivered = station_upload::delivery::deliver(
            st.store(),
            &request,
            &signer,
            &recipients,
            retention,
            &mut |_, _| {},
        )?;
        let summary = &delivered.summary;
        let mut written = delivered
            .sealed
            .as_ref()
            .map_or_else(|| summary.dir.clone(), |s| s.path.clone());
        let mut certificate = cert_path_for(&section.signing_key);
        if let Some(d) = &drive {
            // The device operator checks the batch against the station's certificate: it
            // travels with it. Everything is flushed before the stick may be pulled.
            let beside = d
                .path
                .join(format!("{}-export-signing.pem", st.config().station.id));
            let copied = std::fs::copy(&certificate, &beside)
                .and_then(|_| crate::media::copy_tree(&written, &d.path))
                .and_then(|copy| {
                    crate::media::sync_tree(&beside)?;
                    crate::media::sync_tree(&copy)?;
                    Ok(copy)
                })
                .map_err(|e| CommandError::DriveWrite(d.label.clone(), e))?;
            tracing::info!(drive = %d.path.display(), batch = %copied.display(), kept = %written.display(), "export copied to a removable drive and flushed");
            written = copied;
            certificate = beside;
        }
        Ok(ExportView {
            dir: written.display().to_string(),
            records: summary.manifest.records,
            manifest_sha256: summary.manifest_sha256.clone(),
            certificate: certificate.display().to_string(),
            drive: drive.map(|d| d.label),
        })
    })
    .await
}

/// Yield and the work orders to pick from.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct YieldView {
    report: YieldReport,
    work_orders: Vec<String>,
}

/// Passes and failures per hour and failure reasons, for a work order and/or a time window.
#[tauri::command]
pub async fn yield_report<R: Runtime>(
    app: AppHandle<R>,
    work_order: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<YieldView, CommandError> {
    blocking(&app, move |st| {
        st.authorize(Action::Provision)?;
        let store = st.store();
        Ok(YieldView {
            report: store.yield_report(&YieldFilter {
                work_order,
                since,
                until,
            })?,
            work_orders: store.work_orders()?,
        })
    })
    .await
}

/// The audit log and whether its chain verifies.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    rows: Vec<AuditRow>,
    chain_ok: bool,
    chain_message: String,
}

/// The newest audit rows (supervisor).
#[tauri::command]
pub async fn audit_log<R: Runtime>(
    app: AppHandle<R>,
    limit: Option<u32>,
) -> Result<AuditView, CommandError> {
    blocking(&app, move |st| {
        st.authorize(Action::ViewAudit)?;
        let store = st.store();
        let (chain_ok, chain_message) = match st.verify_audit() {
            // The head to anchor off the PC (`station audit verify --expect-head`).
            Ok(r) => (
                true,
                format!(
                    "chain verified: {} rows; head to keep off the PC: {}:{}",
                    r.rows, r.rows, r.head
                ),
            ),
            Err(e) => (false, e.to_string()),
        };
        Ok(AuditView {
            rows: store.audit_rows(limit.unwrap_or(200).min(5000))?,
            chain_ok,
            chain_message,
        })
    })
    .await
}

/// The configuration file, read-only (supervisor).
#[tauri::command]
pub async fn config_text<R: Runtime>(app: AppHandle<R>) -> Result<String, CommandError> {
    blocking(&app, |st| {
        st.authorize(Action::ViewConfig)?;
        std::fs::read_to_string(st.config_path()).map_err(CommandError::ConfigRead)
    })
    .await
}

/// Operators (supervisor: to unlock; admin: to manage).
#[tauri::command]
pub async fn operators<R: Runtime>(app: AppHandle<R>) -> Result<Vec<Operator>, CommandError> {
    blocking(&app, |st| {
        st.authorize(Action::UnlockOperator)?;
        Ok(st.store().operators()?)
    })
    .await
}

/// Adds an operator (admin).
#[tauri::command]
pub async fn add_operator<R: Runtime>(
    app: AppHandle<R>,
    operator_id: String,
    name: String,
    role: String,
    pin: String,
) -> Result<Operator, CommandError> {
    blocking(&app, move |st| {
        let op = st.authorize(Action::ManageOperators)?;
        let role: Role = role.parse()?;
        Ok(st.store().add_operator(
            &st.config().station.id,
            &op.id,
            &NewOperator {
                id: operator_id.trim().to_owned(),
                name,
                role,
                pin,
            },
        )?)
    })
    .await
}

/// Sets an operator's PIN (admin).
#[tauri::command]
pub async fn set_operator_pin<R: Runtime>(
    app: AppHandle<R>,
    operator_id: String,
    pin: String,
) -> Result<(), CommandError> {
    blocking(&app, move |st| {
        let op = st.authorize(Action::ManageOperators)?;
        Ok(st
            .store()
            .set_operator_pin(&st.config().station.id, &op.id, &operator_id, &pin)?)
    })
    .await
}

/// Ends an operator's lockout (supervisor).
#[tauri::command]
pub async fn unlock_operator<R: Runtime>(
    app: AppHandle<R>,
    operator_id: String,
) -> Result<(), CommandError> {
    blocking(&app, move |st| {
        let op = st.authorize(Action::UnlockOperator)?;
        Ok(st
            .store()
            .unlock_operator(&st.config().station.id, &op.id, &operator_id)?)
    })
    .await
}

/// Leaves the app. In kiosk mode (`exit_requires_supervisor_pin`) a supervisor's ID and PIN
/// are needed, whoever is logged in.
#[tauri::command]
pub async fn exit_app<R: Runtime>(
    app: AppHandle<R>,
    operator_id: Option<String>,
    pin: Option<String>,
) -> Result<(), CommandError> {
    let handle = app.clone();
    blocking(&app, move |st| {
        // Leaving now would cut boards off half-way through a write or the lock.
        let running = st.running();
        if !running.is_empty() {
            return Err(CommandError::ExitWhileRunning(running));
        }
        let actor = if st.config().kiosk.exit_requires_supervisor_pin {
            let op = st.confirm(
                operator_id.as_deref().unwrap_or(""),
                pin.as_deref().unwrap_or(""),
                Action::ExitKiosk,
            )?;
            op.id
        } else {
            st.current()
                .map(|o| o.id)
                .unwrap_or_else(|| "station".into())
        };
        st.audit(&actor, "kiosk.exit", "", serde_json::json!({}))?;
        st.stop_fixture();
        Ok(())
    })
    .await?;
    handle.exit(0);
    Ok(())
}
