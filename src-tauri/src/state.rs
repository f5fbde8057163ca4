//! The one managed [`StationState`]: configuration, the pipeline's station, the logged-in
//! operator and the slots currently running.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use station_config::StationConfig;
use station_pipeline::{Station, StopFlag, issuers};
use station_store::{
    Action, AuditEntry, AuditReport, LineSetting, LockoutPolicy, Operator, Store, require,
};
use station_transport::SerialOpener;

use crate::error::CommandError;
use crate::fixture::{Starting, VirtualFixture};

/// Audit rows verified per database read: each read is short, so slots are not held up.
pub const AUDIT_CHUNK: u32 = 5000;

/// The built-in virtual fixture, if the config asks for one.
enum FixtureState {
    None,
    Starting(Starting),
    Running(VirtualFixture),
    Failed(String),
}

/// The logged-in operator and when they last did something.
#[derive(Debug, Clone)]
struct Session {
    operator: Operator,
    last_activity: Instant,
    /// A supervisor approving in place: their badge and PIN checked at the technician's
    /// session, their role (and name in the audit) used until they end it or leave it idle
    /// for [`APPROVAL_IDLE`].
    approver: Option<(Operator, Instant)>,
}

/// How long a supervisor's in-place approval lasts without input.
pub const APPROVAL_IDLE: Duration = Duration::from_secs(120);

/// Why a product cannot run on this station now (e.g. its signing CA did not load at start).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unavailable {
    /// Stable code.
    pub code: String,
    /// One line for the technician.
    pub message: String,
    /// What to do.
    pub help: String,
}

/// Everything the commands share. Managed once; interior mutability, no extra `Arc`.
pub struct StationState {
    config: StationConfig,
    config_path: PathBuf,
    station: Station,
    unavailable: BTreeMap<String, Unavailable>,
    /// The fixture definition (`fixture.definition`): where each slot sits on the bed.
    bed: Option<station_config::FixtureDefinition>,
    session: Mutex<Option<Session>>,
    work_order: Mutex<Option<String>>,
    /// A supervisor's product choice per slot, where it differs from the config.
    slot_products: Mutex<BTreeMap<u16, String>>,
    running: Mutex<BTreeSet<u16>>,
    fixture: Mutex<FixtureState>,
    started: Instant,
    ready_ms: Mutex<Option<f64>>,
    log_path: Option<PathBuf>,
    /// How far this app has verified the audit chain (rows are append-only).
    audit_verified: Mutex<AuditReport>,
    /// Raised when the app is asked to close (window, SIGTERM): runs stop at a safe point.
    stop: StopFlag,
}

