#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod amqp;
mod device;
pub mod hook;
pub mod hub;
mod listen;
mod mqtt;
mod mqtt_wire;
mod rate;
mod service;
mod store;
mod tls;
mod ws;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dps_wire::sas::{ConnectionString, PolicyKey};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::listen::Listener;

pub use device::tpm::authentication_key as tpm_authentication_key;
/// The hub the `hashed` policy puts `registration_id` on among `hubs` (weighted rendezvous
/// hashing), as dps-local assigns it: for tests and tools that check an assignment.
pub fn hashed_hub(registration_id: &str, hubs: &[LinkedHub]) -> Option<String> {
    let all: Vec<&LinkedHub> = hubs.iter().collect();
    device::allocate::hashed(registration_id, &all).map(|h| h.host_name.clone())
}

pub use device::{DEFAULT_HUB, DIAGNOSTIC_LOG, DeviceSettings, LinkedHub, MAX_LINKED_HUBS};
pub use tls::CA_FILE;

/// The connection string file for the owner policy (EnrollmentRead + EnrollmentWrite).
pub const CONNECTION_STRING_FILE: &str = "connection-string";
/// The connection string file for the read-only policy (EnrollmentRead).
pub const READ_CONNECTION_STRING_FILE: &str = "connection-string-read";
/// The owner policy's name.
pub const OWNER_POLICY: &str = "provisioningserviceowner";
/// The read-only policy's name.
pub const READ_POLICY: &str = "enrollmentread";
/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why dps-local could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A state file could not be read or written.
    #[error("could not use {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The enrollment database failed.
    #[error("could not use the enrollment database {}", path.display())]
    Db {
        /// The database.
        path: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The CA, the server certificate or the TLS configuration could not be made.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The configuration cannot be served (e.g. more linked hubs than DPS allows).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The listening socket could not be bound.
    #[error("could not listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The policies file is not valid.
    #[error("the policies file {} is not valid: {reason}", path.display())]
    Policies {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The runtime thread could not start.
    #[error("could not start the server thread")]
    Thread(#[source] std::io::Error),
}

/// Fault knobs: each request draws against these (in this order: reset before, throttle, 5xx,
/// then the request is applied, then latency, then reset after). Rates are probabilities from 0
/// to 1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    /// Added latency before every response (after the request was applied).
    pub latency: Duration,
    /// Share of requests whose connection is reset (half before the request is applied, half
    /// after it was applied but before the response).
    pub reset_rate: f64,
    /// Share of requests answered 429 regardless of the rate limit.
    pub throttle_rate: f64,
    /// `Retry-After` (seconds) on forced 429s. Default 0 means 1.
    pub retry_after_secs: u32,
    /// Share of requests answered 503 (or 500) without being applied.
    pub error_5xx_rate: f64,
}

/// The rate limit: a token bucket shared by all clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Operations per minute; `None` = unlimited.
    pub ops_per_minute: Option<u32>,
    /// What a bulk call costs. Default 10.
    pub bulk_cost: u32,
    /// Bucket size; `None` = ten seconds of budget (at least one bulk call).
    pub burst: Option<u32>,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            ops_per_minute: None,
            bulk_cost: 10,
            burst: None,
        }
    }
}

/// How to run dps-local.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// State directory: CA, server certificate, policies, connection strings, database.
    pub state_dir: PathBuf,
    /// Where to listen (loopback). Port 0 picks a free port.
    pub bind: SocketAddr,
    /// The host name clients use (`HostName` in the connection strings, the SAS resource,
    /// and a name in the server certificate). Default `localhost`.
    pub host_name: String,
    /// The rate limit.
    pub rate_limit: RateLimit,
    /// Fault knobs.
    pub faults: Faults,
    /// Seed for the fault draws (reproducible runs); random when `None`.
    pub seed: Option<u64>,
    /// The device API: ID scope, default hub, limits.
    pub device: DeviceSettings,
    /// Where the device API's MQTT (over TLS) listens; `None` = no MQTT. Devices on the Azure
    /// SDKs need 8883.
    pub mqtt_bind: Option<SocketAddr>,
    /// Where the device API's WebSocket listener (over TLS, path `/$iothub/websocket`) serves
    /// MQTT and AMQP, by the subprotocol the device asks for (`mqtt` / `AMQPWSB10`); `None` =
    /// none. The Azure SDKs' `websockets` option uses 443.
    pub websocket_bind: Option<SocketAddr>,
    /// Where the device API's AMQP 1.0 (over TLS) listens; `None` = no AMQP. Devices on the
    /// Azure SDKs use 5671.
    pub amqp_bind: Option<SocketAddr>,
}

