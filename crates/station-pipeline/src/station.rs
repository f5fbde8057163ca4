//! A station: configuration, store and link opener, and the concurrent run over its slots.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use station_config::{PortsFile, StationConfig};
use station_identity::SymmetricKey;
use station_identity::pki::Issuer;
use station_identity::tpm::{EkReader, VendorRoots};
use station_store::{NewRun, RunId, Store};
use station_transport::LinkOpener;

use crate::error::PipelineError;
use crate::events::{EventSink, ProgressEvent, UnitOutcome};
use crate::unit::{self, SlotPlan};

/// Irreversible or safety-relevant actions a run may take, granted explicitly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Permissions {
    /// Provision a serial or registration ID that already passed (the old unit is
    /// superseded). A supervisor's decision; recorded in the audit log.
    pub rework: bool,
}

impl Permissions {
    /// No special permissions: duplicates are refused.
    pub fn none() -> Self {
        Self::default()
    }
}

/// A request to stop a run at its next safe point, shared with whoever asks (a signal handler,
/// the desktop app's close button). Clones share one flag.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl StopFlag {
    /// A flag nobody has raised.
    pub fn new() -> Self {
        Self::default()
    }

    /// A flag over an existing atomic (e.g. one a signal handler sets).
    pub fn from_atomic(flag: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Self {
        Self(flag)
    }

    /// Asks every slot to stop at its next safe point: a unit not yet claimed stops before its
    /// next step (FAIL `station::run::stopped`, nothing irreversible done); a claimed unit
    /// finishes its lock and record.
    pub fn request(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether a stop was requested.
    pub fn is_requested(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// Slots to run; `None` runs every configured slot.
    pub slots: Option<Vec<u16>>,
    /// The logged-in operator.
    pub operator: String,
    /// The work order, if any.
    pub work_order: Option<String>,
    /// Granted permissions.
    pub permissions: Permissions,
    /// Per-slot choices for this run, by slot index; slots not named run as configured.
    pub overrides: BTreeMap<u16, SlotOverride>,
    /// Raised to stop the run at the slots' next safe points (graceful stop).
    pub stop: StopFlag,
}

/// What one slot does differently in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotOverride {
    /// Provision this product instead of the slot's configured one (a supervisor's choice).
    pub product: Option<String>,
    /// The serial scanned from the board's label: the DUT must report exactly this serial,
    /// or the unit fails at `identify` before anything is written.
    pub expected_serial: Option<String>,
}

impl SlotOverride {
    /// The per-slot overrides of a run from its chosen products and scanned serials, each as
    /// `(slot, value)`.
    pub fn by_slot(
        products: impl IntoIterator<Item = (u16, String)>,
        expected_serials: impl IntoIterator<Item = (u16, String)>,
    ) -> BTreeMap<u16, SlotOverride> {
        let mut overrides: BTreeMap<u16, SlotOverride> = BTreeMap::new();
        for (slot, product) in products {
            overrides.entry(slot).or_default().product = Some(product);
        }
        for (slot, serial) in expected_serials {
            overrides.entry(slot).or_default().expected_serial = Some(serial);
        }
        overrides
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Run id.
    pub run_id: String,
    /// One report per slot, in slot order.
    pub units: Vec<UnitReport>,
    /// Wall time.
    pub wall: Duration,
}

impl RunSummary {
    /// Units that passed.
    pub fn passed(&self) -> usize {
        self.units
            .iter()
            .filter(|u| matches!(u.outcome, UnitOutcome::Pass { .. }))
            .count()
    }

    /// Units that failed.
    pub fn failed(&self) -> usize {
        self.units.len() - self.passed()
    }
}

/// One slot's result.
#[derive(Debug, Clone)]
pub struct UnitReport {
    /// Slot.
    pub slot: u16,
    /// Serial, if the DUT identified itself.
    pub serial: Option<String>,
    /// Store id, if recorded.
    pub unit_id: Option<i64>,
    /// PASS or FAIL.
    pub outcome: UnitOutcome,
    /// Wall time of the unit.
    pub wall: Duration,
    /// Bytes moved over the link.
    pub link_bytes: u64,
    /// Steps: name, duration, success.
    pub steps: Vec<(String, Duration, bool)>,
}

/// A provisioning station.
pub struct Station {
    config: StationConfig,
    config_path: PathBuf,
    store: Arc<Store>,
    opener: Arc<dyn LinkOpener>,
    group_keys: HashMap<String, SymmetricKey>,
    issuers: HashMap<String, Arc<dyn Issuer>>,
    /// TPM products' vendor CAs, loaded at start.
    vendor_roots: HashMap<String, VendorRoots>,
    ek_reader: Option<Arc<dyn EkReader>>,
}

/// Loads the vendor CAs of every TPM product, so a missing file stops the station at start.
fn load_vendor_roots(
    config: &StationConfig,
) -> Result<HashMap<String, VendorRoots>, PipelineError> {
    let mut out = HashMap::new();
    for product in &config.products {
        if let station_config::AttestationConfig::Tpm {
            vendor_roots,
            vendor_intermediates,
            ..
        } = &product.attestation
        {
            let roots =
                VendorRoots::load(vendor_roots, vendor_intermediates).map_err(|source| {
                    PipelineError::VendorRoots {
                        product: product.id.clone(),
                        source,
                    }
                })?;
            out.insert(product.id.clone(), roots);
        }
    }
    Ok(out)
}

impl Station {
    /// Builds a station, loading product secrets. Units a previous, killed station left
    /// in progress are marked interrupted.
    pub fn new(
        config: StationConfig,
        config_path: &Path,
        store: Arc<Store>,
        opener: Arc<dyn LinkOpener>,
    ) -> Result<Self, PipelineError> {
        let group_keys = crate::secrets::load_group_keys(&config)?;
        let vendor_roots = load_vendor_roots(&config)?;
        let interrupted = store.mark_interrupted()?;
        if interrupted > 0 {
            tracing::warn!(
                interrupted,
                "units left in progress by an earlier station were marked interrupted"
            );
        }
        Ok(Self {
            config,
            config_path: config_path.to_owned(),
            store,
            opener,
            group_keys,
            issuers: HashMap::new(),
            vendor_roots,
            ek_reader: None,
        })
    }

    /// Gives the station its TPM endorsement-key reader (the front-end picks the
    /// implementation, e.g. `station_identity::tpm::TssEkReader`); a unit of a TPM product
    /// without one fails at `read-ek` with `station::tpm::no_reader`.
    #[must_use]
    pub fn with_ek_reader(mut self, reader: Arc<dyn EkReader>) -> Self {
        self.ek_reader = Some(reader);
        self
    }

    pub(crate) fn ek_reader(&self) -> Option<&dyn EkReader> {
        self.ek_reader.as_deref()
    }

    pub(crate) fn vendor_roots(&self, product: &str) -> Option<&VendorRoots> {
        self.vendor_roots.get(product)
    }

    /// Gives the X.509 product `product` its signing CA. The front-end builds the issuer (file
    /// or PKCS#11 backend) from the product's `ca` config; a unit of an X.509 product without
    /// one fails at `issue` with `station::x509::no_ca`.
    #[must_use]
    pub fn with_issuer(mut self, product: &str, issuer: Arc<dyn Issuer>) -> Self {
        self.issuers.insert(product.to_owned(), issuer);
        self
    }

    pub(crate) fn issuer(&self, product: &str) -> Option<&Arc<dyn Issuer>> {
        self.issuers.get(product)
    }

    /// The configuration.
    pub fn config(&self) -> &StationConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn opener(&self) -> &dyn LinkOpener {
        &*self.opener
    }

    pub(crate) fn group_key(&self, product: &str) -> Option<&SymmetricKey> {
        self.group_keys.get(product)
    }

    /// Provisions one unit per requested slot, all slots concurrently, and returns when every
    /// unit has finished. Unit failures are in the summary; `Err` means the run could not
    /// start or be recorded.
    pub fn run(
        &self,
        request: &RunRequest,
        sink: &dyn EventSink,
    ) -> Result<RunSummary, PipelineError> {
        let started = Instant::now();
        let plans = self.plan(request)?;
        let run_id = RunId(uuid::Uuid::new_v4().to_string());
        self.store.start_run(&NewRun {
            id: run_id.clone(),
            station_id: self.config.station.id.clone(),
            operator: request.operator.clone(),
            work_order: request.work_order.clone(),
            config_path: self.config_path.display().to_string(),
        })?;
        tracing::info!(run = %run_id, slots = plans.len(), operator = %request.operator, "run started");
        sink.event(&ProgressEvent::RunStarted {
            run_id: run_id.to_string(),
            slots: plans.iter().map(|p| p.index).collect(),
        });
        let units: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = plans
                .iter()
                .map(|plan| {
                    let run_id = &run_id;
                    std::thread::Builder::new()
                        .name(format!("slot-{}", plan.index))
                        .spawn_scoped(scope, move || {
                            unit::provision(self, run_id, request, plan, sink)
                        })
                })
                .collect();
            handles
                .into_iter()
                .zip(&plans)
                .map(|(h, plan)| {
                    match h
                        .map_err(|e| e.to_string())
                        .and_then(|h| h.join().map_err(|_| "panicked".to_owned()))
                    {
                        Ok(report) => report,
                        Err(why) => {
                            tracing::error!(slot = plan.index, %why, "slot thread failed");
                            UnitReport {
                                slot: plan.index,
                                serial: None,
                                unit_id: None,
                                outcome: UnitOutcome::Fail {
                                    step: crate::Step::Identify,
                                    code: "station::bug::slot_thread".into(),
                                    message: format!(
                                        "the station could not run slot {} ({why})",
                                        plan.index
                                    ),
                                    help: "This is a station bug; report it with the log file."
                                        .into(),
                                },
                                wall: Duration::ZERO,
                                link_bytes: 0,
                                steps: Vec::new(),
                            }
                        }
                    }
                })
                .collect()
        });
        self.store.finish_run(&run_id)?;
        let summary = RunSummary {
            run_id: run_id.to_string(),
            units,
            wall: started.elapsed(),
        };
        sink.event(&ProgressEvent::RunFinished {
            run_id: run_id.to_string(),
            passed: summary.passed() as u32,
            failed: summary.failed() as u32,
            wall_ms: summary.wall.as_secs_f64() * 1e3,
        });
        tracing::info!(run = %run_id, passed = summary.passed(), failed = summary.failed(), "run finished");
        Ok(summary)
    }

    /// Resolves the requested slots to ports and products.
    fn plan(&self, request: &RunRequest) -> Result<Vec<SlotPlan<'_>>, PipelineError> {
        let fixture = &self.config.fixture;
        let slots: Vec<_> = match &request.slots {
            None => fixture.slots.iter().collect(),
            Some(wanted) => wanted
                .iter()
                .map(|i| self.config.slot(*i).ok_or(PipelineError::UnknownSlot(*i)))
                .collect::<Result<_, _>>()?,
        };
        let needs_map = slots.iter().any(|s| s.port.is_none());
        let ports = match (&fixture.ports_file, needs_map) {
            (Some(path), true) => Some(PortsFile::load(path).map_err(PipelineError::PortsFile)?),
            _ => None,
        };
        slots
            .into_iter()
            .map(|s| {
                let port = match &s.port {
                    Some(p) => p.clone(),
                    None => ports
                        .as_ref()
                        .and_then(|m| m.port(s.index))
                        .map(|e| e.port.clone())
                        .ok_or(PipelineError::NoPort { slot: s.index })?,
                };
                let over = request.overrides.get(&s.index);
                let product_id = over
                    .and_then(|o| o.product.as_deref())
                    .unwrap_or(&s.product);
                let product = self.config.product(product_id).ok_or_else(|| {
                    PipelineError::UnknownProduct {
                        slot: s.index,
                        product: product_id.to_owned(),
                    }
                })?;
                Ok(SlotPlan {
                    index: s.index,
                    port,
                    baud: s.baud_or(fixture),
                    product,
                    expected_serial: over
                        .and_then(|o| o.expected_serial.as_deref())
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                })
            })
            .collect()
    }
}
