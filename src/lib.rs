//! Shared helpers for the workspace's end-to-end tests (`tests/*.rs`).
//!
//! The end-to-end tests drive the real station pipeline against the virtual fixture on real
//! pseudo-terminals and a real SQLite file; nothing here replaces a component with a mock.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub mod x509;

use station_pipeline::{EventSink, Permissions, ProgressEvent, RunRequest, RunSummary, Station};
use station_store::Store;
use station_transport::SerialOpener;
use virtual_dut::{Fixture, FixtureSpec};

/// A product section for an individually enrolled symmetric-key product.
pub const INDIVIDUAL_PRODUCT: &str = r#"
[[product]]
id = "sym"
registration_id = { template = "e2e-{serial}", lowercase = true }
dps = { id_scope = "0ne00E2E001" }
attestation = { kind = "symmetric-key", enrollment = { type = "individual" } }
"#;

/// A virtual fixture plus a station configured for it, in a temporary directory.
pub struct Harness {
    /// The temporary directory (fixture, database, logs, config).
    pub dir: tempfile::TempDir,
    /// The running virtual fixture.
    pub fixture: Fixture,
    /// The station under test.
    pub station: Station,
    /// The station's store.
    pub store: Arc<Store>,
    /// The config file written for the station.
    pub config_path: PathBuf,
}

/// Tunables for [`Harness::start`].
#[derive(Debug, Clone)]
pub struct HarnessOptions {
    /// Per-attempt SMP timeout in milliseconds (short, so fault tests finish quickly).
    pub command_timeout_ms: u64,
    /// Attempts per command.
    pub max_attempts: u32,
    /// The `[[product]]` sections; every slot uses the first product's id.
    pub products: String,
    /// Product id the slots use.
    pub product_id: String,
}

impl Default for HarnessOptions {
    fn default() -> Self {
        Self {
            command_timeout_ms: 250,
            max_attempts: 3,
            products: INDIVIDUAL_PRODUCT.into(),
            product_id: "sym".into(),
        }
    }
}

impl Harness {
    /// Starts the fixture described by `spec` (its `dir` is replaced by a temporary one) and a
    /// station with one slot per fixture slot.
    pub fn start(spec: FixtureSpec, options: &HarnessOptions) -> Harness {
        Self::start_with_issuers(spec, options, Vec::new())
    }

    /// As [`Harness::start`], with a signing CA for each X.509 product: `(product id, issuer)`.
    pub fn start_with_issuers(
        mut spec: FixtureSpec,
        options: &HarnessOptions,
        issuers: Vec<(String, Arc<dyn station_identity::pki::Issuer>)>,
    ) -> Harness {
        let dir = tempfile::tempdir().expect("temporary directory");
        spec.dir = dir.path().join("fixture");
        let fixture = Fixture::start(&spec).expect("virtual fixture starts");
        let slots: String = spec
            .slots
            .iter()
            .map(|s| {
                format!(
                    "[[fixture.slot]]\nindex = {}\nproduct = \"{}\"\n",
                    s.index, options.product_id
                )
            })
            .collect();
        let config_text = format!(
            r#"
[station]
id = "e2e-station"
log_dir = "log"

[storage]
database = "station.db"

[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]
identity_file = "uploader.age"

[fixture]
name = "virtual"
ports_file = "fixture/ports.toml"
baud = {baud}
command_timeout_ms = {timeout}
max_attempts = {attempts}
reset_timeout_ms = 2000

{slots}
{products}
"#,
            baud = spec.slots.first().map_or(115_200, |s| s.baud),
            timeout = options.command_timeout_ms,
            attempts = options.max_attempts,
            products = options.products,
        );
        let config_path = dir.path().join("station.toml");
        std::fs::write(&config_path, config_text).expect("write config");
        let config = station_config::load(&config_path).expect("harness config is valid");
        let store = Arc::new(Store::open(&config.storage.database).expect("store opens"));
        let station = open_station(config, &config_path, &store);
        let station = issuers.into_iter().fold(station, |st, (product, issuer)| {
            st.with_issuer(&product, issuer)
        });
        Harness {
            dir,
            fixture,
            station,
            store,
            config_path,
        }
    }

    /// The same harness with a new station built from its config file as it is now (a test
    /// edited it), over the same store and fixture.
    #[must_use]
    pub fn reload_config(self) -> Harness {
        let config = station_config::load(&self.config_path).expect("edited config is valid");
        Harness {
            station: open_station(config, &self.config_path, &self.store),
            ..self
        }
    }

    /// The same harness with its station changed by `f` (e.g. put on a line).
    #[must_use]
    pub fn map_station(self, f: impl FnOnce(Station) -> Station) -> Harness {
        Harness {
            station: f(self.station),
            ..self
        }
    }

    /// Runs every slot once and returns the summary and every event, in arrival order.
    pub fn run(&self, permissions: Permissions) -> (RunSummary, Vec<ProgressEvent>) {
        let events = Recorder::default();
        let request = RunRequest {
            slots: None,
            operator: "tech-1".into(),
            work_order: Some("WO-E2E".into()),
            permissions,
            ..Default::default()
        };
        let summary = self.station.run(&request, &events).expect("run completes");
        (summary, events.take())
    }

    /// Runs `request` and returns the summary and every event, in arrival order.
    pub fn run_request(&self, request: &RunRequest) -> (RunSummary, Vec<ProgressEvent>) {
        let events = Recorder::default();
        let summary = self.station.run(request, &events).expect("run completes");
        (summary, events.take())
    }

    /// The temporary directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Collects events.
#[derive(Default)]
pub struct Recorder(Mutex<Vec<ProgressEvent>>);

impl Recorder {
    /// Everything collected so far.
    pub fn take(&self) -> Vec<ProgressEvent> {
        std::mem::take(&mut *self.0.lock().expect("recorder lock"))
    }
}

impl EventSink for Recorder {
    fn event(&self, event: &ProgressEvent) {
        self.0.lock().expect("recorder lock").push(event.clone());
    }
}

/// The enrollment as the uploader sees it: a sealed payload opened with the test bench's
/// uploader identity (what the station's own config seals to), a plain one as stored.
pub fn delivered_payload(e: &station_store::QueuedEnrollment) -> serde_json::Value {
    virtual_dut::test_secrets::delivered_payload(
        &e.payload_json,
        e.sealed.as_ref().map(|s| s.ciphertext.as_slice()),
    )
}

/// The station every harness runs: `config` over `store`, real serial ports, the TPM reader.
fn open_station(config: station_config::StationConfig, path: &Path, store: &Arc<Store>) -> Station {
    Station::new(config, path, Arc::clone(store), Arc::new(SerialOpener))
        .expect("station starts")
        .with_ek_reader(Arc::new(station_identity::tpm::TssEkReader::new()))
}