impl Config {
    /// Defaults: `127.0.0.1:0`, host `localhost`, no rate limit, no faults, DPS's device
    /// limits, no MQTT, no AMQP, no WebSockets.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        Self {
            state_dir: state_dir.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            host_name: "localhost".into(),
            rate_limit: RateLimit::default(),
            faults: Faults::default(),
            seed: None,
            device: DeviceSettings::default(),
            mqtt_bind: None,
            websocket_bind: None,
            amqp_bind: None,
        }
    }
}

/// Counters since start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests received.
    pub requests: u64,
    /// 429s sent because the rate limit was exceeded.
    pub throttled: u64,
    /// 429s forced by the fault knob.
    pub forced_throttles: u64,
    /// 5xx sent by the fault knob.
    pub injected_5xx: u64,
    /// Connections reset by the fault knob.
    pub resets: u64,
    /// Bulk calls applied.
    pub bulk_calls: u64,
    /// Operations charged to the rate limit.
    pub ops: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) requests: AtomicU64,
    pub(crate) throttled: AtomicU64,
    pub(crate) forced_throttles: AtomicU64,
    pub(crate) injected_5xx: AtomicU64,
    pub(crate) resets: AtomicU64,
    pub(crate) bulk_calls: AtomicU64,
    pub(crate) ops: AtomicU64,
}

/// A policy as stored in `policies.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Policy {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) rights: Vec<String>,
}

/// A registered device's twin on its hub: dps-local keeps what DPS would set on the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceTwin {
    /// The hub the device is on.
    pub hub: String,
    /// Its device ID there.
    pub device_id: String,
    /// `{"tags": {…}, "properties": {"desired": {…}}}`.
    pub twin: serde_json::Value,
}