impl StationState {
    /// Opens the store, starts the virtual fixture if the config asks for one, and builds the
    /// station with its TPM reader and every signing CA that loads. The kiosk never prompts: a
    /// CA whose secret is not where the config says leaves that product unavailable (its units
    /// fail at `issue` with the reason) while the other products run. `started` is when the
    /// process began (for the startup figure).
    pub fn open(
        config: StationConfig,
        config_path: &Path,
        started: Instant,
        log_path: Option<PathBuf>,
    ) -> Result<Self, StartError> {
        let fixture = if config.kiosk.virtual_fixture {
            FixtureState::Starting(
                VirtualFixture::start(&config, config_path).map_err(StartError::Fixture)?,
            )
        } else {
            FixtureState::None
        };
        let bed = config
            .fixture
            .definition
            .as_deref()
            .map(station_config::FixtureDefinition::load)
            .transpose()
            .map_err(StartError::Definition)?;
        let store = Arc::new(Store::open(&config.storage.database).map_err(StartError::Store)?);
        // A supervisor's set-up survives a restart; the config's work order is only the
        // starting value of a station where none was ever set.
        let line = station_pipeline::line::resolve(
            &config,
            store.line_setup().map_err(StartError::Store)?,
        );
        let mut station = Station::new(config.clone(), config_path, store, Arc::new(SerialOpener))
            .map_err(StartError::Pipeline)?
            .with_ek_reader(Arc::new(station_identity::tpm::TssEkReader::new()));
        let mut unavailable = BTreeMap::new();
        for (product, loaded) in issuers::load_issuers(&config, None) {
            match loaded {
                Ok(issuer) => station = station.with_issuer(&product, issuer),
                Err(e) => {
                    unavailable.insert(
                        product,
                        Unavailable {
                            code: station_errors::Coded::code(&e).to_owned(),
                            message: e.to_string(),
                            help: station_errors::Coded::action(&e).to_owned(),
                        },
                    );
                }
            }
        }
        // On a line: the app starts even when the server is unreachable (the header says so;
        // `line_db.offline` decides whether units go ahead meanwhile).
        if let Some((db, unreachable)) =
            station_pipeline::open_line_db(&config).map_err(StartError::Line)?
        {
            if let Some(e) = unreachable {
                tracing::warn!(error = %e, "the line database is unreachable at start; the station keeps trying");
            }
            station = station.with_line_db(db);
        }
        Ok(Self {
            config,
            config_path: config_path.to_owned(),
            station,
            unavailable,
            bed,
            session: Mutex::new(None),
            work_order: Mutex::new(line.work_order),
            slot_products: Mutex::new(line.slot_products),
            running: Mutex::new(BTreeSet::new()),
            fixture: Mutex::new(fixture),
            started,
            ready_ms: Mutex::new(None),
            log_path,
            audit_verified: Mutex::new(AuditReport::EMPTY),
            stop: StopFlag::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &StationConfig {
        &self.config
    }

    /// Where slot `index` sits on the fixture's bed, `(row, column)`, if its definition says.
    pub fn slot_position(&self, index: u16) -> Option<(u16, u16)> {
        self.bed.as_ref().and_then(|b| b.position(index))
    }

    /// Slots per row: `fixture.columns`, else the fixture definition's `columns`.
    pub fn fixture_columns(&self) -> Option<u16> {
        self.config
            .fixture
            .columns
            .or_else(|| self.bed.as_ref().and_then(|b| b.columns))
    }

    /// The configuration file.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The pipeline's station.
    pub fn station(&self) -> &Station {
        &self.station
    }

    /// The store.
    pub fn store(&self) -> &Store {
        self.station.store()
    }

    /// This start's log file, if logging is on.
    pub fn log_path(&self) -> Option<&Path> {
        self.log_path.as_deref()
    }

    /// The current work order.
    pub fn work_order(&self) -> Option<String> {
        lock(&self.work_order).clone()
    }

    /// Sets the work order and audits it (`work_order.set`) in one store transaction; kept
    /// across restarts. The caller checked `actor`'s role.
    pub fn set_work_order(
        &self,
        actor: &str,
        work_order: Option<String>,
    ) -> Result<(), CommandError> {
        let mut current = lock(&self.work_order);
        self.store().set_line_setting(
            &self.config.station.id,
            actor,
            LineSetting::WorkOrder,
            work_order.as_deref(),
        )?;
        *current = work_order;
        Ok(())
    }

    /// Why `product` cannot run now, if it cannot.
    pub fn unavailable(&self, product: &str) -> Option<&Unavailable> {
        self.unavailable.get(product)
    }

    /// The product each slot runs now: `(slot, product, configured product)`, in slot order.
    pub fn slot_products(&self) -> Vec<(u16, String, String)> {
        station_pipeline::line::slot_products(&self.config, &lock(&self.slot_products))
    }

    /// The supervisor's product choices that differ from the config.
    pub fn product_overrides(&self) -> BTreeMap<u16, String> {
        lock(&self.slot_products).clone()
    }

    /// Sets `slot` to run `product` (`None`: its configured product) and audits it
    /// (`slot.product`) in one store transaction; kept across restarts. The caller checked
    /// `actor`'s role; the slot and product must exist.
    pub fn set_slot_product(
        &self,
        actor: &str,
        slot: u16,
        product: Option<&str>,
    ) -> Result<(), CommandError> {
        let configured = self
            .config
            .slot(slot)
            .ok_or(CommandError::UnknownSlot(slot))?;
        let product = product.filter(|p| *p != configured.product);
        if let Some(p) = product
            && self.config.product(p).is_none()
        {
            return Err(CommandError::UnknownProduct(p.to_owned()));
        }
        let mut chosen = lock(&self.slot_products);
        self.store().set_line_setting(
            &self.config.station.id,
            actor,
            LineSetting::SlotProduct(slot),
            product,
        )?;
        match product {
            Some(p) => chosen.insert(slot, p.to_owned()),
            None => chosen.remove(&slot),
        };
        Ok(())
    }

    /// The login lockout policy from `[kiosk]`.
    pub fn lockout_policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            max_attempts: self.config.kiosk.max_pin_attempts.max(1),
            duration: Duration::from_secs(u64::from(self.config.kiosk.lockout_seconds)),
        }
    }

    /// Checks `operator_id` and `pin` and, on success, starts a session.
    pub fn login(&self, operator_id: &str, pin: &str) -> Result<Operator, CommandError> {
        let operator = self.store().authenticate(
            &self.config.station.id,
            operator_id.trim(),
            pin,
            self.lockout_policy(),
            chrono::Utc::now(),
        )?;
        *lock(&self.session) = Some(Session {
            operator: operator.clone(),
            last_activity: Instant::now(),
            approver: None,
        });
        Ok(operator)
    }

    /// A supervisor approves in place: their ID and PIN are checked (wrong PINs count towards
    /// their lockout as at login) and, until [`Self::end_approval`] or [`APPROVAL_IDLE`]
    /// without input, commands run with their role and are audited under their ID; the
    /// technician stays logged in. Audited `session.approved`.
    pub fn approve(&self, operator_id: &str, pin: &str) -> Result<Operator, CommandError> {
        let technician = self.check_session(true)?;
        let approver = self.confirm(operator_id, pin, Action::Rework)?;
        self.audit(
            &approver.id,
            "session.approved",
            &technician.id,
            serde_json::json!({ "approver_role": approver.role.as_str() }),
        )?;
        if let Some(s) = lock(&self.session).as_mut() {
            s.approver = Some((approver.clone(), Instant::now()));
        }
        Ok(approver)
    }

    /// Ends a supervisor's in-place approval, if any; audited `session.approval_ended`.
    pub fn end_approval(&self) -> Result<(), CommandError> {
        let ended = lock(&self.session)
            .as_mut()
            .and_then(|s| s.approver.take().map(|(a, _)| (a, s.operator.id.clone())));
        if let Some((approver, technician)) = ended {
            self.audit(
                &approver.id,
                "session.approval_ended",
                &technician,
                serde_json::json!({}),
            )?;
        }
        Ok(())
    }

    /// The logged-in operator and the supervisor approving in place, if any.
    pub fn session_view(&self) -> Option<(Operator, Option<Operator>)> {
        // Ends an idle session and a lapsed approval, as any command would.
        self.check_session(false).ok()?;
        let guard = lock(&self.session);
        let s = guard.as_ref()?;
        Some((
            s.operator.clone(),
            s.approver.as_ref().map(|(a, _)| a.clone()),
        ))
    }

    /// Ends the session, if any; audit `operator.logout` with `reason`.
    pub fn logout(&self, reason: &str) -> Result<(), CommandError> {
        let ended = lock(&self.session).take();
        if let Some(s) = ended {
            self.audit(
                &s.operator.id,
                "operator.logout",
                &s.operator.id,
                serde_json::json!({ "reason": reason }),
            )?;
        }
        Ok(())
    }

    /// The logged-in operator, if the session has not gone idle.
    pub fn current(&self) -> Option<Operator> {
        self.check_session(false).ok()
    }

    /// The logged-in operator, if their role allows `action`; counts as activity.
    pub fn authorize(&self, action: Action) -> Result<Operator, CommandError> {
        let operator = self.check_session(true)?;
        require(operator.role, action)?;
        Ok(operator)
    }

    /// The logged-in operator, if their role allows `action`, without counting as activity:
    /// for screens that refresh themselves (the queue's 5 s poll must not keep a session
    /// alive that nobody is using).
    pub fn authorize_passive(&self, action: Action) -> Result<Operator, CommandError> {
        let operator = self.check_session(false)?;
        require(operator.role, action)?;
        Ok(operator)
    }

    /// Records operator input (keys, pointer) seen by the UI: the session stays alive while
    /// someone is working at the station, even between commands.
    pub fn touch(&self) -> Result<Operator, CommandError> {
        self.check_session(true)
    }

    /// Checks a supervisor's ID and PIN for a one-off action (leaving the kiosk) without
    /// changing who is logged in.
    pub fn confirm(
        &self,
        operator_id: &str,
        pin: &str,
        action: Action,
    ) -> Result<Operator, CommandError> {
        let operator = self.store().authenticate(
            &self.config.station.id,
            operator_id.trim(),
            pin,
            self.lockout_policy(),
            chrono::Utc::now(),
        )?;
        require(operator.role, action).map_err(CommandError::from)?;
        Ok(operator)
    }

    fn check_session(&self, touch: bool) -> Result<Operator, CommandError> {
        let idle = self.config.kiosk.idle_logout_seconds;
        // Slots at work keep the session: their results must not end up behind the login
        // screen, and the idle clock starts again when the last one finishes.
        let working = !self.running().is_empty();
        let mut guard = lock(&self.session);
        let Some(session) = guard.as_mut() else {
            return Err(CommandError::NotLoggedIn);
        };
        if working {
            session.last_activity = Instant::now();
        }
        if idle > 0 && session.last_activity.elapsed() > Duration::from_secs(u64::from(idle)) {
            let expired = guard.take();
            drop(guard);
            if let Some(s) = expired {
                self.audit(
                    &s.operator.id,
                    "operator.logout",
                    &s.operator.id,
                    serde_json::json!({ "reason": "idle" }),
                )?;
            }
            return Err(CommandError::SessionExpired(idle));
        }
        if touch {
            session.last_activity = Instant::now();
        }
        // A supervisor approving in place acts with their own role, until idle.
        if let Some((approver, at)) = session.approver.as_mut() {
            if at.elapsed() <= APPROVAL_IDLE {
                if touch {
                    *at = Instant::now();
                }
                return Ok(approver.clone());
            }
            session.approver = None;
        }
        Ok(session.operator.clone())
    }

    /// Verifies the audit chain up to its newest row, continuing where this app's last
    /// verification stopped, in chunks of [`AUDIT_CHUNK`] rows: each chunk is one short read,
    /// so running slots wait at most one chunk for the database while a supervisor opens the
    /// audit log of a station with millions of rows.
    pub fn verify_audit(&self) -> Result<AuditReport, CommandError> {
        let mut verified = lock(&self.audit_verified);
        loop {
            let next = self.store().verify_audit_from(*verified, AUDIT_CHUNK)?;
            if next == *verified {
                return Ok(next);
            }
            *verified = next;
        }
    }

    /// Appends an audit row for a UI action.
    pub fn audit(
        &self,
        actor: &str,
        kind: &str,
        subject: &str,
        detail: serde_json::Value,
    ) -> Result<(), CommandError> {
        self.store().audit_append(&AuditEntry {
            station_id: self.config.station.id.clone(),
            actor: actor.to_owned(),
            kind: kind.to_owned(),
            subject: subject.to_owned(),
            detail,
        })?;
        Ok(())
    }

    /// Claims `slots` for a run; fails if one is running. The claim ends when the guard drops.
    pub fn claim_slots(&self, slots: &[u16]) -> Result<SlotClaim<'_>, CommandError> {
        let mut running = lock(&self.running);
        if let Some(busy) = slots.iter().find(|s| running.contains(s)) {
            return Err(CommandError::SlotBusy(*busy));
        }
        running.extend(slots.iter().copied());
        Ok(SlotClaim {
            state: self,
            slots: slots.to_vec(),
        })
    }