/// A running dps-local server.
pub struct Server {
    addr: SocketAddr,
    mqtt_addr: Option<SocketAddr>,
    websocket_addr: Option<SocketAddr>,
    amqp_addr: Option<SocketAddr>,
    state_dir: PathBuf,
    host_name: String,
    shared: Arc<service::Shared>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .field("state_dir", &self.state_dir)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Starts serving on the current tokio runtime: creates the state directory, the CA and
    /// server certificate, the policies and the database on first start, and (re)writes the
    /// connection string files with the bound port.
    pub async fn start(config: Config) -> Result<Server, Error> {
        let hubs = &config.device.linked_hubs;
        if hubs.is_empty() || hubs.len() > MAX_LINKED_HUBS {
            return Err(Error::Config(format!(
                "{} linked hubs: DPS links 1 to {MAX_LINKED_HUBS}",
                hubs.len()
            )));
        }
        let dir = &config.state_dir;
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        let tls = tls::server_config(dir, &config.host_name)?;
        let policies = load_or_create_policies(dir)?;
        let db = store::Db::open(&dir.join("enrollments.db"))?;
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|source| Error::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: config.bind,
            source,
        })?;
        let host = format!("{}:{}", config.host_name, addr.port());
        for (file, policy) in [
            (CONNECTION_STRING_FILE, OWNER_POLICY),
            (READ_CONNECTION_STRING_FILE, READ_POLICY),
        ] {
            if let Some(p) = policies.iter().find(|p| p.name == policy) {
                let cs = ConnectionString {
                    host_name: host.clone(),
                    key_name: p.name.clone(),
                    key: PolicyKey::from_base64(&p.key).map_err(|e| Error::Policies {
                        path: dir.join("policies.json"),
                        reason: e.to_string(),
                    })?,
                };
                tls::write_private(&dir.join(file), &cs.to_secret_string())?;
            }
        }
        let webhook =
            device::webhook_client(&config.device.webhook_roots).map_err(Error::Config)?;
        let shared = Arc::new(service::Shared::new(&config, policies, db, webhook));
        let (shutdown, rx) = watch::channel(false);
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        let mqtt_addr =
            listen::start(config.mqtt_bind, Listener::Mqtt, &acceptor, &shared, &rx).await?;
        let websocket_addr = listen::start(
            config.websocket_bind,
            Listener::WebSocket,
            &acceptor,
            &shared,
            &rx,
        )
        .await?;
        let amqp_addr =
            listen::start(config.amqp_bind, Listener::Amqp, &acceptor, &shared, &rx).await?;
        let task = tokio::spawn(service::serve(listener, acceptor, Arc::clone(&shared), rx));
        tracing::info!(%addr, dir = %dir.display(), "dps-local listening");
        Ok(Server {
            addr,
            mqtt_addr,
            websocket_addr,
            amqp_addr,
            state_dir: dir.clone(),
            host_name: config.host_name,
            shared,
            shutdown,
            task,
        })
    }

    /// Every device registration record (`DeviceRegistrationResult`), by registration ID.
    pub fn registrations(&self) -> Vec<dps_wire::device::DeviceRegistrationResult> {
        let db = self.shared.db.lock().unwrap_or_else(|p| p.into_inner());
        db.registrations()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect()
    }

    /// The twin a registered device has on its hub (the enrollment's initial twin, the
    /// webhook's, or the one it kept when it was re-provisioned), with the hub and device ID.
    pub fn twin(&self, registration_id: &str) -> Option<DeviceTwin> {
        let db = self.shared.db.lock().unwrap_or_else(|p| p.into_inner());
        db.device_twin(registration_id)
            .ok()
            .flatten()
            .map(|(hub, device_id, twin)| DeviceTwin {
                hub,
                device_id,
                twin,
            })
    }

    /// The diagnostic log of device registration attempts (JSON lines).
    pub fn diagnostic_log(&self) -> PathBuf {
        self.state_dir.join(DIAGNOSTIC_LOG)
    }

    /// A device in a linked hub's registry (DPS put it there), with its twin.
    pub fn hub_device(&self, hub: &str, device_id: &str) -> Option<hub::HubDevice> {
        let db = self.shared.db.lock().unwrap_or_else(|p| p.into_inner());
        hub::registry::device(&db, hub, device_id).ok().flatten()
    }

    /// Patches a hub device's desired properties (pushed to it if it is connected); the new
    /// version, `None` if the hub has no such device.
    pub fn hub_set_desired(
        &self,
        hub: &str,
        device_id: &str,
        patch: &serde_json::Value,
    ) -> Option<i64> {
        let db = self.shared.db.lock().unwrap_or_else(|p| p.into_inner());
        self.shared
            .hub
            .set_desired(&db, hub, device_id, patch)
            .ok()
            .flatten()
    }

    /// Enables or disables a device on its hub (a disabled device is disconnected and
    /// refused); whether the hub has it. DPS's enrollments are not touched.
    pub fn hub_set_enabled(&self, hub: &str, device_id: &str, enabled: bool) -> bool {
        let db = self.shared.db.lock().unwrap_or_else(|p| p.into_inner());
        self.shared
            .hub
            .set_enabled(&db, hub, device_id, enabled)
            .unwrap_or(false)
    }

    /// The telemetry a hub device sent, oldest first.
    pub fn hub_messages(&self, hub: &str, device_id: &str) -> Vec<hub::HubMessage> {
        let db = self.shared.db.lock().unwrap_or_else(|p| p.into_inner());
        hub::registry::messages(&db, hub, device_id).unwrap_or_default()
    }

    /// Where the device API's WebSocket listener (MQTT and AMQP) listens, if it does.
    pub fn websocket_addr(&self) -> Option<SocketAddr> {
        self.websocket_addr
    }

    /// Where the device API's MQTT listens, if it does.
    /// Where the device API's AMQP (over TLS) listens, if it does.
    pub fn amqp_addr(&self) -> Option<SocketAddr> {
        self.amqp_addr
    }

    /// Where the device API's MQTT (over TLS) listens, if it does.
    pub fn mqtt_addr(&self) -> Option<SocketAddr> {
        self.mqtt_addr
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `host:port` as clients reach it.
    pub fn host(&self) -> String {
        format!("{}:{}", self.host_name, self.addr.port())
    }

    /// The trust file clients are given (the development CA).
    pub fn ca_file(&self) -> PathBuf {
        self.state_dir.join(CA_FILE)
    }

    /// The owner connection string file.
    pub fn connection_string_file(&self) -> PathBuf {
        self.state_dir.join(CONNECTION_STRING_FILE)
    }

    /// The owner connection string.
    pub fn connection_string(&self) -> ConnectionString {
        self.policy_connection_string(OWNER_POLICY)
    }

    /// The read-only connection string.
    pub fn read_connection_string(&self) -> ConnectionString {
        self.policy_connection_string(READ_POLICY)
    }

    fn policy_connection_string(&self, name: &str) -> ConnectionString {
        let key = self
            .shared
            .policies
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.key.clone())
            .unwrap_or_default();
        ConnectionString {
            host_name: self.host(),
            key_name: name.into(),
            // The policies were validated when the server started.
            key: PolicyKey::from_base64(&key).unwrap_or_else(|_| {
                PolicyKey::from_base64("").expect("empty base64 decodes (bug if not)")
            }),
        }
    }

    /// Replaces the fault knobs.
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().unwrap_or_else(|p| p.into_inner()) = faults;
    }

    /// Counters since start.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// The registration IDs of every stored enrollment, sorted (for tests and the demo).
    pub fn registration_ids(&self) -> Vec<String> {
        self.shared.registration_ids()
    }

    /// How many enrollments are stored.
    pub fn enrollment_count(&self) -> u64 {
        let db = self.shared.db.lock().unwrap_or_else(|p| p.into_inner());
        db.count().unwrap_or(0)
    }

    /// Stops accepting and drops open connections.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// A server on its own runtime thread, for synchronous callers (tests, the CLI demo). Dropping
/// it stops the server.
#[derive(Debug)]
pub struct ServerThread {
    server: Option<Server>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl ServerThread {
    /// Starts a server on a new two-thread runtime.
    pub fn start(config: Config) -> Result<ServerThread, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("dps-local")
            .enable_all()
            .build()
            .map_err(Error::Thread)?;
        let server = runtime.block_on(Server::start(config))?;
        Ok(ServerThread {
            server: Some(server),
            runtime: Some(runtime),
        })
    }

    /// The server.
    pub fn server(&self) -> &Server {
        // Both are `Some` until drop.
        self.server
            .as_ref()
            .expect("server present until drop (bug if not)")
    }
}

impl std::ops::Deref for ServerThread {
    type Target = Server;

    fn deref(&self) -> &Server {
        self.server()
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let (Some(server), Some(runtime)) = (self.server.take(), self.runtime.take()) {
            runtime.block_on(server.shutdown());
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

fn load_or_create_policies(dir: &Path) -> Result<Vec<Policy>, Error> {
    use base64::Engine as _;
    use rand::RngCore as _;
    let path = dir.join("policies.json");
    if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let policies: Vec<Policy> = serde_json::from_str(&text).map_err(|e| Error::Policies {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        for p in &policies {
            PolicyKey::from_base64(&p.key).map_err(|e| Error::Policies {
                path: path.clone(),
                reason: format!("policy {}: {e}", p.name),
            })?;
        }
        return Ok(policies);
    }
    let key = || {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let policies = vec![
        Policy {
            name: OWNER_POLICY.into(),
            key: key(),
            rights: vec![
                "ServiceConfig".into(),
                "EnrollmentRead".into(),
                "EnrollmentWrite".into(),
                "RegistrationStatusRead".into(),
                "RegistrationStatusWrite".into(),
            ],
        },
        Policy {
            name: READ_POLICY.into(),
            key: key(),
            rights: vec!["EnrollmentRead".into()],
        },
    ];
    let text = serde_json::to_string_pretty(&policies).map_err(|e| Error::Policies {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    tls::write_private(&path, &text)?;
    Ok(policies)
}

impl service::Shared {
    fn stats(&self) -> Stats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            requests: get(&c.requests),
            throttled: get(&c.throttled),
            forced_throttles: get(&c.forced_throttles),
            injected_5xx: get(&c.injected_5xx),
            resets: get(&c.resets),
            bulk_calls: get(&c.bulk_calls),
            ops: get(&c.ops),
        }
    }

    fn registration_ids(&self) -> Vec<String> {
        let db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let Ok(page) = db.page(crate::store::Kind::Enrollment, after.as_deref(), 1000) else {
                break;
            };
            let Some(last) = page.last() else { break };
            after = Some(last.registration_id.clone());
            out.extend(page.into_iter().map(|s| s.registration_id));
        }
        out
    }
}