    /// Slots running now.
    pub fn running(&self) -> Vec<u16> {
        lock(&self.running).iter().copied().collect()
    }

    /// Records the first time the UI reported a usable login screen; returns milliseconds since
    /// the process started.
    pub fn ui_ready(&self) -> f64 {
        let ms = self.started.elapsed().as_secs_f64() * 1e3;
        let mut ready = lock(&self.ready_ms);
        if ready.is_none() {
            tracing::info!(ms, "login screen usable");
            *ready = Some(ms);
        }
        ready.unwrap_or(ms)
    }

    /// Whether a virtual fixture runs in this app.
    pub fn has_virtual_fixture(&self) -> bool {
        self.config.kiosk.virtual_fixture
    }

    /// Waits until the virtual fixture's boards run (no-op without one); a run calls this
    /// before it opens any port.
    pub fn fixture_ready(&self) -> Result<(), CommandError> {
        let mut f = lock(&self.fixture);
        *f = match std::mem::replace(&mut *f, FixtureState::None) {
            FixtureState::Starting(starting) => match starting.wait() {
                Ok(running) => FixtureState::Running(running),
                Err(e) => {
                    tracing::error!(error = %e, "virtual fixture did not start");
                    FixtureState::Failed(e.to_string())
                }
            },
            other => other,
        };
        match &*f {
            FixtureState::Failed(why) => Err(CommandError::Fixture(why.clone())),
            _ => Ok(()),
        }
    }

    /// What every run is given to stop at its next safe point.
    pub fn stop_flag(&self) -> StopFlag {
        self.stop.clone()
    }

    /// Asks every running slot to stop at its next safe point (the app is closing): units not
    /// yet claimed stop before their next step, claimed ones finish their lock and record.
    pub fn request_stop(&self) {
        self.stop.request();
    }

    /// Waits until no slot runs, at most `limit`; returns the slots still running then.
    pub fn wait_idle(&self, limit: std::time::Duration) -> Vec<u16> {
        let deadline = Instant::now() + limit;
        loop {
            let running = self.running();
            if running.is_empty() || Instant::now() >= deadline {
                return running;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Stops the virtual fixture, if any (at exit).
    pub fn stop_fixture(&self) {
        let _ = self.fixture_ready();
        if let FixtureState::Running(f) =
            std::mem::replace(&mut *lock(&self.fixture), FixtureState::None)
        {
            f.stop();
        }
    }
}

/// Slots claimed by one run; released on drop.
pub struct SlotClaim<'a> {
    state: &'a StationState,
    slots: Vec<u16>,
}

impl Drop for SlotClaim<'_> {
    fn drop(&mut self) {
        {
            let mut running = lock(&self.state.running);
            for s in &self.slots {
                running.remove(s);
            }
        }
        // The idle clock starts when the slots finish, not when they were started.
        if let Some(session) = lock(&self.state.session).as_mut() {
            session.last_activity = Instant::now();
        }
    }
}

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The virtual fixture could not start.
    #[error("could not start the virtual fixture")]
    Fixture(#[source] crate::fixture::FixtureError),
    /// The fixture definition (`fixture.definition`) could not be read.
    #[error("could not read the fixture definition")]
    Definition(#[source] station_config::ConfigError),
    /// The station database could not be opened.
    #[error("could not open the station database")]
    Store(#[source] station_store::StoreError),
    /// The station could not be built (product secrets).
    #[error("could not prepare the station")]
    Pipeline(#[source] station_pipeline::PipelineError),
    /// `[line_db]` cannot be used (its password or CA file, or the server refused the login).
    #[error("could not use the line database")]
    Line(#[source] station_pipeline::LineOpenError),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data behind these locks stays consistent even if a holder panicked (plain values).
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
